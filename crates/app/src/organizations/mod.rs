//! Institutions and enterprises: self-registration with an administrator account,
//! review by the regulator of their region (approve / return with a reason), resubmission
//! with every version kept, suspension, reinstatement, revocation and annual reviews.
//! Never lets an organisation see another's record, nor a regulator outside its region.

pub mod documents;
use crate::App;
use crate::accounts::users::NewUser;
use crate::audit::{Actor, Entry};
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{self, Page, PageRequest};
use crate::review::{ReviewRecord, Reviewed, verdict};
use crate::write::{OnUnique, Write, one_row};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jineng_core::accounts::{Permission, Role};
use jineng_core::organizations::AnnualResult;
use jineng_core::organizations::{self as org, OrgAction, OrgKind, OrgStatus};
use jineng_core::review::{Decision, MAX_REASON_CHARS, ReviewStatus, ReviewSubject, Verdict};
use jineng_core::{BankAccount, CreditCode, IdNumber, Phone, RegionCode, mask};
use jineng_store::organizations::{annual_review, organization, version};
use jineng_store::reference::region;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

/// A registration as typed, parsed into domain types by the caller's edge.
#[derive(Debug, Clone)]
pub struct OrgInput {
    pub kind: OrgKind,
    pub name: String,
    pub credit_code: CreditCode,
    pub region: RegionCode,
    pub address: String,
    pub legal_rep_name: String,
    pub legal_rep_id: IdNumber,
    pub contact_name: String,
    pub contact_phone: Phone,
    pub nature: String,
    pub institution_type: String,
    pub designated: bool,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account: BankAccount,
    pub training_scale: i32,
    pub site_area: i32,
    pub licence_no: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// The administrator account created with a registration.
#[derive(Debug, Clone)]
pub struct AdminAccount {
    pub username: String,
    pub password: String,
    pub display_name: String,
    /// The SMS code sent to the contact phone (`learners().send_code(…, "org_register")`).
    pub code: String,
}

/// A registration just made: the organisation and its administrator, who may be signed
/// in at once (`accounts().start_session`).
#[derive(Debug)]
pub struct Registered {
    pub org_id: String,
    pub admin: crate::accounts::auth::NewAccount,
}

/// A registration as shown to a caller; personal and bank data masked unless permitted.
#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub id: String,
    pub kind: OrgKind,
    pub kind_label: &'static str,
    pub name: String,
    pub credit_code: String,
    pub region_code: String,
    pub region_name: String,
    pub address: String,
    pub legal_rep_name: String,
    pub legal_rep_id: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub nature: String,
    pub nature_label: String,
    pub institution_type: String,
    pub institution_type_label: String,
    pub designated: bool,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account: String,
    pub training_scale: i32,
    pub site_area: i32,
    pub licence_no: String,
    pub valid_from: String,
    pub valid_until: String,
    pub status: OrgStatus,
    pub status_label: &'static str,
    pub status_reason: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub status: Option<OrgStatus>,
    pub q: Option<String>,
    pub region: Option<RegionCode>,
}

fn len_between(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    v: &str,
    min: usize,
    max: usize,
) {
    let n = v.trim().chars().count();
    if n < min || n > max {
        let msg = if min > 0 && n < min {
            format!("{label}不能为空")
        } else {
            format!("{label}不能超过{max}个字符")
        };
        errors.push(FieldError::new(field, msg));
    }
}

bounded_context!(
    /// Institutions and enterprises: registration, review, sanctions, annual reviews and
    /// registration documents.
    Organizations,
    organizations
);

/// One submitted version of a registration and the decision on it.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: i32,
    /// The submitted fields (personal data masked).
    pub snapshot: serde_json::Value,
    pub submitted_at: DateTime<Utc>,
    pub decision: ReviewStatus,
    pub decision_label: &'static str,
    pub reason: String,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One annual review (年审).
#[derive(Debug, Clone, Serialize)]
pub struct AnnualReviewView {
    pub year: i32,
    pub result: AnnualResult,
    pub remarks: String,
    pub reviewed_at: DateTime<Utc>,
}

