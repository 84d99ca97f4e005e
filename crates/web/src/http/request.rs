//! Request id, client address and user agent, put into the request's extensions as a
//! `RequestCtx` and into a tracing span, so every log line and audit record carries them.

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use jineng_app::RequestCtx;
use std::net::SocketAddr;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";
/// The client's own request id, echoed back as it was sent.
pub const CLIENT_REQUEST_ID: &str = "x-client-request-id";

pub async fn request_context(mut req: Request, next: Next) -> Response {
    // Ours, always; a client's id is logged beside it and echoed, never recorded as ours.
    let request_id = uuid::Uuid::now_v7().to_string();
    let client_request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_string);
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".to_string());
    let user_agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    let ctx = RequestCtx {
        ip,
        request_id: request_id.clone(),
        user_agent,
        client_request_id: client_request_id.clone(),
        internal: false,
    };
    let span = tracing::info_span!("request", request_id = %request_id, client_request_id = client_request_id.as_deref().unwrap_or(""), ip = %ctx.ip, method = %req.method(), path = %req.uri().path());
    req.extensions_mut().insert(ctx);
    async move {
        let started = std::time::Instant::now();
        let mut res = next.run(req).await;
        let status = res.status();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), ms, "request");
        }
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            res.headers_mut().insert(REQUEST_ID, v);
        }
        if let Some(v) = client_request_id.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(CLIENT_REQUEST_ID, v);
        }
        res
    }
    .instrument(span)
    .await
}

/// Extractor for the request context set by the middleware.
pub struct Ctx(pub RequestCtx);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .map(Ctx)
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// This platform's address as the caller reached it (`https://host`), for links that
/// leave the screen: QR codes on a projector or on paper.
pub fn origin(headers: &axum::http::HeaderMap, secure: bool) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .unwrap_or("127.0.0.1:8080");
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}")
}
