//! A provider admitted (入驻) through a campaign, and its standing since.

use jineng_core::solicitation::AdmissionStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_admissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub campaign_id: String,
    #[sea_orm(unique)]
    pub application_id: String,
    pub org_id: String,
    pub status: AdmissionStatus,
    /// Why it was last suspended, restored or ended.
    pub reason: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
