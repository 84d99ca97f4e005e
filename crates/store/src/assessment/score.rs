//! One learner's row on a class's score sheet (one per class and learner).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub class_id: String,
    /// Indexed too (a learner's own results).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub attendance_days: Option<i32>,
    /// `jineng_core::assessment::Performance` code.
    pub performance: Option<String>,
    pub theory: Option<i32>,
    pub practical: Option<i32>,
    pub evaluation: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
