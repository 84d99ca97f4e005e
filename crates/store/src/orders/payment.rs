//! One attempt to pay an order through a channel. Its id is the `out_trade_no` the
//! channel knows; at most one payment of an order succeeds (a partial unique index).

use jineng_core::orders::{Channel, PaymentStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub channel: Channel,
    pub amount_fen: i64,
    pub status: PaymentStatus,
    /// The channel's trade number, once known.
    pub channel_trade_no: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    /// Where the payment entered the evidence log.
    pub ledger_idx: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