impl Organizations<'_> {
    /// Rules that need the database or look across fields.
    async fn check(&self, i: &OrgInput, except_id: Option<&str>) -> AppResult<Vec<FieldError>> {
        let mut e = Vec::new();
        len_between(&mut e, "name", "名称", &i.name, 2, 100);
        len_between(&mut e, "address", "地址", &i.address, 2, 200);
        len_between(
            &mut e,
            "legal_rep_name",
            "法定代表人姓名",
            &i.legal_rep_name,
            2,
            50,
        );
        len_between(&mut e, "contact_name", "联系人", &i.contact_name, 2, 50);
        len_between(&mut e, "bank_name", "开户银行", &i.bank_name, 2, 100);
        len_between(
            &mut e,
            "bank_account_name",
            "开户名",
            &i.bank_account_name,
            2,
            100,
        );
        len_between(&mut e, "licence_no", "许可证号", &i.licence_no, 0, 100);
        for (field, label, v) in [
            ("name", "名称", &i.name),
            ("address", "地址", &i.address),
            ("bank_name", "开户银行", &i.bank_name),
            ("bank_account_name", "开户名", &i.bank_account_name),
            ("licence_no", "许可证号", &i.licence_no),
        ] {
            if let Some(m) = jineng_core::text::plain_text_problem(v) {
                e.push(FieldError::new(field, format!("{label}{m}")));
            }
        }
        for (field, label, v) in [
            ("legal_rep_name", "法定代表人", &i.legal_rep_name),
            ("contact_name", "联系人", &i.contact_name),
        ] {
            if let Err(m) = jineng_core::learners::check_person_name(v) {
                e.push(FieldError::new(field, format!("{label}{m}")));
            }
        }
        if i.legal_rep_id.age_on(self.today()) < 18 {
            e.push(FieldError::new("legal_rep_id", "法定代表人应年满18周岁"));
        }
        if let Some(m) = self.county_problem(&i.region).await? {
            e.push(FieldError::new("region_code", m));
        }
        if i.kind == OrgKind::Institution {
            if org::nature_label(&i.nature).is_none() {
                e.push(FieldError::new("nature", "请选择机构性质"));
            }
            if org::institution_type_label(&i.institution_type).is_none() {
                e.push(FieldError::new("institution_type", "请选择机构类型"));
            }
        }
        if !(0..=1_000_000).contains(&i.training_scale) {
            e.push(FieldError::new(
                "training_scale",
                "培训规模应为0至1000000之间的整数",
            ));
        }
        if !(0..=10_000_000).contains(&i.site_area) {
            e.push(FieldError::new(
                "site_area",
                "场所面积应为0至10000000之间的整数（平方米）",
            ));
        }
        if let (Some(a), Some(b)) = (i.valid_from, i.valid_until)
            && b < a
        {
            e.push(FieldError::new(
                "valid_until",
                "有效期截止日期不能早于起始日期",
            ));
        }
        let dup = organization::Entity::find()
            .filter(organization::Column::CreditCode.eq(i.credit_code.as_str()))
            .one(&self.db)
            .await?;
        if dup.is_some_and(|d| Some(d.id.as_str()) != except_id) {
            e.push(FieldError::new("credit_code", "该统一社会信用代码已注册"));
        }
        Ok(e)
    }

    fn fill(
        &self,
        am: &mut organization::ActiveModel,
        org_id: &str,
        i: &OrgInput,
    ) -> AppResult<()> {
        let enc = |v: &str, column: &'static str| {
            self.keyring
                .encrypt(
                    v,
                    crate::crypto::pii::Place::new("organizations", column, org_id),
                )
                .map_err(|e| AppError::Internal(e.to_string()))
        };
        am.kind = Set(i.kind);
        am.name = Set(i.name.trim().into());
        am.credit_code = Set(i.credit_code.as_str().into());
        am.region_code = Set(i.region.as_str().into());
        am.address = Set(i.address.trim().into());
        am.legal_rep_name = Set(jineng_core::learners::normal_person_name(&i.legal_rep_name));
        am.legal_rep_id_enc = Set(enc(i.legal_rep_id.as_str(), "legal_rep_id_enc")?);
        am.legal_rep_id_bidx = Set(self
            .keyring
            .blind_index(PiiKind::IdNumber, i.legal_rep_id.as_str()));
        am.contact_name = Set(jineng_core::learners::normal_person_name(&i.contact_name));
        am.contact_phone_enc = Set(enc(i.contact_phone.as_str(), "contact_phone_enc")?);
        let inst = i.kind == OrgKind::Institution;
        am.nature = Set(if inst {
            i.nature.clone()
        } else {
            String::new()
        });
        am.institution_type = Set(if inst {
            i.institution_type.clone()
        } else {
            String::new()
        });
        am.designated = Set(inst && i.designated);
        am.bank_name = Set(i.bank_name.trim().into());
        am.bank_account_name = Set(i.bank_account_name.trim().into());
        am.bank_account_enc = Set(enc(i.bank_account.as_str(), "bank_account_enc")?);
        am.training_scale = Set(i.training_scale);
        am.site_area = Set(i.site_area);
        am.licence_no = Set(i.licence_no.trim().into());
        am.valid_from = Set(i.valid_from.map(|d| d.to_string()).unwrap_or_default());
        am.valid_until = Set(i.valid_until.map(|d| d.to_string()).unwrap_or_default());
        Ok(())
    }

    /// Register an organisation and its administrator account, signed out. The
    /// organisation waits for its regulator; the account can sign in at once to follow it.
    pub async fn register(
        &self,
        ctx: &RequestCtx,
        i: OrgInput,
        admin: AdminAccount,
    ) -> AppResult<Registered> {
        self.limit(
            ctx,
            crate::accounts::guard::Limit::RegistrationsPerAddress,
            &ctx.ip,
        )
        .await?;
        let errors = self.check(&i, None).await?;
        let role = match i.kind {
            OrgKind::Institution => Role::InstitutionAdmin,
            OrgKind::Enterprise => Role::EnterpriseAdmin,
            OrgKind::Provider => Role::CourseProvider,
        };
        let n = NewUser {
            username: admin.username.trim().to_string(),
            display_name: admin.display_name,
            password: admin.password,
            phone: None,
            id_number: None,
            // A provider's administrator is the platform's, in no regulator's region.
            region: (i.kind != OrgKind::Provider).then_some(i.region),
            roles: vec![(role, None)],
            must_change_password: false,
        };
        let errors = self.accounts().check_new_user(&n, errors).await?;
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        // Whether the username is taken is told only to someone who proved a phone.
        self.learners()
            .use_code(ctx, &i.contact_phone, "org_register", &admin.code)
            .await?;
        let prepared = self.accounts().prepare_user(&n, Vec::new()).await?;
        let org_id = uuid::Uuid::now_v7().to_string();
        let actor = Actor {
            id: &prepared.id,
            name: &n.display_name,
            role: role.code(),
        };
        let w = self.write(actor, ctx).await?;
        let mut am = organization::ActiveModel {
            id: Set(org_id.clone()),
            status: Set(OrgStatus::Submitted),
            status_reason: Set(String::new()),
            version: Set(1),
            created_at: Set(w.now),
            updated_at: Set(w.now),
            ..Default::default()
        };
        self.fill(&mut am, &org_id, &i)?;
        w.touch(jineng_core::exchange::Dataset::Institutions, &org_id);
        organization::Entity::insert(am)
            .exec(&w.txn)
            .await
            .on_unique(|| AppError::field("credit_code", "该统一社会信用代码已注册"))?;
        self.accounts()
            .insert_user(&w, &prepared, Some(&org_id), actor)
            .await?;
        insert_version(&w.txn, &org_id, 1, snapshot(&i), &prepared.id, w.now).await?;
        w.commit(Entry::ok(
            "org.register",
            i.kind.code(),
            &org_id,
            snapshot(&i),
        ))
        .await?;
        Ok(Registered {
            org_id,
            admin: crate::accounts::auth::NewAccount {
                user_id: prepared.id,
            },
        })
    }

    async fn view(&self, who: &Principal, o: organization::Model) -> AppResult<OrgView> {
        let full = who.works_for(&o.id) || who.can(Permission::ViewFullPii);
        let show =
            |enc: &str, column: &'static str, m: fn(&str) -> String| match self.keyring.decrypt(
                enc,
                crate::crypto::pii::Place::new("organizations", column, &o.id),
            ) {
                Ok(p) if full => p,
                Ok(p) => m(&p),
                Err(_) => "（无法解密）".to_string(),
            };
        let region_name = region::Entity::find_by_id(o.region_code.clone())
            .one(&self.db)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        Ok(OrgView {
            legal_rep_id: show(&o.legal_rep_id_enc, "legal_rep_id_enc", mask::id_number),
            contact_phone: show(&o.contact_phone_enc, "contact_phone_enc", mask::phone),
            bank_account: show(&o.bank_account_enc, "bank_account_enc", mask::bank_account),
            nature_label: org::nature_label(&o.nature).unwrap_or("").to_string(),
            institution_type_label: org::institution_type_label(&o.institution_type)
                .unwrap_or("")
                .to_string(),
            kind: o.kind,
            kind_label: o.kind.label(),
            status: o.status,
            status_label: o.status.label(),
            region_name,
            id: o.id,
            name: o.name,
            credit_code: o.credit_code,
            region_code: o.region_code,
            address: o.address,
            legal_rep_name: o.legal_rep_name,
            contact_name: o.contact_name,
            nature: o.nature,
            institution_type: o.institution_type,
            designated: o.designated,
            bank_name: o.bank_name,
            bank_account_name: o.bank_account_name,
            training_scale: o.training_scale,
            site_area: o.site_area,
            licence_no: o.licence_no,
            valid_from: o.valid_from,
            valid_until: o.valid_until,
            status_reason: o.status_reason,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        })
    }

    pub async fn get(&self, who: &Principal, id: &str) -> AppResult<OrgView> {
        let o = self
            .find_scoped::<organization::Entity>(who, view_perm(who), id)
            .await?;
        self.view(who, o).await
    }

    pub async fn list(
        &self,
        who: &Principal,
        f: &OrgFilter,
        r: PageRequest,
    ) -> AppResult<Page<OrgView>> {
        let mut q = self.list_scoped::<organization::Entity>(who, view_perm(who))?;
        if let Some(k) = f.kind {
            q = q.filter(organization::Column::Kind.eq(k));
        }
        if let Some(s) = f.status {
            q = q.filter(organization::Column::Status.eq(s));
        }
        if let Some(r) = &f.region {
            q = q.filter(organization::Column::RegionCode.starts_with(r.subtree_prefix()));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                Condition::any()
                    .add(crate::page::contains(organization::Column::Name, text))
                    .add(organization::Column::CreditCode.eq(text.to_ascii_uppercase())),
            );
        }
        let page = page::fetch(
            self.reader(),
            q.order_by_desc(organization::Column::UpdatedAt),
            r,
        )
        .await?;
        let mut items = Vec::with_capacity(page.items.len());
        for o in page.items {
            items.push(self.view(who, o).await?);
        }
        Ok(Page {
            items,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// A regulator's decision: approve or return a submitted registration (the review
    /// flow), or suspend, reinstate or revoke an approved one.
    pub async fn decide(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        action: OrgAction,
        reason: &str,
    ) -> AppResult<OrgView> {
        // A kind never changes, so the reviewing permission read here still holds when
        // the decision is written.
        let p = self
            .find_scoped::<organization::Entity>(who, view_perm(who), id)
            .await?
            .kind
            .reviewed_with();
        match action {
            OrgAction::Approve | OrgAction::Return => {
                let d = if action == OrgAction::Approve {
                    Decision::Approve
                } else {
                    Decision::Return
                };
                let v = verdict(d, reason)?;
                self.app
                    .decide_as::<organization::Entity>(who, ctx, id, &v, p)
                    .await?;
            }
            OrgAction::Suspend | OrgAction::Reinstate | OrgAction::Revoke => {
                self.sanction(who, ctx, id, action, reason, p).await?;
            }
            OrgAction::Resubmit => return Err(AppError::Forbidden),
        }
        self.get(who, id).await
    }

    /// Suspend, reinstate or revoke.
    async fn sanction(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        action: OrgAction,
        reason: &str,
        p: Permission,
    ) -> AppResult<()> {
        if !who.can(p) {
            return Err(AppError::Forbidden);
        }
        let o = self.find_scoped::<organization::Entity>(who, p, id).await?;
        let reason = reason.trim();
        if action.needs_reason() && reason.is_empty() {
            return Err(AppError::field(
                "reason",
                format!("{}必须填写原因", action.label()),
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(AppError::field("reason", "原因不能超过500个字符"));
        }
        let to = o
            .status
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let w = self.write(who, ctx).await?;
        move_status(&w, &o, to, reason).await?;
        let action_code = format!("org.{}", action.code());
        w.commit(Entry::ok(
            &action_code,
            o.kind.code(),
            &o.id,
            serde_json::json!({"status": [o.status, to], "reason": reason, "version": o.version}),
        ))
        .await
    }

    /// The organisation fixes a returned registration and submits it again (a new version).
    pub async fn resubmit(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        i: OrgInput,
    ) -> AppResult<OrgView> {
        if !who.can(Permission::ManageOwnOrganization) || !who.works_for(id) {
            return Err(AppError::Forbidden);
        }
        let o = self
            .find_scoped::<organization::Entity>(who, view_perm(who), id)
            .await?;
        if !o.status.editable() {
            return Err(AppError::Conflict(format!(
                "当前状态为“{}”，只有被退回的登记可以修改后重新提交",
                o.status.label()
            )));
        }
        if i.kind != o.kind {
            return Err(AppError::field("kind", "不能更改登记类别"));
        }
        // The county decides the reviewing regulator: an organisation cannot move itself to
        // another one by resubmitting.
        if i.region.as_str() != o.region_code {
            return Err(AppError::field(
                "region_code",
                "重新提交时不能更改所在区县；如需变更，请联系监管部门",
            ));
        }
        let errors = self.check(&i, Some(&o.id)).await?;
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let next = o
            .status
            .apply(OrgAction::Resubmit)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let new_version = o.version + 1;
        let w = self.write(who, ctx).await?;
        w.touch(jineng_core::exchange::Dataset::Institutions, &o.id);
        // Claim the next version only if nobody moved the registration meanwhile.
        one_row(
            organization::Entity::update_many()
                .col_expr(organization::Column::Version, Expr::value(new_version))
                .filter(organization::Column::Id.eq(o.id.clone()))
                .filter(organization::Column::Version.eq(o.version))
                .filter(organization::Column::Status.eq(o.status))
                .exec(&w.txn)
                .await?,
            "该登记刚被修改或审核，请刷新后重试",
        )?;
        let mut am = o.clone().into_active_model();
        self.fill(&mut am, &o.id, &i)?;
        am.status = Set(next);
        am.status_reason = Set(String::new());
        am.version = Set(new_version);
        am.updated_at = Set(w.now);
        am.update(&w.txn).await?;
        insert_version(
            &w.txn,
            &o.id,
            new_version,
            snapshot(&i),
            &who.user_id,
            w.now,
        )
        .await?;
        w.commit(Entry::ok(
            "org.resubmit",
            o.kind.code(),
            &o.id,
            snapshot(&i),
        ))
        .await?;
        self.get(who, id).await
    }

    /// Every submitted version, newest first.
    pub async fn versions(&self, who: &Principal, id: &str) -> AppResult<Vec<VersionView>> {
        let o = self
            .find_scoped::<organization::Entity>(who, view_perm(who), id)
            .await?;
        Ok(version::Entity::find()
            .filter(version::Column::OrgId.eq(o.id))
            .order_by_desc(version::Column::Version)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| VersionView {
                version: v.version,
                snapshot: serde_json::from_str(&v.snapshot).unwrap_or_default(),
                submitted_at: v.submitted_at,
                decision_label: v.decision.label(),
                decision: v.decision,
                reason: v.reason,
                decided_at: v.decided_at,
            })
            .collect())
    }

    /// The review decisions on the registration, oldest first.
    pub async fn review_history(&self, who: &Principal, id: &str) -> AppResult<Vec<ReviewRecord>> {
        self.app
            .review_history::<organization::Entity>(who, view_perm(who), id)
            .await
    }

    /// 年审. A failed review suspends the organisation with the remarks as the reason.
    pub async fn annual_review(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        year: i32,
        passed: bool,
        remarks: &str,
    ) -> AppResult<()> {
        if !who.can(Permission::ReviewOrganizations) {
            return Err(AppError::Forbidden);
        }
        let o = self
            .find_scoped::<organization::Entity>(who, Permission::ReviewOrganizations, id)
            .await?;
        let this_year = self.now().year();
        if !(2000..=this_year).contains(&year) {
            return Err(AppError::field(
                "year",
                format!("年审年度应在2000至{this_year}之间"),
            ));
        }
        let remarks = remarks.trim();
        if !passed && remarks.is_empty() {
            return Err(AppError::field("remarks", "年审不合格必须填写意见"));
        }
        if remarks.chars().count() > MAX_REASON_CHARS {
            return Err(AppError::field(
                "remarks",
                format!("年审意见不能超过{MAX_REASON_CHARS}个字符"),
            ));
        }
        if let Some(m) = jineng_core::text::plain_text_problem(remarks) {
            return Err(AppError::field("remarks", format!("年审意见{m}")));
        }
        if !matches!(o.status, OrgStatus::Approved | OrgStatus::Suspended) {
            return Err(AppError::Conflict(format!(
                "当前状态为“{}”，不能进行年审",
                o.status.label()
            )));
        }
        let result = if passed {
            AnnualResult::Passed
        } else {
            AnnualResult::Failed
        };
        let taken = || AppError::Conflict(format!("{year}年度的年审已登记"));
        let w = self.write(who, ctx).await?;
        annual_review::Entity::insert(annual_review::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            org_id: Set(o.id.clone()),
            year: Set(year),
            result: Set(result),
            remarks: Set(remarks.to_string()),
            reviewer_id: Set(who.user_id.clone()),
            reviewed_at: Set(w.now),
        })
        .exec(&w.txn)
        .await
        .on_unique(taken)?;
        let suspends = !passed && o.status == OrgStatus::Approved;
        if suspends {
            move_status(
                &w,
                &o,
                OrgStatus::Suspended,
                &format!("{year}年度年审不合格：{remarks}"),
            )
            .await?;
        }
        w.commit(Entry::ok(
            "org.annual_review",
            o.kind.code(),
            &o.id,
            serde_json::json!({"year": year, "result": result, "remarks": remarks, "suspended": suspends}),
        ))
        .await
    }

    pub async fn annual_reviews(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<Vec<AnnualReviewView>> {
        let o = self
            .find_scoped::<organization::Entity>(who, view_perm(who), id)
            .await?;
        Ok(annual_review::Entity::find()
            .filter(annual_review::Column::OrgId.eq(o.id))
            .order_by_desc(annual_review::Column::Year)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| AnnualReviewView {
                year: r.year,
                result: r.result,
                remarks: r.remarks,
                reviewed_at: r.reviewed_at,
            })
            .collect())
    }

    /// How many registrations wait for this regulator (its inbox badge).
    pub async fn pending_count(&self, who: &Principal) -> AppResult<u64> {
        if !who.can(Permission::ReviewOrganizations) {
            return Ok(0);
        }
        Ok(self
            .list_scoped::<organization::Entity>(who, Permission::ReviewOrganizations)?
            .filter(organization::Column::Status.eq(OrgStatus::Submitted))
            .count(&self.db)
            .await?)
    }

    /// The caller's own organisation, which must be approved to act (open classes, import
    /// learners, enter teachers, buy courses).
    pub(crate) async fn operating(&self, who: &Principal) -> AppResult<organization::Model> {
        if !who.can(Permission::ManageOwnOrganization) {
            return Err(AppError::Forbidden);
        }
        let id = who
            .org_ids()
            .into_iter()
            .next()
            .ok_or(AppError::Forbidden)?;
        let org = self
            .find_scoped::<organization::Entity>(who, Permission::ManageOwnOrganization, &id)
            .await?;
        // A course provider trains nobody: opening classes, enrolling learners and
        // keeping teachers are not among its rights.
        if !org.kind.trains() {
            return Err(AppError::Forbidden);
        }
        if !org.status.may_operate() {
            return Err(AppError::Conflict(
                "机构或企业登记未通过审核，或已被暂停、撤销，不能开班".into(),
            ));
        }
        Ok(org)
    }

    /// The caller's own organisation as a course publisher: a course provider, or an
    /// institution for its own courses (自有课); approved and not suspended.
    pub(crate) async fn publishing(&self, who: &Principal) -> AppResult<organization::Model> {
        if !who.can(Permission::ManageCourses) {
            return Err(AppError::Forbidden);
        }
        let id = who
            .org_ids()
            .into_iter()
            .next()
            .ok_or(AppError::Forbidden)?;
        let org = self
            .find_scoped::<organization::Entity>(who, Permission::ManageCourses, &id)
            .await?;
        if !matches!(org.kind, OrgKind::Provider | OrgKind::Institution) {
            return Err(AppError::Forbidden);
        }
        if !org.status.may_operate() {
            return Err(AppError::Conflict(
                "单位登记未通过审核，或已被暂停、撤销，不能发布课程".into(),
            ));
        }
        Ok(org)
    }
}

/// The permission an organisation's records are seen with: `ViewOrganizations` (regulators,
/// administrators, institution and enterprise staff), or, for a course provider's staff
/// who see no training organisation, `ManageOwnOrganization` (their own registration).
pub(crate) fn view_perm(who: &Principal) -> Permission {
    if who.can(Permission::ViewOrganizations) {
        Permission::ViewOrganizations
    } else {
        Permission::ManageOwnOrganization
    }
}

/// Move an organisation from the status it was read in, or fail as a conflict.
async fn move_status(
    w: &Write<'_>,
    o: &organization::Model,
    to: OrgStatus,
    reason: &str,
) -> AppResult<()> {
    w.touch(jineng_core::exchange::Dataset::Institutions, &o.id);
    one_row(
        organization::Entity::update_many()
            .col_expr(organization::Column::Status, Expr::value(to))
            .col_expr(organization::Column::StatusReason, Expr::value(reason))
            .col_expr(organization::Column::UpdatedAt, Expr::value(w.now))
            .filter(organization::Column::Id.eq(o.id.clone()))
            .filter(organization::Column::Status.eq(o.status))
            .exec(&w.txn)
            .await?,
        "该机构的状态刚被他人修改，请刷新后重试",
    )
}

/// Approving or returning a submitted registration; the current version records it too.
impl Reviewed for organization::Entity {
    const SUBJECT: ReviewSubject = ReviewSubject::Organization;

    async fn apply(
        app: &App,
        w: &Write<'_>,
        o: &organization::Model,
        v: &Verdict,
    ) -> AppResult<serde_json::Value> {
        let action = match v.decision {
            Decision::Approve => OrgAction::Approve,
            Decision::Return => OrgAction::Return,
        };
        let to = o
            .status
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if v.decision == Decision::Approve && !app.organizations().has_documents(&o.id).await? {
            return Err(AppError::Conflict(
                "该单位尚未上传办学许可证、营业执照等登记材料，不能审核通过".into(),
            ));
        }
        move_status(w, o, to, &v.reason).await?;
        one_row(
            version::Entity::update_many()
                .col_expr(version::Column::Decision, Expr::value(v.decision.outcome()))
                .col_expr(version::Column::DecidedBy, Expr::value(w.actor_id()))
                .col_expr(version::Column::DecidedAt, Expr::value(Some(w.now)))
                .col_expr(version::Column::Reason, Expr::value(v.reason.clone()))
                .filter(version::Column::OrgId.eq(o.id.clone()))
                .filter(version::Column::Version.eq(o.version))
                .exec(&w.txn)
                .await?,
            "该登记刚被修改，请刷新后重试",
        )?;
        Ok(serde_json::json!({"status": [o.status, to], "version": o.version}))
    }
}

fn snapshot(i: &OrgInput) -> serde_json::Value {
    serde_json::json!({
        "kind": i.kind.code(),
        "name": i.name.trim(),
        "credit_code": i.credit_code.as_str(),
        "region_code": i.region.as_str(),
        "address": i.address.trim(),
        "legal_rep_name": i.legal_rep_name.trim(),
        "legal_rep_id": mask::id_number(i.legal_rep_id.as_str()),
        "contact_name": i.contact_name.trim(),
        "contact_phone": mask::phone(i.contact_phone.as_str()),
        "nature": i.nature,
        "institution_type": i.institution_type,
        "designated": i.designated,
        "bank_name": i.bank_name.trim(),
        "bank_account_name": i.bank_account_name.trim(),
        "bank_account": mask::bank_account(i.bank_account.as_str()),
        "training_scale": i.training_scale,
        "site_area": i.site_area,
        "licence_no": i.licence_no.trim(),
        "valid_from": i.valid_from.map(|d| d.to_string()),
        "valid_until": i.valid_until.map(|d| d.to_string()),
    })
}

async fn insert_version<C: sea_orm::ConnectionTrait>(
    db: &C,
    org_id: &str,
    v: i32,
    snapshot: serde_json::Value,
    by: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    version::Entity::insert(version::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        org_id: Set(org_id.to_string()),
        version: Set(v),
        snapshot: Set(snapshot.to_string()),
        submitted_by: Set(by.to_string()),
        submitted_at: Set(now),
        decision: Set(ReviewStatus::Submitted),
        decided_by: Set(String::new()),
        decided_at: Set(None),
        reason: Set(String::new()),
    })
    .exec(db)
    .await?;
    Ok(())
}
