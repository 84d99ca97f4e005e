//! Signing in (password, then TOTP when enabled) through the one throttling layer
//! (`guard`), sessions with an idle timeout, password change, signing out.

use super::Accounts;
use super::guard::{Limit, Secret, Subject};
use crate::audit::{Actor, Entry};
use crate::context::{Principal, RequestCtx};
use crate::crypto::{random_token, token_hash};
use crate::error::{AppError, AppResult};
use chrono::Duration;
use jineng_core::accounts::UserStatus;
use jineng_core::accounts::check_password_policy;
use jineng_store::accounts::{session, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use std::sync::Arc;

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
/// `session_cache_seconds`; every account change clears them, and a sign-out drops its
/// session — on this node at once, and on every other node through Redis when the nodes
/// share it (`share`): a node that does not hear the others then trusts no copy at all.
#[derive(Default)]
pub struct SessionCache {
    map: std::sync::Mutex<std::collections::HashMap<String, Cached>>,
    /// Bumped by every drop: a copy read before a drop is not kept after it.
    generation: std::sync::atomic::AtomicU64,
    /// Sharing, but not subscribed now: copies are not trusted.
    deaf: std::sync::atomic::AtomicBool,
    channel: std::sync::OnceLock<jineng_limits::broadcast::Channel>,
    /// Several nodes: views kept in Redis for every node, and for how long.
    shared: std::sync::OnceLock<(jineng_limits::shared::Views, std::time::Duration)>,
    /// Reads of those views since start: found, not there (the database read), failed.
    shared_reads: [std::sync::atomic::AtomicU64; 3],
}

#[derive(Clone)]
struct Cached {
    view: SessionView,
    loaded_at: chrono::DateTime<chrono::Utc>,
    last_seen_at: chrono::DateTime<chrono::Utc>,
}

/// The message that drops every copy on every node.
const DROP_ALL: &str = "*";

/// A session view as kept in Redis (`SessionCache::shared`).
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    user_id: String,
    username: String,
    display_name: String,
    /// (role code, region code, organisation id) per grant.
    grants: Vec<(String, Option<String>, Option<String>)>,
    csrf: String,
    mfa_pending: bool,
    must_change_password: bool,
    must_enroll_totp: bool,
    totp_enabled: bool,
    loaded_at: chrono::DateTime<chrono::Utc>,
    last_seen_at: chrono::DateTime<chrono::Utc>,
}

impl Stored {
    fn of(c: &Cached) -> Stored {
        let v = &c.view;
        Stored {
            user_id: v.principal.user_id.clone(),
            username: v.principal.username.clone(),
            display_name: v.principal.display_name.clone(),
            grants: v
                .principal
                .grants
                .iter()
                .map(|g| {
                    (
                        g.role.code().to_string(),
                        g.region.as_ref().map(|r| r.as_str().to_string()),
                        g.org_id.clone(),
                    )
                })
                .collect(),
            csrf: v.csrf.clone(),
            mfa_pending: v.mfa_pending,
            must_change_password: v.must_change_password,
            must_enroll_totp: v.must_enroll_totp,
            totp_enabled: v.totp_enabled,
            loaded_at: c.loaded_at,
            last_seen_at: c.last_seen_at,
        }
    }

    /// Back to a view; `None` (read the database instead) for anything not understood,
    /// such as a role a newer node wrote.
    fn into_cached(self) -> Option<Cached> {
        let mut grants = Vec::with_capacity(self.grants.len());
        for (role, region, org_id) in self.grants {
            grants.push(crate::context::Grant {
                role: jineng_core::accounts::Role::parse(&role)?,
                region: match region {
                    Some(r) => Some(jineng_core::RegionCode::parse(&r).ok()?),
                    None => None,
                },
                org_id,
            });
        }
        Some(Cached {
            view: SessionView {
                principal: Principal {
                    user_id: self.user_id,
                    username: self.username,
                    display_name: self.display_name,
                    grants,
                },
                csrf: self.csrf,
                mfa_pending: self.mfa_pending,
                must_change_password: self.must_change_password,
                must_enroll_totp: self.must_enroll_totp,
                totp_enabled: self.totp_enabled,
            },
            loaded_at: self.loaded_at,
            last_seen_at: self.last_seen_at,
        })
    }
}

impl SessionCache {
    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn get(&self, hash: &str) -> Option<Cached> {
        if self.deaf.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        self.map.lock().ok()?.get(hash).cloned()
    }

