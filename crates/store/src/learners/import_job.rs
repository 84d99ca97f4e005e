//! A bulk import of learners from a spreadsheet: progress while it runs, and the report
//! of refused rows (row number and reasons) when it ends.

use jineng_core::learners::{ImportMode, ImportStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub org_id: String,
    pub created_by: String,
    /// `all_or_nothing` or `good_only`.
    pub mode: ImportMode,
    /// `checking`, `importing`, `done`, `rejected` (all-or-nothing with bad rows) or `failed`.
    pub status: ImportStatus,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub good_rows: i32,
    pub bad_rows: i32,
    pub imported_rows: i32,
    /// Rows naming a person already on the platform: asked to confirm, not yet linked.
    pub pending_rows: i32,
    /// JSON array of {row, reasons[]} for refused rows.
    pub report: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
