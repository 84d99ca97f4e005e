//! Lesson videos: a resumable upload in chunks to file storage, then a job that probes
//! the file with ffprobe (a file that is not a playable video fails at once, with the
//! reason), takes a poster frame and cuts HLS renditions with ffmpeg, each segment
//! encrypted with one AES-128 key per video. Playback goes only through short-lived URLs
//! signed for one viewer and one lesson; the key is handed only to that viewer, so a copied
//! playlist or segment is useless elsewhere. Never keeps a whole video in memory: chunks
//! go to and come from storage one at a time.

use super::Courses;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::{PiiKind, Place};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs::JobError;
use crate::write::one_row;
use jineng_core::courses::{
    CHUNK_BYTES, LessonKind, ListingStatus, MAX_VIDEO_BYTES, MediaStatus, RENDITIONS,
    VersionStatus, chunk_count, chunk_size,
};
use jineng_core::jobs::JobKind;
use jineng_store::courses::{chapter, lesson, media, media_chunk, package, version};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// How long a signed playlist, segment or key URL works.
pub const URL_SECONDS: i64 = 600;
/// Unfinished uploads one version may have at a time (each may hold up to 2 GiB).
const MAX_UNFINISHED_UPLOADS: u64 = 5;
/// Longest an ffmpeg run may take before the job is retried.
const FFMPEG_TIMEOUT_SECS: u64 = 3600;

#[derive(Debug, Clone)]
pub struct UploadInput {
    pub chapter_id: String,
    pub title: String,
    pub filename: String,
    pub size: u64,
    pub preview: bool,
}

/// An upload or processed video as its uploader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MediaView {
    pub id: String,
    pub version_id: String,
    pub title: String,
    pub filename: String,
    pub size: i64,
    pub chunk_bytes: u64,
    pub chunks: i32,
    /// The chunks already received (0-based), so an interrupted upload sends only the rest.
    pub received: Vec<i32>,
    pub status: MediaStatus,
    pub status_label: &'static str,
    pub reason: String,
    pub duration_seconds: Option<i64>,
    pub renditions: Vec<String>,
}

/// What the player needs: the master playlist's URL, signed for this viewer and lesson.
#[derive(Debug, Clone, Serialize)]
pub struct PlayView {
    pub lesson_id: String,
    pub title: String,
    pub master_url: String,
    pub poster_url: String,
    pub duration_seconds: i64,
}

pub(super) fn storage(e: impl std::fmt::Display) -> AppError {
    AppError::Unavailable(format!("file storage: {e}"))
}

fn chunk_key(media_id: &str, n: i32) -> String {
    format!("media/{media_id}/src/{n:06}")
}

fn hls_key(media_id: &str, name: &str) -> String {
    format!("media/{media_id}/hls/{name}")
}

