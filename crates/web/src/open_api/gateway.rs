//! `/open/v1/…`: the open API for course platforms. Each request is signed with a
//! provider's key (see `jineng_app::open_api`); a good one is handed to the same handler
//! as `/api/v1/…`, acting as the key's provider, so the two APIs cannot drift apart. Only
//! the course-publishing routes are reachable this way. A write must carry an
//! `Idempotency-Key`: it runs once, and a retry gets the first answer again.
//!
//! This runs before routing (the router is wrapped, see `crate::router`), because it
//! rewrites the path.

use crate::AppState;
use crate::http::api::KeyCaller;
use crate::http::error::{ApiError, PROBLEM_JSON, problem};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jineng_app::open_api::{Claim, OpenRequest, Refused};
use jineng_core::open_api::Refusal;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

/// Where the open API lives.
pub const PREFIX: &str = "/open/v1";
/// The largest answer to a write that is kept for retries (a version with long lessons).
const KEPT_ANSWER: usize = 8 * 1024 * 1024;
/// How long a client may take to send its body.
const BODY_SECONDS: u64 = 30;

/// The largest body the route below `path` takes; its own limit applies again there.
fn body_limit(path: &str) -> usize {
    if path.starts_with("/uploads/") {
        crate::CHUNK_LIMIT
    } else if path.starts_with("/course-versions/") && path.ends_with("/documents") {
        crate::LESSON_PDF_LIMIT
    } else if path.starts_with("/course-versions/")
        && (path.contains("/files/") || path.ends_with("/questions/import"))
    {
        crate::DOCUMENT_LIMIT
    } else {
        crate::BODY_LIMIT
    }
}

/// Whether a key may call `path` (below the prefix): the course-publishing routes, the
/// key's own webhook and sales; never key management.
pub fn reachable(path: &str) -> bool {
    // No dot segments or escapes: what was checked is what is routed.
    if path.contains('%') || path.split('/').any(|seg| seg == "." || seg == "..") {
        return false;
    }
    let under = |p: &str| path == p || path.starts_with(&format!("{p}/"));
    // A package's ratings and listing belong to learners and operators, not publishers.
    if path.starts_with("/courses/") && (path.ends_with("/rating") || path.ends_with("/listing")) {
        return false;
    }
    (under("/courses") || under("/course-versions") || under("/uploads"))
        || (under("/provider-api") && !under("/provider-api/keys"))
}

/// A 401 with the reason code beside the Chinese detail.
fn refusal(r: Refusal) -> Response {
    let body = serde_json::json!({
        "type": "/problems/unauthenticated",
        "title": "Unauthorized",
        "status": 401,
        "detail": r.label(),
        "code": r.code(),
    });
    let mut res = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Jineng-HMAC-SHA256"),
    );
    res
}

fn header_str<'a>(req: &'a axum::http::request::Parts, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

