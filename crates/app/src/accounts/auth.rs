//! Signing in (password, then TOTP when enabled), sessions with an idle timeout,
//! lockout after repeated wrong passwords, password change, signing out.

use super::Accounts;
use crate::audit::{self, Actor, Entry};
use crate::context::{Principal, RequestCtx};
use crate::crypto::{random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::tx::begin_write;
use chrono::Duration;
use jineng_core::accounts::UserStatus;
use jineng_core::accounts::check_password_policy;
use jineng_store::accounts::{session, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};

/// A new browser session; the token goes into the cookie, the CSRF token into forms.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub token: String,
    pub csrf: String,
    /// The user still has to give a TOTP code before the session is usable.
    pub mfa_pending: bool,
}

/// A live session with its principal.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub principal: Principal,
    pub csrf: String,
    pub mfa_pending: bool,
    pub must_change_password: bool,
    /// TOTP is required for this user's roles but not yet set up.
    pub must_enroll_totp: bool,
    pub totp_enabled: bool,
}

/// A node-local copy of recently read sessions. Entries are trusted for
/// `session_cache_seconds`; every account change on this node clears them.
#[derive(Default)]
pub struct SessionCache(std::sync::Mutex<std::collections::HashMap<String, Cached>>);

#[derive(Clone)]
struct Cached {
    view: SessionView,
    loaded_at: chrono::DateTime<chrono::Utc>,
    last_seen_at: chrono::DateTime<chrono::Utc>,
}

impl SessionCache {
    fn get(&self, hash: &str) -> Option<Cached> {
        self.0.lock().ok()?.get(hash).cloned()
    }

    fn put(&self, hash: String, c: Cached) {
        if let Ok(mut m) = self.0.lock() {
            // A crude bound: sessions are cheap to reread, memory is not free.
            if m.len() >= 100_000 {
                m.clear();
            }
            m.insert(hash, c);
        }
    }

    fn remove(&self, hash: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(hash);
        }
    }

    /// Forget everything; called after any change to accounts, roles or sessions.
    pub fn clear(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }
}

