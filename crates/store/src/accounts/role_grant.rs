//! A role held by a user, with the region (regulators) or organisation it applies to.

use jineng_core::accounts::Role;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "grant")]
    pub user_id: String,
    #[sea_orm(unique_key = "grant")]
    pub role: Role,
    /// Empty string when the role has no region; part of the uniqueness key.
    #[sea_orm(unique_key = "grant")]
    pub region_code: String,
    pub org_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
