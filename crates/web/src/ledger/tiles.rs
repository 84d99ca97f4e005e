//! The evidence log as static C2SP tlog-tiles under `/ledger/tiles/`: `checkpoint`, hash
//! tiles `tile/<L>/<N>[.p/<W>]` and entry bundles `tile/entries/<N>[.p/<W>]`. Complete
//! tiles never change and are cacheable for a year; partial tiles and the checkpoint for
//! seconds. A CDN or any tile-reading verifier can audit the log from these alone.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::request::Ctx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        "没有这个瓦片（路径无效，或日志尚未增长到这里）\n",
    )
        .into_response()
}

pub async fn checkpoint(State(s): State<AppState>) -> Result<Response, PageError> {
    let Some(c) = s.app.ledger().latest().await? else {
        return Ok(not_found());
    };
    Ok((
        [
            (CONTENT_TYPE, "text/plain; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        c.note,
    )
        .into_response())
}

pub async fn tile(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Path(path): Path<String>,
) -> Result<Response, PageError> {
    s.app.ledger().throttle(&ctx).await?;
    let Some((data, complete)) = s.app.ledger().tile(&format!("tile/{path}")).await? else {
        return Ok(not_found());
    };
    let cache = if complete {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=10"
    };
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream"),
            (CACHE_CONTROL, cache),
        ],
        data,
    )
        .into_response())
}
