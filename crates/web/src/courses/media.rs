//! Lesson videos over HTTP: the resumable chunked upload (API with a token, and the same
//! calls for the page's uploader with the session and its CSRF header), the player page,
//! and the signed HLS files (master and rendition playlists, segments, poster, key).

use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, PageError, Problem};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{MaybeSession, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use jineng_app::Principal;
use jineng_app::courses::media::{MediaView, PlayView, SignedQuery, UploadInput};
use jineng_core::courses::MediaStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadIn {
    pub chapter_id: String,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// The original file name.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub filename: String,
    /// The file's size in bytes (at most 2 GiB).
    #[schema(minimum = 1)]
    pub size: u64,
    /// Part of the free preview.
    #[serde(default)]
    pub preview: bool,
}

impl From<UploadIn> for UploadInput {
    fn from(u: UploadIn) -> Self {
        UploadInput {
            chapter_id: u.chapter_id.trim().to_string(),
            title: u.title,
            filename: u.filename,
            size: u.size,
            preview: u.preview,
        }
    }
}

/// An upload: how to cut the file, which chunks have arrived, and what became of it.
#[derive(Serialize, ToSchema)]
pub struct MediaOut {
    pub id: String,
    pub version_id: String,
    pub title: String,
    pub filename: String,
    pub size: i64,
    /// Bytes per chunk (the last may be smaller).
    pub chunk_bytes: u64,
    pub chunks: i32,
    /// Chunks already received, 0-based: an interrupted upload sends only the others.
    pub received: Vec<i32>,
    pub status: MediaStatus,
    /// Why processing failed, when it did.
    pub reason: String,
    pub duration_seconds: Option<i64>,
    pub renditions: Vec<String>,
}

impl From<MediaView> for MediaOut {
    fn from(m: MediaView) -> Self {
        MediaOut {
            id: m.id,
            version_id: m.version_id,
            title: m.title,
            filename: m.filename,
            size: m.size,
            chunk_bytes: m.chunk_bytes,
            chunks: m.chunks,
            received: m.received,
            status: m.status,
            reason: m.reason,
            duration_seconds: m.duration_seconds,
            renditions: m.renditions,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlayOut {
    pub lesson_id: String,
    pub title: String,
    /// The master playlist, signed for the caller; it works for 10 minutes.
    pub master_url: String,
    pub poster_url: String,
    pub duration_seconds: i64,
}

impl From<PlayView> for PlayOut {
    fn from(p: PlayView) -> Self {
        PlayOut {
            lesson_id: p.lesson_id,
            title: p.title,
            master_url: p.master_url,
            poster_url: p.poster_url,
            duration_seconds: p.duration_seconds,
        }
    }
}

/// The viewer a signed URL is made for: a signed-in person, or a browser's device cookie.
pub(crate) fn viewer_of(p: Option<&Principal>, device: Option<&str>) -> String {
    match (p, device) {
        (Some(p), _) => format!("u{}", p.user_id),
        (None, Some(d)) => format!("d{d}"),
        (None, None) => String::new(),
    }
}

#[utoipa::path(post, path = "/course-versions/{id}/uploads", tag = "courses", params(("id" = String, Path)), request_body = UploadIn,
    responses((status = 201, body = MediaOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn start(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<UploadIn>,
) -> Result<(StatusCode, Json<MediaOut>), ApiError> {
    let m = s
        .app
        .courses()
        .start_upload(&who, &ctx, &id, u.into())
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[utoipa::path(get, path = "/uploads/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = MediaOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn status(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<MediaOut>, ApiError> {
    Ok(Json(s.app.courses().media(&who, &id).await?.into()))
}

#[utoipa::path(put, path = "/uploads/{id}/chunks/{n}", tag = "courses", params(("id" = String, Path), ("n" = i32, Path, description = "The chunk's number, from 0")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The chunk's bytes: `chunk_bytes` of them, fewer for the last"),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn chunk(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((id, n)): Path<(String, i32)>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    s.app
        .courses()
        .put_chunk(&who, &id, n, body.to_vec())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/uploads/{id}/complete", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = MediaOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn complete(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<MediaOut>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .complete_upload(&who, &ctx, &id)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/uploads/{id}/retry", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = MediaOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn retry(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<MediaOut>, ApiError> {
    Ok(Json(
        s.app.courses().retry_media(&who, &ctx, &id).await?.into(),
    ))
}

#[utoipa::path(delete, path = "/uploads/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 204, description = "The unfinished upload and its chunks are gone"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn abandon(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.courses().abandon_upload(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/lessons/{id}/play", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = PlayOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn play(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<PlayOut>, ApiError> {
    let viewer = viewer_of(Some(&who), None);
    Ok(Json(
        s.app.courses().play(Some(&who), &viewer, &id).await?.into(),
    ))
}

// --- The same upload calls for the page's uploader (session + CSRF header) -----------

pub async fn page_start(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    ApiJson(up): ApiJson<UploadIn>,
) -> Result<(StatusCode, Json<MediaOut>), ApiError> {
    let m = s
        .app
        .courses()
        .start_upload(&u.principal, &ctx, &id, up.into())
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

pub async fn page_status(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Json<MediaOut>, ApiError> {
    Ok(Json(s.app.courses().media(&u.principal, &id).await?.into()))
}

pub async fn page_chunk(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, n)): Path<(String, i32)>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    s.app
        .courses()
        .put_chunk(&u.principal, &id, n, body.to_vec())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn page_complete(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Json<MediaOut>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .complete_upload(&u.principal, &ctx, &id)
            .await?
            .into(),
    ))
}

/// Process a failed video again, from its package page.
pub async fn page_retry(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = s.app.courses().retry_media(&u.principal, &ctx, &id).await?;
    let v = s.app.courses().version(&u.principal, &m.version_id).await?;
    Ok(Redirect::to(&format!("/courses/{}?done=saved", v.package_id)).into_response())
}

/// Give up an unfinished upload from the package page.
pub async fn page_abandon(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = s.app.courses().media(&u.principal, &id).await?;
    let v = s.app.courses().version(&u.principal, &m.version_id).await?;
    match s
        .app
        .courses()
        .abandon_upload(&u.principal, &ctx, &id)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/courses/{}?done=saved", v.package_id)).into_response())
        }
        Err(e) => crate::courses::pages::detail_with_error(&s, &u, &v.package_id, e).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/watch.html")]
pub struct WatchPage {
    layout: Layout,
    p: Option<PlayView>,
    error: Option<String>,
    /// The viewer may study this lesson: the player opens a study session and sends
    /// heartbeats (supervised study).
    study: bool,
    /// The class the study counts for (empty: on one's own).
    class: String,
}

/// The player: hls.js with the viewer's signed master playlist; a moving watermark with
/// the viewer's name when signed in. Anyone may watch a listed package's preview lessons.
#[derive(Deserialize, Default)]
pub struct WatchQuery {
    /// Study for this class (from 我的学习); left out: on one's own.
    #[serde(default)]
    pub(crate) class: String,
}

pub async fn watch(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(q): Query<WatchQuery>,
) -> Result<(CookieJar, WatchPage), PageError> {
    let who = st.view.as_ref().map(|v| v.principal.clone());
    let (jar, device) = crate::attendance::pages::device_cookie(&s, jar);
    let viewer = viewer_of(who.as_ref(), Some(&device));
    let (p, error) = match s.app.courses().play(who.as_ref(), &viewer, &id).await {
        Ok(p) => (Some(p), None),
        Err(e @ jineng_app::AppError::Conflict(_)) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let title = p.as_ref().map_or("视频".to_string(), |p| p.title.clone());
    let study = match (&who, &p) {
        (Some(w), Some(_)) => s.app.study().open_to(w, &id, &q.class).await,
        _ => false,
    };
    Ok((
        jar,
        WatchPage {
            layout: Layout::public(title, &st, ""),
            p,
            error,
            study,
            class: q.class,
        },
    ))
}

/// A file of a lesson's stream behind a signed URL. The key goes only to the viewer it
/// was signed for.
pub async fn hls(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    jar: CookieJar,
    Path((media, lesson, name)): Path<(String, String, String)>,
    uri: axum::http::Uri,
) -> Response {
    let Some(q) = signature(&uri) else {
        return refused_file(&jineng_app::AppError::NotFound("视频"));
    };
    let requester = requester(&s, st.view.as_ref().map(|v| &v.principal), &jar);
    match s
        .app
        .courses()
        .stream_file(&media, &lesson, &name, &q, &requester)
        .await
    {
        Ok((mime, bytes)) => private_file(mime, bytes),
        Err(e) => refused_file(&e),
    }
}

/// The proxy's question before it serves a cached HLS segment (ops/nginx): does the
/// signed URL in `X-Original-URI` hold? 204 if so, else 403, which nginx turns into the
/// same bare 404 the node gives. Only segments; the public never reaches this route
/// through the proxy (nginx answers it 404), and direct callers learn no more than
/// fetching the segment would tell them.
pub async fn hls_auth(State(s): State<AppState>, headers: axum::http::HeaderMap) -> StatusCode {
    let uri = headers
        .get("x-original-uri")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<axum::http::Uri>().ok());
    let allowed = uri.as_ref().is_some_and(|uri| {
        let parts: Vec<&str> = uri.path().split('/').collect();
        match (parts.as_slice(), signature(uri)) {
            (["", "hls", media, lesson, name], Some(q)) => s
                .app
                .courses()
                .segment_allowed(media, lesson, name, &q)
                .is_ok(),
            _ => false,
        }
    });
    if allowed {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::FORBIDDEN
    }
}

/// The signature of a signed file's URL; `None` when the query is not one (answered with
/// the same bare 404 as a wrong signature).
pub(crate) fn signature(uri: &axum::http::Uri) -> Option<SignedQuery> {
    Query::<SignedQuery>::try_from_uri(uri)
        .ok()
        .map(|Query(q)| q)
}

/// Who asks for a signed file: the signed-in account, else the browser's device cookie.
pub(crate) fn requester(s: &AppState, who: Option<&Principal>, jar: &CookieJar) -> String {
    let device = jar
        .get(crate::http::session::Jar::Device.name(s.app.security.secure_cookies))
        .map(|c| c.value().to_string());
    viewer_of(who, device.as_deref())
}

/// A file for one viewer: never cached, its type as stated.
pub(crate) fn private_file(mime: &'static str, bytes: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// A signed file refused: 503 when storage is down, else a bare 404 that tells nothing.
pub(crate) fn refused_file(e: &jineng_app::AppError) -> Response {
    let status = match e {
        jineng_app::AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::NOT_FOUND,
    };
    (status, "").into_response()
}
