//! `/api/v1/teachers`: the teacher pool and class bookings.

use crate::AppState;
use crate::certificates::api::{CertificateOut, outs};
use crate::http::api::{ApiJson, ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::AppError;
use jineng_app::qualifications::QualificationInput;
use jineng_app::teachers::{TeacherInput, TeacherView};
use jineng_core::IdNumber;
use jineng_core::review::{Decision, ReviewStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct TeacherIn {
    #[schema(value_type = crate::http::schema::PersonNameText)]
    pub name: String,
    #[schema(value_type = crate::http::schema::IdNumberText)]
    pub id_number: String,
    #[serde(default)]
    pub full_time: bool,
    #[schema(min_length = 1, max_length = 200)]
    pub subjects: String,
    /// junior, intermediate, senior or expert.
    #[schema(value_type = crate::http::schema::TeacherLevel)]
    pub level: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub qualifications: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60)]
    pub years_teaching: i32,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub experience: String,
}

pub fn parse_teacher(i: TeacherIn, today: chrono::NaiveDate) -> Result<TeacherInput, AppError> {
    let id_number = IdNumber::parse_on(&i.id_number, today)
        .map_err(|e| AppError::field("id_number", e.to_string()))?;
    Ok(TeacherInput {
        name: i.name,
        id_number,
        full_time: i.full_time,
        subjects: i.subjects,
        level: i.level.trim().into(),
        qualifications: i.qualifications,
        years_teaching: i.years_teaching,
        experience: i.experience,
    })
}

/// A teacher as linked to one institution; the ID number masked unless permitted.
#[derive(Serialize, ToSchema)]
pub struct TeacherOut {
    pub link_id: String,
    pub teacher_id: String,
    pub org_id: String,
    pub org_name: String,
    pub name: String,
    pub id_number: String,
    pub full_time: bool,
    pub subjects: String,
    pub years_teaching: i32,
    /// submitted, approved or returned.
    pub status: jineng_core::review::ReviewStatus,
    pub reason: String,
    /// How many institutions this teacher is linked to.
    pub institutions: usize,
}

impl From<TeacherView> for TeacherOut {
    fn from(t: TeacherView) -> Self {
        TeacherOut {
            link_id: t.link_id,
            teacher_id: t.teacher_id,
            org_id: t.org_id,
            org_name: t.org_name,
            name: t.name,
            id_number: t.id_number,
            full_time: t.full_time,
            subjects: t.subjects,
            years_teaching: t.years_teaching,
            status: t.status,
            reason: t.reason,
            institutions: t.institutions,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TeacherQuery {
    pub status: Option<ReviewStatus>,
}

fn today(s: &AppState) -> chrono::NaiveDate {
    s.app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

#[utoipa::path(get, path = "/teachers", tag = "classes", params(TeacherQuery),
    responses((status = 200, body = Vec<TeacherOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<TeacherQuery>,
) -> Result<Json<Vec<TeacherOut>>, ApiError> {
    Ok(Json(
        s.app
            .teachers()
            .list(&who, q.status)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/teachers", tag = "classes", request_body = TeacherIn,
    responses((status = 201, body = TeacherOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(i): ApiJson<TeacherIn>,
) -> Result<(StatusCode, Json<TeacherOut>), ApiError> {
    let t = s
        .app
        .teachers()
        .add(&who, &ctx, parse_teacher(i, today(&s))?)
        .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeacherDecisionIn {
    pub action: Decision,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/teachers/{link_id}/decision", tag = "classes", params(("link_id" = String, Path)), request_body = TeacherDecisionIn,
    responses((status = 200, body = TeacherOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<TeacherDecisionIn>,
) -> Result<Json<TeacherOut>, ApiError> {
    Ok(Json(
        s.app
            .teachers()
            .decide(&who, &ctx, &id, d.action, &d.reason)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookIn {
    pub teacher_id: String,
}

#[utoipa::path(post, path = "/classes/{id}/teachers", tag = "classes", params(("id" = String, Path)), request_body = BookIn,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn book(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BookIn>,
) -> Result<StatusCode, ApiError> {
    s.app
        .teachers()
        .book(&who, &ctx, &id, b.teacher_id.trim())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationIn {
    /// 任教专业: the occupation or work type the teacher is qualified to teach.
    #[schema(min_length = 1, max_length = 50)]
    pub subject: String,
    /// Years the qualification runs (1–5).
    #[schema(minimum = 1, maximum = 5)]
    pub years: u32,
}

/// The teacher's qualification certificates (师资上岗资格), newest first.
#[utoipa::path(get, path = "/teachers/{link_id}/qualifications", tag = "certificates", params(("link_id" = String, Path)),
    responses((status = 200, body = Vec<CertificateOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn qualifications(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<CertificateOut>>, ApiError> {
    Ok(outs(s.app.qualifications().of_teacher(&who, &id).await?))
}

/// A regulator of the institution's region qualifies an approved teacher, or renews the
/// qualification in its last 90 days.
#[utoipa::path(post, path = "/teachers/{link_id}/qualifications", tag = "certificates", params(("link_id" = String, Path)), request_body = QualificationIn,
    responses((status = 201, body = CertificateOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn qualify(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<QualificationIn>,
) -> Result<(StatusCode, Json<CertificateOut>), ApiError> {
    let c = s
        .app
        .qualifications()
        .grant(
            &who,
            &ctx,
            &id,
            QualificationInput {
                subject: i.subject,
                years: i.years,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// The signed-in teacher's own qualification certificates.
#[utoipa::path(get, path = "/me/qualifications", tag = "certificates",
    responses((status = 200, body = Vec<CertificateOut>)), security(("bearer" = [])))]
pub async fn my_qualifications(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<CertificateOut>>, ApiError> {
    Ok(outs(s.app.qualifications().mine(&who).await?))
}
