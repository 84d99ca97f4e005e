//! An expert in the review pool (评审专家库): the account they sign in with, the unit
//! they work for (its credit code is how conflicts of interest are found), title,
//! position, specialities by occupation major category and the group they sit in.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "experts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub user_id: String,
    pub name: String,
    pub unit_name: String,
    /// The unit's credit code; empty when the unit has none (a retired expert).
    pub unit_credit_code: String,
    /// 职称.
    pub title: String,
    /// 职务.
    pub position: String,
    /// Occupation major categories (大类 "1"–"8"), comma-separated.
    pub specialities: String,
    /// The group; empty when in none.
    #[sea_orm(indexed)]
    pub group_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
