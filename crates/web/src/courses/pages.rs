//! Course package pages: the list, a new package, a package with its current version
//! (description, cover, copyright proof, chapters and lessons, submission), editing a
//! draft, and the sensitive-word list.

use crate::AppState;
use crate::courses::api::{LessonIn, PackageIn, parse_lesson, parse_package};
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::courses::files::{MAX_COVER_BYTES, VersionFile};
use jineng_app::courses::{PackageDetail, PackageFilter, PackageView, VersionView};
use jineng_app::page::{Page, PageRequest};
use jineng_core::accounts::Permission;
use jineng_core::courses::{
    CourseTrainingType, CourseType, LessonKind, ListingStatus, MediaStatus, ReviewDecision,
    VersionStatus,
};
use jineng_core::documents::MAX_DOCUMENT_BYTES;
use serde::Deserialize;

/// Every text of these pages a person reads, in one place.
pub struct Words;

impl Words {
    pub const LIST: &'static str = "课程包";
    pub const NEW: &'static str = "新建课程包";
    pub const EDIT: &'static str = "修改课程包信息";
    pub const WORDS: &'static str = "课程内容规则";
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/list.html")]
pub struct ListPage {
    layout: Layout,
    page: Page<PackageView>,
    q: String,
    listing: String,
    may_create: bool,
    /// Operators and the province's regulators read the quality list.
    sees_quality: bool,
    listings: &'static [ListingStatus],
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    listing: String,
    page: Option<u64>,
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let page = s
        .app
        .courses()
        .list(
            &u.principal,
            &PackageFilter {
                q: Some(q.q.clone()),
                listing: ListingStatus::parse(&q.listing),
            },
            PageRequest::new(q.page, None, 20),
        )
        .await?;
    Ok(ListPage {
        layout: Layout::new(Words::LIST, &u, "/courses"),
        page,
        q: q.q,
        listing: q.listing,
        may_create: u.principal.can(Permission::ManageCourses),
        sees_quality: u.principal.can_province_wide(Permission::ManageListings),
        listings: ListingStatus::ALL,
    })
}

/// The package form as typed (text, so it can be shown again with its errors).
#[derive(Deserialize, Default, Clone)]
pub struct PackageForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    declared_hours: String,
    #[serde(default)]
    occupation_code: String,
    #[serde(default)]
    skill_level: String,
    #[serde(default)]
    training_type: String,
    #[serde(default)]
    course_type: String,
    #[serde(default)]
    price_yuan: String,
    #[serde(default)]
    offline: Option<String>,
    #[serde(default)]
    free_seek: Option<String>,
}

impl PackageForm {
    fn parse(&self) -> Result<jineng_app::courses::PackageInput, AppError> {
        let mut n = crate::http::form::FormNumbers::default();
        let declared_hours = n.int("declared_hours", "总学时", &self.declared_hours, false);
        let skill_level = n.int("skill_level", "技能等级", &self.skill_level, true);
        n.check()?;
        parse_package(PackageIn {
            name: self.name.clone(),
            intro: self.intro.clone(),
            audience: self.audience.clone(),
            content: self.content.clone(),
            declared_hours,
            occupation_code: self.occupation_code.clone(),
            work_type_id: None,
            skill_level,
            training_type: CourseTrainingType::parse(&self.training_type),
            course_type: CourseType::parse(&self.course_type),
            price_yuan: self.price_yuan.clone(),
            offline: self.offline.is_some(),
            free_seek: self.free_seek.is_some(),
        })
    }

