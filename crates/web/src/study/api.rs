//! `/api/v1/lessons/{id}/study`, `/api/v1/study-sessions/{id}/beats`, `…/end` and
//! `/api/v1/me/study`.

use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jineng_app::AppError;
use jineng_app::study::{BeatInput, BeatReply, CheckAnswered, CheckView, CourseProgress, Opened};
use jineng_core::courses::LessonKind;
use jineng_core::study::{Beat, CheckKind, CheckOutcome, Irregularity, Policy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OpenIn {
    /// The class the study counts for; left out for self-study of a free
    /// public-welfare course.
    #[serde(default)]
    pub class_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StudySessionOut {
    pub session_id: String,
    /// Send it back with every heartbeat.
    pub token: String,
    /// Seconds between heartbeats (vary each by a few seconds).
    pub interval_secs: u32,
    pub lesson_id: String,
    pub lesson_title: String,
    pub kind: LessonKind,
    pub lesson_ms: u64,
    /// Where to resume.
    pub position_ms: u64,
    pub credited_ms: u64,
    pub complete: bool,
    /// Other sessions of the learner this one froze.
    pub froze: u64,
    /// The learner's name and masked ID number, for the player's watermark.
    pub watermark: String,
    /// The player lets the learner seek forward (the course and the class allow it);
    /// skipped time is never credited.
    pub free_seek: bool,
}

impl From<Opened> for StudySessionOut {
    fn from(o: Opened) -> Self {
        StudySessionOut {
            session_id: o.session_id,
            token: o.token,
            interval_secs: o.interval_secs,
            lesson_id: o.lesson_id,
            lesson_title: o.lesson_title,
            kind: o.kind,
            lesson_ms: o.lesson_ms,
            position_ms: o.position_ms,
            credited_ms: o.credited_ms,
            complete: o.complete,
            froze: o.froze,
            watermark: o.watermark,
            free_seek: o.free_seek,
        }
    }
}

#[utoipa::path(post, path = "/lessons/{id}/study", tag = "study", params(("id" = String, Path)), request_body = OpenIn,
    responses((status = 201, body = StudySessionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn open(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<OpenIn>,
) -> Result<(StatusCode, Json<StudySessionOut>), ApiError> {
    let class = i.class_id.unwrap_or_default();
    let o = s.app.study().open(&who, &ctx, &id, &class).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

/// A heartbeat as the player sends it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeatIn {
    #[schema(max_length = 128)]
    pub token: String,
    /// 1, 2, 3… within the session.
    #[schema(minimum = 1)]
    pub seq: i64,
    /// Position in the lesson, ms.
    #[schema(minimum = 0)]
    pub position_ms: i64,
    /// Playback rate in percent (100 = 1×).
    #[schema(minimum = 0, maximum = 1600)]
    pub rate_pct: i64,
    /// Whether the page is in front.
    pub visible: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BeatOut {
    /// False with `duplicate`: a retry of the last heartbeat, already counted.
    pub accepted: bool,
    pub credited_ms: u64,
    pub lesson_credited_ms: u64,
    pub complete: bool,
    pub irregularity: Option<Irregularity>,
    pub irregularity_label: String,
    /// The course's hours were cleared for irregular study; the session is ended.
    pub cleared: bool,
    /// The last accepted heartbeat sent again (a retry): already counted, nothing new.
    pub duplicate: bool,
    /// A watch check to show now: answer it before `due_at`, or nothing is credited
    /// until it is answered.
    pub check: Option<CheckOut>,
}

/// A watch check (观看验证): the question, never the answer.
#[derive(Serialize, ToSchema)]
pub struct CheckOut {
    pub id: String,
    pub kind: CheckKind,
    /// "3 + 5 = ?"
    pub prompt: String,
    pub due_at: chrono::DateTime<chrono::Utc>,
}

impl From<CheckView> for CheckOut {
    fn from(c: CheckView) -> Self {
        CheckOut {
            id: c.id,
            kind: c.kind,
            prompt: c.prompt,
            due_at: c.due_at,
        }
    }
}

impl From<BeatReply> for BeatOut {
    fn from(r: BeatReply) -> Self {
        BeatOut {
            accepted: r.accepted,
            credited_ms: r.credited_ms,
            lesson_credited_ms: r.lesson_credited_ms,
            complete: r.complete,
            irregularity: r.irregularity,
            irregularity_label: r.irregularity_label.into(),
            cleared: r.cleared,
            duplicate: r.duplicate,
            check: r.check.map(Into::into),
        }
    }
}

/// A refused heartbeat: a problem whose extension members say why.
#[derive(Serialize, ToSchema)]
pub struct BeatRefused {
    /// `/problems/study-beat-refused`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// The reason, in Chinese.
    pub detail: String,
    pub irregularity: Irregularity,
    /// This heartbeat cleared the course's hours (seed 003 §6.3); the session is ended.
    pub cleared: bool,
}

#[utoipa::path(post, path = "/study-sessions/{id}/beats", tag = "study", params(("id" = String, Path)), request_body = BeatIn,
    responses((status = 200, description = "judged: credited, or accepted with an irregularity and not credited", body = BeatOut), (status = 409, description = "refused and not credited: replayed, too soon, beyond the end, forged, another device; or the session ended", body = BeatRefused, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn beat(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BeatIn>,
) -> Result<Response, ApiError> {
    judge_beat(&s, &who, &ctx, &id, b).await
}

/// Parse a heartbeat, have it judged, answer: 200 with the verdict, or a 409 problem
/// naming why it was refused. Shared by the API and the player page.
pub(crate) async fn judge_beat(
    s: &AppState,
    who: &jineng_app::Principal,
    ctx: &jineng_app::RequestCtx,
    id: &str,
    b: BeatIn,
) -> Result<Response, ApiError> {
    let mut e = Vec::new();
    let seq = u64::try_from(b.seq).ok().filter(|s| *s >= 1);
    if seq.is_none() {
        e.push(("seq", "心跳序号应为从1开始的正整数"));
    }
    let position = u64::try_from(b.position_ms).ok();
    if position.is_none() {
        e.push(("position_ms", "播放位置不能为负数"));
    }
    let rate = u32::try_from(b.rate_pct).ok().filter(|r| *r <= 1600);
    if rate.is_none() {
        e.push(("rate_pct", "播放速度应为0至1600（百分比）"));
    }
    if b.token.len() > 128 {
        e.push(("token", "学习凭证过长"));
    }
    let (Some(seq), Some(position_ms), Some(rate_pct), true) = (seq, position, rate, e.is_empty())
    else {
        return Err(AppError::Validation(
            e.into_iter()
                .map(|(f, m)| jineng_app::error::FieldError::new(f, m))
                .collect(),
        )
        .into());
    };
    let r = s
        .app
        .study()
        .beat(
            who,
            ctx,
            id,
            BeatInput {
                token: b.token,
                beat: Beat {
                    seq,
                    position_ms,
                    rate_pct,
                    visible: b.visible,
                },
            },
        )
        .await?;
    if r.accepted || r.duplicate {
        return Ok(Json(BeatOut::from(r)).into_response());
    }
    let why = r.irregularity.unwrap_or(Irregularity::Replayed);
    let body = BeatRefused {
        kind: "/problems/study-beat-refused".into(),
        title: "Conflict".into(),
        status: 409,
        detail: format!("心跳未被接受：{}", why.label()),
        irregularity: why,
        cleared: r.cleared,
    };
    let mut res = (StatusCode::CONFLICT, Json(body)).into_response();
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(crate::http::error::PROBLEM_JSON),
    );
    Ok(res)
}

#[utoipa::path(post, path = "/study-sessions/{id}/end", tag = "study", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn end(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.study().end(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct LessonProgressOut {
    pub lesson_id: String,
    pub title: String,
    pub kind: LessonKind,
    pub lesson_ms: u64,
    pub credited_ms: u64,
    pub position_ms: u64,
    pub complete: bool,
}

#[derive(Serialize, ToSchema)]
pub struct IrregularityOut {
    pub code: Irregularity,
    pub label: String,
    pub count: i64,
    /// Whether it cleared the course's hours.
    pub clears: bool,
    pub last_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CourseProgressOut {
    pub package_id: String,
    pub version_id: String,
    pub name: String,
    /// Empty for self-study.
    pub class_id: String,
    /// Class hours credited, in tenths (45 minutes = 1 hour).
    pub credited_tenths: u64,
    pub lessons_done: usize,
    pub lessons: Vec<LessonProgressOut>,
    pub clearings: u64,
    /// Cleared twice: no subsidy for this course.
    pub subsidy_lost: bool,
    pub irregularities: Vec<IrregularityOut>,
}

impl From<CourseProgress> for CourseProgressOut {
    fn from(c: CourseProgress) -> Self {
        CourseProgressOut {
            package_id: c.package_id,
            version_id: c.version_id,
            name: c.name,
            class_id: c.class_id,
            credited_tenths: c.credited_tenths,
            lessons_done: c.lessons_done,
            lessons: c
                .lessons
                .into_iter()
                .map(|l| LessonProgressOut {
                    lesson_id: l.lesson_id,
                    title: l.title,
                    kind: l.kind,
                    lesson_ms: l.lesson_ms,
                    credited_ms: l.credited_ms,
                    position_ms: l.position_ms,
                    complete: l.complete,
                })
                .collect(),
            clearings: c.clearings,
            subsidy_lost: c.subsidy_lost,
            irregularities: c
                .irregularities
                .into_iter()
                .map(|i| IrregularityOut {
                    code: i.code,
                    label: i.label.into(),
                    count: i.count,
                    clears: i.clears,
                    last_at: i.last_at,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/me/study", tag = "study",
    responses((status = 200, body = Vec<CourseProgressOut>)), security(("bearer" = [])))]
pub async fn mine(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<CourseProgressOut>>, ApiError> {
    Ok(Json(
        s.app
            .study()
            .mine(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// The province's study policy.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudySettings {
    /// Seconds between heartbeats (10–30).
    pub interval_secs: i64,
    /// A heartbeat credits at most the interval plus this (≤ the interval).
    pub slack_secs: i64,
    /// Credited seconds per learner per day (1800–86400).
    pub daily_cap_secs: i64,
    /// Share of a lesson credited and watched to complete it (50–100).
    pub complete_percent: i64,
    /// A heartbeat sooner than this share of the interval is too fast (10–90).
    pub too_fast_percent: i64,
    /// The last this-many gaps between heartbeats … (3–50)
    pub regular_window: i64,
    /// … spreading less than this (ms, ≤ 5000) are too regular: a script.
    pub regular_spread_ms: i64,
    /// Seconds to answer a watch check (15–600).
    pub check_answer_secs: i64,
    /// A watch check comes at a random moment between these many seconds after the
    /// session opened or the last check was answered (60–7200; both 0: no checks).
    pub check_every_min_secs: i64,
    pub check_every_max_secs: i64,
}

impl From<Policy> for StudySettings {
    fn from(p: Policy) -> Self {
        StudySettings {
            interval_secs: p.interval_secs.into(),
            slack_secs: p.slack_secs.into(),
            daily_cap_secs: p.daily_cap_secs.into(),
            complete_percent: p.complete_percent.into(),
            too_fast_percent: p.too_fast_percent.into(),
            regular_window: p.regular_window.into(),
            regular_spread_ms: p.regular_spread_ms.into(),
            check_answer_secs: p.check_answer_secs.into(),
            check_every_min_secs: p.check_every_min_secs.into(),
            check_every_max_secs: p.check_every_max_secs.into(),
        }
    }
}

impl StudySettings {
    /// Into the domain's policy; a negative or huge number is named (its bounds are then
    /// checked by the use case).
    pub fn parse(&self) -> Result<Policy, AppError> {
        let n = |field: &str, v: i64| {
            u32::try_from(v).map_err(|_| AppError::field(field, "应为不小于0的整数"))
        };
        Ok(Policy {
            interval_secs: n("interval_secs", self.interval_secs)?,
            slack_secs: n("slack_secs", self.slack_secs)?,
            daily_cap_secs: n("daily_cap_secs", self.daily_cap_secs)?,
            complete_percent: n("complete_percent", self.complete_percent)?,
            too_fast_percent: n("too_fast_percent", self.too_fast_percent)?,
            regular_window: n("regular_window", self.regular_window)?,
            regular_spread_ms: n("regular_spread_ms", self.regular_spread_ms)?,
            check_answer_secs: n("check_answer_secs", self.check_answer_secs)?,
            check_every_min_secs: n("check_every_min_secs", self.check_every_min_secs)?,
            check_every_max_secs: n("check_every_max_secs", self.check_every_max_secs)?,
        })
    }
}

#[utoipa::path(get, path = "/study-settings", tag = "study",
    responses((status = 200, body = StudySettings)), security(("bearer" = [])))]
pub async fn settings(
    State(s): State<AppState>,
    Caller(_who): Caller,
) -> Result<Json<StudySettings>, ApiError> {
    Ok(Json(s.app.study().policy().await?.into()))
}

#[utoipa::path(put, path = "/study-settings", tag = "study", request_body = StudySettings,
    responses((status = 200, body = StudySettings), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_settings(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(i): ApiJson<StudySettings>,
) -> Result<Json<StudySettings>, ApiError> {
    let p = i.parse()?;
    Ok(Json(s.app.study().set_policy(&who, &ctx, p).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckAnswerIn {
    #[schema(max_length = 20)]
    pub answer: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckAnsweredOut {
    /// `passed`, `late` (crediting resumes from now) or `failed` (a new check follows).
    pub outcome: CheckOutcome,
    pub next: Option<CheckOut>,
}

impl From<CheckAnswered> for CheckAnsweredOut {
    fn from(a: CheckAnswered) -> Self {
        CheckAnsweredOut {
            outcome: a.outcome,
            next: a.next.map(Into::into),
        }
    }
}

/// Answer a session's watch check; shared by the API and the player page.
pub(crate) async fn answer(
    s: &AppState,
    who: &jineng_app::Principal,
    id: &str,
    check: &str,
    a: CheckAnswerIn,
) -> Result<Json<CheckAnsweredOut>, ApiError> {
    if a.answer.chars().count() > 20 {
        return Err(AppError::field("answer", "答案过长").into());
    }
    Ok(Json(
        s.app
            .study()
            .answer_check(who, id, check, &a.answer)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/study-sessions/{id}/checks/{check}", tag = "study", params(("id" = String, Path), ("check" = String, Path)), request_body = CheckAnswerIn,
    responses((status = 200, body = CheckAnsweredOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn check(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((id, check)): Path<(String, String)>,
    ApiJson(a): ApiJson<CheckAnswerIn>,
) -> Result<Json<CheckAnsweredOut>, ApiError> {
    answer(&s, &who, &id, &check, a).await
}

#[derive(Serialize, ToSchema)]
pub struct TaskOut {
    pub id: String,
    pub class_id: String,
    pub package_id: String,
    /// The version the class studies (kept when the course changes).
    pub version_id: String,
    pub name: String,
    /// Class hours of its lessons, in tenths.
    pub hours_tenths: u64,
    pub starts_on: String,
    pub ends_on: String,
    /// The class lets its learners seek forward (where the course allows it too).
    pub free_seek: bool,
}

impl From<jineng_app::study::TaskView> for TaskOut {
    fn from(t: jineng_app::study::TaskView) -> Self {
        TaskOut {
            id: t.id,
            class_id: t.class_id,
            package_id: t.package_id,
            version_id: t.version_id,
            name: t.name,
            hours_tenths: t.hours_tenths,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
            free_seek: t.free_seek,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIn {
    pub package_id: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// YYYY-MM-DD, not before `starts_on`.
    pub ends_on: String,
    /// Let the class's learners seek forward where the course allows it (skipped time
    /// is never credited). Off by default.
    #[serde(default)]
    pub free_seek: bool,
}

impl TaskIn {
    pub fn parse(&self) -> Result<jineng_app::study::TaskInput, AppError> {
        let date = |field: &str, v: &str| {
            chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::field(field, "日期格式应为YYYY-MM-DD"))
        };
        Ok(jineng_app::study::TaskInput {
            package_id: self.package_id.trim().to_string(),
            starts_on: date("starts_on", &self.starts_on)?,
            ends_on: date("ends_on", &self.ends_on)?,
            free_seek: self.free_seek,
        })
    }
}

#[utoipa::path(get, path = "/classes/{id}/study-tasks", tag = "study", params(("id" = String, Path)),
    responses((status = 200, body = Vec<TaskOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn tasks(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<TaskOut>>, ApiError> {
    Ok(Json(
        s.app
            .study()
            .tasks(&who, &id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/classes/{id}/study-tasks", tag = "study", params(("id" = String, Path)), request_body = TaskIn,
    responses((status = 201, body = TaskOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn publish_task(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<TaskIn>,
) -> Result<(StatusCode, Json<TaskOut>), ApiError> {
    let input = i.parse()?;
    let t = s.app.study().publish_task(&who, &ctx, &id, input).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[derive(Serialize, ToSchema)]
pub struct LearnerStudyOut {
    pub user_id: String,
    pub name: String,
    /// Class hours credited for the class's study tasks, in tenths.
    pub credited_tenths: u64,
    pub lessons_done: usize,
    pub lessons_total: usize,
    pub irregularities: i64,
    pub clearings: u64,
}

#[utoipa::path(get, path = "/classes/{id}/study", tag = "study", params(("id" = String, Path)),
    responses((status = 200, body = Vec<LearnerStudyOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn class_study(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<LearnerStudyOut>>, ApiError> {
    Ok(Json(
        s.app
            .study()
            .class_study(&who, &id)
            .await?
            .into_iter()
            .map(|l| LearnerStudyOut {
                user_id: l.user_id,
                name: l.name,
                credited_tenths: l.credited_tenths,
                lessons_done: l.lessons_done,
                lessons_total: l.lessons_total,
                irregularities: l.irregularities,
                clearings: l.clearings,
            })
            .collect(),
    ))
}
