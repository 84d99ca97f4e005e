//! An institution's declaration that it trains an occupation (work type, level), and the
//! regulator's decision on it. Classes may only be opened for approved declarations.

use jineng_core::review::ReviewStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "occupation_declarations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "declared")]
    pub org_id: String,
    /// Copied from the organisation, so regulators' scope applies without a join.
    #[sea_orm(indexed)]
    pub region_code: String,
    #[sea_orm(unique_key = "declared")]
    pub occupation_code: String,
    #[sea_orm(unique_key = "declared")]
    pub work_type_id: String,
    #[sea_orm(unique_key = "declared")]
    pub skill_level: i32,
    /// `submitted`, `approved` or `returned`.
    #[sea_orm(indexed)]
    pub status: ReviewStatus,
    pub reason: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
