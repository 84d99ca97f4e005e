//! A registration document an institution or enterprise uploaded (licence, certificate).
//! The bytes live in file storage under `storage_key`; this row is the record of them.
//! Removing a document only marks it, so earlier versions can still be looked at.

use jineng_core::documents::OrgDocumentKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub org_id: String,
    pub kind: OrgDocumentKind,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes, to show the file was not changed in storage.
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    pub created_at: DateTimeUtc,
    pub removed_at: Option<DateTimeUtc>,
    pub removed_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
