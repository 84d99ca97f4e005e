//! Time credited to a learner on one day (China time) in one lesson: the daily cap and
//! the evidence log's daily entries read it. Unique per (user, day, lesson, class).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "study_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    /// YYYY-MM-DD, China time.
    pub day: String,
    pub lesson_id: String,
    pub class_id: String,
    pub package_id: String,
    pub credited_ms: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
