//! The province's payment to one institution for vouchers it redeemed: drawn over the
//! redeemed vouchers not yet settled, then paid once with the bank's reference.

use jineng_core::vouchers::SettlementStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_settlements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub org_id: String,
    pub vouchers: i32,
    pub total_fen: i64,
    pub status: SettlementStatus,
    pub bank_ref: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
