//! Course ratings and quality (课程评价与质量管理, seed 000 §1.6, seed 003 §8): a learner
//! who studied a package rates it on four counts and may comment (a second rating
//! replaces the first; a comment with a sensitive word waits for an operator); the
//! provider replies; operators show, hide, feature (推荐) and answer comments. Learners
//! suggest courses they want. Operators read the quality list (low ratings, few learners,
//! unfinished lessons, complaints) and delist from the course's page; satisfaction per
//! package and per provider exports to Excel.

use super::Courses;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::OnUnique;
use chrono::{DateTime, Utc};
use jineng_core::accounts::Permission;
use jineng_core::courses::ListingStatus;
use jineng_core::courses::ratings::{
    LOW_MEAN, MAX_COMMENT_CHARS, RatingStatus, Stars, Tally, stars_text,
};
use jineng_store::accounts::user;
use jineng_store::courses::{package, rating, suggestion};
use jineng_store::study::progress;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct RatingView {
    pub id: String,
    pub package_id: String,
    /// The learner's name, masked past its first character.
    pub learner: String,
    pub stars: [u8; 4],
    pub overall: String,
    pub comment: String,
    pub status: RatingStatus,
    pub status_label: &'static str,
    /// Sensitive words found (shown to operators only).
    pub hits: String,
    pub featured: bool,
    pub reply: Option<String>,
    pub answer: Option<String>,
    pub mine: bool,
    pub updated_at: DateTime<Utc>,
}

/// Means per count and overall, as shown (`4.25`).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub count: u64,
    pub means: Vec<(&'static str, String)>,
    pub overall: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageRatings {
    pub summary: Summary,
    /// Shown ones, featured first, newest first; every one for operators.
    pub items: Vec<RatingView>,
    pub mine: Option<RatingView>,
    /// The caller studied the package and may rate it.
    pub may_rate: bool,
    /// The caller moderates (operators).
    pub moderates: bool,
    /// The caller's organisation owns the package and may reply.
    pub may_reply: bool,
}

/// One row of the quality list.
#[derive(Debug, Clone, Serialize)]
pub struct QualityRow {
    pub package_id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub listing_label: &'static str,
    pub ratings: u64,
    pub overall: Option<String>,
    pub overall_hundredths: Option<u32>,
    pub learners: u64,
    /// Lessons started and not finished, as a percentage of lessons started.
    pub unfinished_percent: u32,
    /// Ratings below 3 stars overall, and comments held or hidden.
    pub complaints: u64,
    /// What makes it stand out: 评分低, 学员少, 未学完多, 投诉多.
    pub flags: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuggestionView {
    pub text: String,
    pub learner: String,
    pub created_at: DateTime<Utc>,
}

/// What an operator does to a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Show,
    Hide,
    Feature,
    Unfeature,
    Answer,
}

impl Moderation {
    pub fn parse(s: &str) -> Option<Moderation> {
        Some(match s {
            "show" => Moderation::Show,
            "hide" => Moderation::Hide,
            "feature" => Moderation::Feature,
            "unfeature" => Moderation::Unfeature,
            "answer" => Moderation::Answer,
            _ => return None,
        })
    }

    fn code(self) -> &'static str {
        match self {
            Moderation::Show => "show",
            Moderation::Hide => "hide",
            Moderation::Feature => "feature",
            Moderation::Unfeature => "unfeature",
            Moderation::Answer => "answer",
        }
    }
}

/// Fewer learners than this flags a listed package (学员少).
const FEW_LEARNERS: u64 = 5;
/// More unfinished lessons than this percentage flags it (未学完多).
const MANY_UNFINISHED: u32 = 60;
/// This many complaints flag it (投诉多).
const MANY_COMPLAINTS: u64 = 3;
/// Course suggestions one person may send in 24 hours.
pub const MAX_SUGGESTIONS_A_DAY: u64 = 10;

