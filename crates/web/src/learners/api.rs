//! `/api/v1/learners`: self-registration (with an SMS code), the scoped learner list,
//! and bulk import (upload the xlsx as the request body; poll the job).

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::learners::import::{BadRow, ImportMode};
use jineng_app::learners::{LearnerFilter, LearnerInput, LearnerView};
use jineng_app::page::PageRequest;
use jineng_app::{AppError, FieldError};
use jineng_core::learners::{ImportStatus, LearnerSource};
use jineng_core::{IdNumber, Phone, RegionCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeIn {
    #[schema(value_type = crate::http::schema::PhoneNumber)]
    pub phone: String,
    /// `register` or `activate`.
    #[schema(value_type = crate::http::schema::CodePurpose)]
    pub purpose: String,
}

#[derive(Serialize, ToSchema)]
pub struct CodeOut {
    pub sent: bool,
    /// Only in demo mode: the code itself.
    pub demo_code: Option<String>,
}

#[utoipa::path(post, path = "/sms/code", tag = "learners", request_body = CodeIn,
    responses((status = 200, body = CodeOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn send_code(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(i): ApiJson<CodeIn>,
) -> Result<Json<CodeOut>, ApiError> {
    let phone = Phone::parse(&i.phone).map_err(|e| AppError::field("phone", e.to_string()))?;
    let code = s.app.learners().send_code(&ctx, &phone, &i.purpose).await?;
    Ok(Json(CodeOut {
        sent: true,
        demo_code: code,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterLearnerIn {
    #[schema(value_type = crate::http::schema::PersonNameText)]
    pub name: String,
    #[schema(value_type = crate::http::schema::IdNumberText)]
    pub id_number: String,
    #[schema(value_type = crate::http::schema::PhoneNumber)]
    pub phone: String,
    /// The code sent to `phone` for `register`.
    #[schema(value_type = crate::http::schema::SmsCode)]
    pub code: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    /// A person-category code, e.g. `rural_migrant`.
    #[schema(value_type = crate::http::schema::PersonCategory)]
    pub person_category: String,
    /// An education code, e.g. `junior`.
    #[schema(value_type = crate::http::schema::Education)]
    pub education: String,
    /// County code.
    #[schema(value_type = crate::http::schema::RegionCodeText)]
    pub region_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RegisteredLearner {
    pub id: String,
}

#[utoipa::path(post, path = "/learners/register", tag = "learners", request_body = RegisterLearnerIn,
    responses((status = 201, body = RegisteredLearner), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn register(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(i): ApiJson<RegisterLearnerIn>,
) -> Result<(StatusCode, Json<RegisteredLearner>), ApiError> {
    let today = s
        .app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let mut e = Vec::new();
    let id = IdNumber::parse_on(&i.id_number, today)
        .map_err(|x| e.push(FieldError::new("id_number", x.to_string())))
        .ok();
    let phone = Phone::parse(&i.phone)
        .map_err(|x| e.push(FieldError::new("phone", x.to_string())))
        .ok();
    let region = RegionCode::parse(&i.region_code)
        .map_err(|x| e.push(FieldError::new("region_code", x.to_string())))
        .ok();
    let (Some(id_number), Some(phone), Some(region)) = (id, phone, region) else {
        return Err(AppError::Validation(e).into());
    };
    let input = LearnerInput {
        name: i.name,
        id_number,
        phone,
        person_category: i.person_category,
        education: i.education,
        region,
    };
    let account = s
        .app
        .learners()
        .register(&ctx, input, &i.code, &i.password)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredLearner {
            id: account.user_id().to_string(),
        }),
    ))
}

/// A learner; ID number and phone masked unless the caller may see them.
#[derive(Serialize, ToSchema)]
pub struct LearnerOut {
    pub id: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    /// 男 or 女, from the ID number.
    pub gender: String,
    pub birth_date: String,
    pub person_category: String,
    pub education: String,
    pub region_code: String,
    pub source: LearnerSource,
    pub activated: bool,
}

impl From<LearnerView> for LearnerOut {
    fn from(l: LearnerView) -> Self {
        LearnerOut {
            id: l.id,
            name: l.name,
            id_number: l.id_number,
            phone: l.phone,
            gender: l.gender.into(),
            birth_date: l.birth_date,
            person_category: l.person_category,
            education: l.education,
            region_code: l.region_code,
            source: l.source,
            activated: l.activated,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LearnerQuery {
    /// Name (substring), or a whole ID number or phone.
    pub q: Option<String>,
    #[param(inline, value_type = Option<crate::http::schema::PersonCategory>)]
    pub person_category: Option<String>,
    /// Region code; its subtree.
    #[param(inline, value_type = Option<crate::http::schema::RegionCodeText>)]
    pub region: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/learners", tag = "learners", params(LearnerQuery),
    responses((status = 200, body = Paged<LearnerOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<LearnerQuery>,
) -> Result<Json<Paged<LearnerOut>>, ApiError> {
    let region = match q.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => {
            Some(RegionCode::parse(r).map_err(|e| AppError::field("region", e.to_string()))?)
        }
        None => None,
    };
    let f = LearnerFilter {
        q: q.q.clone(),
        person_category: q.person_category.clone(),
        region,
    };
    let p = s
        .app
        .learners()
        .list(&who, &f, PageRequest::new(q.page, q.per_page, 20))
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(get, path = "/learners/{id}", tag = "learners", params(("id" = String, Path)),
    responses((status = 200, body = LearnerOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<LearnerOut>, ApiError> {
    Ok(Json(s.app.learners().get(&who, &id).await?.into()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `all_or_nothing` (default) or `good_only`.
    #[param(inline, value_type = Option<jineng_core::learners::ImportMode>)]
    pub mode: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportJobOut {
    pub id: String,
    pub status: ImportStatus,
    pub mode: ImportMode,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub good_rows: i32,
    pub bad_rows: i32,
    pub imported_rows: i32,
    /// Rows naming someone already on the platform: asked to confirm in 我的培训,
    /// linked once they accept.
    pub pending_rows: i32,
    #[schema(value_type = Vec<Object>)]
    pub bad: Vec<BadRow>,
}

#[utoipa::path(post, path = "/learners/imports", tag = "learners", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The filled-in import template"),
    responses((status = 202, body = ImportJobOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportJobOut>), ApiError> {
    let mode = match q.mode.as_deref() {
        None | Some("all_or_nothing") => ImportMode::AllOrNothing,
        Some("good_only") => ImportMode::GoodOnly,
        Some(_) => {
            return Err(
                AppError::field("mode", "导入方式只能是 all_or_nothing 或 good_only").into(),
            );
        }
    };
    let id = s.app.learners().import(&who, &ctx, &body, mode).await?;
    let j = s.app.learners().import_job(&who, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(job_out(j))))
}

fn job_out(j: jineng_app::learners::import::ImportJobView) -> ImportJobOut {
    ImportJobOut {
        bad: j.bad,
        id: j.id,
        status: j.status,
        mode: j.mode,
        total_rows: j.total_rows,
        processed_rows: j.processed_rows,
        good_rows: j.good_rows,
        bad_rows: j.bad_rows,
        imported_rows: j.imported_rows,
        pending_rows: j.pending_rows,
    }
}

#[utoipa::path(get, path = "/learners/imports/{id}", tag = "learners", params(("id" = String, Path)),
    responses((status = 200, body = ImportJobOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn import_status(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ImportJobOut>, ApiError> {
    Ok(Json(job_out(s.app.learners().import_job(&who, &id).await?)))
}
