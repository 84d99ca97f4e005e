//! One entry of the training-project catalogue.

use jineng_core::occupations::ProjectStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "project")]
    pub occupation_code: String,
    /// Empty when the project is set by occupation only.
    #[sea_orm(unique_key = "project")]
    pub work_type_id: String,
    /// 1–5, or 0 for no level.
    #[sea_orm(unique_key = "project")]
    pub skill_level: i32,
    #[sea_orm(unique_key = "project")]
    pub training_type: String,
    pub business_category: String,
    /// Class hours (学时, 45 minutes each).
    pub theory_hours: i32,
    pub practice_hours: i32,
    /// Subsidy standard per person, in fen.
    pub subsidy_fen: i64,
    /// The publishing regulator's region (province by default).
    #[sea_orm(indexed, unique_key = "project")]
    pub region_code: String,
    /// `published` or `withdrawn`.
    #[sea_orm(indexed)]
    pub status: ProjectStatus,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
