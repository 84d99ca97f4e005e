//! 我的考试 (the learner's exams), the answer sheet (saved as the learner goes, by
//! exam.js; the whole sheet is sent again with 交卷, so it works without scripts), the
//! class page's publish form and the results page with its Excel export.

use super::api::{AnswerOut, date, position_of};
use crate::AppState;
use crate::http::api::ApiJson;
use crate::http::error::{ApiError, PageError};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::exams::{AttemptView, ExamInput, ExamResults, MyExam};
use jineng_core::exams::{AttemptStatus, ExamKind, RawLine, RawRule};
use std::collections::BTreeMap;

/// When, in China time: "2026-12-06 09:30".
fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Template, WebTemplate)]
#[template(path = "exams/mine.html")]
pub struct MinePage {
    layout: Layout,
    exams: Vec<MyExam>,
    error: Option<String>,
}

impl MinePage {
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        when(t)
    }
}

async fn mine_page(
    s: &AppState,
    u: &PageUser,
    error: Option<String>,
) -> Result<MinePage, PageError> {
    Ok(MinePage {
        layout: Layout::new("我的考试", u, "/exams"),
        exams: s.app.exams().mine(&u.principal).await?,
        error,
    })
}

pub async fn mine(State(s): State<AppState>, u: PageUser) -> Result<MinePage, PageError> {
    mine_page(&s, &u, None).await
}

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    pledge: Option<String>,
}