    fn from_view(v: &VersionView) -> Self {
        PackageForm {
            name: v.name.clone(),
            intro: v.intro.clone(),
            audience: v.audience.clone(),
            content: v.content.clone(),
            declared_hours: v.declared_hours.to_string(),
            occupation_code: v.occupation_code.clone(),
            skill_level: v.skill_level.to_string(),
            training_type: v.training_type.code().into(),
            course_type: v.course_type.code().into(),
            price_yuan: v.price_yuan.clone(),
            offline: None,
            free_seek: v.free_seek.then(|| "on".to_string()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/form.html")]
pub struct FormPage {
    layout: Layout,
    /// Where the form posts.
    action: String,
    /// Where "back" goes.
    back: String,
    form: PackageForm,
    errors: Vec<String>,
    /// Institutions may register offline courses.
    may_offline: bool,
    training_types: &'static [CourseTrainingType],
    course_types: &'static [CourseType],
}

fn form_page(
    u: &PageUser,
    title: &str,
    action: String,
    back: String,
    form: PackageForm,
    errors: Vec<String>,
) -> FormPage {
    FormPage {
        layout: Layout::new(title, u, "/courses"),
        action,
        back,
        form,
        errors,
        may_offline: u
            .principal
            .has_role(jineng_core::accounts::Role::InstitutionAdmin),
        training_types: CourseTrainingType::ALL,
        course_types: CourseType::ALL,
    }
}

pub async fn new_page(State(s): State<AppState>, u: PageUser) -> Result<FormPage, PageError> {
    s.app.courses().may_publish(&u.principal).await?;
    let form = PackageForm {
        skill_level: "0".into(),
        price_yuan: "0".into(),
        ..Default::default()
    };
    Ok(form_page(
        &u,
        Words::NEW,
        "/courses".into(),
        "/courses".into(),
        form,
        vec![],
    ))
}

pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<PackageForm>,
) -> Result<Response, PageError> {
    s.app.courses().may_publish(&u.principal).await?;
    let result = match f.parse() {
        Ok(i) => s.app.courses().create(&u.principal, &ctx, i).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(d) => {
            Ok(Redirect::to(&format!("/courses/{}?done=created", d.package.id)).into_response())
        }
        Err(e) => {
            let (status, errors) = crate::http::error::fixable(e)?;
            let page = form_page(
                &u,
                Words::NEW,
                "/courses".into(),
                "/courses".into(),
                f,
                errors,
            );
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/detail.html")]
pub struct DetailPage {
    layout: Layout,
    d: PackageDetail,
    reviews: Vec<jineng_app::courses::review::ReviewRecordView>,
    /// The caller's organisation writes this package.
    is_own: bool,
    /// The caller may delist or relist it.
    may_list: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    max_cover_mb: usize,
    max_document_mb: usize,
    /// The shown version's question bank: how many, how many needed.
    bank: (usize, u32),
    /// Uploads of the shown version started and never completed (its own staff only).
    unfinished: Vec<jineng_app::courses::media::MediaView>,
}

impl DetailPage {
    fn v(&self) -> &VersionView {
        &self.d.current
    }

    /// Whether a new version may be started: nothing open, something approved.
    fn may_start_version(&self) -> bool {
        self.is_own
            && !self
                .d
                .versions
                .iter()
                .any(|v| v.status.editable() || v.status == VersionStatus::InReview)
            && self
                .d
                .versions
                .iter()
                .any(|v| v.status == VersionStatus::Approved)
    }

    /// The two files a version has: (kind, label, accepted types, largest size in MB).
    fn uploads(&self) -> [(&'static str, &'static str, &'static str, usize); 2] {
        [
            (
                "cover",
                "封面图片（JPG或PNG）",
                ".jpg,.jpeg,.png,image/jpeg,image/png",
                self.max_cover_mb,
            ),
            (
                "copyright",
                "版权证明（PDF、JPG或PNG）",
                ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
                self.max_document_mb,
            ),
        ]
    }

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

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "课程包已创建，请继续添加章节、课时并上传封面和版权证明。",
        "saved" => "已保存。",
        "submitted" => "已提交审核，审核结果将在此页显示。",
        "uploaded" => "文件已上传。",
        "version" => "已创建新版本（草稿），修改后请重新提交审核；已购买的班级继续使用原版本。",
        _ => return None,
    })
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<DetailPage, PageError> {
    let d = s.app.courses().package(&u.principal, id).await?;
    let reviews = s.app.courses().package_reviews(&u.principal, id).await?;
    let bank = s
        .app
        .courses()
        .question_bank(&u.principal, &d.current.id)
        .await?;
    let is_own =
        u.principal.works_for(&d.package.org_id) && u.principal.can(Permission::ManageCourses);
    let unfinished = if is_own && d.current.editable {
        s.app
            .courses()
            .unfinished_uploads(&u.principal, &d.current.id)
            .await?
    } else {
        Vec::new()
    };
    Ok(DetailPage {
        unfinished,
        bank: (bank.count, bank.required),
        reviews,
        is_own,
        may_list: u.principal.can(Permission::ManageListings),
        layout: Layout::new(d.package.name.clone(), u, "/courses"),
        d,
        notice,
        error,
        max_cover_mb: MAX_COVER_BYTES / 1024 / 1024,
        max_document_mb: MAX_DOCUMENT_BYTES / 1024 / 1024,
    })
}

/// The package page again, with the error of an action in place.
pub(crate) async fn detail_with_error(
    s: &AppState,
    u: &PageUser,
    id: &str,
    e: AppError,
) -> Result<Response, PageError> {
    let (status, msg) = crate::http::error::fixable_line(e)?;
    Ok((status, detail_page(s, u, id, None, Some(msg)).await?).into_response())
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<DetailPage, PageError> {
    detail_page(&s, &u, &id, notice(&q.done), None).await
}

/// After an action on a version: back to its package, with a notice or the error.
async fn after(
    s: &AppState,
    u: &PageUser,
    version_id: &str,
    result: Result<(), AppError>,
    done: &str,
) -> Result<Response, PageError> {
    let package = s
        .app
        .courses()
        .version(&u.principal, version_id)
        .await?
        .package_id;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/courses/{package}?done={done}")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, detail_page(s, u, &package, None, Some(msg)).await?).into_response())
        }
    }
}

pub async fn edit_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<FormPage, PageError> {
    s.app.courses().check_editable(&u.principal, &id).await?;
    let v = s.app.courses().version(&u.principal, &id).await?;
    Ok(form_page(
        &u,
        Words::EDIT,
        format!("/course-versions/{id}/edit"),
        format!("/courses/{}", v.package_id),
        PackageForm::from_view(&v),
        vec![],
    ))
}

pub async fn edit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<PackageForm>,
) -> Result<Response, PageError> {
    s.app.courses().check_editable(&u.principal, &id).await?;
    let result = match f.parse() {
        Ok(i) => s.app.courses().update(&u.principal, &ctx, &id, i).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => Ok(Redirect::to(&format!("/courses/{}?done=saved", v.package_id)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let v = s.app.courses().version(&u.principal, &id).await?;
            let (status, errors) = crate::http::error::fixable(e)?;
            let page = form_page(
                &u,
                Words::EDIT,
                format!("/course-versions/{id}/edit"),
                format!("/courses/{}", v.package_id),
                f,
                errors,
            );
            Ok((status, page).into_response())
        }
        Err(e) => after(&s, &u, &id, Err(e), "").await,
    }
}

#[derive(Deserialize, Default)]
pub struct ChapterForm {
    #[serde(default)]
    title: String,
}

pub async fn add_chapter(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ChapterForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .courses()
        .add_chapter(&u.principal, &ctx, &id, &f.title)
        .await
        .map(|_| ());
    after(&s, &u, &id, r, "saved").await
}

pub async fn remove_chapter(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, chapter)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .courses()
        .remove_chapter(&u.principal, &ctx, &id, &chapter)
        .await
        .map(|_| ());
    after(&s, &u, &id, r, "saved").await
}

#[derive(Deserialize, Default)]
pub struct LessonForm {
    #[serde(default)]
    chapter_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    preview: Option<String>,
}

pub async fn add_lesson(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<LessonForm>,
) -> Result<Response, PageError> {
    let mut n = crate::http::form::FormNumbers::default();
    let minutes = n.int("minutes", "学习时长", &f.minutes, false);
    let r = match n.check() {
        Ok(()) => s
            .app
            .courses()
            .add_lesson(
                &u.principal,
                &ctx,
                &id,
                parse_lesson(LessonIn {
                    chapter_id: f.chapter_id,
                    title: f.title,
                    kind: None,
                    body: f.body,
                    minutes: Some(minutes),
                    preview: f.preview.is_some(),
                }),
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, &u, &id, r, "saved").await
}

pub async fn remove_lesson(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, lesson)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .courses()
        .remove_lesson(&u.principal, &ctx, &id, &lesson)
        .await
        .map(|_| ());
    after(&s, &u, &id, r, "saved").await
}

pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .courses()
        .submit(&u.principal, &ctx, &id)
        .await
        .map(|_| ());
    after(&s, &u, &id, r, "submitted").await
}

pub async fn new_version(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.courses().new_version(&u.principal, &ctx, &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}?done=version")).into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            Ok((status, detail_page(&s, &u, &id, None, Some(msg)).await?).into_response())
        }
    }
}

fn which(kind: &str) -> Result<VersionFile, PageError> {
    match kind {
        "cover" => Ok(VersionFile::Cover),
        "copyright" => Ok(VersionFile::Copyright),
        _ => Err(AppError::NotFound("文件").into()),
    }
}

/// Upload a cover or copyright proof (multipart: `file`).
pub async fn upload_file(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, kind)): Path<(String, String)>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let which = which(&kind)?;
    let read = crate::http::files::multipart_file(&mut mp, "file").await;
    let r = match read {
        Err(()) => Err(AppError::field(
            "file",
            format!(
                "上传的内容无法读取，文件不能超过{}MB",
                MAX_DOCUMENT_BYTES / 1024 / 1024
            ),
        )),
        Ok((name, bytes)) => s
            .app
            .courses()
            .upload_file(&u.principal, &ctx, &id, which, &name, bytes)
            .await
            .map(|_| ()),
    };
    after(&s, &u, &id, r, "uploaded").await
}

