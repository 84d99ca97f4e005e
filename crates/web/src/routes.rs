//! The one list of routes. Each domain adds its pages and API operations here; the
//! router and the OpenAPI document are built from the same list, and the list itself is
//! what the role-matrix test walks, so a new route is covered from the day it is added.

use crate::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;
use utoipa::openapi::PathItem;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// Who a route is for: people in a browser, or machine clients of the JSON API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Page,
    Api,
}

/// One method on one path, as the router serves it (API paths include `/api/v1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub surface: Surface,
    pub method: Method,
    pub path: String,
}

/// The routes being assembled.
pub struct Routes {
    pages: Router<AppState>,
    api: OpenApiRouter<AppState>,
    table: Vec<Route>,
}

/// The API's prefix.
pub const API_PREFIX: &str = "/api/v1";

impl Routes {
    pub fn new(api_doc: utoipa::openapi::OpenApi) -> Self {
        Routes {
            pages: Router::new(),
            api: OpenApiRouter::with_openapi(api_doc),
            table: Vec::new(),
        }
    }

    /// A page (or a form post) at `path`.
    pub fn page<H, T>(self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mr = MethodRouter::new().on(filter(&method), handler);
        self.page_with(method, path, mr)
    }

    /// A page whose method router carries its own layers (an upload's body limit).
    pub fn page_with(
        mut self,
        method: Method,
        path: &'static str,
        mr: MethodRouter<AppState>,
    ) -> Self {
        self.pages = self.pages.route(path, mr);
        self.table.push(Route {
            surface: Surface::Page,
            method,
            path: path.to_string(),
        });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.page(Method::GET, path, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.page(Method::POST, path, h)
    }

    /// API operations declared with `#[utoipa::path]` (`utoipa_axum::routes!`).
    pub fn api(mut self, r: UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in &r.1.paths {
            for method in methods_of(item) {
                self.table.push(Route {
                    surface: Surface::Api,
                    method,
                    path: format!("{API_PREFIX}{path}"),
                });
            }
        }
        self.api = self.api.routes(r);
        self
    }

    /// The page router, the API router (to nest under `/api/v1`), the OpenAPI document
    /// and the table of every route.
    pub fn build(
        self,
    ) -> (
        Router<AppState>,
        Router<AppState>,
        utoipa::openapi::OpenApi,
        Vec<Route>,
    ) {
        let (api, doc) = self.api.split_for_parts();
        (self.pages, api, doc, self.table)
    }
}

fn filter(m: &Method) -> axum::routing::MethodFilter {
    match *m {
        Method::POST => axum::routing::MethodFilter::POST,
        Method::PUT => axum::routing::MethodFilter::PUT,
        Method::PATCH => axum::routing::MethodFilter::PATCH,
        Method::DELETE => axum::routing::MethodFilter::DELETE,
        _ => axum::routing::MethodFilter::GET,
    }
}

fn methods_of(item: &PathItem) -> Vec<Method> {
    let mut out = Vec::new();
    if item.get.is_some() {
        out.push(Method::GET);
    }
    if item.post.is_some() {
        out.push(Method::POST);
    }
    if item.put.is_some() {
        out.push(Method::PUT);
    }
    if item.patch.is_some() {
        out.push(Method::PATCH);
    }
    if item.delete.is_some() {
        out.push(Method::DELETE);
    }
    out
}

/// API operations whose request body may be larger than the default limit (uploads).
pub fn limited(
    (schemas, paths, mr): UtoipaMethodRouter<AppState>,
    bytes: usize,
) -> UtoipaMethodRouter<AppState> {
    (
        schemas,
        paths,
        mr.layer(axum::extract::DefaultBodyLimit::max(bytes)),
    )
}
