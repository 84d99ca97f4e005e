//! 年审: one yearly review of an approved organisation by its regulator.

use jineng_core::organizations::AnnualResult;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_annual_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "org_year")]
    pub org_id: String,
    #[sea_orm(unique_key = "org_year")]
    pub year: i32,
    /// `passed` or `failed`.
    pub result: AnnualResult,
    pub remarks: String,
    pub reviewer_id: String,
    pub reviewed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
