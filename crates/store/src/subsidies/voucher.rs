//! One training voucher on one person's card: issued, held for a class, redeemed by the
//! class's institution, or void. Bound to a class exactly while held or redeemed.

use jineng_core::vouchers::VoucherStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vouchers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub issue_id: String,
    pub user_id: String,
    pub name: String,
    /// The holder's region when issued: scopes regulators.
    pub region_code: String,
    pub value_fen: i64,
    /// Training project ids, comma separated; empty: every project.
    pub projects: String,
    pub valid_from: String,
    pub valid_until: String,
    pub status: VoucherStatus,
    pub class_id: Option<String>,
    /// The class's organisation while held or redeemed: scopes its staff.
    pub org_id: Option<String>,
    pub used_at: Option<DateTimeUtc>,
    pub redeemed_at: Option<DateTimeUtc>,
    pub redeemed_by: Option<String>,
    pub ledger_idx: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The settlement that pays the institution for it (redeemed vouchers only).
    pub settlement_id: Option<String>,
    /// Why the province voided it ('' unless void).
    pub void_reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
