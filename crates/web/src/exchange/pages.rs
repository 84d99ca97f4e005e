//! 数据交换客户端: the system admin registers the systems that pull shared datasets
//! (which datasets, which region, whole ID numbers or masked), sees the secret once, and
//! revokes a client for good.

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
use jineng_app::exchange::{ClientInput, ClientView};
use jineng_core::RegionCode;
use jineng_core::exchange::Dataset;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "exchange/clients.html")]
pub struct ClientsPage {
    layout: Layout,
    clients: Vec<ClientView>,
    datasets: &'static [Dataset],
    /// (id, secret) of the client just made: shown this once.
    created: Option<(String, String)>,
    errors: Vec<String>,
}

impl ClientsPage {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

async fn page(
    s: &AppState,
    u: &PageUser,
    created: Option<(String, String)>,
    errors: Vec<String>,
) -> Result<ClientsPage, PageError> {
    Ok(ClientsPage {
        layout: Layout::new("数据交换", u, "/admin/exchange"),
        clients: s.app.exchange().clients(&u.principal).await?,
        datasets: Dataset::ALL,
        created,
        errors,
    })
}

pub async fn list(State(s): State<AppState>, u: PageUser) -> Result<ClientsPage, PageError> {
    page(&s, &u, None, vec![]).await
}

#[derive(Deserialize)]
pub struct ClientForm {
    #[serde(default)]
    name: String,
    /// Checkboxes: one `datasets` field per ticked dataset.
    #[serde(default)]
    datasets: Vec<String>,
    #[serde(default)]
    region_code: String,
    full_id_numbers: Option<String>,
}

pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<ClientForm>,
) -> Result<Response, PageError> {
    let region = match f.region_code.trim() {
        "" => Ok(None),
        r => RegionCode::parse(r).map(Some).map_err(|e| e.to_string()),
    };
    let result = match region {
        Ok(region) => {
            let input = ClientInput {
                name: f.name,
                datasets: f
                    .datasets
                    .iter()
                    .filter_map(|d| Dataset::parse(d))
                    .collect(),
                region,
                full_id_numbers: f.full_id_numbers.is_some(),
            };
            s.app
                .exchange()
                .create_client(&u.principal, &ctx, input)
                .await
        }
        Err(m) => Err(jineng_app::AppError::field("region_code", m)),
    };
    match result {
        Ok(created) => Ok(page(&s, &u, Some(created), vec![]).await?.into_response()),
        Err(e) => {
            let (status, errs) = crate::http::error::fixable(e)?;
            Ok((status, page(&s, &u, None, errs).await?).into_response())
        }
    }
}

pub async fn revoke(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    s.app
        .exchange()
        .revoke_client(&u.principal, &ctx, &id)
        .await?;
    Ok(Redirect::to("/admin/exchange").into_response())
}
