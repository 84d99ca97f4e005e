//! Learners: one-time SMS codes, self-registration, activation of imported accounts,
//! and the scoped learner list. One ID number is one learner, whoever registers or
//! imports them; organisations are linked to learners, never given copies.

pub mod import;
pub mod links;

use crate::accounts::auth::NewAccount;
use crate::accounts::guard::{Limit, SMS_CODE_TRIES, Secret, Subject};
use crate::accounts::users::NewUser;
use crate::audit::{Actor, Entry};
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{self, Page, PageRequest};
use crate::scope::Scope;
use crate::write::one_row;
use chrono::Duration;
use jineng_core::accounts::{Permission, Role, check_password_policy};
use jineng_core::learners::LearnerSource;
use jineng_core::learners::{education, person_category};
use jineng_core::{IdNumber, Phone, RegionCode, mask};
use jineng_store::accounts::{role_grant, user};
use jineng_store::learners::{profile, sms_code};
use jineng_store::reference::region;
use rand::Rng;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a person types to register, parsed at the edge.
#[derive(Debug, Clone)]
pub struct LearnerInput {
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Phone,
    pub person_category: String,
    pub education: String,
    pub region: RegionCode,
}

#[derive(Debug, Clone, Serialize)]
pub struct LearnerView {
    pub id: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub gender: &'static str,
    pub birth_date: String,
    pub person_category: String,
    pub person_category_label: &'static str,
    pub education: String,
    pub education_label: &'static str,
    pub region_code: String,
    pub region_name: String,
    pub source: LearnerSource,
    pub activated: bool,
}

#[derive(Debug, Clone, Default)]
pub struct LearnerFilter {
    pub q: Option<String>,
    pub person_category: Option<String>,
    pub region: Option<RegionCode>,
}

const CODE_TTL_MINUTES: i64 = 10;
const CODE_RESEND_SECONDS: i64 = 60;
/// What a one-time code may be sent for.
pub const CODE_PURPOSES: [(&str, &str); 3] = [
    ("register", "学员注册"),
    ("activate", "激活导入的学员账号"),
    ("org_register", "机构注册"),
];

fn code_hash(bidx: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{bidx}:{code}").as_bytes()))
}

/// An unguessable username for learners, who sign in with phone or ID number.
pub(crate) fn learner_username() -> String {
    format!("l{}", &uuid::Uuid::now_v7().simple().to_string()[20..])
}

bounded_context!(
    /// Learners: SMS codes, self-registration, activation, the scoped learner list and
    /// bulk import.
    Learners,
    learners
);

/// Whoever has not signed in (registering, activating): named by nothing they typed.
const ANONYMOUS: Actor<'static> = Actor {
    id: "anonymous",
    name: "",
    role: "",
};

