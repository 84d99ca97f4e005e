//! Training vouchers (职业培训券, seed 001 §18): the province issues them to people's
//! social-security cards by list or by person category; a learner uses one for a class
//! they are enrolled in; the class's institution redeems the vouchers of learners who
//! completed; the report shows every voucher by state, expired ones included.
//!
//! The database holds the rules that span rows: one voucher per person and issue, one
//! voucher per person and class, a voucher bound to a class exactly while held or
//! redeemed. Every move is a conditional update on the state it leaves, so a voucher is
//! used once and redeemed once whatever arrives twice.

use super::Subsidies;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{self, Page, PageRequest};
use crate::write::{OnUnique, one_row};
use chrono::{DateTime, NaiveDate, Utc};
use jineng_core::Fen;
use jineng_core::accounts::{Permission, Role};
use jineng_core::classes::ClassStatus;
use jineng_core::completion::Outcome;
use jineng_core::vouchers::{self as rules, IssueMethod, VoucherState, VoucherStatus};
use jineng_evidence::entry::{Entry as Fact, Kind};
use jineng_store::accounts::user;
use jineng_store::classes::{class, enrollment};
use jineng_store::learners::profile;
use jineng_store::subsidies::{voucher, voucher_issue};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use serde::Serialize;
use std::collections::HashMap;

/// The most people one issue by category reaches.
const MAX_RULE_HOLDERS: usize = 100_000;
/// Rows inserted per statement.
const CHUNK: usize = 500;
/// Longest issue name.
const MAX_NAME_CHARS: usize = 100;

