//! The public course catalogue: listed packages found by Chinese words (the search
//! crate's jieba-segmented index) and by occupation, training and course type, level,
//! price and hours; a package's public page; delisting and relisting by operators and
//! regulators. The index is in each node's memory and kept in step with the database at
//! every search (the packages changed since the last look are read and re-indexed; a
//! look reads again the last ten seconds of changes, for transactions that commit late),
//! so any number of nodes agree without telling each other; it rebuilds on demand.

use super::Courses;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::page::{Page, PageRequest};
use crate::write::one_row;
use chrono::{DateTime, Utc};
use jineng_core::Fen;
use jineng_core::accounts::Permission;
use jineng_core::courses::{
    ListingAction, ListingStatus, MediaStatus, class_hour_tenths, tenths_label,
};
use jineng_search::{CourseDoc, CourseIndex, CourseQuery};
use jineng_store::courses::{chapter, lesson, media, package, version};
use jineng_store::reference::occupation;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;

/// Packages re-indexed per database round trip.
const BATCH: usize = 500;
/// How far behind the newest change already read each look starts again: a transaction
/// stamps `updated_at` when it starts and may commit after a later one was read.
const LAG_SECONDS: i64 = 10;

/// How far a node has read the packages' changes.
#[derive(Default)]
struct Mark {
    /// The newest `updated_at` read.
    newest: Option<DateTime<Utc>>,
    /// The packages read within the lag window, as read (`updated_at`, listing, listed
    /// version), so a look that sees them again unchanged does not index them again.
    recent: HashMap<String, (DateTime<Utc>, ListingStatus, String)>,
}

/// A node's catalogue index and how far it has read the packages' changes.
pub struct CatalogueIndex {
    index: Result<CourseIndex, String>,
    mark: tokio::sync::Mutex<Mark>,
}

impl CatalogueIndex {
    pub fn new() -> CatalogueIndex {
        CatalogueIndex {
            index: CourseIndex::in_memory().map_err(|e| e.to_string()),
            mark: tokio::sync::Mutex::new(Mark::default()),
        }
    }

    fn index(&self) -> AppResult<&CourseIndex> {
        self.index
            .as_ref()
            .map_err(|e| AppError::Internal(format!("course index: {e}")))
    }
}

impl Default for CatalogueIndex {
    fn default() -> Self {
        Self::new()
    }
}

/// A catalogue search as asked.
#[derive(Debug, Clone, Default)]
pub struct CatalogueFilter {
    pub text: Option<String>,
    pub occupation: Option<String>,
    pub training_type: Option<String>,
    pub course_type: Option<String>,
    pub level: Option<i64>,
    pub free_only: bool,
    pub max_price: Option<Fen>,
    pub min_hours: Option<i64>,
    pub max_hours: Option<i64>,
}

/// A listed package as the catalogue shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogueItem {
    pub id: String,
    pub version_id: String,
    pub name: String,
    pub org_name: String,
    pub intro: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: i32,
    pub level_label: &'static str,
    pub training_type_label: &'static str,
    pub course_type_label: &'static str,
    pub price_fen: i64,
    pub price_yuan: String,
    /// Class hours of its lessons ("12.5").
    pub hours: String,
    pub has_cover: bool,
}

