//! Document lessons: a PDF uploaded into a draft becomes a lesson at once (its reading
//! time stated by the uploader) and the media job renders its pages to images with
//! poppler's `pdftoppm`, after `pdfinfo` has said it is a PDF of a sensible size. Readers
//! get the pages one by one through URLs signed for them and the lesson, served only to
//! the browser they were signed for; the PDF itself is never handed out, not even to its
//! own organisation.

use super::Courses;
use super::media::{Transcode, storage};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use jineng_core::courses::{LessonKind, MediaStatus};
use jineng_core::jobs::JobKind;
use jineng_store::courses::{lesson, media};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// Largest PDF accepted.
pub const MAX_PDF_BYTES: usize = 50 * 1024 * 1024;
/// Most pages a document lesson may have.
pub const MAX_PDF_PAGES: i32 = 300;
/// Rendered pages are at most this many pixels on their longer side.
const PAGE_PIXELS: u32 = 1400;
const PDFINFO_SECS: u64 = 30;
const PDFTOPPM_SECS: u64 = 600;

#[derive(Debug, Clone)]
pub struct DocumentInput {
    pub chapter_id: String,
    pub title: String,
    pub filename: String,
    /// Reading time in minutes.
    pub minutes: Option<i32>,
    pub preview: bool,
}

/// A document lesson as its reader gets it: one signed image URL per page.
#[derive(Debug, Clone, Serialize)]
pub struct ReadView {
    pub lesson_id: String,
    pub title: String,
    pub pages: Vec<String>,
}

fn pdf_key(media_id: &str) -> String {
    format!("media/{media_id}/doc.pdf")
}

fn page_key(media_id: &str, n: i32) -> String {
    format!("media/{media_id}/pages/{n:04}.jpg")
}

