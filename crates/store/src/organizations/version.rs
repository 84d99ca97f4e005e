//! Every submitted version of a registration, with the regulator's decision on it.

use jineng_core::review::ReviewStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "org_version")]
    pub org_id: String,
    #[sea_orm(unique_key = "org_version")]
    pub version: i32,
    /// JSON of the submitted fields (personal data masked).
    pub snapshot: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
    /// `approved`, `returned`, or empty while pending.
    pub decision: ReviewStatus,
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
