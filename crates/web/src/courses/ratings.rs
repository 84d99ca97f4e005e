//! Course ratings over HTTP: a package's 课程评价 page (rate, reply, moderate), 希望新增课程,
//! and the operators' 课程质量 list with its Excel export; `/api/v1/courses/{id}/ratings…`
//! for the same.

use crate::AppState;
use crate::http::api::{ApiJson, Caller};
use crate::http::error::{ApiError, PageError, Problem, fixable};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::{DateTime, Utc};
use jineng_app::AppError;
use jineng_app::courses::ratings::{
    Moderation, PackageRatings, QualityRow, RatingView, SuggestionView,
};
use jineng_core::courses::ratings::{RatingStatus, Stars};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RatingOut {
    pub id: String,
    pub package_id: String,
    /// Masked.
    pub learner: String,
    /// 课程内容, 画面与声音, 题目相关性, 学习收获: 1–5 each.
    pub stars: Vec<u8>,
    pub overall: String,
    pub comment: String,
    /// shown, held (a sensitive word: waits for an operator), hidden.
    pub status: String,
    pub status_label: String,
    /// Sensitive words found (operators only).
    pub hits: String,
    pub featured: bool,
    pub reply: Option<String>,
    pub answer: Option<String>,
    pub mine: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<RatingView> for RatingOut {
    fn from(r: RatingView) -> Self {
        RatingOut {
            id: r.id,
            package_id: r.package_id,
            learner: r.learner,
            stars: r.stars.to_vec(),
            overall: r.overall,
            comment: r.comment,
            status: r.status.code().into(),
            status_label: r.status_label.into(),
            hits: r.hits,
            featured: r.featured,
            reply: r.reply,
            answer: r.answer,
            mine: r.mine,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeanOut {
    pub name: String,
    pub mean: String,
}

#[derive(Serialize, ToSchema)]
pub struct PackageRatingsOut {
    pub count: u64,
    pub means: Vec<MeanOut>,
    pub overall: Option<String>,
    pub items: Vec<RatingOut>,
    pub mine: Option<RatingOut>,
    pub may_rate: bool,
}

impl From<PackageRatings> for PackageRatingsOut {
    fn from(p: PackageRatings) -> Self {
        PackageRatingsOut {
            count: p.summary.count,
            means: p
                .summary
                .means
                .into_iter()
                .map(|(name, mean)| MeanOut {
                    name: name.into(),
                    mean,
                })
                .collect(),
            overall: p.summary.overall,
            items: p.items.into_iter().map(Into::into).collect(),
            mine: p.mine.map(Into::into),
            may_rate: p.may_rate,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateIn {
    /// 1–5 each.
    pub content: u32,
    pub picture: u32,
    pub relevance: u32,
    pub gain: u32,
    /// At most 500 characters; one with a sensitive word waits for an operator.
    #[serde(default)]
    pub comment: String,
}

/// A package's ratings: the means over all, the comments shown, the caller's own.
#[utoipa::path(get, path = "/courses/{id}/ratings", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = PackageRatingsOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_ratings(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<PackageRatingsOut>, ApiError> {
    Ok(Json(s.app.courses().ratings(&who, &id).await?.into()))
}

/// Rate a package the caller studied; a second rating replaces the first.
#[utoipa::path(put, path = "/courses/{id}/rating", tag = "courses", params(("id" = String, Path)), request_body = RateIn,
    responses((status = 200, body = RatingOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_rate(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RateIn>,
) -> Result<Json<RatingOut>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .rate(
                &who,
                &ctx,
                &id,
                [b.content, b.picture, b.relevance, b.gain],
                &b.comment,
            )
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    /// 1–500 characters.
    pub reply: String,
}

/// The package's provider replies to a rating.
#[utoipa::path(post, path = "/course-ratings/{id}/reply", tag = "courses", params(("id" = String, Path)), request_body = ReplyIn,
    responses((status = 200, body = RatingOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_reply(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReplyIn>,
) -> Result<Json<RatingOut>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .reply_to_rating(&who, &ctx, &id, &b.reply)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationIn {
    /// show, hide, feature (推荐), unfeature or answer.
    pub action: String,
    /// The answer, for `answer`.
    #[serde(default)]
    pub answer: String,
}

/// An operator shows, hides, features or answers a rating.
#[utoipa::path(post, path = "/course-ratings/{id}/moderation", tag = "courses", params(("id" = String, Path)), request_body = ModerationIn,
    responses((status = 200, body = RatingOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_moderate(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ModerationIn>,
) -> Result<Json<RatingOut>, ApiError> {
    let action = Moderation::parse(b.action.trim()).ok_or_else(|| {
        AppError::field("action", "操作应为show、hide、feature、unfeature或answer")
    })?;
    Ok(Json(
        s.app
            .courses()
            .moderate_rating(&who, &ctx, &id, action, &b.answer)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestionIn {
    /// The course wanted (2–500 characters).
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    pub text: String,
    pub learner: String,
    pub created_at: DateTime<Utc>,
}

impl From<SuggestionView> for SuggestionOut {
    fn from(s: SuggestionView) -> Self {
        SuggestionOut {
            text: s.text,
            learner: s.learner,
            created_at: s.created_at,
        }
    }
}

/// Suggest a course one would like the platform to offer (希望新增课程).
#[utoipa::path(post, path = "/course-suggestions", tag = "courses", request_body = SuggestionIn,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_suggest(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<SuggestionIn>,
) -> Result<StatusCode, ApiError> {
    s.app.courses().suggest_course(&who, &ctx, &b.text).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Learners' suggestions, newest first (operators).
#[utoipa::path(get, path = "/course-suggestions", tag = "courses",
    responses((status = 200, body = [SuggestionOut]), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_suggestions(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<SuggestionOut>>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .suggestions(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct QualityOut {
    pub package_id: String,
    pub name: String,
    pub org_name: String,
    pub listing_label: String,
    pub ratings: u64,
    pub overall: Option<String>,
    pub learners: u64,
    pub unfinished_percent: u32,
    pub complaints: u64,
    /// 评分低, 学员少, 未学完多, 投诉多.
    pub flags: Vec<String>,
}

impl From<QualityRow> for QualityOut {
    fn from(q: QualityRow) -> Self {
        QualityOut {
            package_id: q.package_id,
            name: q.name,
            org_name: q.org_name,
            listing_label: q.listing_label.into(),
            ratings: q.ratings,
            overall: q.overall,
            learners: q.learners,
            unfinished_percent: q.unfinished_percent,
            complaints: q.complaints,
            flags: q.flags.into_iter().map(String::from).collect(),
        }
    }
}

/// The quality list, the weakest first (operators).
#[utoipa::path(get, path = "/course-quality", tag = "courses",
    responses((status = 200, body = [QualityOut]), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_quality(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<QualityOut>>, ApiError> {
    Ok(Json(
        s.app
            .courses()
            .quality(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

// ----- pages -----

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/ratings.html")]
pub struct RatingsPage {
    layout: Layout,
    package_id: String,
    notice: Option<&'static str>,
    errors: Vec<String>,
    r: PackageRatings,
}

impl RatingsPage {
    fn names(&self) -> &'static [(&'static str, &'static str); 4] {
        &Stars::NAMES
    }

    fn mine_of(&self, i: usize) -> u8 {
        self.r
            .mine
            .as_ref()
            .and_then(|m| m.stars.get(i).copied())
            .unwrap_or(5)
    }

    /// A mean as a bar's width: `4.25` → 85.
    fn percent(&self, mean: &str) -> u32 {
        mean.replace('.', "").parse::<u32>().map_or(0, |h| h / 5)
    }

    fn is_held(&self, x: &RatingView) -> bool {
        x.status == RatingStatus::Held
    }

    fn is_hidden(&self, x: &RatingView) -> bool {
        x.status == RatingStatus::Hidden
    }
}

async fn ratings_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    done: &str,
    errors: Vec<String>,
) -> Result<RatingsPage, PageError> {
    let r = s.app.courses().ratings(&u.principal, id).await?;
    Ok(RatingsPage {
        layout: Layout::new("课程评价", u, "/course-catalogue"),
        package_id: id.to_string(),
        notice: match done {
            "rated" => Some("评价已提交，谢谢！含敏感词的评论将在审核后展示。"),
            "replied" => Some("回复已保存。"),
            "moderated" => Some("已处理。"),
            "suggested" => Some("已收到您希望新增的课程。"),
            _ => None,
        },
        errors,
        r,
    })
}

pub async fn page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<RatingsPage, PageError> {
    ratings_page(&s, &u, &id, &q.done, vec![]).await
}

async fn back(
    s: &AppState,
    u: &PageUser,
    package_id: &str,
    r: Result<&'static str, AppError>,
) -> Result<Response, PageError> {
    match r {
        Ok(done) => Ok(Redirect::to(&format!(
            "/course-catalogue/{package_id}/ratings?done={done}"
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, ratings_page(s, u, package_id, "", errors).await?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct RateForm {
    #[serde(default)]
    content: String,
    #[serde(default)]
    picture: String,
    #[serde(default)]
    relevance: String,
    #[serde(default)]
    gain: String,
    #[serde(default)]
    comment: String,
}

pub async fn rate(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<RateForm>,
) -> Result<Response, PageError> {
    let n = |v: &str| v.trim().parse::<u32>().unwrap_or(0);
    let r = s
        .app
        .courses()
        .rate(
            &u.principal,
            &ctx,
            &id,
            [n(&f.content), n(&f.picture), n(&f.relevance), n(&f.gain)],
            &f.comment,
        )
        .await
        .map(|_| "rated");
    back(&s, &u, &id, r).await
}

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    reply: String,
}

pub async fn reply(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ReplyForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .courses()
        .reply_to_rating(&u.principal, &ctx, &id, &f.reply)
        .await
    {
        Ok(r) => back(&s, &u, &r.package_id, Ok("replied")).await,
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct ModerationForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    answer: String,
}

pub async fn moderate(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ModerationForm>,
) -> Result<Response, PageError> {
    let action = Moderation::parse(f.action.trim())
        .ok_or_else(|| PageError(AppError::field("action", "请选择操作")))?;
    match s
        .app
        .courses()
        .moderate_rating(&u.principal, &ctx, &id, action, &f.answer)
        .await
    {
        Ok(r) => back(&s, &u, &r.package_id, Ok("moderated")).await,
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct SuggestForm {
    #[serde(default)]
    text: String,
    /// The package page to go back to.
    #[serde(default)]
    package_id: String,
}

pub async fn suggest(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<SuggestForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .courses()
        .suggest_course(&u.principal, &ctx, &f.text)
        .await
        .map(|()| "suggested");
    if f.package_id.is_empty() {
        r.map_err(PageError)?;
        return Ok(Redirect::to("/course-catalogue").into_response());
    }
    back(&s, &u, &f.package_id, r).await
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/quality.html")]
pub struct QualityPage {
    layout: Layout,
    rows: Vec<QualityRow>,
    suggestions: Vec<SuggestionView>,
}

pub async fn quality(State(s): State<AppState>, u: PageUser) -> Result<QualityPage, PageError> {
    let c = s.app.courses();
    Ok(QualityPage {
        layout: Layout::new("课程质量", &u, "/courses"),
        rows: c.quality(&u.principal).await?,
        suggestions: c.suggestions(&u.principal).await?,
    })
}

pub async fn export_quality(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
) -> Result<Response, PageError> {
    let bytes = s.app.courses().export_quality(&u.principal, &ctx).await?;
    Ok(xlsx_response(bytes, "course-satisfaction.xlsx"))
}
