//! Security settings, loaded once at start-up. Defaults make the embedded mode work untouched.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Idle minutes after which a browser session ends.
    pub session_idle_minutes: i64,
    /// Seconds a node may answer from its in-memory copy of a session before rereading it.
    /// Sign-out and account changes on the same node take effect at once; on other nodes
    /// within this many seconds. 0 turns the cache off.
    pub session_cache_seconds: i64,
    /// With Redis (several nodes): seconds a session view read from the database is kept
    /// in Redis for every node, so a node without its own copy reads a session in one
    /// Redis round trip. Sign-out and account changes drop it at once. 0 turns it off.
    pub session_shared_seconds: i64,
    /// Failed proofs of a secret (password, second-factor code, activation) within
    /// `lockout_minutes` that lock its subject until the window ends.
    pub lockout_threshold: i32,
    /// The window of those failures.
    pub lockout_minutes: i64,
    /// Failures of a subject after which sign-in also asks for a CAPTCHA-style challenge,
    /// so locking someone else out costs a person's effort per try.
    pub captcha_after: i32,
    /// Failed sign-ins from one address (in 15 minutes) after which every sign-in from it
    /// asks for the challenge.
    pub address_captcha_after: u64,
    /// Require a TOTP second factor for administrators and regulators.
    pub require_totp_for_admins: bool,
    /// Argon2id memory cost in KiB and iterations (OWASP: 19 MiB, 2).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Mark cookies `Secure` (set when served over TLS).
    pub secure_cookies: bool,
    /// Requests allowed per window (see `RateLimits`).
    pub rate_limits: RateLimits,
    /// Minutes before a session starts and after it ends in which learners may sign in
    /// by QR code (and from which staff may mark attendance).
    pub checkin_grace_minutes: i64,
    /// Youngest age at which a person may be registered or imported as a learner.
    pub min_learner_age: u32,
    /// Deliver webhooks to loopback and private addresses too (a test or a closed
    /// network); by default only public addresses are called.
    pub webhooks_to_private_addresses: bool,
    /// Reverse proxies (addresses or CIDR networks) whose `X-Forwarded-For` is believed:
    /// behind them the client's address (for rate limits, allowlists, the audit trail and
    /// the logs) is the rightmost entry that is not one of them. Empty: the connection's
    /// own peer is the client.
    pub trusted_proxies: Vec<String>,
}

/// Requests allowed per key and fixed window; past them the answer is 429 with
/// `Retry-After`. Work the server starts itself (CLI, demo loading) is not counted.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// Sign-in requests from one address per minute.
    pub sign_in_per_address_minute: u64,
    /// Failed sign-ins from one address per 15 minutes, after which it waits.
    pub sign_in_failures_per_address_15min: u64,
    /// SMS codes to one phone per hour.
    pub sms_per_phone_hour: u64,
    /// SMS codes requested from one address per hour.
    pub sms_per_address_hour: u64,
    /// Registrations and activations from one address per hour.
    pub registrations_per_address_hour: u64,
    /// Pulls by one data-exchange client per minute.
    pub exchange_per_client_minute: u64,
    /// Signed requests with one open-API key per minute.
    pub open_api_per_key_minute: u64,
    /// Evidence-log reads that cost the database (proofs, entries, bundles, tiles,
    /// checks on the public page) from one address per minute.
    pub ledger_reads_per_address_minute: u64,
    /// Costly requests one account makes per minute: opening a study session, starting
    /// an exam, making an archive PDF.
    pub heavy_per_user_minute: u64,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            sign_in_per_address_minute: 30,
            sign_in_failures_per_address_15min: 50,
            sms_per_phone_hour: 5,
            sms_per_address_hour: 20,
            registrations_per_address_hour: 10,
            exchange_per_client_minute: 600,
            open_api_per_key_minute: 1200,
            ledger_reads_per_address_minute: 600,
            heavy_per_user_minute: 30,
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            session_idle_minutes: 30,
            session_cache_seconds: 5,
            session_shared_seconds: 300,
            checkin_grace_minutes: 15,
            min_learner_age: jineng_core::learners::MIN_LEARNER_AGE,
            lockout_threshold: 10,
            lockout_minutes: 30,
            captcha_after: 3,
            address_captcha_after: 10,
            require_totp_for_admins: false,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            secure_cookies: false,
            rate_limits: RateLimits::default(),
            webhooks_to_private_addresses: false,
            trusted_proxies: Vec::new(),
        }
    }
}
