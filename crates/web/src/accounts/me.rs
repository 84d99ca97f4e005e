//! `/api/v1/me` (who the token belongs to) and `/api/v1/regions` (division look-up).

use crate::AppState;
use crate::accounts::api::UserOut;
use crate::http::api::{ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, body = UserOut), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn me(State(s): State<AppState>, Caller(who): Caller) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(
        s.app.accounts().get_user(&who, &who.user_id).await?.into(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// A region code; lists it and everything under it. Defaults to the deployment's province.
    pub under: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionOut {
    pub code: String,
    pub name: String,
    pub level: jineng_core::RegionLevel,
    pub parent_code: Option<String>,
}

#[utoipa::path(get, path = "/regions", tag = "reference", params(RegionQuery),
    responses((status = 200, body = Vec<RegionOut>), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn regions(
    State(s): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(q): ApiQuery<RegionQuery>,
) -> Result<Json<Vec<RegionOut>>, ApiError> {
    let root = match q.under.as_deref().filter(|s| !s.is_empty()) {
        Some(c) => jineng_core::RegionCode::parse(c)
            .map_err(|e| jineng_app::AppError::field("under", e.to_string()))?,
        None => s.app.province,
    };
    let rows = s
        .app
        .accounts()
        .regions_under(root.subtree_prefix())
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RegionOut {
                code: r.code,
                name: r.name,
                level: r.level,
                parent_code: r.parent_code,
            })
            .collect(),
    ))
}
