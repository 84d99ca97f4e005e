//! An expert group (专家组): a leader and a review scope (occupation major categories and
//! course types; empty means all).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub name: String,
    /// The leader's expert id; empty until one is named.
    pub leader_id: String,
    /// Occupation major categories covered, comma-separated; empty: all.
    pub categories: String,
    /// Course type codes covered, comma-separated; empty: all.
    pub course_types: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
