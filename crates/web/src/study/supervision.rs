//! Supervision of online study over HTTP: a learner's study record in a class, the
//! class's study export, spot checks (draw, verdict, acknowledgement) and the
//! regulators' anomaly lists; as JSON under `/api/v1` and as pages.

use super::api::CourseProgressOut;
use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, PageError, Problem};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use jineng_app::study::{Anomalies, LearnerRecord, SpotCheckView};
use jineng_core::study::{CheckKind, CheckOutcome, SessionStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StudyDayOut {
    /// YYYY-MM-DD, China time.
    pub day: String,
    pub lesson_title: String,
    pub credited_ms: u64,
}

#[derive(Serialize, ToSchema)]
pub struct StudySessionRowOut {
    pub id: String,
    pub lesson_title: String,
    pub status: SessionStatus,
    pub status_label: String,
    pub credited_ms: u64,
    /// Heartbeats received, accepted or not.
    pub beats: i64,
    pub ip: String,
    pub user_agent: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct StudyCheckRowOut {
    pub kind: CheckKind,
    pub kind_label: String,
    pub prompt: String,
    pub outcome: CheckOutcome,
    pub outcome_label: String,
    pub issued_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct StudyClearingOut {
    /// The first or second clearing of the course (the second costs the subsidy).
    pub nth: i32,
    pub reason: String,
    pub cleared_ms: u64,
    pub at: DateTime<Utc>,
}

/// A learner's online study for one class.
#[derive(Serialize, ToSchema)]
pub struct LearnerRecordOut {
    pub class_id: String,
    pub class_name: String,
    pub user_id: String,
    pub name: String,
    /// Studying right now (heard from within three heartbeat intervals).
    pub live: bool,
    /// Class hours credited for the class, in tenths.
    pub credited_tenths: u64,
    pub courses: Vec<CourseProgressOut>,
    pub days: Vec<StudyDayOut>,
    pub sessions: Vec<StudySessionRowOut>,
    pub checks: Vec<StudyCheckRowOut>,
    pub clearings: Vec<StudyClearingOut>,
}

impl From<LearnerRecord> for LearnerRecordOut {
    fn from(r: LearnerRecord) -> Self {
        LearnerRecordOut {
            class_id: r.class_id,
            class_name: r.class_name,
            user_id: r.user_id,
            name: r.name,
            live: r.live,
            credited_tenths: r.credited_tenths,
            courses: r.courses.into_iter().map(Into::into).collect(),
            days: r
                .days
                .into_iter()
                .map(|d| StudyDayOut {
                    day: d.day,
                    lesson_title: d.lesson_title,
                    credited_ms: d.credited_ms,
                })
                .collect(),
            sessions: r
                .sessions
                .into_iter()
                .map(|s| StudySessionRowOut {
                    id: s.id,
                    lesson_title: s.lesson_title,
                    status: s.status,
                    status_label: s.status_label.into(),
                    credited_ms: s.credited_ms,
                    beats: s.beats,
                    ip: s.ip,
                    user_agent: s.user_agent,
                    opened_at: s.opened_at,
                    updated_at: s.updated_at,
                })
                .collect(),
            checks: r
                .checks
                .into_iter()
                .map(|k| StudyCheckRowOut {
                    kind: k.kind,
                    kind_label: k.kind_label.into(),
                    prompt: k.prompt,
                    outcome: k.outcome,
                    outcome_label: k.outcome_label.into(),
                    issued_at: k.issued_at,
                    answered_at: k.answered_at,
                })
                .collect(),
            clearings: r
                .clearings
                .into_iter()
                .map(|k| StudyClearingOut {
                    nth: k.nth,
                    reason: k.reason.into(),
                    cleared_ms: k.cleared_ms,
                    at: k.at,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SampledLearnerOut {
    pub user_id: String,
    pub name: String,
}

/// A spot check of study records (学习记录抽查).
#[derive(Serialize, ToSchema)]
pub struct SpotCheckOut {
    pub id: String,
    pub class_id: String,
    pub class_name: String,
    pub inspector_name: String,
    /// The learners drawn at random, whose records the inspector reads.
    pub sample: Vec<SampledLearnerOut>,
    pub drawn_at: DateTime<Utc>,
    /// None until the verdict is recorded.
    pub qualified: Option<bool>,
    pub remarks: String,
    pub decided_at: Option<DateTime<Utc>>,
    /// When the institution acknowledged the verdict.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl From<SpotCheckView> for SpotCheckOut {
    fn from(s: SpotCheckView) -> Self {
        SpotCheckOut {
            id: s.id,
            class_id: s.class_id,
            class_name: s.class_name,
            inspector_name: s.inspector_name,
            sample: s
                .sample
                .into_iter()
                .map(|(user_id, name)| SampledLearnerOut { user_id, name })
                .collect(),
            drawn_at: s.drawn_at,
            qualified: s.qualified,
            remarks: s.remarks,
            decided_at: s.decided_at,
            acknowledged_at: s.acknowledged_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DrawIn {
    /// Learners to draw (1–20; 5 when left out).
    #[serde(default)]
    pub size: Option<i64>,
}

impl DrawIn {
    fn size(&self) -> Result<Option<usize>, jineng_app::AppError> {
        self.size
            .map(|n| {
                usize::try_from(n)
                    .map_err(|_| jineng_app::AppError::field("size", "抽查人数应为1到20人"))
            })
            .transpose()
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictIn {
    pub qualified: bool,
    /// Required when not qualified; at most 1000 characters.
    #[serde(default)]
    pub remarks: String,
}

#[derive(Serialize, ToSchema)]
pub struct NamedClassOut {
    pub class_id: String,
    pub class_name: String,
}

fn named(v: Vec<(String, String)>) -> Vec<NamedClassOut> {
    v.into_iter()
        .map(|(class_id, class_name)| NamedClassOut {
            class_id,
            class_name,
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct IrregularClassOut {
    pub class_id: String,
    pub class_name: String,
    pub org_name: String,
    pub irregularities: i64,
    /// Learners with an irregularity.
    pub learners: usize,
    pub clearings: usize,
}

#[derive(Serialize, ToSchema)]
pub struct SeveralClassesOut {
    pub user_id: String,
    pub name: String,
    pub day: String,
    pub classes: Vec<NamedClassOut>,
}

#[derive(Serialize, ToSchema)]
pub struct SharedAddressOut {
    pub ip: String,
    pub learners: usize,
    pub classes: Vec<NamedClassOut>,
}

#[derive(Serialize, ToSchema)]
pub struct NightStudyOut {
    pub user_id: String,
    pub name: String,
    pub class_id: String,
    pub class_name: String,
    pub opened_at: DateTime<Utc>,
    pub credited_ms: u64,
}

/// Where to look, in the caller's region, over the last 30 days.
#[derive(Serialize, ToSchema)]
pub struct AnomaliesOut {
    /// Classes with 3 or more irregularities, or a clearing.
    pub classes: Vec<IrregularClassOut>,
    /// Learners credited in more than one class on one day.
    pub several_classes: Vec<SeveralClassesOut>,
    /// Addresses 3 or more learners studied from.
    pub shared_addresses: Vec<SharedAddressOut>,
    /// Sessions opened 00:00–05:59 China time that credited a class hour or more.
    pub night: Vec<NightStudyOut>,
}

impl From<Anomalies> for AnomaliesOut {
    fn from(a: Anomalies) -> Self {
        AnomaliesOut {
            classes: a
                .classes
                .into_iter()
                .map(|c| IrregularClassOut {
                    class_id: c.class_id,
                    class_name: c.class_name,
                    org_name: c.org_name,
                    irregularities: c.irregularities,
                    learners: c.learners,
                    clearings: c.clearings,
                })
                .collect(),
            several_classes: a
                .several_classes
                .into_iter()
                .map(|x| SeveralClassesOut {
                    user_id: x.user_id,
                    name: x.name,
                    day: x.day,
                    classes: named(x.classes),
                })
                .collect(),
            shared_addresses: a
                .shared_addresses
                .into_iter()
                .map(|x| SharedAddressOut {
                    ip: x.ip,
                    learners: x.learners,
                    classes: named(x.classes),
                })
                .collect(),
            night: a
                .night
                .into_iter()
                .map(|x| NightStudyOut {
                    user_id: x.user_id,
                    name: x.name,
                    class_id: x.class_id,
                    class_name: x.class_name,
                    opened_at: x.opened_at,
                    credited_ms: x.credited_ms,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/classes/{id}/learners/{user_id}/study", tag = "study", params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = LearnerRecordOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn record(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<LearnerRecordOut>, ApiError> {
    let r = s.app.study().learner_record(&who, &id, &user_id).await?;
    Ok(Json(r.into()))
}

#[utoipa::path(get, path = "/classes/{id}/spot-checks", tag = "study", params(("id" = String, Path)),
    responses((status = 200, body = Vec<SpotCheckOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn spot_checks(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<SpotCheckOut>>, ApiError> {
    let v = s.app.study().spot_checks(&who, &id).await?;
    Ok(Json(v.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/classes/{id}/spot-checks", tag = "study", params(("id" = String, Path)), request_body = DrawIn,
    responses((status = 201, description = "drawn; the inspector's open spot check of the class if there is one", body = SpotCheckOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn draw(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<DrawIn>,
) -> Result<(StatusCode, Json<SpotCheckOut>), ApiError> {
    let v = s
        .app
        .study()
        .draw_spot_check(&who, &ctx, &id, i.size()?)
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(post, path = "/spot-checks/{id}/verdict", tag = "study", params(("id" = String, Path)), request_body = VerdictIn,
    responses((status = 200, body = SpotCheckOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn verdict(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<VerdictIn>,
) -> Result<Json<SpotCheckOut>, ApiError> {
    let v = s
        .app
        .study()
        .decide_spot_check(&who, &ctx, &id, i.qualified, &i.remarks)
        .await?;
    Ok(Json(v.into()))
}

#[utoipa::path(post, path = "/spot-checks/{id}/acknowledgement", tag = "study", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn acknowledge(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app
        .study()
        .acknowledge_spot_check(&who, &ctx, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/study-anomalies", tag = "study",
    responses((status = 200, body = AnomaliesOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn anomalies(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<AnomaliesOut>, ApiError> {
    Ok(Json(s.app.study().anomalies(&who).await?.into()))
}

// ---- Pages ----

/// "12.5" from tenths of a class hour.
pub(crate) fn hours(tenths: u64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// "1小时5分" / "12分30秒" from milliseconds (rounded down).
pub(crate) fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    if secs >= 3600 {
        format!("{}小时{}分", secs / 3600, secs % 3600 / 60)
    } else {
        format!("{}分{}秒", secs / 60, secs % 60)
    }
}

pub(crate) fn when(t: &DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Template, WebTemplate)]
#[template(path = "study/record.html")]
pub struct RecordPage {
    layout: Layout,
    r: LearnerRecord,
    /// The caller's open spot check of the class sampled this learner.
    in_spot_check: Option<String>,
}

impl RecordPage {
    fn hours(&self, t: &u64) -> String {
        hours(*t)
    }
    fn duration(&self, ms: &u64) -> String {
        duration(*ms)
    }
    fn when(&self, t: &DateTime<Utc>) -> String {
        when(t)
    }
}

pub async fn record_page(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<RecordPage, PageError> {
    let r = s
        .app
        .study()
        .learner_record(&u.principal, &id, &user_id)
        .await?;
    let in_spot_check = s
        .app
        .study()
        .spot_checks(&u.principal, &id)
        .await?
        .into_iter()
        .find(|c| {
            c.decided_at.is_none()
                && c.inspector_id == u.principal.user_id
                && c.sample.iter().any(|(uid, _)| *uid == user_id)
        })
        .map(|c| c.id);
    Ok(RecordPage {
        layout: Layout::new(format!("{}的学习记录", r.name), &u, "/classes"),
        r,
        in_spot_check,
    })
}

/// The class's online study as a workbook: one sheet per learner summary, one per day.
pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let study = s.app.study().class_study(&u.principal, &id).await?;
    let days = s.app.study().class_days(&u.principal, &id).await?;
    let summary: Vec<Vec<String>> = study
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.name,
                hours(l.credited_tenths),
                format!("{}/{}", l.lessons_done, l.lessons_total),
                l.irregularities.to_string(),
                l.clearings.to_string(),
            ]
        })
        .collect();
    let per_day: Vec<Vec<String>> = days
        .into_iter()
        .map(|(name, d)| {
            vec![
                name,
                d.day,
                d.lesson_title,
                (d.credited_ms / 60_000).to_string(),
                hours(jineng_core::study::tenths_of_hours(d.credited_ms)),
            ]
        })
        .collect();
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "class_study",
            serde_json::json!({"class": id}),
            summary.len(),
        )
        .await?;
    let book = jineng_app::export::xlsx_sheets(&[
        (
            "在线学习汇总",
            &[
                "序号",
                "姓名",
                "已计学时",
                "完成课时",
                "不计学时记录",
                "清零次数",
            ][..],
            &summary,
        ),
        (
            "每日学时",
            &["姓名", "日期", "课时", "计入分钟", "计入学时"][..],
            &per_day,
        ),
    ])?;
    Ok(xlsx_response(book, "class-study.xlsx"))
}

#[derive(Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    size: String,
}

async fn class_page_error(
    s: &AppState,
    u: &PageUser,
    id: &str,
    e: jineng_app::AppError,
) -> Response {
    match crate::http::error::fixable_line(e) {
        Ok((status, msg)) => crate::classes::pages::detail_with_error(s, u, id, status, msg).await,
        Err(e) => e.into_response(),
    }
}

pub async fn draw_page(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<DrawForm>,
) -> Response {
    let size = match f.size.trim() {
        "" => Ok(None),
        v => v
            .parse::<usize>()
            .map(Some)
            .map_err(|_| jineng_app::AppError::field("size", "抽查人数应为1到20人")),
    };
    let r = match size {
        Ok(n) => {
            s.app
                .study()
                .draw_spot_check(&u.principal, &ctx, &id, n)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Redirect::to(&format!("/classes/{id}#spot-checks")).into_response(),
        Err(e) => class_page_error(&s, &u, &id, e).await,
    }
}

#[derive(Deserialize)]
pub struct VerdictForm {
    #[serde(default)]
    result: String,
    #[serde(default)]
    remarks: String,
}

pub async fn verdict_page(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<VerdictForm>,
) -> Result<Response, PageError> {
    let class_id = s.app.study().spot_check_class(&u.principal, &id).await?;
    let qualified = match f.result.as_str() {
        "qualified" => Ok(true),
        "unqualified" => Ok(false),
        _ => Err(jineng_app::AppError::field("result", "请选择合格或不合格")),
    };
    let r = match qualified {
        Ok(q) => s
            .app
            .study()
            .decide_spot_check(&u.principal, &ctx, &id, q, &f.remarks)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    Ok(match r {
        Ok(()) => Redirect::to(&format!("/classes/{class_id}?done=spot_check#spot-checks"))
            .into_response(),
        Err(e) => class_page_error(&s, &u, &class_id, e).await,
    })
}

pub async fn acknowledge_page(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let class_id = s.app.study().spot_check_class(&u.principal, &id).await?;
    match s
        .app
        .study()
        .acknowledge_spot_check(&u.principal, &ctx, &id)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{class_id}#spot-checks")).into_response()),
        Err(e) => Ok(class_page_error(&s, &u, &class_id, e).await),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "study/supervision.html")]
pub struct SupervisionPage {
    layout: Layout,
    a: Anomalies,
}

impl SupervisionPage {
    fn duration(&self, ms: &u64) -> String {
        duration(*ms)
    }
    fn when(&self, t: &DateTime<Utc>) -> String {
        when(t)
    }
}

pub async fn supervision_page(
    State(s): State<AppState>,
    u: PageUser,
) -> Result<SupervisionPage, PageError> {
    let a = s.app.study().anomalies(&u.principal).await?;
    Ok(SupervisionPage {
        layout: Layout::new("学习监管", &u, "/supervision"),
        a,
    })
}
