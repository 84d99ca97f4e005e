//! Course packages (课程包): an admitted course provider, or an approved institution for
//! its own courses, writes a package as a draft version (metadata, chapters, lessons,
//! cover, copyright proof), submits it for review, and after approval it is the listed
//! version; a change to a listed package is a new version reviewed again while classes
//! keep theirs. Never lets one organisation touch another's package, nor anyone change a
//! version once it has been submitted.

pub mod catalogue;
pub mod documents;
pub mod experts;
pub mod files;
pub mod media;
pub mod questions;
pub mod ratings;
pub mod review;
pub mod words;

use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{self, Page, PageRequest};
use crate::write::{OnUnique, Write, one_row};
use chrono::{DateTime, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::courses::{
    self as rules, CourseSource, CourseTrainingType, CourseType, LessonFacts, LessonKind,
    ListingStatus, VersionAction, VersionStatus,
};
use jineng_core::occupations::level_label;
use jineng_core::organizations::OrgKind;
use jineng_store::courses::{chapter, lesson, package, version};
use jineng_store::organizations::organization;
use jineng_store::reference::{occupation, work_type};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

bounded_context!(
    /// Course packages: writing, versions, submission for review.
    Courses,
    courses
);

/// A package version's description as typed, parsed into domain types by the edge.
#[derive(Debug, Clone)]
pub struct PackageInput {
    pub name: String,
    pub intro: String,
    pub audience: String,
    pub content: String,
    pub declared_hours: i32,
    pub occupation_code: String,
    pub work_type_id: Option<String>,
    pub skill_level: i32,
    pub training_type: CourseTrainingType,
    pub course_type: CourseType,
    pub price: Fen,
    /// An offline course registered for review (institutions only).
    pub offline: bool,
    /// Learners may seek forward past what they watched (拖动; the class must allow it
    /// too). Time skipped is never credited.
    pub free_seek: bool,
}

/// A lesson as typed.
#[derive(Debug, Clone)]
pub struct LessonInput {
    pub chapter_id: String,
    pub title: String,
    pub kind: LessonKind,
    pub body: String,
    /// Reading time of a document or text lesson; a video's comes from the file.
    pub minutes: Option<i32>,
    pub preview: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageView {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub source: CourseSource,
    pub source_label: &'static str,
    pub name: String,
    pub listing: ListingStatus,
    pub listing_label: &'static str,
    pub listing_reason: String,
    pub listed_version_id: String,
    pub latest_version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LessonView {
    pub id: String,
    pub chapter_id: String,
    pub position: i32,
    pub title: String,
    pub kind: LessonKind,
    pub kind_label: &'static str,
    pub body: String,
    pub media_id: String,
    pub seconds: Option<i64>,
    /// Study time in whole minutes (rounded up), for people.
    pub minutes: Option<i64>,
    pub preview: bool,
    /// A video's processing status and, when it failed, why.
    pub media_status: Option<jineng_core::courses::MediaStatus>,
    pub media_reason: String,
}

/// Where a lesson's file is opened: the player for a video, the reader for a document.
pub fn lesson_path(kind: LessonKind, lesson_id: &str) -> String {
    match kind {
        LessonKind::Document => format!("/lessons/{lesson_id}/read"),
        _ => format!("/lessons/{lesson_id}/watch"),
    }
}

impl LessonView {
    /// The page that opens this lesson's file, once it is processed.
    pub fn open_path(&self) -> Option<String> {
        (self.media_status == Some(jineng_core::courses::MediaStatus::Ready))
            .then(|| lesson_path(self.kind, &self.id))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChapterView {
    pub id: String,
    pub position: i32,
    pub title: String,
    pub lessons: Vec<LessonView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub id: String,
    pub package_id: String,
    pub org_id: String,
    pub number: i32,
    pub status: VersionStatus,
    pub status_label: &'static str,
    pub editable: bool,
    pub name: String,
    pub intro: String,
    pub audience: String,
    pub content: String,
    pub declared_hours: i32,
    /// The lessons' study time in class hours ("12.5").
    pub lesson_hours: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub work_type_name: String,
    pub skill_level: i32,
    pub level_label: &'static str,
    pub training_type: CourseTrainingType,
    pub training_type_label: &'static str,
    pub course_type: CourseType,
    pub course_type_label: &'static str,
    pub price_fen: i64,
    pub price_yuan: String,
    pub free_seek: bool,
    pub has_cover: bool,
    pub copyright_filename: String,
    pub review_level: i32,
    pub review_levels: i32,
    pub warnings: Vec<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub chapters: Vec<ChapterView>,
    /// The province's training projects in force this version serves (seed 000 §1.1);
    /// submission needs at least one.
    pub projects: Vec<crate::catalogue::ProjectView>,
}

/// A package with its versions, newest first, and the one to show: the open version if
/// there is one, else the listed one.
#[derive(Debug, Clone, Serialize)]
pub struct PackageDetail {
    pub package: PackageView,
    pub versions: Vec<VersionSummary>,
    pub current: VersionView,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    pub id: String,
    pub number: i32,
    pub status: VersionStatus,
    pub status_label: &'static str,
    pub name: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct PackageFilter {
    pub q: Option<String>,
    pub listing: Option<ListingStatus>,
}

const MAX_NAME: usize = 100;
const MAX_TEXT: usize = 5000;
const MAX_CHAPTERS: u64 = 100;
const MAX_LESSONS: u64 = 500;

fn text_field(e: &mut Vec<FieldError>, field: &str, label: &str, v: &str, min: usize, max: usize) {
    let n = v.trim().chars().count();
    if n < min {
        e.push(FieldError::new(field, format!("{label}不能为空")));
    } else if n > max {
        e.push(FieldError::new(
            field,
            format!("{label}不能超过{max}个字符"),
        ));
    } else if let Some(m) = jineng_core::text::plain_text_problem(v) {
        e.push(FieldError::new(field, format!("{label}{m}")));
    }
}

impl Courses<'_> {
    /// Field rules for a package description, including the catalogue codes.
    async fn check(&self, i: &PackageInput) -> AppResult<Vec<FieldError>> {
        let mut e = Vec::new();
        text_field(&mut e, "name", "课程包名称", &i.name, 2, MAX_NAME);
        text_field(&mut e, "intro", "课程简介", &i.intro, 1, MAX_TEXT);
        text_field(&mut e, "audience", "适用人群", &i.audience, 1, 500);
        text_field(&mut e, "content", "主要内容", &i.content, 1, MAX_TEXT);
        if !(1..=1000).contains(&i.declared_hours) {
            e.push(FieldError::new(
                "declared_hours",
                "总学时应为1至1000之间的整数",
            ));
        }
        if let Err(m) = rules::check_price(i.training_type, i.price.0) {
            e.push(FieldError::new("price_yuan", m));
        }
        self.catalogue()
            .check_occupation_choice(
                &mut e,
                &i.occupation_code,
                i.work_type_id.as_deref(),
                i.skill_level,
            )
            .await?;
        let words = self.words_filter().await?;
        for (field, label, v) in [
            ("name", "课程包名称", &i.name),
            ("intro", "课程简介", &i.intro),
            ("audience", "适用人群", &i.audience),
            ("content", "主要内容", &i.content),
        ] {
            let hits = words.hits(v);
            if !hits.is_empty() {
                e.push(FieldError::new(
                    field,
                    format!("{label}含有敏感词：{}", hits.join("、")),
                ));
            }
        }
        Ok(e)
    }

    fn fill(am: &mut version::ActiveModel, i: &PackageInput) {
        am.name = Set(i.name.trim().to_string());
        am.intro = Set(i.intro.trim().to_string());
        am.audience = Set(i.audience.trim().to_string());
        am.content = Set(i.content.trim().to_string());
        am.declared_hours = Set(i.declared_hours);
        am.occupation_code = Set(i.occupation_code.clone());
        am.work_type_id = Set(i.work_type_id.clone().unwrap_or_default());
        am.skill_level = Set(i.skill_level);
        am.training_type = Set(i.training_type);
        am.course_type = Set(i.course_type);
        am.price_fen = Set(i.price.0);
        am.free_seek = Set(i.free_seek);
    }

    /// Start a package: its first version, a draft.
    pub async fn create(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: PackageInput,
    ) -> AppResult<PackageDetail> {
        let org = self.organizations().publishing(who).await?;
        let source = match (org.kind, i.offline) {
            (OrgKind::Provider, false) => CourseSource::Provider,
            (OrgKind::Provider, true) => {
                return Err(AppError::field(
                    "offline",
                    "线下课由培训机构登记，课程资源方只能发布线上课程",
                ));
            }
            (_, false) => CourseSource::Own,
            (_, true) => CourseSource::Offline,
        };
        let e = self.check(&i).await?;
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let package_id = uuid::Uuid::now_v7().to_string();
        let version_id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        package::Entity::insert(package::ActiveModel {
            id: Set(package_id.clone()),
            org_id: Set(org.id.clone()),
            region_code: Set(org.region_code.clone()),
            source: Set(source),
            name: Set(i.name.trim().to_string()),
            listing: Set(ListingStatus::Unlisted),
            listed_version_id: Set(String::new()),
            listing_reason: Set(String::new()),
            latest_version: Set(1),
            created_at: Set(w.now),
            updated_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        let mut am = blank_version(&version_id, &package_id, &org, 1, who, w.now);
        Self::fill(&mut am, &i);
        version::Entity::insert(am).exec(&w.txn).await?;
        w.commit(Entry::ok(
            "course.create",
            "course_package",
            &package_id,
            serde_json::json!({"version": version_id, "name": i.name.trim(), "source": source}),
        ))
        .await?;
        self.package(who, &package_id).await
    }

    /// Whether the caller may write packages at all (their organisation may publish).
    pub async fn may_publish(&self, who: &Principal) -> AppResult<()> {
        self.organizations().publishing(who).await.map(|_| ())
    }

    /// Refuse early (before reading a form) when the caller may not change this version.
    pub async fn check_editable(&self, who: &Principal, version_id: &str) -> AppResult<()> {
        self.editable(who, version_id).await.map(|_| ())
    }

    /// A version the caller's organisation may still change.
    async fn editable(&self, who: &Principal, version_id: &str) -> AppResult<version::Model> {
        let v = self
            .find_scoped::<version::Entity>(who, Permission::ManageCourses, version_id)
            .await?;
        self.organizations().publishing(who).await?;
        if !v.status.editable() {
            return Err(AppError::Conflict(format!(
                "该版本当前为“{}”，不能修改；如需修改已上架课程，请创建新版本",
                v.status.label()
            )));
        }
        Ok(v)
    }

    /// Conditionally touch a version in the status it was read in (a submission racing an
    /// edit makes one of them fail).
    async fn touch_version(w: &Write<'_>, v: &version::Model) -> AppResult<()> {
        one_row(
            version::Entity::update_many()
                .col_expr(version::Column::UpdatedAt, Expr::value(w.now))
                .filter(version::Column::Id.eq(v.id.clone()))
                .filter(version::Column::Status.eq(v.status))
                .exec(&w.txn)
                .await?,
            "该版本刚被提交或修改，请刷新后重试",
        )
    }

    /// Change a draft's description.
    pub async fn update(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        i: PackageInput,
    ) -> AppResult<VersionView> {
        let v = self.editable(who, version_id).await?;
        let e = self.check(&i).await?;
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let w = self.write(who, ctx).await?;
        let mut am = version::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(v.id.clone()),
            ..Default::default()
        };
        Self::fill(&mut am, &i);
        am.updated_at = Set(w.now);
        one_row(
            version::Entity::update_many()
                .set(am)
                .filter(version::Column::Id.eq(v.id.clone()))
                .filter(version::Column::Status.eq(v.status))
                .exec(&w.txn)
                .await?,
            "该版本刚被提交或修改，请刷新后重试",
        )?;
        rename_package(&w, &v.package_id, i.name.trim()).await?;
        w.commit(Entry::ok(
            "course.update",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "name": i.name.trim()}),
        ))
        .await?;
        self.version(who, version_id).await
    }

    /// Add a chapter at the end.
    pub async fn add_chapter(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        title: &str,
    ) -> AppResult<VersionView> {
        let v = self.editable(who, version_id).await?;
        let mut e = Vec::new();
        text_field(&mut e, "title", "章节名称", title, 1, MAX_NAME);
        self.screen(&mut e, "title", "章节名称", title).await?;
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        let n = sea_orm::PaginatorTrait::count(
            chapter::Entity::find().filter(chapter::Column::VersionId.eq(v.id.clone())),
            &w.txn,
        )
        .await?;
        if n >= MAX_CHAPTERS {
            return Err(AppError::Conflict(format!(
                "一个课程包最多{MAX_CHAPTERS}个章节"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        chapter::Entity::insert(chapter::ActiveModel {
            id: Set(id.clone()),
            version_id: Set(v.id.clone()),
            position: Set(next_position(
                &w,
                chapter::Entity::find().filter(chapter::Column::VersionId.eq(v.id.clone())),
                chapter::Column::Position,
            )
            .await?),
            title: Set(title.trim().to_string()),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::field("title", "同一课程包内章节名称不能重复"))?;
        w.commit(Entry::ok(
            "course.chapter_add",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "chapter": id, "title": title.trim()}),
        ))
        .await?;
        self.version(who, version_id).await
    }

    /// Remove an empty chapter.
    pub async fn remove_chapter(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        chapter_id: &str,
    ) -> AppResult<VersionView> {
        let v = self.editable(who, version_id).await?;
        let c = self.chapter_of(&v, chapter_id).await?;
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        let n = sea_orm::PaginatorTrait::count(
            lesson::Entity::find().filter(lesson::Column::ChapterId.eq(c.id.clone())),
            &w.txn,
        )
        .await?;
        if n > 0 {
            return Err(AppError::Conflict("该章节下还有课时，请先删除课时".into()));
        }
        chapter::Entity::delete_by_id(c.id.clone())
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "course.chapter_remove",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "chapter": c.id, "title": c.title}),
        ))
        .await?;
        self.version(who, version_id).await
    }

    async fn chapter_of(&self, v: &version::Model, chapter_id: &str) -> AppResult<chapter::Model> {
        chapter::Entity::find_by_id(chapter_id.to_string())
            .filter(chapter::Column::VersionId.eq(v.id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("章节"))
    }

    /// Add a lesson at the end of a chapter. Text and documents state their reading time;
    /// a video's comes from its file.
    pub async fn add_lesson(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        i: LessonInput,
    ) -> AppResult<VersionView> {
        let v = self.editable(who, version_id).await?;
        let c = self
            .chapter_of(&v, &i.chapter_id)
            .await
            .map_err(|_| AppError::field("chapter_id", "请选择本课程包的章节"))?;
        let mut e = Vec::new();
        text_field(&mut e, "title", "课时名称", &i.title, 1, MAX_NAME);
        self.screen(&mut e, "title", "课时名称", &i.title).await?;
        let seconds = match i.kind {
            LessonKind::Text => {
                text_field(&mut e, "body", "图文内容", &i.body, 1, 50_000);
                self.screen(&mut e, "body", "图文内容", &i.body).await?;
                match i.minutes {
                    Some(m) if (1..=600).contains(&m) => Some(i64::from(m) * 60),
                    _ => {
                        e.push(FieldError::new("minutes", "请填写学习时长（1至600分钟）"));
                        None
                    }
                }
            }
            LessonKind::Video | LessonKind::Document => {
                e.push(FieldError::new(
                    "kind",
                    format!("{}课时请通过上传文件添加", i.kind.label()),
                ));
                None
            }
        };
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        let id = self
            .insert_lesson(&w, &v, &c, &i, String::new(), seconds)
            .await?;
        w.commit(Entry::ok(
            "course.lesson_add",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "lesson": id, "title": i.title.trim(), "kind": i.kind}),
        ))
        .await?;
        self.version(who, version_id).await
    }

    pub(crate) async fn insert_lesson(
        &self,
        w: &Write<'_>,
        v: &version::Model,
        c: &chapter::Model,
        i: &LessonInput,
        media_id: String,
        seconds: Option<i64>,
    ) -> AppResult<String> {
        let n = sea_orm::PaginatorTrait::count(
            lesson::Entity::find().filter(lesson::Column::VersionId.eq(v.id.clone())),
            &w.txn,
        )
        .await?;
        if n >= MAX_LESSONS {
            return Err(AppError::Conflict(format!(
                "一个课程包最多{MAX_LESSONS}个课时"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let position = next_position(
            w,
            lesson::Entity::find().filter(lesson::Column::ChapterId.eq(c.id.clone())),
            lesson::Column::Position,
        )
        .await?;
        lesson::Entity::insert(lesson::ActiveModel {
            id: Set(id.clone()),
            version_id: Set(v.id.clone()),
            chapter_id: Set(c.id.clone()),
            position: Set(position),
            title: Set(i.title.trim().to_string()),
            kind: Set(i.kind),
            body: Set(i.body.trim().to_string()),
            media_id: Set(media_id),
            seconds: Set(seconds),
            preview: Set(i.preview),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::field("title", "同一课程包内课时名称不能重复"))?;
        Ok(id)
    }

    pub async fn remove_lesson(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        lesson_id: &str,
    ) -> AppResult<VersionView> {
        let v = self.editable(who, version_id).await?;
        let l = lesson::Entity::find_by_id(lesson_id.to_string())
            .filter(lesson::Column::VersionId.eq(v.id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课时"))?;
        let w = self.write(who, ctx).await?;
        Self::touch_version(&w, &v).await?;
        lesson::Entity::delete_by_id(l.id.clone())
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "course.lesson_remove",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "lesson": l.id, "title": l.title}),
        ))
        .await?;
        self.version(who, version_id).await
    }

    /// Submit a draft (or a returned version) for review: everything a reviewer needs is
    /// there, the lessons add up to the declared hours, no sensitive word anywhere.
    pub async fn submit(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
    ) -> AppResult<VersionView> {
        let v = self.editable(who, version_id).await?;
        if self.open_api().barred(&self.db, &v.org_id).await? {
            return Err(AppError::Conflict(
                "贵单位的入驻资格已暂停或终止，暂不能送审课程".into(),
            ));
        }
        let p = package::Entity::find_by_id(v.package_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课程包"))?;
        let lessons = lesson::Entity::find()
            .filter(lesson::Column::VersionId.eq(v.id.clone()))
            .all(&self.db)
            .await?;
        let chapters = chapter::Entity::find()
            .filter(chapter::Column::VersionId.eq(v.id.clone()))
            .all(&self.db)
            .await?;
        let ready: std::collections::HashSet<String> = jineng_store::courses::media::Entity::find()
            .filter(
                jineng_store::courses::media::Column::Id
                    .is_in(lessons.iter().map(|l| l.media_id.clone())),
            )
            .filter(
                jineng_store::courses::media::Column::Status
                    .eq(jineng_core::courses::MediaStatus::Ready),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let facts: Vec<LessonFacts<'_>> = lessons
            .iter()
            .map(|l| LessonFacts {
                title: &l.title,
                kind: l.kind,
                seconds: l.seconds.and_then(|s| u64::try_from(s).ok()),
                ready: l.kind == LessonKind::Text || ready.contains(&l.media_id),
                preview: l.preview,
            })
            .collect();
        let declared = u32::try_from(v.declared_hours).unwrap_or(0);
        let report = rules::check_content(p.source, declared, &facts);
        let mut problems = report.problems;
        if v.cover_key.is_empty() {
            problems.push("请上传课程封面图片".into());
        }
        if v.copyright_key.is_empty() && p.source != CourseSource::Offline {
            problems.push("请上传版权证明材料".into());
        }
        let words = self.words_filter().await?;
        let mut texts: Vec<(String, &str)> = vec![
            ("课程包名称".into(), v.name.as_str()),
            ("课程简介".into(), v.intro.as_str()),
            ("适用人群".into(), v.audience.as_str()),
            ("主要内容".into(), v.content.as_str()),
        ];
        for c in &chapters {
            texts.push((format!("章节“{}”", c.title), c.title.as_str()));
        }
        for l in &lessons {
            texts.push((format!("课时“{}”", l.title), l.title.as_str()));
            texts.push((format!("课时“{}”的内容", l.title), l.body.as_str()));
        }
        for (place, text) in texts {
            let hits = words.hits(text);
            if !hits.is_empty() {
                problems.push(format!("{place}含有敏感词：{}", hits.join("、")));
            }
        }
        problems.extend(
            self.bank_problems(&v, p.source != CourseSource::Offline)
                .await?,
        );
        if self.serves(&v).await?.is_empty() {
            problems.push(format!(
                "本省培训项目目录中没有与本课程相符的在用项目（职业{}、{}{}），请核对职业、工种和等级，或请人社部门先发布该项目",
                v.occupation_code,
                if v.work_type_id.is_empty() { "不限工种" } else { "所选工种" },
                if v.skill_level > 0 { format!("、{}", level_label(v.skill_level)) } else { "、不定级".into() },
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(
                problems
                    .into_iter()
                    .map(|m| FieldError::new("content", m))
                    .collect(),
            ));
        }
        let to = v
            .status
            .apply(VersionAction::Submit)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let steps: Vec<&str> = self
            .flow_for(v.course_type)
            .await?
            .iter()
            .map(|s| s.code())
            .collect();
        let w = self.write(who, ctx).await?;
        one_row(
            version::Entity::update_many()
                .col_expr(version::Column::Status, Expr::value(to))
                .col_expr(version::Column::ReviewLevel, Expr::value(1))
                .col_expr(
                    version::Column::ReviewLevels,
                    Expr::value(steps.len() as i32),
                )
                .col_expr(
                    version::Column::ReviewRound,
                    Expr::value(v.review_round + 1),
                )
                .col_expr(version::Column::ReviewSteps, Expr::value(steps.join(",")))
                .col_expr(
                    version::Column::Warnings,
                    Expr::value(serde_json::to_string(&report.warnings).unwrap_or_default()),
                )
                .col_expr(version::Column::SubmittedAt, Expr::value(Some(w.now)))
                .col_expr(version::Column::UpdatedAt, Expr::value(w.now))
                .filter(version::Column::Id.eq(v.id.clone()))
                .filter(version::Column::Status.eq(v.status))
                .exec(&w.txn)
                .await?,
            "该版本刚被提交或修改，请刷新后重试",
        )?;
        w.commit(Entry::ok(
            "course.submit",
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "number": v.number, "status": [v.status, to], "round": v.review_round + 1, "warnings": report.warnings}),
        ))
        .await?;
        self.version(who, version_id).await
    }

    /// Start a new version of a package whose versions are all closed, copying the newest
    /// approved one (content, chapters, lessons; files are shared, never copied).
    pub async fn new_version(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        package_id: &str,
    ) -> AppResult<PackageDetail> {
        let p = self
            .find_scoped::<package::Entity>(who, Permission::ManageCourses, package_id)
            .await?;
        let org = self.organizations().publishing(who).await?;
        let Some(from) = version::Entity::find()
            .filter(version::Column::PackageId.eq(p.id.clone()))
            .filter(version::Column::Status.eq(VersionStatus::Approved))
            .order_by_desc(version::Column::Number)
            .one(&self.db)
            .await?
        else {
            return Err(AppError::Conflict(
                "该课程包还没有审核通过的版本，请直接修改当前草稿".into(),
            ));
        };
        let number = p.latest_version + 1;
        let id = uuid::Uuid::now_v7().to_string();
        let w = self.write(who, ctx).await?;
        one_row(
            package::Entity::update_many()
                .col_expr(package::Column::LatestVersion, Expr::value(number))
                .col_expr(package::Column::UpdatedAt, Expr::value(w.now))
                .filter(package::Column::Id.eq(p.id.clone()))
                .filter(package::Column::LatestVersion.eq(p.latest_version))
                .exec(&w.txn)
                .await?,
            "该课程包刚被修改，请刷新后重试",
        )?;
        let mut am = blank_version(&id, &p.id, &org, number, who, w.now);
        am.name = Set(from.name.clone());
        am.intro = Set(from.intro.clone());
        am.audience = Set(from.audience.clone());
        am.content = Set(from.content.clone());
        am.declared_hours = Set(from.declared_hours);
        am.occupation_code = Set(from.occupation_code.clone());
        am.work_type_id = Set(from.work_type_id.clone());
        am.skill_level = Set(from.skill_level);
        am.training_type = Set(from.training_type);
        am.course_type = Set(from.course_type);
        am.price_fen = Set(from.price_fen);
        am.free_seek = Set(from.free_seek);
        am.cover_key = Set(from.cover_key.clone());
        am.copyright_key = Set(from.copyright_key.clone());
        am.copyright_filename = Set(from.copyright_filename.clone());
        version::Entity::insert(am)
            .exec(&w.txn)
            .await
            .on_unique(|| {
                AppError::Conflict("该课程包已有未完成的版本（草稿、审核中或已退回）".into())
            })?;
        let chapters = chapter::Entity::find()
            .filter(chapter::Column::VersionId.eq(from.id.clone()))
            .all(&w.txn)
            .await?;
        let lessons = lesson::Entity::find()
            .filter(lesson::Column::VersionId.eq(from.id.clone()))
            .all(&w.txn)
            .await?;
        for c in chapters {
            let cid = uuid::Uuid::now_v7().to_string();
            chapter::Entity::insert(chapter::ActiveModel {
                id: Set(cid.clone()),
                version_id: Set(id.clone()),
                position: Set(c.position),
                title: Set(c.title.clone()),
            })
            .exec(&w.txn)
            .await?;
            for l in lessons.iter().filter(|l| l.chapter_id == c.id) {
                lesson::Entity::insert(lesson::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    version_id: Set(id.clone()),
                    chapter_id: Set(cid.clone()),
                    position: Set(l.position),
                    title: Set(l.title.clone()),
                    kind: Set(l.kind),
                    body: Set(l.body.clone()),
                    media_id: Set(l.media_id.clone()),
                    seconds: Set(l.seconds),
                    preview: Set(l.preview),
                    created_at: Set(w.now),
                })
                .exec(&w.txn)
                .await?;
            }
        }
        Self::copy_questions(&w, &from.id, &id).await?;
        w.commit(Entry::ok(
            "course.new_version",
            "course_package",
            &p.id,
            serde_json::json!({"version": id, "number": number, "from": from.id}),
        ))
        .await?;
        self.package(who, package_id).await
    }

    /// Packages the caller may see (its own organisation's; an operator's or regulator's
    /// scope), newest change first.
    pub async fn list(
        &self,
        who: &Principal,
        f: &PackageFilter,
        r: PageRequest,
    ) -> AppResult<Page<PackageView>> {
        let mut q = self.list_scoped::<package::Entity>(who, Permission::ViewCourses)?;
        if let Some(l) = f.listing {
            q = q.filter(package::Column::Listing.eq(l));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(Condition::all().add(page::contains(package::Column::Name, text)));
        }
        let rows = page::fetch(
            &self.db,
            q.order_by_desc(package::Column::UpdatedAt)
                .order_by_desc(package::Column::Id),
            r,
        )
        .await?;
        let names = self
            .org_names(rows.items.iter().map(|p| p.org_id.clone()))
            .await?;
        Ok(rows.map(|p| package_view(p, &names)))
    }

    /// One package, its versions and the version to show.
    pub async fn package(&self, who: &Principal, id: &str) -> AppResult<PackageDetail> {
        let p = self
            .find_scoped::<package::Entity>(who, Permission::ViewCourses, id)
            .await?;
        let versions = version::Entity::find()
            .filter(version::Column::PackageId.eq(p.id.clone()))
            .order_by_desc(version::Column::Number)
            .all(&self.db)
            .await?;
        let shown = versions
            .iter()
            .find(|v| v.status.editable() || v.status == VersionStatus::InReview)
            .or_else(|| versions.iter().find(|v| v.id == p.listed_version_id))
            .or_else(|| versions.first())
            .cloned()
            .ok_or(AppError::NotFound("课程包版本"))?;
        let names = self.org_names(std::iter::once(p.org_id.clone())).await?;
        Ok(PackageDetail {
            current: self.version_view(shown).await?,
            versions: versions
                .into_iter()
                .map(|v| VersionSummary {
                    id: v.id,
                    number: v.number,
                    status_label: v.status.label(),
                    status: v.status,
                    name: v.name,
                    updated_at: v.updated_at,
                })
                .collect(),
            package: package_view(p, &names),
        })
    }

    /// The training projects in force that a version serves.
    async fn serves(&self, v: &version::Model) -> AppResult<Vec<crate::catalogue::ProjectView>> {
        self.catalogue()
            .served_by(jineng_core::occupations::TrainingScope {
                occupation: &v.occupation_code,
                work_type: &v.work_type_id,
                level: v.skill_level,
            })
            .await
    }

    /// One version the caller may see, with its chapters and lessons.
    pub async fn version(&self, who: &Principal, id: &str) -> AppResult<VersionView> {
        let v = self
            .find_scoped::<version::Entity>(who, Permission::ViewCourses, id)
            .await?;
        self.version_view(v).await
    }

    pub(crate) async fn version_view(&self, v: version::Model) -> AppResult<VersionView> {
        let chapters = chapter::Entity::find()
            .filter(chapter::Column::VersionId.eq(v.id.clone()))
            .order_by_asc(chapter::Column::Position)
            .all(&self.db)
            .await?;
        let lessons = lesson::Entity::find()
            .filter(lesson::Column::VersionId.eq(v.id.clone()))
            .order_by_asc(lesson::Column::Position)
            .all(&self.db)
            .await?;
        let media: std::collections::HashMap<String, jineng_store::courses::media::Model> =
            jineng_store::courses::media::Entity::find()
                .filter(
                    jineng_store::courses::media::Column::Id.is_in(
                        lessons
                            .iter()
                            .filter(|l| !l.media_id.is_empty())
                            .map(|l| l.media_id.clone()),
                    ),
                )
                .all(&self.db)
                .await?
                .into_iter()
                .map(|m| (m.id.clone(), m))
                .collect();
        let total: u64 = lessons
            .iter()
            .filter_map(|l| l.seconds.and_then(|s| u64::try_from(s).ok()))
            .sum();
        let occupation_name = occupation::Entity::find_by_id(v.occupation_code.clone())
            .one(&self.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let work_type_name = if v.work_type_id.is_empty() {
            String::new()
        } else {
            work_type::Entity::find_by_id(v.work_type_id.clone())
                .one(&self.db)
                .await?
                .map(|w| w.name)
                .unwrap_or_default()
        };
        let chapters = chapters
            .into_iter()
            .map(|c| ChapterView {
                lessons: lessons
                    .iter()
                    .filter(|l| l.chapter_id == c.id)
                    .map(|l| LessonView {
                        id: l.id.clone(),
                        chapter_id: l.chapter_id.clone(),
                        position: l.position,
                        title: l.title.clone(),
                        kind: l.kind,
                        kind_label: l.kind.label(),
                        body: l.body.clone(),
                        media_id: l.media_id.clone(),
                        seconds: l.seconds,
                        minutes: l.seconds.map(|s| (s + 59) / 60),
                        preview: l.preview,
                        media_status: media.get(&l.media_id).map(|m| m.status),
                        media_reason: media
                            .get(&l.media_id)
                            .map(|m| m.reason.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
                id: c.id,
                position: c.position,
                title: c.title,
            })
            .collect();
        let projects = self.serves(&v).await?;
        Ok(VersionView {
            projects,
            editable: v.status.editable(),
            status_label: v.status.label(),
            lesson_hours: rules::tenths_label(rules::class_hour_tenths(total)),
            level_label: level_label(v.skill_level),
            training_type_label: v.training_type.label(),
            course_type_label: v.course_type.label(),
            price_yuan: Fen(v.price_fen).to_string(),
            has_cover: !v.cover_key.is_empty(),
            warnings: serde_json::from_str(&v.warnings).unwrap_or_default(),
            occupation_name,
            work_type_name,
            chapters,
            id: v.id,
            package_id: v.package_id,
            org_id: v.org_id,
            number: v.number,
            status: v.status,
            name: v.name,
            intro: v.intro,
            audience: v.audience,
            content: v.content,
            declared_hours: v.declared_hours,
            occupation_code: v.occupation_code,
            work_type_id: v.work_type_id,
            skill_level: v.skill_level,
            training_type: v.training_type,
            course_type: v.course_type,
            price_fen: v.price_fen,
            free_seek: v.free_seek,
            copyright_filename: v.copyright_filename,
            review_level: v.review_level,
            review_levels: v.review_levels,
            submitted_at: v.submitted_at,
        })
    }

    /// Refuse a text with listed words (named).
    async fn screen(
        &self,
        e: &mut Vec<FieldError>,
        field: &str,
        label: &str,
        text: &str,
    ) -> AppResult<()> {
        let hits = self.words_filter().await?.hits(text);
        if !hits.is_empty() {
            e.push(FieldError::new(
                field,
                format!("{label}含有敏感词：{}", hits.join("、")),
            ));
        }
        Ok(())
    }
}

fn blank_version(
    id: &str,
    package_id: &str,
    org: &organization::Model,
    number: i32,
    who: &Principal,
    now: DateTime<Utc>,
) -> version::ActiveModel {
    version::ActiveModel {
        id: Set(id.to_string()),
        package_id: Set(package_id.to_string()),
        org_id: Set(org.id.clone()),
        region_code: Set(org.region_code.clone()),
        number: Set(number),
        status: Set(VersionStatus::Draft),
        cover_key: Set(String::new()),
        copyright_key: Set(String::new()),
        copyright_filename: Set(String::new()),
        review_level: Set(0),
        review_levels: Set(0),
        review_round: Set(0),
        review_steps: Set(String::new()),
        warnings: Set("[]".into()),
        submitted_at: Set(None),
        decided_at: Set(None),
        created_by: Set(who.user_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

async fn rename_package(w: &Write<'_>, package_id: &str, name: &str) -> AppResult<()> {
    package::Entity::update_many()
        .col_expr(package::Column::Name, Expr::value(name))
        .col_expr(package::Column::UpdatedAt, Expr::value(w.now))
        .filter(package::Column::Id.eq(package_id))
        .exec(&w.txn)
        .await?;
    Ok(())
}

/// The next position after the last row of `q` (1 for the first).
async fn next_position<E: EntityTrait>(
    w: &Write<'_>,
    q: sea_orm::Select<E>,
    col: E::Column,
) -> AppResult<i32> {
    let max: Option<Option<i32>> = q
        .select_only()
        .column_as(
            Expr::expr(sea_orm::sea_query::Func::max(Expr::col(col))),
            "m",
        )
        .into_tuple()
        .one(&w.txn)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

fn package_view(
    p: package::Model,
    names: &std::collections::HashMap<String, String>,
) -> PackageView {
    PackageView {
        org_name: names.get(&p.org_id).cloned().unwrap_or_default(),
        source_label: p.source.label(),
        listing_label: p.listing.label(),
        id: p.id,
        org_id: p.org_id,
        source: p.source,
        name: p.name,
        listing: p.listing,
        listing_reason: p.listing_reason,
        listed_version_id: p.listed_version_id,
        latest_version: p.latest_version,
        updated_at: p.updated_at,
    }
}
