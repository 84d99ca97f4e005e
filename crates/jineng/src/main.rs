//! `jineng`: the one binary. `serve` runs the platform; `migrate`, `seed`, `admin`,
//! `audit` and `keys` are the operator's tools. See docs/operations.md.

mod backup;
mod config;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::Config;
use jineng_app::{App, Principal, RequestCtx, SystemClock};
use jineng_core::accounts::Role;
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "jineng",
    version,
    about = "技能培训平台 — vocational skills training platform"
)]
struct Cli {
    /// Configuration file (default: ./jineng.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the platform (migrates and loads reference data first).
    Serve {
        #[arg(long)]
        bind: Option<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Load the demo province's accounts (see README).
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Load reference data; with --demo also the demo accounts.
    Seed {
        #[arg(long)]
        demo: bool,
        /// With --demo: only the demo accounts and organisations, not the demo's training
        /// data and course packages (seconds instead of minutes; the cluster test uses it).
        #[arg(long)]
        accounts_only: bool,
    },
    /// Account administration from the command line.
    Admin {
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Personal-data encryption keys.
    Keys {
        #[command(subcommand)]
        cmd: KeysCmd,
    },
    /// The evidence log (signed checkpoints over an append-only Merkle tree).
    Ledger {
        #[command(subcommand)]
        cmd: LedgerCmd,
    },
    /// Back up while serving: embedded mode copies the database (one consistent
    /// snapshot), the uploaded files and the key files, then checks the copy; with
    /// PostgreSQL, a full base backup by pg_basebackup (docs/operations.md).
    Backup {
        /// A new (or empty) directory for the backup.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup made by `jineng backup`: embedded into a new data directory
    /// (--data-dir), PostgreSQL into a new cluster directory (--pgdata).
    Restore {
        /// The backup's directory.
        #[arg(long)]
        from: PathBuf,
        /// Embedded mode: the new data directory (default: JINENG_DATA_DIR or ./data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// PostgreSQL: the new data directory of the restored cluster.
        #[arg(long)]
        pgdata: Option<PathBuf>,
        /// PostgreSQL: the WAL archive to replay after the base backup.
        #[arg(long)]
        wal_archive: Option<PathBuf>,
        /// PostgreSQL: replay up to this time (e.g. "2026-12-07 13:00:00+08"), not to the end.
        #[arg(long)]
        until: Option<String>,
    },
}

#[derive(Subcommand)]
enum LedgerCmd {
    /// Print a fresh signing key for JINENG_LEDGER_KEY and its public verifier key.
    Keygen {
        /// The log's origin, e.g. `jineng.example.gov.cn/ledger`.
        #[arg(long)]
        origin: Option<String>,
    },
    /// Anchor the audit trail's head and sign a checkpoint now.
    Checkpoint,
    /// Recompute the whole log from its entries, check every stored hash, checkpoint
    /// signature and root, and every anchored audit head; exits non-zero on any problem.
    Verify,
    /// Print a proof bundle (JSON) for a record: its entry, a signed checkpoint and the
    /// inclusion proof.
    Prove {
        /// The record's id (an audit sequence number, a certificate's id, …).
        record: String,
    },
    /// Check a proof bundle offline against a verifier key (no database needed).
    Check {
        /// The bundle file (`-` for standard input).
        file: PathBuf,
        /// The log's published verifier key (`<origin>+<id>+<base64>`).
        #[arg(long)]
        key: String,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create an account with one role.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, env = "JINENG_NEW_PASSWORD")]
        password: String,
        /// Role code, e.g. system_admin, regulator, learner.
        #[arg(long)]
        role: String,
        /// Region code (required for regulator).
        #[arg(long)]
        region: Option<String>,
    },
    /// Set a new password (the user must change it at next sign-in).
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, env = "JINENG_NEW_PASSWORD")]
        password: String,
    },
    /// Lift a lock after too many wrong passwords.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Register a system that pulls shared datasets (e.g. the provincial platform); prints
    /// its client id and secret once.
    ExchangeClient {
        #[arg(long)]
        name: String,
        /// Datasets it may pull, comma-separated: learners,institutions,qualifications,classes.
        #[arg(long)]
        datasets: String,
        /// The region it may see (province, city or county code); default: the province.
        #[arg(long)]
        region: Option<String>,
        /// Send whole ID numbers instead of masked ones.
        #[arg(long)]
        full_id_numbers: bool,
    },
    /// Stop an exchange client for good.
    RevokeExchangeClient {
        #[arg(long)]
        id: String,
    },
    /// Create an API token for a user and print it once.
    Token {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days it lives (default 90).
        #[arg(long)]
        days: Option<i64>,
        /// `read` (GET only, the default) or `full`.
        #[arg(long, default_value = "read")]
        scope: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute the hash chain; exits non-zero if any record was altered or removed.
    Verify,
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Print fresh keys for JINENG_PII_KEYS, JINENG_PII_BLIND_KEY and JINENG_AUDIT_KEY.
    Generate,
    /// Re-encrypt every personal-data value still written with an older key (or in the
    /// older form) with the active key, then list which key ids are still in use.
    Rotate,
    /// Recompute every blind index under a new blind-index key. Run with the platform
    /// stopped; afterwards every node must use the new key (embedded mode: the key file
    /// is updated).
    Reindex {
        /// The new key (base64, 32 bytes), e.g. from `jineng keys generate`.
        #[arg(long)]
        new_blind_key: String,
    },
}

