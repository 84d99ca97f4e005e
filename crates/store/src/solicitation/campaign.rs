//! A solicitation campaign: what is wanted, the application window, the scoring sheet
//! (`jineng_core::solicitation::ScoringSheet` as JSON) and the stage it is in.

use jineng_core::solicitation::CampaignStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "solicitation_campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub title: String,
    /// The occupations and training types wanted (征集方向).
    pub wanted: String,
    pub requirements: String,
    /// YYYY-MM-DD, the first and last day applications are accepted.
    pub opens_on: String,
    pub closes_on: String,
    /// Days a provider has to correct an application sent back.
    pub correct_days: i32,
    /// Days the public notice runs.
    pub notice_days: i32,
    pub sheet: String,
    pub status: CampaignStatus,
    /// YYYY-MM-DD, the notice's first day.
    pub notice_from: Option<String>,
    /// The shortlist's pass line, in hundredths of a point.
    pub pass_score: Option<i32>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
