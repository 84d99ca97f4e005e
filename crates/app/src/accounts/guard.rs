//! The one throttling layer for every secret a person types (a password, a second-factor
//! code, an activation) and for requests that cost us something (SMS, registrations,
//! exchange pulls).
//!
//! - Failures of a secret are counted per subject — an account, or what was typed when it
//!   names no account, so an unknown name behaves exactly like a known one — *before* the
//!   secret is checked, in one statement: parallel guesses cannot slip past the limit.
//!   Past the limit every answer is the same "locked" answer, whether the secret was right
//!   or wrong and whether the account exists. A success clears its own subject only: a
//!   right password does not reset the count of wrong second-factor codes.
//! - After a few failures (of the subject, or from the address) a CAPTCHA-style challenge
//!   is required first, so locking someone else out costs a person's effort per try.
//! - Requests per address and per phone are limited in fixed windows (`jineng-limits`:
//!   in process, or in Redis across nodes), answered with 429 and when to retry.
//!
//! Must never: answer differently for a known and an unknown subject, or let a check
//! happen outside the count.

use super::Accounts;
use crate::App;
use crate::context::RequestCtx;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use jineng_store::accounts::secret_attempt;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

/// A secret a person proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Secret {
    Password,
    Totp,
    /// A one-time code sent by SMS (registration, activation); its subject is the code.
    SmsCode,
}

/// Wrong guesses at one SMS code before it is void.
pub(crate) const SMS_CODE_TRIES: i32 = 5;

impl Secret {
    fn code(self) -> &'static str {
        match self {
            Secret::Password => "password",
            Secret::Totp => "totp",
            Secret::SmsCode => "sms",
        }
    }

    /// Tries in a window, and the window.
    fn budget(self, s: &crate::SecurityConfig) -> (i32, Duration) {
        match self {
            Secret::Password | Secret::Totp => {
                (s.lockout_threshold, Duration::minutes(s.lockout_minutes))
            }
            Secret::SmsCode => (SMS_CODE_TRIES, Duration::minutes(30)),
        }
    }
}