/// A listed package's public page: its description and outline; preview lessons with a
/// playable video link.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogueDetail {
    pub item: CatalogueItem,
    pub audience: String,
    pub content: String,
    pub chapters: Vec<CatalogueChapter>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogueChapter {
    pub title: String,
    pub lessons: Vec<CatalogueLesson>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogueLesson {
    pub title: String,
    pub kind_label: &'static str,
    pub minutes: Option<i64>,
    /// Set for a preview lesson that opens: its id, and its player's or reader's path.
    pub preview_lesson: Option<String>,
    pub preview_path: Option<String>,
}

impl Courses<'_> {
    /// Read the packages changed since the last look (within the lag window) and put them
    /// in (or take them out of) this node's index; nothing is committed when nothing
    /// changed, so a search on a quiet catalogue costs one small indexed query.
    pub(crate) async fn sync_index(&self) -> AppResult<()> {
        let ix = self.course_index.index()?;
        let mut mark = self.course_index.mark.lock().await;
        let mut q = package::Entity::find()
            .select_only()
            .column(package::Column::Id)
            .column(package::Column::Listing)
            .column(package::Column::ListedVersionId)
            .column(package::Column::UpdatedAt)
            .order_by_asc(package::Column::UpdatedAt);
        if let Some(m) = mark.newest {
            q = q
                .filter(package::Column::UpdatedAt.gte(m - chrono::Duration::seconds(LAG_SECONDS)));
        }
        let rows: Vec<(String, ListingStatus, String, DateTime<Utc>)> =
            q.into_tuple().all(&self.db).await?;
        let changed: Vec<&(String, ListingStatus, String, DateTime<Utc>)> = rows
            .iter()
            .filter(|(id, listing, vid, at)| {
                mark.recent.get(id) != Some(&(*at, *listing, vid.clone()))
            })
            .collect();
        if !changed.is_empty() {
            for batch in changed.chunks(BATCH) {
                let mut removals = Vec::new();
                let mut listed = Vec::new();
                for (id, listing, vid, _) in batch {
                    if *listing == ListingStatus::Listed && !vid.is_empty() {
                        listed.push(vid.clone());
                    } else {
                        removals.push(id.clone());
                    }
                }
                let docs = self.docs_for(&listed).await?;
                ix.stage(&docs, &removals)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
            ix.publish()
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        if let Some(newest) = rows.last().map(|r| r.3).max(mark.newest) {
            let floor = newest - chrono::Duration::seconds(LAG_SECONDS);
            mark.recent.retain(|_, seen| seen.0 >= floor);
            for (id, listing, vid, at) in rows.iter().filter(|r| r.3 >= floor) {
                mark.recent.insert(id.clone(), (*at, *listing, vid.clone()));
            }
            mark.newest = Some(newest);
        }
        Ok(())
    }

    /// Index documents of these (listed) versions.
    async fn docs_for(&self, version_ids: &[String]) -> AppResult<Vec<CourseDoc>> {
        if version_ids.is_empty() {
            return Ok(Vec::new());
        }
        let versions = version::Entity::find()
            .filter(version::Column::Id.is_in(version_ids.iter().cloned()))
            .all(&self.db)
            .await?;
        let orgs = self
            .org_names(versions.iter().map(|v| v.org_id.clone()))
            .await?;
        let occupations: HashMap<String, String> = occupation::Entity::find()
            .filter(
                occupation::Column::Code.is_in(versions.iter().map(|v| v.occupation_code.clone())),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.code, o.name))
            .collect();
        let chapters = chapter::Entity::find()
            .filter(chapter::Column::VersionId.is_in(version_ids.iter().cloned()))
            .order_by_asc(chapter::Column::Position)
            .all(&self.db)
            .await?;
        let lessons = lesson::Entity::find()
            .filter(lesson::Column::VersionId.is_in(version_ids.iter().cloned()))
            .order_by_asc(lesson::Column::Position)
            .all(&self.db)
            .await?;
        Ok(versions
            .into_iter()
            .map(|v| {
                let mut outline = Vec::new();
                let mut seconds = 0u64;
                for c in chapters.iter().filter(|c| c.version_id == v.id) {
                    outline.push(c.title.clone());
                    for l in lessons.iter().filter(|l| l.chapter_id == c.id) {
                        outline.push(l.title.clone());
                        seconds += l.seconds.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
                    }
                }
                CourseDoc {
                    id: v.package_id.clone(),
                    org_name: orgs.get(&v.org_id).cloned().unwrap_or_default(),
                    occupation_name: occupations
                        .get(&v.occupation_code)
                        .cloned()
                        .unwrap_or_default(),
                    outline: outline.join("\n"),
                    hour_tenths: i64::try_from(class_hour_tenths(seconds)).unwrap_or(i64::MAX),
                    name: v.name,
                    intro: v.intro,
                    content: v.content,
                    audience: v.audience,
                    occupation_code: v.occupation_code,
                    training_type: v.training_type.code().into(),
                    course_type: v.course_type.code().into(),
                    level: i64::from(v.skill_level),
                    price_fen: v.price_fen,
                }
            })
            .collect())
    }

    /// Search the catalogue (anyone, signed in or not).
    pub async fn search(
        &self,
        f: &CatalogueFilter,
        r: PageRequest,
    ) -> AppResult<Page<CatalogueItem>> {
        self.sync_index().await?;
        let q = CourseQuery {
            text: f.text.clone().filter(|t| t.chars().count() <= 100),
            occupation: f.occupation.clone(),
            training_type: f.training_type.clone(),
            course_type: f.course_type.clone(),
            level: f.level,
            free_only: f.free_only,
            max_price_fen: f.max_price.map(|p| p.0),
            min_hour_tenths: f.min_hours.map(|h| h.saturating_mul(10)),
            max_hour_tenths: f.max_hours.map(|h| h.saturating_mul(10)),
        };
        let offset = usize::try_from((r.page - 1) * r.per_page).unwrap_or(usize::MAX);
        let hits = self
            .course_index
            .index()?
            .search(&q, offset, usize::try_from(r.per_page).unwrap_or(20))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let items = self.items(&hits.ids).await?;
        Ok(Page {
            items,
            total: hits.total as u64,
            page: r.page,
            per_page: r.per_page,
        })
    }

    /// Catalogue items of these packages, in this order, listed ones only.
    async fn items(&self, package_ids: &[String]) -> AppResult<Vec<CatalogueItem>> {
        let packages: HashMap<String, package::Model> = package::Entity::find()
            .filter(package::Column::Id.is_in(package_ids.iter().cloned()))
            .filter(package::Column::Listing.eq(ListingStatus::Listed))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let versions: HashMap<String, version::Model> = version::Entity::find()
            .filter(
                version::Column::Id.is_in(packages.values().map(|p| p.listed_version_id.clone())),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| (v.id.clone(), v))
            .collect();
        let orgs = self
            .org_names(packages.values().map(|p| p.org_id.clone()))
            .await?;
        let occupations: HashMap<String, String> = occupation::Entity::find()
            .filter(
                occupation::Column::Code
                    .is_in(versions.values().map(|v| v.occupation_code.clone())),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.code, o.name))
            .collect();
        let seconds: HashMap<String, i64> = lesson::Entity::find()
            .filter(lesson::Column::VersionId.is_in(versions.keys().cloned()))
            .all(&self.db)
            .await?
            .into_iter()
            .fold(HashMap::new(), |mut m, l| {
                *m.entry(l.version_id).or_insert(0) += l.seconds.unwrap_or(0);
                m
            });
        Ok(package_ids
            .iter()
            .filter_map(|id| {
                let p = packages.get(id)?;
                let v = versions.get(&p.listed_version_id)?;
                let secs = u64::try_from(seconds.get(&v.id).copied().unwrap_or(0)).unwrap_or(0);
                Some(CatalogueItem {
                    id: p.id.clone(),
                    version_id: v.id.clone(),
                    name: v.name.clone(),
                    org_name: orgs.get(&p.org_id).cloned().unwrap_or_default(),
                    intro: v.intro.chars().take(120).collect(),
                    occupation_code: v.occupation_code.clone(),
                    occupation_name: occupations
                        .get(&v.occupation_code)
                        .cloned()
                        .unwrap_or_default(),
                    level: v.skill_level,
                    level_label: jineng_core::occupations::level_label(v.skill_level),
                    training_type_label: v.training_type.label(),
                    course_type_label: v.course_type.label(),
                    price_fen: v.price_fen,
                    price_yuan: Fen(v.price_fen).to_string(),
                    hours: tenths_label(class_hour_tenths(secs)),
                    has_cover: !v.cover_key.is_empty(),
                })
            })
            .collect())
    }

    /// Listed packages that fit a class the caller may see: the class's occupation, and its
    /// project's level (or no level on either side).
    pub async fn for_class(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<CatalogueItem>> {
        let (c, _) = self.classes().get(who, class_id).await?;
        let Some(p) = jineng_store::catalogue::project::Entity::find_by_id(c.project_id.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(Vec::new());
        };
        let found = self
            .search(
                &CatalogueFilter {
                    occupation: Some(p.occupation_code.clone()),
                    ..Default::default()
                },
                PageRequest::first(100),
            )
            .await?;
        Ok(found
            .items
            .into_iter()
            .filter(|i| p.skill_level == 0 || i.level == 0 || i.level == p.skill_level)
            .collect())
    }

    /// A listed package's public page.
    pub async fn public_package(&self, id: &str) -> AppResult<CatalogueDetail> {
        let item = self
            .items(&[id.to_string()])
            .await?
            .pop()
            .ok_or(AppError::NotFound("课程"))?;
        let v = version::Entity::find_by_id(item.version_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课程"))?;
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
        let ready: std::collections::HashSet<String> = media::Entity::find()
            .filter(media::Column::Id.is_in(lessons.iter().map(|l| l.media_id.clone())))
            .filter(media::Column::Status.eq(MediaStatus::Ready))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        Ok(CatalogueDetail {
            chapters: chapters
                .into_iter()
                .map(|c| CatalogueChapter {
                    lessons: lessons
                        .iter()
                        .filter(|l| l.chapter_id == c.id)
                        .map(|l| CatalogueLesson {
                            title: l.title.clone(),
                            kind_label: l.kind.label(),
                            minutes: l.seconds.map(|s| (s + 59) / 60),
                            preview_lesson: (l.preview && ready.contains(&l.media_id))
                                .then(|| l.id.clone()),
                            preview_path: (l.preview && ready.contains(&l.media_id))
                                .then(|| super::lesson_path(l.kind, &l.id)),
                        })
                        .collect(),
                    title: c.title,
                })
                .collect(),
            audience: v.audience,
            content: v.content,
            item,
        })
    }

    /// Empty this node's index and read every package again.
    pub async fn reindex(&self, who: &Principal, ctx: &RequestCtx) -> AppResult<u64> {
        if !who.can(Permission::ManageSettings) {
            return Err(AppError::Forbidden);
        }
        {
            let ix = self.course_index.index()?;
            let mut mark = self.course_index.mark.lock().await;
            ix.clear().map_err(|e| AppError::Internal(e.to_string()))?;
            *mark = Mark::default();
        }
        self.sync_index().await?;
        let n = self.course_index.index()?.len();
        let w = self.write(who, ctx).await?;
        w.commit(Entry::ok(
            "course.reindex",
            "course_index",
            "catalogue",
            serde_json::json!({"documents": n}),
        ))
        .await?;
        Ok(n)
    }

    /// Take a listed package off the catalogue, or put it back (classes that have it keep
    /// it either way). A reason is required.
    pub async fn set_listing(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        package_id: &str,
        action: ListingAction,
        reason: &str,
    ) -> AppResult<super::PackageDetail> {
        if !who.can(Permission::ManageListings) {
            return Err(AppError::Forbidden);
        }
        let p = self
            .find_scoped::<package::Entity>(who, Permission::ManageListings, package_id)
            .await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::field(
                "reason",
                format!("{}必须填写原因", action.label()),
            ));
        }
        if reason.chars().count() > 500 {
            return Err(AppError::field("reason", "原因不能超过500个字符"));
        }
        if let Some(m) = jineng_core::text::plain_text_problem(reason) {
            return Err(AppError::field("reason", format!("原因{m}")));
        }
        let to = p
            .listing
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let w = self.write(who, ctx).await?;
        one_row(
            package::Entity::update_many()
                .col_expr(package::Column::Listing, Expr::value(to))
                .col_expr(package::Column::ListingReason, Expr::value(reason))
                .col_expr(package::Column::UpdatedAt, Expr::value(w.now))
                .filter(package::Column::Id.eq(p.id.clone()))
                .filter(package::Column::Listing.eq(p.listing))
                .exec(&w.txn)
                .await?,
            "该课程包刚被他人修改，请刷新后重试",
        )?;
        crate::open_api::webhooks::emit(
            self,
            &w,
            &p.org_id,
            jineng_core::open_api::WebhookKind::CourseListing,
            serde_json::json!({"package_id": p.id, "listing": to, "reason": reason}),
        )
        .await?;
        w.commit(Entry::ok(
            &format!("course.{}", action.code()),
            "course_package",
            &p.id,
            serde_json::json!({"listing": [p.listing, to], "reason": reason}),
        ))
        .await?;
        self.package(who, package_id).await
    }
}
