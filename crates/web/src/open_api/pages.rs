//! 开放接口 (`/provider-api`): an admitted provider makes and revokes the keys its course
//! platform signs with (the secret shown once), sets the webhook endpoint, reads the
//! event log and sends an event again, and sees its sales by course.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use jineng_app::AppError;
use jineng_app::open_api::webhooks::{EndpointView, EventView};
use jineng_app::open_api::{KeyView, SalesLine};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use serde::Deserialize;

/// What was just made and is shown this once.
pub enum Shown {
    Key { id: String, secret: String },
    WebhookSecret(String),
}

#[derive(Template, WebTemplate)]
#[template(path = "open_api/index.html")]
pub struct OpenApiPage {
    layout: Layout,
    admitted: bool,
    keys: Vec<KeyView>,
    endpoint: Option<EndpointView>,
    events: Vec<EventView>,
    events_total: u64,
    sales: Vec<SalesLine>,
    shown: Option<Shown>,
    errors: Vec<String>,
}

impl OpenApiPage {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn yuan(fen: &i64) -> String {
        Fen(*fen).to_string()
    }
}

async fn page(
    s: &AppState,
    u: &PageUser,
    shown: Option<Shown>,
    errors: Vec<String>,
) -> Result<OpenApiPage, PageError> {
    let api = s.app.open_api();
    let (keys, admitted) = api.keys(&u.principal).await?;
    let (events, events_total) = api.events(&u.principal, false, 50).await?;
    Ok(OpenApiPage {
        layout: Layout::new("开放接口", u, "/provider-api"),
        admitted,
        keys,
        endpoint: api.endpoint(&u.principal).await?,
        events,
        events_total,
        sales: api.sales(&u.principal).await?,
        shown,
        errors,
    })
}

fn may(u: &PageUser) -> Result<(), PageError> {
    if u.principal.can(Permission::UseOpenApi) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

pub async fn index(State(s): State<AppState>, u: PageUser) -> Result<OpenApiPage, PageError> {
    page(&s, &u, None, vec![]).await
}

/// The page again after a form: what was made, or what to fix.
async fn answer(
    s: &AppState,
    u: &PageUser,
    r: Result<Option<Shown>, AppError>,
) -> Result<Response, PageError> {
    match r {
        Ok(None) => Ok(Redirect::to("/provider-api").into_response()),
        Ok(shown) => Ok(page(s, u, shown, vec![]).await?.into_response()),
        Err(e) => {
            let (status, errs) = crate::http::error::fixable(e)?;
            Ok((status, page(s, u, None, errs).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    ip_allowlist: String,
}

pub async fn create_key(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<KeyForm>,
) -> Result<Response, PageError> {
    may(&u)?;
    let r = s
        .app
        .open_api()
        .create_key(&u.principal, &ctx, &f.name, &f.ip_allowlist)
        .await
        .map(|k| {
            Some(Shown::Key {
                id: k.key.id,
                secret: k.secret,
            })
        });
    answer(&s, &u, r).await
}

pub async fn revoke_key(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    s.app.open_api().revoke_key(&u.principal, &ctx, &id).await?;
    Ok(Redirect::to("/provider-api").into_response())
}

#[derive(Deserialize)]
pub struct WebhookForm {
    #[serde(default)]
    url: String,
    new_secret: Option<String>,
}

pub async fn set_webhook(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<WebhookForm>,
) -> Result<Response, PageError> {
    may(&u)?;
    let r = s
        .app
        .open_api()
        .set_endpoint(&u.principal, &ctx, &f.url, f.new_secret.is_some())
        .await
        .map(|(_, secret)| secret.map(Shown::WebhookSecret));
    answer(&s, &u, r).await
}

pub async fn remove_webhook(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
) -> Result<Response, PageError> {
    s.app.open_api().remove_endpoint(&u.principal, &ctx).await?;
    Ok(Redirect::to("/provider-api").into_response())
}

pub async fn replay(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .open_api()
        .replay(&u.principal, &ctx, &id)
        .await
        .map(|_| None);
    answer(&s, &u, r).await
}
