//! The public notice (公示) and what follows it: anyone signed in may object while the
//! notice runs; those who run the campaign answer every objection, may drop an
//! application from the shortlist with a reason, and close the notice once its days are
//! over and nothing is left unanswered, which admits (入驻) the shortlist. Admitted
//! providers' standing is then managed: suspended, restored, ended.

use super::applications::check_note;
use super::{Solicitation, date, in_stage};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use jineng_core::solicitation::{
    self as rules, AdmissionStatus, ApplicationStatus, CampaignStatus,
};
use jineng_store::solicitation::{admission, application, campaign, objection};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

/// The shortest objection, in characters: a reason, not a click.
const MIN_OBJECTION_CHARS: usize = 5;
/// Objections one person may file against one notice.
pub const MAX_OBJECTIONS: u64 = 5;

#[derive(Debug, Clone, Serialize)]
pub struct ObjectionView {
    pub id: String,
    pub campaign_id: String,
    /// The application objected to, by applicant name; empty for the campaign as a whole.
    pub application_id: Option<String>,
    pub about: String,
    /// Who filed it: shown only to those who run the campaign.
    pub filed_by: Option<String>,
    pub body: String,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One line of a public notice.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeEntry {
    pub org_name: String,
    pub result: String,
    pub status_label: &'static str,
}

/// What anyone, signed in or not, sees of a campaign in or after its notice.
#[derive(Debug, Clone, Serialize)]
pub struct PublicNotice {
    pub id: String,
    pub number: String,
    pub title: String,
    pub status_label: &'static str,
    pub notice_from: String,
    pub notice_until: String,
    pub pass_score: String,
    /// Whether objections are accepted today.
    pub open_for_objections: bool,
    pub entries: Vec<NoticeEntry>,
    pub objections: u64,
    pub answered: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdmissionView {
    pub id: String,
    pub campaign_id: String,
    pub campaign_title: String,
    pub org_id: String,
    pub org_name: String,
    pub status: AdmissionStatus,
    pub status_label: &'static str,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Solicitation<'_> {
    /// File an objection against a campaign's notice (anyone signed in), about the
    /// campaign as a whole or one shortlisted application.
    pub async fn object(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        campaign_id: &str,
        application_id: Option<&str>,
        body: &str,
    ) -> AppResult<ObjectionView> {
        let c = self.visible(who, campaign_id).await?;
        let body = check_note(body, true, "body")?;
        if body.chars().count() < MIN_OBJECTION_CHARS {
            return Err(AppError::field(
                "body",
                format!("请写明异议的事实和理由（至少{MIN_OBJECTION_CHARS}个字）"),
            ));
        }
        let about = match application_id.filter(|a| !a.is_empty()) {
            Some(a) => Some(
                application::Entity::find_by_id(a.to_string())
                    .filter(application::Column::CampaignId.eq(c.id.clone()))
                    .filter(application::Column::Status.is_in([
                        ApplicationStatus::Shortlisted,
                        ApplicationStatus::NotAdmitted,
                    ]))
                    .one(&self.db)
                    .await?
                    .ok_or_else(|| AppError::field("application_id", "公示名单中没有这份申报"))?,
            ),
            None => None,
        };
        let w = self.write(who, ctx).await?;
        let today = (w.now + chrono::Duration::hours(8)).date_naive();
        let c = in_stage(&w.txn, &c.id, CampaignStatus::Notice)
            .await
            .map_err(|_| AppError::Conflict("公示期已结束，不能再提出异议".into()))?;
        let from = notice_from(&c)?;
        if !rules::may_object(from, c.notice_days as u32, today) {
            return Err(AppError::Conflict(format!(
                "公示期为{}至{}，期外不能提出异议",
                from,
                rules::notice_last_day(from, c.notice_days as u32)
            )));
        }
        // At most MAX_OBJECTIONS per person and notice, counted under the person's lock.
        w.lock_person(&who.user_id).await?;
        let mine = objection::Entity::find()
            .filter(objection::Column::CampaignId.eq(c.id.clone()))
            .filter(objection::Column::FiledBy.eq(who.user_id.clone()))
            .count(&w.txn)
            .await?;
        if mine >= MAX_OBJECTIONS {
            return Err(AppError::Conflict(format!(
                "每人对同一公示最多提出{MAX_OBJECTIONS}条异议，您已提出{mine}条"
            )));
        }
        let row = objection::Model {
            id: uuid::Uuid::now_v7().to_string(),
            campaign_id: c.id.clone(),
            application_id: about.as_ref().map(|a| a.id.clone()),
            filed_by: who.user_id.clone(),
            body: body.clone(),
            answer: None,
            answered_by: None,
            answered_at: None,
            created_at: w.now,
        };
        objection::Entity::insert(objection::ActiveModel::from(row.clone()))
            .exec(&w.txn)
            .await?;
        w.commit(Entry::ok(
            "solicitation_objection.file",
            "solicitation_objection",
            &row.id,
            serde_json::json!({"campaign": c.id, "application": row.application_id}),
        ))
        .await?;
        let mut v = self.objections_as(who, &c, vec![row]).await?;
        v.pop().ok_or(AppError::NotFound("异议"))
    }

    /// Answer an objection while the notice runs (those who run the campaign). An
    /// answer is given once.
    pub async fn answer_objection(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        answer: &str,
    ) -> AppResult<ObjectionView> {
        self.may_run(who)?;
        let answer = check_note(answer, true, "answer")?;
        let o = objection::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("异议"))?;
        let w = self.write(who, ctx).await?;
        let c = in_stage(&w.txn, &o.campaign_id, CampaignStatus::Notice).await?;
        let n = objection::Entity::update_many()
            .col_expr(objection::Column::Answer, Expr::value(Some(answer.clone())))
            .col_expr(
                objection::Column::AnsweredBy,
                Expr::value(Some(who.user_id.clone())),
            )
            .col_expr(objection::Column::AnsweredAt, Expr::value(Some(w.now)))
            .filter(objection::Column::Id.eq(o.id.clone()))
            .filter(objection::Column::AnsweredAt.is_null())
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n != 1 {
            return Err(AppError::Conflict("这条异议已答复".into()));
        }
        w.commit(Entry::ok(
            "solicitation_objection.answer",
            "solicitation_objection",
            &o.id,
            serde_json::json!({"campaign": c.id, "answer": answer}),
        ))
        .await?;
        let row = objection::Entity::find_by_id(o.id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("异议"))?;
        let mut v = self.objections_as(who, &c, vec![row]).await?;
        v.pop().ok_or(AppError::NotFound("异议"))
    }

    /// The campaign an objection was filed against (those who run campaigns).
    pub async fn objection_campaign(&self, who: &Principal, id: &str) -> AppResult<String> {
        self.may_run(who)?;
        Ok(objection::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("异议"))?
            .campaign_id)
    }

