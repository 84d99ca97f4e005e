//! A provider's settlement statement for one month: sales, refunds, the platform's fee
//! and the amount due, with the provider's answer and the payout.

use jineng_core::orders::SettlementStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settlements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub provider_org_id: String,
    /// YYYY-MM (China time).
    pub period: String,
    /// Orders paid in the period.
    pub orders: i32,
    pub sales_fen: i64,
    pub refunds_fen: i64,
    pub fee_rate_bp: i32,
    pub fee_fen: i64,
    pub due_fen: i64,
    pub status: SettlementStatus,
    pub dispute_reason: String,
    /// The bank's reference of the payout.
    pub payout_ref: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
