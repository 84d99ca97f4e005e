//! `/api/v1/courses` and `/api/v1/course-versions`: writing course packages, their
//! chapters, lessons and files, submitting them for review; the sensitive-word list.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::AppError;
use jineng_app::courses::files::VersionFile;
use jineng_app::courses::{
    ChapterView, LessonInput, LessonView, PackageDetail, PackageFilter, PackageInput, PackageView,
    VersionSummary, VersionView,
};
use jineng_app::page::PageRequest;
use jineng_core::Fen;
use jineng_core::courses::{
    CourseSource, CourseTrainingType, CourseType, LessonKind, ListingStatus, VersionStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A package version's description.
#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct PackageIn {
    #[schema(min_length = 2, max_length = 100)]
    pub name: String,
    /// 课程简介.
    #[schema(min_length = 1, max_length = 5000)]
    pub intro: String,
    /// 适用人群.
    #[schema(min_length = 1, max_length = 500)]
    pub audience: String,
    /// 主要内容 (the catalogue of the course in words).
    #[schema(min_length = 1, max_length = 5000)]
    pub content: String,
    /// 总学时 (45 minutes each); the lessons must add up to it within half a class hour.
    #[schema(minimum = 1, maximum = 1000)]
    pub declared_hours: i32,
    #[schema(value_type = crate::http::schema::OccupationCode)]
    pub occupation_code: String,
    pub work_type_id: Option<String>,
    /// 1–5, or 0 for no level.
    #[schema(minimum = 0, maximum = 5)]
    pub skill_level: i32,
    pub training_type: Option<CourseTrainingType>,
    pub course_type: Option<CourseType>,
    /// Price per seat in yuan ("0" for public-welfare courses).
    #[schema(value_type = crate::http::schema::Yuan)]
    pub price_yuan: String,
    /// An offline course registered for review (institutions only).
    #[serde(default)]
    pub offline: bool,
    /// Learners may seek forward past what they watched (the class must allow it too);
    /// skipped time is never credited. Off by default.
    #[serde(default)]
    pub free_seek: bool,
}

