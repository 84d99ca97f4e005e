//! Review pages: the reviewer's queue, a version under review with everything a reviewer
//! judges and the checklist, the review record export; the expert pool, groups and flows.

use crate::AppState;
use crate::courses::review_api::{ExpertIn, GroupIn, parse_expert, parse_group};
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use jineng_app::AppError;
use jineng_app::courses::experts::{ExpertView, FlowView, GroupView};
use jineng_app::courses::review::{QueueItem, ReviewInput, ReviewItem};
use jineng_core::courses::{CourseType, LessonKind, REVIEW_CHECKLIST, ReviewDecision};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "courses/queue.html")]
pub struct QueuePage {
    layout: Layout,
    items: Vec<QueueItem>,
    may_export: bool,
}

pub async fn queue(State(s): State<AppState>, u: PageUser) -> Result<QueuePage, PageError> {
    let items = s.app.courses().review_queue(&u.principal).await?;
    Ok(QueuePage {
        layout: Layout::new("课程审核", &u, "/course-reviews"),
        items,
        may_export: u
            .principal
            .can(jineng_core::accounts::Permission::ViewCourses),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/review.html")]
pub struct ReviewPage {
    layout: Layout,
    r: ReviewItem,
    checklist: &'static [&'static str],
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ReviewPage {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn review_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ReviewPage, PageError> {
    let r = s.app.courses().review_item(&u.principal, id).await?;
    Ok(ReviewPage {
        layout: Layout::new(format!("审核：{}", r.version.name), u, "/course-reviews"),
        r,
        checklist: &REVIEW_CHECKLIST,
        notice,
        error,
    })
}

pub async fn item(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<ReviewPage, PageError> {
    let notice = (q.done == "decided").then_some("审核意见已提交。");
    review_page(&s, &u, &id, notice, None).await
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comments: String,
    #[serde(default)]
    checklist: Vec<String>,
    /// The level shown on the page (hidden field).
    #[serde(default)]
    level: String,
}

pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    let r = match ReviewDecision::parse(&f.decision) {
        Some(decision) => s
            .app
            .courses()
            .review(
                &u.principal,
                &ctx,
                &id,
                ReviewInput {
                    decision,
                    comments: f.comments,
                    checklist: f.checklist,
                    level: f.level.trim().parse().ok(),
                },
            )
            .await
            .map(|_| ()),
        None => Err(AppError::field("decision", "请选择通过或退回")),
    };
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/course-reviews/{id}?done=decided")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, review_page(&s, &u, &id, None, Some(msg)).await?).into_response())
        }
    }
}

/// Every review decision the caller may see, as xlsx (导出审核记录).
pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
) -> Result<Response, PageError> {
    let rows: Vec<Vec<String>> = s
        .app
        .courses()
        .review_export(&u.principal, 50_000)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.package_name,
                r.org_name,
                r.version.to_string(),
                r.record.round.to_string(),
                format!("第{}级 {}", r.record.level, r.record.step_label),
                r.record.reviewer_name,
                r.record.decision_label.to_string(),
                r.record.comments,
                r.record.checklist.join("；"),
                r.record
                    .decided_at
                    .with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ]
        })
        .collect();
    s.app
        .audit()
        .record_export(
            &u.principal,
            &ctx,
            "course_review",
            serde_json::json!({}),
            rows.len(),
        )
        .await?;
    let headers = [
        "课程包",
        "单位",
        "版本",
        "送审轮次",
        "审核级别",
        "审核人",
        "结论",
        "审核意见",
        "已确认要点",
        "审核时间",
    ];
    Ok(crate::http::export::xlsx_response(
        jineng_app::export::xlsx("审核记录", &headers, &rows)?,
        "course-reviews.xlsx",
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/experts.html")]
pub struct ExpertsPage {
    layout: Layout,
    experts: Vec<ExpertView>,
    groups: Vec<GroupView>,
    flows: Vec<FlowView>,
    course_types: &'static [CourseType],
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ExpertsPage {
    /// Whether a comma-separated list holds `v`.
    fn in_list(list: &str, v: &str) -> bool {
        list.split(',').any(|x| x == v)
    }
}

async fn experts_page(
    s: &AppState,
    u: &PageUser,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ExpertsPage, PageError> {
    Ok(ExpertsPage {
        layout: Layout::new("评审专家", u, "/experts"),
        experts: s.app.courses().experts(&u.principal).await?,
        groups: s.app.courses().groups(&u.principal).await?,
        flows: s.app.courses().flows().await?,
        course_types: CourseType::ALL,
        notice,
        error,
    })
}

pub async fn experts(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DoneQuery>,
) -> Result<ExpertsPage, PageError> {
    let notice = (q.done == "saved").then_some("已保存。");
    experts_page(&s, &u, notice, None).await
}

async fn back(s: &AppState, u: &PageUser, r: Result<(), AppError>) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to("/experts?done=saved").into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, experts_page(s, u, None, Some(msg)).await?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ExpertForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    unit_name: String,
    #[serde(default)]
    unit_credit_code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    specialities: Vec<String>,
    #[serde(default)]
    group_id: String,
}

pub async fn add_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<ExpertForm>,
) -> Result<Response, PageError> {
    let r = match parse_expert(ExpertIn {
        username: f.username,
        unit_name: f.unit_name,
        unit_credit_code: f.unit_credit_code,
        title: f.title,
        position: f.position,
        specialities: f.specialities,
        group_id: Some(f.group_id),
    }) {
        Ok(i) => s
            .app
            .courses()
            .add_expert(&u.principal, &ctx, i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    back(&s, &u, r).await
}

#[derive(Deserialize, Default)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    leader_id: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    course_types: Vec<String>,
}

impl GroupForm {
    fn input(self) -> jineng_app::courses::experts::GroupInput {
        parse_group(GroupIn {
            name: self.name,
            leader_id: Some(self.leader_id),
            categories: self.categories,
            course_types: self
                .course_types
                .iter()
                .filter_map(|t| CourseType::parse(t))
                .collect(),
        })
    }
}

pub async fn add_group(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<GroupForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .courses()
        .add_group(&u.principal, &ctx, f.input())
        .await
        .map(|_| ());
    back(&s, &u, r).await
}

pub async fn update_group(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<GroupForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .courses()
        .update_group(&u.principal, &ctx, &id, f.input())
        .await
        .map(|_| ());
    back(&s, &u, r).await
}

pub async fn remove_group(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = s.app.courses().remove_group(&u.principal, &ctx, &id).await;
    back(&s, &u, r).await
}

pub async fn remove_expert(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = s.app.courses().remove_expert(&u.principal, &ctx, &id).await;
    back(&s, &u, r).await
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    #[serde(default)]
    group_id: String,
}

pub async fn assign(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Result<Response, PageError> {
    let g = Some(f.group_id.trim()).filter(|g| !g.is_empty());
    let r = s
        .app
        .courses()
        .assign_expert(&u.principal, &ctx, &id, g)
        .await;
    back(&s, &u, r).await
}

#[derive(Deserialize, Default)]
pub struct FlowForm {
    #[serde(default)]
    levels: String,
}

pub async fn set_flow(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(t): Path<String>,
    Form(f): Form<FlowForm>,
) -> Result<Response, PageError> {
    let t = CourseType::parse(&t).ok_or(AppError::NotFound("课程类型"))?;
    let r = match f.levels.trim().parse::<u8>() {
        Ok(n) => s
            .app
            .courses()
            .set_flow(&u.principal, &ctx, t, n)
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::field("levels", "审核级数应为1至3")),
    };
    back(&s, &u, r).await
}
