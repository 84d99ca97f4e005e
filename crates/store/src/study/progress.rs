//! A learner's credited time in one lesson, for one class (or self-study): unique per
//! (user, lesson, class).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "study_progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub lesson_id: String,
    pub class_id: String,
    pub package_id: String,
    pub version_id: String,
    pub lesson_ms: i64,
    pub credited_ms: i64,
    /// Watched ranges (`jineng_core::study::Ranges`) as JSON.
    pub watched: String,
    /// Where to resume.
    pub position_ms: i64,
    pub completed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
