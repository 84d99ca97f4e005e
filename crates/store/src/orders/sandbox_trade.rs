//! The sandbox gateway's own record of a trade (what a real gateway keeps on its side):
//! what the platform's query and reconciliation read, never the platform's orders.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_trades")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub trade_no: String,
    /// The merchant's (our payment's) id; one trade per payment.
    pub out_trade_no: String,
    pub subject: String,
    pub amount_fen: i64,
    /// `WAIT_BUYER_PAY`, `TRADE_SUCCESS` or `TRADE_CLOSED`.
    pub status: String,
    pub refunded_fen: i64,
    /// The id its payment notifications carry (every repeat the same).
    pub notify_id: String,
    pub created_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
