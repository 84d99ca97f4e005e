//! One movement on which the platform and a channel disagree, until an operator resolves
//! it with a note.

use jineng_core::reconcile::{DifferenceKind, Movement};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliation_differences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub reconciliation_id: String,
    pub kind: DifferenceKind,
    pub movement: Movement,
    /// The platform's number: a payment's `out_trade_no` or a refund's id.
    pub reference: String,
    pub order_id: Option<String>,
    pub platform_fen: Option<i64>,
    pub channel_fen: Option<i64>,
    pub resolution: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
