//! The log's size on PostgreSQL: a single row with id 1, read `FOR UPDATE` by every
//! append (so leaves are numbered without gaps or twins) and moved on by a trigger on
//! the entries. SQLite has no such row since migration 27: its size is the last index.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub size: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