/// Who a secret is proved for.
pub(crate) enum Subject<'a> {
    /// An existing account.
    Account(&'a str),
    /// What was typed, when it names no account (kept only as a hash).
    Typed(&'a str),
    /// One issued code (an SMS code's id).
    Code(&'a str),
}

impl Secret {
    /// The counter key for `subject`.
    fn key(self, subject: Subject<'_>) -> String {
        match subject {
            Subject::Account(id) => format!("{}:{id}", self.code()),
            Subject::Code(id) => format!("{}:code:{id}", self.code()),
            Subject::Typed(t) => {
                let normal = t.trim().to_lowercase();
                let h = hex::encode(Sha256::digest(normal.as_bytes()));
                format!("{}:typed:{}", self.code(), &h[..32])
            }
        }
    }
}

/// Requests limited per key in fixed windows: (name, limit, window).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// Sign-in requests from one address.
    SignInPerAddress,
    /// Failed sign-ins from one address: past `ip_captcha_after` a challenge is required,
    /// past this limit the address waits.
    SignInFailuresPerAddress,
    /// SMS codes to one phone.
    SmsPerPhone,
    /// SMS codes requested from one address.
    SmsPerAddress,
    /// Registrations and activations from one address.
    RegistrationsPerAddress,
    /// Pulls by one data-exchange client.
    ExchangePerClient,
    /// Signed requests with one open-API key.
    OpenApiPerKey,
    /// Evidence-log reads from one address.
    LedgerReadsPerAddress,
    /// Costly requests of one account (study-session opens, exam starts, archive PDFs).
    HeavyPerUser,
}

impl Limit {
    /// (name, allowed per window, window).
    fn spec(self, r: &crate::config::RateLimits) -> (&'static str, u64, Duration) {
        match self {
            Limit::SignInPerAddress => {
                ("signin", r.sign_in_per_address_minute, Duration::minutes(1))
            }
            Limit::SignInFailuresPerAddress => (
                "signin-fail",
                r.sign_in_failures_per_address_15min,
                Duration::minutes(15),
            ),
            Limit::SmsPerPhone => ("sms-phone", r.sms_per_phone_hour, Duration::hours(1)),
            Limit::SmsPerAddress => ("sms-ip", r.sms_per_address_hour, Duration::hours(1)),
            Limit::RegistrationsPerAddress => (
                "register-ip",
                r.registrations_per_address_hour,
                Duration::hours(1),
            ),
            Limit::ExchangePerClient => (
                "exchange",
                r.exchange_per_client_minute,
                Duration::minutes(1),
            ),
            Limit::OpenApiPerKey => ("open-api", r.open_api_per_key_minute, Duration::minutes(1)),
            Limit::LedgerReadsPerAddress => (
                "ledger-ip",
                r.ledger_reads_per_address_minute,
                Duration::minutes(1),
            ),
            Limit::HeavyPerUser => ("heavy-user", r.heavy_per_user_minute, Duration::minutes(1)),
        }
    }
}

/// An attempt counted before its secret is checked; clear it when the secret was right.
pub(crate) struct Attempt {
    key: String,
    failures: i32,
    window_ends: DateTime<Utc>,
}

impl Attempt {
    /// Attempts counted in this window, this one included.
    pub(crate) fn failures(&self) -> i32 {
        self.failures
    }

    pub(crate) fn window_ends(&self) -> DateTime<Utc> {
        self.window_ends
    }
}

impl App {
    /// Count one request against `limit` for `key`; past the limit, 429 with the seconds
    /// until the window ends. If the counter store does not answer, the request goes on
    /// (the per-subject counts in the database still hold) and the failure is logged.
    pub(crate) async fn limit(&self, ctx: &RequestCtx, limit: Limit, key: &str) -> AppResult<u64> {
        if ctx.internal {
            return Ok(0);
        }
        let (name, max, window) = limit.spec(&self.security.rate_limits);
        let window = window.to_std().unwrap_or_default();
        match self.limiter.hit(&format!("{name}:{key}"), window).await {
            Ok(c) if c.hits > max => Err(AppError::TooMany {
                retry_after: std::cmp::max(c.resets_in.as_secs(), 1),
            }),
            Ok(c) => Ok(c.hits),
            Err(e) => {
                tracing::warn!(error = %e, limit = name, "rate limiter unavailable; allowing");
                Ok(0)
            }
        }
    }

    /// Count one costly request of `who` (a study-session open, an exam start, an archive
    /// PDF): past `heavy_per_user_minute`, 429.
    pub async fn limit_heavy(&self, ctx: &RequestCtx, who: &crate::Principal) -> AppResult<()> {
        self.limit(ctx, Limit::HeavyPerUser, &who.user_id)
            .await
            .map(|_| ())
    }

    /// How often `key` was counted against `limit` in its current window, without
    /// counting.
    pub(crate) async fn limit_count(&self, limit: Limit, key: &str) -> u64 {
        let (name, _, window) = limit.spec(&self.security.rate_limits);
        let window = window.to_std().unwrap_or_default();
        match self.limiter.peek(&format!("{name}:{key}"), window).await {
            Ok(c) => c.hits,
            Err(e) => {
                tracing::warn!(error = %e, limit = name, "rate limiter unavailable");
                0
            }
        }
    }

    /// Refuse (429) while `key` is past `limit`, without counting this request.
    pub(crate) async fn check_limit(
        &self,
        ctx: &RequestCtx,
        limit: Limit,
        key: &str,
    ) -> AppResult<()> {
        if ctx.internal {
            return Ok(());
        }
        let (name, max, window) = limit.spec(&self.security.rate_limits);
        let window = window.to_std().unwrap_or_default();
        match self.limiter.peek(&format!("{name}:{key}"), window).await {
            Ok(c) if c.hits >= max => Err(AppError::TooMany {
                retry_after: std::cmp::max(c.resets_in.as_secs(), 1),
            }),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, limit = name, "rate limiter unavailable; allowing");
                Ok(())
            }
        }
    }

    /// Failures counted for `key` in its current window.
    async fn failures(&self, key: &str) -> AppResult<i32> {
        let now = self.now();
        Ok(secret_attempt::Entity::find_by_id(key.to_string())
            .one(&self.db)
            .await?
            .filter(|r| r.window_ends > now)
            .map(|r| r.failures)
            .unwrap_or(0))
    }

    /// Count an attempt at a secret before it is checked: one statement adds it (or
    /// starts a new window), so parallel attempts each see their own number. Past the
    /// threshold the answer is "locked" — the same for a right and a wrong secret.
    pub(crate) async fn count_attempt(
        &self,
        secret: Secret,
        subject: Subject<'_>,
    ) -> AppResult<Attempt> {
        let now = self.now();
        let key = secret.key(subject);
        let (max, window) = secret.budget(&self.security);
        let (failures, ends) = bump(&self.db, &key, now, now + window).await?;
        if failures > max {
            return Err(locked(now, ends));
        }
        Ok(Attempt {
            key,
            failures,
            window_ends: ends,
        })
    }

    /// The secret was right: its subject starts again from nothing.
    pub(crate) async fn attempt_succeeded(&self, a: Attempt) -> AppResult<()> {
        self.forget_attempts(&a.key).await
    }

    async fn forget_attempts(&self, key: &str) -> AppResult<()> {
        forget(&self.db, key).await
    }

    /// Failures of `secret` counted for `subject` in the current window.
    pub(crate) async fn failures_of(&self, secret: Secret, subject: Subject<'_>) -> AppResult<i32> {
        self.failures(&secret.key(subject)).await
    }

    /// Whether `subject` is locked out of `secret` now.
    pub(crate) async fn is_locked(&self, secret: Secret, subject: Subject<'_>) -> AppResult<bool> {
        let (max, _) = secret.budget(&self.security);
        Ok(self.failures_of(secret, subject).await? >= max)
    }
}

