//! One's own account: profile, password change, TOTP enrolment, API tokens.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::accounts::tokens::TokenView;
use jineng_app::accounts::users::UserView;
use jineng_core::accounts::TokenScope;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "account/profile.html")]
pub struct ProfilePage {
    layout: Layout,
    me: UserView,
    may_totp: bool,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    error: Option<String>,
}

impl ProfilePage {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

async fn profile_page(
    s: &AppState,
    u: &PageUser,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<ProfilePage, PageError> {
    let me = s
        .app
        .accounts()
        .get_user(&u.principal, &u.principal.user_id)
        .await?;
    let tokens = s.app.accounts().list_tokens(&u.principal).await?;
    let may_totp = u.principal.grants.iter().any(|g| g.role.may_use_totp());
    Ok(ProfilePage {
        layout: Layout::new("个人中心", u, "/account"),
        me,
        may_totp,
        tokens,
        new_token,
        error,
    })
}

pub async fn profile(State(s): State<AppState>, u: PageUser) -> Result<ProfilePage, PageError> {
    profile_page(&s, &u, None, None).await
}

#[derive(Template, WebTemplate)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    layout: Layout,
    forced: bool,
    errors: Vec<jineng_app::FieldError>,
    done: bool,
}

pub async fn password_page(u: PageUser) -> PasswordPage {
    PasswordPage {
        forced: u.view.must_change_password,
        layout: Layout::new("修改密码", &u, "/account"),
        errors: vec![],
        done: false,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn password_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<PasswordForm>,
) -> Response {
    let r = s
        .app
        .accounts()
        .change_password(
            &u.principal,
            &ctx,
            Some(&u.token),
            &f.old_password,
            &f.new_password,
            &f.confirm_password,
        )
        .await;
    let layout = Layout::new("修改密码", &u, "/account");
    match r {
        Ok(()) => PasswordPage {
            layout,
            forced: false,
            errors: vec![],
            done: true,
        }
        .into_response(),
        Err(AppError::Validation(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            PasswordPage {
                layout,
                forced: u.view.must_change_password,
                errors,
                done: false,
            },
        )
            .into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account/totp.html")]
pub struct TotpSetupPage {
    layout: Layout,
    enabled: bool,
    required: bool,
    secret: String,
    qr_svg: String,
    error: Option<String>,
    /// A secret has been handed out (show it, and the form for the code).
    started: bool,
}

fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build(),
        Err(_) => String::new(),
    }
}

/// The enrolment page only reads: the secret is made by `totp_start` (a POST), so
/// loading or prefetching the page changes nothing.
pub async fn totp_page(State(s): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let layout = Layout::new("动态口令", &u, "/account");
    let setup = if u.view.totp_enabled {
        None
    } else {
        s.app.accounts().totp_pending(&u.principal).await?
    };
    Ok(TotpSetupPage {
        layout,
        enabled: u.view.totp_enabled,
        required: u.view.must_enroll_totp,
        started: setup.is_some(),
        qr_svg: setup.as_ref().map(|t| qr_svg(&t.url)).unwrap_or_default(),
        secret: setup.map(|t| t.secret).unwrap_or_default(),
        error: None,
    }
    .into_response())
}

/// Make the secret to scan (once; later calls show the same one).
pub async fn totp_start(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
) -> Result<Redirect, PageError> {
    s.app.accounts().totp_begin(&u.principal, &ctx).await?;
    Ok(Redirect::to("/account/totp"))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<CodeForm>,
) -> Response {
    match s
        .app
        .accounts()
        .totp_confirm(&u.principal, &ctx, &f.code)
        .await
    {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(AppError::Validation(errs)) => {
            // Show the same secret again so the person can retry with their app.
            let layout = Layout::new("动态口令", &u, "/account");
            let msg = errs.first().map(|e| e.message.clone());
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                TotpSetupPage {
                    layout,
                    enabled: false,
                    required: u.view.must_enroll_totp,
                    secret: String::new(),
                    qr_svg: String::new(),
                    error: msg,
                    started: true,
                },
            )
                .into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    days: Option<String>,
    scope: Option<String>,
}

pub async fn token_create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let days = match f.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    profile_page(&s, &u, None, Some("有效天数应为整数".into())).await?,
                )
                    .into_response());
            }
        },
    };
    // Read-only unless asked otherwise.
    let scope = match f.scope.as_deref() {
        None | Some("") => TokenScope::Read,
        Some(c) => match TokenScope::parse(c) {
            Some(sc) => sc,
            None => {
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    profile_page(&s, &u, None, Some("请选择令牌权限".into())).await?,
                )
                    .into_response());
            }
        },
    };
    match s
        .app
        .accounts()
        .create_token(&u.principal, &ctx, &f.name, days, scope)
        .await
    {
        Ok((_, plain)) => Ok(profile_page(&s, &u, Some(plain), None)
            .await?
            .into_response()),
        Err(AppError::Validation(errs)) => {
            let msg = errs.first().map(|e| e.message.clone());
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                profile_page(&s, &u, None, msg).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn token_revoke(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Redirect, PageError> {
    s.app
        .accounts()
        .revoke_token(&u.principal, &ctx, &id)
        .await?;
    Ok(Redirect::to("/account"))
}
