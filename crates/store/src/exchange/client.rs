//! A system allowed to pull shared datasets, identified by id, authenticated by an
//! HMAC-SHA256 signature with its secret (stored encrypted).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exchange_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub secret_enc: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// The datasets it may pull, comma-separated codes (`jineng_core::exchange::Dataset`).
    pub datasets: String,
    /// The region it may see (a province, city or county code); empty: the whole province.
    pub region_code: String,
    /// Whole ID numbers instead of masked ones.
    pub full_id_numbers: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
