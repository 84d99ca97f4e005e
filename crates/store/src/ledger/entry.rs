//! One leaf: the encoded entry (hex) and, for lookups, its parts. A fact is appended
//! once: (kind, record id, record hash) is unique.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    /// The leaf's position, 0-based, without gaps.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idx: i64,
    pub kind: String,
    pub record_id: String,
    /// SHA-256 of the record's canonical form, hex.
    pub record_sha256: String,
    pub at: DateTimeUtc,
    pub org_id: String,
    /// The entry's canonical encoding (`jineng_evidence::entry`), hex.
    pub entry: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