fn init_logging(format: config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JINENG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if format == config::LogFormat::Json {
        b.json().flatten_event(true).with_current_span(true).init();
    } else {
        b.init();
    }
}

async fn open(cfg: &Config) -> Result<App> {
    if cfg.database_url.is_none() {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    }
    let keyring = cfg.keyring()?;
    let db = jineng_store::connect(&cfg.database_url(), cfg.max_connections)
        .await
        .context("connecting to the database")?;
    jineng_store::migrate::run(&db)
        .await
        .context("migrating the database")?;
    let files = cfg.files()?;
    let province = jineng_core::RegionCode::parse(&cfg.province)
        .ok()
        .filter(|p| p.as_str().ends_with("0000"))
        .context("province must be a 6-digit province code such as 520000")?;
    let limiter = match &cfg.redis_url {
        Some(url) => {
            let l = jineng_limits::Limiter::redis_batched(
                url.expose_secret(),
                "jineng",
                std::time::Duration::from_millis(cfg.redis_sync_ms),
            )
            .await
            .context("connecting to Redis (JINENG_REDIS_URL)")?;
            if let Some(r) = l.ping().await {
                r.context("Redis does not answer")?;
            }
            l
        }
        None => {
            if cfg.mode == config::Mode::Production {
                tracing::warn!(
                    "no JINENG_REDIS_URL: rate limits are counted per node, not across nodes"
                );
            }
            jineng_limits::Limiter::memory()
        }
    };
    let app = App::new(
        db,
        cfg.security.clone(),
        keyring,
        Arc::new(SystemClock),
        files,
    )
    .with_province(province)
    .with_limiter(limiter);
    let app = match &cfg.database_replica_url {
        Some(url) => {
            let url = url.expose_secret();
            if !url.starts_with("postgres") || cfg.database_url.is_none() {
                bail!(
                    "JINENG_DATABASE_REPLICA_URL: a replica is a PostgreSQL standby of JINENG_DATABASE_URL"
                );
            }
            // Connecting is lazy enough not to need the replica up: until a probe finds
            // it streaming, lists read from the primary.
            let replica = jineng_store::db::connect_replica(url, cfg.max_connections)
                .await
                .context("JINENG_DATABASE_REPLICA_URL")?;
            app.with_replica(
                replica,
                std::time::Duration::from_millis(cfg.replica_max_lag_ms),
            )
        }
        None => app,
    };
    if let Some(url) = &cfg.redis_url {
        let channel =
            jineng_limits::broadcast::Channel::connect(url.expose_secret(), "jineng:sessions")
                .await
                .context("connecting to Redis for session drops")?;
        app.share_sessions(channel);
        let views = jineng_limits::shared::Views::connect(url.expose_secret(), "jineng:sessions")
            .await
            .context("connecting to Redis for session views")?;
        app.share_session_views(views);
    }
    // Several nodes share Redis: a learner's next heartbeat may reach another node, so
    // sessions' state between heartbeats is held there for every node.
    let app = app.with_job_lease(cfg.job_lease_seconds);
    let app = match &cfg.redis_url {
        Some(url) => {
            let held = jineng_limits::held::Held::connect(url.expose_secret(), "jineng:study")
                .await
                .context("connecting to Redis for study sessions")?;
            app.with_shared_study(held)
        }
        None => app,
    };
    let witnesses = jineng_app::ledger::witness::Witness::parse_list(&cfg.ledger_witnesses)
        .map_err(|e| anyhow::anyhow!("JINENG_LEDGER_WITNESSES: {e}"))?;
    let app = app
        .with_ledger_old_keys(cfg.ledger_old_keys.clone())
        .with_witnesses(witnesses);
    Ok(match cfg.ledger_key()? {
        Some(key) => app.with_ledger_key(key),
        None => {
            tracing::warn!("no JINENG_LEDGER_KEY: the evidence log signs no checkpoints");
            app
        }
    })
}

