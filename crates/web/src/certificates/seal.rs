//! The issuer's seal image for its certificates: `/certificates/seal` (page, upload,
//! removal, the image itself) and `/api/v1/certificates/seal`.

use crate::AppState;
use crate::http::api::Caller;
use crate::http::error::{ApiError, PageError, Problem, fixable_line};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::seals::SealView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Template, WebTemplate)]
#[template(path = "certificates/seal.html")]
pub struct SealPage {
    layout: Layout,
    seal: SealView,
    error: Option<String>,
    ok: String,
}

#[derive(Deserialize, Default)]
pub struct SealQuery {
    #[serde(default)]
    ok: String,
}

async fn page(
    s: &AppState,
    u: &PageUser,
    error: Option<String>,
    ok: String,
) -> Result<SealPage, PageError> {
    Ok(SealPage {
        layout: Layout::new("证书印章", u, "/certificates"),
        seal: s.app.seals().mine(&u.principal).await?,
        error,
        ok,
    })
}

pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<SealQuery>,
) -> Result<SealPage, PageError> {
    page(&s, &u, None, q.ok).await
}

/// The caller's uploaded seal image; without one, the seal page (which says so).
pub async fn image(State(s): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    match s.app.seals().my_image(&u.principal).await? {
        Some(png) => {
            let mut r = png.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(r)
        }
        None => Ok(Redirect::to("/certificates/seal").into_response()),
    }
}

pub async fn upload(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    // A body that is not a well-formed form (no boundary, cut off) gets the page, in
    // words, rather than the extractor's own text.
    let read = match mp {
        Ok(mut mp) => crate::http::files::multipart_file(&mut mp, "file").await,
        Err(_) => Err(()),
    };
    let Ok((_, bytes)) = read else {
        let p = page(
            &s,
            &u,
            Some("上传的内容无法读取，印章图片不能超过512KB".into()),
            String::new(),
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, p).into_response());
    };
    match s.app.seals().upload(&u.principal, &ctx, bytes).await {
        Ok(_) => Ok(Redirect::to("/certificates/seal?ok=uploaded").into_response()),
        Err(e) => {
            let (status, msg) = fixable_line(e)?;
            Ok((status, page(&s, &u, Some(msg), String::new()).await?).into_response())
        }
    }
}

pub async fn remove(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
) -> Result<Response, PageError> {
    match s.app.seals().remove(&u.principal, &ctx).await {
        Ok(()) => Ok(Redirect::to("/certificates/seal?ok=removed").into_response()),
        Err(e) => {
            let (status, msg) = fixable_line(e)?;
            Ok((status, page(&s, &u, Some(msg), String::new()).await?).into_response())
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SealOut {
    /// `org:<id>` (an institution) or `region:<code>` (a human-resources department).
    pub issuer_key: String,
    pub issuer: String,
    /// Whether an image is uploaded; without one certificates carry a seal drawn from
    /// the issuer's name.
    pub uploaded: bool,
    pub width: u32,
    pub height: u32,
    pub uploaded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<SealView> for SealOut {
    fn from(v: SealView) -> Self {
        SealOut {
            issuer_key: v.issuer_key,
            issuer: v.issuer,
            uploaded: v.uploaded,
            width: v.width,
            height: v.height,
            uploaded_at: v.uploaded_at,
        }
    }
}

/// The caller's seal for certificates (their institution's or department's).
#[utoipa::path(get, path = "/certificates/seal", tag = "certificates",
    responses((status = 200, body = SealOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_get(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<SealOut>, ApiError> {
    Ok(Json(s.app.seals().mine(&who).await?.into()))
}

/// Upload or replace the seal: the request body is a PNG with a transparent background,
/// 100–1200 pixels a side, at most 512 KB.
#[utoipa::path(put, path = "/certificates/seal", tag = "certificates", request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = SealOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_put(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    body: Bytes,
) -> Result<Json<SealOut>, ApiError> {
    Ok(Json(
        s.app
            .seals()
            .upload(&who, &ctx, body.to_vec())
            .await?
            .into(),
    ))
}

/// Remove the uploaded seal (certificates go back to the drawn seal); removing when none
/// is uploaded also answers 204.
#[utoipa::path(delete, path = "/certificates/seal", tag = "certificates",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_delete(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
) -> Result<StatusCode, ApiError> {
    s.app.seals().remove(&who, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}
