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
        let (api, mut doc) = self.api.split_for_parts();
        complete_responses(&mut doc);
        (self.pages, api, doc, self.table)
    }
}

/// The statuses the shared extractors and middleware answer, added to every operation
/// that can meet them (each handler documents its own): the bearer check (401, 403 for a
/// read-only token or a role that may not, 423 while the owner must change the password
/// or enrol a second factor), path parameters (404 when the record does not exist or is
/// outside the caller's reach), query strings (400), JSON bodies (400 malformed, 413 too
/// large, 415 not JSON, 422 invalid), and the throttling of public operations (429).
/// Every one is `application/problem+json`.
fn complete_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |what: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        bound_paging(item);
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let bearer = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let query = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter().any(
                    |p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)),
                )
            });
            let body = op.request_body.is_some();
            let r = &mut op.responses.responses;
            let mut add = |code: &str, what: &str| {
                r.entry(code.to_string()).or_insert_with(|| problem(what));
            };
            if bearer {
                add("401", "未登录，或访问令牌无效、已过期、已撤销");
                add("403", "无权进行此操作，或只读令牌用于修改");
                add("423", "需先修改密码或启用动态口令");
            } else {
                add("429", "请求过于频繁，请稍后再试");
            }
            if path.contains('{') {
                add("404", "记录不存在，或不在调用者的范围内");
                // A path parameter with an encoded control character (`%00`) is refused
                // before routing (`http::error::refuse_control_characters`).
                add("400", "请求地址中含有控制字符");
            }
            if query {
                add("400", "查询参数有误");
                add("422", "查询参数的取值不符合要求（逐字段说明）");
            }
            if body {
                add("400", "JSON 格式错误，无法解析");
                add("413", "请求内容过大");
                add("415", "请求内容格式不受支持");
                add("422", "请求内容不符合要求（逐字段说明）");
            }
        }
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

/// `page` and `per_page` are clamped by `PageRequest`; the document says the bounds.
fn bound_paging(item: &mut utoipa::openapi::path::PathItem) {
    use utoipa::openapi::{RefOr, Schema};
    let ops = [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ];
    for op in ops.into_iter().flatten() {
        for p in op.parameters.iter_mut().flatten() {
            let RefOr::T(p) = p else { continue };
            let bounds = match p.name.as_str() {
                "page" => (1usize, jineng_app::page::MAX_PAGE as usize),
                "per_page" => (1, jineng_app::page::MAX_PER_PAGE as usize),
                _ => continue,
            };
            if let Some(RefOr::T(Schema::Object(o))) = &mut p.schema {
                o.minimum = Some(bounds.0.into());
                o.maximum = Some(bounds.1.into());
            }
        }
    }
}