fn cli_ctx() -> RequestCtx {
    RequestCtx::internal(uuid_like(), "jineng cli")
}

fn uuid_like() -> String {
    format!("cli-{}", std::process::id())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Cmd::Serve {
        bind,
        data_dir,
        demo,
    } = &cli.cmd
    {
        if let Some(b) = bind {
            cfg.bind = b.clone();
        }
        if let Some(d) = data_dir {
            cfg.data_dir = d.clone();
        }
        cfg.demo |= *demo;
    }
    init_logging(cfg.log_format);
    match cli.cmd {
        Cmd::Backup { to } => {
            let made = backup::backup(&cfg, &to).await?;
            if made.audit_records >= 0 {
                println!(
                    "backup made in {}: {} files, {} bytes; the copy opens, passes SQLite's integrity check and its audit chain of {} records is intact",
                    made.dir.display(),
                    made.files,
                    made.bytes,
                    made.audit_records
                );
            } else {
                println!(
                    "base backup made in {}: {} files, {} bytes, checked by pg_verifybackup",
                    made.dir.display(),
                    made.files,
                    made.bytes
                );
            }
            for n in made.notes {
                println!("note: {n}");
            }
            Ok(())
        }
        Cmd::Restore {
            from,
            data_dir,
            pgdata,
            wal_archive,
            until,
        } => {
            if let Some(d) = data_dir {
                cfg.data_dir = d;
            }
            let pg = pgdata.map(|pgdata| backup::PgTarget {
                pgdata,
                wal_archive,
                until,
            });
            let embedded = pg.is_none();
            let r = backup::restore(&cfg, &from, pg)?;
            if r.schema_version >= 0 {
                println!(
                    "restored {} files (schema version {})",
                    r.files, r.schema_version
                );
            } else {
                println!("laid out {} files of the base backup", r.files);
            }
            if embedded {
                // Brought up to this program's schema and its audit chain checked now.
                let app = open(&cfg).await?;
                let v = jineng_app::audit::verify(&app.db, app.keyring.audit_key()).await?;
                if let Some((seq, why)) = v.broken_at {
                    bail!("the restored audit chain is broken at record {seq}: {why}");
                }
                println!(
                    "the restored database opens at schema version {} and its audit chain of {} records is intact",
                    jineng_store::migrate::LATEST,
                    v.records
                );
            }
            for n in r.next_steps {
                println!("next: {n}");
            }
            Ok(())
        }
        Cmd::Serve { .. } => serve(cfg).await,
        Cmd::Migrate => {
            let app = open(&cfg).await?;
            println!(
                "database at schema version {}",
                jineng_store::migrate::LATEST
            );
            drop(app);
            Ok(())
        }
        Cmd::Seed {
            demo,
            accounts_only,
        } => {
            let app = open(&cfg).await?;
            let (r, o) = app.seed_reference().await.map_err(describe)?;
            println!("reference data: {r} regions, {o} occupations loaded");
            // The demo's import runs as a job.
            app.start_workers(1);
            if demo || cfg.demo {
                println!(
                    "demo accounts created: {}",
                    jineng_demo::accounts(&app).await.map_err(describe)?
                );
                if !accounts_only {
                    jineng_demo::province(&app).await.map_err(describe)?;
                    println!("demo training data and course packages ready");
                }
            }
            Ok(())
        }
        Cmd::Admin { cmd } => admin(cfg, cmd).await,
        Cmd::Audit {
            cmd: AuditCmd::Verify,
        } => {
            let app = open(&cfg).await?;
            let r = jineng_app::audit::verify(&app.db, app.keyring.audit_key()).await?;
            match r.broken_at {
                None => {
                    println!("audit chain intact: {} records", r.records);
                    Ok(())
                }
                Some((seq, why)) => bail!(
                    "audit chain broken at record {seq}: {why} ({} records verified before it)",
                    r.records
                ),
            }
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Keygen { origin },
        } => {
            let origin = origin.unwrap_or_else(|| cfg.ledger_origin());
            let (skey, vkey) = jineng_evidence::checkpoint::LogKey::generate(&origin);
            println!("JINENG_LEDGER_KEY={skey}\n# verifier key to publish: {vkey}");
            Ok(())
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Checkpoint,
        } => {
            let app = open(&cfg).await?;
            let system = Principal::system();
            let c = app
                .ledger()
                .checkpoint(&system, &Default::default(), false)
                .await?
                .context("no checkpoint was signed")?;
            print!("{}", c.note);
            Ok(())
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Prove { record },
        } => {
            let app = open(&cfg).await?;
            let b = app.ledger().bundle(&record).await?;
            println!("{}", b.to_json());
            Ok(())
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Check { file, key },
        } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            match jineng_evidence::bundle::verify(&text, key.trim()) {
                Ok(p) => {
                    println!(
                        "proved: {} {} is entry {} of the log {} (checkpoint of {} entries)",
                        p.entry.kind.code(),
                        p.entry.record_id,
                        p.index,
                        p.checkpoint.origin,
                        p.checkpoint.size
                    );
                    Ok(())
                }
                Err(e) => bail!("not proved: {e}"),
            }
        }
        Cmd::Ledger {
            cmd: LedgerCmd::Verify,
        } => {
            let app = open(&cfg).await?;
            // Recorded like every run, so regulators see it on the log's health page.
            let r = app.ledger().run_verify("cli").await?;
            if r.problems.is_empty() {
                println!(
                    "evidence log intact: {} entries, {} checkpoints",
                    r.entries, r.checkpoints
                );
                return Ok(());
            }
            for (at, why) in &r.problems {
                eprintln!("{at}: {why}");
            }
            bail!(
                "evidence log: {} problem(s) in {} entries and {} checkpoints",
                r.problems.len(),
                r.entries,
                r.checkpoints
            )
        }
        Cmd::Keys {
            cmd: KeysCmd::Generate,
        } => {
            let (keys, blind, audit) = jineng_app::crypto::pii::Keyring::generate();
            println!(
                "JINENG_PII_KEYS={keys}\nJINENG_PII_BLIND_KEY={blind}\nJINENG_AUDIT_KEY={audit}"
            );
            Ok(())
        }
        Cmd::Keys {
            cmd: KeysCmd::Reindex { new_blind_key },
        } => {
            let app = open(&cfg).await?;
            let r = app
                .reindex_blind(new_blind_key.trim())
                .await
                .map_err(describe)?;
            println!(
                "reindexed {}, unreadable {}, pending SMS codes dropped {}",
                r.reindexed, r.unreadable, r.sms_codes_dropped
            );
            if cfg.replace_blind_key(new_blind_key.trim())? {
                println!("the key file now holds the new blind-index key");
            } else {
                println!(
                    "now set JINENG_PII_BLIND_KEY to the new key on every node before starting them"
                );
            }
            Ok(())
        }
        Cmd::Keys {
            cmd: KeysCmd::Rotate,
        } => {
            let app = open(&cfg).await?;
            let r = app.rotate_keys().await.map_err(describe)?;
            println!(
                "rewritten {}, already current {}, unreadable {}, changed meanwhile {}",
                r.rewritten, r.current, r.unreadable, r.raced
            );
            for (key, n) in &r.keys_in_use {
                println!("key {key}: {n} values");
            }
            if r.unreadable > 0 || r.raced > 0 {
                bail!("some values were not rotated (see above); run again or check the keys");
            }
            Ok(())
        }
    }
}