    /// Take a shortlisted application off the list during the notice (an objection
    /// upheld), with the reason: it will not be admitted.
    pub async fn drop_from_shortlist(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        application_id: &str,
        reason: &str,
    ) -> AppResult<super::ApplicationView> {
        self.may_run(who)?;
        let reason = check_note(reason, true, "reason")?;
        let a = application::Entity::find_by_id(application_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("申报"))?;
        let w = self.write(who, ctx).await?;
        in_stage(&w.txn, &a.campaign_id, CampaignStatus::Notice).await?;
        let n = application::Entity::update_many()
            .col_expr(
                application::Column::Status,
                Expr::value(ApplicationStatus::NotAdmitted),
            )
            .col_expr(application::Column::ReviewNote, Expr::value(reason.clone()))
            .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
            .filter(application::Column::Id.eq(a.id.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Shortlisted))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n != 1 {
            return Err(AppError::Conflict(format!(
                "申报{}，不在入围名单中",
                a.status.label()
            )));
        }
        w.commit(Entry::ok(
            "solicitation_application.drop",
            "solicitation_application",
            &a.id,
            serde_json::json!({"reason": reason}),
        ))
        .await?;
        self.application(who, application_id).await
    }

    /// The notice over (its days past, every objection answered): the shortlist is
    /// admitted. Called inside the move to `Closed`, after the campaign row is locked,
    /// so no objection can arrive between the count and the admission.
    pub(crate) async fn close_notice(
        &self,
        w: &crate::write::Write<'_>,
        c: &campaign::Model,
        today: NaiveDate,
    ) -> AppResult<u64> {
        let unanswered = objection::Entity::find()
            .filter(objection::Column::CampaignId.eq(c.id.clone()))
            .filter(objection::Column::AnsweredAt.is_null())
            .count(&w.txn)
            .await?;
        rules::may_close_notice(notice_from(c)?, c.notice_days as u32, today, unanswered)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let shortlist = application::Entity::find()
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .filter(application::Column::Status.eq(ApplicationStatus::Shortlisted))
            .all(&w.txn)
            .await?;
        for a in &shortlist {
            application::Entity::update_many()
                .col_expr(
                    application::Column::Status,
                    Expr::value(ApplicationStatus::Admitted),
                )
                .col_expr(application::Column::UpdatedAt, Expr::value(w.now))
                .filter(application::Column::Id.eq(a.id.clone()))
                .filter(application::Column::Status.eq(ApplicationStatus::Shortlisted))
                .exec(&w.txn)
                .await?;
            admission::Entity::insert(admission::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                campaign_id: Set(c.id.clone()),
                application_id: Set(a.id.clone()),
                org_id: Set(a.org_id.clone()),
                status: Set(AdmissionStatus::Active),
                reason: Set(String::new()),
                created_at: Set(w.now),
                updated_at: Set(w.now),
            })
            .exec(&w.txn)
            .await?;
        }
        Ok(shortlist.len() as u64)
    }

