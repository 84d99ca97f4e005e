//! An uploaded file of a course version: a video (its chunks while it arrives, then its
//! HLS renditions, encrypted with an AES-128 key kept encrypted here) or a PDF document
//! (its pages rendered to images). The bytes live in file storage under `media/{id}/…`.

use jineng_core::courses::{LessonKind, MediaStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_media")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The version it was uploaded to (its organisation's).
    #[sea_orm(indexed)]
    pub version_id: String,
    #[sea_orm(indexed)]
    pub org_id: String,
    pub region_code: String,
    /// The lesson it becomes: chapter, title, free preview.
    pub chapter_id: String,
    pub title: String,
    pub preview: bool,
    pub filename: String,
    pub size: i64,
    /// How many chunks the upload is cut into.
    pub chunks: i32,
    #[sea_orm(indexed)]
    pub status: MediaStatus,
    /// Why it failed, in words for the uploader.
    pub reason: String,
    pub duration_ms: Option<i64>,
    pub width: i32,
    pub height: i32,
    /// Rendition names ready to play, comma-separated.
    pub renditions: String,
    /// The AES-128 segment key, encrypted by the keyring; empty until processed.
    pub key_enc: String,
    /// A video or a document.
    pub kind: LessonKind,
    /// A document's rendered pages; 0 for videos and until processed.
    pub pages: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
