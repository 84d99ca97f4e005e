//! Account administration: list (scoped), view, create, grant and revoke roles,
//! lock, unlock, disable, reset passwords. Personal data is encrypted on write and
//! masked on read unless the caller may see it whole.

use super::Accounts;
use crate::audit::{self, Entry, Page};
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{self, PageRequest};
use crate::scope::Scope;
use crate::write::Write;
use jineng_core::accounts::UserStatus;
use jineng_core::accounts::{Permission, Role, check_password_policy, may_grant, may_manage};
use jineng_core::{IdNumber, Phone, RegionCode, mask};
use jineng_store::accounts::{role_grant, session, user};
use jineng_store::reference::region;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

/// Input for a new account, already parsed into domain types by the caller's edge.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub region: Option<RegionCode>,
    pub roles: Vec<(Role, Option<RegionCode>)>,
    pub must_change_password: bool,
}

/// An account as shown to a caller: personal data masked unless permitted.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub status: UserStatus,
    pub locked: bool,
    pub totp_enabled: bool,
    pub roles: Vec<RoleView>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    pub role: Role,
    pub label: &'static str,
    pub region_code: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub region: Option<RegionCode>,
}

/// An administrative division.
#[derive(Debug, Clone, Serialize)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    pub level: jineng_core::RegionLevel,
    pub parent_code: Option<String>,
}

pub fn check_username(s: &str) -> Result<(), &'static str> {
    let n = s.chars().count();
    if !(3..=32).contains(&n) {
        return Err("用户名长度应为3至32个字符");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err("用户名只能包含字母、数字、下划线、点和减号");
    }
    // Sign-in matches ID numbers and phones before usernames; a username of their shape
    // would still be refused so nobody can even try to stand in for someone's number.
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if digits == n || (n >= 15 && digits + 1 >= n && s.ends_with(['x', 'X'])) {
        return Err("用户名不能全为数字，也不能是身份证号码的形式");
    }
    Ok(())
}

