//! `/api/v1/…/sessions`: class sessions, attendance sheets, staff marking and learners'
//! check-in with the token from the rotating QR code.

use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::AppError;
use jineng_app::attendance::{SessionInput, SessionView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionIn {
    /// YYYY-MM-DD, within the class's dates.
    #[schema(format = Date)]
    pub date: String,
    /// HH:MM.
    #[schema(value_type = crate::http::schema::TimeOfDay)]
    pub starts: String,
    #[schema(value_type = crate::http::schema::TimeOfDay)]
    pub ends: String,
    #[schema(min_length = 1, max_length = 100)]
    pub topic: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub id: String,
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub topic: String,
    pub present: u64,
}

impl From<SessionView> for SessionOut {
    fn from(s: SessionView) -> Self {
        SessionOut {
            id: s.id,
            date: s.date,
            starts: s.starts,
            ends: s.ends,
            topic: s.topic,
            present: s.present,
        }
    }
}

#[utoipa::path(get, path = "/classes/{id}/sessions", tag = "classes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<SessionOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<SessionOut>>, ApiError> {
    Ok(Json(
        s.app
            .attendance()
            .sessions(&who, &id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

#[utoipa::path(post, path = "/classes/{id}/sessions", tag = "classes", params(("id" = String, Path)), request_body = SessionIn,
    responses((status = 201, body = Created), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<SessionIn>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let date = chrono::NaiveDate::parse_from_str(i.date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field("date", "日期格式应为 年-月-日"))?;
    let input = SessionInput {
        date,
        starts: i.starts,
        ends: i.ends,
        topic: i.topic,
    };
    let sid = s
        .app
        .attendance()
        .add_session(&who, &ctx, &id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: sid })))
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceRow {
    pub user_id: String,
    pub name: String,
    /// How the learner was marked present; absent when not present.
    pub how: Option<jineng_core::classes::CheckinMethod>,
    /// Where the phone said it was at a QR sign-in, as text (latitude, longitude, accuracy).
    pub location: Option<String>,
}

#[utoipa::path(get, path = "/sessions/{id}/attendance", tag = "classes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<AttendanceRow>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn sheet(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<AttendanceRow>>, ApiError> {
    let sheet = s.app.attendance().sheet(&who, &id).await?;
    Ok(Json(
        sheet
            .rows
            .into_iter()
            .map(|r| AttendanceRow {
                user_id: r.user_id,
                name: r.name,
                how: r.how,
                location: r.location,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkIn {
    pub learner_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    pub marked: usize,
}

#[utoipa::path(post, path = "/sessions/{id}/attendance", tag = "classes", params(("id" = String, Path)), request_body = MarkIn,
    responses((status = 200, body = Marked), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn mark(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<MarkIn>,
) -> Result<Json<Marked>, ApiError> {
    Ok(Json(Marked {
        marked: s
            .app
            .attendance()
            .mark(&who, &ctx, &id, &m.learner_ids)
            .await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinIn {
    /// The `t` value of the scanned QR code.
    #[schema(max_length = 100)]
    pub token: String,
    /// Where the phone is (WGS 84 degrees), if it will say; with `lng` and `accuracy_m`.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub lng: Option<f64>,
    /// The position's accuracy in metres.
    #[schema(minimum = 0, maximum = 100000)]
    pub accuracy_m: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckedIn {
    pub class_name: String,
}

#[utoipa::path(post, path = "/sessions/{id}/checkin", tag = "classes", params(("id" = String, Path)), request_body = CheckinIn,
    responses((status = 200, body = CheckedIn), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn checkin(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<CheckinIn>,
) -> Result<Json<CheckedIn>, ApiError> {
    // The access token the app signed in with stands for the device.
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let device = jineng_app::attendance::device_id(bearer);
    let location = jineng_app::attendance::parse_location(c.lat, c.lng, c.accuracy_m)?;
    let input = jineng_app::attendance::CheckIn {
        token: c.token.trim(),
        device: &device,
        location,
    };
    Ok(Json(CheckedIn {
        class_name: s.app.attendance().check_in(&who, &ctx, &id, &input).await?,
    }))
}
