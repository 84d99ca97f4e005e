//! One playback of one lesson by one learner, opened and signed by the server.

use jineng_core::study::SessionStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "study_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub lesson_id: String,
    pub version_id: String,
    pub package_id: String,
    /// The class the study counts for; empty for self-study of a public-welfare course.
    pub class_id: String,
    pub status: SessionStatus,
    /// The server's cursor (`jineng_core::study::Cursor`) as JSON.
    pub cursor: String,
    /// Credited in this session.
    pub credited_ms: i64,
    /// Heartbeats received (accepted or not).
    pub beats: i64,
    pub ip: String,
    pub user_agent: String,
    /// When the next watch check is due to be asked (none: checks are off).
    pub next_check_at: Option<DateTimeUtc>,
    pub opened_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
