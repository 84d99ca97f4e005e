//! A disbursement batch: the bank file sent (kept in file storage) and its totals.

use jineng_core::subsidies::BatchStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subsidy_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub status: BatchStatus,
    pub lines: i32,
    pub total_fen: i64,
    pub file_key: String,
    pub file_sha256: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
