//! Institution claims (机构补贴申报): what a completed class may claim under a policy,
//! submitting it, and review by county, city and province.

use super::{Subsidies, parse_rules};
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::page::{self, Page, PageRequest};
use crate::write::{OnUnique, Write};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use jineng_core::Fen;
use jineng_core::accounts::{Permission, Role};
use jineng_core::classes::ClassStatus;
use jineng_core::completion::Outcome;
use jineng_core::subsidies::{
    self as rules, ClaimDecision, ClaimStatus, Facts, Figure, PolicyStatus, ReviewLevel, Rules,
};
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::accounts::user;
use jineng_store::catalogue::project;
use jineng_store::certificates::certificate;
use jineng_store::classes::class;
use jineng_store::learners::profile;
use jineng_store::organizations::organization;
use jineng_store::study::{clearing, session as study_session};
use jineng_store::subsidies::{claim, line, person_year, policy, policy_version, step};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Line states as stored.
pub(crate) const ELIGIBLE: &str = "eligible";
pub(crate) const INELIGIBLE: &str = "ineligible";
/// A line of a claim that was returned or rejected: it holds nothing any more.
pub(crate) const VOID: &str = "void";

/// Study credited between these hours (China time) counts as night study.
const NIGHT_HOURS: std::ops::Range<u32> = 0..5;
/// Night study worth flagging, in milliseconds (two hours).
const NIGHT_FLAG_MS: i64 = 2 * 3600 * 1000;
/// Learners on one device worth flagging.
const SHARED_DEVICE_FLAG: usize = 3;

/// One learner's line as shown.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    pub user_id: String,
    pub name: String,
    pub eligible: bool,
    pub amount: Fen,
    pub reasons: String,
    pub category: String,
    pub outcome: String,
    pub online_hours: String,
    pub offline_hours: u32,
    pub attendance_percent: u32,
    pub exam: &'static str,
    pub certificate: bool,
    pub irregular: bool,
    /// The payout's state, once disbursed.
    pub payout: String,
}

/// What a class would claim under one policy now.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub policy_id: String,
    pub policy_name: String,
    pub policy_version: i32,
    pub standard: Fen,
    pub lines: Vec<LineView>,
    pub eligible: usize,
    pub total: Fen,
    /// Why it cannot be submitted now (empty: it can).
    pub problems: Vec<String>,
    /// A claim already made under this policy for the class.
    pub claim_id: Option<String>,
    pub claim_status: Option<&'static str>,
}

/// A claim as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimView {
    pub id: String,
    pub number: String,
    pub policy_id: String,
    pub policy_name: String,
    pub policy_version: i32,
    pub class_id: String,
    pub class_name: String,
    pub org_name: String,
    /// A learner's own claim (个人补贴) rather than the institution's for the class.
    pub individual: bool,
    pub region_code: String,
    pub project_name: String,
    pub skill_level: &'static str,
    pub standard: Fen,
    pub status: ClaimStatus,
    pub status_label: &'static str,
    pub level: Option<ReviewLevel>,
    /// "市级审核中", "已批准" …
    pub stage: String,
    pub chain: String,
    pub learners: i32,
    pub eligible: i32,
    pub total: Fen,
    pub remarks: String,
    pub return_reason: String,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub level: &'static str,
    pub decision: &'static str,
    pub reason: String,
    pub reviewer_name: String,
    pub eligible: i32,
    pub total: Fen,
    pub ledger_idx: Option<i64>,
    pub decided_at: DateTime<Utc>,
}

/// Something a reviewer should look at before approving.
#[derive(Debug, Clone, Serialize)]
pub struct Signal {
    pub title: &'static str,
    pub detail: String,
}

/// A claim with everything a reviewer decides on.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimDetail {
    pub claim: ClaimView,
    pub lines: Vec<LineView>,
    pub steps: Vec<StepView>,
    pub signals: Vec<Signal>,
    /// The caller may decide it now (at its level).
    pub may_decide: bool,
    /// The claimant may submit it again (returned).
    pub may_resubmit: bool,
    /// Documents the claimant attached.
    pub documents: Vec<super::documents::ClaimDocumentView>,
    /// The caller may attach documents now (the claiming organisation, claim open).
    pub may_attach: bool,
}

/// A completed class a learner was in, with what they could claim for themself.
#[derive(Debug, Clone, Serialize)]
pub struct OwnPreviews {
    pub class_id: String,
    pub class_name: String,
    pub previews: Vec<Preview>,
}

#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    /// Only claims waiting at the caller's own level.
    pub mine: bool,
    pub q: Option<String>,
}

/// One learner judged.
struct Judged {
    user_id: String,
    name: String,
    facts: Facts,
    judgement: rules::Judgement,
}

