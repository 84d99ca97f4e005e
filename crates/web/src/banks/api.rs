//! `/api/v1/banks…` and `/api/v1/classes/{id}/shared-banks`.

use crate::AppState;
use crate::courses::questions::{QuestionIn, QuestionOut};
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jineng_app::banks::{BankDetail, BankInput, BankView};
use jineng_core::banks::Origin;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ProvinceBankOut {
    pub id: String,
    pub name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub work_type_code: String,
    pub work_type_name: String,
    /// 1 (一级/高级技师) to 5 (五级/初级工), or 0 for 不定级.
    pub level: i32,
    pub level_label: String,
    /// `local`: written here; `shared`: imported from another centre (read-only here).
    pub origin: Origin,
    /// For a shared bank: the exporting centre, its province code, the bank's id and
    /// version there, when it was exported and the SHA-256 of its questions.
    pub source_centre: Option<String>,
    pub source_centre_code: Option<String>,
    pub source_bank_id: Option<String>,
    pub source_version: Option<i32>,
    pub source_exported_at: Option<String>,
    pub source_digest: Option<String>,
    /// Raised by every change; an export carries it.
    pub version: i32,
    /// Current questions.
    pub count: u64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<BankView> for ProvinceBankOut {
    fn from(b: BankView) -> Self {
        ProvinceBankOut {
            id: b.id,
            name: b.name,
            occupation_code: b.occupation_code,
            occupation_name: b.occupation_name,
            work_type_id: b.work_type_id,
            work_type_code: b.work_type_code,
            work_type_name: b.work_type_name,
            level: b.level,
            level_label: b.level_label.into(),
            origin: b.origin,
            source_centre: b.source_centre,
            source_centre_code: b.source_centre_code,
            source_bank_id: b.source_bank_id,
            source_version: b.source_version,
            source_exported_at: b.source_exported_at,
            source_digest: b.source_digest,
            version: b.version,
            count: b.count,
            updated_at: b.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProvinceBankDetailOut {
    pub bank: ProvinceBankOut,
    /// Questions may be added, imported and retired by the caller.
    pub editable: bool,
    /// Empty unless the caller keeps banks (the answers are the province's secret).
    pub questions: Vec<QuestionOut>,
}

impl From<BankDetail> for ProvinceBankDetailOut {
    fn from(d: BankDetail) -> Self {
        ProvinceBankDetailOut {
            bank: d.bank.into(),
            editable: d.editable,
            questions: d.questions.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvinceBankIn {
    #[schema(min_length = 2, max_length = 60)]
    pub name: String,
    /// An occupation code of the classification (`4-10-01-06`); may be left out when a
    /// work type is named.
    #[serde(default)]
    pub occupation_code: Option<String>,
    /// A work type of the catalogue; left out: the bank serves the whole occupation.
    #[serde(default)]
    pub work_type_id: Option<String>,
    /// 1–5, or 0 for 不定级.
    pub level: i32,
}

#[utoipa::path(get, path = "/banks", tag = "exams",
    responses((status = 200, body = Vec<ProvinceBankOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<ProvinceBankOut>>, ApiError> {
    Ok(Json(
        s.app
            .banks()
            .list(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Start a province bank for a work type and level (province regulators, operators).
#[utoipa::path(post, path = "/banks", tag = "exams", request_body = ProvinceBankIn,
    responses((status = 201, body = ProvinceBankOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<ProvinceBankIn>,
) -> Result<(StatusCode, Json<ProvinceBankOut>), ApiError> {
    let v = s
        .app
        .banks()
        .create(
            &who,
            &ctx,
            BankInput {
                name: b.name,
                occupation_code: b.occupation_code.unwrap_or_default(),
                work_type_id: b.work_type_id,
                level: b.level,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(get, path = "/banks/{id}", tag = "exams", params(("id" = String, Path)),
    responses((status = 200, body = ProvinceBankDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ProvinceBankDetailOut>, ApiError> {
    Ok(Json(s.app.banks().get(&who, &id).await?.into()))
}

#[utoipa::path(post, path = "/banks/{id}/questions", tag = "exams", params(("id" = String, Path)), request_body = QuestionIn,
    responses((status = 201, body = QuestionOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(q): ApiJson<QuestionIn>,
) -> Result<(StatusCode, Json<QuestionOut>), ApiError> {
    let v = s
        .app
        .banks()
        .add_question(&who, &ctx, &id, &q.into())
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// Take a question out of the bank: no new paper draws it; papers drawn with it keep it.
#[utoipa::path(delete, path = "/banks/{id}/questions/{question}", tag = "exams", params(("id" = String, Path), ("question" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn retire(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, question)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.app
        .banks()
        .retire_question(&who, &ctx, &id, &question)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ProvinceBankImportOut {
    pub added: usize,
}

/// Add every question of an xlsx in the course question template's columns, or none
/// (every refused row is named).
#[utoipa::path(post, path = "/banks/{id}/questions/imports", tag = "exams", params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = ProvinceBankImportOut), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn import_sheet(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ProvinceBankImportOut>, ApiError> {
    let added = s
        .app
        .banks()
        .import_sheet(&who, &ctx, &id, body.to_vec())
        .await?;
    Ok(Json(ProvinceBankImportOut { added }))
}

/// A JSON download.
pub(crate) fn json_download(bytes: Vec<u8>, filename: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The bank as a shared document (format `jineng-question-bank/1`, see docs/banks.md) for
/// another appraisal centre. Audited: the answers leave the platform.
#[utoipa::path(get, path = "/banks/{id}/document", tag = "exams", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/json", description = "The shared document"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = s.app.banks().export_shared(&who, &ctx, &id).await?;
    Ok(json_download(bytes, &name))
}

/// Import another centre's shared document (the body is the file as exported). A bank
/// imported before is brought to the new version; the same or an older one is refused.
#[utoipa::path(post, path = "/banks/documents", tag = "exams",
    request_body(content = Vec<u8>, content_type = "application/json", description = "A jineng-question-bank/1 document"),
    responses((status = 201, body = ProvinceBankOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn import_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<ProvinceBankOut>), ApiError> {
    let v = s.app.banks().import_shared(&who, &ctx, &body).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// The province banks an exam of this class may draw a share from (same work type and
/// level as the class's training project); names and sizes only.
#[utoipa::path(get, path = "/classes/{id}/shared-banks", tag = "exams", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ProvinceBankOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn for_class(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ProvinceBankOut>>, ApiError> {
    Ok(Json(
        s.app
            .banks()
            .for_class(&who, &id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
