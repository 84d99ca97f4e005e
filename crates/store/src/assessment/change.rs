//! A change to a published score sheet: which learner's field, from what to what, why,
//! by whom and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub class_id: String,
    pub user_id: String,
    /// `jineng_core::assessment::Field` code.
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
