//! `/api/v1/jobs`: background jobs for the system admin.

use crate::AppState;
use crate::http::api::{ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use jineng_app::jobs::JobView;
use jineng_app::page::PageRequest;
use jineng_core::jobs::{JobKind, JobState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    pub state: Option<JobState>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct JobOut {
    pub id: String,
    pub kind: JobKind,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    /// Not before this time.
    pub run_at: chrono::DateTime<chrono::Utc>,
    /// The last failure, for the system admin.
    pub last_error: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A running job's worker (`host:pid:random-n`): which node holds it.
    pub locked_by: Option<String>,
    /// When its lease ends unless renewed; another node may take it after.
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<JobView> for JobOut {
    fn from(j: JobView) -> Self {
        JobOut {
            id: j.id,
            kind: j.kind,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            last_error: j.last_error,
            created_at: j.created_at,
            finished_at: j.finished_at,
            locked_by: j.locked_by,
            locked_until: j.locked_until,
        }
    }
}

#[utoipa::path(get, path = "/jobs", tag = "jobs", params(JobQuery),
    responses((status = 200, body = Paged<JobOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> Result<Json<Paged<JobOut>>, ApiError> {
    let p = s
        .app
        .jobs()
        .list(&who, q.state, PageRequest::new(q.page, q.per_page, 50))
        .await?;
    Ok(Json(Paged {
        total: p.total,
        page: p.page,
        per_page: p.per_page,
        items: p.items.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = JobOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn retry(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<JobOut>, ApiError> {
    Ok(Json(s.app.jobs().retry(&who, &ctx, &id).await?.into()))
}
