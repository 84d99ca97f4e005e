//! A refund the sandbox gateway made, known by the merchant's refund number, so asking
//! twice refunds once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub refund_no: String,
    pub trade_no: String,
    pub amount_fen: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
