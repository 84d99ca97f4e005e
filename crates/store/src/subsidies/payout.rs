//! One payment to a learner's social-security card account, in one batch. At most one
//! live (pending or paid) payout per claim line.

use jineng_core::subsidies::PayoutStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subsidy_payouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// What the bank file and the bank's answer name it by.
    pub reference: String,
    pub batch_id: String,
    pub line_id: String,
    pub claim_id: String,
    pub user_id: String,
    pub name: String,
    /// The account as sent, encrypted.
    pub account_enc: String,
    pub account_masked: String,
    pub amount_fen: i64,
    pub status: PayoutStatus,
    pub bank_txn: Option<String>,
    pub failure: String,
    pub ledger_idx: Option<i64>,
    pub created_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
