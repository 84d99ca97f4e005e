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
    let database = match s.app.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::error!(error = %e, "readiness: database unreachable");
            "unreachable"
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
    let ok = database == "ok" && files == "ok";
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(json!({
            "status": if !ok { "unavailable" } else if redis == "unreachable" { "degraded" } else { "ok" },
            "database": database,
            "files": files,
            "files_backend": s.app.files.kind(),
            "redis": redis,
            "sessions": sessions,
        })),
    )
}
