//! What each witness last cosigned and how the last push went.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_witnesses")]
pub struct Model {
    /// The witness's key name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub vkey: String,
    /// Its submission prefix.
    pub url: String,
    /// The size of the latest checkpoint it cosigned (0: none yet).
    pub cosigned_size: i64,
    pub last_push_at: Option<DateTimeUtc>,
    pub last_ok_at: Option<DateTimeUtc>,
    /// Why the last push failed ('' when it did not).
    pub last_error: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
