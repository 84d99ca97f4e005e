//! One review decision on a claim, with the figures it was made on.

use jineng_core::subsidies::{ClaimDecision, ReviewLevel};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subsidy_claim_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub claim_id: String,
    pub level: ReviewLevel,
    pub decision: ClaimDecision,
    pub reason: String,
    pub reviewer_id: String,
    pub reviewer_name: String,
    pub eligible: i32,
    pub total_fen: i64,
    pub ledger_idx: Option<i64>,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
