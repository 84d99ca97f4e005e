//! Browser sessions and CSRF. The middleware resolves the session cookie once per request
//! and checks the CSRF token of every state-changing page request, in one place:
//! the token comes from the `_csrf` form field or the `X-CSRF-Token` header (htmx),
//! and must equal the session's token (or, before sign-in, the CSRF cookie's).

use crate::AppState;
use crate::http::error::ErrorPage;
use crate::http::layout::Layout;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use jineng_app::accounts::auth::SessionView;
use jineng_app::{AppError, Principal};
use subtle::ConstantTimeEq;

pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What the middleware found, for handlers and templates.
#[derive(Clone)]
pub struct SessionState {
    pub token: Option<String>,
    pub view: Option<SessionView>,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
}

/// The platform's cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jar {
    /// The session token (SameSite=Lax, so a link from elsewhere lands signed in).
    Session,
    /// The CSRF token before sign-in (SameSite=Strict).
    Csrf,
    /// A random id of the browser, kept across sign-ins (SameSite=Lax, 400 days): a QR
    /// sign-in counts for one learner per device and session.
    Device,
    /// Set after a write while lists may read from a replica (SameSite=Lax, as many
    /// seconds as the replica may lag): while it lives, this browser reads from the
    /// primary and sees what it just did (`http::replica`).
    Wrote,
}

impl Jar {
    /// Served over TLS the names carry the `__Host-` prefix: the browser then insists on
    /// Secure, `Path=/` and no `Domain`, so a sibling subdomain cannot plant or shadow
    /// them. (Plain-HTTP embedded mode cannot use the prefix: browsers refuse it there.)
    pub fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (Jar::Session, true) => "__Host-jn_session",
            (Jar::Session, false) => "jn_session",
            (Jar::Csrf, true) => "__Host-jn_csrf",
            (Jar::Csrf, false) => "jn_csrf",
            (Jar::Device, true) => "__Host-jn_device",
            (Jar::Device, false) => "jn_device",
            (Jar::Wrote, true) => "__Host-jn_wrote",
            (Jar::Wrote, false) => "jn_wrote",
        }
    }
}

pub fn cookie(kind: Jar, value: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(kind.name(secure), value);
    c.set_http_only(true);
    c.set_same_site(match kind {
        Jar::Session | Jar::Device | Jar::Wrote => SameSite::Lax,
        Jar::Csrf => SameSite::Strict,
    });
    if kind == Jar::Device {
        c.set_max_age(cookie::time::Duration::days(400));
    }
    c.set_path("/");
    c.set_secure(secure);
    c
}

pub(crate) fn append_cookie(res: &mut Response, c: &Cookie<'_>) {
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(crate) fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn load_session(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/")
        || path.starts_with("/assets/")
        || path == "/healthz"
        || path == "/readyz"
    {
        return next.run(req).await;
    }
    let jar = CookieJar::from_headers(req.headers());
    let secure = s.app.security.secure_cookies;
    let token = jar
        .get(Jar::Session.name(secure))
        .map(|c| c.value().to_string());
    let mut clear_session = false;
    let view = match &token {
        Some(t) => match s.app.accounts().session(t).await {
            Ok(v) => Some(v),
            Err(AppError::Unauthenticated) => {
                clear_session = true;
                None
            }
            Err(e) => return crate::http::error::PageError(e).into_response(),
        },
        None => None,
    };
    let cookie_csrf = jar
        .get(Jar::Csrf.name(secure))
        .map(|c| c.value().to_string());
    let mut new_csrf_cookie = None;
    let csrf = match (&view, &cookie_csrf) {
        (Some(v), _) => v.csrf.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => {
            let t = jineng_app::crypto::random_token();
            new_csrf_cookie = Some(t.clone());
            t
        }
    };

    let req = if is_unsafe(req.method()) {
        match check_csrf(req, &csrf).await {
            Ok(req) => req,
            Err(res) => return res,
        }
    } else {
        req
    };

    let mut req = req;
    req.extensions_mut().insert(SessionState {
        token: token.clone(),
        view,
        csrf,
    });
    let mut res = next.run(req).await;
    if let Some(t) = new_csrf_cookie {
        append_cookie(&mut res, &cookie(Jar::Csrf, t, secure));
    }
    if clear_session && !res.headers().contains_key(header::SET_COOKIE) {
        let mut c = cookie(Jar::Session, String::new(), secure);
        c.make_removal();
        append_cookie(&mut res, &c);
    }
    res
}

async fn check_csrf(req: Request, expected: &str) -> Result<Request, Response> {
    let refuse = || {
        ErrorPage::response(
            StatusCode::FORBIDDEN,
            "页面已过期或请求来源不明，请刷新页面后重试",
        )
    };
    if let Some(h) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if h.as_bytes().ct_eq(expected.as_bytes()).into() {
            Ok(req)
        } else {
            Err(refuse())
        };
    }
    // File uploads (multipart) carry the token in the form's action URL.
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let given = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v)
            })
            .unwrap_or_default();
        return if !given.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            Ok(req)
        } else {
            Err(refuse())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse());
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return Err(ErrorPage::response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "提交的内容过大",
            ));
        }
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let given = pairs
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if given.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(refuse());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A signed-in person on a page. Rejects with a redirect to the step they still owe:
/// signing in, the TOTP code, a forced password change or TOTP enrolment.
pub struct PageUser {
    pub principal: Principal,
    pub view: SessionView,
    pub token: String,
    pub csrf: String,
}

fn redirect(parts: &Parts, to: &str) -> Response {
    if parts.headers.contains_key("hx-request") {
        let mut res = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            res.headers_mut().insert("hx-redirect", v);
        }
        res
    } else {
        Redirect::to(to).into_response()
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let st = parts.extensions.get::<SessionState>().cloned();
        let path = parts.uri.path();
        let Some(SessionState {
            token: Some(token),
            view: Some(view),
            csrf,
        }) = st
        else {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let to = if next == "/" {
                "/login".to_string()
            } else {
                format!("/login?next={}", urlencode(next))
            };
            return Err(redirect(parts, &to));
        };
        if view.mfa_pending {
            return Err(redirect(parts, "/login/totp"));
        }
        if view.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(redirect(parts, "/account/password"));
        }
        if view.must_enroll_totp
            && !path.starts_with("/account/totp")
            && path != "/logout"
            && path != "/account/password"
        {
            return Err(redirect(parts, "/account/totp"));
        }
        Ok(PageUser {
            principal: view.principal.clone(),
            view,
            token,
            csrf,
        })
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|x| x.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// The session state, signed in or not (login pages use it for the CSRF token).
pub struct MaybeSession(pub SessionState);

impl<S: Send + Sync> FromRequestParts<S> for MaybeSession {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SessionState>()
            .cloned()
            .map(MaybeSession)
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl Layout {
    /// The frame for the signed-in person of this request.
    pub fn new(title: impl Into<String>, u: &PageUser, active: &str) -> Self {
        Layout::for_principal(title, &u.principal, u.csrf.clone(), active)
    }

    /// The frame of a public page: with the navigation when someone fully signed in
    /// looks at it, without it otherwise.
    pub fn public(title: impl Into<String>, st: &SessionState, active: &str) -> Self {
        match &st.view {
            Some(v) if !v.mfa_pending && !v.must_change_password && !v.must_enroll_totp => {
                Layout::for_principal(title, &v.principal, st.csrf.clone(), active)
            }
            _ => Layout::anonymous(title, st.csrf.clone()),
        }
    }
}