    /// Objections as `who` may see them: all, with who filed them, for those who run
    /// the campaign; one's own otherwise.
    pub(crate) async fn objection_views(
        &self,
        who: &Principal,
        c: &campaign::Model,
    ) -> AppResult<Vec<ObjectionView>> {
        let mut q = objection::Entity::find()
            .filter(objection::Column::CampaignId.eq(c.id.clone()))
            .order_by_asc(objection::Column::CreatedAt);
        if !self.runs(who) {
            q = q.filter(objection::Column::FiledBy.eq(who.user_id.clone()));
        }
        let rows = q.all(&self.db).await?;
        self.objections_as(who, c, rows).await
    }

    async fn objections_as(
        &self,
        who: &Principal,
        c: &campaign::Model,
        rows: Vec<objection::Model>,
    ) -> AppResult<Vec<ObjectionView>> {
        let apps = application::Entity::find()
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .filter(
                application::Column::Id.is_in(rows.iter().filter_map(|o| o.application_id.clone())),
            )
            .all(&self.db)
            .await?;
        let orgs = self
            .org_names(apps.iter().map(|a| a.org_id.clone()))
            .await?;
        let runs = self.runs(who);
        let users: std::collections::HashMap<String, String> = if runs {
            jineng_store::accounts::user::Entity::find()
                .filter(
                    jineng_store::accounts::user::Column::Id
                        .is_in(rows.iter().map(|o| o.filed_by.clone())),
                )
                .all(&self.db)
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect()
        } else {
            Default::default()
        };
        Ok(rows
            .into_iter()
            .map(|o| {
                let about = o
                    .application_id
                    .as_ref()
                    .and_then(|id| apps.iter().find(|a| &a.id == id))
                    .and_then(|a| orgs.get(&a.org_id).cloned())
                    .unwrap_or_else(|| "整个征集".to_string());
                ObjectionView {
                    filed_by: runs.then(|| users.get(&o.filed_by).cloned().unwrap_or_default()),
                    id: o.id,
                    campaign_id: o.campaign_id,
                    application_id: o.application_id,
                    about,
                    body: o.body,
                    answer: o.answer,
                    answered_at: o.answered_at,
                    created_at: o.created_at,
                }
            })
            .collect())
    }

    /// A campaign's notice as published, for anyone (no sign-in): only once the notice
    /// started.
    pub async fn public_notice(&self, id: &str) -> AppResult<PublicNotice> {
        let c = campaign::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .filter(|c| c.status >= CampaignStatus::Notice)
            .ok_or(AppError::NotFound("公示"))?;
        let from = notice_from(&c)?;
        let until = rules::notice_last_day(from, c.notice_days as u32);
        let mut apps = application::Entity::find()
            .filter(application::Column::CampaignId.eq(c.id.clone()))
            .filter(
                application::Column::Status
                    .is_in([ApplicationStatus::Shortlisted, ApplicationStatus::Admitted]),
            )
            .all(&self.db)
            .await?;
        apps.sort_by_key(|a| std::cmp::Reverse(a.result));
        let names = self
            .org_names(apps.iter().map(|a| a.org_id.clone()))
            .await?;
        let objections = objection::Entity::find()
            .filter(objection::Column::CampaignId.eq(c.id.clone()))
            .count(&self.db)
            .await?;
        let answered = objection::Entity::find()
            .filter(objection::Column::CampaignId.eq(c.id.clone()))
            .filter(objection::Column::AnsweredAt.is_not_null())
            .count(&self.db)
            .await?;
        Ok(PublicNotice {
            id: c.id,
            number: c.number,
            title: c.title,
            status_label: c.status.label(),
            notice_from: from.to_string(),
            notice_until: until.to_string(),
            pass_score: rules::score_text(
                c.pass_score
                    .and_then(|p| u32::try_from(p).ok())
                    .unwrap_or(0),
            ),
            open_for_objections: c.status == CampaignStatus::Notice
                && rules::may_object(from, c.notice_days as u32, self.today()),
            entries: apps
                .into_iter()
                .map(|a| NoticeEntry {
                    org_name: names.get(&a.org_id).cloned().unwrap_or_default(),
                    result: rules::score_text(
                        a.result.and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                    ),
                    status_label: a.status.label(),
                })
                .collect(),
            objections,
            answered,
        })
    }

