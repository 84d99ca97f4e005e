//! One provider's application to a campaign: its declaration form (情况表, JSON), where it
//! stands, the correction deadline when sent back, and the roadshow result.

use jineng_core::solicitation::ApplicationStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "solicitation_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub campaign_id: String,
    pub org_id: String,
    pub status: ApplicationStatus,
    pub form: String,
    /// YYYY-MM-DD, when returned for correction.
    pub correct_by: Option<String>,
    pub review_note: String,
    /// The roadshow result in hundredths of a point.
    pub result: Option<i32>,
    pub submitted_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