impl Learners<'_> {
    /// Send a one-time code (`register`, `activate`, `org_register`). At most one a minute
    /// per phone, and a few an hour per phone and per address (`guard::Limit`). Returns the
    /// code only in demo mode, for the page to show.
    pub async fn send_code(
        &self,
        ctx: &RequestCtx,
        phone: &Phone,
        purpose: &str,
    ) -> AppResult<Option<String>> {
        if !CODE_PURPOSES.iter().any(|(p, _)| *p == purpose) {
            return Err(AppError::field("purpose", "验证码用途不正确"));
        }
        let bidx = self.keyring.blind_index(PiiKind::Phone, phone.as_str());
        let now = self.now();
        let recent = sms_code::Entity::find()
            .filter(sms_code::Column::PhoneBidx.eq(bidx.clone()))
            .filter(sms_code::Column::CreatedAt.gt(now - Duration::seconds(CODE_RESEND_SECONDS)))
            .count(&self.db)
            .await?;
        if recent > 0 && !ctx.internal {
            return Err(AppError::Conflict(format!(
                "验证码已发送，请{CODE_RESEND_SECONDS}秒后再获取"
            )));
        }
        self.limit(ctx, Limit::SmsPerAddress, &ctx.ip).await?;
        self.limit(ctx, Limit::SmsPerPhone, &bidx).await?;
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000));
        let w = self.write(ANONYMOUS, ctx).await?;
        sms_code::Entity::insert(sms_code::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            phone_bidx: Set(bidx.clone()),
            purpose: Set(purpose.to_string()),
            code_hash: Set(code_hash(&bidx, &code)),
            expires_at: Set(now + Duration::minutes(CODE_TTL_MINUTES)),
            used: Set(false),
            created_at: Set(now),
        })
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "sms.code",
            "phone",
            &mask::phone(phone.as_str()),
            serde_json::json!({"purpose": purpose}),
        ))
        .await?;
        self.sms
            .send(phone, &format!("【技能培训平台】您的验证码是{code}，{CODE_TTL_MINUTES}分钟内有效。如非本人操作请忽略。"))
            .map_err(|e| AppError::Internal(format!("sms: {e}")))?;
        Ok(self.reveal_sms_codes.then_some(code))
    }

    /// Check and use up a code. Each guess is counted before it is compared (`guard`), so
    /// parallel guesses cannot exceed the tries; past them the code is void.
    pub(crate) async fn use_code(
        &self,
        ctx: &RequestCtx,
        phone: &Phone,
        purpose: &str,
        code: &str,
    ) -> AppResult<()> {
        let bidx = self.keyring.blind_index(PiiKind::Phone, phone.as_str());
        let now = self.now();
        let latest = sms_code::Entity::find()
            .filter(sms_code::Column::PhoneBidx.eq(bidx.clone()))
            .filter(sms_code::Column::Purpose.eq(purpose))
            .filter(sms_code::Column::Used.eq(false))
            .order_by_desc(sms_code::Column::CreatedAt)
            .one(&self.db)
            .await?;
        let Some(c) = latest.filter(|c| c.expires_at > now) else {
            return Err(AppError::field("code", "验证码已过期或未获取，请重新获取"));
        };
        let too_many = || AppError::field("code", "验证码错误次数过多，请重新获取");
        let attempt = self
            .count_attempt(Secret::SmsCode, Subject::Code(&c.id))
            .await
            .map_err(|_| too_many())?;
        let masked = mask::phone(phone.as_str());
        let w = self.write(ANONYMOUS, ctx).await?;
        if !bool::from(
            c.code_hash
                .as_bytes()
                .ct_eq(code_hash(&bidx, code.trim()).as_bytes()),
        ) {
            // A wrong code is a failed proof of identity: it is counted and recorded.
            w.commit(Entry {
                action: "sms.code_check",
                object_type: "phone",
                object_id: &masked,
                changes: serde_json::json!({"purpose": purpose}),
                outcome: "wrong_code",
            })
            .await?;
            return Err(if attempt.failures() >= SMS_CODE_TRIES {
                too_many()
            } else {
                AppError::field("code", "验证码不正确")
            });
        }
        let res = sms_code::Entity::update_many()
            .col_expr(sms_code::Column::Used, Expr::value(true))
            .filter(sms_code::Column::Id.eq(c.id))
            .filter(sms_code::Column::Used.eq(false))
            .exec(&w.txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::field("code", "验证码已使用，请重新获取"));
        }
        w.commit(Entry::ok(
            "sms.code_check",
            "phone",
            &masked,
            serde_json::json!({"purpose": purpose}),
        ))
        .await
    }

    /// A person registers as a learner with an SMS code. Everything that can be checked
    /// without knowing who else is registered is checked first (so a typo does not burn
    /// the code); whether the ID number or phone is taken is told only after the code has
    /// proved the phone.
    pub async fn register(
        &self,
        ctx: &RequestCtx,
        i: LearnerInput,
        code: &str,
        password: &str,
    ) -> AppResult<NewAccount> {
        self.limit(ctx, Limit::RegistrationsPerAddress, &ctx.ip)
            .await?;
        let mut errors = Vec::new();
        if let Err(m) = jineng_core::learners::check_person_name(&i.name) {
            errors.push(FieldError::new("name", m));
        }
        let min_age = self.security.min_learner_age;
        if i.id_number.age_on(self.today()) < min_age {
            errors.push(FieldError::new(
                "id_number",
                format!("学员应年满{min_age}周岁"),
            ));
        }
        let category = person_category(&i.person_category);
        if category.is_none() {
            errors.push(FieldError::new("person_category", "请选择人员类别"));
        }
        let edu = education(&i.education);
        if edu.is_none() {
            errors.push(FieldError::new("education", "请选择文化程度"));
        }
        if let Some(m) = self.county_problem(&i.region).await? {
            errors.push(FieldError::new("region_code", m));
        }
        let n = NewUser {
            username: learner_username(),
            display_name: jineng_core::learners::normal_person_name(&i.name),
            password: password.to_string(),
            phone: Some(i.phone.clone()),
            id_number: Some(i.id_number.clone()),
            region: Some(i.region),
            roles: vec![(Role::Learner, None)],
            must_change_password: false,
        };
        let errors = self.accounts().check_new_user(&n, errors).await?;
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        self.use_code(ctx, &i.phone, "register", code).await?;
        // The phone is proved: now say plainly if this person already has an account.
        let id_bidx = self
            .keyring
            .blind_index(PiiKind::IdNumber, i.id_number.as_str());
        if let Some(existing) = user::Entity::find()
            .filter(user::Column::IdNumberBidx.eq(id_bidx))
            .one(&self.db)
            .await?
        {
            let inactive = profile::Entity::find_by_id(existing.id)
                .one(&self.db)
                .await?
                .is_some_and(|p| !p.activated);
            return Err(AppError::field(
                "id_number",
                if inactive {
                    "您已由培训机构或企业导入，请使用“首次登录激活”设置密码"
                } else {
                    "该身份证号码已注册，请直接登录"
                },
            ));
        }
        let prepared = self.accounts().prepare_user(&n, Vec::new()).await?;
        let actor = Actor {
            id: &prepared.id,
            name: &n.display_name,
            role: Role::Learner.code(),
        };
        let w = self.write(actor, ctx).await?;
        let now = w.now;
        self.accounts()
            .insert_user(&w, &prepared, None, actor)
            .await?;
        w.touch(jineng_core::exchange::Dataset::Learners, &prepared.id);
        profile::Entity::insert(profile::ActiveModel {
            user_id: Set(prepared.id.clone()),
            person_category: Set(category.map(|c| c.0).unwrap_or_default().into()),
            education: Set(edu.map(|c| c.0).unwrap_or_default().into()),
            gender: Set(i.id_number.gender()),
            birth_date: Set(i.id_number.birth_date().to_string()),
            region_code: Set(i.region.as_str().into()),
            source: Set(LearnerSource::SelfRegistered),
            imported_by_org: Set(String::new()),
            activated: Set(true),
            created_at: Set(now),
        })
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "learner.register",
            "learner",
            &prepared.id,
            serde_json::json!({"person_category": category.map(|c| c.0), "region_code": i.region.as_str()}),
        ))
        .await?;
        Ok(NewAccount {
            user_id: prepared.id,
        })
    }

    /// An imported learner sets a password, proving the phone on record with a code. The
    /// code is checked first; only then is the ID number looked up, and a missing import
    /// and a different phone get the same answer.
    pub async fn activate(
        &self,
        ctx: &RequestCtx,
        id_number: &IdNumber,
        phone: &Phone,
        code: &str,
        password: &str,
    ) -> AppResult<NewAccount> {
        self.limit(ctx, Limit::RegistrationsPerAddress, &ctx.ip)
            .await?;
        check_password_policy(password).map_err(|e| AppError::field("password", e.to_string()))?;
        self.use_code(ctx, phone, "activate", code).await?;
        let id_bidx = self
            .keyring
            .blind_index(PiiKind::IdNumber, id_number.as_str());
        let phone_bidx = self.keyring.blind_index(PiiKind::Phone, phone.as_str());
        let u = user::Entity::find()
            .filter(user::Column::IdNumberBidx.eq(id_bidx))
            .one(&self.db)
            .await?
            .filter(|u| u.phone_bidx.as_deref() == Some(phone_bidx.as_str()));
        let p = match &u {
            Some(u) => {
                profile::Entity::find_by_id(u.id.clone())
                    .one(&self.db)
                    .await?
            }
            None => None,
        };
        let (Some(u), Some(p)) = (u, p) else {
            return Err(AppError::field(
                "id_number",
                "未找到与该身份证号码和手机号相符的导入记录，请核对或联系培训机构",
            ));
        };
        if p.activated {
            return Err(AppError::Conflict("该账户已激活，请直接登录".into()));
        }
        let pw = password.to_string();
        let hash = self
            .accounts()
            .blocking(move |h| h.hash(&pw))
            .await?
            .map_err(AppError::Internal)?;
        let actor = Actor {
            id: &u.id,
            name: &u.display_name,
            role: Role::Learner.code(),
        };
        let w = self.write(actor, ctx).await?;
        w.touch(jineng_core::exchange::Dataset::Learners, &u.id);
        one_row(
            profile::Entity::update_many()
                .col_expr(profile::Column::Activated, Expr::value(true))
                .filter(profile::Column::UserId.eq(u.id.clone()))
                .filter(profile::Column::Activated.eq(false))
                .exec(&w.txn)
                .await?,
            "该账户已激活，请直接登录",
        )?;
        let mut am = u.clone().into_active_model();
        am.password_hash = Set(hash);
        am.password_changed_at = Set(w.now);
        am.updated_at = Set(w.now);
        am.update(&w.txn).await?;
        w.commit(Entry::ok(
            "learner.activate",
            "learner",
            &u.id,
            serde_json::json!({}),
        ))
        .await?;
        Ok(NewAccount { user_id: u.id })
    }

    async fn view(&self, who: &Principal, p: profile::Model) -> AppResult<LearnerView> {
        let u = user::Entity::find_by_id(p.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("学员"))?;
        let full = who.can(Permission::ViewFullPii) || who.user_id == u.id;
        let show = |enc: &Option<String>, column: &'static str, m: fn(&str) -> String| {
            enc.as_deref()
                .map(|e| {
                    match self
                        .keyring
                        .decrypt(e, crate::crypto::pii::Place::new("users", column, &u.id))
                    {
                        Ok(v) if full => v,
                        Ok(v) => m(&v),
                        Err(_) => "（无法解密）".into(),
                    }
                })
                .unwrap_or_default()
        };
        let region_name = region::Entity::find_by_id(p.region_code.clone())
            .one(&self.db)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        Ok(LearnerView {
            id_number: show(&u.id_number_enc, "id_number_enc", mask::id_number),
            phone: show(&u.phone_enc, "phone_enc", mask::phone),
            id: u.id,
            name: u.display_name,
            gender: p.gender.label(),
            birth_date: p.birth_date,
            person_category_label: person_category(&p.person_category)
                .map(|c| c.1)
                .unwrap_or(""),
            person_category: p.person_category,
            education_label: education(&p.education).map(|c| c.1).unwrap_or(""),
            education: p.education,
            region_code: p.region_code,
            region_name,
            source: p.source,
            activated: p.activated,
        })
    }

    pub async fn list(
        &self,
        who: &Principal,
        f: &LearnerFilter,
        r: PageRequest,
    ) -> AppResult<Page<LearnerView>> {
        let mut q = self.list_scoped::<profile::Entity>(who, Permission::ViewLearners)?;
        if let Some(c) = f.person_category.as_deref().and_then(person_category) {
            q = q.filter(profile::Column::PersonCategory.eq(c.0));
        }
        if let Some(r) = &f.region {
            q = q.filter(profile::Column::RegionCode.starts_with(r.subtree_prefix()));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let mut any = Condition::any();
            let by_name = Query::select()
                .column(user::Column::Id)
                .from(user::Entity)
                .and_where(crate::page::contains(user::Column::DisplayName, text))
                .to_owned();
            any = any.add(profile::Column::UserId.in_subquery(by_name));
            if let Ok(id) = IdNumber::parse(text) {
                let b = self.keyring.blind_index(PiiKind::IdNumber, id.as_str());
                let by_id = Query::select()
                    .column(user::Column::Id)
                    .from(user::Entity)
                    .and_where(user::Column::IdNumberBidx.eq(b))
                    .to_owned();
                any = any.add(profile::Column::UserId.in_subquery(by_id));
            }
            if let Ok(ph) = Phone::parse(text) {
                let b = self.keyring.blind_index(PiiKind::Phone, ph.as_str());
                let by_phone = Query::select()
                    .column(user::Column::Id)
                    .from(user::Entity)
                    .and_where(user::Column::PhoneBidx.eq(b))
                    .to_owned();
                any = any.add(profile::Column::UserId.in_subquery(by_phone));
            }
            q = q.filter(any);
        }
        let rows = page::fetch(
            self.reader(),
            q.order_by_desc(profile::Column::CreatedAt),
            r,
        )
        .await?;
        let mut items = Vec::with_capacity(rows.items.len());
        for p in rows.items {
            items.push(self.view(who, p).await?);
        }
        Ok(Page {
            items,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }

    pub async fn get(&self, who: &Principal, id: &str) -> AppResult<LearnerView> {
        let p = if who.user_id == id {
            self.find_in_scope::<profile::Entity>(&Scope::OwnUser(id.to_string()), id)
                .await?
        } else {
            self.find_scoped::<profile::Entity>(who, Permission::ViewLearners, id)
                .await?
        };
        self.view(who, p).await
    }

    /// Whether the user holds the learner role (used by the home page).
    pub async fn is_learner(&self, user_id: &str) -> AppResult<bool> {
        Ok(role_grant::Entity::find()
            .filter(role_grant::Column::UserId.eq(user_id))
            .filter(role_grant::Column::Role.eq(Role::Learner.code()))
            .count(&self.db)
            .await?
            > 0)
    }
}