impl Accounts<'_> {
    async fn region_exists(&self, r: &RegionCode) -> AppResult<bool> {
        Ok(region::Entity::find_by_id(r.as_str().to_string())
            .one(&self.db)
            .await?
            .is_some())
    }

    async fn view_of(&self, who: &Principal, u: user::Model) -> AppResult<UserView> {
        let full = who.can(Permission::ViewFullPii) || who.user_id == u.id;
        let reveal =
            |enc: &Option<String>, column: &'static str, m: fn(&str) -> String| -> Option<String> {
                enc.as_deref().map(|e| {
                    match self
                        .keyring
                        .decrypt(e, crate::crypto::pii::Place::new("users", column, &u.id))
                    {
                        Ok(p) if full => p,
                        Ok(p) => m(&p),
                        Err(_) => "（无法解密）".to_string(),
                    }
                })
            };
        let grants = role_grant::Entity::find()
            .filter(role_grant::Column::UserId.eq(u.id.clone()))
            .order_by_asc(role_grant::Column::Role)
            .all(&self.db)
            .await?;
        let roles = grants
            .into_iter()
            .map(|g| RoleView {
                role: g.role,
                label: g.role.label(),
                region_code: (!g.region_code.is_empty()).then_some(g.region_code),
            })
            .collect();
        let region_name = match &u.region_code {
            Some(c) => region::Entity::find_by_id(c.clone())
                .one(&self.db)
                .await?
                .map(|r| r.name),
            None => None,
        };
        Ok(UserView {
            phone: reveal(&u.phone_enc, "phone_enc", mask::phone),
            id_number: reveal(&u.id_number_enc, "id_number_enc", mask::id_number),
            locked: self.account_locked(&u.id).await?,
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            region_code: u.region_code,
            region_name,
            status: u.status,
            totp_enabled: u.totp_enabled,
            roles,
            created_at: u.created_at,
        })
    }

    pub async fn list_users(
        &self,
        who: &Principal,
        f: &UserFilter,
        r: PageRequest,
    ) -> AppResult<Page<UserView>> {
        let mut q = self.list_scoped::<user::Entity>(who, Permission::ViewAccounts)?;
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let mut any = Condition::any()
                .add(crate::page::contains(user::Column::Username, text))
                .add(crate::page::contains(user::Column::DisplayName, text));
            if let Ok(p) = Phone::parse(text) {
                any = any.add(
                    user::Column::PhoneBidx
                        .eq(self.keyring.blind_index(PiiKind::Phone, p.as_str())),
                );
            }
            if let Ok(id) = IdNumber::parse(text) {
                any = any.add(
                    user::Column::IdNumberBidx
                        .eq(self.keyring.blind_index(PiiKind::IdNumber, id.as_str())),
                );
            }
            q = q.filter(any);
        }
        if let Some(r) = &f.region {
            q = q.filter(user::Column::RegionCode.starts_with(r.subtree_prefix()));
        }
        if let Some(role) = f.role {
            // A subquery, not a list of ids: a role may have millions of holders.
            let holders = sea_orm::sea_query::Query::select()
                .column(role_grant::Column::UserId)
                .from(role_grant::Entity)
                .and_where(role_grant::Column::Role.eq(role.code()))
                .to_owned();
            q = q.filter(user::Column::Id.in_subquery(holders));
        }
        let rows = page::fetch(self.reader(), q.order_by_asc(user::Column::Username), r).await?;
        let mut items = Vec::with_capacity(rows.items.len());
        for u in rows.items {
            items.push(self.view_of(who, u).await?);
        }
        Ok(Page {
            items,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }

    /// One account, if the caller may see it; otherwise "not found" (no existence leak).
    pub async fn get_user(&self, who: &Principal, id: &str) -> AppResult<UserView> {
        let u = self.load_scoped(who, id, Permission::ViewAccounts).await?;
        self.view_of(who, u).await
    }

    async fn load_scoped(
        &self,
        who: &Principal,
        id: &str,
        p: Permission,
    ) -> AppResult<user::Model> {
        match who.scope(p) {
            Some(_) => self.find_scoped::<user::Entity>(who, p, id).await,
            None if who.user_id == id && p == Permission::ViewAccounts => {
                self.find_in_scope::<user::Entity>(&Scope::OwnUser(id.to_string()), id)
                    .await
            }
            None => Err(AppError::Forbidden),
        }
    }

    /// The one rule (`core::accounts::may_grant`): privileged roles only by system admins.
    fn check_grantable(&self, who: &Principal, role: Role) -> AppResult<()> {
        if may_grant(&who.roles(), role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub async fn create_user(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        n: NewUser,
    ) -> AppResult<UserView> {
        if !who.can(Permission::ManageAccounts) {
            return Err(AppError::Forbidden);
        }
        for (role, _) in &n.roles {
            self.check_grantable(who, *role)?;
        }
        let prepared = self.prepare_user(&n, Vec::new()).await?;
        let w = self.write(who, ctx).await?;
        self.insert_user(&w, &prepared, None, who.into()).await?;
        w.commit_audited().await?;
        self.sessions.clear().await;
        self.get_user(who, &prepared.id).await
    }

    /// Check a new account (merging `errors` found by the caller) and build its row.
    /// Reads only; the caller inserts it with `insert_user` inside its transaction.
    /// What can be said about a new account without looking at the others: the shape of
    /// the username, name and password, the regions and roles.
    pub(crate) async fn check_new_user(
        &self,
        n: &NewUser,
        mut errors: Vec<FieldError>,
    ) -> AppResult<Vec<FieldError>> {
        if let Err(m) = check_username(&n.username) {
            errors.push(FieldError::new("username", m));
        }
        let name_len = n.display_name.trim().chars().count();
        if name_len == 0 || name_len > 50 {
            errors.push(FieldError::new(
                "display_name",
                "姓名不能为空，且不超过50个字符",
            ));
        } else if let Some(m) = jineng_core::text::plain_text_problem(&n.display_name) {
            errors.push(FieldError::new("display_name", format!("姓名{m}")));
        }
        if let Err(e) = check_password_policy(&n.password) {
            errors.push(FieldError::new("password", e.to_string()));
        }
        if let Some(r) = &n.region
            && !self.region_exists(r).await?
        {
            errors.push(FieldError::new("region_code", "行政区划代码不存在"));
        }
        if n.roles.is_empty() {
            errors.push(FieldError::new("roles", "至少需要一个角色"));
        }
        for (role, region) in &n.roles {
            match region {
                Some(_) if !role.needs_region() => {
                    errors.push(FieldError::new("roles", "只有人社监管角色需要指定辖区"))
                }
                None if role.needs_region() => {
                    errors.push(FieldError::new("roles", "人社监管角色必须指定所辖行政区划"))
                }
                Some(r) if !self.region_exists(r).await? => {
                    errors.push(FieldError::new("roles", "角色的行政区划代码不存在"))
                }
                _ => {}
            }
        }
        Ok(errors)
    }

    /// Check a new account completely (including names and numbers already taken) and
    /// hash its password, ready to insert.
    pub(crate) async fn prepare_user(
        &self,
        n: &NewUser,
        errors: Vec<FieldError>,
    ) -> AppResult<PreparedUser> {
        let mut errors = self.check_new_user(n, errors).await?;
        if user::Entity::find()
            .filter(user::Column::Username.eq(n.username.clone()))
            .one(&self.db)
            .await?
            .is_some()
        {
            errors.push(FieldError::new("username", "用户名已被使用"));
        }
        let phone_bidx = n
            .phone
            .as_ref()
            .map(|p| self.keyring.blind_index(PiiKind::Phone, p.as_str()));
        if let Some(b) = &phone_bidx
            && user::Entity::find()
                .filter(user::Column::PhoneBidx.eq(b.clone()))
                .one(&self.db)
                .await?
                .is_some()
        {
            errors.push(FieldError::new("phone", "手机号已被其他账户使用"));
        }
        let id_bidx = n
            .id_number
            .as_ref()
            .map(|p| self.keyring.blind_index(PiiKind::IdNumber, p.as_str()));
        if let Some(b) = &id_bidx
            && user::Entity::find()
                .filter(user::Column::IdNumberBidx.eq(b.clone()))
                .one(&self.db)
                .await?
                .is_some()
        {
            errors.push(FieldError::new("id_number", "该身份证号码已有账户"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let pw = n.password.clone();
        let hash = self
            .blocking(move |h| h.hash(&pw))
            .await?
            .map_err(AppError::Internal)?;
        let now = self.now();
        let id = uuid::Uuid::now_v7().to_string();
        let enc = |v: &str, column: &'static str| {
            self.keyring
                .encrypt(v, crate::crypto::pii::Place::new("users", column, &id))
                .map_err(|e| AppError::Internal(e.to_string()))
        };
        let row = user::ActiveModel {
            id: Set(id.clone()),
            username: Set(n.username.clone()),
            display_name: Set(n.display_name.trim().to_string()),
            phone_enc: Set(n
                .phone
                .as_ref()
                .map(|p| enc(p.as_str(), "phone_enc"))
                .transpose()?),
            phone_bidx: Set(phone_bidx),
            id_number_enc: Set(n
                .id_number
                .as_ref()
                .map(|p| enc(p.as_str(), "id_number_enc"))
                .transpose()?),
            id_number_bidx: Set(id_bidx),
            bank_account_enc: Set(None),
            region_code: Set(n.region.map(String::from)),
            password_hash: Set(hash),
            status: Set(UserStatus::Active),
            must_change_password: Set(n.must_change_password),
            totp_secret_enc: Set(None),
            totp_enabled: Set(false),
            totp_last_step: Set(None),
            password_changed_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
        };
        Ok(PreparedUser {
            row,
            id,
            n: n.clone(),
            now,
        })
    }

    /// Insert a prepared account, its role grants (bound to `org_id` when given) and the
    /// audit record, in the caller's transaction.
    pub(crate) async fn insert_user(
        &self,
        w: &Write<'_>,
        p: &PreparedUser,
        org_id: Option<&str>,
        actor: audit::Actor<'_>,
    ) -> AppResult<()> {
        let txn = &w.txn;
        let (row, id, n, now) = (p.row.clone(), p.id.clone(), &p.n, p.now);
        // A concurrent insert of the same username or phone loses on the unique index.
        if let Err(e) = user::Entity::insert(row).exec(txn).await {
            return Err(unique_to_conflict(e));
        }
        for (role, region) in &n.roles {
            insert_grant(txn, &id, *role, region.as_ref(), org_id, now).await?;
        }
        let roles: Vec<_> = n
            .roles
            .iter()
            .map(|(r, g)| {
                format!(
                    "{}{}",
                    r.code(),
                    g.map(|g| format!("@{g}")).unwrap_or_default()
                )
            })
            .collect();
        let changes = serde_json::json!({
            "username": n.username,
            "display_name": n.display_name,
            "region_code": n.region.map(String::from),
            "phone": n.phone.as_ref().map(|p| mask::phone(p.as_str())),
            "id_number": n.id_number.as_ref().map(|p| mask::id_number(p.as_str())),
            "roles": roles,
        });
        w.audit_as(actor, Entry::ok("user.create", "user", &id, changes))
            .await
    }

    pub async fn grant_role(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        user_id: &str,
        role: Role,
        region: Option<RegionCode>,
    ) -> AppResult<()> {
        self.check_grantable(who, role)?;
        if who.user_id == user_id {
            return Err(AppError::Conflict("不能为自己授予角色".into()));
        }
        let u = self
            .load_scoped(who, user_id, Permission::ManageAccounts)
            .await?;
        self.check_admin_target(who, &u).await?;
        match &region {
            Some(_) if !role.needs_region() => {
                return Err(AppError::field(
                    "region_code",
                    "只有人社监管角色需要指定辖区",
                ));
            }
            None if role.needs_region() => {
                return Err(AppError::field(
                    "region_code",
                    "人社监管角色必须指定所辖行政区划",
                ));
            }
            Some(r) if !self.region_exists(r).await? => {
                return Err(AppError::field("region_code", "行政区划代码不存在"));
            }
            _ => {}
        }
        let region_s = region.map(String::from).unwrap_or_default();
        let exists = role_grant::Entity::find()
            .filter(role_grant::Column::UserId.eq(u.id.clone()))
            .filter(role_grant::Column::Role.eq(role.code()))
            .filter(role_grant::Column::RegionCode.eq(region_s.clone()))
            .one(&self.db)
            .await?;
        if exists.is_some() {
            return Err(AppError::Conflict("该账户已拥有此角色".into()));
        }
        let w = self.write(who, ctx).await?;
        let now = w.now;
        insert_grant(&w.txn, &u.id, role, region.as_ref(), None, now)
            .await
            .map_err(unique_to_conflict)?;
        w.commit(Entry {
            action: "user.grant_role",
            object_type: "user",
            object_id: &u.id,
            changes: serde_json::json!({"role": role.code(), "region_code": region_s}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(())
    }

    pub async fn revoke_role(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        user_id: &str,
        role: Role,
        region: Option<RegionCode>,
    ) -> AppResult<()> {
        self.check_grantable(who, role)?;
        let u = self
            .load_scoped(who, user_id, Permission::ManageAccounts)
            .await?;
        self.check_admin_target(who, &u).await?;
        if u.id == who.user_id && role == Role::SystemAdmin {
            return Err(AppError::Conflict("不能撤销自己的系统管理员角色".into()));
        }
        let region_s = region.map(String::from).unwrap_or_default();
        let w = self.write(who, ctx).await?;
        let res = role_grant::Entity::delete_many()
            .filter(role_grant::Column::UserId.eq(u.id.clone()))
            .filter(role_grant::Column::Role.eq(role.code()))
            .filter(role_grant::Column::RegionCode.eq(region_s.clone()))
            .exec(&w.txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(AppError::NotFound("角色"));
        }
        w.commit(Entry {
            action: "user.revoke_role",
            object_type: "user",
            object_id: &u.id,
            changes: serde_json::json!({"role": role.code(), "region_code": region_s}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(())
    }

    /// Enable or disable an account; disabling ends its sessions.
    pub async fn set_user_status(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        user_id: &str,
        active: bool,
    ) -> AppResult<()> {
        let u = self
            .load_scoped(who, user_id, Permission::ManageAccounts)
            .await?;
        self.check_admin_target(who, &u).await?;
        if u.id == who.user_id && !active {
            return Err(AppError::Conflict("不能停用自己的账户".into()));
        }
        let status = if active {
            UserStatus::Active
        } else {
            UserStatus::Disabled
        };
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let old = u.status;
        let mut am = u.into_active_model();
        am.status = Set(status);
        am.updated_at = Set(now);
        am.update(&w.txn).await?;
        if !active {
            session::Entity::delete_many()
                .filter(session::Column::UserId.eq(user_id))
                .exec(&w.txn)
                .await?;
            super::tokens::revoke_all(&w.txn, user_id, now).await?;
        }
        w.commit(Entry {
            action: "user.set_status",
            object_type: "user",
            object_id: user_id,
            changes: serde_json::json!({"status": [old, status]}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(())
    }

    pub async fn unlock_user(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        user_id: &str,
    ) -> AppResult<()> {
        let u = self
            .load_scoped(who, user_id, Permission::ManageAccounts)
            .await?;
        self.check_admin_target(who, &u).await?;
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let mut am = u.into_active_model();
        am.updated_at = Set(now);
        am.update(&w.txn).await?;
        super::guard::forget_account_attempts(&w.txn, user_id).await?;
        w.commit(Entry {
            action: "user.unlock",
            object_type: "user",
            object_id: user_id,
            changes: serde_json::json!({}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(())
    }

    /// Set a new password chosen by the admin; the user must change it at next sign-in.
    pub async fn reset_password(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        user_id: &str,
        new_password: &str,
    ) -> AppResult<()> {
        let u = self
            .load_scoped(who, user_id, Permission::ManageAccounts)
            .await?;
        self.check_admin_target(who, &u).await?;
        check_password_policy(new_password)
            .map_err(|e| AppError::field("password", e.to_string()))?;
        let pw = new_password.to_string();
        let hash = self
            .blocking(move |h| h.hash(&pw))
            .await?
            .map_err(AppError::Internal)?;
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let mut am = u.into_active_model();
        am.password_hash = Set(hash);
        am.must_change_password = Set(true);
        am.password_changed_at = Set(now);
        am.updated_at = Set(now);
        am.update(&w.txn).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(&w.txn)
            .await?;
        // Tokens made before a recovery must not outlive it.
        super::tokens::revoke_all(&w.txn, user_id, now).await?;
        w.commit(Entry {
            action: "user.reset_password",
            object_type: "user",
            object_id: user_id,
            changes: serde_json::json!({"password": "reset"}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(())
    }

    /// Turn off a user's second factor (lost phone); only for those who may manage admins.
    pub async fn reset_totp(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        user_id: &str,
    ) -> AppResult<()> {
        if !who.can(Permission::ManageAdmins) {
            return Err(AppError::Forbidden);
        }
        let u = self
            .load_scoped(who, user_id, Permission::ManageAccounts)
            .await?;
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let mut am = u.into_active_model();
        am.totp_enabled = Set(false);
        am.totp_secret_enc = Set(None);
        am.updated_at = Set(now);
        am.update(&w.txn).await?;
        w.commit(Entry {
            action: "user.totp_reset",
            object_type: "user",
            object_id: user_id,
            changes: serde_json::json!({"totp": false}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(())
    }

    /// Only those who may manage admins may act on an admin's account.
    /// The one rule (`core::accounts::may_manage`): accounts holding a privileged role
    /// (administrators, auditors, regulators) are managed only by system admins.
    async fn check_admin_target(&self, who: &Principal, target: &user::Model) -> AppResult<()> {
        let p = self.principal_for(&self.db, target).await?;
        if may_manage(&who.roles(), &p.roles()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Regions for pickers: the province and its cities and counties.
    /// The administrative divisions under a code prefix (reference data, public).
    pub async fn regions_under(&self, prefix: &str) -> AppResult<Vec<RegionView>> {
        Ok(region::Entity::find()
            .filter(region::Column::Code.starts_with(prefix))
            .order_by_asc(region::Column::Code)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| RegionView {
                code: r.code,
                name: r.name,
                level: r.level,
                parent_code: r.parent_code,
            })
            .collect())
    }

    pub async fn user_id_by_username(&self, username: &str) -> AppResult<Option<String>> {
        Ok(user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.db)
            .await?
            .map(|u| u.id))
    }
}

/// A checked, not yet inserted account.
pub(crate) struct PreparedUser {
    row: user::ActiveModel,
    pub(crate) id: String,
    n: NewUser,
    now: chrono::DateTime<chrono::Utc>,
}

async fn insert_grant<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: &str,
    role: Role,
    region: Option<&RegionCode>,
    org_id: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    role_grant::Entity::insert(role_grant::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        user_id: Set(user_id.to_string()),
        role: Set(role),
        region_code: Set(region.map(|r| r.as_str().to_string()).unwrap_or_default()),
        org_id: Set(org_id.map(str::to_string)),
        created_at: Set(now),
    })
    .exec(db)
    .await
    .map(|_| ())
}

fn unique_to_conflict(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("用户名、手机号或身份证号码已被使用".into())
        }
        _ => e.into(),
    }
}
