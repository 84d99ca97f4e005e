//! The roadshow (路演评审): experts of the pool are assigned to a campaign; each scores
//! every approved application on the campaign's sheet, once, without seeing the others'
//! scores before their own is in. An expert whose unit is the applicant (same credit
//! code) or who works for it is out of that application automatically; an expert may
//! also declare a conflict and recuse (回避) with a reason.

use super::applications::check_note;
use super::{Solicitation, in_stage, sheet_of};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::write::OnUnique;
use jineng_core::accounts::Permission;
use jineng_core::solicitation::{ApplicationStatus, CampaignStatus};
use jineng_store::accounts::role_grant as grant;
use jineng_store::courses::expert;
use jineng_store::organizations::organization;
use jineng_store::solicitation::{application, campaign, expert as assigned, score};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::HashMap;

/// An expert assigned to a campaign.
#[derive(Debug, Clone, Serialize)]
pub struct AssignedExpert {
    pub expert_id: String,
    pub name: String,
    pub unit_name: String,
    pub title: String,
    /// Applications this expert may not judge (their unit applied), by applicant name.
    pub conflicts: Vec<String>,
    /// Scores and recusals given so far.
    pub given: u64,
}

/// A campaign an expert is assigned to, with how much is left to score.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub campaign: super::CampaignView,
    pub to_score: u64,
}

