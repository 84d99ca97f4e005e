//! An institution's (or a learner's own) claim for one completed class under one policy version, with the
//! figures last computed and the level now reviewing it.

use jineng_core::subsidies::{ClaimStatus, ReviewLevel};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subsidy_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub policy_id: String,
    pub policy_version: i32,
    pub class_id: String,
    pub org_id: String,
    /// The class's region: scopes regulators.
    pub region_code: String,
    pub project_id: String,
    pub skill_level: i32,
    /// What the policy pays per eligible person for this class.
    pub standard_fen: i64,
    pub status: ClaimStatus,
    /// The level reviewing it (only while reviewing).
    pub level: Option<ReviewLevel>,
    /// The levels that review it, codes joined by commas.
    pub chain: String,
    pub learners: i32,
    pub eligible: i32,
    pub total_fen: i64,
    pub remarks: String,
    pub return_reason: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// '' for an institution's claim of the whole class; the learner's id for a learner's
    /// own claim (个人补贴).
    pub applicant_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
