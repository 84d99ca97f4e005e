//! TOTP second factor (RFC 6238, SHA-1, 6 digits, 30 s) for administrators and regulators.
//! A code is accepted one step early or late, and never twice.

use super::Accounts;
use super::guard::{Secret as GuardSecret, Subject, locked as locked_error};
use crate::audit::{self, Entry};
use crate::context::{Principal, RequestCtx};
use crate::crypto::token_hash;
use crate::error::{AppError, AppResult};
use jineng_store::accounts::{session, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use totp_rs::{Algorithm, Secret, TOTP};

const ISSUER: &str = "Jineng";

pub struct TotpSetup {
    /// `otpauth://` URL for authenticator apps.
    pub url: String,
    /// The secret in base32, for typing in by hand.
    pub secret: String,
}

fn totp(secret: Vec<u8>, account: &str) -> AppResult<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        Some(ISSUER.into()),
        account.replace(':', "_"),
    )
    .map_err(|e| AppError::Internal(format!("totp: {e}")))
}

impl Accounts<'_> {
    fn totp_of(&self, u: &user::Model) -> AppResult<TOTP> {
        let enc = u
            .totp_secret_enc
            .as_deref()
            .ok_or_else(|| AppError::field("code", "尚未设置动态口令"))?;
        let b32 = self
            .keyring
            .decrypt(
                enc,
                crate::crypto::pii::Place::new("users", "totp_secret_enc", &u.id),
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let bytes = Secret::Encoded(b32)
            .to_bytes()
            .map_err(|e| AppError::Internal(format!("totp secret: {e:?}")))?;
        totp(bytes, &u.username)
    }

    /// The time step of `code` if it is valid now (±1 step) and newer than the last used one.
    fn accept_code(&self, u: &user::Model, code: &str) -> AppResult<i64> {
        let t = self.totp_of(u)?;
        let now = std::cmp::max(self.now().timestamp(), 0) as u64;
        let code = code.trim();
        for step in [now / 30, (now / 30).saturating_sub(1), now / 30 + 1] {
            if t.generate(step * 30) == code && Some(step as i64) > u.totp_last_step {
                return Ok(step as i64);
            }
        }
        Err(AppError::field("code", "动态口令不正确或已使用"))
    }

    fn pending_setup(&self, u: &user::Model) -> AppResult<Option<TotpSetup>> {
        let Some(enc) = &u.totp_secret_enc else {
            return Ok(None);
        };
        let b32 = self
            .keyring
            .decrypt(
                enc,
                crate::crypto::pii::Place::new("users", "totp_secret_enc", &u.id),
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let bytes = Secret::Encoded(b32.clone())
            .to_bytes()
            .map_err(|e| AppError::Internal(format!("{e:?}")))?;
        Ok(Some(TotpSetup {
            url: totp(bytes, &u.username)?.get_url(),
            secret: b32,
        }))
    }

    /// The secret handed out and not yet confirmed, if any (reads only: showing the
    /// enrolment page changes nothing).
    pub async fn totp_pending(&self, who: &Principal) -> AppResult<Option<TotpSetup>> {
        if !who.grants.iter().any(|g| g.role.may_use_totp()) {
            return Err(AppError::Forbidden);
        }
        let u = user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if u.totp_enabled {
            return Ok(None);
        }
        self.pending_setup(&u)
    }

    /// Start enrolment: a new secret, stored encrypted, not yet enabled.
    pub async fn totp_begin(&self, who: &Principal, ctx: &RequestCtx) -> AppResult<TotpSetup> {
        if !who.grants.iter().any(|g| g.role.may_use_totp()) {
            return Err(AppError::Forbidden);
        }
        let u = user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if u.totp_enabled {
            return Err(AppError::Conflict("动态口令已启用".into()));
        }
        // A secret already handed out and not yet confirmed is shown again, so reloading
        // the page does not invalidate a QR code the person has just scanned.
        if let Some(setup) = self.pending_setup(&u)? {
            return Ok(setup);
        }
        let b32 = match Secret::generate_secret().to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => return Err(AppError::Internal("totp secret encoding".into())),
        };
        let enc = self
            .keyring
            .encrypt(
                &b32,
                crate::crypto::pii::Place::new("users", "totp_secret_enc", &u.id),
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let bytes = Secret::Encoded(b32.clone())
            .to_bytes()
            .map_err(|e| AppError::Internal(format!("{e:?}")))?;
        let url = totp(bytes, &u.username)?.get_url();
        let w = self.write(who, ctx).await?;
        let mut am = u.into_active_model();
        am.totp_secret_enc = Set(Some(enc));
        am.update(&w.txn).await?;
        w.commit(Entry {
            action: "user.totp_begin",
            object_type: "user",
            object_id: &who.user_id,
            changes: serde_json::json!({}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(TotpSetup { url, secret: b32 })
    }

    /// Finish enrolment with a code from the app.
    pub async fn totp_confirm(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        code: &str,
    ) -> AppResult<()> {
        if !who.grants.iter().any(|g| g.role.may_use_totp()) {
            return Err(AppError::Forbidden);
        }
        let u = user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if u.totp_enabled {
            return Err(AppError::Conflict("动态口令已启用".into()));
        }
        let step = self.accept_code(&u, code)?;
        let w = self.write(who, ctx).await?;
        let mut am = u.into_active_model();
        am.totp_enabled = Set(true);
        am.totp_last_step = Set(Some(step));
        am.update(&w.txn).await?;
        w.commit(Entry {
            action: "user.totp_enable",
            object_type: "user",
            object_id: &who.user_id,
            changes: serde_json::json!({"totp": true}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
        Ok(())
    }

    /// Second step of signing in: the session becomes usable after a correct code.
    /// Codes are counted in their own counter (`guard`), before they are checked: a right
    /// password does not give back tries at the code. At the threshold the half-signed-in
    /// session ends.
    pub async fn totp_login(&self, ctx: &RequestCtx, token: &str, code: &str) -> AppResult<()> {
        let hash = token_hash(token);
        let s = session::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
            .filter(|s| s.mfa_pending)
            .ok_or(AppError::Unauthenticated)?;
        let u = user::Entity::find_by_id(s.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let actor = audit::Actor {
            id: &u.id,
            name: &u.display_name,
            role: "",
        };
        let attempt = match self
            .count_attempt(GuardSecret::Totp, Subject::Account(&u.id))
            .await
        {
            Ok(a) => a,
            Err(e) => {
                let w = self.write(actor, ctx).await?;
                session::Entity::delete_by_id(hash).exec(&w.txn).await?;
                w.commit(totp_entry(&u.id, "locked")).await?;
                self.sessions.clear().await;
                return Err(e);
            }
        };
        let w = self.write(actor, ctx).await?;
        let now = w.now;
        let step = match self.accept_code(&u, code) {
            Ok(step) => step,
            Err(e) => {
                let locked = attempt.failures() >= self.security.lockout_threshold;
                if locked {
                    session::Entity::delete_by_id(hash).exec(&w.txn).await?;
                }
                let outcome = if locked {
                    "bad_code_locked"
                } else {
                    "bad_code"
                };
                w.commit(totp_entry(&u.id, outcome)).await?;
                self.sessions.clear().await;
                return Err(if locked {
                    locked_error(now, attempt.window_ends())
                } else {
                    e
                });
            }
        };
        // Only a step newer than the last accepted one: two requests with the same code
        // cannot both pass.
        let res = user::Entity::update_many()
            .col_expr(user::Column::TotpLastStep, Expr::value(Some(step)))
            .filter(user::Column::Id.eq(u.id.clone()))
            .filter(
                Condition::any()
                    .add(user::Column::TotpLastStep.is_null())
                    .add(user::Column::TotpLastStep.lt(step)),
            )
            .exec(&w.txn)
            .await?;
        if res.rows_affected != 1 {
            w.txn.rollback().await?;
            return Err(AppError::field("code", "动态口令不正确或已使用"));
        }
        let mut sm = s.into_active_model();
        sm.mfa_pending = Set(false);
        sm.last_seen_at = Set(now);
        sm.update(&w.txn).await?;
        w.commit(totp_entry(&u.id, "ok")).await?;
        self.attempt_succeeded(attempt).await?;
        self.sessions.clear().await;
        Ok(())
    }

    /// The current code for a user, for tests and the CLI's recovery path.
    pub async fn totp_current_code(&self, user_id: &str) -> AppResult<String> {
        let u = user::Entity::find_by_id(user_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("用户"))?;
        Ok(self
            .totp_of(&u)?
            .generate(std::cmp::max(self.now().timestamp(), 0) as u64))
    }
}

fn totp_entry<'a>(user_id: &'a str, outcome: &'a str) -> Entry<'a> {
    Entry {
        action: "auth.totp",
        object_type: "user",
        object_id: user_id,
        changes: serde_json::json!({}),
        outcome,
    }
}
