//! 后台任务: the system admin's list of background jobs, with retry for failed ones.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::jobs::JobView;
use jineng_app::page::PageRequest;
use jineng_core::jobs::JobState;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct JobsQuery {
    #[serde(default)]
    state: String,
    page: Option<u64>,
    #[serde(default)]
    done: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "jobs/list.html")]
pub struct JobsPage {
    layout: Layout,
    items: Vec<JobView>,
    total: u64,
    page: u64,
    pages: u64,
    state: String,
    states: &'static [JobState],
    notice: bool,
}

impl JobsPage {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<JobsQuery>,
) -> Result<JobsPage, PageError> {
    let state = JobState::parse(&q.state);
    let p = s
        .app
        .jobs()
        .list(&u.principal, state, PageRequest::new(q.page, None, 50))
        .await?;
    Ok(JobsPage {
        layout: Layout::new("后台任务", &u, "/admin/jobs"),
        pages: p.pages(),
        total: p.total,
        page: p.page,
        items: p.items,
        state: state.map(|s| s.code().to_string()).unwrap_or_default(),
        states: JobState::ALL,
        notice: q.done == "retried",
    })
}

pub async fn retry(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    s.app.jobs().retry(&u.principal, &ctx, &id).await?;
    Ok(Redirect::to("/admin/jobs?done=retried").into_response())
}
