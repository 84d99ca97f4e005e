//! The occupation classification page: search, walk the tree, and (for those who may)
//! add work types under an occupation.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::catalogue::occupations::{OccupationNode, OccupationView};
use jineng_core::occupations::OccupationRank;
use jineng_core::occupations::SKILL_LEVELS;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "occupations.html")]
pub struct OccupationsPage {
    layout: Layout,
    q: String,
    results: Vec<OccupationView>,
    roots: Vec<OccupationView>,
    node: Option<OccupationNode>,
    may_manage: bool,
    levels: &'static [(i32, &'static str)],
    error: Option<String>,
    notice: bool,
    /// The caller's institution may declare this occupation.
    may_declare: bool,
}

impl OccupationsPage {
    fn level_label(level: &OccupationRank) -> &'static str {
        level.label()
    }
}

#[derive(Deserialize, Default)]
pub struct OccQuery {
    q: Option<String>,
    code: Option<String>,
    added: Option<String>,
}

async fn page(
    s: &AppState,
    u: &PageUser,
    q: &OccQuery,
    error: Option<String>,
) -> Result<OccupationsPage, PageError> {
    let text = q.q.clone().unwrap_or_default();
    let results = s.app.catalogue().search_occupations(&text, 100).await?;
    let node = match q.code.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(s.app.catalogue().occupation_node(c).await?),
        None => None,
    };
    let roots = if node.is_none() && text.trim().is_empty() {
        s.app.catalogue().occupation_roots().await?
    } else {
        vec![]
    };
    Ok(OccupationsPage {
        layout: Layout::new("职业与工种", u, "/occupations"),
        q: text,
        results,
        roots,
        node,
        may_manage: s.app.catalogue().may_manage(&u.principal),
        levels: &SKILL_LEVELS,
        error,
        notice: q.added.is_some(),
        may_declare: u
            .principal
            .can(jineng_core::accounts::Permission::ManageOwnOrganization)
            && u.principal
                .has_role(jineng_core::accounts::Role::InstitutionAdmin),
    })
}

pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<OccQuery>,
) -> Result<OccupationsPage, PageError> {
    page(&s, &u, &q, None).await
}

#[derive(Deserialize, Default)]
pub struct WorkTypeForm {
    #[serde(default)]
    occupation_code: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

pub async fn add_work_type(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<WorkTypeForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .catalogue()
        .add_work_type(&u.principal, &ctx, &f.occupation_code, &f.code, &f.name)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/occupations?code={}&added=1",
            crate::http::session::urlencode(&f.occupation_code)
        ))
        .into_response()),
        Err(AppError::Validation(errs)) => {
            let msg = errs
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；");
            let q = OccQuery {
                code: Some(f.occupation_code),
                ..Default::default()
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&s, &u, &q, Some(msg)).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The occupation page showing an error from an action taken on it.
pub async fn page_with_error(
    s: &AppState,
    u: &PageUser,
    code: &str,
    msg: String,
) -> Result<OccupationsPage, PageError> {
    let q = OccQuery {
        code: Some(code.to_string()),
        ..Default::default()
    };
    page(s, u, &q, Some(msg)).await
}
