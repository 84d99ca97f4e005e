//! The archive page and its downloads.

use super::document;
use crate::AppState;
use crate::http::error::PageError;
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use crate::study::supervision::{duration, hours, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use jineng_app::archive::Archive;
use std::sync::OnceLock;

#[derive(Template, WebTemplate)]
#[template(path = "archive/page.html")]
pub struct ArchivePage {
    layout: Layout,
    a: Archive,
    title: &'static str,
}

impl ArchivePage {
    fn hours_ms(&self, ms: &u64) -> String {
        hours(jineng_core::study::tenths_of_hours(*ms))
    }
    fn hours(&self, t: &u64) -> String {
        hours(*t)
    }
    fn duration(&self, ms: &u64) -> String {
        duration(*ms)
    }
    fn when(&self, t: &DateTime<Utc>) -> String {
        when(t)
    }
}

/// The learner's own archive.
pub async fn mine(u: PageUser) -> Redirect {
    Redirect::to(&format!("/learners/{}/archive", u.principal.user_id))
}

pub async fn page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<ArchivePage, PageError> {
    let a = s.app.archives().get(&u.principal, &id).await?;
    let active = if a.learner.id == u.principal.user_id {
        "/study"
    } else {
        "/learners"
    };
    Ok(ArchivePage {
        layout: Layout::new(format!("{}的电子档案", a.learner.name), &u, active),
        a,
        title: document::TITLE,
    })
}

async fn archive_for_export(
    s: &AppState,
    u: &PageUser,
    ctx: &jineng_app::RequestCtx,
    id: &str,
    format: &str,
) -> Result<Archive, PageError> {
    let a = s.app.archives().get(&u.principal, id).await?;
    s.app
        .audit()
        .record_export(
            &u.principal,
            ctx,
            "learner_archive",
            serde_json::json!({"learner": a.learner.id, "format": format}),
            a.classes.len() + a.courses.len(),
        )
        .await?;
    Ok(a)
}

pub async fn xlsx(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = archive_for_export(&s, &u, &ctx, &id, "xlsx").await?;
    Ok(xlsx_response(document::xlsx(&a)?, "archive.xlsx"))
}

/// The CJK font documents are set in: `JINENG_PDF_FONT`, else the first free CJK font
/// installed where distributions put them; read once.
pub(crate) fn font() -> Option<&'static jineng_pdf::Font> {
    static FONT: OnceLock<Option<jineng_pdf::Font>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = std::env::var_os("JINENG_PDF_FONT")
            .map(std::path::PathBuf::from)
            .or_else(jineng_pdf::Font::find_system)?;
        match jineng_pdf::Font::load(&path) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "the PDF font could not be loaded");
                None
            }
        }
    })
    .as_ref()
}

pub async fn pdf(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Some(font) = font() else {
        return Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            "服务器未安装中文字体，暂不能生成 PDF，请下载 Excel 版本（运维：安装 fonts-wqy-microhei 或设置 JINENG_PDF_FONT）",
        )
            .into_response());
    };
    s.app.limit_heavy(&ctx, &u.principal).await?;
    let a = archive_for_export(&s, &u, &ctx, &id, "pdf").await?;
    let filename = format!("{}的电子档案.pdf", a.learner.name);
    // Laying out and subsetting is CPU work: off the async workers.
    let bytes = tokio::task::spawn_blocking(move || document::pdf(font, &a))
        .await
        .map_err(|e| jineng_app::AppError::Internal(format!("pdf: {e}")))?
        .map_err(|e| match e {
            jineng_pdf::PdfError::TooLong => jineng_app::AppError::Conflict(
                "档案内容过长，无法生成 PDF，请导出 Excel 版本".into(),
            ),
            e => jineng_app::AppError::Internal(format!("pdf: {e}")),
        })?;
    Ok(crate::http::files::document_response(
        "application/pdf",
        &filename,
        bytes,
    ))
}
