//! Signing in and out: password form, TOTP step, logout.

use crate::AppState;
use crate::http::error::{PageError, status_of};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{Jar, MaybeSession, cookie};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::accounts::auth::Credentials;
use jineng_app::accounts::captcha::Challenge;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    next: String,
    error: Option<String>,
    demo: Vec<(&'static str, &'static str, &'static str)>,
    lockout: i32,
    /// The picture challenge, once this name or this address has failed a few times.
    captcha: Option<Challenge>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only same-site paths are followed after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn demo_list(s: &AppState) -> Vec<(&'static str, &'static str, &'static str)> {
    if s.demo {
        s.demo_logins
            .iter()
            .map(|a| (a.username, a.password, a.role_label))
            .collect()
    } else {
        vec![]
    }
}

pub async fn login_page(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    Query(q): Query<NextQuery>,
) -> Response {
    if st.view.as_ref().is_some_and(|v| !v.mfa_pending) {
        return Redirect::to("/").into_response();
    }
    LoginPage {
        layout: Layout::anonymous("登录", st.csrf),
        login: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
        demo: demo_list(&s),
        lockout: s.app.security.lockout_threshold,
        captcha: None,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    #[serde(default)]
    captcha_token: String,
    #[serde(default)]
    captcha: String,
}

pub async fn login_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let credentials = Credentials {
        login: &f.login,
        password: &f.password,
        captcha: (!f.captcha_token.is_empty()).then_some((&f.captcha_token, &f.captcha)),
    };
    match s.app.accounts().login(&ctx, credentials).await {
        Ok(issued) => {
            let to = if issued.mfa_pending {
                "/login/totp".to_string()
            } else {
                next
            };
            let mut res = Redirect::to(&to).into_response();
            let c = cookie(Jar::Session, issued.token, s.app.security.secure_cookies);
            if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(
            e @ (AppError::BadCredentials
            | AppError::Locked(_)
            | AppError::TooMany { .. }
            | AppError::Validation(_)),
        ) => {
            let status = status_of(&e);
            let error = match &e {
                AppError::Validation(errs) => errs.first().map(|f| f.message.clone()),
                other => Some(other.to_string()),
            };
            // A new picture whenever one is due: each is good for one try.
            let captcha = match s.app.accounts().needs_captcha(&ctx, &f.login).await {
                Ok(true) => Some(s.app.captcha()),
                Ok(false) => None,
                Err(e) => return PageError(e).into_response(),
            };
            let page = LoginPage {
                layout: Layout::anonymous("登录", st.csrf),
                login: f.login,
                next,
                error,
                demo: demo_list(&s),
                lockout: s.app.security.lockout_threshold,
                captcha,
            };
            let mut res = (status, page).into_response();
            crate::http::error::retry_after(&mut res, &e);
            res
        }
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/totp.html")]
struct TotpPage {
    layout: Layout,
    error: Option<String>,
}

pub async fn totp_page(MaybeSession(st): MaybeSession) -> Response {
    match &st.view {
        Some(v) if v.mfa_pending => TotpPage {
            layout: Layout::anonymous("动态口令验证", st.csrf),
            error: None,
        }
        .into_response(),
        Some(_) => Redirect::to("/").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(token) = st
        .token
        .as_deref()
        .filter(|_| st.view.as_ref().is_some_and(|v| v.mfa_pending))
    else {
        return Redirect::to("/login").into_response();
    };
    match s.app.accounts().totp_login(&ctx, token, &f.code).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(AppError::Validation(errs)) => {
            let msg = errs.first().map(|e| e.message.clone());
            (
                StatusCode::UNAUTHORIZED,
                TotpPage {
                    layout: Layout::anonymous("动态口令验证", st.csrf),
                    error: msg,
                },
            )
                .into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

pub async fn logout(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    MaybeSession(st): MaybeSession,
) -> Response {
    if let Some(t) = &st.token
        && let Err(e) = s.app.accounts().logout(&ctx, t).await
    {
        return PageError(e).into_response();
    }
    let mut res = Redirect::to("/login").into_response();
    let mut c = cookie(Jar::Session, String::new(), s.app.security.secure_cookies);
    c.make_removal();
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
