//! A version's question bank over HTTP: `/api/v1/course-versions/{id}/questions` (list,
//! add, change, remove, import an xlsx, export), the import template, the operators'
//! minimum per class hour (`/api/v1/course-settings`), and the bank's page.

use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, PageError, Problem};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::courses::questions::{BankView, QuestionView};
use jineng_core::courses::questions::{Difficulty, MAX_OPTIONS, QuestionKind, RawQuestion, letter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A question as sent: choice questions list their options in order and name the right
/// ones by letter; true/false questions send no options and answer 正确 or 错误.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct QuestionIn {
    pub kind: Option<QuestionKind>,
    #[schema(min_length = 1, max_length = 500)]
    pub stem: String,
    #[serde(default)]
    #[schema(max_items = 8)]
    pub options: Vec<String>,
    /// Letters (`B`, `ACD`) or 正确/错误.
    pub answer: String,
    #[schema(min_length = 1, max_length = 1000)]
    pub explanation: String,
    #[schema(min_length = 1, max_length = 50)]
    pub knowledge_point: String,
    /// Medium when left out.
    pub difficulty: Option<Difficulty>,
}

impl From<QuestionIn> for RawQuestion {
    fn from(q: QuestionIn) -> Self {
        RawQuestion {
            kind: q.kind.map(|k| k.code().to_string()).unwrap_or_default(),
            stem: q.stem,
            options: q.options,
            answer: q.answer,
            explanation: q.explanation,
            knowledge_point: q.knowledge_point,
            difficulty: q
                .difficulty
                .map(|d| d.code().to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OptionOut {
    /// A, B, C…
    #[schema(value_type = String)]
    pub letter: char,
    pub text: String,
    pub correct: bool,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionOut {
    pub id: String,
    pub position: i32,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<OptionOut>,
    /// Letters ("ACD") or 正确/错误.
    pub answer: String,
    pub explanation: String,
    pub knowledge_point: String,
    pub difficulty: Difficulty,
}

impl From<QuestionView> for QuestionOut {
    fn from(q: QuestionView) -> Self {
        QuestionOut {
            id: q.id,
            position: q.position,
            kind: q.kind,
            stem: q.stem,
            options: q
                .options
                .into_iter()
                .map(|o| OptionOut {
                    letter: o.letter,
                    text: o.text,
                    correct: o.correct,
                })
                .collect(),
            answer: q.answer,
            explanation: q.explanation,
            knowledge_point: q.knowledge_point,
            difficulty: q.difficulty,
        }
    }
}

/// A version's bank and what it needs before submission.
#[derive(Serialize, ToSchema)]
pub struct BankOut {
    pub version_id: String,
    pub editable: bool,
    pub count: usize,
    /// Declared hours × the minimum per class hour.
    pub required: u32,
    pub per_hour: u32,
    pub questions: Vec<QuestionOut>,
}

impl From<BankView> for BankOut {
    fn from(b: BankView) -> Self {
        BankOut {
            version_id: b.version_id,
            editable: b.editable,
            count: b.count,
            required: b.required,
            per_hour: b.per_hour,
            questions: b.questions.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/course-versions/{id}/questions", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = BankOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn bank(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<BankOut>, ApiError> {
    Ok(Json(s.app.courses().question_bank(&who, &id).await?.into()))
}

#[utoipa::path(post, path = "/course-versions/{id}/questions", tag = "courses", params(("id" = String, Path)), request_body = QuestionIn,
    responses((status = 201, body = QuestionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(q): ApiJson<QuestionIn>,
) -> Result<(StatusCode, Json<QuestionOut>), ApiError> {
    let q = s
        .app
        .courses()
        .add_question(&who, &ctx, &id, &q.into())
        .await?;
    Ok((StatusCode::CREATED, Json(q.into())))
}

#[utoipa::path(put, path = "/course-versions/{id}/questions/{question}", tag = "courses", params(("id" = String, Path), ("question" = String, Path)), request_body = QuestionIn,
    responses((status = 200, body = QuestionOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, question)): Path<(String, String)>,
    ApiJson(q): ApiJson<QuestionIn>,
) -> Result<Json<QuestionOut>, ApiError> {
    let q = s
        .app
        .courses()
        .update_question(&who, &ctx, &id, &question, &q.into())
        .await?;
    Ok(Json(q.into()))
}

#[utoipa::path(delete, path = "/course-versions/{id}/questions/{question}", tag = "courses", params(("id" = String, Path), ("question" = String, Path)),
    responses((status = 200, body = BankOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn remove(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, question)): Path<(String, String)>,
) -> Result<Json<BankOut>, ApiError> {
    let b = s
        .app
        .courses()
        .remove_question(&who, &ctx, &id, &question)
        .await?;
    Ok(Json(b.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    pub added: usize,
    pub bank: BankOut,
}

#[utoipa::path(post, path = "/course-versions/{id}/questions/import", tag = "courses", params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "An xlsx in the template's columns (GET /course-question-template). Every row is checked; when any is refused nothing is added and the problem lists each refused row's reasons as `rows[N].field`"),
    responses((status = 200, body = ImportOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ImportOut>, ApiError> {
    let added = s
        .app
        .courses()
        .import_questions(&who, &ctx, &id, body.to_vec())
        .await?;
    let bank = s.app.courses().question_bank(&who, &id).await?.into();
    Ok(Json(ImportOut { added, bank }))
}

#[utoipa::path(get, path = "/course-versions/{id}/questions/export", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, description = "The bank in the import template's columns", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn export(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let bytes = s.app.courses().export_questions(&who, &id).await?;
    Ok(crate::http::export::xlsx_response(bytes, "questions.xlsx"))
}

#[utoipa::path(get, path = "/course-question-template", tag = "courses",
    responses((status = 200, description = "The question import template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), security(("bearer" = [])))]
pub async fn template(Caller(_who): Caller) -> Result<Response, ApiError> {
    Ok(crate::http::export::xlsx_response(
        jineng_app::courses::questions::template()?,
        "question-template.xlsx",
    ))
}

/// Platform rules for course content that operators set.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseSettings {
    /// The fewest questions a package needs per declared class hour (0–50).
    #[schema(minimum = 0, maximum = 50)]
    pub questions_per_hour: i64,
}

#[utoipa::path(get, path = "/course-settings", tag = "courses",
    responses((status = 200, body = CourseSettings)), security(("bearer" = [])))]
pub async fn settings(
    State(s): State<AppState>,
    Caller(_who): Caller,
) -> Result<Json<CourseSettings>, ApiError> {
    Ok(Json(CourseSettings {
        questions_per_hour: i64::from(s.app.courses().questions_per_hour().await?),
    }))
}

#[utoipa::path(put, path = "/course-settings", tag = "courses", request_body = CourseSettings,
    responses((status = 200, body = CourseSettings), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_settings(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(c): ApiJson<CourseSettings>,
) -> Result<Json<CourseSettings>, ApiError> {
    let n = s
        .app
        .courses()
        .set_questions_per_hour(&who, &ctx, c.questions_per_hour)
        .await?;
    Ok(Json(CourseSettings {
        questions_per_hour: i64::from(n),
    }))
}

// ---- pages ----

#[derive(Template, WebTemplate)]
#[template(path = "courses/questions.html")]
pub struct BankPage {
    layout: Layout,
    b: BankView,
    name: String,
    /// The caller's organisation writes this version (and it is still a draft).
    may_edit: bool,
    /// The question being changed, if any.
    editing: Option<QuestionView>,
    form: QuestionForm,
    notice: Option<String>,
    errors: Vec<String>,
}

impl BankPage {
    fn letters(&self) -> Vec<char> {
        (0..MAX_OPTIONS).map(letter).collect()
    }

    fn option(&self, i: &usize) -> &str {
        self.form.options().get(*i).copied().unwrap_or("")
    }

    /// Questions still needed before submission.
    fn missing(&self) -> usize {
        (self.b.required as usize).saturating_sub(self.b.count)
    }

    fn kinds(&self) -> &'static [QuestionKind] {
        QuestionKind::ALL
    }

    fn difficulties(&self) -> &'static [Difficulty] {
        Difficulty::ALL
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct QuestionForm {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) stem: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    c: String,
    #[serde(default)]
    d: String,
    #[serde(default)]
    e: String,
    #[serde(default)]
    f: String,
    #[serde(default)]
    g: String,
    #[serde(default)]
    h: String,
    #[serde(default)]
    pub(crate) answer: String,
    #[serde(default)]
    pub(crate) explanation: String,
    #[serde(default)]
    pub(crate) knowledge_point: String,
    #[serde(default)]
    pub(crate) difficulty: String,
}

impl QuestionForm {
    pub(crate) fn options(&self) -> [&str; MAX_OPTIONS] {
        [
            &self.a, &self.b, &self.c, &self.d, &self.e, &self.f, &self.g, &self.h,
        ]
        .map(String::as_str)
    }

    /// An empty form: single choice, medium difficulty.
    pub(crate) fn blank() -> QuestionForm {
        QuestionForm {
            kind: QuestionKind::Single.code().into(),
            difficulty: Difficulty::Medium.code().into(),
            ..QuestionForm::default()
        }
    }

    pub(crate) fn raw(&self) -> RawQuestion {
        RawQuestion {
            kind: self.kind.clone(),
            stem: self.stem.clone(),
            options: self.options().iter().map(|s| s.to_string()).collect(),
            answer: self.answer.clone(),
            explanation: self.explanation.clone(),
            knowledge_point: self.knowledge_point.clone(),
            difficulty: self.difficulty.clone(),
        }
    }

    fn of(q: &QuestionView) -> QuestionForm {
        let mut o: Vec<String> = match q.kind {
            QuestionKind::Judge => Vec::new(),
            _ => q.options.iter().map(|o| o.text.clone()).collect(),
        };
        o.resize(MAX_OPTIONS, String::new());
        let mut o = o.into_iter();
        let mut next = || o.next().unwrap_or_default();
        QuestionForm {
            kind: q.kind.code().into(),
            stem: q.stem.clone(),
            a: next(),
            b: next(),
            c: next(),
            d: next(),
            e: next(),
            f: next(),
            g: next(),
            h: next(),
            answer: q.answer.clone(),
            explanation: q.explanation.clone(),
            knowledge_point: q.knowledge_point.clone(),
            difficulty: q.difficulty.code().into(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct BankQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    edit: String,
}

async fn bank_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    edit: &str,
    form: Option<QuestionForm>,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<BankPage, PageError> {
    let c = s.app.courses();
    let b = c.question_bank(&u.principal, id).await?;
    let v = c.version(&u.principal, id).await.ok();
    let may_edit = b.editable
        && v.as_ref().is_some_and(|v| {
            u.principal.works_for(&v.org_id)
                && u.principal
                    .can(jineng_core::accounts::Permission::ManageCourses)
        });
    let name = match &v {
        Some(v) => v.name.clone(),
        None => c.review_item(&u.principal, id).await?.version.name,
    };
    let editing = b.questions.iter().find(|q| q.id == edit).cloned();
    let form = form.unwrap_or_else(|| {
        editing
            .as_ref()
            .map(QuestionForm::of)
            .unwrap_or_else(QuestionForm::blank)
    });
    Ok(BankPage {
        layout: Layout::new(format!("题库 · {name}"), u, "/courses"),
        b,
        name,
        may_edit,
        editing,
        form,
        notice,
        errors,
    })
}

pub async fn page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<BankQuery>,
) -> Result<BankPage, PageError> {
    let notice = match q.done.as_str() {
        "added" => Some("已添加。".to_string()),
        "saved" => Some("已保存。".to_string()),
        "removed" => Some("已删除。".to_string()),
        n if n.starts_with("imported-") => {
            Some(format!("已导入{}道题。", n.trim_start_matches("imported-")))
        }
        _ => None,
    };
    bank_page(&s, &u, &id, &q.edit, None, notice, Vec::new()).await
}

/// The page again with what went wrong, every message on its own line.
async fn refused(
    s: &AppState,
    u: &PageUser,
    id: &str,
    edit: &str,
    form: Option<QuestionForm>,
    e: AppError,
) -> Result<Response, PageError> {
    let (status, lines) = crate::http::error::fixable(e)?;
    Ok((status, bank_page(s, u, id, edit, form, None, lines).await?).into_response())
}

pub async fn page_add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<QuestionForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .courses()
        .add_question(&u.principal, &ctx, &id, &f.raw())
        .await
    {
        Ok(q) => Ok(Redirect::to(&format!(
            "/course-versions/{id}/questions?done=added#q-{}",
            q.id
        ))
        .into_response()),
        Err(e) => refused(&s, &u, &id, "", Some(f), e).await,
    }
}

pub async fn page_update(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, question)): Path<(String, String)>,
    Form(f): Form<QuestionForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .courses()
        .update_question(&u.principal, &ctx, &id, &question, &f.raw())
        .await
    {
        Ok(q) => Ok(Redirect::to(&format!(
            "/course-versions/{id}/questions?done=saved#q-{}",
            q.id
        ))
        .into_response()),
        Err(e) => refused(&s, &u, &id, &question, Some(f), e).await,
    }
}

pub async fn page_remove(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, question)): Path<(String, String)>,
) -> Result<Response, PageError> {
    match s
        .app
        .courses()
        .remove_question(&u.principal, &ctx, &id, &question)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/course-versions/{id}/questions?done=removed")).into_response(),
        ),
        Err(e) => refused(&s, &u, &id, "", None, e).await,
    }
}

/// Import a sheet (multipart: `file`).
pub async fn page_import(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let r = match crate::http::files::multipart_file(&mut mp, "file").await {
        Err(()) => Err(AppError::field(
            "file",
            format!(
                "上传的内容无法读取，文件不能超过{}MB",
                jineng_core::documents::MAX_DOCUMENT_BYTES / 1024 / 1024
            ),
        )),
        Ok((_, bytes)) if bytes.is_empty() => {
            Err(AppError::field("file", "请选择要导入的 xlsx 文件"))
        }
        Ok((_, bytes)) => {
            s.app
                .courses()
                .import_questions(&u.principal, &ctx, &id, bytes)
                .await
        }
    };
    match r {
        Ok(n) => Ok(Redirect::to(&format!(
            "/course-versions/{id}/questions?done=imported-{n}"
        ))
        .into_response()),
        Err(e) => refused(&s, &u, &id, "", None, e).await,
    }
}

pub async fn page_export(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let bytes = s.app.courses().export_questions(&u.principal, &id).await?;
    Ok(crate::http::export::xlsx_response(bytes, "questions.xlsx"))
}

pub async fn page_template(_u: PageUser) -> Result<Response, PageError> {
    Ok(crate::http::export::xlsx_response(
        jineng_app::courses::questions::template()?,
        "question-template.xlsx",
    ))
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    questions_per_hour: String,
}

pub async fn page_settings(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let mut n = crate::http::form::FormNumbers::default();
    let per_hour = n.int(
        "questions_per_hour",
        "每学时最少考题数",
        &f.questions_per_hour,
        true,
    );
    let r = match n.check() {
        Ok(()) => s
            .app
            .courses()
            .set_questions_per_hour(&u.principal, &ctx, i64::from(per_hour))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/words?done=settings").into_response()),
        Err(e) => crate::courses::pages::words_with_error(&s, &u, e).await,
    }
}
