//! The 2022 occupation classification (职业分类大典): major, medium, minor groups and occupations.

use jineng_core::occupations::OccupationRank;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "occupations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// `major`, `medium`, `minor` or `occupation`.
    pub level: OccupationRank,
    pub name: String,
    #[sea_orm(indexed)]
    pub parent_code: Option<String>,
    pub digital: bool,
    pub green: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
