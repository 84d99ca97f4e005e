//! `/api/v1/exchange/{dataset}`: shared datasets for the provincial integrated platform,
//! pulled incrementally by cursor. No bearer token: each request is signed (see the
//! OpenAPI description and docs/api.md).

use crate::AppState;
use crate::http::api::ApiQuery;
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use jineng_app::AppError;
use jineng_app::exchange::SignedRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The `next_cursor` of the previous page; empty for the beginning.
    pub cursor: Option<String>,
    /// 1–1000, default 200.
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct PullPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    /// Pass back as `cursor`; absent when the page is empty.
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

/// The request body as sent, for the signature to cover (empty for a GET, but a client
/// that sends one has it checked).
pub struct SignedBody(axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for SignedBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, s: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, s)
            .await
            .map(SignedBody)
            .map_err(|_| ApiError(AppError::BadSignature("无法读取请求体".into())))
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Result<&'a str, AppError> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::BadSignature(format!("缺少请求头 {name}")))
}

/// Sign `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nhex(sha256(body))` with HMAC-SHA256 under the
/// client secret, hex-encoded; send it with `X-Client-Id`, `X-Timestamp` (Unix seconds,
/// within 5 minutes), `X-Nonce` (8–64 characters, never reused) and `X-Signature`.
#[utoipa::path(get, path = "/exchange/{dataset}", tag = "exchange",
    params(("dataset" = String, Path, description = "learners, institutions, qualifications or classes"), PullQuery,
        ("X-Client-Id" = String, Header), ("X-Timestamp" = String, Header), ("X-Nonce" = String, Header), ("X-Signature" = String, Header)),
    responses((status = 200, body = PullPage), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn pull(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path(dataset): Path<String>,
    ApiQuery(q): ApiQuery<PullQuery>,
    SignedBody(body): SignedBody,
) -> Result<Json<PullPage>, ApiError> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    let req = SignedRequest {
        client_id: header(&headers, "x-client-id")?,
        timestamp: header(&headers, "x-timestamp")?,
        nonce: header(&headers, "x-nonce")?,
        signature: header(&headers, "x-signature")?,
        method: "GET",
        path_and_query,
        // Whatever was sent is what the signature must cover.
        body: &body,
    };
    let client = s.app.exchange().verify(&req).await?;
    let page = s
        .app
        .exchange()
        .pull(
            &client,
            &ctx,
            &dataset,
            q.cursor.as_deref().unwrap_or(""),
            q.limit.unwrap_or(200),
        )
        .await?;
    Ok(Json(PullPage {
        items: page.items,
        next_cursor: page.next_cursor,
        has_more: page.has_more,
    }))
}
