//! One record of an exchange dataset changed by one committed change (see migration
//! 0023): the feeds page through these in commit order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exchange_changes")]
pub struct Model {
    /// `learners`, `institutions`, `qualifications` or `classes`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset: String,
    /// The audit sequence number of the change (0: listed when the feed began).
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