/// The demo accounts for the login page (shown only in demo mode).
fn demo_logins() -> std::sync::Arc<[jineng_web::DemoLogin]> {
    jineng_demo::DEMO_ACCOUNTS
        .iter()
        .map(|a| jineng_web::DemoLogin {
            username: a.username,
            password: a.password,
            role_label: a.role.label(),
        })
        .collect()
}

async fn serve(cfg: Config) -> Result<()> {
    cfg.check_serving()?;
    let trusted: Arc<[jineng_core::net::Net]> = cfg.trusted_proxies()?.into();
    let app = open(&cfg).await?;
    let (r, o) = app.seed_reference().await.map_err(describe)?;
    if r + o > 0 {
        tracing::info!(regions = r, occupations = o, "loaded reference data");
    }
    if cfg.mode == config::Mode::Embedded {
        // One node: whatever was running stopped with the last process.
        let resumed = app.jobs().recover().await.map_err(describe)?;
        if resumed > 0 {
            tracing::warn!(jobs = resumed, "resuming jobs cut off by the last stop");
        }
    }
    app.start_workers(cfg.job_workers);
    app.start_study_flusher();
    app.watch_database();
    app.watch_replica();
    // Demo mode shows one-time codes on the page; otherwise they only go to the SMS adapter.
    let app = app.with_sms(std::sync::Arc::new(jineng_app::sms::LogSms), cfg.demo);
    if cfg.demo {
        let n = jineng_demo::accounts(&app).await.map_err(describe)?;
        jineng_demo::province(&app).await.map_err(describe)?;
        tracing::info!(
            created = n,
            "demo accounts ready (see README for passwords)"
        );
    }
    if app.ledger_key.is_some() {
        // Sign a checkpoint now and then on a schedule; nodes that race simply serialise on
        // the log's head, and an idle platform adds nothing.
        let app = app.clone();
        let every = std::time::Duration::from_secs(cfg.checkpoint_minutes.max(1) * 60);
        let scheduled = cfg.checkpoint_minutes > 0;
        tokio::spawn(async move {
            loop {
                let system = Principal::system();
                if let Err(e) = app
                    .ledger()
                    .checkpoint(&system, &RequestCtx::default(), true)
                    .await
                {
                    tracing::warn!("evidence-log checkpoint failed: {e}");
                }
                if !scheduled {
                    break;
                }
                tokio::time::sleep(every).await;
            }
        });
    }
    if cfg.ledger_verify_hours > 0 {
        // The full check on a schedule: each node enqueues the period's run, the job's
        // key makes it one run a period across all nodes.
        let app = app.clone();
        let hours = cfg.ledger_verify_hours;
        let every = std::time::Duration::from_secs(hours * 3600);
        tokio::spawn(async move {
            loop {
                if let Err(e) = app.ledger().schedule_verify(hours).await {
                    tracing::warn!("could not schedule the evidence-log check: {e}");
                }
                tokio::time::sleep(every).await;
            }
        });
    }
    {
        // Each closed day's study goes into the evidence log: every node enqueues the
        // close of the days that are over, the job's key makes it one close per day.
        // Reconciliations are scheduled the same way.
        let app = app.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = app.study().schedule_day_close().await {
                    tracing::warn!("could not schedule the close of a study day: {e}");
                }
                // Likewise each payment channel's day, once it has been over two hours.
                if let Err(e) = app.orders().schedule_reconciliations().await {
                    tracing::warn!("could not schedule a reconciliation: {e}");
                }
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            }
        });
    }
    let stopping = app.clone();
    let router = jineng_web::router(jineng_web::AppState {
        app,
        demo: cfg.demo,
        demo_logins: demo_logins(),
        metrics_token: cfg
            .metrics_token
            .as_ref()
            .map(|t| Arc::from(t.expose_secret())),
    });
    let listener = tokio::net::TcpListener::bind(&cfg.bind)
        .await
        .with_context(|| format!("binding {}", cfg.bind))?;
    tracing::info!(address = %format!("http://{}", listener.local_addr()?), "jineng is serving");
    jineng_web::server::serve_with(listener, router, Default::default(), trusted, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    // Heartbeats still in memory are written before the process ends.
    stopping.study().settle(None).await.map_err(describe)?;
    Ok(())
}

