//! Attendance pages: sessions of a class, the rotating sign-in QR code (refreshed by
//! htmx), learners' check-in, and staff marking.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{Jar, PageUser, cookie};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use jineng_app::AppError;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct SessionForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    topic: String,
}

pub async fn add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(class_id): Path<String>,
    Form(f): Form<SessionForm>,
) -> Result<Response, PageError> {
    let result = match chrono::NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d") {
        Ok(date) => {
            let i = jineng_app::attendance::SessionInput {
                date,
                starts: f.starts.clone(),
                ends: f.ends.clone(),
                topic: f.topic.clone(),
            };
            s.app
                .attendance()
                .add_session(&u.principal, &ctx, &class_id, &i)
                .await
                .map(|_| ())
        }
        Err(_) => Err(AppError::field("date", "日期格式应为 年-月-日")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{class_id}")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok(crate::classes::pages::detail_with_error(&s, &u, &class_id, status, msg).await)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "attendance/qr.html")]
pub struct QrPage {
    layout: Layout,
    heading: jineng_app::attendance::SessionHeading,
    session_id: String,
    svg: String,
    seconds: i64,
    link: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "attendance/qr_card.html")]
pub struct QrCard {
    session_id: String,
    svg: String,
    seconds: i64,
    link: String,
}

pub async fn qr(
    State(s): State<AppState>,
    u: PageUser,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> Result<Response, PageError> {
    let (token, seconds) = match s.app.attendance().qr(&u.principal, &session_id).await {
        Ok(t) => t,
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            return Ok(crate::http::error::ErrorPage::response(status, &msg));
        }
    };
    // The code must be scannable from a phone: an absolute address on this host.
    let origin = crate::http::request::origin(&headers, s.app.security.secure_cookies);
    let link = format!("{origin}/checkin/{session_id}?t={token}");
    let svg = qrcode::QrCode::new(link.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(280, 280)
                .build()
        })
        .unwrap_or_default();
    if headers.contains_key("hx-request") {
        return Ok(QrCard {
            session_id,
            svg,
            seconds,
            link,
        }
        .into_response());
    }
    let heading = s
        .app
        .attendance()
        .heading(&u.principal, &session_id)
        .await?;
    Ok(QrPage {
        layout: Layout::new("签到二维码", &u, "/classes"),
        heading,
        session_id,
        svg,
        seconds,
        link,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "attendance/checkin.html")]
pub struct CheckinPage {
    layout: Layout,
    session_id: String,
    token: String,
    done: Option<String>,
    error: Option<String>,
}

/// The browser's device id, made and set now if it has none.
pub(crate) fn device_cookie(s: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let secure = s.app.security.secure_cookies;
    let name = Jar::Device.name(secure);
    match jar.get(name).map(|c| c.value().to_string()) {
        Some(v) if v.len() == 43 => (jar, v),
        _ => {
            let v = jineng_app::crypto::random_token();
            (jar.add(cookie(Jar::Device, v.clone(), secure)), v)
        }
    }
}

pub async fn checkin_form(
    State(s): State<AppState>,
    jar: CookieJar,
    u: PageUser,
    Path(session_id): Path<String>,
    Query(q): Query<TokenQuery>,
) -> (CookieJar, CheckinPage) {
    let (jar, _) = device_cookie(&s, jar);
    (
        jar,
        CheckinPage {
            layout: Layout::new("签到", &u, "/"),
            session_id,
            token: q.t,
            done: None,
            error: None,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct CheckinForm {
    #[serde(default)]
    t: String,
    /// Filled in by the page from the browser's geolocation, when it is allowed.
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    acc: String,
}

impl CheckinForm {
    fn location(&self) -> Result<Option<jineng_core::classes::GeoPoint>, AppError> {
        let num = |v: &str| -> Result<Option<f64>, AppError> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse()
                .map(Some)
                .map_err(|_| AppError::field("location", "位置信息不正确"))
        };
        jineng_app::attendance::parse_location(num(&self.lat)?, num(&self.lng)?, num(&self.acc)?)
    }
}

pub async fn checkin(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    jar: CookieJar,
    u: PageUser,
    Path(session_id): Path<String>,
    Form(f): Form<CheckinForm>,
) -> Result<Response, PageError> {
    // The browser, not the sign-in: a classmate signing in on the same phone is the
    // same device.
    let (jar, browser) = device_cookie(&s, jar);
    let device = jineng_app::attendance::device_id(&browser);
    let attempt = match f.location() {
        Ok(location) => {
            let input = jineng_app::attendance::CheckIn {
                token: &f.t,
                device: &device,
                location,
            };
            s.app
                .attendance()
                .check_in(&u.principal, &ctx, &session_id, &input)
                .await
        }
        Err(e) => Err(e),
    };
    match attempt {
        Ok(name) => Ok((
            jar,
            CheckinPage {
                layout: Layout::new("签到", &u, "/"),
                session_id,
                token: String::new(),
                done: Some(format!("签到成功：{name}")),
                error: None,
            },
        )
            .into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((
                status,
                jar,
                CheckinPage {
                    layout: Layout::new("签到", &u, "/"),
                    session_id,
                    token: f.t,
                    done: None,
                    error: Some(msg),
                },
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "attendance/session.html")]
pub struct SessionPage {
    layout: Layout,
    class_id: String,
    title: String,
    rows: Vec<jineng_app::attendance::AttendanceRow>,
    may_mark: bool,
    error: Option<String>,
}

async fn session_page(
    s: &AppState,
    u: &PageUser,
    session_id: &str,
    error: Option<String>,
) -> Result<SessionPage, PageError> {
    let sheet = s.app.attendance().sheet(&u.principal, session_id).await?;
    let sess = sheet.session;
    Ok(SessionPage {
        layout: Layout::new("考勤", u, "/classes"),
        title: format!(
            "{} · {} {}-{} · {}",
            sheet.class_name, sess.date, sess.starts, sess.ends, sess.topic
        ),
        class_id: sess.class_id,
        rows: sheet.rows,
        may_mark: sheet.may_mark,
        error,
    })
}

pub async fn session(
    State(s): State<AppState>,
    u: PageUser,
    Path(session_id): Path<String>,
) -> Result<SessionPage, PageError> {
    session_page(&s, &u, &session_id, None).await
}

#[derive(Deserialize, Default)]
pub struct MarkForm {
    #[serde(default)]
    learner: Vec<String>,
}

pub async fn mark(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(session_id): Path<String>,
    Form(f): Form<MarkForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .attendance()
        .mark(&u.principal, &ctx, &session_id, &f.learner)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/sessions/{session_id}")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, session_page(&s, &u, &session_id, Some(msg)).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "attendance/teaching.html")]
pub struct TeachingPage {
    layout: Layout,
    teaching: jineng_app::attendance::Teaching,
    qualifications: Vec<jineng_app::certificates::CertificateView>,
}

/// A teacher's classes and their sessions, and their qualification certificates.
pub async fn teaching(State(s): State<AppState>, u: PageUser) -> Result<TeachingPage, PageError> {
    let teaching = s.app.attendance().teaching(&u.principal).await?;
    let qualifications = s.app.qualifications().mine(&u.principal).await?;
    Ok(TeachingPage {
        layout: Layout::new("我的授课", &u, "/teaching"),
        teaching,
        qualifications,
    })
}