impl Solicitation<'_> {
    /// The caller's record in the expert pool, if they are an expert.
    pub(crate) async fn expert_of(&self, who: &Principal) -> AppResult<Option<expert::Model>> {
        if !who.can(Permission::ScoreRoadshows) {
            return Ok(None);
        }
        Ok(expert::Entity::find()
            .filter(expert::Column::UserId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?)
    }

    pub(crate) async fn is_assigned(&self, campaign_id: &str, expert_id: &str) -> AppResult<bool> {
        Ok(assigned::Entity::find()
            .filter(assigned::Column::CampaignId.eq(campaign_id))
            .filter(assigned::Column::ExpertId.eq(expert_id))
            .count(&self.db)
            .await?
            > 0)
    }

    /// Whether `e` may not judge the application of `org`: the expert's unit is the
    /// applicant, or the expert's account works for it.
    pub(crate) async fn conflicted(
        &self,
        e: &expert::Model,
        org: &organization::Model,
    ) -> AppResult<bool> {
        Ok(self
            .conflicted_orgs(e, std::slice::from_ref(org))
            .await?
            .contains(&org.id))
    }

    /// Which of `orgs` the expert may not judge: their unit's credit code is the
    /// organisation's, or their account works for it. Two queries whatever the number.
    pub(crate) async fn conflicted_orgs(
        &self,
        e: &expert::Model,
        orgs: &[organization::Model],
    ) -> AppResult<std::collections::HashSet<String>> {
        let mut out: std::collections::HashSet<String> = orgs
            .iter()
            .filter(|o| !e.unit_credit_code.is_empty() && e.unit_credit_code == o.credit_code)
            .map(|o| o.id.clone())
            .collect();
        let ids: Vec<String> = orgs.iter().map(|o| o.id.clone()).collect();
        out.extend(
            grant::Entity::find()
                .filter(grant::Column::UserId.eq(e.user_id.clone()))
                .filter(grant::Column::OrgId.is_in(ids))
                .all(&self.db)
                .await?
                .into_iter()
                .filter_map(|g| g.org_id),
        );
        Ok(out)
    }

    pub(crate) async fn assigned_experts(
        &self,
        c: &campaign::Model,
    ) -> AppResult<Vec<AssignedExpert>> {
        let ids: Vec<String> = assigned::Entity::find()
            .filter(assigned::Column::CampaignId.eq(c.id.clone()))
            .order_by_asc(assigned::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.expert_id)
            .collect();
        let mut experts: HashMap<String, expert::Model> = expert::Entity::find()
            .filter(expert::Column::Id.is_in(ids.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
        let orgs = self.applicant_orgs(c).await?;
        let scores = score::Entity::find()
            .filter(score::Column::CampaignId.eq(c.id.clone()))
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(e) = experts.remove(&id) else {
                continue;
            };
            let out_of = self.conflicted_orgs(&e, &orgs).await?;
            let conflicts: Vec<String> = orgs
                .iter()
                .filter(|o| out_of.contains(&o.id))
                .map(|o| o.name.clone())
                .collect();
            out.push(AssignedExpert {
                given: scores.iter().filter(|s| s.expert_id == e.id).count() as u64,
                expert_id: e.id,
                name: e.name,
                unit_name: e.unit_name,
                title: e.title,
                conflicts,
            });
        }
        Ok(out)
    }

    /// The organisations with a submitted application to the campaign.
    async fn applicant_orgs(&self, c: &campaign::Model) -> AppResult<Vec<organization::Model>> {
        let org_ids: Vec<String> = application::Entity::find()
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .filter(application::Column::Status.ne(ApplicationStatus::Draft))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.org_id)
            .collect();
        Ok(organization::Entity::find()
            .filter(organization::Column::Id.is_in(org_ids))
            .order_by_asc(organization::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// Assign an expert of the pool to a campaign in material review or roadshow.
    pub async fn assign_expert(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        campaign_id: &str,
        expert_id: &str,
    ) -> AppResult<Vec<AssignedExpert>> {
        self.may_run(who)?;
        let c = self.visible(who, campaign_id).await?;
        if !matches!(
            c.status,
            CampaignStatus::Reviewing | CampaignStatus::Roadshow
        ) {
            return Err(AppError::Conflict(format!(
                "征集{}，材料审核和路演评审阶段才能指派专家",
                c.status.label()
            )));
        }
        let e = expert::Entity::find_by_id(expert_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::field("expert_id", "专家库中没有这位专家"))?;
        let w = self.write(who, ctx).await?;
        let c = in_stage(&w.txn, &c.id, c.status).await?;
        assigned::Entity::insert(assigned::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            campaign_id: Set(c.id.clone()),
            expert_id: Set(e.id.clone()),
            assigned_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::Conflict(format!("{}已是本次路演的评审专家", e.name)))?;
        w.commit(Entry::ok(
            "solicitation.assign_expert",
            "solicitation",
            &c.id,
            serde_json::json!({"expert": e.id, "name": e.name}),
        ))
        .await?;
        self.assigned_experts(&c).await
    }

    /// Take an expert off a campaign before they have scored anything.
    pub async fn remove_expert(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        campaign_id: &str,
        expert_id: &str,
    ) -> AppResult<Vec<AssignedExpert>> {
        self.may_run(who)?;
        let c = self.visible(who, campaign_id).await?;
        let w = self.write(who, ctx).await?;
        let c = in_stage(&w.txn, &c.id, c.status).await?;
        if c.status > CampaignStatus::Roadshow {
            return Err(AppError::Conflict("路演评审已结束，不能再调整专家".into()));
        }
        let given = score::Entity::find()
            .filter(score::Column::CampaignId.eq(c.id.clone()))
            .filter(score::Column::ExpertId.eq(expert_id))
            .count(&w.txn)
            .await?;
        if given > 0 {
            return Err(AppError::Conflict(
                "这位专家已提交评分，不能取消指派".into(),
            ));
        }
        let n = assigned::Entity::delete_many()
            .filter(assigned::Column::CampaignId.eq(c.id.clone()))
            .filter(assigned::Column::ExpertId.eq(expert_id))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n == 0 {
            return Err(AppError::NotFound("指派的专家"));
        }
        w.commit(Entry::ok(
            "solicitation.remove_expert",
            "solicitation",
            &c.id,
            serde_json::json!({"expert": expert_id}),
        ))
        .await?;
        self.assigned_experts(&c).await
    }

    /// The caller (an assigned expert) scores an approved application: points for every
    /// criterion of the sheet, once.
    pub async fn score(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        application_id: &str,
        points: &[u32],
        comment: &str,
    ) -> AppResult<super::ApplicationView> {
        self.judge(who, ctx, application_id, Some(points), comment)
            .await
    }

    /// The caller (an assigned expert) declares a conflict of interest with an
    /// application and stays out of it, with the reason.
    pub async fn recuse(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        application_id: &str,
        reason: &str,
    ) -> AppResult<super::ApplicationView> {
        self.judge(who, ctx, application_id, None, reason).await
    }

    async fn judge(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        application_id: &str,
        points: Option<&[u32]>,
        comment: &str,
    ) -> AppResult<super::ApplicationView> {
        let e = self.expert_of(who).await?.ok_or(AppError::Forbidden)?;
        let a = application::Entity::find_by_id(application_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        let c = self.visible(who, &a.campaign_id).await?;
        if !self.is_assigned(&c.id, &e.id).await? {
            return Err(AppError::NotFound("申报"));
        }
        let a = self.readable_application(who, &c, &a.id).await?;
        let comment = check_note(comment, points.is_none(), "comment")?;
        let org = organization::Entity::find_by_id(a.org_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        if points.is_some() && self.conflicted(&e, &org).await? {
            return Err(AppError::Conflict(format!(
                "您所在单位与{}存在利害关系，应回避，不能评分",
                org.name
            )));
        }
        let sheet = sheet_of(&c)?;
        let (score_value, points_json) = match points {
            Some(p) => (
                Some(
                    sheet
                        .score(p)
                        .map_err(|err| AppError::field("points", err.to_string()))?
                        as i32,
                ),
                serde_json::to_string(p).map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            None => (None, "[]".to_string()),
        };
        let w = self.write(who, ctx).await?;
        in_stage(&w.txn, &c.id, CampaignStatus::Roadshow).await?;
        if a.status != ApplicationStatus::Approved {
            return Err(AppError::Conflict(format!(
                "申报{}，不在路演评审中",
                a.status.label()
            )));
        }
        score::Entity::insert(score::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            campaign_id: Set(c.id.clone()),
            application_id: Set(a.id.clone()),
            expert_id: Set(e.id.clone()),
            points: Set(points_json),
            score: Set(score_value),
            comment: Set(comment.clone()),
            recused: Set(points.is_none()),
            created_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(|| AppError::Conflict("您已对这份申报评分或回避，不能再改".into()))?;
        let (action, changes) = match score_value {
            Some(v) => (
                "solicitation_application.score",
                serde_json::json!({"expert": e.id, "score": v}),
            ),
            None => (
                "solicitation_application.recuse",
                serde_json::json!({"expert": e.id, "reason": comment}),
            ),
        };
        w.commit(Entry::ok(
            action,
            "solicitation_application",
            &a.id,
            changes,
        ))
        .await?;
        self.application(who, application_id).await
    }

    /// Scores still owed, as "expert：applicant" lines: every assigned expert who is not
    /// conflicted owes a score or a recusal for every approved application.
    pub(crate) async fn missing_scores(
        &self,
        c: &campaign::Model,
        apps: &[application::Model],
        scores: &[score::Model],
    ) -> AppResult<Vec<String>> {
        let ids: Vec<String> = assigned::Entity::find()
            .filter(assigned::Column::CampaignId.eq(c.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.expert_id)
            .collect();
        let experts = expert::Entity::find()
            .filter(expert::Column::Id.is_in(ids))
            .order_by_asc(expert::Column::Name)
            .all(&self.db)
            .await?;
        let orgs: HashMap<String, organization::Model> = organization::Entity::find()
            .filter(organization::Column::Id.is_in(apps.iter().map(|a| a.org_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
        let all: Vec<organization::Model> = orgs.values().cloned().collect();
        let mut out = Vec::new();
        for e in &experts {
            let out_of = self.conflicted_orgs(e, &all).await?;
            for a in apps {
                if scores
                    .iter()
                    .any(|s| s.expert_id == e.id && s.application_id == a.id)
                {
                    continue;
                }
                let Some(o) = orgs.get(&a.org_id) else {
                    continue;
                };
                if !out_of.contains(&o.id) {
                    out.push(format!("{}：{}", e.name, o.name));
                }
            }
        }
        Ok(out)
    }

    /// The campaigns the caller is assigned to as an expert, newest first, with how many
    /// approved applications they still have to score while the roadshow runs.
    pub async fn my_roadshows(&self, who: &Principal) -> AppResult<Vec<Assignment>> {
        let Some(e) = self.expert_of(who).await? else {
            return Err(AppError::Forbidden);
        };
        let ids: Vec<String> = assigned::Entity::find()
            .filter(assigned::Column::ExpertId.eq(e.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.campaign_id)
            .collect();
        let rows = campaign::Entity::find()
            .filter(campaign::Column::Id.is_in(ids))
            .order_by_desc(campaign::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            let to_score = if c.status == CampaignStatus::Roadshow {
                let apps = application::Entity::find()
                    .filter(application::Column::CampaignId.eq(c.id.clone()))
                    .filter(application::Column::Status.eq(ApplicationStatus::Approved))
                    .all(&self.db)
                    .await?;
                let scores = score::Entity::find()
                    .filter(score::Column::CampaignId.eq(c.id.clone()))
                    .filter(score::Column::ExpertId.eq(e.id.clone()))
                    .all(&self.db)
                    .await?;
                let orgs = organization::Entity::find()
                    .filter(
                        organization::Column::Id
                            .is_in(apps.iter().map(|a| a.org_id.clone()).collect::<Vec<_>>()),
                    )
                    .all(&self.db)
                    .await?;
                let known: std::collections::HashSet<String> =
                    orgs.iter().map(|o| o.id.clone()).collect();
                let out_of = self.conflicted_orgs(&e, &orgs).await?;
                apps.iter()
                    .filter(|a| !scores.iter().any(|s| s.application_id == a.id))
                    .filter(|a| known.contains(&a.org_id) && !out_of.contains(&a.org_id))
                    .count() as u64
            } else {
                0
            };
            out.push(Assignment {
                campaign: super::view(c)?,
                to_score,
            });
        }
        Ok(out)
    }
}
