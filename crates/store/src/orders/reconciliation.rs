//! One day of one payment channel compared with the platform's records: the totals on
//! both sides and how many differences were found and are still open.

use jineng_core::orders::Channel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub channel: Channel,
    /// YYYY-MM-DD (China time).
    pub day: String,
    pub platform_payments: i32,
    pub platform_paid_fen: i64,
    pub platform_refunds: i32,
    pub platform_refunded_fen: i64,
    pub channel_payments: i32,
    pub channel_paid_fen: i64,
    pub channel_refunds: i32,
    pub channel_refunded_fen: i64,
    pub differences: i32,
    pub open_differences: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
