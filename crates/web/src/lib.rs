//! Jineng's HTTP layer: pages (askama + htmx) and the JSON API under `/api/v1`.
//! Handlers parse input into domain types, call one use case in `app`, and map the
//! result to HTML or JSON. No business rule and no SQL lives here.
//!
//! Folders are the domain's words (`classes/{api,pages}.rs` beside `templates/classes/`);
//! `http/` holds what every route shares (sessions, CSRF, errors, the page frame); every
//! route is registered once in `routes.rs`'s list, from which the router, the OpenAPI
//! document and the role-matrix test all come.

pub mod accounts;
pub mod archive;
pub mod assessment;
pub mod assets;
pub mod attendance;
pub mod audit;
pub mod banks;
pub mod catalogue;
pub mod certificates;
pub mod classes;
pub mod courses;
pub mod exams;
pub mod exchange;
pub mod home;
pub mod http;
pub mod inbox;
pub mod jobs;
pub mod learners;
pub mod ledger;
pub mod occupations;
pub mod open_api;
pub mod openapi;
pub mod orders;
pub mod organizations;
pub mod routes;
pub mod server;
pub mod skills;
pub mod solicitation;
pub mod study;
pub mod subsidies;
pub mod teachers;
pub mod training;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use jineng_app::App;
use routes::{Route, Routes};
use std::sync::{Arc, OnceLock};
use utoipa::OpenApi;

/// Shared by every handler of a node.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Demo mode: the login page lists the demo accounts.
    pub demo: bool,
    /// The demo accounts the login page lists in demo mode.
    pub demo_logins: Arc<[DemoLogin]>,
    /// The bearer token `/metrics` asks for; `None`: only unproxied local requests.
    pub metrics_token: Option<Arc<str>>,
}

/// A demo account as the login page shows it.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: &'static str,
    pub password: &'static str,
    pub role_label: &'static str,
}

/// Largest request body accepted (bytes); larger ones get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Largest spreadsheet upload (bytes).
pub const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;
/// One chunk of a video upload, with room to spare.
pub const CHUNK_LIMIT: usize = jineng_core::courses::CHUNK_BYTES as usize + 64 * 1024;
/// Registration documents: the largest file plus room for the multipart envelope.
pub const DOCUMENT_LIMIT: usize = jineng_core::documents::MAX_DOCUMENT_BYTES + 256 * 1024;
/// A lesson's PDF, with room for the multipart envelope.
pub const LESSON_PDF_LIMIT: usize = jineng_app::courses::documents::MAX_PDF_BYTES + 256 * 1024;

/// Every route of the platform, domain by domain.
fn all_routes() -> Routes {
    let r = Routes::new(openapi::ApiDoc::openapi()).get("/api/docs", http::layout::api_docs);
    let r = home::routes(r);
    let r = accounts::routes(r);
    let r = audit::routes(r);
    let r = organizations::routes(r);
    let r = occupations::routes(r);
    let r = catalogue::routes(r);
    let r = learners::routes(r);
    let r = archive::routes(r);
    let r = teachers::routes(r);
    let r = classes::routes(r);
    let r = training::routes(r);
    let r = attendance::routes(r);
    let r = exchange::routes(r);
    let r = inbox::routes(r);
    let r = ledger::routes(r);
    let r = courses::routes(r);
    let r = study::routes(r);
    let r = exams::routes(r);
    let r = certificates::routes(r);
    let r = assessment::routes(r);
    let r = skills::routes(r);
    let r = banks::routes(r);
    let r = orders::routes(r);
    let r = subsidies::routes(r);
    let r = solicitation::routes(r);
    let r = open_api::routes(r);
    jobs::routes(r)
}

/// The built routes, once per process: routers are cloned per node, the document shared.
struct Built {
    doc: Arc<utoipa::openapi::OpenApi>,
    table: Vec<Route>,
}

static BUILT: OnceLock<Built> = OnceLock::new();

fn built() -> &'static Built {
    BUILT.get_or_init(|| {
        let (_, _, doc, table) = all_routes().build();
        Built {
            doc: Arc::new(doc),
            table,
        }
    })
}

/// The OpenAPI document of `/api/v1`, generated from the route list.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    (*built().doc).clone()
}

/// Every route (method, path, page or API), for the role-matrix test.
pub fn route_table() -> Vec<Route> {
    built().table.clone()
}

pub fn router(state: AppState) -> Router {
    let (pages, api, _, _) = all_routes().build();
    let doc = built().doc.clone();
    let api = api.route(
        "/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json((*doc).clone()) }
        }),
    );
    let inner = Router::new()
        .merge(pages)
        .nest(routes::API_PREFIX, api)
        .merge(assets::routes())
        .merge(http::health::routes())
        .fallback(http::error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::session::load_session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::replica::read_your_writes,
        ))
        .layer(axum::middleware::from_fn(http::metrics::track))
        .with_state(state.clone());
    // The open API's gateway rewrites `/open/v1/…` to `/api/v1/…` once the signature
    // holds, so it runs before the inner router routes; every other layer wraps it too
    // (request id and log, security headers, body timeout, panics, problem answers).
    Router::new()
        .fallback_service(inner)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            open_api::gateway::gateway,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            http::error::panic_response,
        ))
        .layer(axum::middleware::from_fn(
            http::error::refuse_control_characters,
        ))
        .layer(axum::middleware::from_fn(http::error::problem_for_api))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            std::time::Duration::from_secs(server::BODY_IDLE_SECONDS),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::health::database_gate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            http::security::headers,
        ))
        .layer(axum::middleware::from_fn(http::request::request_context))
}
