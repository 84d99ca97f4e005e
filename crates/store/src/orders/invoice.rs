//! An invoice of a course order: what the buyer asked for, and the seller's e-invoice
//! (number, date, file) and, after a refund, its red-letter invoice.

use jineng_core::orders::{InvoiceKind, InvoiceStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    /// The buyer.
    pub org_id: String,
    /// The seller, who issues it.
    pub provider_org_id: String,
    pub region_code: String,
    pub kind: InvoiceKind,
    pub title: String,
    pub tax_id: String,
    pub address_phone: String,
    pub bank_account: String,
    /// What was paid less what was refunded when it was asked for.
    pub amount_fen: i64,
    pub status: InvoiceStatus,
    /// Why it was returned (empty otherwise).
    pub reason: String,
    pub number: Option<String>,
    /// YYYY-MM-DD.
    pub issued_on: Option<String>,
    pub file_key: Option<String>,
    pub filename: Option<String>,
    pub red_number: Option<String>,
    pub red_file_key: Option<String>,
    pub red_filename: Option<String>,
    pub requested_by: String,
    pub issued_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub issued_at: Option<DateTimeUtc>,
    pub reversed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
