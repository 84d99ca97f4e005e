//! `/api/v1/classes/{id}/assessment…` and `/api/v1/me/assessments`.

use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use jineng_app::assessment::{MyAssessment, RowInput, SaveInput, SheetView};
use jineng_core::assessment::{Performance, SheetStatus};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RowOut {
    pub user_id: String,
    pub name: String,
    /// Sessions attended (signed in or marked), of those held.
    pub sessions_attended: u32,
    pub sessions_total: u32,
    pub attendance_days: Option<i32>,
    pub performance: Option<Performance>,
    pub theory: Option<i32>,
    pub practical: Option<i32>,
    pub evaluation: String,
    /// Absent until a theory or practical score is entered.
    pub passed: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeOut {
    pub learner: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct SheetOut {
    pub class_id: String,
    pub class_name: String,
    pub class_days: i32,
    pub status: SheetStatus,
    pub status_label: String,
    pub pass_mark: i32,
    pub submitted_by: String,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub confirmed_by: String,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub returned_reason: String,
    /// The evidence-log entry of the published scores as they stand.
    pub ledger_index: Option<i64>,
    /// `institution`, `teacher` or `viewer`.
    pub access: String,
    /// Field codes the caller may set now.
    pub editable: Vec<String>,
    pub may_submit: bool,
    pub may_confirm: bool,
    pub rows: Vec<RowOut>,
    /// Changes made after publishing, newest first.
    pub changes: Vec<ChangeOut>,
}

impl From<SheetView> for SheetOut {
    fn from(v: SheetView) -> Self {
        SheetOut {
            class_id: v.class_id,
            class_name: v.class_name,
            class_days: v.class_days,
            status: v.status,
            status_label: v.status_label.into(),
            pass_mark: v.pass_mark,
            submitted_by: v.submitted_by,
            submitted_at: v.submitted_at,
            confirmed_by: v.confirmed_by,
            confirmed_at: v.confirmed_at,
            returned_reason: v.returned_reason,
            ledger_index: v.ledger_idx,
            access: serde_json::to_value(v.access)
                .ok()
                .and_then(|a| a.as_str().map(str::to_string))
                .unwrap_or_default(),
            editable: v.editable.iter().map(|f| f.code().to_string()).collect(),
            may_submit: v.may_submit,
            may_confirm: v.may_confirm,
            rows: v
                .rows
                .into_iter()
                .map(|r| RowOut {
                    user_id: r.user_id,
                    name: r.name,
                    sessions_attended: r.sessions_attended,
                    sessions_total: r.sessions_total,
                    attendance_days: r.attendance_days,
                    performance: r.performance,
                    theory: r.theory,
                    practical: r.practical,
                    evaluation: r.evaluation,
                    passed: r.passed,
                })
                .collect(),
            changes: v
                .changes
                .into_iter()
                .map(|c| ChangeOut {
                    learner: c.learner,
                    field: c.field.into(),
                    old_value: c.old_value,
                    new_value: c.new_value,
                    reason: c.reason,
                    by: c.by,
                    at: c.at,
                })
                .collect(),
        }
    }
}

/// A field that is absent stays as it is; `null` clears it.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowIn {
    pub user_id: String,
    /// Days attended, 0 to the class's days; `null` clears.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub attendance_days: Option<Option<i32>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Performance>)]
    pub performance: Option<Option<Performance>>,
    /// 0–100; `null` clears.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub theory: Option<Option<i32>>,
    /// 0–100; `null` clears.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub practical: Option<Option<i32>>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub evaluation: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveIn {
    /// At most 2,000 rows; fields left out stay as they are.
    pub rows: Vec<RowIn>,
    /// 1–100; the institution sets it while the sheet is being entered.
    pub pass_mark: Option<i32>,
    /// Required once the sheet is published (1–200 characters).
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SavedOut {
    /// Learners whose rows changed.
    pub changed: usize,
    pub sheet: SheetOut,
}

/// Most rows in one save: more than any class holds.
pub const MAX_ROWS: usize = 2000;

impl SaveIn {
    pub fn into_input(self) -> Result<SaveInput, jineng_app::AppError> {
        if self.rows.len() > MAX_ROWS {
            return Err(jineng_app::AppError::field(
                "rows",
                "一次最多提交2000名学员的成绩",
            ));
        }
        Ok(SaveInput {
            rows: self
                .rows
                .into_iter()
                .map(|r| RowInput {
                    user_id: r.user_id,
                    attendance_days: r.attendance_days,
                    performance: r.performance,
                    theory: r.theory,
                    practical: r.practical,
                    evaluation: r.evaluation,
                })
                .collect(),
            pass_mark: self.pass_mark,
            reason: self.reason,
        })
    }
}

#[utoipa::path(get, path = "/classes/{id}/assessment", tag = "assessment", params(("id" = String, Path)),
    responses((status = 200, body = SheetOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn sheet(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SheetOut>, ApiError> {
    Ok(Json(s.app.assessment().sheet(&who, &id).await?.into()))
}

/// Enter or change scores. Teachers booked into the class set `practical` and
/// `evaluation` only; after publishing every change needs `reason` and is kept.
#[utoipa::path(put, path = "/classes/{id}/assessment", tag = "assessment", params(("id" = String, Path)), request_body = SaveIn,
    responses((status = 200, body = SavedOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Waiting for confirmation, or the class is not running", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn save(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<SaveIn>,
) -> Result<Json<SavedOut>, ApiError> {
    let input = i.into_input()?;
    let saved = s.app.assessment().save(&who, &ctx, &id, &input).await?;
    Ok(Json(SavedOut {
        changed: saved.changed,
        sheet: s.app.assessment().sheet(&who, &id).await?.into(),
    }))
}

/// Submit the sheet for a second person's confirmation (every learner needs a theory or
/// practical score).
#[utoipa::path(post, path = "/classes/{id}/assessment/submit", tag = "assessment", params(("id" = String, Path)),
    responses((status = 200, body = SheetOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SheetOut>, ApiError> {
    s.app.assessment().submit(&who, &ctx, &id).await?;
    Ok(Json(s.app.assessment().sheet(&who, &id).await?.into()))
}

/// Confirm (publish) the submitted sheet; not by whoever submitted it.
#[utoipa::path(post, path = "/classes/{id}/assessment/confirm", tag = "assessment", params(("id" = String, Path)),
    responses((status = 200, body = SheetOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not waiting for confirmation, or the caller submitted it", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn confirm(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<SheetOut>, ApiError> {
    s.app.assessment().confirm(&who, &ctx, &id).await?;
    Ok(Json(s.app.assessment().sheet(&who, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    /// Why (1–200 characters).
    #[schema(max_length = 200)]
    pub reason: String,
}

/// Return the submitted sheet for correction; not by whoever submitted it.
#[utoipa::path(post, path = "/classes/{id}/assessment/return", tag = "assessment", params(("id" = String, Path)), request_body = ReturnIn,
    responses((status = 200, body = SheetOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn send_back(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<ReturnIn>,
) -> Result<Json<SheetOut>, ApiError> {
    s.app
        .assessment()
        .send_back(&who, &ctx, &id, &i.reason)
        .await?;
    Ok(Json(s.app.assessment().sheet(&who, &id).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct MyAssessmentOut {
    pub class_id: String,
    pub class_name: String,
    pub pass_mark: i32,
    pub attendance_days: Option<i32>,
    pub performance: Option<Performance>,
    pub theory: Option<i32>,
    pub practical: Option<i32>,
    pub evaluation: String,
    pub passed: bool,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<MyAssessment> for MyAssessmentOut {
    fn from(m: MyAssessment) -> Self {
        MyAssessmentOut {
            class_id: m.class_id,
            class_name: m.class_name,
            pass_mark: m.pass_mark,
            attendance_days: m.attendance_days,
            performance: m.performance,
            theory: m.theory,
            practical: m.practical,
            evaluation: m.evaluation,
            passed: m.passed,
            published_at: m.published_at,
        }
    }
}

/// The caller's published offline assessment results.
#[utoipa::path(get, path = "/me/assessments", tag = "assessment",
    responses((status = 200, body = Vec<MyAssessmentOut>)), security(("bearer" = [])))]
pub async fn mine(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<MyAssessmentOut>>, ApiError> {
    Ok(Json(
        s.app
            .assessment()
            .mine(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
