//! A witness's cosignature of a checkpoint (a note signature line), kept with it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_cosignatures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub checkpoint_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub witness: String,
    pub line: String,
    /// The time the witness put in its cosignature.
    pub cosigned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
