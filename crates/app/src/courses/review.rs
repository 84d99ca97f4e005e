//! Course review (课程审核, seed 000 §1.4): a submitted version passes its flow level by
//! level — an expert of a group whose scope covers it, then the group's leader, then the
//! province's regulator as the final authority (fewer levels where the flow says so).
//! Who may decide is worked out here from the pool, never taken from the request; a
//! reviewer of the provider's own unit, or one who already decided an earlier level of
//! the same round, is refused. One decision per level per round is a unique index.
//! The final pass lists the version; the version it replaces is superseded, and classes
//! that bought it keep it.

use super::{Courses, PackageView, VersionView};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::{OnUnique, one_row};
use chrono::{DateTime, Utc};
use jineng_core::RegionLevel;
use jineng_core::accounts::{Permission, Role};
use jineng_core::courses::{
    REVIEW_CHECKLIST, ReviewDecision, ReviewStep, VersionAction, VersionStatus, major_category,
    scope_admits,
};
use jineng_store::courses::{expert, expert_group, package, review, version};
use jineng_store::organizations::organization;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set};
use serde::Serialize;

/// Versions a reviewer's queue looks through at most (oldest submission first).
const QUEUE_SCAN: u64 = 500;

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRecordView {
    pub round: i32,
    pub level: i32,
    pub step: ReviewStep,
    pub step_label: &'static str,
    pub reviewer_name: String,
    pub decision: ReviewDecision,
    pub decision_label: &'static str,
    pub comments: String,
    pub checklist: Vec<String>,
    pub decided_at: DateTime<Utc>,
}

/// What a reviewer sees of a version: all of it, its package, the decisions so far, and
/// whether the caller may decide now.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    pub package: PackageView,
    pub version: VersionView,
    pub step: Option<ReviewStep>,
    pub step_label: &'static str,
    pub may_decide: bool,
    pub history: Vec<ReviewRecordView>,
}

/// A version waiting in the caller's queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    pub version_id: String,
    pub package_id: String,
    pub name: String,
    pub org_name: String,
    pub number: i32,
    pub level: i32,
    pub levels: i32,
    pub step_label: &'static str,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// A reviewer's decision as typed.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub decision: ReviewDecision,
    pub comments: String,
    /// The checklist items ticked (their texts).
    pub checklist: Vec<String>,
    /// The level the reviewer saw: a decision meant for a level that another reviewer
    /// has just decided is refused, never applied to the next one.
    pub level: Option<i32>,
}

const DECIDED_BY_ANOTHER: &str = "这一级已由其他审核人作出决定，请刷新后查看";

