//! A request to refund unused seats of an order, decided by the operator and paid back
//! through the channel the order was paid with.

use jineng_core::orders::RefundStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub seats: i32,
    pub amount_fen: i64,
    pub reason: String,
    pub status: RefundStatus,
    pub decision_note: String,
    pub requested_by: String,
    pub decided_by: Option<String>,
    /// The channel's refund number, once paid back.
    pub channel_refund_no: Option<String>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub ledger_idx: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