async fn admin(cfg: Config, cmd: AdminCmd) -> Result<()> {
    let app = open(&cfg).await?;
    app.seed_reference().await.map_err(describe)?;
    let system = Principal::system();
    let ctx = cli_ctx();
    let find = |u: String| {
        let app = app.clone();
        async move {
            app.accounts()
                .user_id_by_username(&u)
                .await
                .map_err(describe)?
                .with_context(|| format!("no account named {u}"))
        }
    };
    match cmd {
        AdminCmd::CreateUser {
            username,
            name,
            password,
            role,
            region,
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            let region = region
                .map(|r| jineng_core::RegionCode::parse(&r))
                .transpose()
                .context("bad region code")?;
            let n = jineng_app::accounts::users::NewUser {
                username,
                display_name: name,
                password,
                phone: None,
                id_number: None,
                region,
                roles: vec![(role, if role.needs_region() { region } else { None })],
                must_change_password: false,
            };
            let u = app
                .accounts()
                .create_user(&system, &ctx, n)
                .await
                .map_err(describe)?;
            println!("created {} ({})", u.username, u.id);
        }
        AdminCmd::ResetPassword { username, password } => {
            let id = find(username).await?;
            app.accounts()
                .reset_password(&system, &ctx, &id, &password)
                .await
                .map_err(describe)?;
            println!("password reset; it must be changed at next sign-in");
        }
        AdminCmd::ExchangeClient {
            name,
            datasets,
            region,
            full_id_numbers,
        } => {
            let list = jineng_core::exchange::Dataset::parse_list(&datasets);
            if list.len() != datasets.split(',').count() {
                bail!("--datasets: use learners, institutions, qualifications, classes");
            }
            let region = match region {
                Some(r) => Some(
                    jineng_core::RegionCode::parse(&r)
                        .map_err(|e| anyhow::anyhow!("--region: {e}"))?,
                ),
                None => None,
            };
            let input = jineng_app::exchange::ClientInput {
                name,
                datasets: list,
                region,
                full_id_numbers,
            };
            let (id, secret) = app
                .exchange()
                .create_client(&system, &ctx, input)
                .await
                .map_err(describe)?;
            println!("client id: {id}\nsecret:    {secret}\n(the secret is shown only now)");
        }
        AdminCmd::RevokeExchangeClient { id } => {
            app.exchange()
                .revoke_client(&system, &ctx, &id)
                .await
                .map_err(describe)?;
            println!("exchange client {id} revoked");
        }
        AdminCmd::Unlock { username } => {
            let id = find(username).await?;
            app.accounts()
                .unlock_user(&system, &ctx, &id)
                .await
                .map_err(describe)?;
            println!("unlocked");
        }
        AdminCmd::Token {
            username,
            name,
            days,
            scope,
        } => {
            let scope = jineng_core::accounts::TokenScope::parse(&scope)
                .context("--scope must be read or full")?;
            let id = find(username).await?;
            // The owner with their own roles, as the audit record names them.
            let who = app.accounts().principal_of(&id).await.map_err(describe)?;
            let (_, token) = app
                .accounts()
                .create_token(&who, &ctx, &name, days, scope)
                .await
                .map_err(describe)?;
            println!("{token}");
        }
    }
    Ok(())
}

fn describe(e: jineng_app::AppError) -> anyhow::Error {
    match e {
        jineng_app::AppError::Validation(errs) => {
            anyhow::anyhow!(
                errs.iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
        jineng_app::AppError::Internal(cause) => anyhow::anyhow!("{cause}"),
        other => anyhow::anyhow!("{other}"),
    }
}
