//! Mapping errors to responses. API callers get RFC 9457 problem+json with a Chinese
//! `detail` and per-field errors; page callers get an error page or a redirect to login.
//! Internal causes go to the log with the request id and never reach the client.

use crate::http::layout::Layout;
use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Html;
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::{AppError, FieldError};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in Chinese, fit to show to a person.
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldErrorBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

impl From<FieldError> for FieldErrorBody {
    fn from(f: FieldError) -> Self {
        FieldErrorBody {
            field: f.field,
            message: f.message,
        }
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated | AppError::BadCredentials | AppError::BadSignature(_) => {
            StatusCode::UNAUTHORIZED
        }
        AppError::Locked(_) => StatusCode::LOCKED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        AppError::Unavailable(_) | AppError::DatabaseUnavailable(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// `Retry-After` on an answer to a rate-limited request.
pub fn retry_after(res: &mut Response, e: &AppError) {
    if let AppError::TooMany { retry_after } = e
        && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if matches!(e, AppError::DatabaseUnavailable(_)) {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
}

fn kind_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "/problems/bad-request",
        401 => "/problems/unauthenticated",
        403 => "/problems/forbidden",
        404 => "/problems/not-found",
        405 => "/problems/method-not-allowed",
        408 => "/problems/request-timeout",
        409 => "/problems/conflict",
        413 => "/problems/payload-too-large",
        415 => "/problems/unsupported-media-type",
        422 => "/problems/validation",
        423 => "/problems/locked",
        429 => "/problems/too-many-requests",
        503 => "/problems/unavailable",
        _ => "/problems/internal",
    }
}

pub fn problem(status: StatusCode, detail: impl Into<String>, errors: Vec<FieldError>) -> Response {
    let body = Problem {
        kind: kind_of(status).to_string(),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: detail.into(),
        errors: errors.into_iter().map(Into::into).collect(),
        request_id: None,
    };
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    res
}

/// An error from an API handler.
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        if let AppError::TooMany { .. } = &self.0 {
            let mut res = problem(status, self.0.to_string(), vec![]);
            retry_after(&mut res, &self.0);
            return res;
        }
        if let AppError::DatabaseUnavailable(cause) = &self.0 {
            tracing::error!(%cause, "database unreachable");
            let mut res = problem(status, self.0.to_string(), vec![]);
            retry_after(&mut res, &self.0);
            return res;
        }
        match self.0 {
            AppError::Validation(errors) => {
                let detail = errors
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| "提交的内容有误".into());
                problem(status, detail, errors)
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                problem(
                    status,
                    "服务器内部错误，请稍后重试；如仍有问题请联系管理员并提供请求编号",
                    vec![],
                )
            }
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "dependency unavailable");
                problem(
                    status,
                    AppError::Unavailable(String::new()).to_string(),
                    vec![],
                )
            }
            other => problem(status, other.to_string(), vec![]),
        }
    }
}

/// An error from a page handler.
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let message = match &self.0 {
            AppError::Unauthenticated => return Redirect::to("/login").into_response(),
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                "服务器内部错误，请稍后重试；如仍有问题请联系管理员".to_string()
            }
            AppError::Unavailable(cause) | AppError::DatabaseUnavailable(cause) => {
                tracing::error!(%cause, "dependency unavailable");
                self.0.to_string()
            }
            AppError::Validation(errors) => errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            other => other.to_string(),
        };
        let mut res = ErrorPage::response(status, &message);
        retry_after(&mut res, &self.0);
        res
    }
}

/// A handler panicked: log it and answer 500 in Chinese (API paths become problem+json
/// in `problem_for_api`). The platform keeps serving other requests.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "handler panicked");
    ErrorPage::response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "服务器内部错误，请稍后重试；如仍有问题请联系管理员",
    )
}

/// For pages: errors a person can fix (bad input, a state that forbids the action) become
/// a status and the Chinese messages to show on the same page; anything else stays an error.
pub fn fixable(e: AppError) -> Result<(StatusCode, Vec<String>), PageError> {
    let status = status_of(&e);
    match e {
        AppError::Validation(errs) => Ok((status, errs.into_iter().map(|e| e.message).collect())),
        AppError::Conflict(m) => Ok((status, vec![m])),
        e @ AppError::TooMany { .. } => Ok((status, vec![e.to_string()])),
        other => Err(PageError(other)),
    }
}

/// `fixable`, joined into one line.
pub fn fixable_line(e: AppError) -> Result<(StatusCode, String), PageError> {
    fixable(e).map(|(s, m)| (s, m.join("；")))
}

pub async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        problem(StatusCode::NOT_FOUND, "请求的接口不存在", vec![])
    } else {
        ErrorPage::response(StatusCode::NOT_FOUND, "页面不存在")
    }
}

/// Refuse an address whose path or query holds an encoded control character (`%00`
/// to `%1F`, `%7F`) with a 400 before any handler runs: no name or code the platform
/// stores holds one, SQLite's LIKE stops at a NUL, and PostgreSQL refuses a NUL in text
/// (a server error instead of an answer).
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let bad = [Some(uri.path()), uri.query()]
        .into_iter()
        .flatten()
        .any(encodes_control_character);
    if !bad {
        return next.run(req).await;
    }
    let detail = "请求地址中含有控制字符（如 %00），请检查后重试";
    if uri.path().starts_with("/api/") {
        problem(StatusCode::BAD_REQUEST, detail, vec![])
    } else {
        ErrorPage::response(StatusCode::BAD_REQUEST, detail)
    }
}

fn encodes_control_character(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3).any(|w| {
        w[0] == b'%'
            && match ((w[1] as char).to_digit(16), (w[2] as char).to_digit(16)) {
                (Some(hi), Some(lo)) => {
                    let v = hi * 16 + lo;
                    v < 0x20 || v == 0x7f
                }
                _ => false,
            }
    })
}

/// Turn any non-problem error response under `/api/` (from axum's own rejections or
/// layers such as the body limit) into problem+json with a Chinese detail, and stamp
/// the request id into every problem.
pub async fn problem_for_api(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/open/");
    let request_id = req
        .extensions()
        .get::<jineng_app::RequestCtx>()
        .map(|c| c.request_id.clone());
    let res = next.run(req).await;
    let status = res.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    // A problem too large to read back (over 1 MiB) is replaced by the generic one, never
    // left without its type and title.
    let parsed = is_problem
        .then(|| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .flatten()
        .filter(|v| v.get("type").is_some());
    let mut value: serde_json::Value = if let Some(v) = parsed {
        v
    } else {
        let detail = match status.as_u16() {
            400 => "请求格式不正确",
            404 => "请求的接口不存在",
            405 => "该接口不支持此请求方法",
            413 => "请求内容过大",
            415 => "请使用 application/json 格式提交",
            422 => "请求内容不符合要求",
            _ => "请求无法处理",
        };
        serde_json::to_value(Problem {
            kind: kind_of(status).to_string(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.to_string(),
            errors: vec![],
            request_id: None,
        })
        .unwrap_or_default()
    };
    if let (Some(id), Some(obj)) = (request_id, value.as_object_mut()) {
        obj.insert("request_id".into(), serde_json::Value::String(id));
    }
    let mut out = (status, axum::Json(value)).into_response();
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    out
}

/// The error page for people.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub message: String,
}

impl ErrorPage {
    pub fn response(status: StatusCode, message: &str) -> Response {
        let page = ErrorPage {
            layout: Layout::anonymous("出错了", String::new()),
            status: status.as_u16(),
            message: message.to_string(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message.to_string()).into_response(),
        }
    }
}