/// A version's cover image or copyright proof.
pub async fn file(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let f = s
        .app
        .courses()
        .file(Some(&u.principal), &id, which(&kind)?)
        .await?;
    Ok(crate::http::files::document_response(
        f.content_type,
        &f.filename,
        f.bytes,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/words.html")]
pub struct WordsPage {
    layout: Layout,
    words: String,
    count: usize,
    per_hour: u32,
    /// The province's study policy (supervised study).
    study: jineng_core::study::Policy,
    notice: Option<&'static str>,
    error: Option<String>,
}

pub async fn words_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DoneQuery>,
) -> Result<WordsPage, PageError> {
    let words = s.app.courses().words(&u.principal).await?;
    Ok(WordsPage {
        layout: Layout::new(Words::WORDS, &u, "/admin/words"),
        count: jineng_core::courses::WordFilter::new(&words).len(),
        words,
        per_hour: s.app.courses().questions_per_hour().await?,
        study: s.app.study().policy().await?,
        notice: match q.done.as_str() {
            "saved" => Some("敏感词已保存，之后提交的课程内容将按新词表检查。"),
            "settings" => Some("已保存，之后提交的课程包按新的考题数量要求检查。"),
            "study" => Some("学习监管规则已保存，之后的学习心跳按新规则计时。"),
            _ => None,
        },
        error: None,
    })
}

/// The words page again with an error in place, keeping what was typed in `words`.
pub(crate) async fn words_with_error(
    s: &AppState,
    u: &PageUser,
    e: AppError,
) -> Result<Response, PageError> {
    let (status, msg) = crate::http::error::fixable_line(e)?;
    let words = s.app.courses().words(&u.principal).await?;
    let page = WordsPage {
        layout: Layout::new(Words::WORDS, u, "/admin/words"),
        count: jineng_core::courses::WordFilter::new(&words).len(),
        words,
        per_hour: s.app.courses().questions_per_hour().await?,
        study: s.app.study().policy().await?,
        notice: None,
        error: Some(msg),
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize, Default)]
pub struct WordsForm {
    #[serde(default)]
    words: String,
}

pub async fn save_words(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<WordsForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .courses()
        .set_words(&u.principal, &ctx, &f.words)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/words?done=saved").into_response()),
        Err(e) => {
            let (status, msg) = crate::http::error::fixable_line(e)?;
            let page = WordsPage {
                layout: Layout::new(Words::WORDS, &u, "/admin/words"),
                count: jineng_core::courses::WordFilter::new(&f.words).len(),
                words: f.words,
                per_hour: s.app.courses().questions_per_hour().await?,
                study: s.app.study().policy().await?,
                notice: None,
                error: Some(msg),
            };
            Ok((status, page).into_response())
        }
    }
}

/// Statuses shown with a colour.
pub fn status_class(s: VersionStatus) -> &'static str {
    match s {
        VersionStatus::Draft => "bg-secondary-lt",
        VersionStatus::InReview => "bg-blue-lt",
        VersionStatus::Returned => "bg-red-lt",
        VersionStatus::Approved => "bg-green-lt",
        VersionStatus::Superseded => "bg-secondary-lt",
    }
}