    /// Keep `c`, unless something was dropped since it was read (`read_at`).
    fn put(&self, hash: String, c: Cached, read_at: u64) {
        if let Ok(mut m) = self.map.lock() {
            if self.generation() != read_at {
                return;
            }
            // A crude bound: sessions are cheap to reread, memory is not free.
            if m.len() >= 100_000 {
                m.clear();
            }
            m.insert(hash, c);
        }
    }

    /// Drop one session's copy here (`Some`) or every copy (`None`).
    fn drop_here(&self, hash: Option<&str>) {
        if let Ok(mut m) = self.map.lock() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            match hash {
                Some(h) => {
                    m.remove(h);
                }
                None => m.clear(),
            }
        }
    }

    /// Tell the other nodes; a failure leaves their copies to expire by themselves.
    async fn tell(&self, message: &str) {
        if let Some(ch) = self.channel.get()
            && let Err(e) = ch.publish(message).await
        {
            tracing::warn!(error = %e, "could not tell the other nodes to drop sessions; their copies expire within session_cache_seconds");
        }
    }

    /// Drop one session's copy on every node (a sign-out).
    pub(crate) async fn remove(&self, hash: &str) {
        self.drop_here(Some(hash));
        self.tell(hash).await;
        if let Some((views, ttl)) = self.shared.get()
            && let Err(e) = views.remove(hash, *ttl).await
        {
            tracing::warn!(error = %e, "could not drop a session view in Redis; this node reads sessions from the database until it can");
        }
    }

    /// Forget everything on every node; called after any change to accounts, roles or
    /// sessions.
    pub async fn clear(&self) {
        self.drop_here(None);
        self.tell(DROP_ALL).await;
        if let Some((views, _)) = self.shared.get()
            && let Err(e) = views.clear().await
        {
            tracing::warn!(error = %e, "could not drop the session views in Redis; this node reads sessions from the database until it can");
        }
    }

    /// The view kept in Redis for `hash` (if any) and the generation to put one under;
    /// `None` without Redis views or when Redis does not answer (read the database).
    async fn shared_get(&self, hash: &str) -> Option<(Option<Cached>, u64)> {
        let (views, _) = self.shared.get()?;
        let count =
            |i: usize| self.shared_reads[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match views.get(hash).await {
            Ok(r) => {
                let view = r
                    .value
                    .and_then(|v| serde_json::from_str::<Stored>(&v).ok())
                    .and_then(Stored::into_cached);
                count(if view.is_some() { 0 } else { 1 });
                Some((view, r.generation))
            }
            Err(e) => {
                count(2);
                tracing::debug!(error = %e, "session view not read from Redis");
                None
            }
        }
    }

    /// Reads of the session views in Redis since start: (found, not there, failed).
    pub fn shared_reads(&self) -> (u64, u64, u64) {
        let n = |i: usize| self.shared_reads[i].load(std::sync::atomic::Ordering::Relaxed);
        (n(0), n(1), n(2))
    }

    /// Keep `c` in Redis for every node, unless something was dropped since
    /// `generation` was read.
    async fn shared_put(&self, hash: &str, c: &Cached, generation: u64) {
        let Some((views, ttl)) = self.shared.get() else {
            return;
        };
        let Ok(text) = serde_json::to_string(&Stored::of(c)) else {
            return;
        };
        if let Err(e) = views.put(hash, &text, generation, *ttl).await {
            tracing::debug!(error = %e, "session view not kept in Redis");
        }
    }

    /// Keep session views in Redis for every node, each for `ttl`.
    pub fn share_views(&self, views: jineng_limits::shared::Views, ttl: std::time::Duration) {
        if !ttl.is_zero() {
            let _ = self.shared.set((views, ttl));
        }
    }

    /// Hear the other nodes' drops on `channel` from now on. Until the subscription
    /// stands (and whenever it is lost) no copy is trusted; when it stands again every
    /// copy is dropped, since drops sent in the gap were not heard.
    pub fn share(self: &Arc<Self>, channel: jineng_limits::broadcast::Channel) {
        if self.channel.set(channel.clone()).is_err() {
            return;
        }
        self.deaf.store(true, std::sync::atomic::Ordering::SeqCst);
        let on_message = {
            let me = self.clone();
            move |m: &str| me.drop_here(if m == DROP_ALL { None } else { Some(m) })
        };
        let hearing = {
            let me = self.clone();
            move |on: bool| {
                if on {
                    me.drop_here(None);
                }
                me.deaf.store(!on, std::sync::atomic::Ordering::SeqCst);
            }
        };
        tokio::spawn(channel.listen(on_message, hearing));
    }

    /// Whether copies are trusted now (one node, or sharing and subscribed).
    pub fn hearing(&self) -> bool {
        !self.deaf.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// An account created or activated in this request by the person it belongs to (who
/// proved their phone, or chose the password a moment ago). Only the use cases that do
/// that make one; it lets `start_session` sign them in without asking again.
#[derive(Debug)]
pub struct NewAccount {
    pub(crate) user_id: String,
}

impl NewAccount {
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

/// What a person typed to sign in.
#[derive(Debug, Clone, Default)]
pub struct Credentials<'a> {
    pub login: &'a str,
    pub password: &'a str,
    /// The answer to the challenge (token, digits), when one was shown.
    pub captcha: Option<(&'a str, &'a str)>,
}

impl Accounts<'_> {
    /// Whether sign-in as `login` from this address must show the challenge first.
    pub async fn needs_captcha(&self, ctx: &RequestCtx, login: &str) -> AppResult<bool> {
        let user = self.find_user_by_login(login).await?;
        let subject = match &user {
            Some(u) => Subject::Account(&u.id),
            None => Subject::Typed(login),
        };
        Ok(
            self.failures_of(Secret::Password, subject).await? >= self.security.captcha_after
                || self
                    .limit_count(Limit::SignInFailuresPerAddress, &ctx.ip)
                    .await
                    >= self.security.address_captcha_after,
        )
    }

    /// Sign in with a password. Every failure answers the same (`BadCredentials`), known
    /// account or not; past the lockout threshold every answer is the same "locked" one,
    /// right password or not. See `guard` for the counting.
    pub async fn login(&self, ctx: &RequestCtx, c: Credentials<'_>) -> AppResult<IssuedSession> {
        self.limit(ctx, Limit::SignInPerAddress, &ctx.ip).await?;
        self.check_limit(ctx, Limit::SignInFailuresPerAddress, &ctx.ip)
            .await?;
        let user = self.find_user_by_login(c.login).await?;
        let subject = match &user {
            Some(u) => Subject::Account(&u.id),
            None => Subject::Typed(c.login),
        };
        if self.needs_captcha(ctx, c.login).await? {
            match c.captcha {
                Some((token, answer)) => self.check_captcha(token, answer).await?,
                None => {
                    return Err(AppError::field("captcha", "请输入图形验证码"));
                }
            }
        }
        let attempt = match self.count_attempt(Secret::Password, subject).await {
            Ok(a) => a,
            Err(e) => {
                match &user {
                    Some(u) => self.audit_login(ctx, u, "locked").await?,
                    None => self.audit_anonymous(ctx, c.login, "locked").await?,
                }
                return Err(e);
            }
        };
        let pw = c.password.to_string();
        let ok = match &user {
            Some(u) => {
                let stored = u.password_hash.clone();
                self.blocking(move |h| h.verify(&pw, &stored)).await?
            }
            None => {
                self.blocking(move |h| h.verify_dummy(&pw)).await?;
                false
            }
        };
        let Some(u) = user.filter(|_| ok) else {
            // Counted for the address too: many failures from one place bring the
            // challenge for every name, then a wait.
            let _ = self
                .limit(ctx, Limit::SignInFailuresPerAddress, &ctx.ip)
                .await;
            match self.find_user_by_login(c.login).await? {
                Some(u) => self.audit_login(ctx, &u, "bad_password").await?,
                None => self.audit_anonymous(ctx, c.login, "unknown_user").await?,
            }
            return Err(AppError::BadCredentials);
        };
        if u.status != UserStatus::Active {
            self.audit_login(ctx, &u, "disabled").await?;
            return Err(AppError::Locked("账户已停用，请联系管理员".into()));
        }
        self.attempt_succeeded(attempt).await?;
        self.open_session(ctx, &u).await
    }

    /// Sign in someone who has just proved who they are another way: registered or
    /// activated with a phone code in this same request.
    pub async fn start_session(
        &self,
        ctx: &RequestCtx,
        proof: NewAccount,
    ) -> AppResult<IssuedSession> {
        let u = user::Entity::find_by_id(proof.user_id)
            .one(&self.db)
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or(AppError::Unauthenticated)?;
        self.open_session(ctx, &u).await
    }

    async fn open_session(&self, ctx: &RequestCtx, u: &user::Model) -> AppResult<IssuedSession> {
        let mfa_pending = u.totp_enabled;
        let issued = IssuedSession {
            token: random_token(),
            csrf: random_token(),
            mfa_pending,
        };
        let w = self.write(actor_of(u), ctx).await?;
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(token_hash(&issued.token)),
            user_id: Set(u.id.clone()),
            csrf_token: Set(issued.csrf.clone()),
            mfa_pending: Set(mfa_pending),
            ip: Set(ctx.ip.clone()),
            user_agent: Set(ctx.user_agent.chars().take(200).collect()),
            created_at: Set(w.now),
            last_seen_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        let outcome = if mfa_pending {
            "password_ok_totp_pending"
        } else {
            "ok"
        };
        w.commit(login_entry(&u.id, outcome)).await?;
        Ok(issued)
    }

    async fn audit_login(&self, ctx: &RequestCtx, u: &user::Model, outcome: &str) -> AppResult<()> {
        self.write(actor_of(u), ctx)
            .await?
            .commit(login_entry(&u.id, outcome))
            .await
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
        let actor = Actor {
            id: "anonymous",
            name: &name,
            role: "",
        };
        self.write(actor, ctx)
            .await?
            .commit(login_entry("", outcome))
            .await
    }

    /// Look up a session by its cookie token; ends it if idle too long, else marks it seen.
    pub async fn session(&self, token: &str) -> AppResult<SessionView> {
        let hash = token_hash(token);
        let read_at = self.sessions.generation();
        let now = self.now();
        let idle = Duration::minutes(self.security.session_idle_minutes);
        let ttl = Duration::seconds(self.security.session_cache_seconds);
        let fresh = self
            .sessions
            .get(&hash)
            .filter(|c| c.loaded_at + ttl > now && c.last_seen_at + idle >= now);
        // Marked seen at most every sixth of the idle timeout (between one and five
        // minutes): the timeout needs no finer grain, and a learner's heartbeats every 20 s
        // would otherwise write the session row every third one.
        let touch_every = (idle / 6).clamp(Duration::seconds(60), Duration::seconds(300));
        if let Some(mut c) = fresh {
            if now - c.last_seen_at > touch_every {
                if !self.touch_session(&hash, now).await? {
                    return Err(AppError::Unauthenticated);
                }
                c.last_seen_at = now;
                self.sessions.put(hash, c.clone(), read_at);
            }
            return Ok(c.view);
        }
        // Several nodes: the view another node (or this one) read lately, kept in Redis.
        let shared = self.sessions.shared_get(&hash).await;
        if let Some((Some(mut c), generation)) = shared.clone()
            && c.last_seen_at + idle >= now
        {
            if now - c.last_seen_at > touch_every {
                if !self.touch_session(&hash, now).await? {
                    return Err(AppError::Unauthenticated);
                }
                c.last_seen_at = now;
                self.sessions.shared_put(&hash, &c, generation).await;
            }
            if ttl > Duration::zero() {
                // This node's copy counts its age from now: the view held when it was
                // read (a drop since would have changed the generation or the key).
                self.sessions.put(
                    hash,
                    Cached {
                        loaded_at: now,
                        ..c.clone()
                    },
                    read_at,
                );
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
        let mut last_seen_at = s.last_seen_at;
        if now - s.last_seen_at > touch_every {
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
        let c = Cached {
            view: view.clone(),
            loaded_at: now,
            last_seen_at,
        };
        if let Some((_, generation)) = shared {
            self.sessions.shared_put(&hash, &c, generation).await;
        }
        if ttl > Duration::zero() {
            self.sessions.put(hash, c, read_at);
        }
        Ok(view)
    }

    /// Mark a session seen now; whether it still exists.
    async fn touch_session(
        &self,
        hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<bool> {
        let r = session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::TokenHash.eq(hash))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected > 0)
    }

    pub async fn logout(&self, ctx: &RequestCtx, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.sessions.remove(&hash).await;
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
        // The current password is a secret typed like any other: counted first, the
        // same counter as signing in.
        let attempt = self
            .count_attempt(Secret::Password, Subject::Account(&u.id))
            .await?;
        let (o, stored) = (old.to_string(), u.password_hash.clone());
        if !self.blocking(move |h| h.verify(&o, &stored)).await? {
            errors.insert(0, crate::FieldError::new("old_password", "当前密码不正确"));
            return Err(AppError::Validation(errors));
        }
        self.attempt_succeeded(attempt).await?;
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
        super::tokens::revoke_all(&w.txn, &who.user_id, now).await?;
        w.commit(Entry {
            action: "user.password_change",
            object_type: "user",
            object_id: &who.user_id,
            changes: serde_json::json!({"password": "changed"}),
            outcome: "ok",
        })
        .await?;
        self.sessions.clear().await;
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
