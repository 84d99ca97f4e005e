//! `/api/v1/catalogue` (training projects) and occupation declarations.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::AppError;
use jineng_app::catalogue::{DeclarationView, ProjectFilter, ProjectInput, ProjectView};
use jineng_app::page::PageRequest;
use jineng_core::Fen;
use jineng_core::occupations::ProjectStatus;
use jineng_core::review::{Decision, ReviewStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ProjectOut {
    pub id: String,
    /// Work type (or occupation) · level (training type).
    pub name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub work_type_name: String,
    /// 1–5, 0 = no level.
    pub skill_level: i32,
    pub training_type: String,
    pub business_category: String,
    pub theory_hours: i32,
    pub practice_hours: i32,
    /// Subsidy standard per person, in fen.
    pub subsidy_fen: i64,
    pub status: ProjectStatus,
}

impl From<ProjectView> for ProjectOut {
    fn from(p: ProjectView) -> Self {
        ProjectOut {
            id: p.id,
            name: p.name,
            occupation_code: p.occupation_code,
            occupation_name: p.occupation_name,
            work_type_id: p.work_type_id,
            work_type_name: p.work_type_name,
            skill_level: p.skill_level,
            training_type: p.training_type,
            business_category: p.business_category,
            theory_hours: p.theory_hours,
            practice_hours: p.practice_hours,
            subsidy_fen: p.subsidy_fen,
            status: p.status,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Occupation or work type name, or occupation code prefix.
    pub q: Option<String>,
    #[param(inline, value_type = Option<crate::http::schema::TrainingType>)]
    pub training_type: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ProjectIn {
    #[schema(value_type = crate::http::schema::OccupationCode)]
    pub occupation_code: String,
    pub work_type_id: Option<String>,
    /// 1–5, or 0 for no level.
    #[schema(minimum = 0, maximum = 5)]
    pub skill_level: i32,
    /// vocational_skill, special_ability, labor_brand, public_welfare, entrepreneurship.
    #[schema(value_type = crate::http::schema::TrainingType)]
    pub training_type: String,
    /// employment_skill, post_skill_upgrade, apprenticeship, entrepreneurship.
    #[schema(value_type = crate::http::schema::BusinessCategory)]
    pub business_category: String,
    #[schema(minimum = 0, maximum = 2000)]
    pub theory_hours: i32,
    #[schema(minimum = 0, maximum = 2000)]
    pub practice_hours: i32,
    /// Subsidy standard per person in yuan, e.g. "1200" or "1200.50".
    #[schema(value_type = crate::http::schema::Yuan)]
    pub subsidy_yuan: String,
}

pub fn parse_project(i: ProjectIn) -> Result<ProjectInput, AppError> {
    let subsidy = Fen::parse_yuan(&i.subsidy_yuan)
        .map_err(|e| AppError::field("subsidy_yuan", e.to_string()))?;
    Ok(ProjectInput {
        occupation_code: i.occupation_code.trim().to_string(),
        work_type_id: i
            .work_type_id
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        skill_level: i.skill_level,
        training_type: i.training_type.trim().to_string(),
        business_category: i.business_category.trim().to_string(),
        theory_hours: i.theory_hours,
        practice_hours: i.practice_hours,
        subsidy,
    })
}

#[utoipa::path(get, path = "/catalogue", tag = "catalogue", params(ProjectQuery),
    responses((status = 200, body = Paged<ProjectOut>), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(q): ApiQuery<ProjectQuery>,
) -> Result<Json<Paged<ProjectOut>>, ApiError> {
    let f = ProjectFilter {
        q: q.q.clone(),
        training_type: q.training_type.clone(),
        include_withdrawn: false,
    };
    let p = s
        .app
        .catalogue()
        .projects(&f, PageRequest::new(q.page, q.per_page, 20))
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(post, path = "/catalogue", tag = "catalogue", request_body = ProjectIn,
    responses((status = 201, body = ProjectOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn publish(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(i): ApiJson<ProjectIn>,
) -> Result<(StatusCode, Json<ProjectOut>), ApiError> {
    let p = s
        .app
        .catalogue()
        .publish(&who, &ctx, parse_project(i)?)
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

#[utoipa::path(post, path = "/catalogue/{id}/withdraw", tag = "catalogue", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn withdraw(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.catalogue().withdraw(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct DeclarationOut {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub work_type_name: String,
    pub skill_level: i32,
    pub status: ReviewStatus,
    pub reason: String,
}

impl From<DeclarationView> for DeclarationOut {
    fn from(d: DeclarationView) -> Self {
        DeclarationOut {
            id: d.id,
            org_id: d.org_id,
            org_name: d.org_name,
            occupation_code: d.occupation_code,
            occupation_name: d.occupation_name,
            work_type_id: d.work_type_id,
            work_type_name: d.work_type_name,
            skill_level: d.skill_level,
            status: d.status,
            reason: d.reason,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeclarationQuery {
    pub org_id: Option<String>,
    pub status: Option<ReviewStatus>,
}

#[utoipa::path(get, path = "/declarations", tag = "catalogue", params(DeclarationQuery),
    responses((status = 200, body = Vec<DeclarationOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn declarations(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<DeclarationQuery>,
) -> Result<Json<Vec<DeclarationOut>>, ApiError> {
    let v = s
        .app
        .catalogue()
        .declarations(&who, q.org_id.as_deref(), q.status)
        .await?;
    Ok(Json(v.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareIn {
    #[schema(value_type = crate::http::schema::OccupationCode)]
    pub occupation_code: String,
    pub work_type_id: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 5)]
    pub skill_level: i32,
}

#[utoipa::path(post, path = "/orgs/{id}/declarations", tag = "catalogue", params(("id" = String, Path)), request_body = DeclareIn,
    responses((status = 201, body = DeclarationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn declare(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<DeclareIn>,
) -> Result<(StatusCode, Json<DeclarationOut>), ApiError> {
    let wt = d
        .work_type_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let v = s
        .app
        .catalogue()
        .declare(&who, &ctx, &id, d.occupation_code.trim(), wt, d.skill_level)
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclarationDecisionIn {
    pub action: Decision,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/declarations/{id}/decision", tag = "catalogue", params(("id" = String, Path)), request_body = DeclarationDecisionIn,
    responses((status = 200, body = DeclarationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<DeclarationDecisionIn>,
) -> Result<Json<DeclarationOut>, ApiError> {
    Ok(Json(
        s.app
            .catalogue()
            .decide_declaration(&who, &ctx, &id, d.action, &d.reason)
            .await?
            .into(),
    ))
}
