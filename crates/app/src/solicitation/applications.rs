//! A provider's application: saved as a draft, submitted within the window (or, sent
//! back, by its correction deadline), reviewed on its materials by those who run the
//! campaign, and during the notice possibly dropped from the shortlist.

use super::{Solicitation, after_review, date, in_stage};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult, FieldError};
use crate::write::OnUnique;
use jineng_core::accounts::Permission;
use jineng_core::organizations::{OrgKind, OrgStatus};
use jineng_core::solicitation::{
    self as rules, ApplicationForm, ApplicationStatus, CampaignStatus,
};
use jineng_store::courses::expert;
use jineng_store::organizations::organization;
use jineng_store::solicitation::{application, campaign, score};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// Longest review note or reason, in characters.
const MAX_NOTE_CHARS: usize = 500;

/// What the reviewer decides on an application's materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Return,
    Reject,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "approve" => Some(Decision::Approve),
            "return" => Some(Decision::Return),
            "reject" => Some(Decision::Reject),
            _ => None,
        }
    }
}

impl Solicitation<'_> {
    /// The organisation the caller applies for: a course provider's own, registered and
    /// approved.
    pub(crate) fn provider_org(&self, who: &Principal) -> AppResult<String> {
        who.grants
            .iter()
            .filter(|g| g.role.allows(Permission::ApplySolicitations))
            .find_map(|g| g.org_id.clone())
            .ok_or(AppError::Forbidden)
    }

    /// Save the caller's organisation's application to an open campaign as a draft (the
    /// first save creates it). Fields may be left empty until it is submitted.
    pub async fn save_application(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        campaign_id: &str,
        form: ApplicationForm,
    ) -> AppResult<super::ApplicationView> {
        let org_id = self.provider_org(who)?;
        let c = self.visible(who, campaign_id).await?;
        let form = form.trimmed();
        let problems = form.problems(false);
        if !problems.is_empty() {
            return Err(AppError::Validation(
                problems
                    .into_iter()
                    .map(|(f, m)| FieldError::new(f, m))
                    .collect(),
            ));
        }
        let org = organization::Entity::find_by_id(org_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        if org.kind != OrgKind::Provider || org.status != OrgStatus::Approved {
            return Err(AppError::Conflict("单位登记审核通过后才能申报".into()));
        }
        let form_json =
            serde_json::to_string(&form).map_err(|e| AppError::Internal(format!("form: {e}")))?;
        let w = self.write(who, ctx).await?;
        let today = (w.now + chrono::Duration::hours(8)).date_naive();
        let existing = application::Entity::find()
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .filter(application::Column::OrgId.eq(org_id.clone()))
            .one(&w.txn)
            .await?;
        let id = match existing {
            Some(a) => {
                if !a.status.editable() {
                    return Err(AppError::Conflict(format!(
                        "申报{}，不能再修改",
                        a.status.label()
                    )));
                }
                if a.status == ApplicationStatus::Draft {
                    in_stage(&w.txn, &c.id, CampaignStatus::Open).await?;
                }
                let n = application::Entity::update_many()
                    .col_expr(application::Column::Form, Expr::value(form_json))
                    .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
                    .filter(application::Column::Id.eq(a.id.clone()))
                    .filter(application::Column::Status.eq(a.status))
                    .exec(&w.txn)
                    .await?
                    .rows_affected;
                if n != 1 {
                    return Err(AppError::Conflict("申报刚被改变，请刷新后再看".into()));
                }
                a.id
            }
            None => {
                let c = in_stage(&w.txn, &c.id, CampaignStatus::Open).await?;
                if today > date(&c.closes_on)? {
                    return Err(AppError::Conflict(format!("申报已于{}截止", c.closes_on)));
                }
                let id = uuid::Uuid::now_v7().to_string();
                application::Entity::insert(application::ActiveModel {
                    id: Set(id.clone()),
                    campaign_id: Set(c.id.clone()),
                    org_id: Set(org_id.clone()),
                    status: Set(ApplicationStatus::Draft),
                    form: Set(form_json),
                    correct_by: Set(None),
                    review_note: Set(String::new()),
                    result: Set(None),
                    submitted_at: Set(None),
                    created_by: Set(who.user_id.clone()),
                    created_at: Set(w.now),
                    updated_at: Set(w.now),
                })
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict("本单位已有这个征集的申报，请刷新".into()))?;
                id
            }
        };
        w.commit(Entry::ok(
            "solicitation_application.save",
            "solicitation_application",
            &id,
            serde_json::json!({"campaign": c.id, "org": org_id}),
        ))
        .await?;
        self.application(who, &id).await
    }

    /// Submit the caller's organisation's application: complete, within the window or
    /// by the correction deadline.
    pub async fn submit_application(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
    ) -> AppResult<super::ApplicationView> {
        let org_id = self.provider_org(who)?;
        let a = self.own_application(&org_id, id).await?;
        let form: ApplicationForm = serde_json::from_str(&a.form)
            .map_err(|e| AppError::Internal(format!("application {} form: {e}", a.id)))?;
        let problems = form.problems(true);
        if !problems.is_empty() {
            return Err(AppError::Validation(
                problems
                    .into_iter()
                    .map(|(f, m)| FieldError::new(f, m))
                    .collect(),
            ));
        }
        let w = self.write(who, ctx).await?;
        let today = (w.now + chrono::Duration::hours(8)).date_naive();
        let stage = match a.status {
            ApplicationStatus::Returned => CampaignStatus::Reviewing,
            _ => CampaignStatus::Open,
        };
        let c = in_stage(&w.txn, &a.campaign_id, stage).await?;
        let correct_by = a.correct_by.as_deref().map(date).transpose()?;
        rules::may_submit(a.status, date(&c.closes_on)?, correct_by, today)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let n = application::Entity::update_many()
            .col_expr(
                application::Column::Status,
                Expr::value(ApplicationStatus::Submitted),
            )
            .col_expr(application::Column::SubmittedAt, Expr::value(Some(w.now)))
            .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
            .filter(application::Column::Id.eq(a.id.clone()))
            .filter(application::Column::Status.eq(a.status))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n != 1 {
            return Err(AppError::Conflict("申报刚被改变，请刷新后再看".into()));
        }
        w.commit(Entry::ok(
            "solicitation_application.submit",
            "solicitation_application",
            &a.id,
            serde_json::json!({"campaign": c.id, "from": a.status.code()}),
        ))
        .await?;
        self.application(who, id).await
    }

    /// Attach a material to the caller's organisation's application while it may still
    /// be changed.
    pub async fn attach_material(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> AppResult<super::FileView> {
        let org_id = self.provider_org(who)?;
        let a = self.own_application(&org_id, id).await?;
        if !a.status.editable() {
            return Err(AppError::Conflict(format!(
                "申报{}，不能再添加材料",
                a.status.label()
            )));
        }
        let stages = match a.status {
            ApplicationStatus::Returned => [CampaignStatus::Reviewing],
            _ => [CampaignStatus::Open],
        };
        self.store_file(
            who,
            ctx,
            &a.campaign_id,
            Some(&a.id),
            filename,
            bytes,
            &stages,
        )
        .await
    }

    /// Decide a submitted application on its materials: approve, return for correction
    /// within the campaign's correction days, or reject. A note is required unless
    /// approved.
    pub async fn review_application(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        decision: Decision,
        note: &str,
    ) -> AppResult<super::ApplicationView> {
        self.may_run(who)?;
        let note = check_note(note, decision != Decision::Approve, "note")?;
        let a = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        if a.status != ApplicationStatus::Submitted {
            return Err(AppError::Conflict(format!(
                "申报{}，不能再审核",
                a.status.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        let c = in_stage(&w.txn, &a.campaign_id, CampaignStatus::Reviewing).await?;
        let today = (w.now + chrono::Duration::hours(8)).date_naive();
        let (to, correct_by) = match decision {
            Decision::Approve => (ApplicationStatus::Approved, None),
            Decision::Reject => (ApplicationStatus::Rejected, None),
            Decision::Return => (
                ApplicationStatus::Returned,
                Some((today + chrono::Duration::days(i64::from(c.correct_days))).to_string()),
            ),
        };
        let n = application::Entity::update_many()
            .col_expr(application::Column::Status, Expr::value(to))
            .col_expr(application::Column::ReviewNote, Expr::value(note.clone()))
            .col_expr(
                application::Column::CorrectBy,
                Expr::value(correct_by.clone()),
            )
            .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
            .filter(application::Column::Id.eq(a.id.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Submitted))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n != 1 {
            return Err(AppError::Conflict("申报刚被他人审核，请刷新后再看".into()));
        }
        w.commit(Entry::ok(
            "solicitation_application.review",
            "solicitation_application",
            &a.id,
            serde_json::json!({"to": to.code(), "note": note, "correct_by": correct_by}),
        ))
        .await?;
        self.application(who, id).await
    }

    /// One application the caller may see.
    pub async fn application(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<super::ApplicationView> {
        let a = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        let c = self.visible(who, &a.campaign_id).await?;
        let a = self.readable_application(who, &c, &a.id).await?;
        let me = self.expert_of(who).await?;
        self.application_views(who, &c, vec![a], me.as_ref())
            .await?
            .pop()
            .ok_or(AppError::NotFound("申报"))
    }

    /// The application if the caller may read it: those who run the campaign, the
    /// applying organisation, an expert assigned to the campaign once the roadshow
    /// started (approved applications only). Otherwise 404.
    pub(crate) async fn readable_application(
        &self,
        who: &Principal,
        c: &campaign::Model,
        id: &str,
    ) -> AppResult<application::Model> {
        let a = application::Entity::find_by_id(id.to_string())
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        if self.runs(who) && a.status != ApplicationStatus::Draft {
            return Ok(a);
        }
        if who.works_for(&a.org_id) && who.can(Permission::ApplySolicitations) {
            return Ok(a);
        }
        if c.status >= CampaignStatus::Roadshow
            && after_review().contains(&a.status)
            && let Some(e) = self.expert_of(who).await?
            && self.is_assigned(&c.id, &e.id).await?
        {
            return Ok(a);
        }
        Err(AppError::NotFound("申报"))
    }

    pub(crate) async fn own_application(
        &self,
        org_id: &str,
        id: &str,
    ) -> AppResult<application::Model> {
        application::Entity::find_by_id(id.to_string())
            .filter(application::Column::OrgId.eq(org_id))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))
    }

    /// Applications as shown to `who`: the scores they may see (all for those who run
    /// the campaign; an expert's own, the others' once theirs is in; none for the
    /// applicant), the result once the notice is published.
    pub(crate) async fn application_views(
        &self,
        who: &Principal,
        c: &campaign::Model,
        rows: Vec<application::Model>,
        me: Option<&expert::Model>,
    ) -> AppResult<Vec<super::ApplicationView>> {
        let names = self
            .org_names(rows.iter().map(|a| a.org_id.clone()))
            .await?;
        let runs = self.runs(who);
        let scores = if runs || me.is_some() {
            score::Entity::find()
                .filter(score::Column::CampaignId.eq(c.id.clone()))
                .all(&self.db)
                .await?
        } else {
            Vec::new()
        };
        let experts: HashMap<String, String> = if scores.is_empty() {
            HashMap::new()
        } else {
            expert::Entity::find()
                .filter(expert::Column::Id.is_in(scores.iter().map(|s| s.expert_id.clone())))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|e| (e.id, e.name))
                .collect()
        };
        let published = c.status >= CampaignStatus::Notice;
        // Every application's files and, for an expert, the conflicts: one query each.
        let mut files = self
            .files_by_application(&c.id, rows.iter().map(|a| a.id.clone()).collect())
            .await?;
        let conflicted = match me {
            Some(e) => {
                let orgs = organization::Entity::find()
                    .filter(
                        organization::Column::Id
                            .is_in(rows.iter().map(|a| a.org_id.clone()).collect::<Vec<_>>()),
                    )
                    .all(&self.db)
                    .await?;
                self.conflicted_orgs(e, &orgs).await?
            }
            None => Default::default(),
        };
        let mut out = Vec::with_capacity(rows.len());
        for a in rows {
            let mine: Vec<&score::Model> =
                scores.iter().filter(|s| s.application_id == a.id).collect();
            let own_in = me.is_some_and(|e| mine.iter().any(|s| s.expert_id == e.id));
            let shown: Vec<super::ScoreView> = mine
                .into_iter()
                .filter(|s| runs || own_in || me.is_some_and(|e| s.expert_id == e.id))
                .map(|s| super::ScoreView {
                    expert_id: s.expert_id.clone(),
                    expert_name: experts.get(&s.expert_id).cloned().unwrap_or_default(),
                    recused: s.recused,
                    score: s
                        .score
                        .map(|v| rules::score_text(u32::try_from(v).unwrap_or(0))),
                    points: serde_json::from_str(&s.points).unwrap_or_default(),
                    comment: s.comment.clone(),
                    created_at: s.created_at,
                })
                .collect();
            let form: ApplicationForm = serde_json::from_str(&a.form)
                .map_err(|e| AppError::Internal(format!("application {} form: {e}", a.id)))?;
            let files = files.remove(&a.id).unwrap_or_default();
            let conflicted = conflicted.contains(&a.org_id);
            out.push(super::ApplicationView {
                org_name: names.get(&a.org_id).cloned().unwrap_or_default(),
                status_label: a.status.label(),
                status: a.status,
                form,
                correct_by: a.correct_by,
                review_note: a.review_note,
                result: if published || runs {
                    a.result
                        .map(|v| rules::score_text(u32::try_from(v).unwrap_or(0)))
                } else {
                    None
                },
                submitted_at: a.submitted_at,
                updated_at: a.updated_at,
                files,
                scores: shown,
                judged: own_in,
                conflicted,
                campaign_id: a.campaign_id,
                org_id: a.org_id,
                id: a.id,
            });
        }
        Ok(out)
    }

    /// The caller's organisation's applications, newest first, with their campaigns'
    /// titles.
    pub async fn my_applications(
        &self,
        who: &Principal,
    ) -> AppResult<Vec<(String, super::ApplicationView)>> {
        let org_id = self.provider_org(who)?;
        let rows = application::Entity::find()
            .filter(application::Column::OrgId.eq(org_id))
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for a in rows {
            let c = self.visible(who, &a.campaign_id).await?;
            let title = c.title.clone();
            if let Some(v) = self.application_views(who, &c, vec![a], None).await?.pop() {
                out.push((title, v));
            }
        }
        out.sort_by_key(|x| std::cmp::Reverse(x.1.updated_at));
        Ok(out)
    }
}

/// A note or reason as typed: trimmed, plain text, at most 500 characters; `required`
/// refuses an empty one.
pub(crate) fn check_note(note: &str, required: bool, field: &str) -> AppResult<String> {
    crate::text::typed(note, required, field, MAX_NOTE_CHARS)
}
