//! `/api/v1/classes`: training classes, enrollment and filing.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::classes::{ClassFilter, ClassInput, ClassView, EnrolledLearner};
use jineng_app::page::PageRequest;
use jineng_app::{AppError, FieldError};
use jineng_core::classes::{ClassAction, ClassStatus, Delivery, InspectionKind};
use jineng_core::completion::Outcome;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ClassIn {
    /// A published catalogue project.
    pub project_id: String,
    #[schema(min_length = 2, max_length = 100)]
    pub name: String,
    pub delivery: Delivery,
    /// YYYY-MM-DD, not before today.
    #[schema(format = Date)]
    pub start_date: String,
    #[schema(format = Date)]
    pub end_date: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub location: String,
    #[schema(minimum = 1, maximum = 500)]
    pub capacity: i32,
    /// Not below the project's hours.
    #[schema(minimum = 0, maximum = 2000)]
    pub theory_hours: i32,
    #[schema(minimum = 0, maximum = 2000)]
    pub practice_hours: i32,
}

pub fn parse_class(i: ClassIn) -> Result<ClassInput, AppError> {
    let mut e = Vec::new();
    let date = |s: &str, f: &str, e: &mut Vec<FieldError>| {
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| e.push(FieldError::new(f, "日期格式应为 年-月-日")))
            .ok()
    };
    let start = date(&i.start_date, "start_date", &mut e);
    let end = date(&i.end_date, "end_date", &mut e);
    match (start, end) {
        (Some(start_date), Some(end_date)) => Ok(ClassInput {
            project_id: i.project_id.trim().into(),
            name: i.name,
            delivery: i.delivery,
            start_date,
            end_date,
            location: i.location,
            capacity: i.capacity,
            theory_hours: i.theory_hours,
            practice_hours: i.practice_hours,
        }),
        _ => Err(AppError::Validation(e)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClassOut {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub project_id: String,
    pub project_name: String,
    pub name: String,
    pub delivery: Delivery,
    pub start_date: String,
    pub end_date: String,
    pub location: String,
    pub capacity: i32,
    pub enrolled: i32,
    pub theory_hours: i32,
    pub practice_hours: i32,
    pub status: ClassStatus,
    pub status_reason: String,
}

impl From<ClassView> for ClassOut {
    fn from(c: ClassView) -> Self {
        ClassOut {
            id: c.id,
            org_id: c.org_id,
            org_name: c.org_name,
            project_id: c.project_id,
            project_name: c.project_name,
            name: c.name,
            delivery: c.delivery,
            start_date: c.start_date,
            end_date: c.end_date,
            location: c.location,
            capacity: c.capacity,
            enrolled: c.enrolled,
            theory_hours: c.theory_hours,
            practice_hours: c.practice_hours,
            status: c.status,
            status_reason: c.status_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClassDetail {
    pub class: ClassOut,
    pub learners: Vec<ClassLearnerOut>,
}

/// A learner in the class with offline attendance so far; final once the class is completed.
#[derive(Serialize, ToSchema)]
pub struct ClassLearnerOut {
    pub user_id: String,
    pub name: String,
    pub sessions_attended: u32,
    pub sessions_total: u32,
    /// Whole class hours (45 minutes each) attended offline.
    pub offline_hours: u32,
    pub attendance_percent: u32,
    /// Online class hours credited for the class's study tasks, in tenths.
    pub online_tenths: u64,
    /// Online class hours the class requires: its theory hours if blended, all its
    /// hours if online, none if offline.
    pub online_required_hours: u32,
    /// `completed` (attended at least 80 % of the offline hours the class requires — all
    /// of them for an offline class, the practice hours for a blended one — and credited
    /// every online hour it requires), `short_of_attendance`, `short_of_online`,
    /// `short_of_both`, or `no_sessions` (the class requires no hours).
    pub outcome: Outcome,
    pub outcome_label: String,
}

impl From<EnrolledLearner> for ClassLearnerOut {
    fn from(l: EnrolledLearner) -> Self {
        ClassLearnerOut {
            user_id: l.user_id,
            name: l.name,
            sessions_attended: l.sessions_attended,
            sessions_total: l.sessions_total,
            offline_hours: l.offline_hours,
            attendance_percent: l.attendance_percent,
            online_tenths: l.online_tenths,
            online_required_hours: l.online_required_hours,
            outcome: l.outcome,
            outcome_label: l.outcome_label.into(),
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClassQuery {
    #[param(inline, value_type = Option<jineng_core::classes::ClassStatus>)]
    pub status: Option<String>,
    /// Class name (substring).
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl ClassQuery {
    pub fn filter(&self) -> Result<ClassFilter, AppError> {
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                ClassStatus::parse(s).ok_or_else(|| AppError::field("status", "状态代码不存在"))?,
            ),
            None => None,
        };
        Ok(ClassFilter {
            status,
            q: self.q.clone(),
        })
    }
}

#[utoipa::path(get, path = "/classes", tag = "classes", params(ClassQuery),
    responses((status = 200, body = Paged<ClassOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<ClassQuery>,
) -> Result<Json<Paged<ClassOut>>, ApiError> {
    let p = s
        .app
        .classes()
        .list(&who, &q.filter()?, PageRequest::new(q.page, q.per_page, 20))
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(post, path = "/classes", tag = "classes", request_body = ClassIn,
    responses((status = 201, body = ClassOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn open(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(i): ApiJson<ClassIn>,
) -> Result<(StatusCode, Json<ClassOut>), ApiError> {
    let c = s.app.classes().open(&who, &ctx, parse_class(i)?).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[utoipa::path(get, path = "/classes/{id}", tag = "classes", params(("id" = String, Path)),
    responses((status = 200, body = ClassDetail), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ClassDetail>, ApiError> {
    let (c, learners) = s.app.classes().get(&who, &id).await?;
    Ok(Json(ClassDetail {
        class: c.into(),
        learners: learners.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollIn {
    pub learner_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Enrolled {
    pub added: usize,
}

#[utoipa::path(post, path = "/classes/{id}/enrollments", tag = "classes", params(("id" = String, Path)), request_body = EnrollIn,
    responses((status = 201, body = Enrolled), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn enroll(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(e): ApiJson<EnrollIn>,
) -> Result<(StatusCode, Json<Enrolled>), ApiError> {
    let added = s
        .app
        .classes()
        .enroll(&who, &ctx, &id, &e.learner_ids)
        .await?;
    Ok((StatusCode::CREATED, Json(Enrolled { added })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassActionIn {
    /// submit, approve, return, start, complete, cancel.
    #[schema(value_type = jineng_core::classes::ClassAction)]
    pub action: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/classes/{id}/actions", tag = "classes", params(("id" = String, Path)), request_body = ClassActionIn,
    responses((status = 200, body = ClassOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn act(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<ClassActionIn>,
) -> Result<Json<ClassOut>, ApiError> {
    let action = ClassAction::parse(a.action.trim()).ok_or_else(|| {
        AppError::field(
            "action",
            "操作只能是 submit、approve、return、start、complete 或 cancel",
        )
    })?;
    Ok(Json(
        s.app
            .classes()
            .act(&who, &ctx, &id, action, &a.reason)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionIn {
    pub kind: InspectionKind,
    pub qualified: bool,
    /// Required when not qualified.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub remarks: String,
}

#[derive(Serialize, ToSchema)]
pub struct InspectionOut {
    pub id: String,
    pub kind: InspectionKind,
    pub qualified: bool,
    pub remarks: String,
    pub inspector_name: String,
    pub inspected_at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(post, path = "/classes/{id}/inspections", tag = "classes", params(("id" = String, Path)), request_body = InspectionIn,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn inspect(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<InspectionIn>,
) -> Result<StatusCode, ApiError> {
    s.app
        .classes()
        .inspect(&who, &ctx, &id, i.kind.code(), i.qualified, &i.remarks)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/classes/{id}/inspections", tag = "classes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<InspectionOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn inspections(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<InspectionOut>>, ApiError> {
    let rows = s.app.classes().inspections(&who, &id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| InspectionOut {
                id: r.id,
                kind: r.kind,
                qualified: r.qualified,
                remarks: r.remarks,
                inspector_name: r.inspector_name,
                inspected_at: r.inspected_at,
            })
            .collect(),
    ))
}
