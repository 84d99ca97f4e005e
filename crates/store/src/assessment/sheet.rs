//! A class's score sheet: where it stands (`SheetStatus`), its pass mark, who submitted
//! it and who confirmed it (never the same person), and its latest evidence-log entry.

use jineng_core::assessment::SheetStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_sheets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub class_id: String,
    /// The class's organisation and region (copied, for scope).
    pub org_id: String,
    pub region_code: String,
    pub status: SheetStatus,
    pub pass_mark: i32,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    /// Why the sheet was last returned for correction ("" if never).
    pub returned_reason: String,
    /// The evidence-log entry of the published scores as they stand.
    pub ledger_idx: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
