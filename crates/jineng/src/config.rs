//! Configuration: defaults (embedded mode works untouched) ← `jineng.toml` ← `JINENG_*`
//! environment variables ← command-line flags. Loaded once at start-up.

use anyhow::{Context, Result, bail};
use jineng_app::SecurityConfig;
use jineng_app::crypto::pii::Keyring;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How a deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One machine: SQLite, local files, keys created on first start.
    Embedded,
    /// Several nodes: refuses to start without configured keys and shared storage.
    Production,
}

/// Where uploaded files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilesBackend {
    /// `data_dir/files`.
    Local,
    /// An S3-compatible bucket.
    S3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// One of a closed set of words, as typed in a file or the environment.
fn word<T: serde::de::DeserializeOwned>(name: &str, v: &str) -> Result<T> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(v.trim()))
        .map_err(|e| anyhow::anyhow!("JINENG_{name}: {e}"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…` (may hold a password); default: SQLite in `data_dir`.
    pub database_url: Option<SecretString>,
    pub max_connections: u32,
    /// `postgres://…` of a streaming replica (PostgreSQL only): lists and exports read
    /// from it while it is no more than `replica_max_lag_ms` behind.
    pub database_replica_url: Option<SecretString>,
    /// How far behind (milliseconds) the replica may be and still be read from. A client
    /// that wrote reads from the primary for this long, so it sees its own writes.
    pub replica_max_lag_ms: u64,
    pub mode: Mode,
    pub demo: bool,
    /// Province this deployment serves (GB/T 2260 code).
    pub province: String,
    pub log_format: LogFormat,
    /// `id:base64key,…`, the active key first. Secrets: prefer the environment.
    pub pii_keys: Option<SecretString>,
    pub pii_blind_key: Option<SecretString>,
    /// The audit chain's HMAC key (base64, 32 bytes). Kept outside the database.
    pub audit_key: Option<SecretString>,
    /// The evidence log's checkpoint signing key: a C2SP signed-note Ed25519 private key
    /// (`PRIVATE+KEY+<origin>+<id>+<base64>`, from `jineng ledger keygen`).
    pub ledger_key: Option<SecretString>,
    /// Minutes between scheduled checkpoints (0 = only on demand).
    pub checkpoint_minutes: u64,
    /// Verifier keys of retired evidence-log signing keys (after a rotation).
    pub ledger_old_keys: Vec<String>,
    /// Witnesses asked to cosign every checkpoint: `<cosignature/v1 verifier key> <url>`,
    /// separated by `;` or new lines (C2SP tlog-witness; empty = none).
    pub ledger_witnesses: String,
    /// Hours between scheduled full checks of the evidence log (0 = only on request).
    pub ledger_verify_hours: u64,
    pub security: SecurityConfig,
    pub files: FilesConfig,
    /// Background-job workers on this node.
    pub job_workers: usize,
    /// Seconds a claimed job is its worker's before another node may take it (renewed
    /// every third of it while the job runs).
    pub job_lease_seconds: u64,
    /// `redis://…`: request counters shared by every node (rate limits, challenges).
    /// Without it counters live in this process, which is right for one node only.
    pub redis_url: Option<SecretString>,
    /// With Redis: how often, at most, a node synchronises a busy counter (milliseconds;
    /// 0 = every hit). Between synchronisations a node counts its own hits at once and
    /// sees the other nodes' up to this late.
    pub redis_sync_ms: u64,
    /// Bearer token for `/metrics` (Prometheus). Without it `/metrics` answers only
    /// requests from this machine that came through no proxy.
    pub metrics_token: Option<SecretString>,
}

/// Where uploaded documents go.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilesConfig {
    pub backend: FilesBackend,
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_prefix: String,
    /// Secrets: prefer the environment (JINENG_S3_ACCESS_KEY, JINENG_S3_SECRET_KEY).
    pub s3_access_key: SecretString,
    pub s3_secret_key: SecretString,
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            backend: FilesBackend::Local,
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: String::new(),
            s3_prefix: String::new(),
            s3_access_key: SecretString::default(),
            s3_secret_key: SecretString::default(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            max_connections: 16,
            database_replica_url: None,
            replica_max_lag_ms: 5_000,
            mode: Mode::Embedded,
            demo: false,
            province: "520000".into(),
            log_format: LogFormat::Text,
            pii_keys: None,
            pii_blind_key: None,
            audit_key: None,
            ledger_key: None,
            checkpoint_minutes: 60,
            ledger_old_keys: Vec::new(),
            ledger_witnesses: String::new(),
            ledger_verify_hours: 24,
            security: SecurityConfig::default(),
            files: FilesConfig::default(),
            job_workers: 2,
            job_lease_seconds: 60,
            redis_url: None,
            redis_sync_ms: 100,
            metrics_token: None,
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(format!("JINENG_{name}"))
        .ok()
        .filter(|v| !v.is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, v: String) -> Result<T> {
    v.parse::<T>()
        .ok()
        .with_context(|| format!("JINENG_{name}: cannot parse {v:?}"))
}

impl Config {
    /// The trusted proxies as networks; a typo stops the start rather than trusting
    /// less (or more) than meant.
    pub fn trusted_proxies(&self) -> Result<Vec<jineng_core::net::Net>> {
        self.security
            .trusted_proxies
            .iter()
            .map(|p| {
                jineng_core::net::Net::parse(p).with_context(|| {
                    format!("trusted_proxies: {p:?} is not an address or CIDR network")
                })
            })
            .collect()
    }

    pub fn load(file: Option<&Path>) -> Result<Config> {
        let path = file
            .map(Path::to_path_buf)
            .or_else(|| env("CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("jineng.toml"));
        let mut c = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        } else if file.is_some() {
            bail!("config file {} not found", path.display());
        } else {
            Config::default()
        };
        if let Some(v) = env("BIND") {
            c.bind = v;
        }
        if let Some(v) = env("DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("DATABASE_URL") {
            c.database_url = Some(v.into());
        }
        if let Some(v) = env("DATABASE_REPLICA_URL") {
            c.database_replica_url = Some(v.into());
        }
        if let Some(v) = env("REPLICA_MAX_LAG_MS") {
            c.replica_max_lag_ms = parse("REPLICA_MAX_LAG_MS", v)?;
        }
        if let Some(v) = env("MAX_CONNECTIONS") {
            c.max_connections = parse("MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = env("MODE") {
            c.mode = word("MODE", &v)?;
        }
        if let Some(v) = env("DEMO") {
            c.demo = parse("DEMO", v)?;
        }
        if let Some(v) = env("PROVINCE") {
            c.province = v;
        }
        if let Some(v) = env("LOG_FORMAT") {
            c.log_format = word("LOG_FORMAT", &v)?;
        }
        if let Some(v) = env("JOB_WORKERS") {
            c.job_workers = parse("JOB_WORKERS", v)?;
        }
        if let Some(v) = env("JOB_LEASE_SECONDS") {
            c.job_lease_seconds = parse("JOB_LEASE_SECONDS", v)?;
        }
        if let Some(v) = env("REDIS_URL") {
            c.redis_url = Some(v.into());
        }
        if let Some(v) = env("REDIS_SYNC_MS") {
            c.redis_sync_ms = parse("REDIS_SYNC_MS", v)?;
        }
        if let Some(v) = env("PII_KEYS") {
            c.pii_keys = Some(v.into());
        }
        if let Some(v) = env("PII_BLIND_KEY") {
            c.pii_blind_key = Some(v.into());
        }
        if let Some(v) = env("AUDIT_KEY") {
            c.audit_key = Some(v.into());
        }
        if let Some(v) = env("LEDGER_KEY") {
            c.ledger_key = Some(v.into());
        }
        if let Some(v) = env("LEDGER_OLD_KEYS") {
            c.ledger_old_keys = v
                .split([',', ' ', '\n'])
                .filter(|k| !k.trim().is_empty())
                .map(|k| k.trim().to_string())
                .collect();
        }
        if let Some(v) = env("CHECKPOINT_MINUTES") {
            c.checkpoint_minutes = parse("CHECKPOINT_MINUTES", v)?;
        }
        if let Some(v) = env("LEDGER_WITNESSES") {
            c.ledger_witnesses = v;
        }
        if let Some(v) = env("LEDGER_VERIFY_HOURS") {
            c.ledger_verify_hours = parse("LEDGER_VERIFY_HOURS", v)?;
        }
        if let Some(v) = env("METRICS_TOKEN") {
            c.metrics_token = Some(v.into());
        }
        let s = &mut c.security;
        if let Some(v) = env("SESSION_IDLE_MINUTES") {
            s.session_idle_minutes = parse("SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = env("SESSION_CACHE_SECONDS") {
            s.session_cache_seconds = parse("SESSION_CACHE_SECONDS", v)?;
        }
        if let Some(v) = env("SESSION_SHARED_SECONDS") {
            s.session_shared_seconds = parse("SESSION_SHARED_SECONDS", v)?;
        }
        if let Some(v) = env("LOCKOUT_THRESHOLD") {
            s.lockout_threshold = parse("LOCKOUT_THRESHOLD", v)?;
        }
        if let Some(v) = env("LOCKOUT_MINUTES") {
            s.lockout_minutes = parse("LOCKOUT_MINUTES", v)?;
        }
        if let Some(v) = env("MIN_LEARNER_AGE") {
            s.min_learner_age = parse("MIN_LEARNER_AGE", v)?;
        }
        if let Some(v) = env("CHECKIN_GRACE_MINUTES") {
            s.checkin_grace_minutes = parse("CHECKIN_GRACE_MINUTES", v)?;
        }
        if let Some(v) = env("REQUIRE_TOTP_FOR_ADMINS") {
            s.require_totp_for_admins = parse("REQUIRE_TOTP_FOR_ADMINS", v)?;
        }
        if let Some(v) = env("ARGON2_MEMORY_KIB") {
            s.argon2_memory_kib = parse("ARGON2_MEMORY_KIB", v)?;
        }
        if let Some(v) = env("ARGON2_ITERATIONS") {
            s.argon2_iterations = parse("ARGON2_ITERATIONS", v)?;
        }
        if let Some(v) = env("TRUSTED_PROXIES") {
            s.trusted_proxies = v
                .split([',', ' ', '\n'])
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim().to_string())
                .collect();
        }
        if let Some(v) = env("SECURE_COOKIES") {
            s.secure_cookies = parse("SECURE_COOKIES", v)?;
        }
        let f = &mut c.files;
        if let Some(v) = env("FILES_BACKEND") {
            f.backend = word("FILES_BACKEND", &v)?;
        }
        for (name, slot) in [
            ("S3_ENDPOINT", &mut f.s3_endpoint),
            ("S3_BUCKET", &mut f.s3_bucket),
            ("S3_REGION", &mut f.s3_region),
            ("S3_PREFIX", &mut f.s3_prefix),
        ] {
            if let Some(v) = env(name) {
                *slot = v;
            }
        }
        if let Some(v) = env("S3_ACCESS_KEY") {
            f.s3_access_key = v.into();
        }
        if let Some(v) = env("S3_SECRET_KEY") {
            f.s3_secret_key = v.into();
        }
        Ok(c)
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.expose_secret().to_string(),
            None => format!("sqlite://{}/jineng.db?mode=rwc", self.data_dir.display()),
        }
    }

    /// File storage: local files under `data_dir/files`, or the configured S3 bucket.
    /// Several production nodes must share one store, so production insists on S3.
    pub fn files(&self) -> Result<jineng_files::Files> {
        let f = &self.files;
        if f.backend == FilesBackend::S3 {
            return jineng_files::Files::s3(&jineng_files::S3Config {
                endpoint: f.s3_endpoint.clone(),
                bucket: f.s3_bucket.clone(),
                region: f.s3_region.clone(),
                access_key: f.s3_access_key.expose_secret().to_string(),
                secret_key: f.s3_secret_key.expose_secret().to_string(),
                prefix: f.s3_prefix.clone(),
            })
            .context("S3 file storage");
        }
        if self.mode == Mode::Production {
            bail!(
                "production mode needs shared file storage: set JINENG_FILES_BACKEND=s3 and JINENG_S3_* (see docs/operations.md)"
            );
        }
        jineng_files::Files::local(&self.data_dir.join("files")).context("local file storage")
    }

    /// The keyring: personal-data keys, the blind-index key and the audit chain's key.
    /// Embedded mode creates `data_dir/keys/pii.toml` on first start (and adds an audit
    /// key to a file written before there was one); production mode refuses to start
    /// unless all three are configured.
    pub fn keyring(&self) -> Result<Keyring> {
        if let (Some(k), Some(b), Some(a)) = (&self.pii_keys, &self.pii_blind_key, &self.audit_key)
        {
            return Keyring::from_config(k.expose_secret(), b.expose_secret(), a.expose_secret())
                .context("invalid keys");
        }
        if self.mode == Mode::Production {
            bail!(
                "production mode needs JINENG_PII_KEYS, JINENG_PII_BLIND_KEY and JINENG_AUDIT_KEY (generate with `jineng keys generate`)"
            );
        }
        let dir = self.data_dir.join("keys");
        let file = dir.join("pii.toml");
        if !file.exists() {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let (keys, blind, audit) = Keyring::generate();
            write_private(
                &file,
                &format!("keys = \"{keys}\"\nblind = \"{blind}\"\naudit = \"{audit}\"\n"),
            )?;
            tracing::warn!(path = %file.display(), "created new personal-data and audit keys; back them up with the database");
        }
        #[derive(Deserialize)]
        struct KeyFile {
            keys: String,
            blind: String,
            audit: Option<String>,
        }
        let kf: KeyFile = toml::from_str(&std::fs::read_to_string(&file)?)
            .with_context(|| format!("parsing {}", file.display()))?;
        let audit = match kf.audit {
            Some(a) => a,
            None => {
                let audit = Keyring::generate_key();
                // Written beside and renamed over, so a crash leaves one whole file.
                let next = dir.join("pii.toml.next");
                let _ = std::fs::remove_file(&next);
                write_private(
                    &next,
                    &format!(
                        "keys = \"{}\"\nblind = \"{}\"\naudit = \"{audit}\"\n",
                        kf.keys, kf.blind
                    ),
                )?;
                std::fs::rename(&next, &file)
                    .with_context(|| format!("replacing {}", file.display()))?;
                tracing::warn!(path = %file.display(), "added an audit-chain key to the key file; back it up");
                audit
            }
        };
        Keyring::from_config(&kf.keys, &kf.blind, &audit).context("invalid key file")
    }

    /// After a re-index: in embedded mode with the key file, put `blind` into it
    /// (atomically) and say so; with keys from the environment, change nothing.
    pub fn replace_blind_key(&self, blind: &str) -> Result<bool> {
        if self.pii_keys.is_some() || self.pii_blind_key.is_some() {
            return Ok(false);
        }
        let dir = self.data_dir.join("keys");
        let file = dir.join("pii.toml");
        let mut kf: toml::Table = toml::from_str(&std::fs::read_to_string(&file)?)
            .with_context(|| format!("parsing {}", file.display()))?;
        kf.insert("blind".into(), toml::Value::String(blind.to_string()));
        let next = dir.join("pii.toml.next");
        let _ = std::fs::remove_file(&next);
        write_private(&next, &toml::to_string(&kf)?)?;
        std::fs::rename(&next, &file).with_context(|| format!("replacing {}", file.display()))?;
        Ok(true)
    }
}

impl Config {
    /// What production mode insists on before it serves: no demo accounts (their
    /// passwords are printed in the README), and cookies marked Secure — which also turns
    /// on HSTS and the `__Host-` cookie names — because production is served over TLS
    /// (directly or behind a proxy that terminates it).
    pub fn check_serving(&self) -> Result<()> {
        if self.mode != Mode::Production {
            return Ok(());
        }
        if self.demo {
            bail!(
                "production mode refuses --demo / JINENG_DEMO: the demo accounts' passwords are public"
            );
        }
        if !self.security.secure_cookies {
            bail!(
                "production mode needs JINENG_SECURE_COOKIES=true (served over TLS: Secure cookies, HSTS, __Host- cookie names)"
            );
        }
        Ok(())
    }
}

impl Config {
    /// The log's origin when a key is made here: the deployment and its province.
    pub fn ledger_origin(&self) -> String {
        format!("jineng.local/ledger/{}", self.province)
    }

    /// The evidence log's signing key. Embedded mode creates `data_dir/keys/ledger.key`
    /// on first start; production mode uses `JINENG_LEDGER_KEY` and, without it, signs no
    /// checkpoints (a warning at start; `POST /ledger/checkpoints` answers 409).
    pub fn ledger_key(&self) -> Result<Option<jineng_evidence::checkpoint::LogKey>> {
        use jineng_evidence::checkpoint::LogKey;
        if let Some(k) = &self.ledger_key {
            return LogKey::from_private(k.expose_secret().trim())
                .map(Some)
                .context("invalid JINENG_LEDGER_KEY");
        }
        if self.mode == Mode::Production {
            return Ok(None);
        }
        let dir = self.data_dir.join("keys");
        let file = dir.join("ledger.key");
        if !file.exists() {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let (skey, _) = LogKey::generate(&self.ledger_origin());
            write_private(&file, &format!("{skey}\n"))?;
            tracing::warn!(path = %file.display(), "created a new evidence-log signing key; back it up with the database");
        }
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        LogKey::from_private(text.trim())
            .map(Some)
            .with_context(|| format!("invalid key in {}", file.display()))
    }
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_to_start_without_keys() {
        let c = Config {
            mode: Mode::Production,
            data_dir: std::env::temp_dir().join("jineng-no-keys"),
            ..Config::default()
        };
        let err = c.keyring().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("JINENG_PII_KEYS"), "{err}");
        assert!(
            !c.data_dir.join("keys").exists(),
            "production never writes a key file"
        );
    }

    #[test]
    fn embedded_mode_creates_its_key_once_and_reuses_it() {
        let dir = std::env::temp_dir().join(format!("jineng-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = Config {
            data_dir: dir.clone(),
            ..Config::default()
        };
        let first = c.keyring().unwrap();
        let here = jineng_app::crypto::pii::Place::new("users", "phone_enc", "u1");
        let ct = first.encrypt("13800000001", here).unwrap();
        let again = c.keyring().unwrap();
        assert_eq!(again.decrypt(&ct, here).unwrap(), "13800000001");
        assert_eq!(first.audit_key(), again.audit_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("keys/pii.toml"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "key file readable only by its owner");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_key_file_from_before_the_audit_key_gains_one_and_keeps_the_rest() {
        let dir = std::env::temp_dir().join(format!("jineng-oldkeys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        let (keys, blind, _) = Keyring::generate();
        std::fs::write(
            dir.join("keys/pii.toml"),
            format!("keys = \"{keys}\"\nblind = \"{blind}\"\n"),
        )
        .unwrap();
        let c = Config {
            data_dir: dir.clone(),
            ..Config::default()
        };
        let first = c.keyring().unwrap();
        let again = c.keyring().unwrap();
        assert_eq!(first.audit_key(), again.audit_key());
        let text = std::fs::read_to_string(dir.join("keys/pii.toml")).unwrap();
        assert!(text.contains(&keys) && text.contains(&blind) && text.contains("audit = "));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn configured_keys_win_and_bad_ones_are_refused() {
        let (keys, blind, audit) = Keyring::generate();
        let c = Config {
            mode: Mode::Production,
            pii_keys: Some(keys.into()),
            pii_blind_key: Some(blind.clone().into()),
            audit_key: Some(audit.clone().into()),
            ..Config::default()
        };
        assert!(c.keyring().is_ok());
        let bad = Config {
            pii_keys: Some("k1:tooshort".into()),
            pii_blind_key: Some(blind.into()),
            audit_key: Some(audit.into()),
            ..Config::default()
        };
        assert!(bad.keyring().is_err());
        let sqlite = Config::default().database_url();
        assert_eq!(sqlite, "sqlite://./data/jineng.db?mode=rwc");
    }

    #[test]
    fn production_refuses_demo_accounts_and_plain_cookies() {
        let mut c = Config {
            mode: Mode::Production,
            demo: true,
            ..Config::default()
        };
        c.security.secure_cookies = true;
        let e = c.check_serving().unwrap_err().to_string();
        assert!(e.contains("--demo"), "{e}");
        c.demo = false;
        c.security.secure_cookies = false;
        let e = c.check_serving().unwrap_err().to_string();
        assert!(e.contains("JINENG_SECURE_COOKIES"), "{e}");
        c.security.secure_cookies = true;
        assert!(c.check_serving().is_ok());
        // The embedded mode runs on plain HTTP on one machine, demo included.
        let embedded = Config {
            demo: true,
            ..Config::default()
        };
        assert!(embedded.check_serving().is_ok());
    }

    #[test]
    fn secrets_never_print_and_words_are_checked() {
        let c = Config {
            database_url: Some("postgres://app:hunter2@db/jineng".to_string().into()),
            pii_keys: Some("k1:c2VjcmV0".to_string().into()),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("c2VjcmV0"),
            "{shown}"
        );
        assert_eq!(
            word::<Mode>("MODE", "production").unwrap(),
            Mode::Production
        );
        let e = word::<Mode>("MODE", "prod").unwrap_err().to_string();
        assert!(e.contains("JINENG_MODE") && e.contains("embedded"), "{e}");
        assert_eq!(
            word::<FilesBackend>("FILES_BACKEND", "s3").unwrap(),
            FilesBackend::S3
        );
    }
}
