//! Institutions and enterprises: self-registration with an administrator account,
//! review by the regulator of their region (approve / return with a reason), resubmission
//! with every version kept, suspension, reinstatement, revocation and annual reviews.
//! Never lets an organisation see another's record, nor a regulator outside its region.

pub mod documents;
use crate::accounts::users::NewUser;
use crate::audit::{self, Actor, Entry, Page};
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::scope::Scope;
use crate::{App, tx::begin_write};
use chrono::{DateTime, NaiveDate, Utc};
use jineng_core::RegionLevel;
use jineng_core::accounts::{Permission, Role};
use jineng_core::organizations::AnnualResult;
use jineng_core::organizations::{self as org, OrgAction, OrgKind, OrgStatus};
use jineng_core::review::ReviewStatus;
use jineng_core::{BankAccount, CreditCode, IdNumber, Phone, RegionCode, mask};
use jineng_store::organizations::{annual_review, organization, version};
use jineng_store::reference::region;
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

impl App {
    fn org_scope(&self, who: &Principal) -> AppResult<Scope> {
        who.scope(Permission::ViewOrganizations)
            .ok_or(AppError::Forbidden)
    }

    /// Rules that need the database or look across fields.
    async fn check_org(&self, i: &OrgInput, except_id: Option<&str>) -> AppResult<Vec<FieldError>> {
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
        match region::Entity::find_by_id(i.region.as_str().to_string())
            .one(&self.db)
            .await?
        {
            Some(r) if r.level == RegionLevel::County => {}
            Some(_) => e.push(FieldError::new("region_code", "请选择所在区县")),
            None => e.push(FieldError::new("region_code", "行政区划代码不存在")),
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

    fn org_snapshot(i: &OrgInput) -> serde_json::Value {
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

    fn fill_org(&self, am: &mut organization::ActiveModel, i: &OrgInput) -> AppResult<()> {
        let enc = |v: &str| {
            self.keyring
                .encrypt(v)
                .map_err(|e| AppError::Internal(e.to_string()))
        };
        am.kind = Set(i.kind);
        am.name = Set(i.name.trim().into());
        am.credit_code = Set(i.credit_code.as_str().into());
        am.region_code = Set(i.region.as_str().into());
        am.address = Set(i.address.trim().into());
        am.legal_rep_name = Set(i.legal_rep_name.trim().into());
        am.legal_rep_id_enc = Set(enc(i.legal_rep_id.as_str())?);
        am.legal_rep_id_bidx = Set(self
            .keyring
            .blind_index(PiiKind::IdNumber, i.legal_rep_id.as_str()));
        am.contact_name = Set(i.contact_name.trim().into());
        am.contact_phone_enc = Set(enc(i.contact_phone.as_str())?);
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
        am.bank_account_enc = Set(enc(i.bank_account.as_str())?);
        am.training_scale = Set(i.training_scale);
        am.site_area = Set(i.site_area);
        am.licence_no = Set(i.licence_no.trim().into());
        am.valid_from = Set(i.valid_from.map(|d| d.to_string()).unwrap_or_default());
        am.valid_until = Set(i.valid_until.map(|d| d.to_string()).unwrap_or_default());
        Ok(())
    }

    /// Register an organisation and its administrator account, signed out. The
    /// organisation waits for its regulator; the account can sign in at once to follow it.
    pub async fn register_org(
        &self,
        ctx: &RequestCtx,
        i: OrgInput,
        admin: AdminAccount,
    ) -> AppResult<String> {
        let errors = self.check_org(&i, None).await?;
        let role = match i.kind {
            OrgKind::Institution => Role::InstitutionAdmin,
            OrgKind::Enterprise => Role::EnterpriseAdmin,
        };
        let n = NewUser {
            username: admin.username.trim().to_string(),
            display_name: admin.display_name,
            password: admin.password,
            phone: None,
            id_number: None,
            region: Some(i.region),
            roles: vec![(role, None)],
            must_change_password: false,
        };
        let prepared = self.prepare_user(&n, errors).await?;
        let now = self.now();
        let org_id = uuid::Uuid::now_v7().to_string();
        let mut am = organization::ActiveModel {
            id: Set(org_id.clone()),
            status: Set(OrgStatus::Submitted),
            status_reason: Set(String::new()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        self.fill_org(&mut am, &i)?;
        let txn = begin_write(&self.db).await?;
        organization::Entity::insert(am)
            .exec(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    AppError::field("credit_code", "该统一社会信用代码已注册")
                }
                _ => e.into(),
            })?;
        let actor_name = n.display_name.clone();
        let actor = || Actor {
            id: &prepared.id,
            name: &actor_name,
            role: role.code(),
        };
        self.insert_user(&txn, &prepared, Some(&org_id), actor(), ctx)
            .await?;
        insert_version(&txn, &org_id, 1, Self::org_snapshot(&i), &prepared.id, now).await?;
        audit::append(
            &txn,
            now,
            actor(),
            ctx,
            Entry {
                action: "org.register",
                object_type: i.kind.code(),
                object_id: &org_id,
                changes: Self::org_snapshot(&i),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        Ok(org_id)
    }

    async fn load_org(&self, who: &Principal, id: &str) -> AppResult<organization::Model> {
        self.load_org_for(who, id, Permission::ViewOrganizations)
            .await
    }

    /// Load within the scope the caller has for `p` (reviewing uses the review scope, so a
    /// county regulator who is also a viewer still decides only in its county).
    async fn load_org_for(
        &self,
        who: &Principal,
        id: &str,
        p: Permission,
    ) -> AppResult<organization::Model> {
        let scope = who.scope(p).ok_or(AppError::Forbidden)?;
        let o = organization::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("机构"))?;
        if !scope.admits_org(&o.region_code, &o.id) {
            return Err(AppError::NotFound("机构"));
        }
        Ok(o)
    }

    async fn org_view(&self, who: &Principal, o: organization::Model) -> AppResult<OrgView> {
        let own = who
            .grants
            .iter()
            .any(|g| g.org_id.as_deref() == Some(o.id.as_str()));
        let full = own || who.can(Permission::ViewFullPii);
        let show = |enc: &str, m: fn(&str) -> String| match self.keyring.decrypt(enc) {
            Ok(p) if full => p,
            Ok(p) => m(&p),
            Err(_) => "（无法解密）".to_string(),
        };
        let region_name = region::Entity::find_by_id(o.region_code.clone())
            .one(&self.db)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        let kind = o.kind;
        let status = o.status;
        Ok(OrgView {
            legal_rep_id: show(&o.legal_rep_id_enc, mask::id_number),
            contact_phone: show(&o.contact_phone_enc, mask::phone),
            bank_account: show(&o.bank_account_enc, mask::bank_account),
            nature_label: org::nature_label(&o.nature).unwrap_or("").to_string(),
            institution_type_label: org::institution_type_label(&o.institution_type)
                .unwrap_or("")
                .to_string(),
            kind,
            kind_label: kind.label(),
            status,
            status_label: status.label(),
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

    pub async fn get_org(&self, who: &Principal, id: &str) -> AppResult<OrgView> {
        let o = self.load_org(who, id).await?;
        self.org_view(who, o).await
    }

    /// The organisations the caller administers (usually one).
    pub fn own_org_ids(&self, who: &Principal) -> Vec<String> {
        who.grants.iter().filter_map(|g| g.org_id.clone()).collect()
    }

    pub async fn list_orgs(
        &self,
        who: &Principal,
        f: &OrgFilter,
        page: u64,
        per_page: u64,
    ) -> AppResult<Page<OrgView>> {
        let scope = self.org_scope(who)?;
        let mut q = organization::Entity::find().filter(
            scope.org_condition(organization::Column::RegionCode, organization::Column::Id),
        );
        if let Some(k) = f.kind {
            q = q.filter(organization::Column::Kind.eq(k.code()));
        }
        if let Some(s) = f.status {
            q = q.filter(organization::Column::Status.eq(s.code()));
        }
        if let Some(r) = &f.region {
            q = q.filter(organization::Column::RegionCode.starts_with(r.subtree_prefix()));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                Condition::any()
                    .add(organization::Column::Name.contains(text))
                    .add(organization::Column::CreditCode.eq(text.to_ascii_uppercase())),
            );
        }
        let per_page = per_page.clamp(1, 200);
        let p = q
            .order_by_desc(organization::Column::UpdatedAt)
            .paginate(&self.db, per_page);
        let total = p.num_items().await?;
        let rows = p.fetch_page(page.max(1) - 1).await?;
        let mut items = Vec::with_capacity(rows.len());
        for o in rows {
            items.push(self.org_view(who, o).await?);
        }
        Ok(Page {
            items,
            total,
            page: page.max(1),
            per_page,
        })
    }

    /// A regulator's decision: approve, return, suspend, reinstate or revoke.
    pub async fn decide_org(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        action: OrgAction,
        reason: &str,
    ) -> AppResult<OrgView> {
        if !action.by_regulator() || !who.can(Permission::ReviewOrganizations) {
            return Err(AppError::Forbidden);
        }
        let o = self
            .load_org_for(who, id, Permission::ReviewOrganizations)
            .await?;
        let reason = reason.trim();
        if action.needs_reason() && reason.is_empty() {
            return Err(AppError::field(
                "reason",
                format!("{}必须填写原因", action.label()),
            ));
        }
        if reason.chars().count() > 500 {
            return Err(AppError::field("reason", "原因不能超过500个字符"));
        }
        let from = o.status;
        let to = from
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if action == OrgAction::Approve && !self.has_org_documents(&o.id).await? {
            return Err(AppError::Conflict(
                "该单位尚未上传办学许可证、营业执照等登记材料，不能审核通过".into(),
            ));
        }
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        // Only move from the state we read: a concurrent decision makes this one a conflict.
        let res = organization::Entity::update_many()
            .col_expr(
                organization::Column::Status,
                sea_orm::sea_query::Expr::value(to.code()),
            )
            .col_expr(
                organization::Column::StatusReason,
                sea_orm::sea_query::Expr::value(reason),
            )
            .col_expr(
                organization::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(organization::Column::Id.eq(o.id.clone()))
            .filter(organization::Column::Status.eq(from.code()))
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::Conflict(
                "该机构的状态刚被他人修改，请刷新后重试".into(),
            ));
        }
        if matches!(action, OrgAction::Approve | OrgAction::Return) {
            let v = version::Entity::find()
                .filter(version::Column::OrgId.eq(o.id.clone()))
                .filter(version::Column::Version.eq(o.version))
                .one(&txn)
                .await?
                .ok_or(AppError::Internal("missing current version".into()))?;
            let mut vm = v.into_active_model();
            vm.decision = Set(if action == OrgAction::Approve {
                ReviewStatus::Approved
            } else {
                ReviewStatus::Returned
            });
            vm.decided_by = Set(who.user_id.clone());
            vm.decided_at = Set(Some(now));
            vm.reason = Set(reason.to_string());
            vm.update(&txn).await?;
        }
        let changes = serde_json::json!({"status": [from.code(), to.code()], "reason": reason, "version": o.version});
        let action_code = format!("org.{}", action.code());
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: &action_code,
                object_type: o.kind.code(),
                object_id: &o.id,
                changes,
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        self.get_org(who, id).await
    }

    /// The organisation fixes a returned registration and submits it again (a new version).
    pub async fn resubmit_org(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        i: OrgInput,
    ) -> AppResult<OrgView> {
        if !who.can(Permission::ManageOwnOrganization)
            || !self.own_org_ids(who).iter().any(|o| o == id)
        {
            return Err(AppError::Forbidden);
        }
        let o = self.load_org(who, id).await?;
        let status = o.status;
        if !status.editable() {
            return Err(AppError::Conflict(format!(
                "当前状态为“{}”，只有被退回的登记可以修改后重新提交",
                status.label()
            )));
        }
        if i.kind != o.kind {
            return Err(AppError::field("kind", "不能更改登记类别"));
        }
        let errors = self.check_org(&i, Some(&o.id)).await?;
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let next = status
            .apply(OrgAction::Resubmit)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let now = self.now();
        let new_version = o.version + 1;
        let txn = begin_write(&self.db).await?;
        // Claim the next version only if nobody moved the registration meanwhile.
        let claimed = organization::Entity::update_many()
            .col_expr(
                organization::Column::Version,
                sea_orm::sea_query::Expr::value(new_version),
            )
            .filter(organization::Column::Id.eq(o.id.clone()))
            .filter(organization::Column::Version.eq(o.version))
            .filter(organization::Column::Status.eq(status.code()))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(AppError::Conflict(
                "该登记刚被修改或审核，请刷新后重试".into(),
            ));
        }
        let mut am = o.clone().into_active_model();
        self.fill_org(&mut am, &i)?;
        am.status = Set(next);
        am.status_reason = Set(String::new());
        am.version = Set(new_version);
        am.updated_at = Set(now);
        am.update(&txn).await?;
        insert_version(
            &txn,
            &o.id,
            new_version,
            Self::org_snapshot(&i),
            &who.user_id,
            now,
        )
        .await?;
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "org.resubmit",
                object_type: o.kind.code(),
                object_id: &o.id,
                changes: Self::org_snapshot(&i),
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        self.get_org(who, id).await
    }

    pub async fn org_versions(&self, who: &Principal, id: &str) -> AppResult<Vec<version::Model>> {
        let o = self.load_org(who, id).await?;
        Ok(version::Entity::find()
            .filter(version::Column::OrgId.eq(o.id))
            .order_by_desc(version::Column::Version)
            .all(&self.db)
            .await?)
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
            .load_org_for(who, id, Permission::ReviewOrganizations)
            .await?;
        let this_year = self
            .now()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap_or(2026);
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
        let status = o.status;
        if !matches!(status, OrgStatus::Approved | OrgStatus::Suspended) {
            return Err(AppError::Conflict(format!(
                "当前状态为“{}”，不能进行年审",
                status.label()
            )));
        }
        let exists = annual_review::Entity::find()
            .filter(annual_review::Column::OrgId.eq(o.id.clone()))
            .filter(annual_review::Column::Year.eq(year))
            .one(&self.db)
            .await?;
        if exists.is_some() {
            return Err(AppError::Conflict(format!("{year}年度的年审已登记")));
        }
        let now = self.now();
        let txn = begin_write(&self.db).await?;
        annual_review::Entity::insert(annual_review::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            org_id: Set(o.id.clone()),
            year: Set(year),
            result: Set(if passed {
                AnnualResult::Passed
            } else {
                AnnualResult::Failed
            }),
            remarks: Set(remarks.to_string()),
            reviewer_id: Set(who.user_id.clone()),
            reviewed_at: Set(now),
        })
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict(format!("{year}年度的年审已登记"))
            }
            _ => e.into(),
        })?;
        let suspends = !passed && status == OrgStatus::Approved;
        if suspends {
            let res = organization::Entity::update_many()
                .col_expr(
                    organization::Column::Status,
                    sea_orm::sea_query::Expr::value(OrgStatus::Suspended.code()),
                )
                .col_expr(
                    organization::Column::StatusReason,
                    sea_orm::sea_query::Expr::value(format!("{year}年度年审不合格：{remarks}")),
                )
                .col_expr(
                    organization::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(organization::Column::Id.eq(o.id.clone()))
                .filter(organization::Column::Status.eq(status.code()))
                .exec(&txn)
                .await?;
            if res.rows_affected != 1 {
                return Err(AppError::Conflict(
                    "该机构的状态刚被他人修改，请刷新后重试".into(),
                ));
            }
        }
        let changes = serde_json::json!({"year": year, "result": if passed { "passed" } else { "failed" }, "remarks": remarks, "suspended": suspends});
        audit::append(
            &txn,
            now,
            who.into(),
            ctx,
            Entry {
                action: "org.annual_review",
                object_type: o.kind.code(),
                object_id: &o.id,
                changes,
                outcome: "ok",
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn org_annual_reviews(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<Vec<annual_review::Model>> {
        let o = self.load_org(who, id).await?;
        Ok(annual_review::Entity::find()
            .filter(annual_review::Column::OrgId.eq(o.id))
            .order_by_desc(annual_review::Column::Year)
            .all(&self.db)
            .await?)
    }

    /// How many registrations wait for this regulator (its inbox badge).
    pub async fn pending_org_count(&self, who: &Principal) -> AppResult<u64> {
        if !who.can(Permission::ReviewOrganizations) {
            return Ok(0);
        }
        let scope = self.org_scope(who)?;
        Ok(organization::Entity::find()
            .filter(scope.org_condition(organization::Column::RegionCode, organization::Column::Id))
            .filter(organization::Column::Status.eq(OrgStatus::Submitted.code()))
            .count(&self.db)
            .await?)
    }
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
