//! A learner in a class.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrollments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed, unique_key = "member")]
    pub class_id: String,
    #[sea_orm(indexed, unique_key = "member")]
    pub user_id: String,
    /// Copied from the class: one open enrollment per learner and project.
    #[sea_orm(indexed)]
    pub project_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
