//! Learners' side of classes over the API: recruiting classes, applications (报名申请),
//! the learner's own training; and the institution's decisions on applications.

use crate::AppState;
use crate::classes::api::{ClassLearnerOut, ClassOut};
use crate::http::api::{ApiJson, ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::classes::applications::ApplicationView;
use jineng_app::page::PageRequest;
use jineng_core::classes::ApplicationStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ApplicationOut {
    pub id: String,
    pub class_id: String,
    pub class_name: String,
    pub org_name: String,
    pub start_date: String,
    pub user_id: String,
    pub learner_name: String,
    pub status: ApplicationStatus,
    pub status_label: String,
    /// Why the institution did not accept.
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<ApplicationView> for ApplicationOut {
    fn from(a: ApplicationView) -> Self {
        ApplicationOut {
            id: a.id,
            class_id: a.class_id,
            class_name: a.class_name,
            org_name: a.org_name,
            start_date: a.start_date,
            user_id: a.user_id,
            learner_name: a.learner_name,
            status: a.status,
            status_label: a.status_label.into(),
            reason: a.reason,
            created_at: a.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecruitingOut {
    pub class: ClassOut,
    /// The caller's application status label, if they applied.
    pub applied: Option<String>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecruitingQuery {
    /// Class name (substring).
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/classes/recruiting", tag = "training", params(RecruitingQuery),
    responses((status = 200, body = Paged<RecruitingOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn recruiting(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<RecruitingQuery>,
) -> Result<Json<Paged<RecruitingOut>>, ApiError> {
    let p = s
        .app
        .classes()
        .recruiting(
            &who,
            q.q.as_deref(),
            PageRequest::new(q.page, q.per_page, 20),
        )
        .await?;
    Ok(Json(Paged {
        items: p
            .items
            .into_iter()
            .map(|r| RecruitingOut {
                class: r.class.into(),
                applied: r.applied.map(Into::into),
            })
            .collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[utoipa::path(post, path = "/classes/{id}/applications", tag = "training", params(("id" = String, Path)),
    responses((status = 201, body = ApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn apply(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ApplicationOut>), ApiError> {
    let a = s.app.classes().apply(&who, &ctx, &id).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[utoipa::path(get, path = "/classes/{id}/applications", tag = "training", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ApplicationOut>), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn pending(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ApplicationOut>>, ApiError> {
    let rows = s.app.classes().applications(&who, &id).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDecisionIn {
    /// true enrols the learner (all enrolment rules apply); false needs a reason.
    pub accept: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/applications/{id}/decision", tag = "training", params(("id" = String, Path)), request_body = ApplicationDecisionIn,
    responses((status = 200, body = ApplicationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<ApplicationDecisionIn>,
) -> Result<Json<ApplicationOut>, ApiError> {
    Ok(Json(
        s.app
            .classes()
            .decide_application(&who, &ctx, &id, d.accept, &d.reason)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/applications/{id}/withdraw", tag = "training", params(("id" = String, Path)),
    responses((status = 200, body = ApplicationOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn withdraw(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ApplicationOut>, ApiError> {
    Ok(Json(
        s.app.classes().withdraw(&who, &ctx, &id).await?.into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MyClassOut {
    pub class: ClassOut,
    /// The caller's own attendance and result in the class.
    pub me: Option<ClassLearnerOut>,
}

#[derive(Serialize, ToSchema)]
pub struct MyTrainingOut {
    pub classes: Vec<MyClassOut>,
    pub applications: Vec<ApplicationOut>,
}

#[utoipa::path(get, path = "/me/training", tag = "training",
    responses((status = 200, body = MyTrainingOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn mine(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<MyTrainingOut>, ApiError> {
    let t = s.app.classes().my_training(&who).await?;
    Ok(Json(MyTrainingOut {
        classes: t
            .classes
            .into_iter()
            .map(|c| MyClassOut {
                class: c.class.into(),
                me: c.me.map(Into::into),
            })
            .collect(),
        applications: t.applications.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct InvitationOut {
    pub org_id: String,
    pub org_name: String,
    pub org_kind_label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Organisations asking to count the caller among their learners (a bulk import named
/// them); nothing is shared with them until the caller accepts.
#[utoipa::path(get, path = "/me/invitations", tag = "training",
    responses((status = 200, body = Vec<InvitationOut>), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn invitations(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<InvitationOut>>, ApiError> {
    Ok(Json(
        s.app
            .learners()
            .link_requests(&who)
            .await?
            .into_iter()
            .map(|i| InvitationOut {
                org_id: i.org_id,
                org_name: i.org_name,
                org_kind_label: i.org_kind_label.into(),
                created_at: i.created_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationAnswerIn {
    /// `true` to join the organisation's learners, `false` to decline.
    pub accept: bool,
}

#[utoipa::path(post, path = "/me/invitations/{org_id}", tag = "training", params(("org_id" = String, Path)),
    request_body = InvitationAnswerIn,
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn answer_invitation(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(org_id): Path<String>,
    ApiJson(i): ApiJson<InvitationAnswerIn>,
) -> Result<StatusCode, ApiError> {
    s.app
        .learners()
        .answer_link_request(&who, &ctx, &org_id, i.accept)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
