//! `/api/v1/classes/{id}/exams`, `/api/v1/exams/{id}/…`, `/api/v1/exam-attempts/{id}/…`
//! and `/api/v1/me/exams`.

use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::AppError;
use jineng_app::exams::{
    AttemptQuestion, AttemptSummary, AttemptView, ExamInput, ExamResults, ExamView, MyExam,
};
use jineng_core::courses::questions::{Difficulty, QuestionKind};
use jineng_core::exams::{AttemptStatus, ExamKind, RawLine, RawRule};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One draw line of a paper rule.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    pub kind: QuestionKind,
    /// Only questions of this knowledge point (left out: any).
    #[serde(default)]
    pub knowledge_point: Option<String>,
    /// Only questions of this difficulty (left out: any).
    #[serde(default)]
    pub difficulty: Option<Difficulty>,
    #[schema(minimum = 1, maximum = 200)]
    pub count: u32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExamIn {
    pub kind: ExamKind,
    /// A course of one of the class's study tasks.
    pub package_id: String,
    /// Left out: "<course> · <kind>".
    #[serde(default)]
    pub title: Option<String>,
    /// Each line draws that many distinct questions; lines may overlap.
    pub lines: Vec<LineIn>,
    /// Points per right answer of each type used (1–100).
    #[serde(default)]
    pub single_score: Option<u32>,
    #[serde(default)]
    pub multiple_score: Option<u32>,
    #[serde(default)]
    pub judge_score: Option<u32>,
    /// Time limit, minutes (1–300).
    pub minutes: u32,
    /// Points needed to pass (at most the full marks).
    pub pass_mark: u32,
    /// A province bank of the class's work type and level (`GET /classes/{id}/shared-banks`)
    /// to draw a share of every line from; left out: the course's bank alone.
    #[serde(default)]
    pub shared_bank_id: Option<String>,
    /// Per cent (1–100) of each line's questions drawn from `shared_bank_id`, rounded.
    #[serde(default)]
    pub shared_percent: Option<u32>,
    /// Attempts per learner; 0 or left out = unlimited. The highest score counts.
    #[serde(default)]
    pub max_attempts: u32,
    /// Show the right answers and explanations after submission (practice always does).
    #[serde(default)]
    pub show_answers: bool,
    /// YYYY-MM-DD
    pub opens_on: String,
    /// YYYY-MM-DD, not before `opens_on`.
    pub closes_on: String,
}

fn opt(v: Option<u32>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

pub(crate) fn date(field: &str, v: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "日期格式应为YYYY-MM-DD"))
}