/// An issue as typed, parsed.
#[derive(Debug, Clone)]
pub struct IssueInput {
    pub name: String,
    pub value: Fen,
    /// Empty: every project.
    pub project_ids: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub method: IssueMethod,
    /// `身份证号,姓名` per line (method list).
    pub list: String,
    /// Person category codes (method rule).
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IssueView {
    pub id: String,
    pub number: String,
    pub name: String,
    pub method: &'static str,
    pub value: Fen,
    pub projects: String,
    pub valid_from: String,
    pub valid_until: String,
    pub issued: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VoucherView {
    pub id: String,
    pub number: String,
    pub name: String,
    pub value: Fen,
    pub projects: String,
    pub valid_from: String,
    pub valid_until: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub class_id: Option<String>,
    pub class_name: String,
    pub used_at: Option<DateTime<Utc>>,
    pub redeemed_at: Option<DateTime<Utc>>,
    /// Why the province voided it ('' unless void).
    pub void_reason: String,
}

/// A voucher on the holder's own page, with the classes it could pay for now.
#[derive(Debug, Clone, Serialize)]
pub struct MyVoucher {
    pub voucher: VoucherView,
    /// (class id, class name) it may be used for now.
    pub classes: Vec<(String, String)>,
    /// Held for a class that has not ended: the holder may take it back.
    pub may_release: bool,
}

/// Counts and value per state.
#[derive(Debug, Clone, Serialize)]
pub struct StateTotal {
    pub state: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub value: Fen,
}

#[derive(Debug, Clone, Default)]
pub struct VoucherFilter {
    pub state: Option<VoucherState>,
    pub issue_id: Option<String>,
    /// Voucher number or holder's name.
    pub q: Option<String>,
    /// The vouchers a settlement paid for.
    pub settlement_id: Option<String>,
}

/// A voucher used for a class, as the institution sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ClassVoucher {
    pub number: String,
    pub name: String,
    pub value: Fen,
    pub state_label: &'static str,
    pub outcome: &'static str,
    /// Redeemable once the class has ended: the learner completed.
    pub completed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Redeemed {
    pub redeemed: usize,
    pub value: Fen,
    /// Vouchers of learners who did not complete, returned to them.
    pub released: usize,
}

impl Subsidies<'_> {
    /// Issue vouchers. A list with any line naming nobody (bad ID number, no such
    /// learner, another name on record) issues nothing and names every such line.
    pub async fn issue_vouchers(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        i: IssueInput,
    ) -> AppResult<IssueView> {
        if !self.keeps_policies(who) {
            return Err(AppError::Forbidden);
        }
        let name = i.name.trim().to_string();
        let mut e = Vec::new();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            e.push(FieldError::new("name", "请填写批次名称（100字以内）"));
        } else if let Some(p) = jineng_core::text::plain_text_problem(&name) {
            e.push(FieldError::new("name", format!("批次名称{p}")));
        }
        if i.value.0 <= 0 || i.value > jineng_core::subsidies::MAX_AMOUNT {
            e.push(FieldError::new("value", "面额应大于0且不超过50000元"));
        }
        if i.valid_from > i.valid_until
            || !jineng_core::subsidies::Rules::date_in_range(i.valid_from)
            || !jineng_core::subsidies::Rules::date_in_range(i.valid_until)
        {
            e.push(FieldError::new(
                "valid_until",
                "有效期应在2000至2099年之间，且截止日不早于起始日",
            ));
        }
        if i.valid_until < self.today() {
            e.push(FieldError::new("valid_until", "有效期截止日已过"));
        }
        let projects = self.project_names().await?;
        let mut project_ids = i.project_ids.clone();
        project_ids.sort();
        project_ids.dedup();
        if let Some(p) = project_ids.iter().find(|p| !projects.contains_key(*p)) {
            e.push(FieldError::new(
                "project_ids",
                format!("培训项目“{p}”不存在"),
            ));
        }
        let mut categories = i.categories.clone();
        categories.sort();
        categories.dedup();
        let known: Vec<&str> = jineng_core::learners::PERSON_CATEGORIES
            .iter()
            .map(|(c, _)| *c)
            .collect();
        if let Some(c) = categories.iter().find(|c| !known.contains(&c.as_str())) {
            e.push(FieldError::new(
                "categories",
                format!("人员类别“{c}”不存在"),
            ));
        }
        if i.method == IssueMethod::Rule && categories.is_empty() {
            e.push(FieldError::new(
                "categories",
                "按人员类别发放时请至少选择一个类别",
            ));
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        // (user id, name, region) of every holder.
        let holders: Vec<(String, String, String)> = match i.method {
            IssueMethod::List => self.list_holders(&i.list).await?,
            IssueMethod::Rule => {
                let ps = profile::Entity::find()
                    .filter(profile::Column::PersonCategory.is_in(categories.clone()))
                    .order_by_asc(profile::Column::UserId)
                    .limit(MAX_RULE_HOLDERS as u64 + 1)
                    .all(&self.db)
                    .await?;
                if ps.len() > MAX_RULE_HOLDERS {
                    return Err(AppError::field(
                        "categories",
                        format!("所选类别超过 {MAX_RULE_HOLDERS} 人，请分批发放"),
                    ));
                }
                let names = self.names_of(ps.iter().map(|p| p.user_id.clone())).await?;
                ps.into_iter()
                    .map(|p| {
                        let n = names.get(&p.user_id).cloned().unwrap_or_default();
                        (p.user_id, n, p.region_code)
                    })
                    .collect()
            }
        };
        if holders.is_empty() {
            return Err(AppError::Conflict("没有符合条件的人员，未发放".into()));
        }
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let number = crate::orders::readable_number("QF", w.now);
        let joined = project_ids.join(",");
        let issue = voucher_issue::Model {
            id: id.clone(),
            number: number.clone(),
            name,
            method: i.method,
            value_fen: i.value.0,
            projects: joined.clone(),
            categories: categories.join(","),
            valid_from: i.valid_from.to_string(),
            valid_until: i.valid_until.to_string(),
            issued: i32::try_from(holders.len()).unwrap_or(i32::MAX),
            created_by: who.user_id.clone(),
            created_at: w.now,
        };
        voucher_issue::Entity::insert(voucher_issue::ActiveModel::from(issue.clone()).reset_all())
            .exec(&w.txn)
            .await
            .on_unique(|| {
                AppError::Conflict(
                    "已有同名的发放批次（同一批次不会重复发放；确需再发请另起名称）".into(),
                )
            })?;
        for (n, chunk) in holders.chunks(CHUNK).enumerate() {
            let rows =
                chunk
                    .iter()
                    .enumerate()
                    .map(|(k, (uid, nm, region))| voucher::ActiveModel {
                        id: Set(uuid::Uuid::now_v7().to_string()),
                        number: Set(format!("{number}{:06}", n * CHUNK + k + 1)),
                        issue_id: Set(id.clone()),
                        user_id: Set(uid.clone()),
                        name: Set(nm.clone()),
                        region_code: Set(region.clone()),
                        value_fen: Set(i.value.0),
                        projects: Set(joined.clone()),
                        valid_from: Set(issue.valid_from.clone()),
                        valid_until: Set(issue.valid_until.clone()),
                        status: Set(VoucherStatus::Issued),
                        class_id: Set(None),
                        org_id: Set(None),
                        used_at: Set(None),
                        redeemed_at: Set(None),
                        redeemed_by: Set(None),
                        ledger_idx: Set(None),
                        created_at: Set(w.now),
                        updated_at: Set(w.now),
                        settlement_id: Set(None),
                        void_reason: Set(String::new()),
                    });
            voucher::Entity::insert_many(rows)
                .exec(&w.txn)
                .await
                .on_unique(|| AppError::Conflict("同一人在本批次中重复".into()))?;
        }
        w.commit(Entry::ok(
            "voucher_issue.create",
            "voucher_issue",
            &id,
            serde_json::json!({"number": number, "method": i.method.code(), "value_fen": i.value.0, "holders": holders.len(), "projects": joined, "valid_from": issue.valid_from, "valid_until": issue.valid_until}),
        ))
        .await?;
        Ok(issue_view(issue, &projects))
    }

    /// The holders a list names: each must be a learner on the platform under that name.
    async fn list_holders(&self, text: &str) -> AppResult<Vec<(String, String, String)>> {
        let (named, mut refused) =
            rules::parse_holders(text).map_err(|m| AppError::field("list", m))?;
        let bidx: Vec<String> = named
            .iter()
            .map(|h| {
                self.keyring
                    .blind_index(PiiKind::IdNumber, h.id_number.as_str())
            })
            .collect();
        let mut users: HashMap<String, user::Model> = HashMap::new();
        for chunk in bidx.chunks(CHUNK) {
            for u in user::Entity::find()
                .filter(user::Column::IdNumberBidx.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                if let Some(b) = u.id_number_bidx.clone() {
                    users.insert(b, u);
                }
            }
        }
        let ids: Vec<String> = users.values().map(|u| u.id.clone()).collect();
        let mut regions: HashMap<String, String> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            for p in profile::Entity::find()
                .filter(profile::Column::UserId.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                regions.insert(p.user_id, p.region_code);
            }
        }
        let mut out = Vec::with_capacity(named.len());
        for (h, b) in named.iter().zip(&bidx) {
            let refuse = |reason: &str| rules::Refused {
                line: h.line,
                who: format!(
                    "{},{}",
                    jineng_core::mask::id_number(h.id_number.as_str()),
                    h.name.as_str()
                ),
                reason: reason.to_string(),
            };
            match users.get(b) {
                None => refused.push(refuse("平台上没有此身份证号的人员")),
                Some(u) if u.display_name != h.name.as_str() => {
                    refused.push(refuse("姓名与平台登记的不一致"))
                }
                Some(u) => match regions.get(&u.id) {
                    None => refused.push(refuse("此人不是学员")),
                    Some(r) => out.push((u.id.clone(), u.display_name.clone(), r.clone())),
                },
            }
        }
        if !refused.is_empty() {
            refused.sort_by_key(|r| r.line);
            let total = refused.len();
            let mut e: Vec<FieldError> = refused
                .into_iter()
                .take(50)
                .map(|r| {
                    let who = if r.who.is_empty() {
                        String::new()
                    } else {
                        format!("（{}）", r.who)
                    };
                    FieldError::new("list", format!("第{}行{who}：{}", r.line, r.reason))
                })
                .collect();
            if total > 50 {
                e.push(FieldError::new(
                    "list",
                    format!("另有 {} 行有误未列出", total - 50),
                ));
            }
            e.push(FieldError::new(
                "list",
                "名单有误，本次未发放任何培训券；请改正后重新提交",
            ));
            return Err(AppError::Validation(e));
        }
        Ok(out)
    }

