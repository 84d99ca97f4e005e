//! `/api/v1/audit`: search the audit trail (auditors and system admins).

use crate::AppState;
use crate::http::api::{ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use jineng_app::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default, Clone)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Actor user id (exact) or name (substring).
    pub user: Option<String>,
    /// Object id or object type (exact).
    pub object: Option<String>,
    /// Action prefix, e.g. `user.` or `auth.login`.
    pub action: Option<String>,
    /// From this instant (inclusive), RFC 3339.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Until this instant (exclusive), RFC 3339.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl AuditQuery {
    pub fn filter(&self) -> jineng_app::audit::Filter {
        jineng_app::audit::Filter {
            user: self.user.clone(),
            object: self.object.clone(),
            action: self.action.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// JSON text of what changed; personal data appears masked.
    pub changes: String,
    pub ip: String,
    pub outcome: String,
    pub request_id: String,
    pub hash: String,
}

#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Paged<AuditRecord>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn search(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Paged<AuditRecord>>, ApiError> {
    let p = s
        .app
        .audit()
        .search(&who, &q.filter(), PageRequest::new(q.page, q.per_page, 50))
        .await?;
    let items = p
        .items
        .into_iter()
        .map(|r| AuditRecord {
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            role: r.role,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            changes: r.changes,
            ip: r.ip,
            outcome: r.outcome,
            request_id: r.request_id,
            hash: r.hash,
        })
        .collect();
    Ok(Json(Paged {
        items,
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}
