//! An issuer's seal image for its certificates: one per issuer, keyed `org:<id>` for a
//! training institution or `region:<code>` for a human-resources department. The image
//! itself is in the file store under `file_key`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_seals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub issuer_key: String,
    pub file_key: String,
    /// Hex SHA-256 of the PNG.
    pub sha256: String,
    pub width: i32,
    pub height: i32,
    pub uploaded_by: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
