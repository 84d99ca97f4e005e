//! Document lessons over HTTP: a PDF added to a draft (API with the file as the body, the
//! package page with a form), the reading page showing the pages one under another with
//! the reader's name over them, and the signed page images.

use crate::AppState;
use crate::courses::api::VersionOut;
use crate::http::api::{ApiQuery, Caller};
use crate::http::error::{ApiError, PageError, Problem};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{MaybeSession, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use jineng_app::AppError;
use jineng_app::courses::documents::{DocumentInput, MAX_PDF_BYTES, ReadView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    pub chapter_id: String,
    pub title: String,
    /// Reading time in minutes (1–600).
    pub minutes: Option<i32>,
    #[serde(default)]
    pub preview: bool,
    /// The original file name.
    #[serde(default)]
    pub filename: String,
}

#[utoipa::path(put, path = "/course-versions/{id}/documents", tag = "courses", params(("id" = String, Path), DocumentQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The PDF itself (at most 50 MB, 300 pages; judged by its bytes, whatever the content type); its pages are rendered by a job"),
    responses((status = 201, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn upload(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<VersionOut>), ApiError> {
    let v = s
        .app
        .courses()
        .upload_document(
            &who,
            &ctx,
            &id,
            DocumentInput {
                chapter_id: q.chapter_id.trim().to_string(),
                title: q.title,
                filename: q.filename,
                minutes: q.minutes,
                preview: q.preview,
            },
            body.to_vec(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// A document lesson's pages, each image URL signed for the caller and valid ten minutes.
#[derive(Serialize, ToSchema)]
pub struct ReadOut {
    pub lesson_id: String,
    pub title: String,
    pub pages: Vec<String>,
}

impl From<ReadView> for ReadOut {
    fn from(r: ReadView) -> Self {
        ReadOut {
            lesson_id: r.lesson_id,
            title: r.title,
            pages: r.pages,
        }
    }
}

#[utoipa::path(get, path = "/lessons/{id}/read", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = ReadOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_read(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ReadOut>, ApiError> {
    let viewer = super::media::viewer_of(Some(&who), None);
    Ok(Json(
        s.app.courses().read(Some(&who), &viewer, &id).await?.into(),
    ))
}

#[derive(Deserialize, Default)]
struct DocumentForm {
    chapter_id: String,
    title: String,
    minutes: String,
    preview: bool,
}

/// The package page's form (multipart: chapter_id, title, minutes, preview, file).
pub async fn page_upload(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let mut f = DocumentForm::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut unreadable = false;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "file" {
                    let filename = field.file_name().unwrap_or("").to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((filename, b.to_vec())),
                        Err(_) => {
                            unreadable = true;
                            break;
                        }
                    }
                    continue;
                }
                let text = field.text().await.unwrap_or_default();
                match name.as_str() {
                    "chapter_id" => f.chapter_id = text,
                    "title" => f.title = text,
                    "minutes" => f.minutes = text,
                    "preview" => f.preview = true,
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                unreadable = true;
                break;
            }
        }
    }
    let r = if unreadable {
        Err(AppError::field(
            "file",
            format!(
                "上传的内容无法读取，文档不能超过{}MB",
                MAX_PDF_BYTES / 1024 / 1024
            ),
        ))
    } else {
        let mut n = crate::http::form::FormNumbers::default();
        let minutes = n.int("minutes", "学习时长", &f.minutes, false);
        let (filename, bytes) = file.unwrap_or_default();
        match n.check() {
            Ok(()) => s
                .app
                .courses()
                .upload_document(
                    &u.principal,
                    &ctx,
                    &id,
                    DocumentInput {
                        chapter_id: f.chapter_id.trim().to_string(),
                        title: f.title,
                        filename,
                        minutes: Some(minutes),
                        preview: f.preview,
                    },
                    bytes,
                )
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        }
    };
    match r {
        Ok(()) => {
            let v = s.app.courses().version(&u.principal, &id).await?;
            Ok(Redirect::to(&format!("/courses/{}?done=uploaded", v.package_id)).into_response())
        }
        Err(e) => {
            let v = s.app.courses().version(&u.principal, &id).await?;
            crate::courses::pages::detail_with_error(&s, &u, &v.package_id, e).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/read.html")]
pub struct ReadPage {
    layout: Layout,
    r: Option<ReadView>,
    error: Option<String>,
    /// The reader may study this lesson: the page opens a study session and reports the
    /// time spent reading with the page in front (supervised study).
    study: bool,
    /// The class the study counts for (empty: on one's own).
    class: String,
}

/// The reading page: every page as an image, loaded as it scrolls into view.
pub async fn read(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(q): Query<super::media::WatchQuery>,
) -> Result<(CookieJar, ReadPage), PageError> {
    let who = st.view.as_ref().map(|v| v.principal.clone());
    let (jar, device) = crate::attendance::pages::device_cookie(&s, jar);
    let viewer = super::media::viewer_of(who.as_ref(), Some(&device));
    let (r, error) = match s.app.courses().read(who.as_ref(), &viewer, &id).await {
        Ok(r) => (Some(r), None),
        Err(e @ AppError::Conflict(_)) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let title = r.as_ref().map_or("文档".to_string(), |r| r.title.clone());
    let study = match (&who, &r) {
        (Some(w), Some(_)) => s.app.study().open_to(w, &id, &q.class).await,
        _ => false,
    };
    Ok((
        jar,
        ReadPage {
            layout: Layout::public(title, &st, ""),
            r,
            error,
            study,
            class: q.class,
        },
    ))
}

/// One page image behind a signed URL, for the viewer it was signed for only.
pub async fn page_image(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    jar: CookieJar,
    Path((media, lesson, n)): Path<(String, String, String)>,
    uri: axum::http::Uri,
) -> Response {
    let (Some(q), Ok(n)) = (super::media::signature(&uri), n.parse::<i32>()) else {
        return super::media::refused_file(&AppError::NotFound("文档"));
    };
    let requester = super::media::requester(&s, st.view.as_ref().map(|v| &v.principal), &jar);
    match s
        .app
        .courses()
        .document_page(&media, &lesson, n, &q, &requester)
        .await
    {
        Ok(bytes) => super::media::private_file("image/jpeg", bytes),
        Err(e) => super::media::refused_file(&e),
    }
}
