//! `/healthz`: the process answers. `/readyz`: it can also reach its database and its
//! file storage. `/metrics`: Prometheus metrics (`metrics.rs`).

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(super::metrics::scrape))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(s): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    // Answered in two seconds at most: a load balancer must not wait on the pool.
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), s.app.ping());
    let database = if !s.app.database_up() {
        "unreachable"
    } else {
        match ping.await {
            Ok(Ok(())) => "ok",
            Ok(Err(e)) => {
                tracing::error!(error = %e, "readiness: database unreachable");
                "unreachable"
            }
            Err(_) => {
                tracing::error!("readiness: the database did not answer in 2 s");
                "unreachable"
            }
        }
    };
    let files = match s.app.files.check().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::error!(error = %e, "readiness: file storage unreachable");
            "unreachable"
        }
    };
    // Redis down is a degraded node, not an unready one: sign-in and pages go on from
    // the database, limits count in this process, session copies are not trusted.
    let redis = match s.app.limiter.ping().await {
        None => "none",
        Some(Ok(())) => "ok",
        Some(Err(e)) => {
            tracing::warn!(error = %e, "readiness: Redis unreachable (degraded)");
            "unreachable"
        }
    };
    let sessions = if s.app.session_copies_trusted() {
        "cached"
    } else {
        "uncached"
    };
    // A replica that cannot be used is a degraded node too: lists read from the primary.
    let replica = s.app.replica_state();
    let replica_word = replica.map(|(r, _)| r.word()).unwrap_or("none");
    let ok = database == "ok" && files == "ok";
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(json!({
            "status": if !ok {
                "unavailable"
            } else if redis == "unreachable" || !matches!(replica_word, "none" | "ok") {
                "degraded"
            } else {
                "ok"
            },
            "database": database,
            "files": files,
            "files_backend": s.app.files.kind(),
            "redis": redis,
            "sessions": sessions,
            "replica": replica_word,
            "replica_lag_ms": replica.and_then(|(r, _)| r.lag_ms()),
            "replica_max_lag_ms": replica.map(|(_, max)| max.as_millis() as u64),
        })),
    )
}

/// While the database does not answer its probe, refuse every request that needs it at
/// once (503, Chinese, `Retry-After`), so clients and the proxy learn it in a moment
/// instead of each waiting for a connection; health checks, metrics, assets and the
/// proxy's segment check (`/hls-auth`: a signature, no database; nginx would turn a 503
/// there into a 500, and its cached segments can still play) answer.
pub async fn database_gate(
    State(s): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = req.uri().path();
    let exempt = matches!(path, "/healthz" | "/readyz" | "/metrics" | "/hls-auth")
        || path.starts_with("/assets/");
    if exempt {
        return next.run(req).await;
    }
    let api = path.starts_with("/api/") || path.starts_with("/open/");
    let refuse = move |why: &str| {
        let e = jineng_app::AppError::DatabaseUnavailable(why.to_string());
        if api {
            axum::response::IntoResponse::into_response(super::error::ApiError(e))
        } else {
            axum::response::IntoResponse::into_response(super::error::PageError(e))
        }
    };
    if !s.app.database_up() {
        return refuse("refused while the probe fails");
    }
    // A request already waiting on the database when it goes down is answered then,
    // not after the pool's acquire timeout (its transaction, if any, is rolled back).
    tokio::select! {
        biased;
        res = next.run(req) => res,
        () = s.app.until_database_down() => refuse("the database went down during the request"),
    }
}
