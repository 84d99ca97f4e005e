//! The chain head: last sequence number and hash, a single row with id 1.

use sea_orm::Set;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub seq: i64,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub async fn init<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if Entity::find_by_id(1).one(db).await?.is_some() {
        return Ok(());
    }
    let row = ActiveModel {
        id: Set(1),
        seq: Set(0),
        hash: Set(jineng_core::audit::GENESIS.to_string()),
    };
    Entity::insert(row).exec(db).await?;
    Ok(())
}