    /// Campaigns whose notice has been published, newest first (for the public list).
    pub async fn public_notices(&self) -> AppResult<Vec<PublicNotice>> {
        use sea_orm::QuerySelect;
        /// How many notices the public list shows.
        const PUBLIC_NOTICES: u64 = 50;
        let ids: Vec<String> = campaign::Entity::find()
            .filter(
                campaign::Column::Status.is_in([CampaignStatus::Notice, CampaignStatus::Closed]),
            )
            .order_by_desc(campaign::Column::UpdatedAt)
            // A page anyone may load: the newest fifty notices, each a few queries.
            .limit(PUBLIC_NOTICES)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.public_notice(&id).await?);
        }
        Ok(out)
    }

    /// Admissions: all for those who run campaigns, one's own organisation's for a
    /// provider.
    pub async fn admissions(&self, who: &Principal) -> AppResult<Vec<AdmissionView>> {
        let mut q = admission::Entity::find().order_by_desc(admission::Column::CreatedAt);
        if !self.runs(who) {
            let org = self.provider_org(who)?;
            q = q.filter(admission::Column::OrgId.eq(org));
        }
        let rows = q.all(&self.db).await?;
        self.admission_views(rows).await
    }

    async fn admission_views(&self, rows: Vec<admission::Model>) -> AppResult<Vec<AdmissionView>> {
        let names = self
            .org_names(rows.iter().map(|a| a.org_id.clone()))
            .await?;
        let titles: std::collections::HashMap<String, String> = campaign::Entity::find()
            .filter(campaign::Column::Id.is_in(rows.iter().map(|a| a.campaign_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.title))
            .collect();
        Ok(rows
            .into_iter()
            .map(|a| AdmissionView {
                campaign_title: titles.get(&a.campaign_id).cloned().unwrap_or_default(),
                org_name: names.get(&a.org_id).cloned().unwrap_or_default(),
                status_label: a.status.label(),
                status: a.status,
                reason: a.reason,
                created_at: a.created_at,
                updated_at: a.updated_at,
                id: a.id,
                campaign_id: a.campaign_id,
                org_id: a.org_id,
            })
            .collect())
    }

    /// Suspend, restore or end an admission, with the reason.
    pub async fn set_admission(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        to: AdmissionStatus,
        reason: &str,
    ) -> AppResult<AdmissionView> {
        self.may_run(who)?;
        let reason = check_note(reason, true, "reason")?;
        let a = admission::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("入驻资格"))?;
        if !a.status.may_become(to) {
            return Err(AppError::Conflict(format!(
                "入驻资格{}，不能改为{}",
                a.status.label(),
                to.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        let n = admission::Entity::update_many()
            .col_expr(admission::Column::Status, Expr::value(to))
            .col_expr(admission::Column::Reason, Expr::value(reason.clone()))
            .col_expr(admission::Column::UpdatedAt, Expr::value(w.now))
            .filter(admission::Column::Id.eq(a.id.clone()))
            .filter(admission::Column::Status.eq(a.status))
            .exec(&w.txn)
            .await?
            .rows_affected;
        if n != 1 {
            return Err(AppError::Conflict("入驻资格刚被他人改变，请刷新".into()));
        }
        w.commit(Entry::ok(
            "provider_admission.status",
            "provider_admission",
            &a.id,
            serde_json::json!({"from": a.status.code(), "to": to.code(), "reason": reason}),
        ))
        .await?;
        let row = admission::Entity::find_by_id(a.id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("入驻资格"))?;
        Ok(self.admission_views(vec![row]).await?.remove(0))
    }
}

fn notice_from(c: &campaign::Model) -> AppResult<NaiveDate> {
    date(c.notice_from.as_deref().ok_or_else(|| {
        AppError::Internal(format!("campaign {} in notice without a start", c.id))
    })?)
}