    async fn names_of(
        &self,
        ids: impl Iterator<Item = String>,
    ) -> AppResult<HashMap<String, String>> {
        let ids: Vec<String> = ids.collect();
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            for u in user::Entity::find()
                .filter(user::Column::Id.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                out.insert(u.id, u.display_name);
            }
        }
        Ok(out)
    }

    /// Every issue, newest first (the province's regulators and the platform's admins).
    pub async fn voucher_issues(&self, who: &Principal) -> AppResult<Vec<IssueView>> {
        if !self.sees_voucher_issues(who) {
            return Err(AppError::Forbidden);
        }
        let projects = self.project_names().await?;
        Ok(voucher_issue::Entity::find()
            .order_by_desc(voucher_issue::Column::CreatedAt)
            .limit(200)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| issue_view(i, &projects))
            .collect())
    }

    /// Whether the caller sees the issues: the province's regulators and the platform's
    /// administrators who see data (as for disbursement batches).
    pub fn sees_voucher_issues(&self, who: &Principal) -> bool {
        self.sees_batches(who)
    }

    fn scoped_vouchers(
        &self,
        who: &Principal,
        f: &VoucherFilter,
    ) -> AppResult<Select<voucher::Entity>> {
        let mut q = self.list_scoped::<voucher::Entity>(who, Permission::ViewSubsidies)?;
        if let Some(s) = f.state {
            q = q.filter(state_condition(s, self.today()));
        }
        if let Some(i) = f.issue_id.as_deref().filter(|i| !i.is_empty()) {
            q = q.filter(voucher::Column::IssueId.eq(i));
        }
        if let Some(i) = f.settlement_id.as_deref().filter(|i| !i.is_empty()) {
            q = q.filter(voucher::Column::SettlementId.eq(i));
        }
        if let Some(t) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            q = q.filter(
                Condition::any()
                    .add(crate::page::contains(voucher::Column::Number, t))
                    .add(voucher::Column::Name.eq(t)),
            );
        }
        Ok(q)
    }

    /// Vouchers in the caller's scope (regulators: holders of their region; institutions:
    /// vouchers used for their classes).
    pub async fn vouchers(
        &self,
        who: &Principal,
        f: &VoucherFilter,
        r: PageRequest,
    ) -> AppResult<Page<VoucherView>> {
        let q = self.scoped_vouchers(who, f)?;
        let rows = page::fetch(
            &self.db,
            q.order_by_desc(voucher::Column::CreatedAt)
                .order_by_asc(voucher::Column::Number),
            r,
        )
        .await?;
        let items = self.voucher_views(rows.items).await?;
        Ok(Page {
            items,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }

    /// How many vouchers, of what value, in each state (the filter's issue and text apply).
    pub async fn voucher_totals(
        &self,
        who: &Principal,
        f: &VoucherFilter,
    ) -> AppResult<Vec<StateTotal>> {
        let mut out = Vec::new();
        for st in VoucherState::ALL {
            let g = VoucherFilter {
                state: Some(st),
                ..f.clone()
            };
            let (count, value): (i64, i64) = self
                .scoped_vouchers(who, &g)?
                .select_only()
                .column_as(Expr::cust("COUNT(*)"), "n")
                .column_as(
                    Expr::cust("CAST(COALESCE(SUM(\"value_fen\"), 0) AS BIGINT)"),
                    "v",
                )
                .into_tuple()
                .one(&self.db)
                .await?
                .unwrap_or((0, 0));
            out.push(StateTotal {
                state: st.code(),
                label: st.label(),
                count,
                value: Fen(value),
            });
        }
        Ok(out)
    }

    /// The vouchers as filtered, as an xlsx workbook (at most 100,000 rows).
    pub async fn export_vouchers(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        f: &VoucherFilter,
    ) -> AppResult<Vec<u8>> {
        let mut rows = Vec::new();
        for n in 1.. {
            let p = self
                .vouchers(who, f, PageRequest::new(Some(n), Some(500), 500))
                .await?;
            let short = p.items.len() < 500;
            rows.extend(p.items.into_iter().map(|v| {
                vec![
                    v.number,
                    v.name,
                    v.value.to_string(),
                    v.projects,
                    format!("{} 至 {}", v.valid_from, v.valid_until),
                    v.state_label.to_string(),
                    v.state.to_string(),
                    v.class_name,
                    v.redeemed_at
                        .map(crate::orders::china_time)
                        .unwrap_or_default(),
                ]
            }));
            if short || rows.len() >= 100_000 {
                break;
            }
        }
        let bytes = crate::export::xlsx(
            "职业培训券",
            &[
                "券号",
                "持券人",
                "面额（元）",
                "适用项目",
                "有效期",
                "状态",
                "状态代码",
                "培训班",
                "兑付时间",
            ],
            &rows,
        )?;
        self.audit()
            .record_export(
                who,
                ctx,
                "voucher",
                serde_json::json!({"state": f.state.map(|s| s.code()), "issue": f.issue_id}),
                rows.len(),
            )
            .await?;
        Ok(bytes)
    }

    async fn voucher_views(&self, rows: Vec<voucher::Model>) -> AppResult<Vec<VoucherView>> {
        let projects = self.project_names().await?;
        let class_ids: Vec<String> = rows.iter().filter_map(|v| v.class_id.clone()).collect();
        let classes: HashMap<String, String> = class::Entity::find()
            .filter(class::Column::Id.is_in(class_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let today = self.today();
        Ok(rows
            .into_iter()
            .map(|v| {
                let st = voucher_state(&v, today);
                VoucherView {
                    class_name: v
                        .class_id
                        .as_ref()
                        .and_then(|c| classes.get(c).cloned())
                        .unwrap_or_default(),
                    projects: projects_text(&v.projects, &projects),
                    value: Fen(v.value_fen),
                    state: st.code(),
                    state_label: st.label(),
                    id: v.id,
                    number: v.number,
                    name: v.name,
                    valid_from: v.valid_from,
                    valid_until: v.valid_until,
                    class_id: v.class_id,
                    used_at: v.used_at,
                    redeemed_at: v.redeemed_at,
                    void_reason: v.void_reason,
                }
            })
            .collect())
    }

    /// A learner's own vouchers, each with the classes it could pay for now.
    pub async fn my_vouchers(&self, who: &Principal) -> AppResult<Vec<MyVoucher>> {
        if !who.has_role(Role::Learner) {
            return Ok(vec![]);
        }
        let rows = voucher::Entity::find()
            .filter(voucher::Column::UserId.eq(who.user_id.clone()))
            .order_by_desc(voucher::Column::CreatedAt)
            .order_by_desc(voucher::Column::Number)
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let open = self.open_classes_of(&who.user_id).await?;
        let used_in: Vec<String> = rows.iter().filter_map(|v| v.class_id.clone()).collect();
        let today = self.today();
        let states: Vec<VoucherState> = rows.iter().map(|v| voucher_state(v, today)).collect();
        let releasable = self.releasable_classes(&used_in).await?;
        let held_open: Vec<bool> = rows
            .iter()
            .map(|v| {
                v.status == VoucherStatus::Held
                    && v.class_id.as_ref().is_some_and(|c| releasable.contains(c))
            })
            .collect();
        let projects: Vec<Vec<String>> = rows.iter().map(|v| split(&v.projects)).collect();
        let views = self.voucher_views(rows).await?;
        Ok(views
            .into_iter()
            .zip(states)
            .zip(held_open)
            .zip(projects)
            .map(|(((v, st), may_release), ps)| MyVoucher {
                classes: if st == VoucherState::Usable {
                    open.iter()
                        .filter(|c| rules::covers(&ps, &c.project_id) && !used_in.contains(&c.id))
                        .map(|c| (c.id.clone(), c.name.clone()))
                        .collect()
                } else {
                    vec![]
                },
                may_release,
                voucher: v,
            })
            .collect())
    }

    /// Of these classes, those a voucher held for may be taken back from: training has not
    /// begun, or the class was cancelled. Once training runs the voucher is committed to
    /// it (the institution redeems it, or gives it back, when the class ends).
    async fn releasable_classes(&self, ids: &[String]) -> AppResult<Vec<String>> {
        Ok(class::Entity::find()
            .filter(class::Column::Id.is_in(ids.to_vec()))
            .filter(class::Column::Status.is_in([
                ClassStatus::Draft,
                ClassStatus::Submitted,
                ClassStatus::Approved,
                ClassStatus::Returned,
                ClassStatus::Cancelled,
            ]))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect())
    }

    /// Classes a learner is in that have not ended.
    async fn open_classes_of(&self, user_id: &str) -> AppResult<Vec<class::Model>> {
        let ids: Vec<String> = enrollment::Entity::find()
            .filter(enrollment::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.class_id)
            .collect();
        Ok(class::Entity::find()
            .filter(class::Column::Id.is_in(ids))
            .filter(
                class::Column::Status.is_not_in([ClassStatus::Completed, ClassStatus::Cancelled]),
            )
            .order_by_asc(class::Column::StartDate)
            .all(&self.db)
            .await?)
    }

    /// A learner uses a voucher for a class they are in that has not ended.
    pub async fn use_voucher(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        voucher_id: &str,
        class_id: &str,
    ) -> AppResult<()> {
        who.require(Role::Learner)?;
        let v = voucher::Entity::find_by_id(voucher_id.to_string())
            .filter(voucher::Column::UserId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训券"))?;
        if class_id.trim().is_empty() {
            return Err(AppError::field("class_id", "请选择培训班"));
        }
        let today = self.today();
        match voucher_state(&v, today) {
            VoucherState::Usable => {}
            VoucherState::Expired => {
                return Err(AppError::Conflict(format!(
                    "培训券已于 {} 过期，不能再使用",
                    v.valid_until
                )));
            }
            VoucherState::NotYet => {
                return Err(AppError::Conflict(format!(
                    "培训券自 {} 起才能使用",
                    v.valid_from
                )));
            }
            s => {
                return Err(AppError::Conflict(format!(
                    "培训券{}，不能再次使用",
                    s.label()
                )));
            }
        }
        let open = self.open_classes_of(&who.user_id).await?;
        let c = open
            .iter()
            .find(|c| c.id == class_id)
            .ok_or_else(|| AppError::field("class_id", "只能用于本人所在、尚未结业的培训班"))?;
        if !rules::covers(&split(&v.projects), &c.project_id) {
            return Err(AppError::Conflict("该培训券不适用于本班的培训项目".into()));
        }
        let w = self.write(who, ctx).await?;
        let res = voucher::Entity::update_many()
            .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Held))
            .col_expr(voucher::Column::ClassId, Expr::value(Some(c.id.clone())))
            .col_expr(voucher::Column::OrgId, Expr::value(Some(c.org_id.clone())))
            .col_expr(voucher::Column::UsedAt, Expr::value(Some(w.now)))
            .col_expr(voucher::Column::UpdatedAt, Expr::value(w.now))
            .filter(voucher::Column::Id.eq(v.id.clone()))
            .filter(voucher::Column::Status.eq(VoucherStatus::Issued))
            .filter(voucher::Column::ValidUntil.gte(today.to_string()))
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::Conflict("本班已使用过一张培训券".into()))?;
        one_row(res, "培训券已被使用，请刷新后再看")?;
        w.commit(Entry::ok(
            "voucher.use",
            "voucher",
            &v.id,
            serde_json::json!({"number": v.number, "class": c.id}),
        ))
        .await
    }

    /// The province voids an unused voucher (issued, whether or not still valid), with
    /// the reason; a voucher used for a class cannot be voided.
    pub async fn void_voucher(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        voucher_id: &str,
        reason: &str,
    ) -> AppResult<()> {
        if !self.keeps_policies(who) {
            return Err(AppError::Forbidden);
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(AppError::field("reason", "请填写作废原因（不超过200个字）"));
        }
        if let Some(m) = jineng_core::text::plain_text_problem(reason) {
            return Err(AppError::field("reason", format!("作废原因{m}")));
        }
        let v = voucher::Entity::find_by_id(voucher_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训券"))?;
        if v.status != VoucherStatus::Issued {
            return Err(AppError::Conflict(format!(
                "培训券{}，只能作废尚未使用的培训券",
                v.status.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        let res = voucher::Entity::update_many()
            .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Void))
            .col_expr(voucher::Column::VoidReason, Expr::value(reason.to_string()))
            .col_expr(voucher::Column::UpdatedAt, Expr::value(w.now))
            .filter(voucher::Column::Id.eq(v.id.clone()))
            .filter(voucher::Column::Status.eq(VoucherStatus::Issued))
            .exec(&w.txn)
            .await?;
        one_row(res, "培训券刚被使用，不能作废，请刷新后再看")?;
        w.commit(Entry::ok(
            "voucher.void",
            "voucher",
            &v.id,
            serde_json::json!({"number": v.number, "reason": reason}),
        ))
        .await
    }

    /// A learner takes back a voucher held for a class that has not ended.
    pub async fn release_voucher(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        voucher_id: &str,
    ) -> AppResult<()> {
        who.require(Role::Learner)?;
        let v = voucher::Entity::find_by_id(voucher_id.to_string())
            .filter(voucher::Column::UserId.eq(who.user_id.clone()))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("培训券"))?;
        let releasable = self.releasable_classes(v.class_id.as_slice()).await?;
        let Some(class_id) = v
            .class_id
            .clone()
            .filter(|c| v.status == VoucherStatus::Held && releasable.contains(c))
        else {
            return Err(AppError::Conflict(
                "只有用于尚未开班或已取消的培训班的培训券可以撤回".into(),
            ));
        };
        let w = self.write(who, ctx).await?;
        let res = release(&w, &v.id, w.now).await?;
        one_row(res, "培训券状态刚刚变化，请刷新后再看")?;
        w.commit(Entry::ok(
            "voucher.release",
            "voucher",
            &v.id,
            serde_json::json!({"number": v.number, "class": class_id}),
        ))
        .await
    }

    /// The vouchers used for a class, as its institution sees them.
    pub async fn class_vouchers(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<ClassVoucher>> {
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ClaimSubsidies, class_id)
            .await?;
        let roster: HashMap<String, Outcome> = self
            .classes()
            .roster(&c.id)
            .await?
            .into_iter()
            .map(|l| (l.user_id, l.outcome))
            .collect();
        let today = self.today();
        Ok(voucher::Entity::find()
            .filter(voucher::Column::ClassId.eq(c.id.clone()))
            .order_by_asc(voucher::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| {
                let o = roster.get(&v.user_id).copied();
                ClassVoucher {
                    state_label: voucher_state(&v, today).label(),
                    outcome: o.map(|o| o.label()).unwrap_or("已不在本班"),
                    completed: o == Some(Outcome::Completed),
                    number: v.number,
                    name: v.name,
                    value: Fen(v.value_fen),
                }
            })
            .collect())
    }

    /// The institution redeems the vouchers of a completed class: those of learners who
    /// completed are spent (and entered in the evidence log); the others go back to their
    /// holders.
    pub async fn redeem_vouchers(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
    ) -> AppResult<Redeemed> {
        if !who.can(Permission::ClaimSubsidies) {
            return Err(AppError::Forbidden);
        }
        let c = self
            .find_scoped::<class::Entity>(who, Permission::ClaimSubsidies, class_id)
            .await?;
        if c.status != ClassStatus::Completed {
            return Err(AppError::Conflict(format!(
                "培训班结业后才能兑付培训券（本班：{}）",
                c.status.label()
            )));
        }
        let held = voucher::Entity::find()
            .filter(voucher::Column::ClassId.eq(c.id.clone()))
            .filter(voucher::Column::Status.eq(VoucherStatus::Held))
            .all(&self.db)
            .await?;
        if held.is_empty() {
            return Err(AppError::Conflict("本班没有待兑付的培训券".into()));
        }
        let completed: std::collections::HashSet<String> = self
            .classes()
            .roster(&c.id)
            .await?
            .into_iter()
            .filter(|l| l.outcome == Outcome::Completed)
            .map(|l| l.user_id)
            .collect();
        let w = self.write(who, ctx).await?;
        let (mut redeemed, mut value, mut released) = (0usize, 0i64, 0usize);
        for v in &held {
            if !completed.contains(&v.user_id) {
                let res = release(&w, &v.id, w.now).await?;
                one_row(res, "培训券状态刚刚变化，请刷新后重试")?;
                released += 1;
                continue;
            }
            let at = crate::ledger::append(
                &w.txn,
                &Fact {
                    kind: Kind::VoucherRedemption,
                    record_id: v.number.clone(),
                    record_sha256: jineng_core::archive::sha256(&rules::redemption_record(
                        &v.number,
                        &v.user_id,
                        &c.id,
                        Fen(v.value_fen),
                    )),
                    at_micros: w.now.timestamp_micros(),
                    org_id: c.org_id.clone(),
                },
            )
            .await?;
            let res = voucher::Entity::update_many()
                .col_expr(
                    voucher::Column::Status,
                    Expr::value(VoucherStatus::Redeemed),
                )
                .col_expr(voucher::Column::RedeemedAt, Expr::value(Some(w.now)))
                .col_expr(
                    voucher::Column::RedeemedBy,
                    Expr::value(Some(who.user_id.clone())),
                )
                .col_expr(
                    voucher::Column::LedgerIdx,
                    Expr::value(i64::try_from(at.index).ok()),
                )
                .col_expr(voucher::Column::UpdatedAt, Expr::value(w.now))
                .filter(voucher::Column::Id.eq(v.id.clone()))
                .filter(voucher::Column::Status.eq(VoucherStatus::Held))
                .exec(&w.txn)
                .await?;
            one_row(res, "培训券刚被兑付，请刷新后再看")?;
            redeemed += 1;
            value += v.value_fen;
        }
        w.commit(Entry::ok(
            "voucher.redeem",
            "class",
            &c.id,
            serde_json::json!({"redeemed": redeemed, "value_fen": value, "released": released}),
        ))
        .await?;
        Ok(Redeemed {
            redeemed,
            value: Fen(value),
            released,
        })
    }

    /// How many vouchers a class holds now (for the class's page).
    pub async fn held_vouchers(&self, class_id: &str) -> AppResult<u64> {
        Ok(voucher::Entity::find()
            .filter(voucher::Column::ClassId.eq(class_id))
            .filter(voucher::Column::Status.eq(VoucherStatus::Held))
            .count(&self.db)
            .await?)
    }
}

/// Back to its holder, unbound from the class.
async fn release(
    w: &crate::write::Write<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> AppResult<sea_orm::UpdateResult> {
    Ok(voucher::Entity::update_many()
        .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Issued))
        .col_expr(
            voucher::Column::ClassId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(voucher::Column::OrgId, Expr::value(Option::<String>::None))
        .col_expr(
            voucher::Column::UsedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(voucher::Column::UpdatedAt, Expr::value(now))
        .filter(voucher::Column::Id.eq(id))
        .filter(voucher::Column::Status.eq(VoucherStatus::Held))
        .exec(&w.txn)
        .await?)
}

fn voucher_state(v: &voucher::Model, today: NaiveDate) -> VoucherState {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
    rules::state(v.status, d(&v.valid_from), d(&v.valid_until), today)
}

/// The rows in a state on `today`, as SQL.
fn state_condition(s: VoucherState, today: NaiveDate) -> Condition {
    let t = today.to_string();
    let issued = voucher::Column::Status.eq(VoucherStatus::Issued);
    match s {
        VoucherState::Usable => Condition::all()
            .add(issued)
            .add(voucher::Column::ValidFrom.lte(t.clone()))
            .add(voucher::Column::ValidUntil.gte(t)),
        VoucherState::NotYet => Condition::all()
            .add(issued)
            .add(voucher::Column::ValidFrom.gt(t)),
        VoucherState::Expired => Condition::all()
            .add(issued)
            .add(voucher::Column::ValidUntil.lt(t)),
        VoucherState::Held => Condition::all().add(voucher::Column::Status.eq(VoucherStatus::Held)),
        VoucherState::Redeemed => {
            Condition::all().add(voucher::Column::Status.eq(VoucherStatus::Redeemed))
        }
        VoucherState::Void => Condition::all().add(voucher::Column::Status.eq(VoucherStatus::Void)),
    }
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn projects_text(ids: &str, names: &HashMap<String, String>) -> String {
    let ids = split(ids);
    if ids.is_empty() {
        return "全部培训项目".into();
    }
    ids.iter()
        .map(|i| names.get(i).cloned().unwrap_or_else(|| i.clone()))
        .collect::<Vec<_>>()
        .join("、")
}

fn issue_view(i: voucher_issue::Model, projects: &HashMap<String, String>) -> IssueView {
    IssueView {
        projects: projects_text(&i.projects, projects),
        method: i.method.label(),
        value: Fen(i.value_fen),
        id: i.id,
        number: i.number,
        name: i.name,
        valid_from: i.valid_from,
        valid_until: i.valid_until,
        issued: i.issued,
        created_at: i.created_at,
    }
}

/// The columns of a voucher list sheet (名单导入).
pub const LIST_HEADERS: [&str; 2] = ["身份证号", "姓名"];
/// The most people one list sheet may name.
pub const MAX_LIST_ROWS: usize = 20_000;

impl Subsidies<'_> {
    /// Read a voucher list from an uploaded xlsx (hostile until parsed: size, unpacked
    /// size, rows and time are limited by the sheet reader) into the `身份证号,姓名` lines
    /// of the issue form, for the regulator to check before issuing. Every row whose ID
    /// number Excel stored as a number (losing digits) is named; nothing is written.
    pub async fn voucher_list_from_sheet(
        &self,
        who: &Principal,
        bytes: Vec<u8>,
    ) -> AppResult<(String, usize)> {
        if !self.keeps_policies(who) {
            return Err(AppError::Forbidden);
        }
        if bytes.is_empty() {
            return Err(AppError::field("list_file", "请选择名单文件（.xlsx）"));
        }
        let table = tokio::task::spawn_blocking(move || {
            jineng_sheet::read_table(
                &bytes,
                &LIST_HEADERS,
                &jineng_sheet::Limits {
                    max_rows: MAX_LIST_ROWS,
                    ..jineng_sheet::Limits::default()
                },
            )
        })
        .await
        .map_err(|e| AppError::Internal(format!("sheet reader: {e}")))?
        .map_err(|e| AppError::field("list_file", e.to_string()))?;
        let mut lines = Vec::with_capacity(table.rows.len());
        let mut errors = Vec::new();
        for r in &table.rows {
            let (Some(id), Some(name)) = (r.cells.first(), r.cells.get(1)) else {
                continue;
            };
            if id.kind == jineng_sheet::Kind::Number {
                errors.push(FieldError::new(
                    "list_file",
                    format!(
                        "第{}行：身份证号被 Excel 存成了数字（末尾几位会丢失），请把该列设置为“文本”格式后重新填写",
                        r.number
                    ),
                ));
                continue;
            }
            if id.text.contains(',') || name.text.contains(',') {
                errors.push(FieldError::new(
                    "list_file",
                    format!("第{}行：身份证号和姓名中不能有逗号", r.number),
                ));
                continue;
            }
            lines.push(format!("{},{}", id.text, name.text));
        }
        if !errors.is_empty() {
            errors.truncate(20);
            return Err(AppError::Validation(errors));
        }
        if lines.is_empty() {
            return Err(AppError::field("list_file", "表格中没有数据行"));
        }
        let n = lines.len();
        Ok((lines.join("\n"), n))
    }
}

/// The voucher list template: the two columns as text, with one example row.
pub fn voucher_list_template() -> AppResult<Vec<u8>> {
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("培训券发放名单").map_err(xl)?;
    for (c, h) in LIST_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
        ws.set_column_format(c as u16, &text).map_err(xl)?;
        ws.set_column_width(c as u16, 24).map_err(xl)?;
    }
    ws.write_string_with_format(1, 0, "11010519491231002X", &text)
        .map_err(xl)?;
    ws.write_string_with_format(1, 1, "张三", &text)
        .map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}
