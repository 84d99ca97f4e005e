//! Jineng's HTTP layer: pages (askama + htmx) and the JSON API under `/api/v1`.
//! Handlers parse input into domain types, call one use case in `app`, and map the
//! result to HTML or JSON. No business rule and no SQL lives here.

pub mod api;
pub mod assets;
pub mod http;
pub mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use jineng_app::App;
use jineng_core::RegionCode;

/// Shared by every handler of a node.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// The province this deployment serves; region pickers list its subtree.
    pub province: RegionCode,
    /// Demo mode: the login page lists the demo accounts.
    pub demo: bool,
}

/// Largest request body accepted (bytes); larger ones get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Largest spreadsheet upload (bytes).
pub const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;
/// Registration documents: the largest file plus room for the multipart envelope.
pub const DOCUMENT_LIMIT: usize = jineng_core::documents::MAX_DOCUMENT_BYTES + 256 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .merge(assets::routes())
        .merge(http::health::routes())
        .fallback(http::error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::session::load_session,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            http::error::panic_response,
        ))
        .layer(axum::middleware::from_fn(http::error::problem_for_api))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::security::headers,
        ))
        .layer(axum::middleware::from_fn(http::request::request_context))
        .with_state(state)
}
