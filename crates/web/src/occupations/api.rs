//! `/api/v1/occupations`: the 2022 occupation classification and work types.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::catalogue::occupations::{OccupationView, WorkTypeView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct OccupationOut {
    /// e.g. `4-01-02-01`.
    pub code: String,
    pub level: jineng_core::occupations::OccupationRank,
    pub name: String,
    pub parent_code: Option<String>,
    /// Marked S (数字职业) in the 2022 book.
    pub digital: bool,
    /// Marked L (绿色职业).
    pub green: bool,
}

impl From<OccupationView> for OccupationOut {
    fn from(o: OccupationView) -> Self {
        OccupationOut {
            code: o.code,
            level: o.level,
            name: o.name,
            parent_code: o.parent_code,
            digital: o.digital,
            green: o.green,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WorkTypeOut {
    pub id: String,
    pub occupation_code: String,
    pub code: String,
    pub name: String,
}

impl From<WorkTypeView> for WorkTypeOut {
    fn from(w: WorkTypeView) -> Self {
        WorkTypeOut {
            id: w.id,
            occupation_code: w.occupation_code,
            code: w.code,
            name: w.name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OccupationNodeOut {
    pub node: OccupationOut,
    pub ancestors: Vec<OccupationOut>,
    pub children: Vec<OccupationOut>,
    pub work_types: Vec<WorkTypeOut>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OccupationQuery {
    /// Name (substring) or code (prefix).
    pub q: Option<String>,
    /// List the children of this code; without `q` and `parent`, the 8 major groups.
    pub parent: Option<String>,
}

#[utoipa::path(get, path = "/occupations", tag = "reference", params(OccupationQuery),
    responses((status = 200, body = Vec<OccupationOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, description = "The parent occupation does not exist", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(q): ApiQuery<OccupationQuery>,
) -> Result<Json<Vec<OccupationOut>>, ApiError> {
    let rows = match (
        q.q.as_deref().filter(|s| !s.trim().is_empty()),
        q.parent.as_deref().filter(|s| !s.is_empty()),
    ) {
        (Some(text), _) => s.app.catalogue().search_occupations(text, 100).await?,
        (None, Some(p)) => s.app.catalogue().occupation_node(p).await?.children,
        (None, None) => s.app.catalogue().occupation_roots().await?,
    };
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/occupations/{code}", tag = "reference", params(("code" = String, Path)),
    responses((status = 200, body = OccupationNodeOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(_caller): Caller,
    Path(code): Path<String>,
) -> Result<Json<OccupationNodeOut>, ApiError> {
    let n = s.app.catalogue().occupation_node(&code).await?;
    Ok(Json(OccupationNodeOut {
        node: n.node.into(),
        ancestors: n.ancestors.into_iter().map(Into::into).collect(),
        children: n.children.into_iter().map(Into::into).collect(),
        work_types: n.work_types.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkTypeIn {
    #[schema(value_type = crate::http::schema::WorkTypeCode)]
    pub code: String,
    #[schema(min_length = 2, max_length = 50)]
    pub name: String,
}

#[utoipa::path(post, path = "/occupations/{code}/work-types", tag = "reference", params(("code" = String, Path)), request_body = WorkTypeIn,
    responses((status = 201, body = WorkTypeOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add_work_type(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(code): Path<String>,
    ApiJson(w): ApiJson<WorkTypeIn>,
) -> Result<(StatusCode, Json<WorkTypeOut>), ApiError> {
    let row = s
        .app
        .catalogue()
        .add_work_type(&who, &ctx, &code, &w.code, &w.name)
        .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}
