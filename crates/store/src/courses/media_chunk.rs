//! One chunk of an upload that has arrived (its bytes in file storage). Sending a chunk
//! again is harmless: one row per (media, n).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_media_chunks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub media_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub n: i32,
    pub size: i64,
    pub sha256: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
