//! 培训补贴 pages. A refusal answers the same page with the reasons.

use super::PolicyText;
use crate::AppState;
use crate::http::error::{PageError, fixable};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use jineng_app::AppError;
use jineng_app::page::PageRequest;
use jineng_app::subsidies::PolicyView;
use jineng_app::subsidies::claims::OwnPreviews;
use jineng_app::subsidies::claims::{ClaimDetail, ClaimFilter, ClaimView, Preview};
use jineng_app::subsidies::payouts::{BatchView, MySubsidy, Payable, PayoutView, ReturnView};
use jineng_app::subsidies::voucher_settlements::{SettlementView, VoucherDue};
use jineng_app::subsidies::vouchers::{
    ClassVoucher, IssueView, MyVoucher, StateTotal, VoucherFilter, VoucherView,
};
use jineng_core::accounts::{Permission, Role};
use jineng_core::subsidies::{ClaimDecision, ClaimStatus, PolicyStatus, ReviewLevel};
use jineng_core::vouchers::VoucherState;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

// ----- the hub: claims (regulators, institutions) or 我的补贴 (learners) -----

#[derive(Deserialize, Default)]
pub struct HubQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    q: String,
    /// Kept as typed: a page number that is not one shows the first page.
    #[serde(default)]
    page: String,
    #[serde(default)]
    done: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/hub.html")]
pub struct HubPage {
    layout: Layout,
    /// A learner without the claims view: 我的补贴.
    learner: bool,
    mine: Vec<MySubsidy>,
    card: Option<String>,
    vouchers: Vec<MyVoucher>,
    own: Vec<OwnPreviews>,
    claims: Vec<ClaimView>,
    total: u64,
    page: u64,
    pages: u64,
    status: String,
    only_mine: bool,
    q: String,
    reviewer: bool,
    claimant: bool,
    sees_batches: bool,
    /// (code, label, selected).
    statuses: Vec<(&'static str, &'static str, bool)>,
    notice: Option<String>,
    errors: Vec<String>,
}

fn filter_of(q: &HubQuery) -> ClaimFilter {
    ClaimFilter {
        status: ClaimStatus::parse(&q.status),
        mine: q.mine == "1",
        q: Some(q.q.clone()),
    }
}

async fn hub_page(
    s: &AppState,
    u: &PageUser,
    q: HubQuery,
    errors: Vec<String>,
) -> Result<HubPage, PageError> {
    let p = &u.principal;
    if !p.has_role(Role::Learner) && !p.can(Permission::ViewSubsidies) {
        return Err(PageError(AppError::Forbidden));
    }
    let learner = p.has_role(Role::Learner) && !p.can(Permission::ViewSubsidies);
    let sub = s.app.subsidies();
    let (mine, card, vouchers, own) = if p.has_role(Role::Learner) {
        (
            sub.mine(p).await?,
            sub.card_account(p).await?,
            sub.my_vouchers(p).await?,
            sub.own_previews(p).await?,
        )
    } else {
        (vec![], None, vec![], vec![])
    };
    let (claims, total, page, pages) = if p.can(Permission::ViewSubsidies) {
        let r = sub
            .claims(
                p,
                &filter_of(&q),
                PageRequest::new(q.page.trim().parse().ok(), Some(20), 20),
            )
            .await?;
        let pages = r.pages();
        (r.items, r.total, r.page, pages)
    } else {
        (vec![], 0, 1, 1)
    };
    let notice = match q.done.as_str() {
        "card" => Some("社保卡金融账户已登记，补贴将发放到该账户。".to_string()),
        "own_claim" => Some("个人补贴申请已提交，等待审核；进度见下方“我的补贴”。".to_string()),
        "document" => Some("材料已上传，审核人员可以查看。".to_string()),
        "voucher_used" => Some("培训券已用于该培训班，结业合格后由培训机构兑付。".to_string()),
        "voucher_released" => Some("培训券已撤回，可用于其他培训班。".to_string()),
        _ => None,
    };
    let statuses = ClaimStatus::ALL
        .iter()
        .map(|s| (s.code(), s.label(), s.code() == q.status))
        .collect();
    Ok(HubPage {
        layout: Layout::new(
            if learner {
                "我的补贴"
            } else {
                "培训补贴"
            },
            u,
            "/subsidies",
        ),
        learner,
        mine,
        card,
        vouchers,
        own,
        claims,
        total,
        page,
        pages,
        status: q.status,
        only_mine: q.mine == "1",
        q: q.q,
        reviewer: p.can(Permission::ReviewSubsidies),
        claimant: p.can(Permission::ClaimSubsidies),
        sees_batches: sub.sees_batches(p),
        statuses,
        notice,
        errors,
    })
}

