//! `/api/v1/subsidies…`, `/api/v1/classes/{id}/subsidy-previews` and `/api/v1/me/…` for
//! a learner's subsidies and card account.

use super::PolicyText;
use crate::AppState;
use crate::http::api::{ApiJson, ApiQuery, Caller};
use crate::http::error::{ApiError, Problem};
use crate::http::request::Ctx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use jineng_app::AppError;
use jineng_app::page::PageRequest;
use jineng_app::subsidies::PolicyView;
use jineng_app::subsidies::claims::{ClaimDetail, ClaimFilter, ClaimView, LineView, Preview};
use jineng_app::subsidies::documents::ClaimDocumentView;
use jineng_app::subsidies::payouts::{BatchView, MySubsidy, Payable, PayoutView, ReturnView};
use jineng_app::subsidies::vouchers::{IssueView, VoucherFilter, VoucherView};
use jineng_core::subsidies::{ClaimDecision, ClaimStatus, PolicyStatus};
use jineng_core::vouchers::VoucherState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RulesOut {
    /// Empty: every training project.
    pub project_ids: Vec<String>,
    /// Amount per person in fen, by skill level ("0" = 不定级).
    pub amounts_fen: BTreeMap<String, i64>,
    /// Empty: every learner category.
    pub categories: Vec<String>,
    pub require_exam: bool,
    pub require_certificate: bool,
    pub min_online_hours: u32,
    pub min_offline_hours: u32,
    pub min_attendance_percent: u32,
    /// 0: no yearly cap.
    pub yearly_cap_fen: i64,
    pub window_from: String,
    pub window_until: String,
    /// county, city, province (in review order).
    pub levels: Vec<String>,
    /// Claimed by each learner for themself (个人补贴) rather than by the institution.
    pub individual: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PolicyOut {
    pub id: String,
    pub name: String,
    /// enabled or disabled.
    pub status: String,
    pub version: i32,
    pub effective_from: String,
    pub rules: RulesOut,
}

impl From<PolicyView> for PolicyOut {
    fn from(p: PolicyView) -> Self {
        let r = p.rules;
        PolicyOut {
            id: p.id,
            name: p.name,
            status: p.status.code().into(),
            version: p.version,
            effective_from: p.effective_from,
            rules: RulesOut {
                project_ids: r.project_ids,
                amounts_fen: r
                    .amounts
                    .iter()
                    .map(|(l, a)| (l.to_string(), a.0))
                    .collect(),
                categories: r.categories,
                require_exam: r.require_exam,
                require_certificate: r.require_certificate,
                min_online_hours: r.min_online_hours,
                min_offline_hours: r.min_offline_hours,
                min_attendance_percent: r.min_attendance_percent,
                yearly_cap_fen: r.yearly_cap.0,
                window_from: r.window_from.to_string(),
                window_until: r.window_until.to_string(),
                levels: r.levels.iter().map(|l| l.code().to_string()).collect(),
                individual: r.individual,
            },
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyIn {
    pub name: String,
    /// YYYY-MM-DD: classes that start on or after it are judged by this version.
    pub effective_from: String,
    /// Yuan per person by skill level ("0" = 不定级, "1"–"5"), e.g. {"4": "1200"}.
    pub amounts_yuan: BTreeMap<String, String>,
    #[serde(default)]
    pub project_ids: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub require_exam: bool,
    #[serde(default)]
    pub require_certificate: bool,
    #[serde(default)]
    pub min_online_hours: u32,
    #[serde(default)]
    pub min_offline_hours: u32,
    #[serde(default)]
    pub min_attendance_percent: u32,
    /// Empty or absent: no yearly cap.
    #[serde(default)]
    pub yearly_cap_yuan: String,
    pub window_from: String,
    pub window_until: String,
    /// county, city, province.
    pub levels: Vec<String>,
    /// Claimed by each learner for themself (个人补贴) rather than by the institution.
    #[serde(default)]
    pub individual: bool,
    #[serde(default)]
    pub note: String,
}

impl PolicyIn {
    fn parse(self) -> Result<jineng_app::subsidies::PolicyInput, AppError> {
        let mut amounts = Vec::new();
        for (l, y) in &self.amounts_yuan {
            let level = l
                .parse::<u8>()
                .map_err(|_| AppError::field("amounts_yuan", format!("等级“{l}”应为0至5")))?;
            amounts.push((level, y.clone()));
        }
        PolicyText {
            name: self.name,
            effective_from: self.effective_from,
            amounts,
            project_ids: self.project_ids,
            categories: self.categories,
            require_exam: self.require_exam,
            require_certificate: self.require_certificate,
            min_online_hours: self.min_online_hours.to_string(),
            min_offline_hours: self.min_offline_hours.to_string(),
            min_attendance_percent: self.min_attendance_percent.to_string(),
            yearly_cap: self.yearly_cap_yuan,
            window_from: self.window_from,
            window_until: self.window_until,
            levels: self.levels,
            individual: self.individual,
            note: self.note,
        }
        .parse()
    }
}

/// Every subsidy policy.
#[utoipa::path(get, path = "/subsidies/policies", tag = "subsidies",
    responses((status = 200, body = Vec<PolicyOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn policies(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<PolicyOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .policies(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Create a policy (province-level regulators).
#[utoipa::path(post, path = "/subsidies/policies", tag = "subsidies", request_body = PolicyIn,
    responses((status = 201, body = PolicyOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn create_policy(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<PolicyIn>,
) -> Result<(StatusCode, Json<PolicyOut>), ApiError> {
    super::pages::keeper(&s, &who)?;
    let i = b.parse()?;
    let sub = s.app.subsidies();
    let id = sub.create_policy(&who, &ctx, &i).await?;
    Ok((
        StatusCode::CREATED,
        Json(sub.policy(&who, &id).await?.0.into()),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PolicyVersionOut {
    pub version: i32,
    pub effective_from: String,
    pub note: String,
    pub amounts: String,
    pub conditions: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PolicyDetailOut {
    pub policy: PolicyOut,
    pub versions: Vec<PolicyVersionOut>,
}

#[utoipa::path(get, path = "/subsidies/policies/{id}", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, body = PolicyDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn policy(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<PolicyDetailOut>, ApiError> {
    let (p, history) = s.app.subsidies().policy(&who, &id).await?;
    Ok(Json(PolicyDetailOut {
        policy: p.into(),
        versions: history
            .into_iter()
            .map(|v| PolicyVersionOut {
                version: v.version,
                effective_from: v.effective_from,
                note: v.note,
                amounts: v.summary.amounts,
                conditions: v.summary.conditions,
                created_at: v.created_at,
            })
            .collect(),
    }))
}

/// Write a new version of a policy (its name stays; `name` is ignored).
#[utoipa::path(post, path = "/subsidies/policies/{id}/versions", tag = "subsidies", params(("id" = String, Path)), request_body = PolicyIn,
    responses((status = 201, body = PolicyOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn revise_policy(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PolicyIn>,
) -> Result<(StatusCode, Json<PolicyOut>), ApiError> {
    super::pages::keeper(&s, &who)?;
    let i = b.parse()?;
    let sub = s.app.subsidies();
    sub.revise_policy(&who, &ctx, &id, &i).await?;
    Ok((
        StatusCode::CREATED,
        Json(sub.policy(&who, &id).await?.0.into()),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyStatusIn {
    /// enabled or disabled.
    pub status: String,
}

#[utoipa::path(post, path = "/subsidies/policies/{id}/status", tag = "subsidies", params(("id" = String, Path)), request_body = PolicyStatusIn,
    responses((status = 200, body = PolicyOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn policy_status(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PolicyStatusIn>,
) -> Result<Json<PolicyOut>, ApiError> {
    super::pages::keeper(&s, &who)?;
    let st = PolicyStatus::parse(&b.status)
        .ok_or_else(|| AppError::field("status", "状态应为 enabled 或 disabled"))?;
    let sub = s.app.subsidies();
    sub.set_policy_status(&who, &ctx, &id, st).await?;
    Ok(Json(sub.policy(&who, &id).await?.0.into()))
}

#[derive(Serialize, ToSchema)]
pub struct LineOut {
    pub user_id: String,
    pub name: String,
    pub eligible: bool,
    pub amount_fen: i64,
    /// Why not eligible, in words.
    pub reasons: String,
    pub category: String,
    pub outcome: String,
    /// Online class hours credited, e.g. "40.5".
    pub online_hours: String,
    pub offline_hours: u32,
    pub attendance_percent: u32,
    pub exam: String,
    pub certificate: bool,
    pub irregular: bool,
    pub payout: String,
}

impl From<LineView> for LineOut {
    fn from(l: LineView) -> Self {
        LineOut {
            user_id: l.user_id,
            name: l.name,
            eligible: l.eligible,
            amount_fen: l.amount.0,
            reasons: l.reasons,
            category: l.category,
            outcome: l.outcome,
            online_hours: l.online_hours,
            offline_hours: l.offline_hours,
            attendance_percent: l.attendance_percent,
            exam: l.exam.into(),
            certificate: l.certificate,
            irregular: l.irregular,
            payout: l.payout,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PreviewOut {
    pub policy_id: String,
    pub policy_name: String,
    pub policy_version: i32,
    pub standard_fen: i64,
    pub eligible: usize,
    pub total_fen: i64,
    /// Why it cannot be submitted now (empty: it can).
    pub problems: Vec<String>,
    pub claim_id: Option<String>,
    pub lines: Vec<LineOut>,
}

impl From<Preview> for PreviewOut {
    fn from(p: Preview) -> Self {
        PreviewOut {
            policy_id: p.policy_id,
            policy_name: p.policy_name,
            policy_version: p.policy_version,
            standard_fen: p.standard.0,
            eligible: p.eligible,
            total_fen: p.total.0,
            problems: p.problems,
            claim_id: p.claim_id,
            lines: p.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a class would claim under each policy that covers it, computed now.
#[utoipa::path(get, path = "/classes/{id}/subsidy-previews", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, body = Vec<PreviewOut>), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn previews(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<PreviewOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .previews(&who, &id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ClaimOut {
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
    pub skill_level: String,
    pub standard_fen: i64,
    /// reviewing, returned, approved, rejected.
    pub status: String,
    /// The level reviewing it: county, city or province.
    pub level: Option<String>,
    pub stage: String,
    pub learners: i32,
    pub eligible: i32,
    pub total_fen: i64,
    pub remarks: String,
    pub return_reason: String,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<ClaimView> for ClaimOut {
    fn from(c: ClaimView) -> Self {
        ClaimOut {
            id: c.id,
            number: c.number,
            policy_id: c.policy_id,
            policy_name: c.policy_name,
            policy_version: c.policy_version,
            class_id: c.class_id,
            class_name: c.class_name,
            org_name: c.org_name,
            individual: c.individual,
            region_code: c.region_code,
            project_name: c.project_name,
            skill_level: c.skill_level.into(),
            standard_fen: c.standard.0,
            status: c.status.code().into(),
            level: c.level.map(|l| l.code().to_string()),
            stage: c.stage,
            learners: c.learners,
            eligible: c.eligible,
            total_fen: c.total.0,
            remarks: c.remarks,
            return_reason: c.return_reason,
            submitted_at: c.submitted_at,
            decided_at: c.decided_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimIn {
    pub class_id: String,
    pub policy_id: String,
    #[serde(default)]
    pub remarks: String,
}

/// Submit a claim for a completed class (or submit a returned one again).
#[utoipa::path(post, path = "/subsidies/claims", tag = "subsidies", request_body = ClaimIn,
    responses((status = 201, body = ClaimOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<ClaimIn>,
) -> Result<(StatusCode, Json<ClaimOut>), ApiError> {
    let sub = s.app.subsidies();
    let id = sub
        .submit_claim(&who, &ctx, &b.class_id, &b.policy_id, &b.remarks)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(sub.claim(&who, &id).await?.claim.into()),
    ))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimsQuery {
    /// reviewing, returned, approved or rejected.
    #[serde(default)]
    pub status: Option<String>,
    /// true: only claims waiting at the caller's own review level.
    #[serde(default)]
    pub mine: Option<bool>,
    /// Part of a claim number.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimsOut {
    pub items: Vec<ClaimOut>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[utoipa::path(get, path = "/subsidies/claims", tag = "subsidies", params(ClaimsQuery),
    responses((status = 200, body = ClaimsOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn claims(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<ClaimsQuery>,
) -> Result<Json<ClaimsOut>, ApiError> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(ClaimStatus::parse(c).ok_or_else(|| {
            AppError::field(
                "status",
                "状态应为 reviewing、returned、approved 或 rejected",
            )
        })?),
    };
    let f = ClaimFilter {
        status,
        mine: q.mine.unwrap_or(false),
        q: q.q,
    };
    let p = s
        .app
        .subsidies()
        .claims(&who, &f, PageRequest::new(q.page, q.per_page, 50))
        .await?;
    Ok(Json(ClaimsOut {
        total: p.total,
        page: p.page,
        per_page: p.per_page,
        items: p.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct StepOut {
    pub level: String,
    pub decision: String,
    pub reason: String,
    pub reviewer_name: String,
    pub eligible: i32,
    pub total_fen: i64,
    pub ledger_idx: Option<i64>,
    pub decided_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct SignalOut {
    pub title: String,
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimDetailOut {
    pub claim: ClaimOut,
    pub lines: Vec<LineOut>,
    pub steps: Vec<StepOut>,
    /// What a reviewer should look at (learners claimed elsewhere, revoked certificates,
    /// night study, one device for many learners).
    pub signals: Vec<SignalOut>,
    pub may_decide: bool,
    /// Documents the claimant attached.
    pub documents: Vec<ClaimDocumentOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimDocumentOut {
    pub id: String,
    pub filename: String,
    /// As judged from the bytes: application/pdf, image/png or image/jpeg.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<ClaimDocumentView> for ClaimDocumentOut {
    fn from(d: ClaimDocumentView) -> Self {
        ClaimDocumentOut {
            id: d.id,
            filename: d.filename,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            created_at: d.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimDocumentQuery {
    /// The file's name as the claimant knows it.
    #[serde(default)]
    pub filename: String,
}

/// Attach a document to a claim of the caller's organisation (under review or returned).
#[utoipa::path(post, path = "/subsidies/claims/{id}/documents", tag = "subsidies", params(("id" = String, Path), ClaimDocumentQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file itself (PDF, PNG or JPEG, at most 10 MB); its type is judged from its content"),
    responses((status = 201, body = ClaimDocumentOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn attach_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ClaimDocumentQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<ClaimDocumentOut>), ApiError> {
    let d = s
        .app
        .subsidies()
        .attach_document(&who, &ctx, &id, &q.filename, body.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// A document of a claim the caller sees (the read is audited).
#[utoipa::path(get, path = "/subsidies/claims/{id}/documents/{doc}", tag = "subsidies", params(("id" = String, Path), ("doc" = String, Path)),
    responses((status = 200, description = "The file, with the content type judged at upload", content_type = "application/pdf"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn claim_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (d, bytes) = s
        .app
        .subsidies()
        .claim_document(&who, &ctx, &id, &doc)
        .await?;
    Ok(crate::http::files::document_response(
        &d.content_type,
        &d.filename,
        bytes,
    ))
}

impl From<ClaimDetail> for ClaimDetailOut {
    fn from(d: ClaimDetail) -> Self {
        ClaimDetailOut {
            claim: d.claim.into(),
            lines: d.lines.into_iter().map(Into::into).collect(),
            steps: d
                .steps
                .into_iter()
                .map(|s| StepOut {
                    level: s.level.into(),
                    decision: s.decision.into(),
                    reason: s.reason,
                    reviewer_name: s.reviewer_name,
                    eligible: s.eligible,
                    total_fen: s.total.0,
                    ledger_idx: s.ledger_idx,
                    decided_at: s.decided_at,
                })
                .collect(),
            signals: d
                .signals
                .into_iter()
                .map(|s| SignalOut {
                    title: s.title.into(),
                    detail: s.detail,
                })
                .collect(),
            may_decide: d.may_decide,
            documents: d.documents.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/subsidies/claims/{id}", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, body = ClaimDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn claim(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ClaimDetailOut>, ApiError> {
    Ok(Json(s.app.subsidies().claim(&who, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// approve, return or reject.
    pub decision: String,
    /// Required to return or reject.
    #[serde(default)]
    pub reason: String,
}

/// Decide a claim at the caller's review level. Approval recomputes the figures and is
/// refused (409, with the differences) if they changed since the claim was submitted.
#[utoipa::path(post, path = "/subsidies/claims/{id}/decision", tag = "subsidies", params(("id" = String, Path)), request_body = DecisionIn,
    responses((status = 200, body = ClaimOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> Result<Json<ClaimOut>, ApiError> {
    let d = ClaimDecision::parse(&b.decision)
        .ok_or_else(|| AppError::field("decision", "决定应为 approve、return 或 reject"))?;
    let sub = s.app.subsidies();
    sub.decide_claim(&who, &ctx, &id, d, &b.reason).await?;
    Ok(Json(sub.claim(&who, &id).await?.claim.into()))
}

#[derive(Serialize, ToSchema)]
pub struct PayableOut {
    pub claim_id: String,
    pub number: String,
    pub class_name: String,
    pub org_name: String,
    pub lines: usize,
    pub total_fen: i64,
    pub failed: usize,
    pub no_account: usize,
    /// Failed lines whose account has not been corrected: left out of a batch.
    pub unchanged: usize,
}

impl From<Payable> for PayableOut {
    fn from(p: Payable) -> Self {
        PayableOut {
            claim_id: p.claim_id,
            number: p.number,
            class_name: p.class_name,
            org_name: p.org_name,
            lines: p.lines,
            total_fen: p.total.0,
            failed: p.failed,
            no_account: p.no_account,
            unchanged: p.unchanged,
        }
    }
}

/// Approved claims with learners still to pay.
#[utoipa::path(get, path = "/subsidies/payable", tag = "subsidies",
    responses((status = 200, body = Vec<PayableOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn payable(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<PayableOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .payable(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct BatchOut {
    pub id: String,
    pub number: String,
    /// sent or answered.
    pub status: String,
    pub lines: i32,
    pub total_fen: i64,
    pub paid_fen: i64,
    pub paid_count: usize,
    pub failed_count: usize,
    pub pending_count: usize,
    pub file_sha256: String,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl From<BatchView> for BatchOut {
    fn from(b: BatchView) -> Self {
        BatchOut {
            id: b.id,
            number: b.number,
            status: b.status.code().into(),
            lines: b.lines,
            total_fen: b.total.0,
            paid_fen: b.paid.0,
            paid_count: b.paid_count,
            failed_count: b.failed_count,
            pending_count: b.pending_count,
            file_sha256: b.file_sha256,
            created_at: b.created_at,
            answered_at: b.answered_at,
        }
    }
}

#[utoipa::path(get, path = "/subsidies/batches", tag = "subsidies",
    responses((status = 200, body = Vec<BatchOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn batches(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<BatchOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .batches(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchIn {
    /// Approved claims whose unpaid learners go into the batch.
    pub claim_ids: Vec<String>,
}

/// Put approved claims' unpaid learners into a batch and send its bank file to the bank.
#[utoipa::path(post, path = "/subsidies/batches", tag = "subsidies", request_body = BatchIn,
    responses((status = 201, body = BatchOut), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn create_batch(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<BatchIn>,
) -> Result<(StatusCode, Json<BatchOut>), ApiError> {
    let sub = s.app.subsidies();
    let id = sub.create_batch(&who, &ctx, &b.claim_ids).await?;
    Ok((
        StatusCode::CREATED,
        Json(sub.batch(&who, &id).await?.0.into()),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PayoutOut {
    pub reference: String,
    pub claim_id: String,
    pub name: String,
    pub account_masked: String,
    pub amount_fen: i64,
    /// pending, paid, failed, resent.
    pub status: String,
    pub bank_txn: String,
    pub failure: String,
    pub ledger_idx: Option<i64>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl From<PayoutView> for PayoutOut {
    fn from(p: PayoutView) -> Self {
        PayoutOut {
            reference: p.reference,
            claim_id: p.claim_id,
            name: p.name,
            account_masked: p.account_masked,
            amount_fen: p.amount.0,
            status: p.status.code().into(),
            bank_txn: p.bank_txn,
            failure: p.failure,
            ledger_idx: p.ledger_idx,
            answered_at: p.answered_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReturnOut {
    pub source: String,
    pub lines: i32,
    pub applied: i32,
    pub repeated: i32,
    /// Answers contradicting an earlier one for the same payout (nothing changed).
    pub conflicting: i32,
    pub unknown: i32,
    pub received_at: DateTime<Utc>,
}

impl From<ReturnView> for ReturnOut {
    fn from(r: ReturnView) -> Self {
        ReturnOut {
            source: r.source.into(),
            lines: r.lines,
            applied: r.applied,
            repeated: r.repeated,
            conflicting: r.conflicting,
            unknown: r.unknown,
            received_at: r.received_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BatchDetailOut {
    pub batch: BatchOut,
    pub payouts: Vec<PayoutOut>,
    pub returns: Vec<ReturnOut>,
}

#[utoipa::path(get, path = "/subsidies/batches/{id}", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, body = BatchDetailOut), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn batch(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<BatchDetailOut>, ApiError> {
    let (b, payouts, returns) = s.app.subsidies().batch(&who, &id).await?;
    Ok(Json(BatchDetailOut {
        batch: b.into(),
        payouts: payouts.into_iter().map(Into::into).collect(),
        returns: returns.into_iter().map(Into::into).collect(),
    }))
}

/// The batch's bank file as sent (format in docs/subsidies.md); it holds whole account
/// numbers, so only those who disburse may fetch it.
#[utoipa::path(get, path = "/subsidies/batches/{id}/file", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn bank_file(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = s.app.subsidies().bank_file(&who, &id).await?;
    Ok(crate::http::files::document_response(
        "text/plain; charset=utf-8",
        &name,
        bytes,
    ))
}

/// A return file the bank sent for the batch (lines `R|reference|S|txn` or
/// `R|reference|F|reason`); answers for payouts already settled change nothing.
#[utoipa::path(post, path = "/subsidies/batches/{id}/return", tag = "subsidies", params(("id" = String, Path)),
    request_body(content = String, content_type = "text/plain"),
    responses((status = 200, body = ReturnOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn upload_return(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ReturnOut>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .upload_return(&who, &ctx, &id, &body)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MySubsidyOut {
    pub claim_id: String,
    pub claim_number: String,
    /// The learner's own claim (个人补贴).
    pub individual: bool,
    /// Documents may be added now (`POST /subsidies/claims/{id}/documents`).
    pub may_attach: bool,
    /// The own claim's documents: `[id, file name]`.
    pub documents: Vec<(String, String)>,
    pub class_name: String,
    pub policy_name: String,
    pub eligible: bool,
    pub amount_fen: i64,
    pub reasons: String,
    pub stage: String,
    pub payout: String,
}

impl From<MySubsidy> for MySubsidyOut {
    fn from(m: MySubsidy) -> Self {
        MySubsidyOut {
            claim_id: m.claim_id,
            individual: m.individual,
            may_attach: m.may_attach,
            documents: m.documents,
            claim_number: m.claim_number,
            class_name: m.class_name,
            policy_name: m.policy_name,
            eligible: m.eligible,
            amount_fen: m.amount.0,
            reasons: m.reasons,
            stage: m.stage,
            payout: m.payout,
        }
    }
}

/// The caller's own subsidies (learners).
#[utoipa::path(get, path = "/me/subsidies", tag = "subsidies",
    responses((status = 200, body = Vec<MySubsidyOut>), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn mine(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<MySubsidyOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .mine(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardAccountIn {
    /// The social-security card's financial account number (8–30 digits).
    pub account: String,
}

#[derive(Serialize, ToSchema)]
pub struct CardAccountOut {
    pub account_masked: Option<String>,
}

/// Record or correct the caller's social-security card account (learners).
#[utoipa::path(put, path = "/me/card-account", tag = "subsidies", request_body = CardAccountIn,
    responses((status = 200, body = CardAccountOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn card_account(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<CardAccountIn>,
) -> Result<Json<CardAccountOut>, ApiError> {
    let sub = s.app.subsidies();
    sub.set_card_account(&who, &ctx, &b.account).await?;
    Ok(Json(CardAccountOut {
        account_masked: sub.card_account(&who).await?,
    }))
}

// ----- a learner's own claims (个人补贴) -----

#[derive(Serialize, ToSchema)]
pub struct OwnPreviewOut {
    pub class_id: String,
    pub class_name: String,
    pub previews: Vec<PreviewOut>,
}

/// What the caller (a learner) could claim for themself, per completed class, under the
/// policies claimed by learners.
#[utoipa::path(get, path = "/me/subsidy-previews", tag = "subsidies",
    responses((status = 200, body = Vec<OwnPreviewOut>), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn own_previews(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<OwnPreviewOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .own_previews(&who)
            .await?
            .into_iter()
            .map(|o| OwnPreviewOut {
                class_id: o.class_id,
                class_name: o.class_name,
                previews: o.previews.into_iter().map(Into::into).collect(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OwnClaimOut {
    /// The claim's id.
    pub id: String,
    /// The caller's subsidies now, this claim among them.
    pub subsidies: Vec<MySubsidyOut>,
}

/// A learner claims for themself (个人补贴) for a completed class they were in.
#[utoipa::path(post, path = "/me/subsidy-claims", tag = "subsidies", request_body = ClaimIn,
    responses((status = 201, body = OwnClaimOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn own_claim(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<ClaimIn>,
) -> Result<(StatusCode, Json<OwnClaimOut>), ApiError> {
    let sub = s.app.subsidies();
    let id = sub
        .submit_own_claim(&who, &ctx, &b.class_id, &b.policy_id, &b.remarks)
        .await?;
    let subsidies = sub.mine(&who).await?.into_iter().map(Into::into).collect();
    Ok((StatusCode::CREATED, Json(OwnClaimOut { id, subsidies })))
}

// ----- training vouchers (职业培训券) -----

#[derive(Serialize, ToSchema)]
pub struct VoucherIssueOut {
    pub id: String,
    pub number: String,
    pub name: String,
    /// 名单导入 or 按人员类别.
    pub method: String,
    pub value_fen: i64,
    pub projects: String,
    pub valid_from: String,
    pub valid_until: String,
    pub issued: i32,
    pub created_at: DateTime<Utc>,
}

impl From<IssueView> for VoucherIssueOut {
    fn from(i: IssueView) -> Self {
        VoucherIssueOut {
            id: i.id,
            number: i.number,
            name: i.name,
            method: i.method.into(),
            value_fen: i.value.0,
            projects: i.projects,
            valid_from: i.valid_from,
            valid_until: i.valid_until,
            issued: i.issued,
            created_at: i.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoucherIssueIn {
    pub name: String,
    /// The value of each voucher, in yuan (e.g. "800").
    pub value_yuan: String,
    /// Empty: every training project.
    #[serde(default)]
    pub project_ids: Vec<String>,
    /// YYYY-MM-DD.
    pub valid_from: String,
    pub valid_until: String,
    /// list (the `list` text) or rule (every learner of `categories`).
    pub method: String,
    /// One holder per line: `身份证号,姓名`.
    #[serde(default)]
    pub list: String,
    #[serde(default)]
    pub categories: Vec<String>,
}

/// Issue vouchers (the province's regulators). A list naming anyone who is not a learner
/// under that name issues nothing (422, every bad line named).
#[utoipa::path(post, path = "/subsidies/voucher-issues", tag = "subsidies", request_body = VoucherIssueIn,
    responses((status = 201, body = VoucherIssueOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn issue_vouchers(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<VoucherIssueIn>,
) -> Result<(StatusCode, Json<VoucherIssueOut>), ApiError> {
    let sub = s.app.subsidies();
    if !sub.keeps_policies(&who) {
        return Err(AppError::Forbidden.into());
    }
    let input = super::IssueText {
        name: b.name,
        value: b.value_yuan,
        project_ids: b.project_ids,
        valid_from: b.valid_from,
        valid_until: b.valid_until,
        method: b.method,
        list: b.list,
        categories: b.categories,
    }
    .parse()
    .map_err(|e| e.renamed("value", "value_yuan"))?;
    let i = sub.issue_vouchers(&who, &ctx, input).await?;
    Ok((StatusCode::CREATED, Json(i.into())))
}

/// Every voucher issue, newest first (province-level viewers).
#[utoipa::path(get, path = "/subsidies/voucher-issues", tag = "subsidies",
    responses((status = 200, body = Vec<VoucherIssueOut>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn voucher_issues(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<VoucherIssueOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .voucher_issues(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct VoucherOut {
    pub id: String,
    pub number: String,
    pub name: String,
    pub value_fen: i64,
    pub projects: String,
    pub valid_from: String,
    pub valid_until: String,
    /// usable, not_yet, expired, held, redeemed, void.
    pub state: String,
    pub state_label: String,
    pub class_id: Option<String>,
    pub class_name: String,
    pub used_at: Option<DateTime<Utc>>,
    pub redeemed_at: Option<DateTime<Utc>>,
    /// Why the province voided it ('' unless void).
    pub void_reason: String,
}

impl From<VoucherView> for VoucherOut {
    fn from(v: VoucherView) -> Self {
        VoucherOut {
            id: v.id,
            number: v.number,
            name: v.name,
            value_fen: v.value.0,
            projects: v.projects,
            valid_from: v.valid_from,
            valid_until: v.valid_until,
            state: v.state.into(),
            state_label: v.state_label.into(),
            class_id: v.class_id,
            class_name: v.class_name,
            used_at: v.used_at,
            redeemed_at: v.redeemed_at,
            void_reason: v.void_reason,
        }
    }
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VouchersQuery {
    /// usable, not_yet, expired, held, redeemed or void.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub issue_id: Option<String>,
    /// The vouchers a settlement paid for.
    #[serde(default)]
    pub settlement_id: Option<String>,
    /// Part of a voucher number, or a holder's whole name.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct StateTotalOut {
    pub state: String,
    pub label: String,
    pub count: i64,
    pub value_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct VouchersOut {
    pub items: Vec<VoucherOut>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// How many, of what value, in each state (the issue and text filters apply).
    pub totals: Vec<StateTotalOut>,
}

/// Vouchers in the caller's scope (regulators: holders of their region; institutions:
/// vouchers used for their classes), with totals per state.
#[utoipa::path(get, path = "/subsidies/vouchers", tag = "subsidies", params(VouchersQuery),
    responses((status = 200, body = VouchersOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn vouchers(
    State(s): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<VouchersQuery>,
) -> Result<Json<VouchersOut>, ApiError> {
    let sub = s.app.subsidies();
    if !who.can(jineng_core::accounts::Permission::ViewSubsidies) {
        return Err(AppError::Forbidden.into());
    }
    let state = match q.state.as_deref().filter(|x| !x.is_empty()) {
        None => None,
        Some(x) => Some(VoucherState::parse(x).ok_or_else(|| {
            AppError::field(
                "state",
                "状态应为 usable、not_yet、expired、held、redeemed 或 void",
            )
        })?),
    };
    let f = VoucherFilter {
        state,
        issue_id: q.issue_id,
        q: q.q,
        settlement_id: q.settlement_id,
    };
    let p = sub
        .vouchers(&who, &f, PageRequest::new(q.page, q.per_page, 50))
        .await?;
    let totals = sub
        .voucher_totals(&who, &VoucherFilter { state: None, ..f })
        .await?
        .into_iter()
        .map(|t| StateTotalOut {
            state: t.state.into(),
            label: t.label.into(),
            count: t.count,
            value_fen: t.value.0,
        })
        .collect();
    Ok(Json(VouchersOut {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
        totals,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MyVoucherOut {
    pub voucher: VoucherOut,
    /// Classes the voucher may be used for now.
    pub class_ids: Vec<String>,
    /// Held for a class that has not ended: may be taken back.
    pub may_release: bool,
}

/// The caller's own training vouchers (learners).
#[utoipa::path(get, path = "/me/vouchers", tag = "subsidies",
    responses((status = 200, body = Vec<MyVoucherOut>), (status = 401, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn my_vouchers(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<MyVoucherOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .my_vouchers(&who)
            .await?
            .into_iter()
            .map(|m| MyVoucherOut {
                class_ids: m.classes.into_iter().map(|c| c.0).collect(),
                may_release: m.may_release,
                voucher: m.voucher.into(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseVoucherIn {
    pub class_id: String,
}

/// Use one's voucher for a class one is in that has not ended.
#[utoipa::path(post, path = "/me/vouchers/{id}/use", tag = "subsidies", params(("id" = String, Path)), request_body = UseVoucherIn,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn use_voucher(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UseVoucherIn>,
) -> Result<StatusCode, ApiError> {
    s.app
        .subsidies()
        .use_voucher(&who, &ctx, &id, &b.class_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take back one's voucher from a class that has not ended.
#[utoipa::path(post, path = "/me/vouchers/{id}/release", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn release_voucher(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.subsidies().release_voucher(&who, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ClassVoucherOut {
    pub number: String,
    pub name: String,
    pub value_fen: i64,
    pub state: String,
    /// The learner's result in the class.
    pub outcome: String,
    pub completed: bool,
}

/// The vouchers used for a class (its institution; the system admin).
#[utoipa::path(get, path = "/classes/{id}/vouchers", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ClassVoucherOut>), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn class_vouchers(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ClassVoucherOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .class_vouchers(&who, &id)
            .await?
            .into_iter()
            .map(|v| ClassVoucherOut {
                number: v.number,
                name: v.name,
                value_fen: v.value.0,
                state: v.state_label.into(),
                outcome: v.outcome.into(),
                completed: v.completed,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RedeemedOut {
    pub redeemed: usize,
    pub value_fen: i64,
    /// Vouchers of learners who did not complete, returned to them.
    pub released: usize,
}

/// Redeem the vouchers of a completed class (its institution).
#[utoipa::path(post, path = "/classes/{id}/vouchers/redeem", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, body = RedeemedOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn redeem_vouchers(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<RedeemedOut>, ApiError> {
    let r = s.app.subsidies().redeem_vouchers(&who, &ctx, &id).await?;
    Ok(Json(RedeemedOut {
        redeemed: r.redeemed,
        value_fen: r.value.0,
        released: r.released,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct VoucherDueOut {
    pub org_id: String,
    pub org_name: String,
    pub vouchers: i64,
    pub total_fen: i64,
}

/// Institutions with redeemed vouchers in no settlement yet (the province).
#[utoipa::path(get, path = "/subsidies/voucher-dues", tag = "subsidies",
    responses((status = 200, body = [VoucherDueOut]), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn voucher_dues(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<VoucherDueOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .voucher_dues(&who)
            .await?
            .into_iter()
            .map(|d| VoucherDueOut {
                org_id: d.org_id,
                org_name: d.org_name,
                vouchers: d.vouchers,
                total_fen: d.total.0,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct VoucherSettlementOut {
    pub id: String,
    pub number: String,
    pub org_id: String,
    pub org_name: String,
    pub vouchers: i32,
    pub total_fen: i64,
    /// drawn or paid.
    pub status: String,
    pub status_label: String,
    pub bank_ref: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<jineng_app::subsidies::voucher_settlements::SettlementView> for VoucherSettlementOut {
    fn from(v: jineng_app::subsidies::voucher_settlements::SettlementView) -> Self {
        VoucherSettlementOut {
            id: v.id,
            number: v.number,
            org_id: v.org_id,
            org_name: v.org_name,
            vouchers: v.vouchers,
            total_fen: v.total.0,
            status: v.status.code().into(),
            status_label: v.status_label.into(),
            bank_ref: v.bank_ref,
            created_at: v.created_at,
            paid_at: v.paid_at,
        }
    }
}

/// Voucher settlements, newest first: all for the province, its own for an institution.
#[utoipa::path(get, path = "/subsidies/voucher-settlements", tag = "subsidies",
    responses((status = 200, body = [VoucherSettlementOut]), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn voucher_settlements(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<VoucherSettlementOut>>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .voucher_settlements(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleIn {
    /// The institution whose redeemed vouchers are settled.
    pub org_id: String,
}

/// Draw a settlement over every redeemed voucher of one institution not yet settled.
#[utoipa::path(post, path = "/subsidies/voucher-settlements", tag = "subsidies", request_body = SettleIn,
    responses((status = 201, body = VoucherSettlementOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn settle_vouchers(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    ApiJson(b): ApiJson<SettleIn>,
) -> Result<(StatusCode, Json<VoucherSettlementOut>), ApiError> {
    let v = s
        .app
        .subsidies()
        .settle_vouchers(&who, &ctx, &b.org_id)
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementPaidIn {
    /// The bank's payment reference (1–64 characters).
    pub reference: String,
}

/// Record that a drawn settlement was paid to the institution (entered in the evidence log).
#[utoipa::path(post, path = "/subsidies/voucher-settlements/{id}/pay", tag = "subsidies", params(("id" = String, Path)), request_body = SettlementPaidIn,
    responses((status = 200, body = VoucherSettlementOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn pay_voucher_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SettlementPaidIn>,
) -> Result<Json<VoucherSettlementOut>, ApiError> {
    Ok(Json(
        s.app
            .subsidies()
            .pay_voucher_settlement(&who, &ctx, &id, &b.reference)
            .await?
            .into(),
    ))
}

/// The bank file of a drawn settlement (the batch format of docs/subsidies.md, one line:
/// the institution's settlement account); only those who pay; each download audited.
#[utoipa::path(get, path = "/subsidies/voucher-settlements/{id}/bank-file", tag = "subsidies", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/plain", body = String), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn voucher_settlement_bank_file(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = s
        .app
        .subsidies()
        .voucher_settlement_bank_file(&who, &ctx, &id)
        .await?;
    Ok(crate::http::files::document_response(
        "text/plain; charset=utf-8",
        &name,
        bytes,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidIn {
    /// Why (1–200 characters).
    pub reason: String,
}

/// Void an unused voucher (the province), with the reason.
#[utoipa::path(post, path = "/subsidies/vouchers/{id}/void", tag = "subsidies", params(("id" = String, Path)), request_body = VoidIn,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn void_voucher(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    Caller(who): Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<VoidIn>,
) -> Result<StatusCode, ApiError> {
    s.app
        .subsidies()
        .void_voucher(&who, &ctx, &id, &b.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