impl Accounts<'_> {
    pub async fn login(
        &self,
        ctx: &RequestCtx,
        login: &str,
        password: &str,
    ) -> AppResult<IssuedSession> {
        let pw = password.to_string();
        let Some(u) = self.find_user_by_login(login).await? else {
            self.blocking(move |h| h.verify_dummy(&pw)).await?;
            self.audit_anonymous(ctx, login, "unknown_user").await?;
            return Err(AppError::BadCredentials);
        };
        let now = self.now();
        if let Some(until) = u.locked_until.filter(|t| *t > now) {
            self.blocking(move |h| h.verify_dummy(&pw)).await?;
            self.audit_login(ctx, &u, "locked").await?;
            let minutes = ((until - now).num_seconds() + 59) / 60;
            return Err(AppError::Locked(format!(
                "密码错误次数过多，账户已锁定，请{minutes}分钟后再试"
            )));
        }
        if u.status != UserStatus::Active {
            self.blocking(move |h| h.verify_dummy(&pw)).await?;
            self.audit_login(ctx, &u, "disabled").await?;
            return Err(AppError::Locked("账户已停用，请联系管理员".into()));
        }
        let stored = u.password_hash.clone();
        let ok = self.blocking(move |h| h.verify(&pw, &stored)).await?;
        let txn = begin_write(&self.db).await?;
        if !ok {
            // Count atomically, then decide on the lock from the counted value.
            user::Entity::update_many()
                .col_expr(
                    user::Column::FailedLogins,
                    Expr::col(user::Column::FailedLogins).add(1),
                )
                .filter(user::Column::Id.eq(u.id.clone()))
                .exec(&txn)
                .await?;
            let fresh = user::Entity::find_by_id(u.id.clone())
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or(AppError::BadCredentials)?;
            let locked = fresh.failed_logins >= self.security.lockout_threshold;
            if locked {
                let mut am = fresh.into_active_model();
                am.failed_logins = Set(0);
                am.locked_until = Set(Some(now + Duration::minutes(self.security.lockout_minutes)));
                am.update(&txn).await?;
            }
            let outcome = if locked { "locked_now" } else { "bad_password" };
            audit::append(&txn, now, actor_of(&u), ctx, login_entry(&u.id, outcome)).await?;
            txn.commit().await?;
            if locked {
                return Err(AppError::Locked(format!(
                    "密码连续错误{}次，账户已锁定{}分钟",
                    self.security.lockout_threshold, self.security.lockout_minutes
                )));
            }
            return Err(AppError::BadCredentials);
        }
        // Re-read under the row lock: a burst of parallel guesses may have locked the
        // account while this one was being hashed; a right guess must not undo that.
        let u = user::Entity::find_by_id(u.id.clone())
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(AppError::BadCredentials)?;
        if let Some(until) = u.locked_until.filter(|t| *t > now) {
            audit::append(&txn, now, actor_of(&u), ctx, login_entry(&u.id, "locked")).await?;
            txn.commit().await?;
            let minutes = ((until - now).num_seconds() + 59) / 60;
            return Err(AppError::Locked(format!(
                "密码错误次数过多，账户已锁定，请{minutes}分钟后再试"
            )));
        }
        if u.status != UserStatus::Active {
            txn.rollback().await?;
            return Err(AppError::Locked("账户已停用，请联系管理员".into()));
        }
        let mfa_pending = u.totp_enabled;
        if u.failed_logins != 0 || u.locked_until.is_some() {
            let mut am = u.clone().into_active_model();
            am.failed_logins = Set(0);
            am.locked_until = Set(None);
            am.update(&txn).await?;
        }
        let issued = IssuedSession {
            token: random_token(),
            csrf: random_token(),
            mfa_pending,
        };
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(token_hash(&issued.token)),
            user_id: Set(u.id.clone()),
            csrf_token: Set(issued.csrf.clone()),
            mfa_pending: Set(mfa_pending),
            ip: Set(ctx.ip.clone()),
            user_agent: Set(ctx.user_agent.chars().take(200).collect()),
            created_at: Set(now),
            last_seen_at: Set(now),
        })
        .exec(&txn)
        .await?;
        let outcome = if mfa_pending {
            "password_ok_totp_pending"
        } else {
            "ok"
        };
        audit::append(&txn, now, actor_of(&u), ctx, login_entry(&u.id, outcome)).await?;
        txn.commit().await?;
        Ok(issued)
    }

    async fn audit_login(&self, ctx: &RequestCtx, u: &user::Model, outcome: &str) -> AppResult<()> {
        let txn = begin_write(&self.db).await?;
        audit::append(
            &txn,
            self.now(),
            actor_of(u),
            ctx,
            login_entry(&u.id, outcome),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn audit_anonymous(&self, ctx: &RequestCtx, login: &str, outcome: &str) -> AppResult<()> {
        // What was typed may be a phone number or even a password in the wrong field:
        // keep a typed username as it is, mask a phone, and drop anything else.
        let login = login.trim();
        let name: String = if let Ok(p) = jineng_core::Phone::parse(login) {
            jineng_core::mask::phone(p.as_str())
        } else if crate::accounts::users::check_username(login).is_ok() {
            login.to_string()
        } else {
            "（无效输入）".to_string()
        };
        let txn = begin_write(&self.db).await?;
        let actor = Actor {
            id: "anonymous",
            name: &name,
            role: "",
        };
        audit::append(&txn, self.now(), actor, ctx, login_entry("", outcome)).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Look up a session by its cookie token; ends it if idle too long, else marks it seen.
    pub async fn session(&self, token: &str) -> AppResult<SessionView> {
        let hash = token_hash(token);
        let now = self.now();
        let idle = Duration::minutes(self.security.session_idle_minutes);
        let ttl = Duration::seconds(self.security.session_cache_seconds);
        let fresh = self
            .sessions
            .get(&hash)
            .filter(|c| c.loaded_at + ttl > now && c.last_seen_at + idle >= now);
        if let Some(mut c) = fresh {
            if now - c.last_seen_at > Duration::seconds(60) {
                self.touch_session(&hash, now).await?;
                c.last_seen_at = now;
                self.sessions.put(hash, c.clone());
            }
            return Ok(c.view);
        }
        let s = session::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if s.last_seen_at + idle < now {
            session::Entity::delete_by_id(hash).exec(&self.db).await?;
            return Err(AppError::Unauthenticated);
        }
        let u = user::Entity::find_by_id(s.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if u.status != UserStatus::Active {
            return Err(AppError::Unauthenticated);
        }
        // Touch at most once a minute: idle timeout needs no finer grain, and it saves writes.
        let mut last_seen_at = s.last_seen_at;
        if now - s.last_seen_at > Duration::seconds(60) {
            self.touch_session(&hash, now).await?;
            last_seen_at = now;
        }
        let principal = self.principal_for(&self.db, &u).await?;
        let must_enroll_totp = self.security.require_totp_for_admins
            && !u.totp_enabled
            && principal.grants.iter().any(|g| g.role.may_use_totp());
        let view = SessionView {
            principal,
            csrf: s.csrf_token,
            mfa_pending: s.mfa_pending,
            must_change_password: u.must_change_password,
            must_enroll_totp,
            totp_enabled: u.totp_enabled,
        };
        if ttl > Duration::zero() {
            self.sessions.put(
                hash,
                Cached {
                    view: view.clone(),
                    loaded_at: now,
                    last_seen_at,
                },
            );
        }
        Ok(view)
    }

    async fn touch_session(&self, hash: &str, now: chrono::DateTime<chrono::Utc>) -> AppResult<()> {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::TokenHash.eq(hash))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    pub async fn logout(&self, ctx: &RequestCtx, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.sessions.remove(&hash);
        let Some(s) = session::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let actor = Actor {
            id: &s.user_id,
            name: "",
            role: "",
        };
        let w = self.write(actor, ctx).await?;
        session::Entity::delete_by_id(hash).exec(&w.txn).await?;
        w.commit(Entry {
            action: "auth.logout",
            object_type: "user",
            object_id: &s.user_id,
            changes: serde_json::json!({}),
            outcome: "ok",
        })
        .await?;
        Ok(())
    }

    /// Change one's own password. Other sessions of the user end; this one stays.
    pub async fn change_password(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        keep_token: Option<&str>,
        old: &str,
        new: &str,
        confirm: &str,
    ) -> AppResult<()> {
        let mut errors = Vec::new();
        if let Err(e) = check_password_policy(new) {
            errors.push(crate::FieldError::new("new_password", e.to_string()));
        }
        if new != confirm {
            errors.push(crate::FieldError::new(
                "confirm_password",
                "两次输入的新密码不一致",
            ));
        }
        if new == old {
            errors.push(crate::FieldError::new(
                "new_password",
                "新密码不能与当前密码相同",
            ));
        }
        let u = user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let (o, stored) = (old.to_string(), u.password_hash.clone());
        if !self.blocking(move |h| h.verify(&o, &stored)).await? {
            errors.insert(0, crate::FieldError::new("old_password", "当前密码不正确"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let n = new.to_string();
        let hash = self
            .blocking(move |h| h.hash(&n))
            .await?
            .map_err(AppError::Internal)?;
        let w = self.write(who, ctx).await?;
        let now = w.now;
        let mut am = u.into_active_model();
        am.password_hash = Set(hash);
        am.must_change_password = Set(false);
        am.password_changed_at = Set(now);
        am.updated_at = Set(now);
        am.update(&w.txn).await?;
        let mut del =
            session::Entity::delete_many().filter(session::Column::UserId.eq(who.user_id.clone()));
        if let Some(t) = keep_token {
            del = del.filter(session::Column::TokenHash.ne(token_hash(t)));
        }
        del.exec(&w.txn).await?;
        w.commit(Entry {
            action: "user.password_change",
            object_type: "user",
            object_id: &who.user_id,
            changes: serde_json::json!({"password": "changed"}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear();
        Ok(())
    }
}

fn actor_of(u: &user::Model) -> Actor<'_> {
    Actor {
        id: &u.id,
        name: &u.display_name,
        role: "",
    }
}

fn login_entry<'a>(user_id: &'a str, outcome: &'a str) -> Entry<'a> {
    Entry {
        action: "auth.login",
        object_type: "user",
        object_id: user_id,
        changes: serde_json::json!({}),
        outcome,
    }
}
