//! One scheduled session of a class (课次), with the secret its rotating sign-in QR code
//! is derived from (stored encrypted).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "class_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub class_id: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// HH:MM, local time.
    pub starts: String,
    pub ends: String,
    pub topic: String,
    pub qr_secret_enc: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