/// Start (or resume) an attempt and go to its answer sheet.
pub async fn start(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<StartForm>,
) -> Response {
    let pledge = f.pledge.is_some_and(|v| v == "true" || v == "on");
    match s.app.exams().start(&u.principal, &ctx, &id, pledge).await {
        Ok(a) => Redirect::to(&format!("/exam-attempts/{}", a.id)).into_response(),
        Err(e) => match crate::http::error::fixable_line(e) {
            Ok((status, msg)) => match mine_page(&s, &u, Some(msg)).await {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            },
            Err(e) => e.into_response(),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "exams/attempt.html")]
pub struct AttemptPage {
    layout: Layout,
    a: AttemptView,
}

impl AttemptPage {
    fn open(&self) -> bool {
        self.a.status == AttemptStatus::Open
    }

    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        when(t)
    }

    /// Whether option `i` (shown order) is among the letters saved.
    fn picked(&self, answer: &str, i: &usize) -> bool {
        answer
            .chars()
            .any(|c| c == jineng_core::courses::questions::letter(*i))
    }

    fn letter(&self, i: &usize) -> char {
        jineng_core::courses::questions::letter(*i)
    }

    fn multiple(&self, k: &jineng_core::courses::questions::QuestionKind) -> bool {
        *k == jineng_core::courses::questions::QuestionKind::Multiple
    }

    fn right_count(&self) -> usize {
        self.a
            .questions
            .iter()
            .filter(|q| q.right == Some(true))
            .count()
    }

    /// "mm:ss" of the seconds left.
    fn clock(&self) -> String {
        let s = self.a.remaining_secs.max(0);
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

pub async fn attempt(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<AttemptPage, PageError> {
    let a = s.app.exams().attempt(&u.principal, &id).await?;
    Ok(AttemptPage {
        layout: Layout::new(a.exam.title.clone(), &u, "/exams"),
        a,
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveIn {
    position: u32,
    answer: String,
}

/// exam.js's save of one answer (cookie and CSRF header).
pub async fn save(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<SaveIn>,
) -> Result<Json<AnswerOut>, ApiError> {
    let answer = s
        .app
        .exams()
        .save(&u.principal, &ctx, &id, i.position, &i.answer)
        .await?;
    Ok(Json(AnswerOut {
        position: i.position,
        answer,
    }))
}

/// 交卷: the sheet's answers that differ from what was saved are saved first (so a
/// browser without scripts, or a save lost on the way, still counts), then the attempt
/// is handed in. Past the deadline the server has marked it already: the sheet shows
/// the result either way.
pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let a = s.app.exams().attempt(&u.principal, &id).await?;
        let mut given: BTreeMap<u32, String> = BTreeMap::new();
        for (k, v) in &fields {
            if let Some(p) = k.strip_prefix('q') {
                given.entry(position_of(p)?).or_default().push_str(v);
            }
        }
        for q in &a.questions {
            let g = given.get(&q.position).map(String::as_str).unwrap_or("");
            if g != q.answer {
                s.app
                    .exams()
                    .save(&u.principal, &ctx, &id, q.position, g)
                    .await?;
            }
        }
        s.app.exams().submit(&u.principal, &ctx, &id).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/exam-attempts/{id}")).into_response(),
        // Marked meanwhile (time up, another tab): the sheet shows how it ended.
        Err(AppError::Conflict(_)) => Redirect::to(&format!("/exam-attempts/{id}")).into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

/// The class page's form: four draw lines (`line{i}_kind/_point/_difficulty/_count`).
pub async fn publish(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = || -> Result<ExamInput, AppError> {
        let kind = ExamKind::parse(get("kind").trim())
            .ok_or_else(|| AppError::field("kind", "请选择考试类型"))?;
        let n = |field: &str| -> Result<u32, AppError> {
            let v = get(field);
            if v.trim().is_empty() {
                return Ok(0);
            }
            v.trim()
                .parse::<u32>()
                .map_err(|_| AppError::field(field, "请填写不小于0的整数"))
        };
        Ok(ExamInput {
            kind,
            package_id: get("package_id").trim().to_string(),
            title: get("title"),
            rule: RawRule {
                lines: (0..4)
                    .map(|i| RawLine {
                        kind: get(&format!("line{i}_kind")),
                        knowledge_point: get(&format!("line{i}_point")),
                        difficulty: get(&format!("line{i}_difficulty")),
                        count: get(&format!("line{i}_count")),
                    })
                    .collect(),
                single_score: get("single_score"),
                multiple_score: get("multiple_score"),
                judge_score: get("judge_score"),
                minutes: get("minutes"),
                pass_mark: get("pass_mark"),
                shared_bank: get("shared_bank"),
                shared_percent: get("shared_percent"),
            },
            max_attempts: n("max_attempts")?,
            show_answers: get("show_answers") == "true",
            opens_on: date("opens_on", &get("opens_on"))?,
            closes_on: date("closes_on", &get("closes_on"))?,
        })
    };
    let result = match input() {
        Ok(i) => s.app.exams().publish(&u.principal, &ctx, &id, i).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/classes/{id}#exams")).into_response(),
        Err(e) => match crate::http::error::fixable_line(e) {
            Ok((status, msg)) => {
                crate::classes::pages::detail_with_error(&s, &u, &id, status, msg).await
            }
            Err(e) => e.into_response(),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "exams/results.html")]
pub struct ResultsPage {
    layout: Layout,
    r: ExamResults,
    /// The class's organisation may withdraw it while nobody has started it.
    may_withdraw: bool,
    error: Option<String>,
}

/// 撤回考试 on the results page: back to the class page once gone.
pub async fn withdraw(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Response {
    match s.app.exams().withdraw(&u.principal, &ctx, &id).await {
        Ok(class_id) => Redirect::to(&format!("/classes/{class_id}#exams")).into_response(),
        Err(e) => match crate::http::error::fixable_line(e) {
            Ok((status, msg)) => match results_page(&s, &u, &id, Some(msg)).await {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            },
            Err(e) => e.into_response(),
        },
    }
}

async fn results_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    error: Option<String>,
) -> Result<ResultsPage, PageError> {
    let r = s.app.exams().results(&u.principal, id).await?;
    let may_withdraw = r.learners.iter().all(|l| l.attempts == 0)
        && u.principal
            .can(jineng_core::accounts::Permission::ManageOwnOrganization)
        && !u.principal.org_ids().is_empty();
    Ok(ResultsPage {
        layout: Layout::new(r.exam.title.clone(), u, "/classes"),
        r,
        may_withdraw,
        error,
    })
}

pub async fn results(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<ResultsPage, PageError> {
    results_page(&s, &u, &id, None).await
}

pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = s.app.exams().results(&u.principal, &id).await?;
    let rows: Vec<Vec<String>> = r
        .learners
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.name.clone(),
                l.attempts.to_string(),
                l.best.map(|b| b.to_string()).unwrap_or_default(),
                if l.best.is_none() {
                    "未考".into()
                } else if l.passed {
                    "及格".into()
                } else {
                    "不及格".into()
                },
            ]
        })
        .collect();
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "exam_results",
            serde_json::json!({"exam": id}),
            rows.len(),
        )
        .await?;
    let book = jineng_app::export::xlsx_sheets(&[(
        "考试成绩",
        &["序号", "姓名", "考试次数", "最高分", "结果"][..],
        &rows,
    )])?;
    Ok(xlsx_response(book, "exam-results.xlsx"))
}
