//! A return file (回盘文件) received for a batch and what it did.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subsidy_returns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub batch_id: String,
    /// `sandbox` (the embedded bank) or `upload` (a file the bank sent, uploaded).
    pub source: String,
    pub sha256: String,
    pub lines: i32,
    /// Answers that settled a pending payout.
    pub applied: i32,
    /// Answers for payouts already settled (a repeated answer changes nothing).
    pub repeated: i32,
    /// Answers that contradict how a payout was already settled (paid, then failed; or
    /// another transaction number): nothing changes, and the batch page warns.
    pub conflicting: i32,
    /// Answers naming no payout of the batch.
    pub unknown: i32,
    pub received_by: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
