//! 我的培训: a learner's classes with their own attendance and result, their applications,
//! and the classes still recruiting that they may apply to. Phone first: cards, no wide
//! tables. The institution's decisions on applications live on the class page.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use jineng_app::classes::applications::{MyTraining, RecruitingClass};
use jineng_app::learners::links::LinkRequestView;
use jineng_app::page::PageRequest;
use jineng_core::classes::{ApplicationStatus, ClassStatus};
use jineng_core::completion::Outcome;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct TrainingQuery {
    #[serde(default)]
    q: String,
    page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "training/mine.html")]
pub struct TrainingPage {
    layout: Layout,
    mine: MyTraining,
    /// Organisations asking to count the learner among theirs.
    invitations: Vec<LinkRequestView>,
    open: Vec<RecruitingClass>,
    /// Published offline assessment results, by class.
    assessments: Vec<jineng_app::assessment::MyAssessment>,
    q: String,
    page: u64,
    pages: u64,
    error: Option<String>,
}

async fn page(
    s: &AppState,
    u: &PageUser,
    q: &TrainingQuery,
    error: Option<String>,
) -> Result<TrainingPage, PageError> {
    let mine = s.app.classes().my_training(&u.principal).await?;
    let invitations = s.app.learners().link_requests(&u.principal).await?;
    let assessments = s.app.assessment().mine(&u.principal).await?;
    let p = s
        .app
        .classes()
        .recruiting(&u.principal, Some(&q.q), PageRequest::new(q.page, None, 10))
        .await?;
    Ok(TrainingPage {
        layout: Layout::new("我的培训", u, "/training"),
        mine,
        invitations,
        assessments,
        pages: p.total.div_ceil(p.per_page).max(1),
        page: p.page,
        open: p.items,
        q: q.q.clone(),
        error,
    })
}

pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<TrainingQuery>,
) -> Result<TrainingPage, PageError> {
    page(&s, &u, &q, None).await
}

pub async fn apply(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.classes().apply(&u.principal, &ctx, &id).await {
        Ok(_) => Ok(Redirect::to("/training").into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, page(&s, &u, &Default::default(), Some(msg)).await?).into_response())
        }
    }
}

pub async fn withdraw(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.classes().withdraw(&u.principal, &ctx, &id).await {
        Ok(_) => Ok(Redirect::to("/training").into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, page(&s, &u, &Default::default(), Some(msg)).await?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct InvitationForm {
    #[serde(default)]
    answer: String,
}

/// The learner accepts or declines an organisation's request to count them as its learner.
pub async fn answer_invitation(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(org_id): Path<String>,
    Form(f): Form<InvitationForm>,
) -> Result<Response, PageError> {
    let accept = match f.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            let msg = Some("请选择同意或拒绝".to_string());
            return Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                page(&s, &u, &Default::default(), msg).await?,
            )
                .into_response());
        }
    };
    s.app
        .learners()
        .answer_link_request(&u.principal, &ctx, &org_id, accept)
        .await?;
    Ok(Redirect::to("/training").into_response())
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// The institution accepts or rejects an application from the class page.
pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let accept = f.decision == "accept";
    match s
        .app
        .classes()
        .decide_application(&u.principal, &ctx, &id, accept, &f.reason)
        .await
    {
        Ok(a) => Ok(Redirect::to(&format!("/classes/{}", a.class_id)).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            // Only reached for an application the caller may decide (others are 404).
            let class_id = s
                .app
                .classes()
                .application(&u.principal, &id)
                .await?
                .class_id;
            Ok(crate::classes::pages::detail_with_error(&s, &u, &class_id, status, msg).await)
        }
    }
}