pub async fn hub(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<HubQuery>,
) -> Result<HubPage, PageError> {
    hub_page(&s, &u, q, vec![]).await
}

/// The claims list as the caller may see it, filtered as on the page, as Excel.
pub async fn export(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<HubQuery>,
) -> Result<Response, PageError> {
    let bytes = s
        .app
        .subsidies()
        .export_claims(&u.principal, &ctx, &filter_of(&q))
        .await?;
    Ok(xlsx_response(bytes, "subsidy-claims.xlsx"))
}

#[derive(Deserialize, Default)]
pub struct CardForm {
    #[serde(default)]
    account: String,
}

pub async fn card_account(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<CardForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .subsidies()
        .set_card_account(&u.principal, &ctx, &f.account)
        .await
    {
        Ok(()) => Ok(Redirect::to("/subsidies?done=card").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, hub_page(&s, &u, HubQuery::default(), errors).await?).into_response())
        }
    }
}

// ----- policies -----

/// Only the province's policy keepers write policies: refused before the form is read.
pub(crate) fn keeper(s: &AppState, who: &jineng_app::Principal) -> Result<(), AppError> {
    if s.app.subsidies().keeps_policies(who) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/policies.html")]
pub struct PoliciesPage {
    layout: Layout,
    policies: Vec<PolicyView>,
    keeps: bool,
    form: PolicyForm,
    choices: Choices,
    errors: Vec<String>,
}

/// What the policy form offers.
pub struct Choices {
    levels: Vec<(u8, &'static str)>,
    projects: Vec<(String, String)>,
    categories: Vec<(&'static str, &'static str)>,
    review_levels: Vec<(&'static str, &'static str)>,
}

async fn choices(s: &AppState) -> Result<Choices, PageError> {
    let mut projects: Vec<(String, String)> = s
        .app
        .subsidies()
        .project_names()
        .await?
        .into_iter()
        .collect();
    projects.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(Choices {
        levels: [5u8, 4, 3, 2, 1, 0]
            .into_iter()
            .map(|l| (l, super::level_name(l)))
            .collect(),
        projects,
        categories: jineng_core::learners::PERSON_CATEGORIES.to_vec(),
        review_levels: ReviewLevel::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
    })
}

/// The policy form as typed (kept when the page answers with errors).
#[derive(Deserialize, Clone)]
pub struct PolicyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    amount_5: String,
    #[serde(default)]
    amount_4: String,
    #[serde(default)]
    amount_3: String,
    #[serde(default)]
    amount_2: String,
    #[serde(default)]
    amount_1: String,
    #[serde(default)]
    amount_0: String,
    #[serde(default)]
    project_ids: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    require_exam: Option<String>,
    #[serde(default)]
    require_certificate: Option<String>,
    #[serde(default)]
    individual: Option<String>,
    #[serde(default)]
    min_online_hours: String,
    #[serde(default)]
    min_offline_hours: String,
    #[serde(default)]
    min_attendance_percent: String,
    #[serde(default)]
    yearly_cap: String,
    #[serde(default)]
    window_from: String,
    #[serde(default)]
    window_until: String,
    #[serde(default)]
    levels: Vec<String>,
    #[serde(default)]
    note: String,
}

impl Default for PolicyForm {
    fn default() -> Self {
        PolicyForm {
            name: String::new(),
            effective_from: String::new(),
            amount_5: String::new(),
            amount_4: String::new(),
            amount_3: String::new(),
            amount_2: String::new(),
            amount_1: String::new(),
            amount_0: String::new(),
            project_ids: vec![],
            categories: vec![],
            require_exam: None,
            require_certificate: None,
            individual: None,
            min_online_hours: String::new(),
            min_offline_hours: String::new(),
            min_attendance_percent: String::new(),
            yearly_cap: String::new(),
            window_from: String::new(),
            window_until: String::new(),
            levels: ReviewLevel::ALL
                .iter()
                .map(|l| l.code().to_string())
                .collect(),
            note: String::new(),
        }
    }
}

impl PolicyForm {
    fn text(&self) -> PolicyText {
        PolicyText {
            name: self.name.clone(),
            effective_from: self.effective_from.clone(),
            amounts: vec![
                (5, self.amount_5.clone()),
                (4, self.amount_4.clone()),
                (3, self.amount_3.clone()),
                (2, self.amount_2.clone()),
                (1, self.amount_1.clone()),
                (0, self.amount_0.clone()),
            ],
            project_ids: self.project_ids.clone(),
            categories: self.categories.clone(),
            require_exam: self.require_exam.is_some(),
            require_certificate: self.require_certificate.is_some(),
            min_online_hours: self.min_online_hours.clone(),
            min_offline_hours: self.min_offline_hours.clone(),
            min_attendance_percent: self.min_attendance_percent.clone(),
            yearly_cap: self.yearly_cap.clone(),
            window_from: self.window_from.clone(),
            window_until: self.window_until.clone(),
            levels: self.levels.clone(),
            individual: self.individual.is_some(),
            note: self.note.clone(),
        }
    }

    /// A form filled with a policy's latest rules (to write the next version).
    fn of(p: &PolicyView) -> Self {
        let r = &p.rules;
        let amount = |l: u8| r.amounts.get(&l).map(|f| f.to_string()).unwrap_or_default();
        let hours = |h: u32| if h == 0 { String::new() } else { h.to_string() };
        PolicyForm {
            name: p.name.clone(),
            effective_from: String::new(),
            amount_5: amount(5),
            amount_4: amount(4),
            amount_3: amount(3),
            amount_2: amount(2),
            amount_1: amount(1),
            amount_0: amount(0),
            project_ids: r.project_ids.clone(),
            categories: r.categories.clone(),
            require_exam: r.require_exam.then(|| "1".to_string()),
            require_certificate: r.require_certificate.then(|| "1".to_string()),
            individual: r.individual.then(|| "1".to_string()),
            min_online_hours: hours(r.min_online_hours),
            min_offline_hours: hours(r.min_offline_hours),
            min_attendance_percent: hours(r.min_attendance_percent),
            yearly_cap: if r.yearly_cap.0 > 0 {
                r.yearly_cap.to_string()
            } else {
                String::new()
            },
            window_from: r.window_from.to_string(),
            window_until: r.window_until.to_string(),
            levels: r.levels.iter().map(|l| l.code().to_string()).collect(),
            note: String::new(),
        }
    }

    fn amount(&self, level: &u8) -> &str {
        match level {
            5 => &self.amount_5,
            4 => &self.amount_4,
            3 => &self.amount_3,
            2 => &self.amount_2,
            1 => &self.amount_1,
            _ => &self.amount_0,
        }
    }

    fn has_project(&self, id: &str) -> bool {
        self.project_ids.iter().any(|p| p == id)
    }

    fn has_category(&self, c: &str) -> bool {
        self.categories.iter().any(|x| x == c)
    }

    fn has_level(&self, l: &str) -> bool {
        self.levels.iter().any(|x| x == l)
    }
}

async fn policies_page(
    s: &AppState,
    u: &PageUser,
    form: PolicyForm,
    errors: Vec<String>,
) -> Result<PoliciesPage, PageError> {
    let sub = s.app.subsidies();
    Ok(PoliciesPage {
        layout: Layout::new("补贴政策", u, "/subsidies"),
        policies: sub.policies(&u.principal).await?,
        keeps: sub.keeps_policies(&u.principal),
        form,
        choices: choices(s).await?,
        errors,
    })
}

pub async fn policies(State(s): State<AppState>, u: PageUser) -> Result<PoliciesPage, PageError> {
    policies_page(&s, &u, PolicyForm::default(), vec![]).await
}

pub async fn create_policy(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<PolicyForm>,
) -> Result<Response, PageError> {
    let r = match keeper(&s, &u.principal).and_then(|()| f.text().parse()) {
        Ok(i) => {
            s.app
                .subsidies()
                .create_policy(&u.principal, &ctx, &i)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(id) => {
            Ok(Redirect::to(&format!("/subsidies/policies/{id}?done=created")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, policies_page(&s, &u, f, errors).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/policy.html")]
pub struct PolicyPage {
    layout: Layout,
    p: PolicyView,
    history: Vec<jineng_app::subsidies::VersionView>,
    keeps: bool,
    enabled: bool,
    form: PolicyForm,
    choices: Choices,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn policy_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    form: Option<PolicyForm>,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<PolicyPage, PageError> {
    let sub = s.app.subsidies();
    let (p, history) = sub.policy(&u.principal, id).await?;
    Ok(PolicyPage {
        layout: Layout::new(format!("补贴政策 {}", p.name), u, "/subsidies"),
        keeps: sub.keeps_policies(&u.principal),
        enabled: p.status == PolicyStatus::Enabled,
        form: form.unwrap_or_else(|| PolicyForm::of(&p)),
        p,
        history,
        choices: choices(s).await?,
        notice,
        errors,
    })
}

pub async fn policy(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<PolicyPage, PageError> {
    let notice = match q.done.as_str() {
        "created" => Some("补贴政策已创建并启用。".to_string()),
        "revised" => Some("新版本已发布：此后开班的培训班按新版本核算。".to_string()),
        "enabled" => Some("政策已启用。".to_string()),
        "disabled" => Some("政策已停用，不再受理新的申请；审核中的申请照常办理。".to_string()),
        _ => None,
    };
    policy_page(&s, &u, &id, None, notice, vec![]).await
}

pub async fn revise_policy(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<PolicyForm>,
) -> Result<Response, PageError> {
    let r = match keeper(&s, &u.principal).and_then(|()| f.text().parse()) {
        Ok(i) => {
            s.app
                .subsidies()
                .revise_policy(&u.principal, &ctx, &id, &i)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => {
            Ok(Redirect::to(&format!("/subsidies/policies/{id}?done=revised")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                policy_page(&s, &u, &id, Some(f), None, errors).await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn policy_status(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Result<Response, PageError> {
    let r = match keeper(&s, &u.principal).map(|()| PolicyStatus::parse(&f.status)) {
        Ok(Some(st)) => {
            s.app
                .subsidies()
                .set_policy_status(&u.principal, &ctx, &id, st)
                .await
        }
        Ok(None) => Err(AppError::field("status", "状态应为 enabled 或 disabled")),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(
            Redirect::to(&format!("/subsidies/policies/{id}?done={}", f.status)).into_response(),
        ),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, policy_page(&s, &u, &id, None, None, errors).await?).into_response())
        }
    }
}

// ----- a class's 申请补贴 -----

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/class.html")]
pub struct ClassPage {
    layout: Layout,
    class_id: String,
    class_name: String,
    previews: Vec<Preview>,
    vouchers: Vec<ClassVoucher>,
    /// Vouchers waiting for redemption, and the class has ended.
    may_redeem: bool,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn class_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<ClassPage, PageError> {
    let sub = s.app.subsidies();
    let previews = sub.previews(&u.principal, id).await?;
    let vouchers = sub.class_vouchers(&u.principal, id).await?;
    let (c, _) = s.app.classes().get(&u.principal, id).await?;
    let may_redeem = c.status == jineng_core::classes::ClassStatus::Completed
        && sub.held_vouchers(id).await? > 0;
    Ok(ClassPage {
        layout: Layout::new(format!("申请补贴 · {}", c.name), u, "/subsidies"),
        class_id: c.id,
        class_name: c.name,
        previews,
        vouchers,
        may_redeem,
        notice,
        errors,
    })
}

pub async fn class(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<ClassPage, PageError> {
    let notice = match q.done.as_str() {
        "redeemed" => {
            Some("培训券已兑付：结业合格学员的券已核销，未合格学员的券已退回本人。".to_string())
        }
        _ => None,
    };
    class_page(&s, &u, &id, notice, vec![]).await
}

#[derive(Deserialize, Default)]
pub struct SubmitForm {
    #[serde(default)]
    policy_id: String,
    #[serde(default)]
    remarks: String,
}

pub async fn submit(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .subsidies()
        .submit_claim(&u.principal, &ctx, &id, &f.policy_id, &f.remarks)
        .await
    {
        Ok(claim) => {
            Ok(Redirect::to(&format!("/subsidies/claims/{claim}?done=submitted")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, class_page(&s, &u, &id, None, errors).await?).into_response())
        }
    }
}

// ----- a claim -----

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/claim.html")]
pub struct ClaimPage {
    layout: Layout,
    d: ClaimDetail,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn claim_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<ClaimPage, PageError> {
    let d = s.app.subsidies().claim(&u.principal, id).await?;
    Ok(ClaimPage {
        layout: Layout::new(format!("补贴申请 {}", d.claim.number), u, "/subsidies"),
        d,
        notice,
        errors,
    })
}

pub async fn claim(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<ClaimPage, PageError> {
    let notice = match q.done.as_str() {
        "submitted" => Some("补贴申请已提交，等待审核。".to_string()),
        "approve" => Some("已审核通过。".to_string()),
        "return" => Some("已退回机构，机构修改后可重新申报。".to_string()),
        "reject" => Some("已作出不予批准的决定，本申请的学员可另行申报。".to_string()),
        "document" => Some("材料已上传，审核人员可在本页查看。".to_string()),
        _ => None,
    };
    claim_page(&s, &u, &id, notice, vec![]).await
}

#[derive(Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, PageError> {
    let r = match ClaimDecision::parse(&f.decision) {
        Some(d) => s
            .app
            .subsidies()
            .decide_claim(&u.principal, &ctx, &id, d, &f.reason)
            .await
            .map(|_| d),
        None => Err(AppError::field("decision", "请选择通过、退回或不予批准")),
    };
    match r {
        Ok(d) => {
            Ok(Redirect::to(&format!("/subsidies/claims/{id}?done={}", d.code())).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, claim_page(&s, &u, &id, None, errors).await?).into_response())
        }
    }
}

// ----- disbursement -----

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/batches.html")]
pub struct BatchesPage {
    layout: Layout,
    payable: Vec<Payable>,
    batches: Vec<BatchView>,
    disburses: bool,
    errors: Vec<String>,
}

async fn batches_page(
    s: &AppState,
    u: &PageUser,
    errors: Vec<String>,
) -> Result<BatchesPage, PageError> {
    let sub = s.app.subsidies();
    Ok(BatchesPage {
        layout: Layout::new("补贴发放", u, "/subsidies"),
        payable: sub.payable(&u.principal).await?,
        batches: sub.batches(&u.principal).await?,
        disburses: u.principal.can_province_wide(Permission::DisburseSubsidies),
        errors,
    })
}

pub async fn batches(State(s): State<AppState>, u: PageUser) -> Result<BatchesPage, PageError> {
    batches_page(&s, &u, vec![]).await
}

#[derive(Deserialize, Default)]
pub struct BatchForm {
    #[serde(default)]
    claim_ids: Vec<String>,
}

pub async fn create_batch(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<BatchForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .subsidies()
        .create_batch(&u.principal, &ctx, &f.claim_ids)
        .await
    {
        Ok(id) => {
            Ok(Redirect::to(&format!("/subsidies/batches/{id}?done=created")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, batches_page(&s, &u, errors).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/batch.html")]
pub struct BatchPage {
    layout: Layout,
    b: BatchView,
    payouts: Vec<PayoutView>,
    returns: Vec<ReturnView>,
    /// Answers that contradicted earlier ones, over every return file.
    conflicting: i32,
    disburses: bool,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn batch_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<BatchPage, PageError> {
    let (b, payouts, returns) = s.app.subsidies().batch(&u.principal, id).await?;
    let conflicting = returns.iter().map(|r| r.conflicting).sum();
    Ok(BatchPage {
        conflicting,
        layout: Layout::new(format!("发放批次 {}", b.number), u, "/subsidies"),
        b,
        payouts,
        returns,
        disburses: u.principal.can_province_wide(Permission::DisburseSubsidies),
        notice,
        errors,
    })
}

pub async fn batch(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<BatchPage, PageError> {
    let notice = match q.done.as_str() {
        "created" => Some("发放批次已生成并送银行；银行回盘后逐笔显示发放结果（沙箱银行约十秒后回盘，刷新本页查看）。".to_string()),
        "return" => Some("回盘文件已处理。".to_string()),
        _ => None,
    };
    batch_page(&s, &u, &id, notice, vec![]).await
}

pub async fn bank_file(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (name, bytes) = s.app.subsidies().bank_file(&u.principal, &id).await?;
    Ok(crate::http::files::document_response(
        "text/plain; charset=utf-8",
        &name,
        bytes,
    ))
}

pub async fn voucher_settlement_bank_file(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (name, bytes) = s
        .app
        .subsidies()
        .voucher_settlement_bank_file(&u.principal, &ctx, &id)
        .await?;
    Ok(crate::http::files::document_response(
        "text/plain; charset=utf-8",
        &name,
        bytes,
    ))
}

pub async fn upload_return(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let r = match read_file(mp).await {
        Ok(bytes) => s
            .app
            .subsidies()
            .upload_return(&u.principal, &ctx, &id, &bytes)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/subsidies/batches/{id}?done=return")).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, batch_page(&s, &u, &id, None, errors).await?).into_response())
        }
    }
}

/// The `file` field of a multipart form, within the return file limit.
async fn read_file(mp: Result<Multipart, MultipartRejection>) -> Result<Vec<u8>, AppError> {
    let bad = || AppError::field("file", "请选择银行回盘文件（不超过32MB）");
    let mut mp = mp.map_err(|_| bad())?;
    while let Some(field) = mp.next_field().await.map_err(|_| bad())? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|_| bad())?;
            if bytes.is_empty() {
                return Err(bad());
            }
            return Ok(bytes.to_vec());
        }
    }
    Err(bad())
}

// ----- a learner's own claim (个人补贴) -----

pub async fn own_claim(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<OwnClaimForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .subsidies()
        .submit_own_claim(&u.principal, &ctx, &f.class_id, &f.policy_id, &f.remarks)
        .await
    {
        Ok(_) => Ok(Redirect::to("/subsidies?done=own_claim").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, hub_page(&s, &u, HubQuery::default(), errors).await?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct OwnClaimForm {
    #[serde(default)]
    class_id: String,
    #[serde(default)]
    policy_id: String,
    #[serde(default)]
    remarks: String,
}

// ----- training vouchers (职业培训券) -----

#[derive(Deserialize, Default)]
pub struct VouchersQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    issue: String,
    #[serde(default)]
    settlement: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    done: String,
}

fn voucher_filter(q: &VouchersQuery) -> VoucherFilter {
    VoucherFilter {
        state: VoucherState::parse(&q.state),
        issue_id: Some(q.issue.clone()).filter(|i| !i.is_empty()),
        q: Some(q.q.clone()),
        settlement_id: Some(q.settlement.clone()).filter(|i| !i.is_empty()),
    }
}

/// The issue form as typed (kept when the page answers with errors).
#[derive(Deserialize, Clone, Default)]
pub struct IssueForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    project_ids: Vec<String>,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    categories: Vec<String>,
}

impl IssueForm {
    fn has_project(&self, id: &str) -> bool {
        self.project_ids.iter().any(|p| p == id)
    }
    fn has_category(&self, c: &str) -> bool {
        self.categories.iter().any(|x| x == c)
    }
    fn by_rule(&self) -> bool {
        self.method == "rule"
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "subsidies/vouchers.html")]
pub struct VouchersPage {
    layout: Layout,
    keeps: bool,
    issues: Vec<IssueView>,
    totals: Vec<StateTotal>,
    /// The largest count among the totals (for the bars).
    most: i64,
    vouchers: Vec<VoucherView>,
    total: u64,
    page: u64,
    pages: u64,
    state: String,
    issue: String,
    settlement: String,
    q: String,
    states: Vec<(&'static str, &'static str, bool)>,
    /// Institutions with redeemed vouchers to settle (the province).
    dues: Vec<VoucherDue>,
    settlements: Vec<SettlementView>,
    /// The caller draws and pays settlements.
    disburses: bool,
    form: IssueForm,
    projects: Vec<(String, String)>,
    categories: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    errors: Vec<String>,
    /// The list was just read from a sheet: the form is open.
    list_loaded: bool,
}

impl VouchersPage {
    /// A bar's width in percent of the largest count (an empty state has none; any
    /// other at least a sliver).
    fn bar(&self, n: &i64) -> i64 {
        if self.most == 0 || *n == 0 {
            0
        } else {
            (n * 100 / self.most).max(1)
        }
    }
}

async fn vouchers_page(
    s: &AppState,
    u: &PageUser,
    q: VouchersQuery,
    form: IssueForm,
    errors: Vec<String>,
) -> Result<VouchersPage, PageError> {
    let p = &u.principal;
    if !p.can(Permission::ViewSubsidies) {
        return Err(PageError(AppError::Forbidden));
    }
    let sub = s.app.subsidies();
    let f = voucher_filter(&q);
    let r = sub
        .vouchers(
            p,
            &f,
            PageRequest::new(q.page.trim().parse().ok(), Some(20), 20),
        )
        .await?;
    let totals = sub
        .voucher_totals(p, &VoucherFilter { state: None, ..f })
        .await?;
    let issues = if sub.sees_voucher_issues(p) {
        sub.voucher_issues(p).await?
    } else {
        vec![]
    };
    let mut projects: Vec<(String, String)> = sub.project_names().await?.into_iter().collect();
    projects.sort_by(|a, b| a.1.cmp(&b.1));
    let dues = if sub.sees_batches(p) {
        sub.voucher_dues(p).await?
    } else {
        vec![]
    };
    let settlements = if sub.sees_voucher_settlements(p) {
        sub.voucher_settlements(p).await?
    } else {
        vec![]
    };
    let notice = match q.done.as_str() {
        "issued" => {
            Some("培训券已发放到持券人的社保卡，持券人可在“我的补贴”中查看和使用。".to_string())
        }
        "settled" => Some("结算单已生成，向机构付款后请登记付款流水号。".to_string()),
        "paid" => Some("已登记付款，并记入存证日志。".to_string()),
        "voided" => Some("培训券已作废，持券人不能再使用。".to_string()),
        _ => None,
    };
    let pages = r.pages();
    Ok(VouchersPage {
        layout: Layout::new("职业培训券", u, "/subsidies"),
        keeps: sub.keeps_policies(p),
        issues,
        most: totals.iter().map(|t| t.count).max().unwrap_or(0),
        totals,
        vouchers: r.items,
        total: r.total,
        page: r.page,
        pages,
        states: VoucherState::ALL
            .iter()
            .map(|x| (x.code(), x.label(), x.code() == q.state))
            .collect(),
        state: q.state,
        issue: q.issue,
        settlement: q.settlement,
        q: q.q,
        disburses: sub.disburses(p),
        dues,
        settlements,
        form,
        projects,
        categories: jineng_core::learners::PERSON_CATEGORIES.to_vec(),
        notice,
        errors,
        list_loaded: false,
    })
}

pub async fn vouchers(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<VouchersQuery>,
) -> Result<VouchersPage, PageError> {
    vouchers_page(&s, &u, q, IssueForm::default(), vec![]).await
}

pub async fn export_vouchers(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Query(q): Query<VouchersQuery>,
) -> Result<Response, PageError> {
    let bytes = s
        .app
        .subsidies()
        .export_vouchers(&u.principal, &ctx, &voucher_filter(&q))
        .await?;
    Ok(xlsx_response(bytes, "training-vouchers.xlsx"))
}

pub async fn issue_vouchers(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<IssueForm>,
) -> Result<Response, PageError> {
    let r = match keeper(&s, &u.principal) {
        Ok(()) => match (super::IssueText {
            name: f.name.clone(),
            value: f.value.clone(),
            project_ids: f.project_ids.clone(),
            valid_from: f.valid_from.clone(),
            valid_until: f.valid_until.clone(),
            method: f.method.clone(),
            list: f.list.clone(),
            categories: f.categories.clone(),
        })
        .parse()
        {
            Ok(i) => {
                s.app
                    .subsidies()
                    .issue_vouchers(&u.principal, &ctx, i)
                    .await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to("/subsidies/vouchers?done=issued").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                vouchers_page(&s, &u, VouchersQuery::default(), f, errors).await?,
            )
                .into_response())
        }
    }
}

/// Read a voucher list from an uploaded xlsx into the issue form, to be checked and then
/// issued (nothing is issued here).
pub async fn load_voucher_list(
    State(s): State<AppState>,
    u: PageUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    keeper(&s, &u.principal)?;
    let bad = || AppError::field("list_file", "请选择名单文件（.xlsx，不超过8MB）");
    let r = match mp {
        Ok(mut mp) => match crate::http::files::multipart_file(&mut mp, "list_file").await {
            Ok((_, bytes)) => {
                s.app
                    .subsidies()
                    .voucher_list_from_sheet(&u.principal, bytes)
                    .await
            }
            Err(()) => Err(bad()),
        },
        Err(_) => Err(bad()),
    };
    match r {
        Ok((list, n)) => {
            let form = IssueForm {
                method: "list".into(),
                list,
                ..IssueForm::default()
            };
            let mut page = vouchers_page(&s, &u, VouchersQuery::default(), form, vec![]).await?;
            page.notice = Some(format!(
                "已从表格读入{n}人，请核对名单、填写批次名称、面额和有效期后发放。"
            ));
            page.list_loaded = true;
            Ok(page.into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                vouchers_page(
                    &s,
                    &u,
                    VouchersQuery::default(),
                    IssueForm::default(),
                    errors,
                )
                .await?,
            )
                .into_response())
        }
    }
}

/// The voucher list template.
pub async fn voucher_list_template(
    State(s): State<AppState>,
    u: PageUser,
) -> Result<Response, PageError> {
    keeper(&s, &u.principal)?;
    Ok(crate::http::export::xlsx_response(
        jineng_app::subsidies::vouchers::voucher_list_template()?,
        "voucher-list-template.xlsx",
    ))
}

#[derive(Deserialize, Default)]
pub struct SettleForm {
    #[serde(default)]
    org_id: String,
}

pub async fn settle_vouchers(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<SettleForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .subsidies()
        .settle_vouchers(&u.principal, &ctx, &f.org_id)
        .await;
    vouchers_after(&s, &u, r.map(|_| "settled")).await
}

#[derive(Deserialize, Default)]
pub struct VoidForm {
    #[serde(default)]
    reason: String,
}

pub async fn void_voucher(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<VoidForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .subsidies()
        .void_voucher(&u.principal, &ctx, &id, &f.reason)
        .await;
    vouchers_after(&s, &u, r.map(|()| "voided")).await
}

#[derive(Deserialize, Default)]
pub struct PayForm {
    #[serde(default)]
    reference: String,
}

pub async fn pay_voucher_settlement(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<PayForm>,
) -> Result<Response, PageError> {
    let r = s
        .app
        .subsidies()
        .pay_voucher_settlement(&u.principal, &ctx, &id, &f.reference)
        .await;
    vouchers_after(&s, &u, r.map(|_| "paid")).await
}

/// After a settlement form: back to the vouchers page with a notice, or the page again
/// with what went wrong.
async fn vouchers_after(
    s: &AppState,
    u: &PageUser,
    r: Result<&'static str, AppError>,
) -> Result<Response, PageError> {
    match r {
        Ok(done) => Ok(Redirect::to(&format!("/subsidies/vouchers?done={done}")).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                vouchers_page(s, u, VouchersQuery::default(), IssueForm::default(), errors).await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct UseForm {
    #[serde(default)]
    class_id: String,
}

pub async fn use_voucher(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<UseForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .subsidies()
        .use_voucher(&u.principal, &ctx, &id, &f.class_id)
        .await
    {
        Ok(()) => Ok(Redirect::to("/subsidies?done=voucher_used").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, hub_page(&s, &u, HubQuery::default(), errors).await?).into_response())
        }
    }
}

pub async fn release_voucher(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s
        .app
        .subsidies()
        .release_voucher(&u.principal, &ctx, &id)
        .await
    {
        Ok(()) => Ok(Redirect::to("/subsidies?done=voucher_released").into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, hub_page(&s, &u, HubQuery::default(), errors).await?).into_response())
        }
    }
}

pub async fn redeem_vouchers(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s
        .app
        .subsidies()
        .redeem_vouchers(&u.principal, &ctx, &id)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}/subsidy?done=redeemed")).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, class_page(&s, &u, &id, None, errors).await?).into_response())
        }
    }
}

// ----- a claim's documents -----

pub async fn attach_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let too_big = || {
        AppError::field(
            "file",
            format!(
                "上传的内容无法读取，单个文件不能超过{}MB",
                jineng_core::documents::MAX_DOCUMENT_BYTES / 1024 / 1024
            ),
        )
    };
    let read = async {
        let mut mp = mp.map_err(|_| too_big())?;
        let (mut name, mut bytes) = (String::new(), Vec::new());
        while let Some(f) = mp.next_field().await.map_err(|_| too_big())? {
            if f.name() == Some("file") {
                name = f.file_name().unwrap_or("").to_string();
                bytes = f.bytes().await.map_err(|_| too_big())?.to_vec();
            }
        }
        Ok::<_, AppError>((name, bytes))
    };
    let r = match read.await {
        Ok((name, bytes)) => s
            .app
            .subsidies()
            .attach_document(&u.principal, &ctx, &id, &name, bytes)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    // A learner adding to their own claim goes back to 我的补贴 (the claim page is staff's).
    let own =
        !u.principal.can(Permission::ClaimSubsidies) && !u.principal.can(Permission::ViewSubsidies);
    match r {
        Ok(()) if own => Ok(Redirect::to("/subsidies?done=document").into_response()),
        Ok(()) => {
            Ok(Redirect::to(&format!("/subsidies/claims/{id}?done=document")).into_response())
        }
        Err(e) => {
            let (status, errors) = fixable(e)?;
            if own {
                return Ok(
                    (status, hub_page(&s, &u, HubQuery::default(), errors).await?).into_response(),
                );
            }
            Ok((status, claim_page(&s, &u, &id, None, errors).await?).into_response())
        }
    }
}

/// A claim's document, shown in the browser (PDF and images only, as sniffed).
pub async fn claim_document(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (d, bytes) = s
        .app
        .subsidies()
        .claim_document(&u.principal, &ctx, &id, &doc)
        .await?;
    Ok(crate::http::files::document_response(
        &d.content_type,
        &d.filename,
        bytes,
    ))
}
