//! `/healthz`: the process answers. `/readyz`: it can also reach its database and its
//! file storage.

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
    let ok = database == "ok" && files == "ok";
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(json!({
            "status": if ok { "ok" } else { "unavailable" },
            "database": database,
            "files": files,
            "files_backend": s.app.files.kind(),
        })),
    )
}
