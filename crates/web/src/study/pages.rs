//! The player's study calls (signed in by cookie, CSRF header) and 我的学习: the
//! learner's courses with credited class hours per lesson, irregularities and clearings.

use super::api::{BeatIn, OpenIn, StudySessionOut, judge_beat};
use crate::AppState;
use crate::http::api::ApiJson;
use crate::http::error::{ApiError, PageError};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jineng_app::study::CourseProgress;

pub async fn page_open(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<OpenIn>,
) -> Result<(StatusCode, Json<StudySessionOut>), ApiError> {
    let class = i.class_id.unwrap_or_default();
    let o = s.app.study().open(&u.principal, &ctx, &id, &class).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

pub async fn page_beat(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BeatIn>,
) -> Result<Response, ApiError> {
    judge_beat(&s, &u.principal, &ctx, &id, b).await
}

pub async fn page_check(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, check)): Path<(String, String)>,
    ApiJson(a): ApiJson<super::api::CheckAnswerIn>,
) -> Result<Json<super::api::CheckAnsweredOut>, ApiError> {
    super::api::answer(&s, &u.principal, &id, &check, a).await
}

pub async fn page_end(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.study().end(&u.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Template, WebTemplate)]
#[template(path = "study/mine.html")]
pub struct MinePage {
    layout: Layout,
    courses: Vec<CourseProgress>,
}

impl MinePage {
    /// "12.5" from tenths of a class hour.
    fn hours(&self, tenths: &u64) -> String {
        format!("{}.{}", tenths / 10, tenths % 10)
    }

    /// "12分30秒" under ten minutes, "45分钟" above (rounded down).
    fn duration(&self, ms: &u64) -> String {
        let secs = ms / 1000;
        if secs < 600 {
            format!("{}分{}秒", secs / 60, secs % 60)
        } else {
            format!("{}分钟", secs / 60)
        }
    }

    /// Share of a lesson credited, 0–100.
    fn percent(&self, credited: &u64, total: &u64) -> u64 {
        if *total == 0 {
            0
        } else {
            (credited * 100 / total).min(100)
        }
    }
}

pub async fn mine(State(s): State<AppState>, u: PageUser) -> Result<MinePage, PageError> {
    let courses = s.app.study().mine(&u.principal).await?;
    Ok(MinePage {
        layout: Layout::new("我的学习", &u, "/study"),
        courses,
    })
}

#[derive(serde::Deserialize)]
pub struct SettingsForm {
    interval_secs: String,
    daily_cap_hours: String,
    complete_percent: String,
    check_answer_secs: String,
}

/// The operators' form on 课程规则: the four settings people change; the detection
/// thresholds keep their values (the API sets every field).
pub async fn save_settings(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    axum::extract::Form(f): axum::extract::Form<SettingsForm>,
) -> Result<Response, PageError> {
    use axum::response::{IntoResponse, Redirect};
    use jineng_app::AppError;
    let n = |field: &'static str, v: &str| -> Result<u32, AppError> {
        v.trim()
            .parse::<u32>()
            .map_err(|_| AppError::field(field, "请填写不小于0的整数"))
    };
    let result = async {
        let mut p = s.app.study().policy().await?;
        p.interval_secs = n("interval_secs", &f.interval_secs)?;
        p.daily_cap_secs = n("daily_cap_hours", &f.daily_cap_hours)?.saturating_mul(3600);
        p.complete_percent = n("complete_percent", &f.complete_percent)?;
        p.check_answer_secs = n("check_answer_secs", &f.check_answer_secs)?;
        s.app.study().set_policy(&u.principal, &ctx, p).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/admin/words?done=study").into_response()),
        Err(e) => crate::courses::pages::words_with_error(&s, &u, e).await,
    }
}

#[derive(serde::Deserialize)]
pub struct TaskForm {
    package_id: String,
    starts_on: String,
    ends_on: String,
    #[serde(default)]
    free_seek: Option<String>,
}

/// The class page's form: publish a study task; errors come back on the class page.
pub async fn publish_task(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<TaskForm>,
) -> Response {
    use axum::response::{IntoResponse, Redirect};
    let input = super::api::TaskIn {
        package_id: f.package_id,
        starts_on: f.starts_on,
        ends_on: f.ends_on,
        free_seek: f.free_seek.is_some(),
    };
    let result = match input.parse() {
        Ok(i) => s.app.study().publish_task(&u.principal, &ctx, &id, i).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/classes/{id}#study-tasks")).into_response(),
        Err(e) => match crate::http::error::fixable_line(e) {
            Ok((status, msg)) => {
                crate::classes::pages::detail_with_error(&s, &u, &id, status, msg).await
            }
            Err(e) => e.into_response(),
        },
    }
}
