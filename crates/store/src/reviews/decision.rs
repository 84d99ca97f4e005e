//! One review decision. Rows are only ever added.

use jineng_core::review::{Decision, ReviewSubject};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub subject: ReviewSubject,
    #[sea_orm(indexed)]
    pub subject_id: String,
    pub decision: Decision,
    /// Shown to the applicant; required when returning.
    pub reason: String,
    pub reviewer_id: String,
    pub reviewer_name: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
