//! One reviewer's decision at one level of one round of a version's review. One
//! decision per (version, round, level): a unique index, so two reviewers racing for the
//! same level cannot both decide it.

use jineng_core::courses::{ReviewDecision, ReviewStep};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub version_id: String,
    #[sea_orm(indexed)]
    pub package_id: String,
    pub round: i32,
    pub level: i32,
    pub step: ReviewStep,
    #[sea_orm(indexed)]
    pub reviewer_id: String,
    pub reviewer_name: String,
    pub decision: ReviewDecision,
    pub comments: String,
    /// The checklist items ticked (JSON array of strings).
    pub checklist: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