impl Subsidies<'_> {
    /// The policy version in force for a class that started on `start`.
    async fn version_for(
        &self,
        policy_id: &str,
        start: &str,
    ) -> AppResult<Option<policy_version::Model>> {
        Ok(policy_version::Entity::find()
            .filter(policy_version::Column::PolicyId.eq(policy_id))
            .filter(policy_version::Column::EffectiveFrom.lte(start))
            .order_by_desc(policy_version::Column::EffectiveFrom)
            .one(&self.db)
            .await?)
    }

    /// Judge every learner of a class (or only the applicant of a learner's own claim)
    /// under `r`, from verified records only. Lines of `own_claim` are not counted as
    /// claimed elsewhere.
    async fn judge_class(
        &self,
        c: &class::Model,
        r: &Rules,
        standard: Fen,
        own_claim: Option<&str>,
        only: Option<&str>,
    ) -> AppResult<Vec<Judged>> {
        let roster: Vec<_> = self
            .classes()
            .roster(&c.id)
            .await?
            .into_iter()
            .filter(|l| only.is_none_or(|u| u == l.user_id))
            .collect();
        let ids: Vec<String> = roster.iter().map(|l| l.user_id.clone()).collect();
        let year = class_year(c);
        let exam = self.exams().course_exam_passes(&c.id).await?;
        let certified: HashSet<String> = certificate::Entity::find()
            .filter(certificate::Column::ClassId.eq(c.id.clone()))
            .filter(certificate::Column::RevokedAt.is_null())
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|x| x.user_id)
            .collect();
        let irregular: HashSet<String> = clearing::Entity::find()
            .filter(clearing::Column::ClassId.eq(c.id.clone()))
            .filter(clearing::Column::Nth.gte(2))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|x| x.user_id)
            .collect();
        let categories: HashMap<String, String> = profile::Entity::find()
            .filter(profile::Column::UserId.is_in(ids.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.user_id, p.person_category))
            .collect();
        let with_account: HashSet<String> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.clone()))
            .filter(user::Column::BankAccountEnc.is_not_null())
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        // A voucher paid (or is to pay) for this class: not subsidised again.
        let vouchered: HashSet<String> = jineng_store::subsidies::voucher::Entity::find()
            .filter(jineng_store::subsidies::voucher::Column::ClassId.eq(c.id.clone()))
            .filter(jineng_store::subsidies::voucher::Column::Status.is_in([
                jineng_core::vouchers::VoucherStatus::Held,
                jineng_core::vouchers::VoucherStatus::Redeemed,
            ]))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| v.user_id)
            .collect();
        let mut elsewhere: HashSet<String> = HashSet::new();
        let mut this_year: HashMap<String, i64> = HashMap::new();
        let mut others = line::Entity::find()
            .filter(line::Column::UserId.is_in(ids))
            .filter(line::Column::Year.eq(year))
            .filter(line::Column::State.eq(ELIGIBLE));
        if let Some(own) = own_claim {
            others = others.filter(line::Column::ClaimId.ne(own));
        }
        for l in others.all(&self.db).await? {
            if l.project_id == c.project_id {
                elsewhere.insert(l.user_id.clone());
            }
            *this_year.entry(l.user_id).or_default() += l.amount_fen;
        }
        Ok(roster
            .into_iter()
            .map(|l| {
                let facts = Facts {
                    category: categories.get(&l.user_id).cloned().unwrap_or_default(),
                    outcome: Some(l.outcome),
                    online_tenths: l.online_tenths,
                    offline_hours: l.offline_hours,
                    attendance_percent: l.attendance_percent,
                    exam_passed: exam.as_ref().map(|p| p.contains(&l.user_id)),
                    certificate: certified.contains(&l.user_id),
                    irregular: irregular.contains(&l.user_id),
                    claimed_elsewhere: elsewhere.contains(&l.user_id),
                    paid_this_year: Fen(this_year.get(&l.user_id).copied().unwrap_or(0)),
                    has_account: with_account.contains(&l.user_id),
                    voucher_used: vouchered.contains(&l.user_id),
                };
                Judged {
                    judgement: rules::judge(r, standard, &facts),
                    facts,
                    user_id: l.user_id,
                    name: l.name,
                }
            })
            .collect())
    }

    /// The policies a class could claim under, each with what it would claim now.
    pub async fn previews(&self, who: &Principal, class_id: &str) -> AppResult<Vec<Preview>> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ClaimSubsidies, class_id)
            .await?;
        self.previews_for(&c, None).await
    }

    /// What a class (or one learner of it, for their own claim) could claim under each
    /// enabled policy claimed that way.
    async fn previews_for(
        &self,
        c: &class::Model,
        applicant: Option<&str>,
    ) -> AppResult<Vec<Preview>> {
        let p = project::Entity::find_by_id(c.project_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训项目"))?;
        let mut out = Vec::new();
        for pol in policy::Entity::find()
            .filter(policy::Column::Status.eq(PolicyStatus::Enabled))
            .order_by_asc(policy::Column::Name)
            .all(&self.db)
            .await?
        {
            let Some(v) = self.version_for(&pol.id, &c.start_date).await? else {
                continue;
            };
            let r = parse_rules(&v.rules)?;
            if r.individual != applicant.is_some() {
                continue;
            }
            let Some(standard) = r.covers(&c.project_id, level_u8(p.skill_level)) else {
                continue;
            };
            let existing = claim::Entity::find()
                .filter(claim::Column::ClassId.eq(c.id.clone()))
                .filter(claim::Column::PolicyId.eq(pol.id.clone()))
                .filter(claim::Column::ApplicantId.eq(applicant.unwrap_or_default()))
                .one(&self.db)
                .await?;
            let judged = self
                .judge_class(
                    c,
                    &r,
                    standard,
                    existing.as_ref().map(|x| x.id.as_str()),
                    applicant,
                )
                .await?;
            let mut problems = Vec::new();
            if c.status != ClassStatus::Completed {
                problems.push(format!("培训班{}，结业后才能申报", c.status.label()));
            }
            if !r.in_window(self.today()) {
                problems.push(format!(
                    "不在申报期内（{} 至 {}）",
                    r.window_from, r.window_until
                ));
            }
            if let Some(x) = &existing
                && x.status != ClaimStatus::Returned
            {
                problems.push(format!("已按该政策申报（{}）", x.status.label()));
            }
            let eligible = judged.iter().filter(|j| j.judgement.eligible()).count();
            if eligible == 0 && !judged.is_empty() {
                problems.push(if applicant.is_some() {
                    "不符合该政策的条件".to_string()
                } else {
                    "本班没有符合条件的学员".to_string()
                });
            }
            if judged.is_empty() {
                problems.push("本班没有学员".to_string());
            }
            let total = Fen(judged.iter().map(|j| j.judgement.amount.0).sum());
            out.push(Preview {
                policy_id: pol.id.clone(),
                policy_name: pol.name.clone(),
                policy_version: v.version,
                standard,
                lines: judged.iter().map(judged_view).collect(),
                eligible,
                total,
                problems,
                claim_id: existing.as_ref().map(|x| x.id.clone()),
                claim_status: existing.as_ref().map(|x| x.status.label()),
            });
        }
        Ok(out)
    }

    /// Submit (or, once returned, submit again) an institution's claim for a completed
    /// class.
    pub async fn submit_claim(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        policy_id: &str,
        remarks: &str,
    ) -> AppResult<String> {
        if !who.can(Permission::ClaimSubsidies) {
            return Err(AppError::Forbidden);
        }
        if class_id.trim().is_empty() {
            return Err(AppError::field("class_id", "请选择培训班"));
        }
        if policy_id.trim().is_empty() {
            return Err(AppError::field("policy_id", "请选择补贴政策"));
        }
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ClaimSubsidies, class_id)
            .await?;
        self.submit_for(who, ctx, c, policy_id, remarks, None).await
    }

    /// The completed classes a learner was in, each with what they could claim for
    /// themself (个人补贴) under the policies claimed that way.
    pub async fn own_previews(&self, who: &Principal) -> AppResult<Vec<OwnPreviews>> {
        if !who.has_role(Role::Learner) {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        for c in self.completed_classes_of(&who.user_id).await? {
            let previews = self.previews_for(&c, Some(&who.user_id)).await?;
            if !previews.is_empty() {
                out.push(OwnPreviews {
                    class_id: c.id,
                    class_name: c.name,
                    previews,
                });
            }
        }
        Ok(out)
    }

    async fn completed_classes_of(&self, user_id: &str) -> AppResult<Vec<class::Model>> {
        let ids: Vec<String> = jineng_store::classes::enrollment::Entity::find()
            .filter(jineng_store::classes::enrollment::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.class_id)
            .collect();
        Ok(class::Entity::find()
            .filter(class::Column::Id.is_in(ids))
            .filter(class::Column::Status.eq(ClassStatus::Completed))
            .order_by_desc(class::Column::EndDate)
            .all(&self.db)
            .await?)
    }

    /// A learner claims for themself (个人补贴), to their own card account, for a
    /// completed class they were in, under a policy claimed that way.
    pub async fn submit_own_claim(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        policy_id: &str,
        remarks: &str,
    ) -> AppResult<String> {
        who.require(Role::Learner)?;
        if policy_id.trim().is_empty() {
            return Err(AppError::field("policy_id", "请选择补贴政策"));
        }
        let c = self
            .completed_classes_of(&who.user_id)
            .await?
            .into_iter()
            .find(|c| c.id == class_id)
            .ok_or_else(|| AppError::field("class_id", "只能为本人参加且已结业的培训班申领"))?;
        self.submit_for(who, ctx, c, policy_id, remarks, Some(who.user_id.as_str()))
            .await
    }

    async fn submit_for(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        c: class::Model,
        policy_id: &str,
        remarks: &str,
        applicant: Option<&str>,
    ) -> AppResult<String> {
        let remarks = remarks.trim().to_string();
        if remarks.chars().count() > rules::MAX_TEXT_CHARS {
            return Err(AppError::field("remarks", "备注不能超过500字"));
        }
        if c.status != ClassStatus::Completed {
            return Err(AppError::Conflict(format!(
                "只有已结业的培训班可以申请补贴（本班：{}）",
                c.status.label()
            )));
        }
        let org = organization::Entity::find_by_id(c.org_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        if applicant.is_none() && org.status != jineng_core::organizations::OrgStatus::Approved {
            return Err(AppError::Conflict(format!(
                "机构状态为“{}”，不能申请补贴",
                org.status.label()
            )));
        }
        let pol = policy::Entity::find_by_id(policy_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("补贴政策"))?;
        if pol.status != PolicyStatus::Enabled {
            return Err(AppError::Conflict("该补贴政策已停用".into()));
        }
        let v = self
            .version_for(&pol.id, &c.start_date)
            .await?
            .ok_or_else(|| AppError::Conflict("本班开班时该政策尚未生效".into()))?;
        let r = parse_rules(&v.rules)?;
        if r.individual != applicant.is_some() {
            return Err(AppError::Conflict(if r.individual {
                "该政策由学员本人申领，机构不能代为申报".into()
            } else {
                "该政策由培训机构申报，学员不能个人申领".into()
            }));
        }
        let p = project::Entity::find_by_id(c.project_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训项目"))?;
        let standard = r
            .covers(&c.project_id, level_u8(p.skill_level))
            .ok_or_else(|| AppError::Conflict("该政策不覆盖本班的培训项目或等级".into()))?;
        if !r.in_window(self.today()) {
            return Err(AppError::Conflict(format!(
                "不在该政策的申报期内（{} 至 {}）",
                r.window_from, r.window_until
            )));
        }
        let region = jineng_core::RegionCode::parse(&c.region_code)
            .map_err(|_| AppError::Internal(format!("class {} region", c.id)))?;
        let chain = r.levels_for(&region);
        let first = *chain
            .first()
            .ok_or_else(|| AppError::Conflict("该政策没有适用于本班所在地的审核层级".into()))?;
        let existing = claim::Entity::find()
            .filter(claim::Column::ClassId.eq(c.id.clone()))
            .filter(claim::Column::PolicyId.eq(pol.id.clone()))
            .filter(claim::Column::ApplicantId.eq(applicant.unwrap_or_default()))
            .one(&self.db)
            .await?;
        if let Some(x) = &existing
            && x.status != ClaimStatus::Returned
        {
            return Err(AppError::Conflict(format!(
                "已按该政策申报（{}）",
                x.status.label()
            )));
        }
        let judged = self
            .judge_class(
                &c,
                &r,
                standard,
                existing.as_ref().map(|x| x.id.as_str()),
                applicant,
            )
            .await?;
        let eligible: Vec<&Judged> = judged.iter().filter(|j| j.judgement.eligible()).collect();
        if eligible.is_empty() {
            return Err(AppError::Conflict(match judged.first() {
                Some(j) if applicant.is_some() => format!(
                    "不符合该政策的条件，不能申领：{}",
                    rules::labels(&j.judgement.reason_codes())
                ),
                _ => "本班没有符合条件的学员，不能申报".into(),
            }));
        }
        let total: i64 = eligible.iter().map(|j| j.judgement.amount.0).sum();
        let chain_text = chain.iter().map(|l| l.code()).collect::<Vec<_>>().join(",");
        let w = self.write(who, ctx).await?;
        let id = match &existing {
            Some(x) => {
                let res = claim::Entity::update_many()
                    .col_expr(claim::Column::Status, Expr::value(ClaimStatus::Reviewing))
                    .col_expr(claim::Column::Level, Expr::value(Some(first)))
                    .col_expr(claim::Column::Chain, Expr::value(chain_text.clone()))
                    .col_expr(claim::Column::PolicyVersion, Expr::value(v.version))
                    .col_expr(claim::Column::StandardFen, Expr::value(standard.0))
                    .col_expr(claim::Column::Learners, Expr::value(judged.len() as i32))
                    .col_expr(claim::Column::Eligible, Expr::value(eligible.len() as i32))
                    .col_expr(claim::Column::TotalFen, Expr::value(total))
                    .col_expr(claim::Column::Remarks, Expr::value(remarks.clone()))
                    .col_expr(claim::Column::SubmittedBy, Expr::value(who.user_id.clone()))
                    .col_expr(claim::Column::SubmittedAt, Expr::value(w.now))
                    .col_expr(
                        claim::Column::DecidedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .col_expr(claim::Column::UpdatedAt, Expr::value(w.now))
                    .filter(claim::Column::Id.eq(x.id.clone()))
                    .filter(claim::Column::Status.eq(ClaimStatus::Returned))
                    .exec(&w.txn)
                    .await?;
                crate::write::one_row(res, "该申请刚被他人提交，请刷新后再看")?;
                line::Entity::delete_many()
                    .filter(line::Column::ClaimId.eq(x.id.clone()))
                    .exec(&w.txn)
                    .await?;
                x.id.clone()
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                claim::Entity::insert(claim::ActiveModel {
                    id: Set(id.clone()),
                    number: Set(crate::orders::readable_number("BT", w.now)),
                    policy_id: Set(pol.id.clone()),
                    policy_version: Set(v.version),
                    class_id: Set(c.id.clone()),
                    org_id: Set(c.org_id.clone()),
                    region_code: Set(c.region_code.clone()),
                    project_id: Set(c.project_id.clone()),
                    skill_level: Set(p.skill_level),
                    standard_fen: Set(standard.0),
                    status: Set(ClaimStatus::Reviewing),
                    level: Set(Some(first)),
                    chain: Set(chain_text.clone()),
                    learners: Set(judged.len() as i32),
                    eligible: Set(eligible.len() as i32),
                    total_fen: Set(total),
                    remarks: Set(remarks.clone()),
                    return_reason: Set(String::new()),
                    submitted_by: Set(who.user_id.clone()),
                    submitted_at: Set(w.now),
                    decided_at: Set(None),
                    updated_at: Set(w.now),
                    applicant_id: Set(applicant.unwrap_or_default().to_string()),
                })
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict("已按该政策申报".into()))?;
                id
            }
        };
        let year = class_year(&c);
        insert_lines(&w, &id, &c.project_id, year, &judged).await?;
        w.touch(jineng_core::exchange::Dataset::SubsidyApplications, &id);
        for j in &eligible {
            add_to_year(
                &w,
                &j.user_id,
                year,
                j.judgement.amount,
                r.yearly_cap,
                &j.name,
            )
            .await?;
        }
        w.commit(Entry::ok(
            if existing.is_some() {
                "subsidy_claim.resubmit"
            } else {
                "subsidy_claim.submit"
            },
            "subsidy_claim",
            &id,
            serde_json::json!({"class": c.id, "policy": pol.id, "version": v.version, "applicant": applicant, "learners": judged.len(), "eligible": eligible.len(), "total_fen": total, "level": first.code()}),
        ))
        .await?;
        Ok(id)
    }

    /// Claims the caller may see, newest first.
    pub async fn claims(
        &self,
        who: &Principal,
        f: &ClaimFilter,
        r: PageRequest,
    ) -> AppResult<Page<ClaimView>> {
        let mut q = self.list_scoped::<claim::Entity>(who, Permission::ViewSubsidies)?;
        if let Some(s) = f.status {
            q = q.filter(claim::Column::Status.eq(s));
        }
        if f.mine {
            let levels: Vec<ReviewLevel> = review_levels(who);
            q = q
                .filter(claim::Column::Status.eq(ClaimStatus::Reviewing))
                .filter(claim::Column::Level.is_in(levels));
        }
        if let Some(t) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            q = q.filter(crate::page::contains(claim::Column::Number, t));
        }
        let rows = page::fetch(
            &self.db,
            q.order_by_desc(claim::Column::SubmittedAt)
                .order_by_desc(claim::Column::Id),
            r,
        )
        .await?;
        let views = self.views(rows.items.clone()).await?;
        Ok(Page {
            items: views,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }

    pub(crate) async fn views(&self, rows: Vec<claim::Model>) -> AppResult<Vec<ClaimView>> {
        let class_ids: Vec<String> = rows.iter().map(|c| c.class_id.clone()).collect();
        let org_ids: Vec<String> = rows.iter().map(|c| c.org_id.clone()).collect();
        let classes: HashMap<String, String> = class::Entity::find()
            .filter(class::Column::Id.is_in(class_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let orgs: HashMap<String, String> = organization::Entity::find()
            .filter(organization::Column::Id.is_in(org_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let policy_ids: Vec<String> = rows.iter().map(|c| c.policy_id.clone()).collect();
        let policies: HashMap<String, String> = policy::Entity::find()
            .filter(policy::Column::Id.is_in(policy_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let projects = self.project_names().await?;
        Ok(rows
            .into_iter()
            .map(|c| ClaimView {
                stage: match (c.status, c.level) {
                    (ClaimStatus::Reviewing, Some(l)) => format!("{}审核中", l.label()),
                    (s, _) => s.label().to_string(),
                },
                chain: c
                    .chain
                    .split(',')
                    .filter_map(ReviewLevel::parse)
                    .map(|l| l.label())
                    .collect::<Vec<_>>()
                    .join(" → "),
                individual: !c.applicant_id.is_empty(),
                policy_name: policies.get(&c.policy_id).cloned().unwrap_or_default(),
                class_name: classes.get(&c.class_id).cloned().unwrap_or_default(),
                org_name: orgs.get(&c.org_id).cloned().unwrap_or_default(),
                project_name: projects.get(&c.project_id).cloned().unwrap_or_default(),
                skill_level: jineng_core::occupations::level_label(c.skill_level),
                standard: Fen(c.standard_fen),
                status_label: c.status.label(),
                total: Fen(c.total_fen),
                id: c.id,
                number: c.number,
                policy_id: c.policy_id,
                policy_version: c.policy_version,
                class_id: c.class_id,
                region_code: c.region_code,
                status: c.status,
                level: c.level,
                learners: c.learners,
                eligible: c.eligible,
                remarks: c.remarks,
                return_reason: c.return_reason,
                submitted_at: c.submitted_at,
                decided_at: c.decided_at,
            })
            .collect())
    }

    /// The claims list as filtered, as an xlsx workbook (every page, at most 100,000 rows).
    pub async fn export_claims(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        f: &ClaimFilter,
    ) -> AppResult<Vec<u8>> {
        let mut rows = Vec::new();
        for n in 1.. {
            let p = self
                .claims(who, f, PageRequest::new(Some(n), Some(200), 200))
                .await?;
            let short = p.items.len() < 200;
            rows.extend(p.items.into_iter().map(|c| {
                vec![
                    c.number,
                    c.org_name,
                    c.class_name,
                    c.project_name,
                    c.skill_level.to_string(),
                    c.policy_name,
                    c.learners.to_string(),
                    c.eligible.to_string(),
                    c.standard.to_string(),
                    c.total.to_string(),
                    c.stage,
                    crate::orders::china_time(c.submitted_at),
                ]
            }));
            if short || rows.len() >= 100_000 {
                break;
            }
        }
        let bytes = crate::export::xlsx(
            "补贴申请",
            &[
                "申请号",
                "机构",
                "培训班",
                "培训项目",
                "等级",
                "政策",
                "学员数",
                "符合条件人数",
                "补贴标准（元/人）",
                "申请金额（元）",
                "状态",
                "提交时间",
            ],
            &rows,
        )?;
        self.audit()
            .record_export(
                who,
                ctx,
                "subsidy_claim",
                serde_json::json!({"status": f.status.map(|s| s.code())}),
                rows.len(),
            )
            .await?;
        Ok(bytes)
    }

    /// A claim with its lines, review steps and the signals a reviewer should see.
    pub async fn claim(&self, who: &Principal, id: &str) -> AppResult<ClaimDetail> {
        let c = self
            .find_scoped::<claim::Entity>(who, Permission::ViewSubsidies, id)
            .await?;
        let lines = line::Entity::find()
            .filter(line::Column::ClaimId.eq(id))
            .order_by_asc(line::Column::Name)
            .all(&self.db)
            .await?;
        let payouts: HashMap<String, String> = jineng_store::subsidies::payout::Entity::find()
            .filter(jineng_store::subsidies::payout::Column::ClaimId.eq(id))
            .order_by_asc(jineng_store::subsidies::payout::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| {
                let t = payout_text(&p);
                (p.line_id, t)
            })
            .collect();
        let steps = step::Entity::find()
            .filter(step::Column::ClaimId.eq(id))
            .order_by_asc(step::Column::DecidedAt)
            .order_by_asc(step::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| StepView {
                level: s.level.label(),
                decision: s.decision.label(),
                reason: s.reason,
                reviewer_name: s.reviewer_name,
                eligible: s.eligible,
                total: Fen(s.total_fen),
                ledger_idx: s.ledger_idx,
                decided_at: s.decided_at,
            })
            .collect();
        // Signals name other organisations' claims: for reviewers and administrators only.
        let signals = if who.can(Permission::ReviewSubsidies)
            || who.grants.iter().any(|g| g.role.is_admin())
        {
            self.signals(&c, &lines).await?
        } else {
            vec![]
        };
        let may_decide = c.status == ClaimStatus::Reviewing
            && c.level.is_some_and(|l| decides_at(who, l, &c.region_code));
        let may_resubmit = c.status == ClaimStatus::Returned
            && who.works_for(&c.org_id)
            && who.can(Permission::ClaimSubsidies);
        let may_attach = matches!(c.status, ClaimStatus::Reviewing | ClaimStatus::Returned)
            && c.applicant_id.is_empty()
            && who.works_for(&c.org_id)
            && who.can(Permission::ClaimSubsidies);
        let documents = self.documents_of(&c.id).await?;
        let lines = lines
            .iter()
            .map(|l| {
                let mut v = stored_view(l);
                v.payout = payouts.get(&l.id).cloned().unwrap_or_default();
                v
            })
            .collect();
        let claim = self
            .views(vec![c])
            .await?
            .pop()
            .ok_or_else(|| AppError::Internal("claim view".into()))?;
        Ok(ClaimDetail {
            claim,
            lines,
            steps,
            signals,
            may_decide,
            may_resubmit,
            documents,
            may_attach,
        })
    }

    /// What a reviewer should look at: learners claimed elsewhere in the same year,
    /// certificates of the class revoked, study credited at night in bulk, many learners
    /// studying from one device.
    async fn signals(&self, c: &claim::Model, lines: &[line::Model]) -> AppResult<Vec<Signal>> {
        let mut out = Vec::new();
        let names: HashMap<&str, &str> = lines
            .iter()
            .map(|l| (l.user_id.as_str(), l.name.as_str()))
            .collect();
        let ids: Vec<String> = lines.iter().map(|l| l.user_id.clone()).collect();
        let year = lines.first().map(|l| l.year).unwrap_or_default();
        let others = line::Entity::find()
            .filter(line::Column::UserId.is_in(ids.clone()))
            .filter(line::Column::Year.eq(year))
            .filter(line::Column::ClaimId.ne(c.id.clone()))
            .filter(line::Column::State.ne(VOID))
            .all(&self.db)
            .await?;
        if !others.is_empty() {
            let claims: HashMap<String, claim::Model> = claim::Entity::find()
                .filter(
                    claim::Column::Id.is_in(
                        others
                            .iter()
                            .map(|o| o.claim_id.clone())
                            .collect::<Vec<_>>(),
                    ),
                )
                .all(&self.db)
                .await?
                .into_iter()
                .map(|x| (x.id.clone(), x))
                .collect();
            let views: HashMap<String, ClaimView> = self
                .views(claims.values().cloned().collect())
                .await?
                .into_iter()
                .map(|v| (v.id.clone(), v))
                .collect();
            for o in &others {
                let Some(v) = views.get(&o.claim_id) else {
                    continue;
                };
                let other_org = claims
                    .get(&o.claim_id)
                    .is_some_and(|x| x.org_id != c.org_id);
                out.push(Signal {
                    title: if other_org {
                        "同一学员被其他机构申报"
                    } else {
                        "同一学员同年在两个班申报"
                    },
                    detail: format!(
                        "{}：{}的“{}”（申请号{}，{}）",
                        names.get(o.user_id.as_str()).copied().unwrap_or(""),
                        v.org_name,
                        v.class_name,
                        v.number,
                        v.stage
                    ),
                });
            }
        }
        for cert in certificate::Entity::find()
            .filter(certificate::Column::ClassId.eq(c.class_id.clone()))
            .filter(certificate::Column::RevokedAt.is_not_null())
            .all(&self.db)
            .await?
        {
            out.push(Signal {
                title: "证书发放后被撤销",
                detail: format!(
                    "{}的证书{}已撤销：{}",
                    cert.holder_name, cert.number, cert.revoked_reason
                ),
            });
        }
        let sessions = study_session::Entity::find()
            .filter(study_session::Column::ClassId.eq(c.class_id.clone()))
            .filter(study_session::Column::UserId.is_in(ids))
            .all(&self.db)
            .await?;
        let mut night: BTreeMap<String, i64> = BTreeMap::new();
        let mut devices: BTreeMap<(String, String), HashSet<String>> = BTreeMap::new();
        for s in &sessions {
            let local = s.opened_at + chrono::Duration::hours(8);
            if NIGHT_HOURS.contains(&local.hour()) {
                *night.entry(s.user_id.clone()).or_default() += s.credited_ms;
            }
            if !s.ip.is_empty() {
                devices
                    .entry((s.ip.clone(), s.user_agent.clone()))
                    .or_default()
                    .insert(s.user_id.clone());
            }
        }
        for (u, ms) in night.into_iter().filter(|(_, ms)| *ms >= NIGHT_FLAG_MS) {
            out.push(Signal {
                title: "深夜集中学习",
                detail: format!(
                    "{}在0点至5点之间计入{:.1}小时",
                    names.get(u.as_str()).copied().unwrap_or(""),
                    ms as f64 / 3_600_000.0
                ),
            });
        }
        for ((ip, _), users) in devices
            .into_iter()
            .filter(|(_, u)| u.len() >= SHARED_DEVICE_FLAG)
        {
            let mut who: Vec<&str> = users
                .iter()
                .map(|u| names.get(u.as_str()).copied().unwrap_or(""))
                .collect();
            who.sort();
            out.push(Signal {
                title: "多名学员使用同一设备",
                detail: format!(
                    "{}名学员（{}）在同一设备（{}）上学习",
                    users.len(),
                    who.join("、"),
                    ip
                ),
            });
        }
        Ok(out)
    }

    /// Decide a claim at the caller's level. Approval recomputes the figures from the
    /// records now and is refused, with the differences, if they no longer match.
    pub async fn decide_claim(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        decision: ClaimDecision,
        reason: &str,
    ) -> AppResult<ClaimStatus> {
        if !who.can(Permission::ReviewSubsidies) {
            return Err(AppError::Forbidden);
        }
        let c = self
            .find_scoped::<claim::Entity>(who, Permission::ReviewSubsidies, id)
            .await?;
        let reason = reason.trim().to_string();
        if decision != ClaimDecision::Approve && reason.is_empty() {
            return Err(AppError::field("reason", "退回或不予批准必须填写原因"));
        }
        if reason.chars().count() > rules::MAX_TEXT_CHARS {
            return Err(AppError::field("reason", "原因不能超过500字"));
        }
        let (ClaimStatus::Reviewing, Some(level)) = (c.status, c.level) else {
            return Err(AppError::Conflict(format!(
                "该申请{}，不能再审核",
                c.status.label()
            )));
        };
        if !decides_at(who, level, &c.region_code) {
            return Err(AppError::Conflict(format!(
                "该申请正在{}审核，不在您的审核层级",
                level.label()
            )));
        }
        let cls = class::Entity::find_by_id(c.class_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训班"))?;
        let v = self.version_of(&c.policy_id, c.policy_version).await?;
        let r = parse_rules(&v.rules)?;
        let stored = line::Entity::find()
            .filter(line::Column::ClaimId.eq(id))
            .all(&self.db)
            .await?;
        let only = (!c.applicant_id.is_empty()).then_some(c.applicant_id.as_str());
        let now = self
            .judge_class(&cls, &r, Fen(c.standard_fen), Some(id), only)
            .await?;
        let figures_now: Vec<Figure> = now.iter().map(figure).collect();
        let names: HashMap<String, String> = now
            .iter()
            .map(|j| (j.user_id.clone(), j.name.clone()))
            .chain(stored.iter().map(|l| (l.user_id.clone(), l.name.clone())))
            .collect();
        let figures_stored: Vec<Figure> = stored
            .iter()
            .map(|l| Figure {
                user_id: l.user_id.clone(),
                amount: Fen(l.amount_fen),
                reasons: l.reasons.clone(),
            })
            .collect();
        if decision == ClaimDecision::Approve {
            let diff = rules::differences(&figures_stored, &figures_now, |u| {
                names.get(u).cloned().unwrap_or_default()
            });
            if !diff.is_empty() {
                return Err(AppError::Conflict(format!(
                    "按现有记录重新核算，结果与申报时不一致，不能通过（请退回机构重新申报）：{}",
                    diff.join("；")
                )));
            }
        }
        let chain: Vec<ReviewLevel> = c.chain.split(',').filter_map(ReviewLevel::parse).collect();
        let (status, next) = match decision {
            ClaimDecision::Approve => match rules::next_level(&chain, level) {
                Some(n) => (ClaimStatus::Reviewing, Some(n)),
                None => (ClaimStatus::Approved, None),
            },
            ClaimDecision::Return => (ClaimStatus::Returned, None),
            ClaimDecision::Reject => (ClaimStatus::Rejected, None),
        };
        let w = self.write(who, ctx).await?;
        let res = claim::Entity::update_many()
            .col_expr(claim::Column::Status, Expr::value(status))
            .col_expr(claim::Column::Level, Expr::value(next))
            .col_expr(
                claim::Column::ReturnReason,
                Expr::value(if decision == ClaimDecision::Return {
                    reason.clone()
                } else {
                    String::new()
                }),
            )
            .col_expr(
                claim::Column::DecidedAt,
                Expr::value((status != ClaimStatus::Reviewing).then_some(w.now)),
            )
            .col_expr(claim::Column::UpdatedAt, Expr::value(w.now))
            .filter(claim::Column::Id.eq(id))
            .filter(claim::Column::Status.eq(ClaimStatus::Reviewing))
            .filter(claim::Column::Level.eq(level))
            .exec(&w.txn)
            .await?;
        crate::write::one_row(res, "该申请刚被他人审核，请刷新后再看")?;
        if matches!(decision, ClaimDecision::Return | ClaimDecision::Reject) {
            // The learners are free to be claimed again; their yearly totals drop.
            let year = stored.first().map(|l| l.year).unwrap_or_default();
            for l in stored.iter().filter(|l| l.state == ELIGIBLE) {
                person_year::Entity::update_many()
                    .col_expr(
                        person_year::Column::TotalFen,
                        Expr::col(person_year::Column::TotalFen).sub(l.amount_fen),
                    )
                    .filter(person_year::Column::UserId.eq(l.user_id.clone()))
                    .filter(person_year::Column::Year.eq(year))
                    .exec(&w.txn)
                    .await?;
            }
            line::Entity::update_many()
                .col_expr(line::Column::State, Expr::value(VOID))
                .col_expr(line::Column::UpdatedAt, Expr::value(w.now))
                .filter(line::Column::ClaimId.eq(id))
                .filter(line::Column::State.eq(ELIGIBLE))
                .exec(&w.txn)
                .await?;
        }
        let step_id = uuid::Uuid::now_v7().to_string();
        let at = crate::ledger::append(
            &w.txn,
            &Fact {
                kind: Kind::SubsidyDecision,
                record_id: step_id.clone(),
                record_sha256: jineng_core::archive::sha256(&rules::decision_record(
                    id,
                    level,
                    decision,
                    &figures_stored,
                )),
                at_micros: w.now.timestamp_micros(),
                org_id: c.org_id.clone(),
            },
        )
        .await?;
        let ledger_idx = i64::try_from(at.index).ok();
        step::Entity::insert(step::ActiveModel {
            id: Set(step_id.clone()),
            claim_id: Set(id.to_string()),
            level: Set(level),
            decision: Set(decision),
            reason: Set(reason.clone()),
            reviewer_id: Set(who.user_id.clone()),
            reviewer_name: Set(who.display_name.clone()),
            eligible: Set(c.eligible),
            total_fen: Set(c.total_fen),
            ledger_idx: Set(ledger_idx),
            decided_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        w.touch(jineng_core::exchange::Dataset::SubsidyDecisions, &step_id);
        w.touch(jineng_core::exchange::Dataset::SubsidyApplications, id);
        w.commit(Entry::ok(
            &format!("subsidy_claim.{}", decision.code()),
            "subsidy_claim",
            id,
            serde_json::json!({"level": level.code(), "reason": reason, "status": status.code(), "next": next.map(|l| l.code()), "total_fen": c.total_fen, "ledger_idx": ledger_idx}),
        ))
        .await?;
        Ok(status)
    }
}

/// The review levels the caller's regulator grants sit at (all for a system admin).
fn review_levels(who: &Principal) -> Vec<ReviewLevel> {
    if who.has_role(Role::SystemAdmin) {
        return ReviewLevel::ALL.to_vec();
    }
    who.grants
        .iter()
        .filter(|g| g.role == Role::Regulator)
        .filter_map(|g| g.region.map(|r| ReviewLevel::of(r.level())))
        .collect()
}

/// Whether the caller decides at `level` for a claim of `region`: a regulator whose
/// grant is at that level and covers the region, or the system admin.
fn decides_at(who: &Principal, level: ReviewLevel, region: &str) -> bool {
    if who.has_role(Role::SystemAdmin) {
        return true;
    }
    let Ok(region) = jineng_core::RegionCode::parse(region) else {
        return false;
    };
    who.grants.iter().any(|g| {
        g.role == Role::Regulator
            && g.region
                .is_some_and(|r| ReviewLevel::of(r.level()) == level && r.contains(&region))
    })
}

/// The calendar year a class's claim counts in: the year it ended.
fn class_year(c: &class::Model) -> i32 {
    NaiveDate::parse_from_str(&c.end_date, "%Y-%m-%d")
        .map(|d| d.year())
        .unwrap_or_default()
}

fn level_u8(level: i32) -> u8 {
    u8::try_from(level).unwrap_or(u8::MAX)
}

fn figure(j: &Judged) -> Figure {
    Figure {
        user_id: j.user_id.clone(),
        amount: j.judgement.amount,
        reasons: j.judgement.reason_codes(),
    }
}

/// Facts as stored on a line (shown to reviewers).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
struct StoredFacts {
    category: String,
    outcome: String,
    online_tenths: u64,
    offline_hours: u32,
    attendance_percent: u32,
    exam_passed: Option<bool>,
    certificate: bool,
    irregular: bool,
}

impl From<&Facts> for StoredFacts {
    fn from(f: &Facts) -> Self {
        StoredFacts {
            category: f.category.clone(),
            outcome: f.outcome.map(|o| o.code()).unwrap_or_default().to_string(),
            online_tenths: f.online_tenths,
            offline_hours: f.offline_hours,
            attendance_percent: f.attendance_percent,
            exam_passed: f.exam_passed,
            certificate: f.certificate,
            irregular: f.irregular,
        }
    }
}

fn facts_view(
    user_id: String,
    name: String,
    amount: Fen,
    eligible: bool,
    reasons: &str,
    f: &StoredFacts,
) -> LineView {
    LineView {
        user_id,
        name,
        eligible,
        amount,
        reasons: rules::labels(reasons),
        category: jineng_core::learners::person_category(&f.category)
            .map(|c| c.1)
            .unwrap_or("未登记")
            .to_string(),
        outcome: Outcome::parse(&f.outcome)
            .map(|o| o.label())
            .unwrap_or("")
            .to_string(),
        online_hours: format!("{}.{}", f.online_tenths / 10, f.online_tenths % 10),
        offline_hours: f.offline_hours,
        attendance_percent: f.attendance_percent,
        exam: match f.exam_passed {
            None => "无考试",
            Some(true) => "合格",
            Some(false) => "不合格",
        },
        certificate: f.certificate,
        irregular: f.irregular,
        payout: String::new(),
    }
}

fn judged_view(j: &Judged) -> LineView {
    facts_view(
        j.user_id.clone(),
        j.name.clone(),
        j.judgement.amount,
        j.judgement.eligible(),
        &j.judgement.reason_codes(),
        &StoredFacts::from(&j.facts),
    )
}

fn stored_view(l: &line::Model) -> LineView {
    let f: StoredFacts = serde_json::from_str(&l.facts).unwrap_or_default();
    let mut v = facts_view(
        l.user_id.clone(),
        l.name.clone(),
        Fen(l.amount_fen),
        l.state != INELIGIBLE,
        &l.reasons,
        &f,
    );
    if l.state == VOID {
        v.reasons = "申请已退回或不予批准".to_string();
    }
    v
}

pub(crate) fn payout_text(p: &jineng_store::subsidies::payout::Model) -> String {
    match p.status {
        jineng_core::subsidies::PayoutStatus::Failed => {
            format!("{}：{}", p.status.label(), p.failure)
        }
        s => s.label().to_string(),
    }
}

async fn insert_lines(
    w: &Write<'_>,
    claim_id: &str,
    project_id: &str,
    year: i32,
    judged: &[Judged],
) -> AppResult<()> {
    let rows: Vec<line::ActiveModel> = judged
        .iter()
        .map(|j| line::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            claim_id: Set(claim_id.to_string()),
            user_id: Set(j.user_id.clone()),
            name: Set(j.name.clone()),
            project_id: Set(project_id.to_string()),
            year: Set(year),
            state: Set(if j.judgement.eligible() {
                ELIGIBLE
            } else {
                INELIGIBLE
            }
            .to_string()),
            amount_fen: Set(j.judgement.amount.0),
            reasons: Set(j.judgement.reason_codes()),
            facts: Set(serde_json::to_string(&StoredFacts::from(&j.facts)).unwrap_or_default()),
            updated_at: Set(w.now),
        })
        .collect();
    for chunk in rows.chunks(500) {
        line::Entity::insert_many(chunk.to_vec())
            .exec(&w.txn)
            .await
            .on_unique(|| {
                AppError::Conflict(
                    "有学员本年度刚被其他申请申报了同一项目的补贴，请刷新后重新核算".into(),
                )
            })?;
    }
    Ok(())
}

/// Add a line's amount to the person's yearly total, refusing past the cap (a
/// conditional update, so two claims at once cannot both slip under it).
async fn add_to_year(
    w: &Write<'_>,
    user_id: &str,
    year: i32,
    amount: Fen,
    cap: Fen,
    name: &str,
) -> AppResult<()> {
    person_year::Entity::insert(person_year::ActiveModel {
        user_id: Set(user_id.to_string()),
        year: Set(year),
        total_fen: Set(0),
    })
    .on_conflict(
        OnConflict::columns([person_year::Column::UserId, person_year::Column::Year])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&w.txn)
    .await?;
    let mut q = person_year::Entity::update_many()
        .col_expr(
            person_year::Column::TotalFen,
            Expr::col(person_year::Column::TotalFen).add(amount.0),
        )
        .filter(person_year::Column::UserId.eq(user_id))
        .filter(person_year::Column::Year.eq(year));
    if cap.0 > 0 {
        q = q.filter(person_year::Column::TotalFen.lte(cap.0 - amount.0));
    }
    let res = q.exec(&w.txn).await?;
    if res.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "{name}本年度的补贴将超过上限（{}），请刷新后重新核算",
            super::yuan(cap)
        )));
    }
    Ok(())
}
