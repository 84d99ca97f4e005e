//! A teacher teaching for one institution: entered by the institution, approved into the
//! pool (or returned) by the regulator of the institution's region.

use jineng_core::review::ReviewStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teacher_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "teacher_org")]
    pub teacher_id: String,
    #[sea_orm(indexed, unique_key = "teacher_org")]
    pub org_id: String,
    #[sea_orm(indexed)]
    pub region_code: String,
    pub full_time: bool,
    /// `submitted`, `approved` or `returned`.
    #[sea_orm(indexed)]
    pub status: ReviewStatus,
    pub reason: String,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
