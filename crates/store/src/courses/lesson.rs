//! A lesson of a package version: a video, a document or text, with its study time.
//! Titles are unique within a version (a unique index).

use jineng_core::courses::LessonKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_lessons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(indexed)]
    pub version_id: String,
    #[sea_orm(indexed)]
    pub chapter_id: String,
    pub position: i32,
    pub title: String,
    pub kind: LessonKind,
    /// The text of a text lesson; a short note for the others.
    pub body: String,
    /// The uploaded video or document (a media record); empty for text.
    pub media_id: String,
    /// Study time in seconds: a video's probed duration, a document's or text's stated
    /// reading time; `None` until known.
    pub seconds: Option<i64>,
    /// Part of the free preview.
    pub preview: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
