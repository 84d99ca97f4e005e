//! API extractors: JSON bodies whose every rejection becomes problem+json in Chinese,
//! and the bearer-token caller.

use crate::AppState;
use crate::http::error::{ApiError, problem};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use jineng_app::{AppError, FieldError, Principal};
use jineng_core::accounts::TokenScope;
use serde::de::DeserializeOwned;

/// A JSON body. Unknown fields are refused by the target types (`deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

fn field_of(msg: &str) -> String {
    // serde_json says e.g. "unknown field `foo`, expected …" or "missing field `bar`".
    msg.split('`').nth(1).unwrap_or("").to_string()
}

/// The field a body error is about, with its path ("org.name", "roles[0].role"): axum
/// reports data errors as "…target type: <path>: <serde message>", the path "." for the
/// top level. The path already ends with an unknown field or a wrongly typed one; a
/// missing field is named inside it.
fn field_in(text: &str) -> String {
    let rest = text.split_once("target type: ").map_or(text, |(_, r)| r);
    let (path, msg) = match rest.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (p, m),
        _ => (".", rest),
    };
    let path = if path == "." { "" } else { path };
    let join = |name: &str| match (path, name) {
        ("", n) => n.to_string(),
        (p, "") => p.to_string(),
        (p, n) => format!("{p}.{n}"),
    };
    if msg.contains("missing field") {
        join(&field_of(msg))
    } else if path.is_empty() && msg.contains("unknown field") {
        field_of(msg)
    } else {
        path.to_string()
    }
}

fn explain(msg: &str) -> String {
    if msg.contains("unknown field") {
        format!("不支持的字段：{}", field_of(msg))
    } else if msg.contains("missing field") {
        format!("缺少必填字段：{}", field_of(msg))
    } else if msg.contains("invalid type: null") {
        "该字段不能为空（null）".to_string()
    } else if msg.contains("invalid type") {
        "字段类型不正确".to_string()
    } else if msg.contains("unknown variant") {
        format!("取值不在允许范围内：{}", field_of(msg))
    } else {
        "请求内容不符合要求".to_string()
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "请使用 application/json 格式提交",
                vec![],
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(problem(
                StatusCode::BAD_REQUEST,
                "JSON 格式错误，无法解析",
                vec![],
            )),
            Err(JsonRejection::JsonDataError(e)) => {
                let text = e.body_text();
                let field = field_in(&text);
                let msg = if field.is_empty() {
                    explain(&text)
                } else {
                    format!("{field}：{}", explain(&text))
                };
                Err(problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    msg.clone(),
                    vec![FieldError::new(&field, msg)],
                ))
            }
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(problem(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "请求内容过大",
                    vec![],
                ))
            }
            Err(e) => Err(problem(e.status(), "请求内容无法读取", vec![])),
        }
    }
}

/// Query strings with the same Chinese rejections.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(problem(
                StatusCode::BAD_REQUEST,
                format!("查询参数有误：{}", explain(&e.body_text())),
                vec![],
            )),
            Err(e) => Err(problem(e.status(), "查询参数有误", vec![])),
        }
    }
}

/// The machine client behind `Authorization: Bearer …`, or a course platform whose
/// open-API request was signed with its provider's key (see `crate::open_api::gateway`).
pub struct Caller(pub Principal);

/// Put in a request's extensions by the open-API gateway once the signature holds: the
/// provider the key acts as. Nothing a client sends can set it.
#[derive(Clone)]
pub struct KeyCaller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(KeyCaller(p)) = parts.extensions.get::<KeyCaller>() {
            return Ok(Caller(p.clone()));
        }
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let Some(token) = token else {
            return Err(problem(
                StatusCode::UNAUTHORIZED,
                "缺少访问令牌，请在 Authorization 请求头中提供 Bearer 令牌",
                vec![],
            ));
        };
        match s.app.accounts().authenticate_token(token).await {
            Ok(c)
                if c.scope == TokenScope::Read
                    && !matches!(parts.method, Method::GET | Method::HEAD) =>
            {
                Err(problem(
                    StatusCode::FORBIDDEN,
                    "只读令牌只能查询，不能修改数据",
                    vec![],
                ))
            }
            Ok(c) => Ok(Caller(c.principal)),
            Err(AppError::Unauthenticated) => Err(problem(
                StatusCode::UNAUTHORIZED,
                "访问令牌无效、已过期或已撤销",
                vec![],
            )),
            Err(e) => Err(ApiError(e).into_response()),
        }
    }
}

/// One page of a list, as every list operation of the API answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Rows in the whole list.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
    pub per_page: u64,
}

#[cfg(test)]
mod tests {
    use super::field_in;

    #[test]
    fn errors_name_the_field_not_the_value() {
        let t = "Failed to deserialize the JSON body into the target type: subsidy_yuan: invalid type: integer `1`, expected a string at line 1 column 17";
        assert_eq!(field_in(t), "subsidy_yuan");
        let t = "Failed to deserialize the JSON body into the target type: name: invalid type: null, expected a string at line 1 column 12";
        assert_eq!(field_in(t), "name");
        let t = "Failed to deserialize the JSON body into the target type: org.foo: unknown field `foo`, expected one of `kind`, `name` at line 1 column 20";
        assert_eq!(field_in(t), "org.foo");
        let t = "Failed to deserialize the JSON body into the target type: missing field `code` at line 1 column 2";
        assert_eq!(field_in(t), "code");
        let t = "Failed to deserialize the JSON body into the target type: roles[0].role: unknown variant `x`, expected `learner` at line 1 column 30";
        assert_eq!(field_in(t), "roles[0].role");
    }
}
