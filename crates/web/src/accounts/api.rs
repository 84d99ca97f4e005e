//! `/api/v1/users`: accounts, scoped to what the caller may see.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::accounts::users::{NewUser, UserFilter, UserView};
use jineng_app::page::PageRequest;
use jineng_app::{AppError, FieldError};
use jineng_core::accounts::Role;
use jineng_core::{IdNumber, Phone, RegionCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    /// Role code, e.g. `regulator`.
    pub role: String,
    pub label: String,
    pub region_code: Option<String>,
}

/// An account. `phone` and `id_number` are masked unless the caller may see them whole.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: String,
    pub username: String,
    pub display_name: String,
    #[schema(example = "138****5678")]
    pub phone: Option<String>,
    #[schema(example = "520102********123X")]
    pub id_number: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    /// `active` or `disabled`.
    pub status: jineng_core::accounts::UserStatus,
    pub locked: bool,
    pub totp_enabled: bool,
    pub roles: Vec<RoleOut>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<UserView> for UserOut {
    fn from(u: UserView) -> Self {
        UserOut {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            phone: u.phone,
            id_number: u.id_number,
            region_code: u.region_code,
            region_name: u.region_name,
            status: u.status,
            locked: u.locked,
            totp_enabled: u.totp_enabled,
            roles: u
                .roles
                .into_iter()
                .map(|r| RoleOut {
                    role: r.role.code().into(),
                    label: r.label.into(),
                    region_code: r.region_code,
                })
                .collect(),
            created_at: u.created_at,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Search username, name, whole phone number or whole ID number.
    pub q: Option<String>,
    /// Role code.
    #[param(inline, value_type = Option<jineng_core::accounts::Role>)]
    pub role: Option<String>,
    /// Region code; its whole subtree is included.
    #[param(inline, value_type = Option<crate::http::schema::RegionCodeText>)]
    pub region: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl UserQuery {
    pub fn filter(&self) -> Result<UserFilter, AppError> {
        let role = match self.role.as_deref().filter(|s| !s.is_empty()) {
            Some(r) => {
                Some(Role::parse(r).ok_or_else(|| AppError::field("role", "角色代码不存在"))?)
            }
            None => None,
        };
        let region = match self.region.as_deref().filter(|s| !s.is_empty()) {
            Some(r) => {
                Some(RegionCode::parse(r).map_err(|e| AppError::field("region", e.to_string()))?)
            }
            None => None,
        };
        Ok(UserFilter {
            q: self.q.clone(),
            role,
            region,
        })
    }
}

/// Input for a new account.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    #[schema(example = "nm_institution")]
    #[schema(value_type = crate::http::schema::Username)]
    pub username: String,
    #[schema(min_length = 1, max_length = 50)]
    pub display_name: String,
    /// At least 8 characters with 3 of: lower case, upper case, digits, symbols.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    #[schema(value_type = Option<crate::http::schema::PhoneNumber>)]
    pub phone: Option<String>,
    #[schema(value_type = Option<crate::http::schema::IdNumberText>)]
    pub id_number: Option<String>,
    #[schema(value_type = Option<crate::http::schema::RegionCodeText>)]
    pub region_code: Option<String>,
    #[schema(min_items = 1)]
    pub roles: Vec<RoleIn>,
    /// Require a new password at first sign-in (default true).
    pub must_change_password: Option<bool>,
}

#[derive(Deserialize, ToSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RoleIn {
    /// Role code: learner, institution_admin, enterprise_admin, teacher, course_provider,
    /// expert, expert_leader, regulator, operator, service_agent, auditor, viewer, system_admin.
    #[schema(value_type = jineng_core::accounts::Role)]
    pub role: String,
    /// Required for `regulator`: the province, city or county it supervises.
    #[schema(value_type = Option<crate::http::schema::RegionCodeText>)]
    pub region_code: Option<String>,
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parse raw input into the domain's types, collecting every field's problem at once.
pub fn parse_new_user(i: NewUserIn, today: chrono::NaiveDate) -> Result<NewUser, AppError> {
    let mut errors = Vec::new();
    let phone = opt(&i.phone).and_then(|p| {
        Phone::parse(p)
            .map_err(|e| errors.push(FieldError::new("phone", e.to_string())))
            .ok()
    });
    let id_number = opt(&i.id_number).and_then(|p| {
        IdNumber::parse_on(p, today)
            .map_err(|e| errors.push(FieldError::new("id_number", e.to_string())))
            .ok()
    });
    let region = opt(&i.region_code).and_then(|p| {
        RegionCode::parse(p)
            .map_err(|e| errors.push(FieldError::new("region_code", e.to_string())))
            .ok()
    });
    let mut roles = Vec::new();
    for r in &i.roles {
        let Some(role) = Role::parse(r.role.trim()) else {
            errors.push(FieldError::new(
                "roles",
                format!("角色代码不存在：{}", r.role),
            ));
            continue;
        };
        let reg = match opt(&r.region_code) {
            Some(c) => match RegionCode::parse(c) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(FieldError::new("roles", e.to_string()));
                    continue;
                }
            },
            None => None,
        };
        // The same role listed twice is one grant (found by the API fuzzer: a 500).
        if !roles.contains(&(role, reg)) {
            roles.push((role, reg));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(NewUser {
        username: i.username.trim().to_string(),
        display_name: i.display_name,
        password: i.password,
        phone,
        id_number,
        region,
        roles,
        must_change_password: i.must_change_password.unwrap_or(true),
    })
}

fn today(s: &AppState) -> chrono::NaiveDate {
    s.app
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

#[utoipa::path(get, path = "/users", tag = "accounts", params(UserQuery),
    responses((status = 200, body = Paged<UserOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<Paged<UserOut>>, ApiError> {
    let f = q.filter()?;
    let p = s
        .app
        .accounts()
        .list_users(&who, &f, PageRequest::new(q.page, q.per_page, 20))
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(post, path = "/users", tag = "accounts", request_body = NewUserIn,
    responses((status = 201, body = UserOut), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(i): ApiJson<NewUserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let n = parse_new_user(i, today(&s))?;
    let u = s.app.accounts().create_user(&who, &ctx, n).await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

#[utoipa::path(get, path = "/users/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(s.app.accounts().get_user(&who, &id).await?.into()))
}

#[utoipa::path(post, path = "/users/{id}/roles", tag = "accounts", params(("id" = String, Path)), request_body = RoleIn,
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn grant(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RoleIn>,
) -> Result<StatusCode, ApiError> {
    let (role, region) = parse_role(&r)?;
    s.app
        .accounts()
        .grant_role(&who, &ctx, &id, role, region)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/users/{id}/roles/revoke", tag = "accounts", params(("id" = String, Path)), request_body = RoleIn,
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "The grant cannot be revoked (the last one, or one the caller may not touch)", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RoleIn>,
) -> Result<StatusCode, ApiError> {
    let (role, region) = parse_role(&r)?;
    s.app
        .accounts()
        .revoke_role(&who, &ctx, &id, role, region)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// `active` or `disabled`.
    #[schema(value_type = jineng_core::accounts::UserStatus)]
    pub status: String,
}

#[utoipa::path(post, path = "/users/{id}/status", tag = "accounts", params(("id" = String, Path)), request_body = StatusIn,
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_status(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatusIn>,
) -> Result<StatusCode, ApiError> {
    let active = match b.status.as_str() {
        "active" => true,
        "disabled" => false,
        _ => return Err(AppError::field("status", "状态只能是 active 或 disabled").into()),
    };
    s.app
        .accounts()
        .set_user_status(&who, &ctx, &id, active)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/users/{id}/unlock", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn unlock(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.accounts().unlock_user(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn parse_role(r: &RoleIn) -> Result<(Role, Option<RegionCode>), AppError> {
    let role =
        Role::parse(r.role.trim()).ok_or_else(|| AppError::field("role", "角色代码不存在"))?;
    let region = match opt(&r.region_code) {
        Some(c) => {
            Some(RegionCode::parse(c).map_err(|e| AppError::field("region_code", e.to_string()))?)
        }
        None => None,
    };
    Ok((role, region))
}