impl Courses<'_> {
    /// Add a PDF lesson to a draft. Checked before anything is stored: the chapter, the
    /// title (unique, no listed word), the reading time, the size, and that the bytes are
    /// a PDF. The pages are rendered by the media job.
    pub async fn upload_document(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        i: DocumentInput,
        bytes: Vec<u8>,
    ) -> AppResult<super::VersionView> {
        let v = self.editable(who, version_id).await?;
        let c = self
            .chapter_of(&v, &i.chapter_id)
            .await
            .map_err(|_| AppError::field("chapter_id", "请选择本课程包的章节"))?;
        let mut e = Vec::new();
        super::text_field(&mut e, "title", "课时名称", &i.title, 1, super::MAX_NAME);
        self.screen(&mut e, "title", "课时名称", &i.title).await?;
        let seconds = match i.minutes {
            Some(m) if (1..=600).contains(&m) => Some(i64::from(m) * 60),
            _ => {
                e.push(FieldError::new("minutes", "请填写学习时长（1至600分钟）"));
                None
            }
        };
        if bytes.is_empty() {
            e.push(FieldError::new("file", "请选择PDF文件"));
        } else if bytes.len() > MAX_PDF_BYTES {
            e.push(FieldError::new(
                "file",
                format!("文档不能超过{}MB", MAX_PDF_BYTES / 1024 / 1024),
            ));
        } else if !bytes.starts_with(b"%PDF-") {
            e.push(FieldError::new("file", "文档课时只接受PDF文件"));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let size = bytes.len();
        // Stored first: a failure after this leaves an unreferenced file, never a lesson
        // without its file.
        self.files
            .put(&pdf_key(&id), bytes)
            .await
            .map_err(storage)?;
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        media::Entity::insert(super::media::new_media(
            super::media::NewMedia {
                id: &id,
                chapter_id: &c.id,
                title: &i.title,
                preview: i.preview,
                filename: &i.filename,
                size: size as u64,
                chunks: 0,
                status: MediaStatus::Processing,
                kind: LessonKind::Document,
            },
            &v,
            who,
            w.now,
        ))
        .exec(&w.txn)
        .await?;
        let lesson = self
            .insert_lesson(
                &w,
                &v,
                &c,
                &super::LessonInput {
                    chapter_id: c.id.clone(),
                    title: i.title.clone(),
                    kind: LessonKind::Document,
                    body: String::new(),
                    minutes: i.minutes,
                    preview: i.preview,
                },
                id.clone(),
                seconds,
            )
            .await?;
        crate::jobs::enqueue(
            self,
            &w,
            JobKind::MediaProcess,
            &format!("media:{id}"),
            serde_json::json!({"media": id}),
        )
        .await?;
        w.commit(Entry::ok(
            "course.document_upload",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "media": id, "lesson": lesson, "title": i.title.trim(), "size": size}),
        ))
        .await?;
        self.version(who, version_id).await
    }

    /// The job's part for a document: check it with pdfinfo, render every page, store
    /// the images. Returns the page count.
    pub(super) async fn render_document(
        &self,
        m: &media::Model,
        dir: &Path,
    ) -> Result<i32, Transcode> {
        let io = |e: std::io::Error| Transcode::Retry(format!("work files: {e}"));
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
        let source = dir.join("source.pdf");
        let bytes = self
            .files
            .get(&pdf_key(&m.id))
            .await
            .map_err(|e| Transcode::Retry(format!("file storage: {e}")))?
            .ok_or_else(|| Transcode::Retry("the PDF is missing from storage".into()))?;
        tokio::fs::write(&source, &bytes).await.map_err(io)?;
        drop(bytes);
        let info = run("pdfinfo", &[source.display().to_string()], PDFINFO_SECS).await?;
        let info = info.map_err(|_| {
            Transcode::Unusable("文件无法识别为PDF文档（可能已损坏），请重新导出后上传".into())
        })?;
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim_start_matches(':').trim().to_string())
        };
        if field("Encrypted").is_some_and(|v| v.starts_with("yes")) {
            return Err(Transcode::Unusable(
                "PDF文档设置了密码或加密，请上传未加密的文件".into(),
            ));
        }
        let pages: i32 = field("Pages").and_then(|v| v.parse().ok()).unwrap_or(0);
        if pages < 1 {
            return Err(Transcode::Unusable("PDF文档没有页面".into()));
        }
        if pages > MAX_PDF_PAGES {
            return Err(Transcode::Unusable(format!(
                "PDF文档共{pages}页，超过{MAX_PDF_PAGES}页，请拆分为多个课时"
            )));
        }
        let out = dir.join("pages");
        tokio::fs::create_dir_all(&out).await.map_err(io)?;
        let args = vec![
            "-jpeg".to_string(),
            "-jpegopt".into(),
            "quality=80".into(),
            "-scale-to".into(),
            PAGE_PIXELS.to_string(),
            "-f".into(),
            "1".into(),
            "-l".into(),
            pages.to_string(),
            source.display().to_string(),
            out.join("p").display().to_string(),
        ];
        run("pdftoppm", &args, PDFTOPPM_SECS)
            .await?
            .map_err(|err| {
                Transcode::Unusable(format!(
                    "PDF文档页面无法显示，文件可能已损坏（{}）",
                    err.chars().take(200).collect::<String>()
                ))
            })?;
        // pdftoppm names pages p-1.jpg or p-01.jpg… by the page count's digits.
        let mut entries = tokio::fs::read_dir(&out).await.map_err(io)?;
        let mut found: Vec<(i32, std::path::PathBuf)> = Vec::new();
        while let Some(e) = entries.next_entry().await.map_err(io)? {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(n) = name
                .strip_prefix("p-")
                .and_then(|r| r.strip_suffix(".jpg"))
                .and_then(|n| n.parse::<i32>().ok())
            {
                found.push((n, e.path()));
            }
        }
        found.sort();
        if found.len() != usize::try_from(pages).unwrap_or(0) {
            return Err(Transcode::Unusable(format!(
                "PDF文档共{pages}页，只有{}页能够显示，文件可能已损坏",
                found.len()
            )));
        }
        for (n, path) in found {
            let bytes = tokio::fs::read(&path).await.map_err(io)?;
            self.files
                .put(&page_key(&m.id, n), bytes)
                .await
                .map_err(|e| Transcode::Retry(format!("file storage: {e}")))?;
        }
        Ok(pages)
    }

    pub(super) async fn document_ready(&self, m: &media::Model, pages: i32) -> AppResult<()> {
        let ctx = RequestCtx::internal("media-job", "jineng media");
        let system = Principal::system();
        let w = self.write(&system, &ctx).await?;
        let n = media::Entity::update_many()
            .col_expr(media::Column::Status, Expr::value(MediaStatus::Ready))
            .col_expr(media::Column::Pages, Expr::value(pages))
            .col_expr(media::Column::UpdatedAt, Expr::value(w.now))
            .filter(media::Column::Id.eq(m.id.clone()))
            .filter(media::Column::Status.eq(MediaStatus::Processing))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n == 0 {
            return Ok(());
        }
        w.commit(Entry::ok(
            "course.document_ready",
            "course_media",
            &m.id,
            serde_json::json!({"pages": pages}),
        ))
        .await
    }

    /// A document lesson's pages for `viewer`, each URL signed for them and the lesson.
    pub async fn read(
        &self,
        who: Option<&Principal>,
        viewer: &str,
        lesson_id: &str,
    ) -> AppResult<ReadView> {
        let (l, m) = self
            .lesson_media(who, lesson_id, LessonKind::Document)
            .await?;
        let exp = self.now().timestamp() + super::media::URL_SECONDS;
        Ok(ReadView {
            pages: (1..=m.pages)
                .map(|n| self.signed(&format!("/doc/{}/{}/{n}", m.id, l.id), viewer, exp))
                .collect(),
            lesson_id: l.id,
            title: l.title,
        })
    }

    /// One page image behind a signed URL, only to the viewer it was signed for.
    pub async fn document_page(
        &self,
        media_id: &str,
        lesson_id: &str,
        n: i32,
        q: &super::media::SignedQuery,
        requester: &str,
    ) -> AppResult<Vec<u8>> {
        let path = format!("/doc/{media_id}/{lesson_id}/{n}");
        self.verify(&path, &q.v, q.e, &q.s)?;
        if requester != q.v {
            return Err(AppError::NotFound("文档"));
        }
        let m = media::Entity::find_by_id(media_id.to_string())
            .one(&self.db)
            .await?
            .filter(|m| m.status == MediaStatus::Ready && (1..=m.pages).contains(&n))
            .ok_or(AppError::NotFound("文档"))?;
        // The lesson in the URL is one that uses this document.
        lesson::Entity::find_by_id(lesson_id.to_string())
            .filter(lesson::Column::MediaId.eq(m.id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("文档"))?;
        Ok(self
            .files
            .get(&page_key(&m.id, n))
            .await
            .map_err(storage)?
            .ok_or(AppError::NotFound("文档"))?
            .to_vec())
    }
}

/// Run a poppler tool on our own work files: `Ok(Ok(stdout))` when it succeeded,
/// `Ok(Err(stderr))` when it refused the file, `Err` when it could not run or ran too long.
async fn run(tool: &str, args: &[String], secs: u64) -> Result<Result<String, String>, Transcode> {
    let child = tokio::process::Command::new(tool)
        .args(args)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(secs), child)
        .await
        .map_err(|_| Transcode::Retry(format!("{tool} ran too long")))?
        .map_err(|e| Transcode::Retry(format!("{tool} could not run: {e}")))?;
    Ok(if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err.lines().rev().take(3).collect::<Vec<_>>().join(" / "))
    })
}