/// The one answer for a locked subject.
pub(crate) fn locked(now: DateTime<Utc>, ends: DateTime<Utc>) -> AppError {
    let minutes = ((ends - now).num_seconds() + 59) / 60;
    AppError::Locked(format!(
        "尝试次数过多，已暂时锁定，请{}分钟后再试",
        std::cmp::max(minutes, 1)
    ))
}

/// Add one failure to `key` (a new window if the last one has ended) and return the count
/// and when the window ends.
async fn bump<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> AppResult<(i32, DateTime<Utc>)> {
    use secret_attempt::Column as C;
    let expired = Expr::col((secret_attempt::Entity, C::WindowEnds)).lte(now);
    let q = Query::insert()
        .into_table(secret_attempt::Entity)
        .columns([C::Key, C::Failures, C::WindowEnds])
        .values_panic([key.into(), 1.into(), ends.into()])
        .on_conflict(
            OnConflict::column(C::Key)
                .value(
                    C::Failures,
                    Expr::case(expired.clone(), 1)
                        .finally(Expr::col((secret_attempt::Entity, C::Failures)).add(1)),
                )
                .value(
                    C::WindowEnds,
                    Expr::case(expired, ends)
                        .finally(Expr::col((secret_attempt::Entity, C::WindowEnds))),
                )
                .to_owned(),
        )
        .returning(Query::returning().columns([C::Failures, C::WindowEnds]))
        .to_owned();
    let row = db
        .query_one(&q)
        .await?
        .ok_or_else(|| AppError::Internal("attempt count returned nothing".into()))?;
    Ok((
        row.try_get("", "failures")?,
        row.try_get("", "window_ends")?,
    ))
}

async fn forget<C: ConnectionTrait>(db: &C, key: &str) -> AppResult<()> {
    secret_attempt::Entity::delete_many()
        .filter(secret_attempt::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Clear an account's counts (an administrator's unlock), inside the unlock's transaction.
pub(crate) async fn forget_account_attempts<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> AppResult<()> {
    for s in [Secret::Password, Secret::Totp] {
        forget(db, &s.key(Subject::Account(user_id))).await?;
    }
    Ok(())
}

impl Accounts<'_> {
    /// Whether an account is locked now (wrong passwords or wrong codes).
    pub(crate) async fn account_locked(&self, user_id: &str) -> AppResult<bool> {
        Ok(self
            .is_locked(Secret::Password, Subject::Account(user_id))
            .await?
            || self
                .is_locked(Secret::Totp, Subject::Account(user_id))
                .await?)
    }
}