pub async fn gateway(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let Some(rest) = req.uri().path().strip_prefix(PREFIX) else {
        return next.run(req).await;
    };
    let rest = rest.to_string();
    if !reachable(&rest) {
        return problem(
            StatusCode::NOT_FOUND,
            "开放接口没有这个地址（只开放课程发布、回调与销售数据）",
            vec![],
        );
    }
    let (parts, body) = req.into_parts();
    // What can be refused without the body is refused before reading it.
    let (Some(key_id), Some(timestamp), Some(nonce), Some(signature)) = (
        header_str(&parts, "x-key-id"),
        header_str(&parts, "x-timestamp"),
        header_str(&parts, "x-nonce"),
        header_str(&parts, "x-signature"),
    ) else {
        return refusal(Refusal::MissingHeader);
    };
    if let Err(r) = s.app.open_api().precheck(timestamp, nonce) {
        return refusal(r);
    }
    let read = axum::body::to_bytes(body, body_limit(&rest));
    let body = match tokio::time::timeout(std::time::Duration::from_secs(BODY_SECONDS), read).await
    {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return problem(StatusCode::PAYLOAD_TOO_LARGE, "请求内容过大", vec![]),
        Err(_) => {
            return problem(StatusCode::REQUEST_TIMEOUT, "请求内容发送超时", vec![]);
        }
    };
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let verified = s
        .app
        .open_api()
        .verify(&OpenRequest {
            key_id,
            timestamp,
            nonce,
            signature,
            method: parts.method.as_str(),
            path_and_query,
            body: &body,
            content_sha256: header_str(&parts, "x-content-sha256"),
            ip,
        })
        .await;
    let (key, principal) = match verified {
        Ok(v) => v,
        Err(Refused::Signature(r)) => return refusal(r),
        Err(Refused::Standing(m)) => return problem(StatusCode::FORBIDDEN, m, vec![]),
        Err(Refused::Other(e)) => return ApiError(e).into_response(),
    };
    let write = !matches!(parts.method, Method::GET | Method::HEAD);
    let idem = header_str(&parts, "idempotency-key").map(str::to_string);
    if write && idem.is_none() {
        return problem(
            StatusCode::BAD_REQUEST,
            "写操作须带 Idempotency-Key 请求头（同一操作重试时使用同一个值）",
            vec![],
        );
    }
    if write && let Some(idem) = &idem {
        // What makes a retry the same request: method, path and query, body.
        let fingerprint = hex::encode(Sha256::digest(format!(
            "{}\n{}\n{}",
            parts.method,
            path_and_query,
            hex::encode(Sha256::digest(&body))
        )));
        match s.app.open_api().claim(&key.id, idem, &fingerprint).await {
            Ok(Claim::Fresh) => {}
            Ok(Claim::Replay {
                status,
                content_type,
                body,
            }) => {
                let mut res = Response::new(Body::from(body));
                *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                if let Ok(v) = HeaderValue::from_str(&content_type) {
                    res.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                res.headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return res;
            }
            Err(e) => return ApiError(e).into_response(),
        }
    }
    // The same request, below /api/v1, as the key's provider: no cookie or token of a
    // browser can ride along.
    let target = format!(
        "{}{}",
        crate::routes::API_PREFIX,
        &path_and_query[PREFIX.len()..]
    );
    let Ok(uri) = target.parse::<Uri>() else {
        return problem(StatusCode::BAD_REQUEST, "地址格式错误", vec![]);
    };
    let mut parts = parts;
    parts.uri = uri;
    parts.headers.remove(header::COOKIE);
    parts.headers.remove(header::AUTHORIZATION);
    parts.extensions.insert(KeyCaller(principal));
    let res = next.run(Request::from_parts(parts, Body::from(body))).await;
    let Some(idem) = idem.filter(|_| write) else {
        return res;
    };
    let (mut rparts, rbody) = res.into_parts();
    let bytes = match axum::body::to_bytes(rbody, KEPT_ANSWER).await {
        Ok(b) => b,
        Err(_) => {
            // Too large to keep: the outcome of a retry is unknown rather than doubled.
            let _ = s.app.open_api().finish(&key.id, &idem, 500, "", "").await;
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "应答过大", vec![]);
        }
    };
    let content_type = rparts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = kept(&bytes);
    if let Err(e) = s
        .app
        .open_api()
        .finish(&key.id, &idem, rparts.status.as_u16(), &content_type, &text)
        .await
    {
        tracing::error!(error = %e, key = %key.id, "could not keep an idempotent answer");
    }
    rparts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(rparts, Body::from(bytes))
}

/// An answer as kept for a retry: a signing secret in it (a new webhook secret) is not
/// kept — the database holds secrets only encrypted; a retry learns it was made once.
fn kept(bytes: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(mut m)) if m.contains_key("secret") => {
            m.insert(
                "secret".into(),
                serde_json::Value::String("（签名密钥只在首次应答中给出，如已丢失请更换）".into()),
            );
            serde_json::Value::Object(m).to_string()
        }
        _ => String::from_utf8_lossy(bytes).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::reachable;

    #[test]
    fn only_course_publishing_is_reachable() {
        assert!(reachable("/courses"));
        assert!(reachable("/courses/abc/versions"));
        assert!(reachable("/course-versions/x/chapters"));
        assert!(reachable("/uploads/u/chunks/0"));
        assert!(reachable("/provider-api/webhook"));
        assert!(!reachable("/provider-api/keys"));
        assert!(!reachable("/provider-api/keys/pk_1"));
        assert!(!reachable("/users"));
        assert!(!reachable("/coursesX"));
        assert!(!reachable("/orders"));
        assert!(!reachable("/courses/../users"));
        assert!(!reachable("/courses/%2e%2e/users"));
        assert!(!reachable("/uploads/./x"));
        assert!(!reachable("/courses/abc/rating"));
        assert!(!reachable("/courses/abc/listing"));
        assert!(reachable("/courses/abc/reviews"));
    }
}