impl Courses<'_> {
    fn moderates(&self, who: &Principal) -> bool {
        who.can_province_wide(Permission::ManageListings)
    }

    /// Rate a package the caller studied (credited time on one of its lessons). A second
    /// rating replaces the first.
    pub async fn rate(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        package_id: &str,
        stars: [u32; 4],
        comment: &str,
    ) -> AppResult<RatingView> {
        let stars = Stars::new(stars).map_err(|bad| {
            AppError::Validation(
                bad.into_iter()
                    .map(|f| FieldError::new(f, "请选择1–5星"))
                    .collect(),
            )
        })?;
        let comment = crate::text::typed(comment, false, "comment", MAX_COMMENT_CHARS)?;
        let p = package::Entity::find_by_id(package_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课程包"))?;
        if !self.studied(&who.user_id, &p.id).await? {
            return Err(AppError::Conflict("学习过这门课程后才能评价".into()));
        }
        let hits = self.words_filter().await?.hits(&comment);
        let status = if hits.is_empty() {
            RatingStatus::Shown
        } else {
            RatingStatus::Held
        };
        let v = stars.values();
        let w = self.write(who, ctx).await?;
        let existing = rating::Entity::find()
            .filter(rating::Column::PackageId.eq(p.id.clone()))
            .filter(rating::Column::UserId.eq(who.user_id.clone()))
            .one(&w.txn)
            .await?;
        let id = match existing {
            Some(r) => {
                rating::Entity::update_many()
                    .col_expr(rating::Column::Content, Expr::value(i32::from(v[0])))
                    .col_expr(rating::Column::Picture, Expr::value(i32::from(v[1])))
                    .col_expr(rating::Column::Relevance, Expr::value(i32::from(v[2])))
                    .col_expr(rating::Column::Gain, Expr::value(i32::from(v[3])))
                    .col_expr(rating::Column::Comment, Expr::value(comment.clone()))
                    .col_expr(rating::Column::Status, Expr::value(status))
                    .col_expr(rating::Column::Hits, Expr::value(hits.join(",")))
                    .col_expr(rating::Column::UpdatedAt, Expr::value(w.now))
                    .filter(rating::Column::Id.eq(r.id.clone()))
                    .exec(&w.txn)
                    .await?;
                r.id
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                rating::Entity::insert(rating::ActiveModel {
                    id: Set(id.clone()),
                    package_id: Set(p.id.clone()),
                    org_id: Set(p.org_id.clone()),
                    user_id: Set(who.user_id.clone()),
                    content: Set(i32::from(v[0])),
                    picture: Set(i32::from(v[1])),
                    relevance: Set(i32::from(v[2])),
                    gain: Set(i32::from(v[3])),
                    comment: Set(comment.clone()),
                    status: Set(status),
                    hits: Set(hits.join(",")),
                    featured: Set(false),
                    reply: Set(None),
                    replied_at: Set(None),
                    answer: Set(None),
                    answered_at: Set(None),
                    created_at: Set(w.now),
                    updated_at: Set(w.now),
                })
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict("评价刚刚已提交，请刷新后再看".into()))?;
                id
            }
        };
        w.commit(Entry::ok(
            "course_rating.rate",
            "course_package",
            &p.id,
            serde_json::json!({"rating": id, "stars": v, "status": status.code()}),
        ))
        .await?;
        self.rating_view(who, &id).await
    }

    async fn studied(&self, user_id: &str, package_id: &str) -> AppResult<bool> {
        Ok(progress::Entity::find()
            .filter(progress::Column::UserId.eq(user_id))
            .filter(progress::Column::PackageId.eq(package_id))
            .filter(progress::Column::CreditedMs.gt(0))
            .count(&self.db)
            .await?
            > 0)
    }

    async fn rating_view(&self, who: &Principal, id: &str) -> AppResult<RatingView> {
        let r = rating::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("评价"))?;
        Ok(self.rating_views(who, vec![r]).await?.remove(0))
    }

    async fn rating_views(
        &self,
        who: &Principal,
        rows: Vec<rating::Model>,
    ) -> AppResult<Vec<RatingView>> {
        let names: HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let moderates = self.moderates(who);
        Ok(rows
            .into_iter()
            .map(|r| {
                let stars = [r.content, r.picture, r.relevance, r.gain]
                    .map(|v| u8::try_from(v).unwrap_or(0));
                let overall = stars_of(&r)
                    .map(|s| stars_text(s.overall()))
                    .unwrap_or_default();
                let learner = names
                    .get(&r.user_id)
                    .map(|n| jineng_core::certificates::mask_name(n))
                    .unwrap_or_default();
                RatingView {
                    mine: r.user_id == who.user_id,
                    learner,
                    stars,
                    overall,
                    status_label: r.status.label(),
                    status: r.status,
                    hits: if moderates { r.hits } else { String::new() },
                    featured: r.featured,
                    reply: r.reply,
                    answer: r.answer,
                    updated_at: r.updated_at,
                    comment: r.comment,
                    package_id: r.package_id,
                    id: r.id,
                }
            })
            .collect())
    }

    /// A package's ratings: the summary over every rating, the comments shown (all of
    /// them for operators), the caller's own.
    pub async fn ratings(&self, who: &Principal, package_id: &str) -> AppResult<PackageRatings> {
        let p = package::Entity::find_by_id(package_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课程包"))?;
        let moderates = self.moderates(who);
        let may_reply = who.can(Permission::ManageCourses) && who.works_for(&p.org_id);
        if p.listing != ListingStatus::Listed && !moderates && !may_reply {
            return Err(AppError::NotFound("课程包"));
        }
        let rows = rating::Entity::find()
            .filter(rating::Column::PackageId.eq(p.id.clone()))
            .order_by_desc(rating::Column::Featured)
            .order_by_desc(rating::Column::UpdatedAt)
            .all(&self.db)
            .await?;
        let mut tally = Tally::default();
        for s in rows.iter().filter_map(stars_of) {
            tally.add(s);
        }
        let summary = summary(&tally);
        let visible: Vec<rating::Model> = rows
            .into_iter()
            .filter(|r| moderates || r.status == RatingStatus::Shown || r.user_id == who.user_id)
            .collect();
        let items = self.rating_views(who, visible).await?;
        let mine = items.iter().find(|r| r.mine).cloned();
        Ok(PackageRatings {
            summary,
            items,
            mine,
            may_rate: self.studied(&who.user_id, &p.id).await?,
            moderates,
            may_reply,
        })
    }

    /// The package's provider replies to a rating (once more replaces the reply).
    pub async fn reply_to_rating(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        text: &str,
    ) -> AppResult<RatingView> {
        let r = rating::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("评价"))?;
        if !(who.can(Permission::ManageCourses) && who.works_for(&r.org_id)) {
            return Err(AppError::Forbidden);
        }
        let text = crate::text::typed(text, true, "reply", MAX_COMMENT_CHARS)?;
        let w = self.write(who, ctx).await?;
        rating::Entity::update_many()
            .col_expr(rating::Column::Reply, Expr::value(Some(text.clone())))
            .col_expr(rating::Column::RepliedAt, Expr::value(Some(w.now)))
            .filter(rating::Column::Id.eq(r.id.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "course_rating.reply",
            "course_package",
            &r.package_id,
            serde_json::json!({"rating": r.id, "reply": text}),
        ))
        .await?;
        self.rating_view(who, id).await
    }

    /// An operator shows, hides, features or answers a rating.
    pub async fn moderate_rating(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        action: Moderation,
        answer: &str,
    ) -> AppResult<RatingView> {
        if !self.moderates(who) {
            return Err(AppError::Forbidden);
        }
        let r = rating::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("评价"))?;
        let answer = if action == Moderation::Answer {
            Some(crate::text::typed(
                answer,
                true,
                "answer",
                MAX_COMMENT_CHARS,
            )?)
        } else {
            None
        };
        let w = self.write(who, ctx).await?;
        let q = rating::Entity::update_many().filter(rating::Column::Id.eq(r.id.clone()));
        let q = match action {
            Moderation::Show => {
                q.col_expr(rating::Column::Status, Expr::value(RatingStatus::Shown))
            }
            Moderation::Hide => q
                .col_expr(rating::Column::Status, Expr::value(RatingStatus::Hidden))
                .col_expr(rating::Column::Featured, Expr::value(false)),
            Moderation::Feature => {
                if r.status != RatingStatus::Shown {
                    return Err(AppError::Conflict("只能推荐已展示的评价".into()));
                }
                q.col_expr(rating::Column::Featured, Expr::value(true))
            }
            Moderation::Unfeature => q.col_expr(rating::Column::Featured, Expr::value(false)),
            Moderation::Answer => q
                .col_expr(rating::Column::Answer, Expr::value(answer.clone()))
                .col_expr(rating::Column::AnsweredAt, Expr::value(Some(w.now))),
        };
        q.exec(&w.txn).await?;
        w.commit(Entry::ok(
            "course_rating.moderate",
            "course_package",
            &r.package_id,
            serde_json::json!({"rating": r.id, "action": action.code(), "answer": answer}),
        ))
        .await?;
        self.rating_view(who, id).await
    }

    /// A learner suggests a course they would like (希望新增课程).
    pub async fn suggest_course(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        text: &str,
    ) -> AppResult<()> {
        let text = crate::text::typed(text, true, "text", MAX_COMMENT_CHARS)?;
        if text.chars().count() < 2 {
            return Err(AppError::field("text", "请写下想学的课程"));
        }
        let w = self.write(who, ctx).await?;
        // At most MAX_SUGGESTIONS_A_DAY per person, counted under the person's lock.
        w.lock_person(&who.user_id).await?;
        let today = suggestion::Entity::find()
            .filter(suggestion::Column::UserId.eq(who.user_id.clone()))
            .filter(suggestion::Column::CreatedAt.gt(w.now - chrono::Duration::hours(24)))
            .count(&w.txn)
            .await?;
        if today >= MAX_SUGGESTIONS_A_DAY {
            return Err(AppError::Conflict(format!(
                "每人每天最多提交{MAX_SUGGESTIONS_A_DAY}条课程建议，请明天再提交"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        suggestion::Entity::insert(suggestion::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(who.user_id.clone()),
            text: Set(text),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "course_suggestion.create",
            "course_suggestion",
            &id,
            serde_json::json!({}),
        ))
        .await
    }

    /// Learners' suggestions, newest first (the last 200; operators).
    pub async fn suggestions(&self, who: &Principal) -> AppResult<Vec<SuggestionView>> {
        if !self.moderates(who) {
            return Err(AppError::Forbidden);
        }
        let rows = suggestion::Entity::find()
            .order_by_desc(suggestion::Column::CreatedAt)
            .limit(200)
            .all(&self.db)
            .await?;
        let names: HashMap<String, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(rows
            .into_iter()
            .map(|s| SuggestionView {
                learner: names
                    .get(&s.user_id)
                    .map(|n| jineng_core::certificates::mask_name(n))
                    .unwrap_or_default(),
                text: s.text,
                created_at: s.created_at,
            })
            .collect())
    }

    /// The quality list (operators): every package listed or delisted with its ratings,
    /// learners, unfinished lessons and complaints, the weakest first.
    pub async fn quality(&self, who: &Principal) -> AppResult<Vec<QualityRow>> {
        if !self.moderates(who) {
            return Err(AppError::Forbidden);
        }
        let packages = package::Entity::find()
            .filter(package::Column::Listing.ne(ListingStatus::Unlisted))
            .all(&self.db)
            .await?;
        let ids: Vec<String> = packages.iter().map(|p| p.id.clone()).collect();
        // Ratings summed per package in the database: (tally, complaints). A complaint is a
        // rating whose mean is under LOW_MEAN (its four counts sum under 4 × LOW_MEAN / 100:
        // a mean of whole stars over four is exact in hundredths) or one not shown.
        let mut tallies: HashMap<String, (Tally, u64)> = HashMap::new();
        let low_sum = LOW_MEAN * 4 / 100;
        for chunk in ids.chunks(500) {
            let rows: Vec<(String, i64, i64, i64, i64, i64, i64)> = rating::Entity::find()
                .select_only()
                .column(rating::Column::PackageId)
                .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
                .column_as(Expr::cust(r#"CAST(SUM("content") AS BIGINT)"#), "c")
                .column_as(Expr::cust(r#"CAST(SUM("picture") AS BIGINT)"#), "p")
                .column_as(Expr::cust(r#"CAST(SUM("relevance") AS BIGINT)"#), "r")
                .column_as(Expr::cust(r#"CAST(SUM("gain") AS BIGINT)"#), "g")
                .column_as(
                    Expr::cust(format!(
                        r#"CAST(SUM(CASE WHEN "content" + "picture" + "relevance" + "gain" < {low_sum} OR "status" <> '{}' THEN 1 ELSE 0 END) AS BIGINT)"#,
                        RatingStatus::Shown.code()
                    )),
                    "complaints",
                )
                .filter(rating::Column::PackageId.is_in(chunk.to_vec()))
                .group_by(rating::Column::PackageId)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (package, n, c, p, r, g, complaints) in rows {
                let u = |v: i64| u64::try_from(v).unwrap_or(0);
                tallies.insert(
                    package,
                    (
                        Tally {
                            count: u(n),
                            sums: [u(c), u(p), u(r), u(g)],
                        },
                        u(complaints),
                    ),
                );
            }
        }
        // Learners and lessons per package, counted in the database.
        let mut study: HashMap<String, (u64, u64, u64)> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(String, i64, i64, i64)> = progress::Entity::find()
                .select_only()
                .column(progress::Column::PackageId)
                .column_as(Expr::cust("COUNT(DISTINCT \"user_id\")"), "learners")
                .column_as(Expr::cust("COUNT(*)"), "started")
                .column_as(Expr::cust("COUNT(\"completed_at\")"), "finished")
                .filter(progress::Column::PackageId.is_in(chunk.to_vec()))
                .group_by(progress::Column::PackageId)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (p, l, s, f) in rows {
                study.insert(p, (l as u64, s as u64, f as u64));
            }
        }
        let names = self
            .org_names(packages.iter().map(|p| p.org_id.clone()))
            .await?;
        let mut out: Vec<QualityRow> = packages
            .into_iter()
            .map(|p| {
                let (tally, complaints) = tallies.remove(&p.id).unwrap_or_default();
                let (learners, started, finished) = study.get(&p.id).copied().unwrap_or_default();
                let unfinished_percent = ((started - finished.min(started)) * 100)
                    .checked_div(started)
                    .map_or(0, |p| u32::try_from(p).unwrap_or(100));
                let overall = tally.overall();
                let mut flags = Vec::new();
                if overall.is_some_and(|o| o < LOW_MEAN) {
                    flags.push("评分低");
                }
                if learners < FEW_LEARNERS {
                    flags.push("学员少");
                }
                if unfinished_percent > MANY_UNFINISHED {
                    flags.push("未学完多");
                }
                if complaints >= MANY_COMPLAINTS {
                    flags.push("投诉多");
                }
                QualityRow {
                    org_name: names.get(&p.org_id).cloned().unwrap_or_default(),
                    listing_label: p.listing.label(),
                    ratings: tally.count,
                    overall: overall.map(stars_text),
                    overall_hundredths: overall,
                    learners,
                    unfinished_percent,
                    complaints,
                    flags,
                    package_id: p.id,
                    name: p.name,
                    org_id: p.org_id,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.flags
                .len()
                .cmp(&a.flags.len())
                .then(
                    a.overall_hundredths
                        .unwrap_or(501)
                        .cmp(&b.overall_hundredths.unwrap_or(501)),
                )
                .then(a.name.cmp(&b.name))
        });
        Ok(out)
    }

    /// Satisfaction per package and per provider as a workbook (operators; audited).
    pub async fn export_quality(&self, who: &Principal, ctx: &RequestCtx) -> AppResult<Vec<u8>> {
        let rows = self.quality(who).await?;
        let per_package: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.org_name.clone(),
                    r.listing_label.to_string(),
                    r.ratings.to_string(),
                    r.overall.clone().unwrap_or_default(),
                    r.learners.to_string(),
                    format!("{}%", r.unfinished_percent),
                    r.complaints.to_string(),
                    r.flags.join("、"),
                ]
            })
            .collect();
        let mut providers: Vec<(String, u64, u64, u64)> = Vec::new();
        for r in &rows {
            let sum = u64::from(r.overall_hundredths.unwrap_or(0)) * r.ratings;
            match providers.iter_mut().find(|p| p.0 == r.org_name) {
                Some(p) => {
                    p.1 += r.ratings;
                    p.2 += sum;
                    p.3 += r.learners;
                }
                None => providers.push((r.org_name.clone(), r.ratings, sum, r.learners)),
            }
        }
        let per_provider: Vec<Vec<String>> = providers
            .into_iter()
            .map(|(name, n, sum, learners)| {
                let mean = if n == 0 {
                    String::new()
                } else {
                    stars_text(u32::try_from((sum * 2 + n) / (n * 2)).unwrap_or(0))
                };
                vec![name, n.to_string(), mean, learners.to_string()]
            })
            .collect();
        let bytes = crate::export::xlsx_sheets(&[
            (
                "课程满意度",
                &[
                    "课程",
                    "提供方",
                    "上架状态",
                    "评价数",
                    "综合评分",
                    "学员数",
                    "未学完课时占比",
                    "投诉数",
                    "提示",
                ],
                &per_package,
            ),
            (
                "提供方满意度",
                &["提供方", "评价数", "综合评分", "学员数"],
                &per_provider,
            ),
        ])?;
        self.audit()
            .record_export(
                who,
                ctx,
                "course_quality",
                serde_json::json!({}),
                rows.len(),
            )
            .await?;
        Ok(bytes)
    }
}

/// A stored rating's four counts (the database keeps them 1–5).
fn stars_of(r: &rating::Model) -> Option<Stars> {
    Stars::new([r.content, r.picture, r.relevance, r.gain].map(|v| u32::try_from(v).unwrap_or(0)))
        .ok()
}

fn summary(t: &Tally) -> Summary {
    Summary {
        count: t.count,
        means: Stars::NAMES
            .iter()
            .enumerate()
            .map(|(i, (_, label))| (*label, t.mean(i).map(stars_text).unwrap_or_default()))
            .collect(),
        overall: t.overall().map(stars_text),
    }
}