impl Courses<'_> {
    /// Start (or look up) the upload of a lesson video into a draft.
    pub async fn start_upload(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        i: UploadInput,
    ) -> AppResult<MediaView> {
        let v = self.editable(who, version_id).await?;
        let mut e = Vec::new();
        if chapter::Entity::find_by_id(i.chapter_id.clone())
            .filter(chapter::Column::VersionId.eq(v.id.clone()))
            .one(&self.db)
            .await?
            .is_none()
        {
            e.push(FieldError::new("chapter_id", "请选择本课程包的章节"));
        }
        super::text_field(&mut e, "title", "课时名称", &i.title, 1, super::MAX_NAME);
        self.screen(&mut e, "title", "课时名称", &i.title).await?;
        if i.size == 0 {
            e.push(FieldError::new("size", "文件为空"));
        } else if i.size > MAX_VIDEO_BYTES {
            e.push(FieldError::new(
                "size",
                format!("视频不能超过{}GB", MAX_VIDEO_BYTES / 1024 / 1024 / 1024),
            ));
        }
        let taken = lesson::Entity::find()
            .filter(lesson::Column::VersionId.eq(v.id.clone()))
            .filter(lesson::Column::Title.eq(i.title.trim()))
            .one(&self.db)
            .await?
            .is_some();
        if taken {
            e.push(FieldError::new("title", "同一课程包内课时名称不能重复"));
        }
        let unfinished = sea_orm::PaginatorTrait::count(
            media::Entity::find()
                .filter(media::Column::VersionId.eq(v.id.clone()))
                .filter(media::Column::Status.eq(MediaStatus::Uploading)),
            &self.db,
        )
        .await?;
        if unfinished >= MAX_UNFINISHED_UPLOADS {
            return Err(AppError::Conflict(format!(
                "本课程包已有{unfinished}个未完成的视频上传，请先完成或放弃后再上传"
            )));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let chunks = i32::try_from(chunk_count(i.size)).unwrap_or(i32::MAX);
        let w = self.write(who, ctx).await?;
        media::Entity::insert(new_media(
            NewMedia {
                id: &id,
                chapter_id: &i.chapter_id,
                title: &i.title,
                preview: i.preview,
                filename: &i.filename,
                size: i.size,
                chunks,
                status: MediaStatus::Uploading,
                kind: LessonKind::Video,
            },
            &v,
            who,
            w.now,
        ))
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "course.media_start",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "media": id, "title": i.title.trim(), "size": i.size, "chunks": chunks}),
        ))
        .await?;
        self.media(who, &id).await
    }

    /// One upload of the caller's own organisation.
    async fn own_media(&self, who: &Principal, id: &str) -> AppResult<media::Model> {
        let m = self
            .find_scoped::<media::Entity>(who, jineng_core::accounts::Permission::ManageCourses, id)
            .await?;
        self.organizations().publishing(who).await?;
        Ok(m)
    }

    pub async fn media(&self, who: &Principal, id: &str) -> AppResult<MediaView> {
        let m = self.own_media(who, id).await?;
        let received = media_chunk::Entity::find()
            .filter(media_chunk::Column::MediaId.eq(m.id.clone()))
            .order_by_asc(media_chunk::Column::N)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| c.n)
            .collect();
        Ok(MediaView {
            status_label: m.status.label(),
            duration_seconds: m.duration_ms.map(|d| (d + 500) / 1000),
            renditions: m
                .renditions
                .split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            chunk_bytes: CHUNK_BYTES,
            received,
            id: m.id,
            version_id: m.version_id,
            title: m.title,
            filename: m.filename,
            size: m.size,
            chunks: m.chunks,
            status: m.status,
            reason: m.reason,
        })
    }

    /// Store chunk `n`. Sending a chunk again is harmless; a chunk of the wrong size is
    /// refused.
    pub async fn put_chunk(
        &self,
        who: &Principal,
        id: &str,
        n: i32,
        bytes: Vec<u8>,
    ) -> AppResult<()> {
        let m = self.own_media(who, id).await?;
        if m.status != MediaStatus::Uploading {
            return Err(AppError::Conflict(format!(
                "该视频当前为“{}”，不再接收上传",
                m.status.label()
            )));
        }
        // A version sent for review takes no more files.
        self.editable(who, &m.version_id).await?;
        let expected = u64::try_from(n)
            .ok()
            .and_then(|n| chunk_size(u64::try_from(m.size).unwrap_or(0), n));
        let Some(expected) = expected else {
            return Err(AppError::field("n", "分片序号超出文件范围"));
        };
        if bytes.len() as u64 != expected {
            return Err(AppError::field(
                "chunk",
                format!(
                    "第{}个分片应为{}字节，收到{}字节",
                    n + 1,
                    expected,
                    bytes.len()
                ),
            ));
        }
        let sha = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as i64;
        self.files
            .put(&chunk_key(&m.id, n), bytes)
            .await
            .map_err(storage)?;
        media_chunk::Entity::insert(media_chunk::ActiveModel {
            media_id: Set(m.id.clone()),
            n: Set(n),
            size: Set(size),
            sha256: Set(sha.clone()),
        })
        .on_conflict(
            OnConflict::columns([media_chunk::Column::MediaId, media_chunk::Column::N])
                .update_column(media_chunk::Column::Sha256)
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// Every chunk is here: the video becomes a lesson (its time unknown until processed)
    /// and the processing job is enqueued in the same change.
    pub async fn complete_upload(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<MediaView> {
        let m = self.own_media(who, id).await?;
        let v = self.editable(who, &m.version_id).await?;
        let c = self.chapter_of(&v, &m.chapter_id).await?;
        if m.status != MediaStatus::Uploading {
            return Err(AppError::Conflict(format!(
                "该视频当前为“{}”，已完成上传",
                m.status.label()
            )));
        }
        let got = sea_orm::PaginatorTrait::count(
            media_chunk::Entity::find().filter(media_chunk::Column::MediaId.eq(m.id.clone())),
            &self.db,
        )
        .await?;
        if got != u64::try_from(m.chunks).unwrap_or(0) {
            return Err(AppError::Conflict(format!(
                "还有{}个分片未上传，请继续上传",
                u64::try_from(m.chunks).unwrap_or(0).saturating_sub(got)
            )));
        }
        let w = self.write(who, ctx).await?;
        one_row(
            media::Entity::update_many()
                .col_expr(media::Column::Status, Expr::value(MediaStatus::Processing))
                .col_expr(media::Column::UpdatedAt, Expr::value(w.now))
                .filter(media::Column::Id.eq(m.id.clone()))
                .filter(media::Column::Status.eq(MediaStatus::Uploading))
                .exec(&w.txn)
                .await?,
            "该视频刚被处理，请刷新后重试",
        )?;
        Self::touch_version(&w, &v).await?;
        self.insert_lesson(
            &w,
            &v,
            &c,
            &super::LessonInput {
                chapter_id: c.id.clone(),
                title: m.title.clone(),
                kind: LessonKind::Video,
                body: String::new(),
                minutes: None,
                preview: m.preview,
            },
            m.id.clone(),
            None,
        )
        .await?;
        crate::jobs::enqueue(
            self,
            &w,
            JobKind::MediaProcess,
            &format!("media:{}", m.id),
            serde_json::json!({"media": m.id}),
        )
        .await?;
        w.commit(Entry::ok(
            "course.media_upload",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "media": m.id, "title": m.title, "size": m.size}),
        ))
        .await?;
        self.media(who, id).await
    }

    /// Give up an upload that was never completed: its chunks are deleted and it no longer
    /// counts against the version's unfinished uploads.
    pub async fn abandon_upload(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<()> {
        let m = self.own_media(who, id).await?;
        if m.status != MediaStatus::Uploading {
            return Err(AppError::Conflict(format!(
                "该视频当前为“{}”，已完成上传，不能放弃；如不需要请删除课时",
                m.status.label()
            )));
        }
        let chunks: Vec<i32> = media_chunk::Entity::find()
            .filter(media_chunk::Column::MediaId.eq(m.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| c.n)
            .collect();
        let w = self.write(who, ctx).await?;
        media_chunk::Entity::delete_many()
            .filter(media_chunk::Column::MediaId.eq(m.id.clone()))
            .exec(&w.txn)
            .await?;
        let gone = media::Entity::delete_many()
            .filter(media::Column::Id.eq(m.id.clone()))
            .filter(media::Column::Status.eq(MediaStatus::Uploading))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if gone != 1 {
            return Err(AppError::Conflict("该视频刚完成上传，请刷新后查看".into()));
        }
        w.commit(Entry::ok(
            "course.media_abandon",
            "course_media",
            &m.id,
            serde_json::json!({"version": m.version_id, "title": m.title, "chunks": chunks.len()}),
        ))
        .await?;
        // The rows are gone; the bytes follow (a failure here leaves unreferenced files).
        for n in chunks {
            if let Err(e) = self.files.delete(&chunk_key(&m.id, n)).await {
                tracing::warn!(media = %m.id, "could not delete an abandoned chunk: {e}");
            }
        }
        Ok(())
    }

    /// The version's uploads that were started and never completed, oldest first.
    pub async fn unfinished_uploads(
        &self,
        who: &Principal,
        version_id: &str,
    ) -> AppResult<Vec<MediaView>> {
        let v = self
            .find_scoped::<version::Entity>(
                who,
                jineng_core::accounts::Permission::ManageCourses,
                version_id,
            )
            .await?;
        let ids: Vec<String> = media::Entity::find()
            .filter(media::Column::VersionId.eq(v.id))
            .filter(media::Column::Status.eq(MediaStatus::Uploading))
            .order_by_asc(media::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.media(who, &id).await?);
        }
        Ok(out)
    }

    /// Process a failed video again (after the cause was fixed, or a passing outage).
    pub async fn retry_media(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<MediaView> {
        let m = self.own_media(who, id).await?;
        if m.status != MediaStatus::Failed {
            return Err(AppError::Conflict(format!(
                "该视频当前为“{}”，无需重新处理",
                m.status.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        one_row(
            media::Entity::update_many()
                .col_expr(media::Column::Status, Expr::value(MediaStatus::Processing))
                .col_expr(media::Column::Reason, Expr::value(""))
                .col_expr(media::Column::UpdatedAt, Expr::value(w.now))
                .filter(media::Column::Id.eq(m.id.clone()))
                .filter(media::Column::Status.eq(MediaStatus::Failed))
                .exec(&w.txn)
                .await?,
            "该视频刚被处理，请刷新后重试",
        )?;
        crate::jobs::enqueue(
            self,
            &w,
            JobKind::MediaProcess,
            &format!("media:{}:{}", m.id, w.now.timestamp_micros()),
            serde_json::json!({"media": m.id}),
        )
        .await?;
        w.commit(Entry::ok(
            "course.media_retry",
            "course_media",
            &m.id,
            serde_json::json!({"reason": m.reason}),
        ))
        .await?;
        self.media(who, id).await
    }

    /// The media job: probe, poster, encrypted HLS renditions, then the lesson's time.
    /// Run again after a crash it starts over from the stored chunks.
    pub(crate) async fn process_media(&self, payload: &str) -> Result<(), JobError> {
        let id = serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|p| p["media"].as_str().map(str::to_string))
            .ok_or_else(|| JobError::Fatal("任务参数缺少视频编号".into()))?;
        let Some(m) = media::Entity::find_by_id(id.clone())
            .one(&self.db)
            .await
            .map_err(AppError::from)?
        else {
            return Ok(());
        };
        if m.status != MediaStatus::Processing {
            return Ok(());
        }
        let dir = std::env::temp_dir().join(format!("jineng-media-{}", uuid::Uuid::now_v7()));
        let result = match m.kind {
            LessonKind::Document => self.render_document(&m, &dir).await.map(Processed::Pages),
            _ => self.transcode(&m, &dir).await.map(Processed::Video),
        };
        let _ = tokio::fs::remove_dir_all(&dir).await;
        match result {
            Ok(Processed::Video(done)) => self.media_ready(&m, done).await.map_err(JobError::from),
            Ok(Processed::Pages(n)) => self.document_ready(&m, n).await.map_err(JobError::from),
            Err(Transcode::Unusable(why)) => {
                self.media_failed(&m.id, &why).await?;
                Ok(())
            }
            Err(Transcode::Retry(why)) => Err(JobError::Retry(why)),
        }
    }

    /// When the job gives up: the uploader sees why.
    pub(crate) async fn media_given_up(&self, payload: &str, why: &str) -> AppResult<()> {
        if let Some(id) = serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|p| p["media"].as_str().map(str::to_string))
        {
            self.media_failed(&id, &format!("视频处理多次失败：{why}"))
                .await?;
        }
        Ok(())
    }

    async fn media_failed(&self, id: &str, why: &str) -> AppResult<()> {
        let ctx = RequestCtx::internal("media-job", "jineng media");
        let system = Principal::system();
        let w = self.write(&system, &ctx).await?;
        let n = media::Entity::update_many()
            .col_expr(media::Column::Status, Expr::value(MediaStatus::Failed))
            .col_expr(media::Column::Reason, Expr::value(why))
            .col_expr(media::Column::UpdatedAt, Expr::value(w.now))
            .filter(media::Column::Id.eq(id))
            .filter(media::Column::Status.eq(MediaStatus::Processing))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n == 0 {
            return Ok(());
        }
        w.commit(Entry::ok(
            "course.media_failed",
            "course_media",
            id,
            serde_json::json!({"reason": why}),
        ))
        .await
    }

    async fn media_ready(&self, m: &media::Model, done: Transcoded) -> AppResult<()> {
        let key_enc = self
            .keyring
            .encrypt(
                &hex::encode(done.key),
                Place::new("course_media", "key_enc", &m.id),
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let ctx = RequestCtx::internal("media-job", "jineng media");
        let system = Principal::system();
        let w = self.write(&system, &ctx).await?;
        let n = media::Entity::update_many()
            .col_expr(media::Column::Status, Expr::value(MediaStatus::Ready))
            .col_expr(
                media::Column::DurationMs,
                Expr::value(Some(done.duration_ms)),
            )
            .col_expr(media::Column::Width, Expr::value(done.width))
            .col_expr(media::Column::Height, Expr::value(done.height))
            .col_expr(
                media::Column::Renditions,
                Expr::value(done.renditions.join(",")),
            )
            .col_expr(media::Column::KeyEnc, Expr::value(key_enc))
            .col_expr(media::Column::UpdatedAt, Expr::value(w.now))
            .filter(media::Column::Id.eq(m.id.clone()))
            .filter(media::Column::Status.eq(MediaStatus::Processing))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n == 0 {
            return Ok(());
        }
        let seconds = (done.duration_ms + 500) / 1000;
        lesson::Entity::update_many()
            .col_expr(lesson::Column::Seconds, Expr::value(Some(seconds)))
            .filter(lesson::Column::MediaId.eq(m.id.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "course.media_ready",
            "course_media",
            &m.id,
            serde_json::json!({"seconds": seconds, "width": done.width, "height": done.height, "renditions": done.renditions}),
        ))
        .await
    }

    async fn transcode(&self, m: &media::Model, dir: &Path) -> Result<Transcoded, Transcode> {
        let io = |e: std::io::Error| Transcode::Retry(format!("work files: {e}"));
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
        let source = dir.join("source");
        {
            use tokio::io::AsyncWriteExt;
            let mut f = tokio::fs::File::create(&source).await.map_err(io)?;
            for n in 0..m.chunks {
                let bytes = self
                    .files
                    .get(&chunk_key(&m.id, n))
                    .await
                    .map_err(|e| Transcode::Retry(format!("file storage: {e}")))?
                    .ok_or_else(|| Transcode::Retry(format!("chunk {n} is missing")))?;
                f.write_all(&bytes).await.map_err(io)?;
            }
            f.flush().await.map_err(io)?;
        }
        let head = {
            use tokio::io::AsyncReadExt;
            let mut f = tokio::fs::File::open(&source).await.map_err(io)?;
            let mut head = vec![0u8; 512];
            let n = f.read(&mut head).await.map_err(io)?;
            head.truncate(n);
            head
        };
        let Some(format) = jineng_core::courses::video_container(&head) else {
            return Err(Transcode::Unusable(
                "文件无法识别为视频：只接受 MP4、MOV、MKV/WebM、AVI、FLV、MPEG 格式".into(),
            ));
        };
        let probe = probe(&source, format).await?;
        let key: [u8; 16] = rand::random();
        let out = dir.join("hls");
        tokio::fs::create_dir_all(&out).await.map_err(io)?;
        tokio::fs::write(dir.join("key.bin"), key)
            .await
            .map_err(io)?;
        // The key's URI in the stored playlists is a placeholder the server replaces with a
        // URL signed for each viewer.
        tokio::fs::write(
            dir.join("keyinfo"),
            format!("KEY\n{}\n", dir.join("key.bin").display()),
        )
        .await
        .map_err(io)?;
        run_ffmpeg(&hls_args(&source, dir, &out, &probe)).await?;
        run_ffmpeg(&poster_args(&source, &out.join("poster.jpg"), &probe)).await?;
        // Upload every output file; the master playlist is written by the server per
        // viewer, so it is not stored.
        let mut entries = tokio::fs::read_dir(&out).await.map_err(io)?;
        let mut names = Vec::new();
        while let Some(e) = entries.next_entry().await.map_err(io)? {
            names.push(e.file_name().to_string_lossy().to_string());
        }
        names.sort();
        for name in &names {
            let bytes = tokio::fs::read(out.join(name)).await.map_err(io)?;
            self.files
                .put(&hls_key(&m.id, name), bytes)
                .await
                .map_err(|e| Transcode::Retry(format!("file storage: {e}")))?;
        }
        let renditions = RENDITIONS
            .iter()
            .map(|(name, _, _)| name.to_string())
            .filter(|r| names.contains(&format!("{r}.m3u8")))
            .collect();
        Ok(Transcoded {
            duration_ms: probe.duration_ms,
            width: probe.width,
            height: probe.height,
            renditions,
            key,
        })
    }

    /// The lesson's video for `viewer`: the master playlist URL signed for them. Allowed
    /// to those who may see the version (its organisation, reviewers, operators), and to
    /// anyone for a preview lesson of a listed package's listed version.
    pub async fn play(
        &self,
        who: Option<&Principal>,
        viewer: &str,
        lesson_id: &str,
    ) -> AppResult<PlayView> {
        let (l, m) = self.lesson_media(who, lesson_id, LessonKind::Video).await?;
        let exp = self.now().timestamp() + URL_SECONDS;
        Ok(PlayView {
            master_url: self.signed(&format!("/hls/{}/{}/master.m3u8", m.id, l.id), viewer, exp),
            poster_url: self.signed(&format!("/hls/{}/{}/poster.jpg", m.id, l.id), viewer, exp),
            duration_seconds: m.duration_ms.map_or(0, |d| (d + 500) / 1000),
            lesson_id: l.id,
            title: l.title,
        })
    }

    /// A lesson of `kind` and its processed file, for those who may see the version (its
    /// organisation, reviewers, operators) and, for a preview lesson of a listed
    /// package's listed version, for anyone.
    pub(super) async fn lesson_media(
        &self,
        who: Option<&Principal>,
        lesson_id: &str,
        kind: LessonKind,
    ) -> AppResult<(lesson::Model, media::Model)> {
        let l = lesson::Entity::find_by_id(lesson_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课时"))?;
        let seen = match who {
            Some(p) => self.visible_version(p, &l.version_id).await.is_ok(),
            None => false,
        };
        let open_preview = l.preview && self.is_listed_version(&l.version_id).await?;
        // Every lesson of a course the caller may study (a free public-welfare course).
        // Or a version one of the caller's classes studies (kept when the course changes
        // or is delisted).
        let studying = match who {
            Some(p) if !(seen || open_preview) => {
                self.study().open_to(p, lesson_id, "").await
                    || self.study().studies_version(p, &l.version_id).await?
            }
            _ => false,
        };
        if !(seen || open_preview || studying) {
            return Err(AppError::NotFound("课时"));
        }
        if l.kind != kind {
            return Err(AppError::Conflict(format!(
                "该课时是{}课时，不是{}",
                l.kind.label(),
                kind.label()
            )));
        }
        let m = media::Entity::find_by_id(l.media_id.clone())
            .one(&self.db)
            .await?
            .filter(|m| m.status == MediaStatus::Ready)
            .ok_or_else(|| {
                AppError::Conflict(format!("该{}尚未处理完成，暂不能查看", kind.label()))
            })?;
        Ok((l, m))
    }

    async fn is_listed_version(&self, version_id: &str) -> AppResult<bool> {
        Ok(package::Entity::find()
            .filter(package::Column::ListedVersionId.eq(version_id))
            .filter(package::Column::Listing.eq(ListingStatus::Listed))
            .one(&self.db)
            .await?
            .is_some()
            && version::Entity::find_by_id(version_id.to_string())
                .one(&self.db)
                .await?
                .is_some_and(|v| v.status == VersionStatus::Approved))
    }

    /// `path?v=<viewer>&e=<expiry>&s=<signature>`.
    pub(super) fn signed(&self, path: &str, viewer: &str, exp: i64) -> String {
        let sig = self
            .keyring
            .blind_index(PiiKind::MediaUrl, &format!("{path}|{viewer}|{exp}"));
        format!("{path}?v={viewer}&e={exp}&s={sig}")
    }

    /// Check a signed media URL: the signature over path, viewer and expiry, and the
    /// expiry. Returns nothing the caller can use to tell which part was wrong.
    pub(super) fn verify(&self, path: &str, viewer: &str, exp: i64, sig: &str) -> AppResult<()> {
        let want = self
            .keyring
            .blind_index(PiiKind::MediaUrl, &format!("{path}|{viewer}|{exp}"));
        let same: bool = subtle::ConstantTimeEq::ct_eq(want.as_bytes(), sig.as_bytes()).into();
        if !same || exp < self.now().timestamp() {
            return Err(AppError::NotFound("视频"));
        }
        Ok(())
    }

    /// Whether a signed URL of one stream segment holds, without reading the segment: the
    /// proxy in front (ops/nginx) asks before it serves its cached copy. Segments are the
    /// same ciphertext for every viewer; the key is what is kept to one viewer, and is
    /// never answered here, nor are playlists (they are written per viewer).
    pub fn segment_allowed(
        &self,
        media_id: &str,
        lesson_id: &str,
        name: &str,
        q: &SignedQuery,
    ) -> AppResult<()> {
        if !name.ends_with(".ts") {
            return Err(AppError::NotFound("视频"));
        }
        self.verify(
            &format!("/hls/{media_id}/{lesson_id}/{name}"),
            &q.v,
            q.e,
            &q.s,
        )
    }

    /// A file of a lesson's stream behind a signed URL: the master playlist (written for
    /// the viewer), a rendition's playlist (its key and segment URLs signed for the
    /// viewer), a segment, the poster, or the key — the key only to the viewer it was
    /// signed for (`requester`: the signed-in user's id or the preview cookie).
    pub async fn stream_file(
        &self,
        media_id: &str,
        lesson_id: &str,
        name: &str,
        q: &SignedQuery,
        requester: &str,
    ) -> AppResult<(&'static str, Vec<u8>)> {
        let path = format!("/hls/{media_id}/{lesson_id}/{name}");
        self.verify(&path, &q.v, q.e, &q.s)?;
        let m = media::Entity::find_by_id(media_id.to_string())
            .one(&self.db)
            .await?
            .filter(|m| m.status == MediaStatus::Ready)
            .ok_or(AppError::NotFound("视频"))?;
        let exp = self.now().timestamp() + URL_SECONDS;
        let base = format!("/hls/{media_id}/{lesson_id}");
        if name == "master.m3u8" {
            let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:3\n");
            for (r, height, kbps) in RENDITIONS {
                if !m.renditions.split(',').any(|x| x == r) {
                    continue;
                }
                let h = (height as i32).min(m.height.max(1));
                let w = if m.height > 0 {
                    (i64::from(m.width) * i64::from(h) / i64::from(m.height)) as i32 / 2 * 2
                } else {
                    0
                };
                out.push_str(&format!(
                    "#EXT-X-STREAM-INF:BANDWIDTH={},RESOLUTION={w}x{h}\n{}\n",
                    kbps * 1000 + 128_000,
                    self.signed(&format!("{base}/{r}.m3u8"), &q.v, exp)
                ));
            }
            return Ok(("application/vnd.apple.mpegurl", out.into_bytes()));
        }
        if name == "key" {
            if requester != q.v {
                return Err(AppError::NotFound("视频"));
            }
            let key = self
                .keyring
                .decrypt(&m.key_enc, Place::new("course_media", "key_enc", &m.id))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let bytes = hex::decode(key).map_err(|e| AppError::Internal(e.to_string()))?;
            return Ok(("application/octet-stream", bytes));
        }
        let stored = if name.ends_with(".m3u8") || name.ends_with(".ts") || name == "poster.jpg" {
            self.files
                .get(&hls_key(&m.id, name))
                .await
                .map_err(storage)?
                .ok_or(AppError::NotFound("视频"))?
                .to_vec()
        } else {
            return Err(AppError::NotFound("视频"));
        };
        if let Some(_rendition) = name.strip_suffix(".m3u8") {
            let text = String::from_utf8_lossy(&stored);
            let key_url = self.signed(&format!("{base}/key"), &q.v, exp);
            let mut out = String::with_capacity(text.len() * 2);
            for line in text.lines() {
                if line.starts_with("#EXT-X-KEY") {
                    out.push_str(&line.replace("URI=\"KEY\"", &format!("URI=\"{key_url}\"")));
                } else if !line.starts_with('#') && line.ends_with(".ts") {
                    out.push_str(&self.signed(&format!("{base}/{line}"), &q.v, exp));
                } else {
                    out.push_str(line);
                }
                out.push('\n');
            }
            return Ok(("application/vnd.apple.mpegurl", out.into_bytes()));
        }
        let mime = if name.ends_with(".ts") {
            "video/mp2t"
        } else {
            "image/jpeg"
        };
        Ok((mime, stored))
    }
}

/// A new file of a version, as uploaded.
pub(super) struct NewMedia<'a> {
    pub id: &'a str,
    pub chapter_id: &'a str,
    pub title: &'a str,
    pub preview: bool,
    pub filename: &'a str,
    pub size: u64,
    pub chunks: i32,
    pub status: MediaStatus,
    pub kind: LessonKind,
}

/// The row of a new file: nothing processed yet.
pub(super) fn new_media(
    m: NewMedia<'_>,
    v: &version::Model,
    who: &Principal,
    now: chrono::DateTime<chrono::Utc>,
) -> media::ActiveModel {
    media::ActiveModel {
        id: Set(m.id.to_string()),
        version_id: Set(v.id.clone()),
        org_id: Set(v.org_id.clone()),
        region_code: Set(v.region_code.clone()),
        chapter_id: Set(m.chapter_id.to_string()),
        title: Set(m.title.trim().to_string()),
        preview: Set(m.preview),
        filename: Set(jineng_core::documents::clean_filename(m.filename)),
        size: Set(i64::try_from(m.size).unwrap_or(i64::MAX)),
        chunks: Set(m.chunks),
        status: Set(m.status),
        reason: Set(String::new()),
        duration_ms: Set(None),
        width: Set(0),
        height: Set(0),
        renditions: Set(String::new()),
        key_enc: Set(String::new()),
        kind: Set(m.kind),
        pages: Set(0),
        created_by: Set(who.user_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The query of a signed media URL.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SignedQuery {
    pub v: String,
    pub e: i64,
    pub s: String,
}

struct Probe {
    duration_ms: i64,
    width: i32,
    height: i32,
    has_audio: bool,
    /// The demuxer the input is read with (forced: see `video_container`).
    format: String,
}

struct Transcoded {
    duration_ms: i64,
    width: i32,
    height: i32,
    renditions: Vec<String>,
    key: [u8; 16],
}

enum Processed {
    Video(Transcoded),
    /// A document's page count, its pages stored.
    Pages(i32),
}

pub(super) enum Transcode {
    /// The file is not a video (or document) we can use: fail at once, with the reason.
    Unusable(String),
    /// Something passing (storage, the machine): try again later.
    Retry(String),
}

/// ffprobe's view of the file: a video stream with a size and a duration, or why not.
async fn probe(source: &Path, format: &str) -> Result<Probe, Transcode> {
    let out = tokio::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-protocol_whitelist",
            "file",
            "-f",
            format,
            "-i",
        ])
        .arg(source)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| Transcode::Retry(format!("ffprobe could not run: {e}")))?;
    if !out.status.success() {
        return Err(Transcode::Unusable(
            "文件无法识别为视频（ffprobe 无法解析），请上传 MP4 等常见格式的视频".into(),
        ));
    }
    let j: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| Transcode::Unusable("文件无法识别为视频".into()))?;
    let streams = j["streams"].as_array().cloned().unwrap_or_default();
    let video = streams.iter().find(|s| {
        s["codec_type"] == "video" && s["disposition"]["attached_pic"].as_i64() != Some(1)
    });
    let Some(video) = video else {
        return Err(Transcode::Unusable("文件中没有视频画面".into()));
    };
    let width = video["width"].as_i64().unwrap_or(0) as i32;
    let height = video["height"].as_i64().unwrap_or(0) as i32;
    let duration = j["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse::<f64>().ok())
        .or_else(|| {
            video["duration"]
                .as_str()
                .and_then(|d| d.parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    if width <= 0 || height <= 0 || duration < 1.0 {
        return Err(Transcode::Unusable(
            "视频画面尺寸或时长无法识别（时长不足1秒）".into(),
        ));
    }
    Ok(Probe {
        duration_ms: (duration * 1000.0).round() as i64,
        width,
        height,
        has_audio: streams.iter().any(|s| s["codec_type"] == "audio"),
        format: format.to_string(),
    })
}

/// The renditions made of a source `height` pixels tall: every one no taller than the
/// source, and always the smallest (a 360p upload makes only 360p, not a second copy of
/// itself under a bigger name).
pub(crate) fn renditions_for(height: i32) -> Vec<(&'static str, u32, u32)> {
    RENDITIONS
        .iter()
        .enumerate()
        .filter(|(i, (_, h, _))| *i == 0 || i64::from(*h) <= i64::from(height))
        .map(|(_, r)| *r)
        .collect()
}

/// One ffmpeg run making every rendition at once (one decode): H.264 + AAC, 6-second
/// segments, each AES-128 encrypted with the key in `dir/keyinfo`.
fn hls_args(source: &Path, dir: &Path, out: &Path, p: &Probe) -> Vec<String> {
    let mut a: Vec<String> = vec!["-hide_banner".into(), "-y".into()];
    a.extend(["-protocol_whitelist", "file", "-f", p.format.as_str(), "-i"].map(String::from));
    a.push(source.display().to_string());
    let chosen = renditions_for(p.height);
    let n = chosen.len();
    let mut graph = format!("[0:v]split={n}");
    for i in 0..n {
        graph.push_str(&format!("[v{i}]"));
    }
    graph.push(';');
    for (i, (_, height, _)) in chosen.iter().enumerate() {
        // Never upscale: a rendition is at most the source's height, with even sizes.
        let h = (*height as i32).min(p.height) / 2 * 2;
        graph.push_str(&format!("[v{i}]scale=-2:{h}[o{i}];"));
    }
    graph.pop();
    a.extend(["-filter_complex".into(), graph]);
    let mut map = Vec::new();
    for (i, (name, _, kbps)) in chosen.iter().enumerate() {
        a.extend(["-map".into(), format!("[o{i}]")]);
        a.extend([
            format!("-c:v:{i}"),
            "libx264".into(),
            format!("-b:v:{i}"),
            format!("{kbps}k"),
        ]);
        if p.has_audio {
            a.extend(["-map".into(), "0:a:0".into()]);
            a.extend([
                format!("-c:a:{i}"),
                "aac".into(),
                format!("-b:a:{i}"),
                "96k".into(),
            ]);
            map.push(format!("v:{i},a:{i},name:{name}"));
        } else {
            map.push(format!("v:{i},name:{name}"));
        }
    }
    a.extend(
        [
            "-preset",
            "veryfast",
            "-g",
            "48",
            "-sc_threshold",
            "0",
            "-f",
            "hls",
            "-hls_time",
            "6",
            "-hls_playlist_type",
            "vod",
            "-hls_key_info_file",
        ]
        .map(String::from),
    );
    a.push(dir.join("keyinfo").display().to_string());
    a.extend([
        "-hls_segment_filename".into(),
        out.join("%v_%03d.ts").display().to_string(),
    ]);
    a.extend(["-var_stream_map".into(), map.join(" ")]);
    a.push(out.join("%v.m3u8").display().to_string());
    a
}

fn poster_args(source: &Path, poster: &Path, p: &Probe) -> Vec<String> {
    let at = (p.duration_ms as f64 / 1000.0 / 2.0).min(2.0);
    vec![
        "-hide_banner".into(),
        "-y".into(),
        "-ss".into(),
        format!("{at:.2}"),
        "-protocol_whitelist".into(),
        "file".into(),
        "-f".into(),
        p.format.clone(),
        "-i".into(),
        source.display().to_string(),
        "-frames:v".into(),
        "1".into(),
        "-vf".into(),
        "scale=-2:360".into(),
        poster.display().to_string(),
    ]
}

async fn run_ffmpeg(args: &[String]) -> Result<(), Transcode> {
    let run = tokio::process::Command::new("ffmpeg")
        .args(args)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(FFMPEG_TIMEOUT_SECS), run)
        .await
        .map_err(|_| Transcode::Retry("ffmpeg ran too long".into()))?
        .map_err(|e| Transcode::Retry(format!("ffmpeg could not run: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: String = err.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
        // The file passed ffprobe; ffmpeg failing on it means the file is broken inside.
        Err(Transcode::Unusable(format!(
            "视频解码失败，文件可能已损坏（{}）",
            tail.chars().take(200).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::renditions_for;

    #[test]
    fn a_small_source_makes_only_the_smallest_rendition() {
        let names = |h| {
            renditions_for(h)
                .into_iter()
                .map(|r| r.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(240), ["360p"]);
        assert_eq!(names(360), ["360p"]);
        assert_eq!(names(719), ["360p"]);
        assert_eq!(names(720), ["360p", "720p"]);
        assert_eq!(names(2160), ["360p", "720p"]);
    }
}
