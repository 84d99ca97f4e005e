//! A province question bank. An imported bank is known by its source centre and the id
//! it has there (a unique index), so the same bank is never imported twice.

use jineng_core::banks::Origin;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question_banks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub occupation_code: String,
    /// None: the bank serves the whole occupation.
    pub work_type_id: Option<String>,
    /// 1–5, or 0 for 不定级 (as a training project's level).
    pub level: i32,
    pub origin: Origin,
    /// For a shared bank: the exporting centre's province code and name, the bank's id
    /// and version there, when it was exported and the digest of its questions.
    pub source_centre_code: Option<String>,
    pub source_centre: Option<String>,
    pub source_bank_id: Option<String>,
    pub source_version: Option<i32>,
    pub source_exported_at: Option<String>,
    pub source_digest: Option<String>,
    /// Raised by every change to the questions; an export carries it.
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