impl ExamIn {
    pub fn parse(self) -> Result<ExamInput, AppError> {
        Ok(ExamInput {
            kind: self.kind,
            package_id: self.package_id.trim().to_string(),
            title: self.title.unwrap_or_default(),
            rule: RawRule {
                lines: self
                    .lines
                    .into_iter()
                    .map(|l| RawLine {
                        kind: l.kind.code().to_string(),
                        knowledge_point: l.knowledge_point.unwrap_or_default(),
                        difficulty: l
                            .difficulty
                            .map(|d| d.code().to_string())
                            .unwrap_or_default(),
                        count: l.count.to_string(),
                    })
                    .collect(),
                single_score: opt(self.single_score),
                multiple_score: opt(self.multiple_score),
                judge_score: opt(self.judge_score),
                minutes: self.minutes.to_string(),
                pass_mark: self.pass_mark.to_string(),
                shared_bank: self.shared_bank_id.unwrap_or_default(),
                shared_percent: opt(self.shared_percent),
            },
            max_attempts: self.max_attempts,
            show_answers: self.show_answers,
            opens_on: date("opens_on", &self.opens_on)?,
            closes_on: date("closes_on", &self.closes_on)?,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExamOut {
    pub id: String,
    pub class_id: String,
    pub package_id: String,
    pub version_id: String,
    pub course_name: String,
    pub kind: ExamKind,
    pub kind_label: String,
    pub title: String,
    pub lines: Vec<LineIn>,
    pub single_score: u32,
    pub multiple_score: u32,
    pub judge_score: u32,
    pub question_count: u32,
    /// Full marks.
    pub total: u32,
    pub minutes: u32,
    pub pass_mark: u32,
    /// The province bank a share of each line is drawn from, and the share (per cent).
    pub shared_bank_id: Option<String>,
    pub shared_percent: Option<u32>,
    /// 0 = unlimited.
    pub max_attempts: u32,
    pub show_answers: bool,
    pub opens_on: String,
    pub closes_on: String,
}

impl From<ExamView> for ExamOut {
    fn from(e: ExamView) -> Self {
        ExamOut {
            lines: e
                .rule
                .lines
                .iter()
                .map(|l| LineIn {
                    kind: l.kind,
                    knowledge_point: l.knowledge_point.clone(),
                    difficulty: l.difficulty,
                    count: l.count,
                })
                .collect(),
            single_score: e.rule.scores.single,
            multiple_score: e.rule.scores.multiple,
            judge_score: e.rule.scores.judge,
            shared_bank_id: e.rule.shared.as_ref().map(|s| s.bank_id.clone()),
            shared_percent: e.rule.shared.as_ref().map(|s| s.percent),
            id: e.id,
            class_id: e.class_id,
            package_id: e.package_id,
            version_id: e.version_id,
            course_name: e.course_name,
            kind: e.kind,
            kind_label: e.kind_label.into(),
            title: e.title,
            question_count: e.question_count,
            total: e.total,
            minutes: e.minutes,
            pass_mark: e.pass_mark,
            max_attempts: e.max_attempts,
            show_answers: e.show_answers,
            opens_on: e.opens_on,
            closes_on: e.closes_on,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttemptSummaryOut {
    pub id: String,
    pub seq: u32,
    pub status: AttemptStatus,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub score: Option<u32>,
    pub total: u32,
    pub passed: Option<bool>,
}

impl From<AttemptSummary> for AttemptSummaryOut {
    fn from(a: AttemptSummary) -> Self {
        AttemptSummaryOut {
            id: a.id,
            seq: a.seq,
            status: a.status,
            started_at: a.started_at,
            submitted_at: a.submitted_at,
            score: a.score,
            total: a.total,
            passed: a.passed,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MyExamOut {
    pub exam: ExamOut,
    pub class_name: String,
    pub attempts: Vec<AttemptSummaryOut>,
    /// The highest score (the one that counts).
    pub best: Option<u32>,
    pub passed: bool,
    /// The attempt in progress, to resume.
    pub open_attempt: Option<String>,
    /// Why a new attempt cannot start now.
    pub blocked: Option<String>,
}

impl From<MyExam> for MyExamOut {
    fn from(m: MyExam) -> Self {
        MyExamOut {
            exam: m.exam.into(),
            class_name: m.class_name,
            attempts: m.attempts.into_iter().map(Into::into).collect(),
            best: m.best,
            passed: m.passed,
            open_attempt: m.open_attempt,
            blocked: m.blocked,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaperQuestionOut {
    /// The key answers are saved under (0-based).
    pub position: u32,
    pub kind: QuestionKind,
    pub stem: String,
    /// In this paper's order: A, B, …
    pub options: Vec<String>,
    /// Letters saved, as shown.
    pub answer: String,
    /// After marking.
    pub right: Option<bool>,
    /// After marking, where the exam shows them.
    pub correct: Option<String>,
    pub explanation: Option<String>,
    /// Drawn from a province bank: `right`, `correct` and `explanation` are never given.
    pub from_province_bank: bool,
}

impl From<AttemptQuestion> for PaperQuestionOut {
    fn from(q: AttemptQuestion) -> Self {
        PaperQuestionOut {
            position: q.position,
            kind: q.kind,
            stem: q.stem,
            options: q.options,
            answer: q.answer,
            right: q.right,
            correct: q.correct,
            explanation: q.explanation,
            from_province_bank: q.from_province_bank,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttemptOut {
    pub id: String,
    pub exam: ExamOut,
    pub seq: u32,
    pub status: AttemptStatus,
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// The server's deadline; answers after it are refused.
    pub deadline: chrono::DateTime<chrono::Utc>,
    pub remaining_secs: i64,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub score: Option<u32>,
    pub total: u32,
    pub passed: Option<bool>,
    pub answered: u32,
    pub questions: Vec<PaperQuestionOut>,
}

impl From<AttemptView> for AttemptOut {
    fn from(a: AttemptView) -> Self {
        AttemptOut {
            id: a.id,
            exam: a.exam.into(),
            seq: a.seq,
            status: a.status,
            started_at: a.started_at,
            deadline: a.deadline,
            remaining_secs: a.remaining_secs,
            submitted_at: a.submitted_at,
            score: a.score,
            total: a.total,
            passed: a.passed,
            answered: a.answered,
            questions: a.questions.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LearnerResultOut {
    pub user_id: String,
    pub name: String,
    pub attempts: u32,
    pub best: Option<u32>,
    pub passed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ResultsOut {
    pub exam: ExamOut,
    pub learners: Vec<LearnerResultOut>,
}

impl From<ExamResults> for ResultsOut {
    fn from(r: ExamResults) -> Self {
        ResultsOut {
            exam: r.exam.into(),
            learners: r
                .learners
                .into_iter()
                .map(|l| LearnerResultOut {
                    user_id: l.user_id,
                    name: l.name,
                    attempts: l.attempts,
                    best: l.best,
                    passed: l.passed,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/me/exams", tag = "exams",
    responses((status = 200, body = Vec<MyExamOut>)), security(("bearer" = [])))]
pub async fn mine(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<MyExamOut>>, ApiError> {
    Ok(Json(
        s.app
            .exams()
            .mine(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/classes/{id}/exams", tag = "exams", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ExamOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn of_class(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ExamOut>>, ApiError> {
    Ok(Json(
        s.app
            .exams()
            .of_class(&who, &id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/classes/{id}/exams", tag = "exams", params(("id" = String, Path)), request_body = ExamIn,
    responses((status = 201, body = ExamOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn publish(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<ExamIn>,
) -> Result<(StatusCode, Json<ExamOut>), ApiError> {
    let input = i.parse()?;
    let e = s.app.exams().publish(&who, &ctx, &id, input).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

#[utoipa::path(delete, path = "/exams/{id}", tag = "exams", params(("id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "A learner has started it", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn withdraw(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.exams().withdraw(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/exams/{id}/results", tag = "exams", params(("id" = String, Path)),
    responses((status = 200, body = ResultsOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn results(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ResultsOut>, ApiError> {
    Ok(Json(s.app.exams().results(&who, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartIn {
    /// The learner pledges to answer alone (诚信考试承诺): must be true.
    pub pledge: bool,
}

#[utoipa::path(post, path = "/exams/{id}/attempts", tag = "exams", params(("id" = String, Path)), request_body = StartIn,
    responses((status = 201, description = "A new attempt, or the one in progress", body = AttemptOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn start(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<StartIn>,
) -> Result<(StatusCode, Json<AttemptOut>), ApiError> {
    let a = s.app.exams().start(&who, &ctx, &id, i.pledge).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[utoipa::path(get, path = "/exam-attempts/{id}", tag = "exams", params(("id" = String, Path)),
    responses((status = 200, body = AttemptOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn attempt(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<AttemptOut>, ApiError> {
    Ok(Json(s.app.exams().attempt(&who, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    /// The letters of the options as shown ("B", "ACD"); empty clears the answer.
    #[schema(max_length = 26)]
    pub answer: String,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerOut {
    pub position: u32,
    /// The letters saved.
    pub answer: String,
}

#[utoipa::path(put, path = "/exam-attempts/{id}/answers/{position}", tag = "exams", params(("id" = String, Path), ("position" = u32, Path)), request_body = AnswerIn,
    responses((status = 200, body = AnswerOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn save(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, position)): Path<(String, String)>,
    ApiJson(i): ApiJson<AnswerIn>,
) -> Result<Json<AnswerOut>, ApiError> {
    let position = position_of(&position)?;
    let answer = s
        .app
        .exams()
        .save(&who, &ctx, &id, position, &i.answer)
        .await?;
    Ok(Json(AnswerOut { position, answer }))
}

/// A question's place as typed in a path or a form.
pub(crate) fn position_of(v: &str) -> Result<u32, AppError> {
    v.trim()
        .parse::<u32>()
        .map_err(|_| AppError::field("position", "题号应为从0开始的整数"))
}

#[utoipa::path(post, path = "/exam-attempts/{id}/submit", tag = "exams", params(("id" = String, Path)),
    responses((status = 200, body = AttemptOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<AttemptOut>, ApiError> {
    Ok(Json(s.app.exams().submit(&who, &ctx, &id).await?.into()))
}
