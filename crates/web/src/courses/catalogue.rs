//! The public course catalogue (no sign-in needed): search in Chinese with filters, a
//! package's page with its outline and preview videos, its cover; delisting and
//! relisting; rebuilding the index.

use crate::AppState;
use crate::http::api::{ApiQuery, Caller, Paged};
use crate::http::error::{ApiError, PageError, Problem};
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::{MaybeSession, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::courses::catalogue::{CatalogueDetail, CatalogueFilter, CatalogueItem};
use jineng_app::courses::files::VersionFile;
use jineng_app::page::{Page, PageRequest};
use jineng_core::Fen;
use jineng_core::courses::{CourseTrainingType, CourseType, ListingAction};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default, Clone)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Words in Chinese (segmented: 护理 finds 养老护理员), at most 100 characters.
    #[serde(default)]
    pub q: String,
    /// An occupation code or a prefix of one ("4", "4-10", "4-10-01-06").
    #[serde(default)]
    pub occupation: String,
    #[serde(default)]
    #[param(value_type = Option<CourseTrainingType>)]
    pub training_type: String,
    #[serde(default)]
    #[param(value_type = Option<CourseType>)]
    pub course_type: String,
    /// 1–5, or 0 for courses without a level.
    #[param(minimum = 0, maximum = 5)]
    pub level: Option<i64>,
    /// Only free courses.
    #[serde(default)]
    pub free: bool,
    /// Highest price per seat in yuan.
    #[serde(default)]
    #[param(value_type = Option<crate::http::schema::Yuan>)]
    pub max_price: String,
    #[param(minimum = 0, maximum = 10000)]
    pub min_hours: Option<i64>,
    #[param(minimum = 0, maximum = 10000)]
    pub max_hours: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl CatalogueQuery {
    fn filter(&self) -> Result<CatalogueFilter, AppError> {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let max_price = match opt(&self.max_price) {
            Some(p) => {
                Some(Fen::parse_yuan(&p).map_err(|e| AppError::field("max_price", e.to_string()))?)
            }
            None => None,
        };
        if self.q.chars().count() > 100 {
            return Err(AppError::field("q", "搜索词不能超过100个字符"));
        }
        if self.level.is_some_and(|l| !(0..=5).contains(&l)) {
            return Err(AppError::field("level", "技能等级应为0至5"));
        }
        for (field, v) in [("min_hours", self.min_hours), ("max_hours", self.max_hours)] {
            if v.is_some_and(|h| !(0..=10_000).contains(&h)) {
                return Err(AppError::field(field, "学时应为0至10000之间的整数"));
            }
        }
        Ok(CatalogueFilter {
            text: opt(&self.q),
            occupation: opt(&self.occupation),
            training_type: opt(&self.training_type),
            course_type: opt(&self.course_type),
            level: self.level,
            free_only: self.free,
            max_price,
            min_hours: self.min_hours,
            max_hours: self.max_hours,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct CatalogueItemOut {
    pub id: String,
    pub name: String,
    pub org_name: String,
    pub intro: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub price_fen: i64,
    /// Class hours of its lessons, e.g. "12.5".
    pub hours: String,
}

impl From<CatalogueItem> for CatalogueItemOut {
    fn from(i: CatalogueItem) -> Self {
        CatalogueItemOut {
            id: i.id,
            name: i.name,
            org_name: i.org_name,
            intro: i.intro,
            occupation_code: i.occupation_code,
            occupation_name: i.occupation_name,
            price_fen: i.price_fen,
            hours: i.hours,
        }
    }
}

#[utoipa::path(get, path = "/course-catalogue", tag = "courses", params(CatalogueQuery),
    responses((status = 200, body = Paged<CatalogueItemOut>), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn api_search(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<CatalogueQuery>,
) -> Result<Json<Paged<CatalogueItemOut>>, ApiError> {
    let p = s
        .app
        .courses()
        .search(&q.filter()?, PageRequest::new(q.page, q.per_page, 20))
        .await?;
    Ok(Json(Paged {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/catalogue.html")]
pub struct CataloguePage {
    layout: Layout,
    page: Option<Page<CatalogueItem>>,
    q: CatalogueQuery,
    error: Option<String>,
    training_types: &'static [CourseTrainingType],
    course_types: &'static [CourseType],
    majors: &'static [(&'static str, &'static str)],
}

/// The classification's eight major categories (大类), for browsing.
const MAJORS: [(&str, &str); 8] = [
    ("1", "党政机关负责人"),
    ("2", "专业技术人员"),
    ("3", "办事人员"),
    ("4", "社会生产服务和生活服务人员"),
    ("5", "农林牧渔业生产及辅助人员"),
    ("6", "生产制造及有关人员"),
    ("7", "军人"),
    ("8", "不便分类的其他从业人员"),
];

impl CataloguePage {
    /// The query string for page `n` of the same search.
    fn page_link(&self, n: u64) -> String {
        let q = &self.q;
        let mut pairs: Vec<(&str, String)> = vec![
            ("q", q.q.clone()),
            ("occupation", q.occupation.clone()),
            ("training_type", q.training_type.clone()),
            ("course_type", q.course_type.clone()),
            ("max_price", q.max_price.clone()),
        ];
        if q.free {
            pairs.push(("free", "true".into()));
        }
        pairs.push(("page", n.to_string()));
        let pairs: Vec<_> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        format!(
            "/course-catalogue?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

pub async fn page(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    Query(q): Query<CatalogueQuery>,
) -> Result<CataloguePage, PageError> {
    let (page, error) = match q.filter() {
        Ok(f) => (
            Some(
                s.app
                    .courses()
                    .search(&f, PageRequest::new(q.page, Some(12), 12))
                    .await?,
            ),
            None,
        ),
        Err(e) => (None, Some(crate::http::error::fixable_line(e)?.1)),
    };
    Ok(CataloguePage {
        layout: Layout::public("课程目录", &st, "/course-catalogue"),
        page,
        q,
        error,
        training_types: CourseTrainingType::ALL,
        course_types: CourseType::ALL,
        majors: &MAJORS,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/public.html")]
pub struct PublicPage {
    layout: Layout,
    d: CatalogueDetail,
}

pub async fn detail(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    Path(id): Path<String>,
) -> Result<PublicPage, PageError> {
    let d = s.app.courses().public_package(&id).await?;
    Ok(PublicPage {
        layout: Layout::public(d.item.name.clone(), &st, "/course-catalogue"),
        d,
    })
}

#[derive(Serialize, ToSchema)]
pub struct PublicLessonOut {
    pub title: String,
    pub minutes: Option<i64>,
    /// Set for a free preview lesson: its id.
    pub preview_lesson: Option<String>,
    /// Set for a free preview lesson: the page that plays or shows it.
    pub preview_path: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicChapterOut {
    pub title: String,
    pub lessons: Vec<PublicLessonOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicPackageOut {
    pub item: CatalogueItemOut,
    pub audience: String,
    pub content: String,
    pub chapters: Vec<PublicChapterOut>,
}

#[utoipa::path(get, path = "/course-catalogue/{id}", tag = "courses", params(("id" = String, Path)),
    responses((status = 200, body = PublicPackageOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn api_detail(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PublicPackageOut>, ApiError> {
    let d = s.app.courses().public_package(&id).await?;
    Ok(Json(PublicPackageOut {
        item: d.item.into(),
        audience: d.audience,
        content: d.content,
        chapters: d
            .chapters
            .into_iter()
            .map(|c| PublicChapterOut {
                title: c.title,
                lessons: c
                    .lessons
                    .into_iter()
                    .map(|l| PublicLessonOut {
                        title: l.title,
                        minutes: l.minutes,
                        preview_lesson: l.preview_lesson,
                        preview_path: l.preview_path,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// A listed package's cover, for anyone.
pub async fn cover(
    State(s): State<AppState>,
    MaybeSession(st): MaybeSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let d = s.app.courses().public_package(&id).await?;
    let who = st.view.as_ref().map(|v| &v.principal);
    let f = s
        .app
        .courses()
        .file(who, &d.item.version_id, VersionFile::Cover)
        .await?;
    Ok(crate::http::files::document_response(
        f.content_type,
        "cover",
        f.bytes,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ListingIn {
    pub action: Option<ListingAction>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/courses/{id}/listing", tag = "courses", params(("id" = String, Path)), request_body = ListingIn,
    responses((status = 200, body = crate::courses::api::PackageDetailOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn api_listing(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    crate::http::api::ApiJson(l): crate::http::api::ApiJson<ListingIn>,
) -> Result<Json<crate::courses::api::PackageDetailOut>, ApiError> {
    let action = l
        .action
        .ok_or_else(|| AppError::field("action", "请选择下架或重新上架"))?;
    Ok(Json(
        s.app
            .courses()
            .set_listing(&who, &ctx, &id, action, &l.reason)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, Default)]
pub struct ListingForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn listing(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ListingForm>,
) -> Result<Response, PageError> {
    let r = match ListingAction::parse(&f.action) {
        Some(a) => s
            .app
            .courses()
            .set_listing(&u.principal, &ctx, &id, a, &f.reason)
            .await
            .map(|_| ()),
        None => Err(AppError::field("action", "请选择下架或重新上架")),
    };
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/courses/{id}?done=saved")).into_response()),
        Err(e) => crate::courses::pages::detail_with_error(&s, &u, &id, e).await,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReindexOut {
    /// Packages in this node's index now.
    pub documents: u64,
}

#[utoipa::path(post, path = "/course-catalogue/reindex", tag = "courses",
    responses((status = 200, body = ReindexOut), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn reindex(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
) -> Result<Json<ReindexOut>, ApiError> {
    let documents = s.app.courses().reindex(&who, &ctx).await?;
    Ok(Json(ReindexOut { documents }))
}
