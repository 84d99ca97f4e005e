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
    /// Wrong passwords in a row that lock an account.
    pub lockout_threshold: i32,
    /// How long a lock lasts.
    pub lockout_minutes: i64,
    /// Require a TOTP second factor for administrators and regulators.
    pub require_totp_for_admins: bool,
    /// Argon2id memory cost in KiB and iterations (OWASP: 19 MiB, 2).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Mark cookies `Secure` (set when served over TLS).
    pub secure_cookies: bool,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            session_idle_minutes: 30,
            session_cache_seconds: 5,
            lockout_threshold: 5,
            lockout_minutes: 30,
            require_totp_for_admins: false,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            secure_cookies: false,
        }
    }
}
