//! `/api/v1/provider-api/…`: a provider's open-API keys (made and revoked signed in or
//! with a token, never with a key), its webhook endpoint, the event log with replays,
//! and its sales. The last three are also reachable through `/open/v1` with a key.

use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jineng_app::open_api::webhooks::{AttemptView, EventView};
use jineng_app::open_api::{KeyView, SalesLine};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ApiKeyOut {
    /// Send as `X-Key-Id`.
    pub id: String,
    pub name: String,
    /// Addresses and networks allowed, comma-separated; empty: any address.
    pub ip_allowlist: String,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<KeyView> for ApiKeyOut {
    fn from(k: KeyView) -> Self {
        ApiKeyOut {
            id: k.id,
            name: k.name,
            ip_allowlist: k.ip_allowlist,
            created_by_name: k.created_by_name,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeysOut {
    pub items: Vec<ApiKeyOut>,
    /// Whether the organisation is admitted now (only then may it make keys and use them).
    pub admitted: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    pub name: String,
    /// Addresses or CIDR networks, separated by commas or new lines; empty: any address.
    #[serde(default)]
    pub ip_allowlist: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewApiKeyOut {
    pub key: ApiKeyOut,
    /// The signing secret: shown this once, never again.
    pub secret: String,
}

/// The organisation's open-API keys.
#[utoipa::path(get, path = "/provider-api/keys", tag = "open-api",
    responses((status = 200, body = ApiKeysOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn keys(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<ApiKeysOut>, ApiError> {
    let (items, admitted) = s.app.open_api().keys(&who).await?;
    Ok(Json(ApiKeysOut {
        items: items.into_iter().map(Into::into).collect(),
        admitted,
    }))
}

/// Make a key (admitted providers only); its secret is in this answer only.
#[utoipa::path(post, path = "/provider-api/keys", tag = "open-api", request_body = ApiKeyIn,
    responses((status = 201, body = NewApiKeyOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn create_key(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<ApiKeyIn>,
) -> Result<(StatusCode, Json<NewApiKeyOut>), ApiError> {
    let k = s
        .app
        .open_api()
        .create_key(&who, &ctx, &b.name, &b.ip_allowlist)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewApiKeyOut {
            key: k.key.into(),
            secret: k.secret,
        }),
    ))
}

/// Revoke a key for good.
#[utoipa::path(delete, path = "/provider-api/keys/{id}", tag = "open-api", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn revoke_key(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.open_api().revoke_key(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct WebhookOut {
    /// Absent when no endpoint is set.
    pub url: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The signing secret, only in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// `https://…` (or `http://…`); it must resolve to a public address.
    pub url: String,
    /// Make a new signing secret (a new endpoint always gets one).
    #[serde(default)]
    pub new_secret: bool,
}

/// The webhook endpoint.
#[utoipa::path(get, path = "/provider-api/webhook", tag = "open-api",
    responses((status = 200, body = WebhookOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn webhook(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<WebhookOut>, ApiError> {
    let e = s.app.open_api().endpoint(&who).await?;
    Ok(Json(WebhookOut {
        url: e.as_ref().map(|e| e.url.clone()),
        updated_at: e.map(|e| e.updated_at),
        secret: None,
    }))
}

/// Set or change the webhook endpoint.
#[utoipa::path(put, path = "/provider-api/webhook", tag = "open-api", request_body = WebhookIn,
    responses((status = 200, body = WebhookOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_webhook(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<WebhookIn>,
) -> Result<Json<WebhookOut>, ApiError> {
    let (e, secret) = s
        .app
        .open_api()
        .set_endpoint(&who, &ctx, &b.url, b.new_secret)
        .await?;
    Ok(Json(WebhookOut {
        url: Some(e.url),
        updated_at: Some(e.updated_at),
        secret,
    }))
}

/// Remove the webhook endpoint: no more events are sent (none set: nothing to do).
#[utoipa::path(delete, path = "/provider-api/webhook", tag = "open-api",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn remove_webhook(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
) -> Result<StatusCode, ApiError> {
    s.app.open_api().remove_endpoint(&who, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct WebhookEventOut {
    /// The event id: receivers deduplicate by it.
    pub id: String,
    /// `course.review`, `course.listing` or `order.paid`.
    pub kind: String,
    pub kind_label: String,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: String,
}

impl From<EventView> for WebhookEventOut {
    fn from(e: EventView) -> Self {
        WebhookEventOut {
            id: e.id,
            kind: e.kind,
            kind_label: e.kind_label.to_string(),
            created_at: e.created_at,
            delivered_at: e.delivered_at,
            attempts: e.attempts,
            last_status: e.last_status,
            last_error: e.last_error,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookEventsOut {
    pub items: Vec<WebhookEventOut>,
    pub total: u64,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events not yet delivered.
    pub undelivered: Option<bool>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
}

/// The webhook events, newest first.
#[utoipa::path(get, path = "/provider-api/events", tag = "open-api", params(EventsQuery),
    responses((status = 200, body = WebhookEventsOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn events(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Json<WebhookEventsOut>, ApiError> {
    let (items, total) = s
        .app
        .open_api()
        .events(&who, q.undelivered.unwrap_or(false), q.limit.unwrap_or(50))
        .await?;
    Ok(Json(WebhookEventsOut {
        items: items.into_iter().map(Into::into).collect(),
        total,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryAttemptOut {
    pub at: DateTime<Utc>,
    pub url: String,
    /// The HTTP status answered; absent when there was no answer.
    pub status: Option<i32>,
    pub error: String,
    pub millis: i32,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookEventLogOut {
    pub event: WebhookEventOut,
    pub attempts: Vec<DeliveryAttemptOut>,
}

impl From<AttemptView> for DeliveryAttemptOut {
    fn from(a: AttemptView) -> Self {
        DeliveryAttemptOut {
            at: a.at,
            url: a.url,
            status: a.status,
            error: a.error,
            millis: a.millis,
        }
    }
}

/// One event's delivery log.
#[utoipa::path(get, path = "/provider-api/events/{id}", tag = "open-api", params(("id" = String, Path)),
    responses((status = 200, body = WebhookEventLogOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn event(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookEventLogOut>, ApiError> {
    let (e, tries) = s.app.open_api().attempts(&who, &id).await?;
    Ok(Json(WebhookEventLogOut {
        event: e.into(),
        attempts: tries.into_iter().map(Into::into).collect(),
    }))
}

/// Send an event again (same id: the receiver deduplicates).
#[utoipa::path(post, path = "/provider-api/events/{id}/replay", tag = "open-api", params(("id" = String, Path)),
    responses((status = 202, body = WebhookEventOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn replay(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<WebhookEventOut>), ApiError> {
    let e = s.app.open_api().replay(&who, &ctx, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(e.into())))
}

#[derive(Serialize, ToSchema)]
pub struct SalesLineOut {
    pub package_id: String,
    pub course_name: String,
    /// Paid orders.
    pub orders: i64,
    /// Seats sold and not refunded.
    pub seats: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
}

impl From<SalesLine> for SalesLineOut {
    fn from(l: SalesLine) -> Self {
        SalesLineOut {
            package_id: l.package_id,
            course_name: l.course_name,
            orders: l.orders,
            seats: l.seats,
            paid_fen: l.paid_fen,
            refunded_fen: l.refunded_fen,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SalesOut {
    pub items: Vec<SalesLineOut>,
}

/// Sales by course to date (amounts in fen).
#[utoipa::path(get, path = "/provider-api/sales", tag = "open-api",
    responses((status = 200, body = SalesOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn sales(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<SalesOut>, ApiError> {
    Ok(Json(SalesOut {
        items: s
            .app
            .open_api()
            .sales(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}