pub fn parse_package(i: PackageIn) -> Result<PackageInput, AppError> {
    let mut e = Vec::new();
    let price = Fen::parse_yuan(&i.price_yuan)
        .map_err(|m| {
            e.push(jineng_app::error::FieldError::new(
                "price_yuan",
                m.to_string(),
            ))
        })
        .ok();
    if i.training_type.is_none() {
        e.push(jineng_app::error::FieldError::new(
            "training_type",
            "请选择培训类型",
        ));
    }
    if i.course_type.is_none() {
        e.push(jineng_app::error::FieldError::new(
            "course_type",
            "请选择课程类型",
        ));
    }
    match (price, i.training_type, i.course_type) {
        (Some(price), Some(training_type), Some(course_type)) if e.is_empty() => Ok(PackageInput {
            name: i.name,
            intro: i.intro,
            audience: i.audience,
            content: i.content,
            declared_hours: i.declared_hours,
            occupation_code: i.occupation_code.trim().to_string(),
            work_type_id: i
                .work_type_id
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            skill_level: i.skill_level,
            training_type,
            course_type,
            price,
            offline: i.offline,
            free_seek: i.free_seek,
        }),
        _ => Err(AppError::Validation(e)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PackageOut {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub source: CourseSource,
    pub name: String,
    pub listing: ListingStatus,
    pub listing_reason: String,
    /// The approved version offered in the catalogue; empty until one is approved.
    pub listed_version_id: String,
    pub latest_version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<PackageView> for PackageOut {
    fn from(p: PackageView) -> Self {
        PackageOut {
            id: p.id,
            org_id: p.org_id,
            org_name: p.org_name,
            source: p.source,
            name: p.name,
            listing: p.listing,
            listing_reason: p.listing_reason,
            listed_version_id: p.listed_version_id,
            latest_version: p.latest_version,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LessonOut {
    pub id: String,
    pub position: i32,
    pub title: String,
    pub kind: LessonKind,
    pub body: String,
    /// Study time in seconds; null until known (a video being processed).
    pub seconds: Option<i64>,
    /// Part of the free preview.
    pub preview: bool,
    /// The uploaded video or document (`/uploads/{id}` tells its processing); empty for text.
    pub media_id: String,
    /// A video's or document's processing, and why it failed when it did.
    pub media_status: Option<jineng_core::courses::MediaStatus>,
    pub media_reason: String,
}

impl From<LessonView> for LessonOut {
    fn from(l: LessonView) -> Self {
        LessonOut {
            id: l.id,
            position: l.position,
            title: l.title,
            kind: l.kind,
            body: l.body,
            seconds: l.seconds,
            preview: l.preview,
            media_id: l.media_id,
            media_status: l.media_status,
            media_reason: l.media_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChapterOut {
    pub id: String,
    pub position: i32,
    pub title: String,
    pub lessons: Vec<LessonOut>,
}

impl From<ChapterView> for ChapterOut {
    fn from(c: ChapterView) -> Self {
        ChapterOut {
            id: c.id,
            position: c.position,
            title: c.title,
            lessons: c.lessons.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub id: String,
    pub package_id: String,
    pub number: i32,
    pub status: VersionStatus,
    /// Whether its organisation may still change it (draft or returned).
    pub editable: bool,
    pub name: String,
    pub intro: String,
    pub audience: String,
    pub content: String,
    pub declared_hours: i32,
    /// The lessons' study time in class hours, e.g. "12.5".
    pub lesson_hours: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub skill_level: i32,
    pub training_type: CourseTrainingType,
    pub course_type: CourseType,
    pub price_fen: i64,
    pub has_cover: bool,
    pub copyright_filename: String,
    /// The level of review it waits at (1-based); 0 when not in review.
    pub review_level: i32,
    pub review_levels: i32,
    /// What reviewers are warned about (for example a video over 25 minutes).
    pub warnings: Vec<String>,
    pub chapters: Vec<ChapterOut>,
    /// The province's training projects in force this version serves (occupation,
    /// work type and level agree); submission is refused while there is none.
    pub projects: Vec<crate::catalogue::api::ProjectOut>,
}

impl From<VersionView> for VersionOut {
    fn from(v: VersionView) -> Self {
        VersionOut {
            id: v.id,
            package_id: v.package_id,
            number: v.number,
            status: v.status,
            editable: v.editable,
            name: v.name,
            intro: v.intro,
            audience: v.audience,
            content: v.content,
            declared_hours: v.declared_hours,
            lesson_hours: v.lesson_hours,
            occupation_code: v.occupation_code,
            occupation_name: v.occupation_name,
            work_type_id: v.work_type_id,
            skill_level: v.skill_level,
            training_type: v.training_type,
            course_type: v.course_type,
            price_fen: v.price_fen,
            has_cover: v.has_cover,
            copyright_filename: v.copyright_filename,
            review_level: v.review_level,
            review_levels: v.review_levels,
            warnings: v.warnings,
            chapters: v.chapters.into_iter().map(Into::into).collect(),
            projects: v.projects.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionSummaryOut {
    pub id: String,
    pub number: i32,
    pub status: VersionStatus,
    pub name: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<VersionSummary> for VersionSummaryOut {
    fn from(v: VersionSummary) -> Self {
        VersionSummaryOut {
            id: v.id,
            number: v.number,
            status: v.status,
            name: v.name,
            updated_at: v.updated_at,
        }
    }
}

/// A package, its versions (newest first) and the version to work on or show.
#[derive(Serialize, ToSchema)]
pub struct PackageDetailOut {
    pub package: PackageOut,
    pub versions: Vec<VersionSummaryOut>,
    pub current: VersionOut,
}

impl From<PackageDetail> for PackageDetailOut {
    fn from(d: PackageDetail) -> Self {
        PackageDetailOut {
            package: d.package.into(),
            versions: d.versions.into_iter().map(Into::into).collect(),
            current: d.current.into(),
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PackageQuery {
    /// Part of the name.
    pub q: Option<String>,
    pub listing: Option<ListingStatus>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/courses", tag = "courses", params(PackageQuery),
    responses((status = 200, body = Paged<PackageOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<PackageQuery>,
) -> Result<Json<Paged<PackageOut>>, ApiError> {
    let p = s
        .app
        .courses()
        .list(
            &who,
            &PackageFilter {
                q: q.q,
                listing: q.listing,
            },
            PageRequest::new(q.page, q.per_page, 20),
        )
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(post, path = "/courses", tag = "courses", request_body = PackageIn,
    responses((status = 201, body = PackageDetailOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(i): ApiJson<PackageIn>,
) -> Result<(StatusCode, Json<PackageDetailOut>), ApiError> {
    s.app.courses().may_publish(&who).await?;
    let d = s
        .app
        .courses()
        .create(&who, &ctx, parse_package(i)?)
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[utoipa::path(get, path = "/courses/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = PackageDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<PackageDetailOut>, ApiError> {
    Ok(Json(s.app.courses().package(&who, &id).await?.into()))
}

#[utoipa::path(post, path = "/courses/{id}/versions", tag = "courses", params(("id" = String, Path)),
    responses((status = 201, body = PackageDetailOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn new_version(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<PackageDetailOut>), ApiError> {
    let d = s.app.courses().new_version(&who, &ctx, &id).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[utoipa::path(get, path = "/course-versions/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn version(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(s.app.courses().version(&who, &id).await?.into()))
}

#[utoipa::path(put, path = "/course-versions/{id}", tag = "courses", params(("id" = String, Path)), request_body = PackageIn,
    responses((status = 200, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<PackageIn>,
) -> Result<Json<VersionOut>, ApiError> {
    s.app.courses().check_editable(&who, &id).await?;
    let v = s
        .app
        .courses()
        .update(&who, &ctx, &id, parse_package(i)?)
        .await?;
    Ok(Json(v.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChapterIn {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
}

#[utoipa::path(post, path = "/course-versions/{id}/chapters", tag = "courses", params(("id" = String, Path)), request_body = ChapterIn,
    responses((status = 201, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add_chapter(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<ChapterIn>,
) -> Result<(StatusCode, Json<VersionOut>), ApiError> {
    let v = s
        .app
        .courses()
        .add_chapter(&who, &ctx, &id, &c.title)
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(delete, path = "/course-versions/{id}/chapters/{chapter}", tag = "courses", params(("id" = String, Path), ("chapter" = String, Path)),
    responses((status = 200, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn remove_chapter(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, chapter)): Path<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    let v = s
        .app
        .courses()
        .remove_chapter(&who, &ctx, &id, &chapter)
        .await?;
    Ok(Json(v.into()))
}

/// A text lesson (video and document lessons are added by uploading their file).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonIn {
    pub chapter_id: String,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    pub kind: Option<LessonKind>,
    /// The text of a text lesson.
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub body: String,
    /// Reading time in minutes (text and documents).
    #[schema(minimum = 1, maximum = 600)]
    pub minutes: Option<i32>,
    #[serde(default)]
    pub preview: bool,
}

pub fn parse_lesson(l: LessonIn) -> LessonInput {
    LessonInput {
        chapter_id: l.chapter_id.trim().to_string(),
        title: l.title,
        kind: l.kind.unwrap_or(LessonKind::Text),
        body: l.body,
        minutes: l.minutes,
        preview: l.preview,
    }
}

#[utoipa::path(post, path = "/course-versions/{id}/lessons", tag = "courses", params(("id" = String, Path)), request_body = LessonIn,
    responses((status = 201, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add_lesson(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(l): ApiJson<LessonIn>,
) -> Result<(StatusCode, Json<VersionOut>), ApiError> {
    let v = s
        .app
        .courses()
        .add_lesson(&who, &ctx, &id, parse_lesson(l))
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(delete, path = "/course-versions/{id}/lessons/{lesson}", tag = "courses", params(("id" = String, Path), ("lesson" = String, Path)),
    responses((status = 200, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn remove_lesson(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, lesson)): Path<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    let v = s
        .app
        .courses()
        .remove_lesson(&who, &ctx, &id, &lesson)
        .await?;
    Ok(Json(v.into()))
}

#[utoipa::path(post, path = "/course-versions/{id}/submit", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(s.app.courses().submit(&who, &ctx, &id).await?.into()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The original file name.
    #[serde(default)]
    pub filename: String,
}

fn which(kind: &str) -> Result<VersionFile, AppError> {
    match kind {
        "cover" => Ok(VersionFile::Cover),
        "copyright" => Ok(VersionFile::Copyright),
        _ => Err(AppError::NotFound("文件")),
    }
}

#[utoipa::path(put, path = "/course-versions/{id}/files/{kind}", tag = "courses", params(("id" = String, Path), ("kind" = String, Path, description = "`cover` (JPG or PNG, at most 2 MB) or `copyright` (PDF, JPG or PNG, at most 10 MB)"), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file itself; its type is judged from its content"),
    responses((status = 200, body = VersionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn upload_file(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, kind)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<FileQuery>,
    body: axum::body::Bytes,
) -> Result<Json<VersionOut>, ApiError> {
    let v = s
        .app
        .courses()
        .upload_file(&who, &ctx, &id, which(&kind)?, &q.filename, body.to_vec())
        .await?;
    Ok(Json(v.into()))
}

#[utoipa::path(get, path = "/course-versions/{id}/files/{kind}", tag = "courses", params(("id" = String, Path), ("kind" = String, Path, description = "`cover` or `copyright`")),
    responses((status = 200, description = "The file, with the content type judged from its bytes", content_type = "application/pdf"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn file(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((id, kind)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let f = s.app.courses().file(Some(&who), &id, which(&kind)?).await?;
    Ok(crate::http::files::document_response(
        f.content_type,
        &f.filename,
        f.bytes,
    ))
}

/// The sensitive-word list, one word or phrase per line.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WordsIn {
    #[schema(max_length = 1000000)]
    pub words: String,
}

#[derive(Serialize, ToSchema)]
pub struct WordsOut {
    pub words: String,
    /// Distinct words in the list.
    pub count: usize,
}

#[utoipa::path(get, path = "/course-words", tag = "courses",
    responses((status = 200, body = WordsOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn words(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<WordsOut>, ApiError> {
    let words = s.app.courses().words(&who).await?;
    let count = jineng_core::courses::WordFilter::new(&words).len();
    Ok(Json(WordsOut { words, count }))
}

#[utoipa::path(put, path = "/course-words", tag = "courses", request_body = WordsIn,
    responses((status = 200, body = WordsOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_words(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(w): ApiJson<WordsIn>,
) -> Result<Json<WordsOut>, ApiError> {
    let count = s.app.courses().set_words(&who, &ctx, &w.words).await?;
    let words = s.app.courses().words(&who).await?;
    Ok(Json(WordsOut { words, count }))
}