impl Courses<'_> {
    /// The step of a version's current level, if it is in review.
    fn current_step(v: &version::Model) -> Option<ReviewStep> {
        if v.status != VersionStatus::InReview || v.review_level < 1 {
            return None;
        }
        v.review_steps
            .split(',')
            .nth(usize::try_from(v.review_level - 1).ok()?)
            .and_then(ReviewStep::parse)
    }

    /// Whether the caller may decide `step` of `v`: the pool and the grants say so, not
    /// the request; nobody of the publishing organisation's own unit, nobody twice in one
    /// round.
    async fn qualifies(
        &self,
        who: &Principal,
        v: &version::Model,
        step: ReviewStep,
    ) -> AppResult<bool> {
        if !who.can(Permission::ReviewCourses) || who.works_for(&v.org_id) {
            return Ok(false);
        }
        let decided_before = review::Entity::find()
            .filter(review::Column::VersionId.eq(v.id.clone()))
            .filter(review::Column::Round.eq(v.review_round))
            .filter(review::Column::ReviewerId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?
            .is_some();
        if decided_before {
            return Ok(false);
        }
        match step {
            ReviewStep::Authority => Ok(who.has_role(Role::SystemAdmin)
                || who.grants.iter().any(|g| {
                    g.role == Role::Regulator
                        && g.region.is_some_and(|r| r.level() == RegionLevel::Province)
                })),
            ReviewStep::Expert | ReviewStep::Leader => {
                let Some(me) = expert::Entity::find()
                    .filter(expert::Column::UserId.eq(who.user_id.clone()))
                    .one(&self.db)
                    .await?
                else {
                    return Ok(false);
                };
                let org_code = organization::Entity::find_by_id(v.org_id.clone())
                    .one(&self.db)
                    .await?
                    .map(|o| o.credit_code)
                    .unwrap_or_default();
                if !me.unit_credit_code.is_empty() && me.unit_credit_code == org_code {
                    return Ok(false);
                }
                let Some(g) = expert_group::Entity::find_by_id(me.group_id.clone())
                    .one(&self.db)
                    .await?
                else {
                    return Ok(false);
                };
                let covers = scope_admits(&g.categories, major_category(&v.occupation_code))
                    && scope_admits(&g.course_types, v.course_type.code());
                let role_ok = match step {
                    ReviewStep::Expert => {
                        who.has_role(Role::Expert) || who.has_role(Role::ExpertLeader)
                    }
                    _ => g.leader_id == me.id && who.has_role(Role::ExpertLeader),
                };
                Ok(covers && role_ok)
            }
        }
    }

    /// Whether the caller may decide some step of `v`'s flow (whichever level it is at).
    async fn reviews_some_step(&self, who: &Principal, v: &version::Model) -> AppResult<bool> {
        for step in v.review_steps.split(',').filter_map(ReviewStep::parse) {
            if self.qualifies(who, v, step).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Versions waiting at a level the caller may decide, oldest submission first.
    pub async fn review_queue(&self, who: &Principal) -> AppResult<Vec<QueueItem>> {
        if !who.can(Permission::ReviewCourses) {
            return Err(AppError::Forbidden);
        }
        let waiting = version::Entity::find()
            .filter(version::Column::Status.eq(VersionStatus::InReview))
            .order_by_asc(version::Column::SubmittedAt)
            .limit(QUEUE_SCAN)
            .all(&self.db)
            .await?;
        let names = self
            .org_names(waiting.iter().map(|v| v.org_id.clone()))
            .await?;
        let mut out = Vec::new();
        for v in waiting {
            let Some(step) = Self::current_step(&v) else {
                continue;
            };
            if self.qualifies(who, &v, step).await? {
                out.push(QueueItem {
                    org_name: names.get(&v.org_id).cloned().unwrap_or_default(),
                    version_id: v.id,
                    package_id: v.package_id,
                    name: v.name,
                    number: v.number,
                    level: v.review_level,
                    levels: v.review_levels,
                    step_label: step.label(),
                    submitted_at: v.submitted_at,
                });
            }
        }
        Ok(out)
    }

    /// Whether a reviewer may look at `v`: they may decide it now or decided it before.
    async fn reviewer_sees(&self, who: &Principal, v: &version::Model) -> AppResult<bool> {
        if !who.can(Permission::ReviewCourses) {
            return Ok(false);
        }
        if let Some(step) = Self::current_step(v)
            && self.qualifies(who, v, step).await?
        {
            return Ok(true);
        }
        Ok(review::Entity::find()
            .filter(review::Column::VersionId.eq(v.id.clone()))
            .filter(review::Column::ReviewerId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?
            .is_some())
    }

    /// A version as a reviewer (or anyone who may see it) sees it.
    pub(crate) async fn visible_version(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<version::Model> {
        if who.can(Permission::ViewCourses)
            && let Ok(v) = self
                .find_scoped::<version::Entity>(who, Permission::ViewCourses, id)
                .await
        {
            return Ok(v);
        }
        let v = version::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课程包版本"))?;
        if self.reviewer_sees(who, &v).await? {
            Ok(v)
        } else {
            Err(AppError::NotFound("课程包版本"))
        }
    }

    pub async fn review_item(&self, who: &Principal, version_id: &str) -> AppResult<ReviewItem> {
        let v = self.visible_version(who, version_id).await?;
        let step = Self::current_step(&v);
        let may_decide = match step {
            Some(s) => self.qualifies(who, &v, s).await?,
            None => false,
        };
        let p = package::Entity::find_by_id(v.package_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课程包"))?;
        let names = self.org_names(std::iter::once(p.org_id.clone())).await?;
        let history = self.review_records(&v.id).await?;
        Ok(ReviewItem {
            package: super::package_view(p, &names),
            step,
            step_label: step.map_or("", |s| s.label()),
            may_decide,
            history,
            version: self.version_view(v).await?,
        })
    }

    async fn review_records(&self, version_id: &str) -> AppResult<Vec<ReviewRecordView>> {
        Ok(review::Entity::find()
            .filter(review::Column::VersionId.eq(version_id))
            .order_by_asc(review::Column::DecidedAt)
            .order_by_asc(review::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(record_view)
            .collect())
    }

    /// The decisions on a package's versions, for its organisation and those who may see
    /// it (the organisation reads the comments of a return here).
    pub async fn package_reviews(
        &self,
        who: &Principal,
        package_id: &str,
    ) -> AppResult<Vec<ReviewRecordView>> {
        self.find_scoped::<package::Entity>(who, Permission::ViewCourses, package_id)
            .await?;
        Ok(review::Entity::find()
            .filter(review::Column::PackageId.eq(package_id))
            .order_by_asc(review::Column::DecidedAt)
            .order_by_asc(review::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(record_view)
            .collect())
    }

    /// Decide the current level: pass it on (or approve and list at the last level), or
    /// return it with comments.
    pub async fn review(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        version_id: &str,
        i: ReviewInput,
    ) -> AppResult<ReviewItem> {
        if !who.can(Permission::ReviewCourses) {
            return Err(AppError::Forbidden);
        }
        let v = match self.visible_version(who, version_id).await {
            Err(AppError::NotFound(what)) => {
                // A reviewer who lost the race for a level no longer sees the version; they
                // are told it was decided, not that it vanished.
                let v = version::Entity::find_by_id(version_id.to_string())
                    .one(&self.db)
                    .await?
                    .ok_or(AppError::NotFound(what))?;
                if self.reviews_some_step(who, &v).await? {
                    return Err(AppError::Conflict(DECIDED_BY_ANOTHER.into()));
                }
                return Err(AppError::NotFound(what));
            }
            other => other?,
        };
        let Some(step) = Self::current_step(&v) else {
            return Err(AppError::Conflict(format!(
                "该版本当前为“{}”，不在审核中",
                v.status.label()
            )));
        };
        if i.level.is_some_and(|l| l != v.review_level) {
            return Err(AppError::Conflict(DECIDED_BY_ANOTHER.into()));
        }
        if !self.qualifies(who, &v, step).await? {
            return Err(AppError::Conflict(format!(
                "该课程当前在第{}级（{}），您不是这一级的审核人，或与该课程存在利益关系",
                v.review_level,
                step.label()
            )));
        }
        let comments = i.comments.trim().to_string();
        let mut e = Vec::new();
        if comments.chars().count() > 2000 {
            e.push(FieldError::new("comments", "审核意见不能超过2000个字符"));
        } else if let Some(m) = jineng_core::text::plain_text_problem(&comments) {
            e.push(FieldError::new("comments", format!("审核意见{m}")));
        }
        let ticked: Vec<String> = REVIEW_CHECKLIST
            .iter()
            .filter(|c| i.checklist.iter().any(|t| t == *c))
            .map(|c| c.to_string())
            .collect();
        if i.checklist
            .iter()
            .any(|t| !REVIEW_CHECKLIST.contains(&t.as_str()))
        {
            e.push(FieldError::new("checklist", "审核要点不在清单中"));
        }
        match i.decision {
            ReviewDecision::Pass if ticked.len() < REVIEW_CHECKLIST.len() => {
                e.push(FieldError::new("checklist", "通过前请逐项确认审核要点"));
            }
            ReviewDecision::Return if comments.is_empty() => {
                e.push(FieldError::new("comments", "退回时须填写审核意见"));
            }
            _ => {}
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let last = v.review_level >= v.review_levels;
        let action = match (i.decision, last) {
            (ReviewDecision::Return, _) => VersionAction::Return,
            (ReviewDecision::Pass, false) => VersionAction::Pass,
            (ReviewDecision::Pass, true) => VersionAction::Approve,
        };
        let to = v
            .status
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let w = self.write(who, ctx).await?;
        review::Entity::insert(review::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            version_id: Set(v.id.clone()),
            package_id: Set(v.package_id.clone()),
            round: Set(v.review_round),
            level: Set(v.review_level),
            step: Set(step),
            reviewer_id: Set(who.user_id.clone()),
            reviewer_name: Set(who.display_name.clone()),
            decision: Set(i.decision),
            comments: Set(comments.clone()),
            checklist: Set(serde_json::to_string(&ticked).unwrap_or_default()),
            decided_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::Conflict(DECIDED_BY_ANOTHER.into()))?;
        let next_level = match action {
            VersionAction::Pass => v.review_level + 1,
            _ => 0,
        };
        let decided = matches!(action, VersionAction::Return | VersionAction::Approve);
        let mut q = version::Entity::update_many()
            .col_expr(version::Column::Status, Expr::value(to))
            .col_expr(version::Column::ReviewLevel, Expr::value(next_level))
            .col_expr(version::Column::UpdatedAt, Expr::value(w.now));
        if decided {
            q = q.col_expr(version::Column::DecidedAt, Expr::value(Some(w.now)));
        }
        one_row(
            q.filter(version::Column::Id.eq(v.id.clone()))
                .filter(version::Column::Status.eq(v.status))
                .filter(version::Column::ReviewLevel.eq(v.review_level))
                .filter(version::Column::ReviewRound.eq(v.review_round))
                .exec(&w.txn)
                .await?,
            "该版本刚被他人处理，请刷新后重试",
        )?;
        if action == VersionAction::Approve {
            let p = package::Entity::find_by_id(v.package_id.clone())
                .one(&w.txn)
                .await?
                .ok_or(AppError::NotFound("课程包"))?;
            if !p.listed_version_id.is_empty() {
                version::Entity::update_many()
                    .col_expr(
                        version::Column::Status,
                        Expr::value(VersionStatus::Superseded),
                    )
                    .col_expr(version::Column::UpdatedAt, Expr::value(w.now))
                    .filter(version::Column::Id.eq(p.listed_version_id.clone()))
                    .filter(version::Column::Status.eq(VersionStatus::Approved))
                    .exec(&w.txn)
                    .await?;
            }
            // A delisted package stays delisted: its new version waits for a relisting.
            let listing = match p.listing {
                jineng_core::courses::ListingStatus::Delisted => p.listing,
                _ => jineng_core::courses::ListingStatus::Listed,
            };
            package::Entity::update_many()
                .col_expr(package::Column::Listing, Expr::value(listing))
                .col_expr(package::Column::ListedVersionId, Expr::value(v.id.clone()))
                .col_expr(package::Column::Name, Expr::value(v.name.clone()))
                .col_expr(package::Column::UpdatedAt, Expr::value(w.now))
                .filter(package::Column::Id.eq(p.id.clone()))
                .exec(&w.txn)
                .await?;
        }
        if decided {
            crate::open_api::webhooks::emit(
                self,
                &w,
                &v.org_id,
                jineng_core::open_api::WebhookKind::CourseReview,
                serde_json::json!({"package_id": v.package_id, "version_id": v.id, "version": v.number, "outcome": to, "comments": comments}),
            )
            .await?;
        }
        w.commit(Entry::ok(
            &format!("course.review_{}", action.code()),
            "course_package",
            &v.package_id,
            serde_json::json!({"version": v.id, "round": v.review_round, "level": v.review_level, "step": step, "status": [v.status, to], "comments": comments}),
        ))
        .await?;
        self.review_item(who, version_id).await
    }
}

/// One row of the exported review record (导出审核记录, seed 004 §7.2.7 k).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewExportRow {
    pub package_name: String,
    pub org_name: String,
    pub version: i32,
    pub record: ReviewRecordView,
}

impl Courses<'_> {
    /// Every review decision on the packages the caller may see, newest first (at most
    /// `limit`).
    pub async fn review_export(
        &self,
        who: &Principal,
        limit: u64,
    ) -> AppResult<Vec<ReviewExportRow>> {
        let visible = self
            .list_scoped::<package::Entity>(who, Permission::ViewCourses)?
            .select_only()
            .column(package::Column::Id)
            .into_query();
        let rows = review::Entity::find()
            .filter(review::Column::PackageId.in_subquery(visible))
            .order_by_desc(review::Column::DecidedAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        let versions: std::collections::HashMap<String, version::Model> = version::Entity::find()
            .filter(version::Column::Id.is_in(rows.iter().map(|r| r.version_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| (v.id.clone(), v))
            .collect();
        let names = self
            .org_names(versions.values().map(|v| v.org_id.clone()))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let v = versions.get(&r.version_id);
                ReviewExportRow {
                    package_name: v.map(|v| v.name.clone()).unwrap_or_default(),
                    org_name: v
                        .and_then(|v| names.get(&v.org_id).cloned())
                        .unwrap_or_default(),
                    version: v.map_or(0, |v| v.number),
                    record: record_view(r),
                }
            })
            .collect())
    }
}

fn record_view(r: review::Model) -> ReviewRecordView {
    ReviewRecordView {
        step_label: r.step.label(),
        decision_label: r.decision.label(),
        checklist: serde_json::from_str(&r.checklist).unwrap_or_default(),
        round: r.round,
        level: r.level,
        step: r.step,
        reviewer_name: r.reviewer_name,
        decision: r.decision,
        comments: r.comments,
        decided_at: r.decided_at,
    }
}
