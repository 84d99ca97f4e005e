//! `/api/v1/course-reviews`, `/api/v1/experts`, `/api/v1/expert-groups`,
//! `/api/v1/course-flows`: the reviewer's queue and decisions, the expert pool and the
//! review flow per course type.

use crate::AppState;
use crate::courses::api::{PackageOut, VersionOut};
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jineng_app::AppError;
use jineng_app::courses::experts::{ExpertInput, ExpertView, FlowView, GroupInput, GroupView};
use jineng_app::courses::review::{QueueItem, ReviewInput, ReviewItem, ReviewRecordView};
use jineng_core::CreditCode;
use jineng_core::courses::{CourseType, ReviewDecision, ReviewStep};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct QueueOut {
    pub version_id: String,
    pub package_id: String,
    pub name: String,
    pub org_name: String,
    pub number: i32,
    pub level: i32,
    pub levels: i32,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<QueueItem> for QueueOut {
    fn from(q: QueueItem) -> Self {
        QueueOut {
            version_id: q.version_id,
            package_id: q.package_id,
            name: q.name,
            org_name: q.org_name,
            number: q.number,
            level: q.level,
            levels: q.levels,
            submitted_at: q.submitted_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewRecordOut {
    pub round: i32,
    pub level: i32,
    pub step: ReviewStep,
    pub reviewer_name: String,
    pub decision: ReviewDecision,
    pub comments: String,
    pub checklist: Vec<String>,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

impl From<ReviewRecordView> for ReviewRecordOut {
    fn from(r: ReviewRecordView) -> Self {
        ReviewRecordOut {
            round: r.round,
            level: r.level,
            step: r.step,
            reviewer_name: r.reviewer_name,
            decision: r.decision,
            comments: r.comments,
            checklist: r.checklist,
            decided_at: r.decided_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewItemOut {
    pub package: PackageOut,
    pub version: VersionOut,
    /// The step of the level it waits at; null when not in review.
    pub step: Option<ReviewStep>,
    /// Whether the caller may decide that level now.
    pub may_decide: bool,
    pub history: Vec<ReviewRecordOut>,
    /// The items to tick before passing.
    pub checklist: Vec<String>,
}

impl From<ReviewItem> for ReviewItemOut {
    fn from(r: ReviewItem) -> Self {
        ReviewItemOut {
            package: r.package.into(),
            version: r.version.into(),
            step: r.step,
            may_decide: r.may_decide,
            history: r.history.into_iter().map(Into::into).collect(),
            checklist: jineng_core::courses::REVIEW_CHECKLIST
                .iter()
                .map(|c| c.to_string())
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/course-reviews", tag = "courses",
    responses((status = 200, body = Vec<QueueOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn queue(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<QueueOut>>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .review_queue(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/course-reviews/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = ReviewItemOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn item(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ReviewItemOut>, ApiError> {
    Ok(Json(s.app.courses().review_item(&who, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    pub decision: ReviewDecision,
    /// Required when returning.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comments: String,
    /// The checklist items ticked (all of them to pass).
    #[serde(default)]
    pub checklist: Vec<String>,
    /// The review level the decision is for (as shown): if another reviewer has just
    /// decided it, 409 instead of deciding the next level.
    #[serde(default)]
    pub level: Option<i32>,
}

#[utoipa::path(post, path = "/course-reviews/{id}", tag = "courses", params(("id" = String, Path)), request_body = ReviewIn,
    responses((status = 200, body = ReviewItemOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReviewIn>,
) -> Result<Json<ReviewItemOut>, ApiError> {
    let item = s
        .app
        .courses()
        .review(
            &who,
            &ctx,
            &id,
            ReviewInput {
                decision: r.decision,
                comments: r.comments,
                checklist: r.checklist,
                level: r.level,
            },
        )
        .await?;
    Ok(Json(item.into()))
}

#[utoipa::path(get, path = "/courses/{id}/reviews", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ReviewRecordOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn package_reviews(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ReviewRecordOut>>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .package_reviews(&who, &id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ExpertOut {
    pub id: String,
    pub username: String,
    pub name: String,
    pub unit_name: String,
    pub unit_credit_code: String,
    pub title: String,
    pub position: String,
    /// Occupation major categories, comma-separated.
    pub specialities: String,
    pub group_id: String,
    pub group_name: String,
    pub is_leader: bool,
}

impl From<ExpertView> for ExpertOut {
    fn from(x: ExpertView) -> Self {
        ExpertOut {
            id: x.id,
            username: x.username,
            name: x.name,
            unit_name: x.unit_name,
            unit_credit_code: x.unit_credit_code,
            title: x.title,
            position: x.position,
            specialities: x.specialities,
            group_id: x.group_id,
            group_name: x.group_name,
            is_leader: x.is_leader,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ExpertIn {
    /// The expert's account (holding the expert or expert-leader role).
    #[schema(value_type = crate::http::schema::Username)]
    pub username: String,
    #[schema(min_length = 2, max_length = 100)]
    pub unit_name: String,
    /// The unit's credit code, used to keep its own courses away from the expert.
    #[serde(default)]
    pub unit_credit_code: String,
    #[serde(default)]
    #[schema(max_length = 50)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 50)]
    pub position: String,
    /// Occupation major categories "1"–"8".
    #[serde(default)]
    pub specialities: Vec<String>,
    pub group_id: Option<String>,
}

pub fn parse_expert(i: ExpertIn) -> Result<ExpertInput, AppError> {
    let code = i.unit_credit_code.trim();
    let unit_credit_code = if code.is_empty() {
        None
    } else {
        Some(
            CreditCode::parse(code)
                .map_err(|e| AppError::field("unit_credit_code", e.to_string()))?,
        )
    };
    Ok(ExpertInput {
        username: i.username,
        unit_name: i.unit_name,
        unit_credit_code,
        title: i.title,
        position: i.position,
        specialities: i
            .specialities
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        group_id: i.group_id.filter(|g| !g.trim().is_empty()),
    })
}

#[utoipa::path(get, path = "/experts", tag = "courses",
    responses((status = 200, body = Vec<ExpertOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn experts(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<ExpertOut>>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .experts(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/experts", tag = "courses", request_body = ExpertIn,
    responses((status = 201, body = ExpertOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(i): ApiJson<ExpertIn>,
) -> Result<(StatusCode, Json<ExpertOut>), ApiError> {
    let x = s
        .app
        .courses()
        .add_expert(&who, &ctx, parse_expert(i)?)
        .await?;
    Ok((StatusCode::CREATED, Json(x.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    /// The group; null or empty to take the expert out of every group.
    pub group_id: Option<String>,
}

#[utoipa::path(put, path = "/experts/{id}/group", tag = "courses", params(("id" = String, Path)), request_body = AssignIn,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn assign(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AssignIn>,
) -> Result<StatusCode, ApiError> {
    let g = a
        .group_id
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    s.app.courses().assign_expert(&who, &ctx, &id, g).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct GroupOut {
    pub id: String,
    pub name: String,
    pub leader_id: String,
    pub leader_name: String,
    /// Occupation major categories covered, comma-separated; empty: all.
    pub categories: String,
    /// Course types covered, comma-separated; empty: all.
    pub course_types: String,
    pub members: usize,
}

impl From<GroupView> for GroupOut {
    fn from(g: GroupView) -> Self {
        GroupOut {
            id: g.id,
            name: g.name,
            leader_id: g.leader_id,
            leader_name: g.leader_name,
            categories: g.categories,
            course_types: g.course_types,
            members: g.members,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupIn {
    #[schema(min_length = 2, max_length = 50)]
    pub name: String,
    /// The leader's expert id.
    pub leader_id: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub course_types: Vec<CourseType>,
}

pub fn parse_group(g: GroupIn) -> GroupInput {
    GroupInput {
        name: g.name,
        leader_id: g.leader_id.filter(|l| !l.trim().is_empty()),
        categories: g
            .categories
            .into_iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        course_types: g.course_types,
    }
}

#[utoipa::path(put, path = "/expert-groups/{id}", tag = "courses", params(("id" = String, Path)), request_body = GroupIn,
    responses((status = 200, body = GroupOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn update_group(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(g): ApiJson<GroupIn>,
) -> Result<Json<GroupOut>, ApiError> {
    let g = s
        .app
        .courses()
        .update_group(&who, &ctx, &id, parse_group(g))
        .await?;
    Ok(Json(g.into()))
}

#[utoipa::path(delete, path = "/expert-groups/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn remove_group(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.courses().remove_group(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/experts/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 204, description = "Out of the pool; the account and past decisions stay"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json", description = "The expert judges or judged a solicitation roadshow")), security(("bearer" = [])))]
pub async fn remove_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.courses().remove_expert(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/expert-groups", tag = "courses",
    responses((status = 200, body = Vec<GroupOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn groups(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<GroupOut>>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .groups(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/expert-groups", tag = "courses", request_body = GroupIn,
    responses((status = 201, body = GroupOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn add_group(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(g): ApiJson<GroupIn>,
) -> Result<(StatusCode, Json<GroupOut>), ApiError> {
    let g = s
        .app
        .courses()
        .add_group(&who, &ctx, parse_group(g))
        .await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

#[derive(Serialize, ToSchema)]
pub struct FlowOut {
    pub course_type: CourseType,
    pub levels: u8,
    /// The steps in order, in words.
    pub steps: Vec<String>,
}

impl From<FlowView> for FlowOut {
    fn from(f: FlowView) -> Self {
        FlowOut {
            course_type: f.course_type,
            levels: f.levels,
            steps: f.steps.into_iter().map(str::to_string).collect(),
        }
    }
}

#[utoipa::path(get, path = "/course-flows", tag = "courses",
    responses((status = 200, body = Vec<FlowOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn flows(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<FlowOut>>, ApiError> {
    if !who.can_province_wide(jineng_core::accounts::Permission::ManageExperts) {
        return Err(AppError::Forbidden.into());
    }
    Ok(Json(
        s.app
            .courses()
            .flows()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowIn {
    /// 1: the authority only; 2: an expert, then the authority; 3: an expert, the group
    /// leader, then the authority.
    #[schema(minimum = 1, maximum = 3)]
    pub levels: u8,
}

#[utoipa::path(put, path = "/course-flows/{course_type}", tag = "courses", params(("course_type" = CourseType, Path)), request_body = FlowIn,
    responses((status = 200, body = Vec<FlowOut>), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn set_flow(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(t): Path<String>,
    ApiJson(f): ApiJson<FlowIn>,
) -> Result<Json<Vec<FlowOut>>, ApiError> {
    let t = CourseType::parse(&t).ok_or(AppError::NotFound("课程类型"))?;
    Ok(Json(
        s.app
            .courses()
            .set_flow(&who, &ctx, t, f.levels)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
