//! Institutions' occupation declarations (培训工种申报): an approved institution
//! declares an occupation (work type, level) it trains; the regulator of its region
//! approves or returns it through the shared review flow.

use super::{Catalogue, occ};
use crate::App;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::review::{ReviewRecord, Reviewed, verdict};
use crate::write::{OnUnique, Write, one_row};
use jineng_core::accounts::Permission;
use jineng_core::occupations::{TrainingScope, declaration_covers};
use jineng_core::organizations::OrgKind;
use jineng_core::review::{Decision, ReviewStatus, ReviewSubject, Verdict};
use jineng_store::catalogue::declaration;
use jineng_store::organizations::organization;
use jineng_store::reference::{occupation, work_type};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DeclarationView {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type_id: String,
    pub work_type_name: String,
    pub skill_level: i32,
    pub skill_level_label: &'static str,
    pub status: ReviewStatus,
    pub status_label: &'static str,
    pub reason: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
}

impl Catalogue<'_> {
    async fn declaration_view(&self, d: declaration::Model) -> AppResult<DeclarationView> {
        let org_name = organization::Entity::find_by_id(d.org_id.clone())
            .one(&self.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let occupation_name = occupation::Entity::find_by_id(d.occupation_code.clone())
            .one(&self.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let work_type_name = if d.work_type_id.is_empty() {
            String::new()
        } else {
            work_type::Entity::find_by_id(d.work_type_id.clone())
                .one(&self.db)
                .await?
                .map(|w| w.name)
                .unwrap_or_default()
        };
        Ok(DeclarationView {
            status_label: d.status.label(),
            skill_level_label: occ::level_label(d.skill_level),
            id: d.id,
            org_id: d.org_id,
            org_name,
            occupation_code: d.occupation_code,
            occupation_name,
            work_type_id: d.work_type_id,
            work_type_name,
            skill_level: d.skill_level,
            status: d.status,
            reason: d.reason,
            submitted_at: d.submitted_at,
        })
    }

    /// An approved institution declares an occupation (work type, level) it trains.
    /// A returned declaration of the same occupation is submitted again.
    pub async fn declare(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        org_id: &str,
        occupation_code: &str,
        work_type_id: Option<&str>,
        level: i32,
    ) -> AppResult<DeclarationView> {
        if !who.can(Permission::ManageOwnOrganization) || !who.works_for(org_id) {
            return Err(AppError::Forbidden);
        }
        let org = self
            .find_scoped::<organization::Entity>(who, Permission::ViewOrganizations, org_id)
            .await?;
        if org.kind != OrgKind::Institution {
            return Err(AppError::Conflict("只有培训机构需要申报培训工种".into()));
        }
        if !org.status.may_operate() {
            return Err(AppError::Conflict(
                "机构登记审核通过后才能申报培训工种".into(),
            ));
        }
        let mut e = Vec::new();
        self.check_occupation_choice(&mut e, occupation_code, work_type_id, level)
            .await?;
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let wt = work_type_id.unwrap_or("").to_string();
        let existing = declaration::Entity::find()
            .filter(declaration::Column::OrgId.eq(org_id))
            .filter(declaration::Column::OccupationCode.eq(occupation_code))
            .filter(declaration::Column::WorkTypeId.eq(wt.clone()))
            .filter(declaration::Column::SkillLevel.eq(level))
            .one(&self.db)
            .await?;
        let w = self.write(who, ctx).await?;
        let id = match existing {
            Some(d) if d.status == ReviewStatus::Returned => {
                w.touch(jineng_core::exchange::Dataset::Qualifications, &d.id);
                one_row(
                    declaration::Entity::update_many()
                        .col_expr(
                            declaration::Column::Status,
                            Expr::value(ReviewStatus::Submitted),
                        )
                        .col_expr(declaration::Column::Reason, Expr::value(""))
                        .col_expr(
                            declaration::Column::SubmittedBy,
                            Expr::value(who.user_id.clone()),
                        )
                        .col_expr(declaration::Column::SubmittedAt, Expr::value(w.now))
                        .filter(declaration::Column::Id.eq(d.id.clone()))
                        .filter(declaration::Column::Status.eq(ReviewStatus::Returned))
                        .exec(&w.txn)
                        .await?,
                    "该申报刚被修改，请刷新后重试",
                )?;
                d.id
            }
            Some(d) => {
                return Err(AppError::Conflict(format!(
                    "该工种已申报，当前状态：{}",
                    d.status.label()
                )));
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                w.touch(jineng_core::exchange::Dataset::Qualifications, &id);
                declaration::Entity::insert(declaration::ActiveModel {
                    id: Set(id.clone()),
                    org_id: Set(org_id.to_string()),
                    region_code: Set(org.region_code.clone()),
                    occupation_code: Set(occupation_code.to_string()),
                    work_type_id: Set(wt.clone()),
                    skill_level: Set(level),
                    status: Set(ReviewStatus::Submitted),
                    reason: Set(String::new()),
                    submitted_by: Set(who.user_id.clone()),
                    submitted_at: Set(w.now),
                    decided_by: Set(String::new()),
                    decided_at: Set(None),
                })
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict("该工种已申报".into()))?;
                id
            }
        };
        let changes = serde_json::json!({"org_id": org_id, "occupation_code": occupation_code, "work_type_id": wt, "skill_level": level});
        w.commit(Entry::ok(
            "declaration.submit",
            "occupation_declaration",
            &id,
            changes,
        ))
        .await?;
        self.declaration(who, &id).await
    }

    /// One declaration the caller may see.
    pub async fn declaration(&self, who: &Principal, id: &str) -> AppResult<DeclarationView> {
        let d = self
            .find_scoped::<declaration::Entity>(who, Permission::ViewOrganizations, id)
            .await?;
        self.declaration_view(d).await
    }

    /// The regulator of the institution's region approves or returns (with a reason).
    pub async fn decide_declaration(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        decision: Decision,
        reason: &str,
    ) -> AppResult<DeclarationView> {
        let v = verdict(decision, reason)?;
        self.app
            .decide::<declaration::Entity>(who, ctx, id, &v)
            .await?;
        self.declaration(who, id).await
    }

    /// The review decisions on a declaration, oldest first.
    pub async fn declaration_history(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<Vec<ReviewRecord>> {
        self.app
            .review_history::<declaration::Entity>(who, Permission::ViewOrganizations, id)
            .await
    }

    /// Declarations the caller may see: its own institution's, or its region's.
    pub async fn declarations(
        &self,
        who: &Principal,
        org_id: Option<&str>,
        status: Option<ReviewStatus>,
    ) -> AppResult<Vec<DeclarationView>> {
        let mut q = self.list_scoped::<declaration::Entity>(who, Permission::ViewOrganizations)?;
        if let Some(o) = org_id {
            q = q.filter(declaration::Column::OrgId.eq(o));
        }
        if let Some(s) = status {
            q = q.filter(declaration::Column::Status.eq(s));
        }
        let rows = q
            .order_by_desc(declaration::Column::SubmittedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for d in rows {
            out.push(self.declaration_view(d).await?);
        }
        Ok(out)
    }

    /// Whether `org_id` may train `occupation_code` (any approved declaration for it).
    /// Whether the organisation may train this project: an approved declaration of its
    /// occupation that also matches the work type and level the project names.
    pub async fn may_train(&self, org_id: &str, wanted: TrainingScope<'_>) -> AppResult<bool> {
        Ok(declaration::Entity::find()
            .filter(declaration::Column::OrgId.eq(org_id))
            .filter(declaration::Column::OccupationCode.eq(wanted.occupation))
            .filter(declaration::Column::Status.eq(ReviewStatus::Approved))
            .all(&self.db)
            .await?
            .iter()
            .any(|d| {
                declaration_covers(
                    TrainingScope {
                        occupation: &d.occupation_code,
                        work_type: &d.work_type_id,
                        level: d.skill_level,
                    },
                    wanted,
                )
            }))
    }

    /// Whether the organisation holds any approved declaration of an occupation.
    pub async fn has_approved_declaration(
        &self,
        org_id: &str,
        occupation_code: &str,
    ) -> AppResult<bool> {
        Ok(declaration::Entity::find()
            .filter(declaration::Column::OrgId.eq(org_id))
            .filter(declaration::Column::OccupationCode.eq(occupation_code))
            .filter(declaration::Column::Status.eq(ReviewStatus::Approved))
            .count(&self.db)
            .await?
            > 0)
    }
}

/// A submitted declaration is approved or returned.
impl Reviewed for declaration::Entity {
    const SUBJECT: ReviewSubject = ReviewSubject::Declaration;

    async fn apply(
        _app: &App,
        w: &Write<'_>,
        d: &declaration::Model,
        v: &Verdict,
    ) -> AppResult<serde_json::Value> {
        let to = v.decision.outcome();
        one_row(
            declaration::Entity::update_many()
                .col_expr(declaration::Column::Status, Expr::value(to))
                .col_expr(declaration::Column::Reason, Expr::value(v.reason.clone()))
                .col_expr(declaration::Column::DecidedBy, Expr::value(w.actor_id()))
                .col_expr(declaration::Column::DecidedAt, Expr::value(Some(w.now)))
                .filter(declaration::Column::Id.eq(d.id.clone()))
                .filter(declaration::Column::Status.eq(ReviewStatus::Submitted))
                .exec(&w.txn)
                .await?,
            &format!("该申报当前状态为“{}”，不能再审核", d.status.label()),
        )?;
        Ok(serde_json::json!({"status": [d.status, to]}))
    }
}
