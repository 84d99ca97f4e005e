//! Reference measurements, rerunnable by anyone:
//! - `jineng-bench argon2 SECONDS THREADS`: Argon2id verifications per second with the
//!   platform's default parameters (bench/run.sh compares the login endpoint to it);
//! - `jineng-bench import ROWS`: bulk import of ROWS learners from an xlsx file through
//!   the real use case, against a plain batched insert of the same number of rows into
//!   the same database in the same run. SQLite in a temporary file by default;
//!   `JINENG_BENCH_DATABASE_URL=postgres://…/db` for PostgreSQL (a fresh database);
//! - `jineng-bench classes ROWS`: the class list of a province with ROWS classes and a
//!   city regulator's filtered view (p50/p95), against a primary-key fetch;
//! - `jineng-bench catalogue ROWS`: catalogue searches (Chinese words, filters) over ROWS
//!   listed packages (p50/p95), against a primary-key fetch;
//! - `jineng-bench media SECONDS`: upload-to-playable time of a SECONDS-long 720p clip
//!   through the platform, against a plain ffmpeg command making the same renditions;
//! - `jineng-bench ledger ENTRIES`: the evidence log — appends inside business
//!   transactions against the same transactions without, storage per entry, and proof
//!   latency at ENTRIES leaves (default 10,000,000);
//! - `jineng-bench limiter-serve PORT [REDIS_URL [SYNC_MS]]`: a bare route and the same route
//!   behind a rate-limit count, for bench/run.sh to compare with wrk;
//! - `jineng-bench exams [LEARNERS]`: LEARNERS learners start one exam at once (p99 against
//!   the p50 of starts one at a time), save answers (against the bare route) and hand in
//!   (on PostgreSQL against pgbench's tpcb-like run on the same database);
//! - `jineng-bench heartbeats [SESSIONS] [ROUNDS] [direct|redis]`: study heartbeats against
//!   the bare JSON route of the same server, and heartbeats per write statement;
//! - `jineng-bench open-api [SECONDS] [EVENTS]`: signed open-API requests against the same
//!   route with a bearer token, and webhook delivery of EVENTS events to a receiver that
//!   fails 30 % of posts;
//! - `jineng-bench heartbeat-crash [BINARY] [LEARNERS]`: SIGKILL the real server while learners
//!   study, and count what was kept (fails if a bound is broken).

mod catalogue;
mod certificates;
mod classes;
mod exams;
mod heartbeats;
mod import;
mod ledger;
mod limiter;
mod media;
mod open_api;
mod subsidies;

use jineng_app::SecurityConfig;
use jineng_app::crypto::PasswordHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Run a benchmark's async body on a multi-threaded runtime.
pub(crate) fn block_on(
    f: impl std::future::Future<Output = Result<(), String>>,
) -> Result<(), String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(f)
}

/// A fresh database (SQLite in a temporary file, or `JINENG_BENCH_DATABASE_URL`), migrated,
/// and the platform on it: (app, database file when SQLite).
pub(crate) async fn fresh_app(
    connections: u32,
) -> Result<(jineng_app::App, std::path::PathBuf), String> {
    use jineng_app::crypto::pii::Keyring;
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let dir = std::env::temp_dir().join(format!("jineng-bench-{}", uuid::Uuid::now_v7().simple()));
    let file = dir.with_extension("db");
    let url = std::env::var("JINENG_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", file.display()));
    let db = jineng_store::connect(&url, connections)
        .await
        .map_err(|x| e(&x))?;
    jineng_store::migrate::run(&db).await.map_err(|x| e(&x))?;
    let (keys, blind, audit) = Keyring::generate();
    let app = jineng_app::App::new(
        db,
        SecurityConfig::default(),
        Keyring::from_config(&keys, &blind, &audit).map_err(|x| e(&x))?,
        Arc::new(jineng_app::SystemClock),
        jineng_files::Files::local(&dir.with_extension("files")).map_err(|x| e(&x))?,
    );
    Ok((app, file))
}

/// The `p`-th quantile of `v`, in milliseconds.
pub(crate) fn percentile_ms(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("import") {
        let rows: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
        if let Err(e) = import::run(rows) {
            eprintln!("import benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("subsidies") {
        let learners: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
        if let Err(e) = subsidies::run(learners) {
            eprintln!("subsidy benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("classes") {
        let rows: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
        if let Err(e) = classes::run(rows) {
            eprintln!("class-list benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("catalogue") {
        let rows: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
        if let Err(e) = catalogue::run(rows) {
            eprintln!("catalogue benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("media") {
        let seconds: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(600);
        if let Err(e) = media::run(seconds) {
            eprintln!("media benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("ledger") {
        let entries: u64 = args
            .get(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(10_000_000);
        if let Err(e) = ledger::run(entries) {
            eprintln!("evidence-log benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("limiter-serve") {
        let port: u16 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(18182);
        let sync_ms = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0);
        if let Err(e) = limiter::run(port, args.get(3).cloned(), sync_ms) {
            eprintln!("limiter server failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("certificates") {
        let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
        if let Err(e) = certificates::run(n) {
            eprintln!("certificate benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("exams") {
        let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
        if let Err(e) = exams::exams(n) {
            eprintln!("exam benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("heartbeats") {
        let sessions: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
        let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
        let mode = match args.get(4).map(String::as_str) {
            Some("direct") => heartbeats::Mode::Direct,
            Some("redis") => heartbeats::Mode::Redis(
                std::env::var("JINENG_BENCH_REDIS_URL")
                    .unwrap_or_else(|_| "redis://127.0.0.1:6379/14".into()),
            ),
            _ => heartbeats::Mode::Buffered,
        };
        if let Err(e) = heartbeats::heartbeats(sessions, rounds, mode) {
            eprintln!("heartbeat benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("open-api") {
        let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
        let events: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10_000);
        if let Err(e) = open_api::run(secs, events) {
            eprintln!("open API benchmark failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("heartbeat-crash") {
        let binary = args
            .get(2)
            .cloned()
            .unwrap_or_else(|| "target/release/jineng".into());
        let learners: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(60);
        if let Err(e) = heartbeats::crash(&binary, learners) {
            eprintln!("heartbeat crash test failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) != Some("argon2") {
        eprintln!(
            "usage: jineng-bench argon2 [SECONDS] [THREADS] | import [ROWS] | classes [ROWS] | catalogue [ROWS] | media [SECONDS] | ledger [ENTRIES] | limiter-serve [PORT] [REDIS_URL [SYNC_MS]] | exams [LEARNERS] | certificates [N] | heartbeats [SESSIONS] [ROUNDS] [direct|redis] | heartbeat-crash [BINARY] [LEARNERS] | open-api [SECONDS] [EVENTS]"
        );
        std::process::exit(2);
    }
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let threads: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
    let c = SecurityConfig::default();
    let hasher = Arc::new(PasswordHasher::new(
        c.argon2_memory_kib,
        c.argon2_iterations,
    ));
    let Ok(stored) = hasher.hash("Jineng@2026") else {
        eprintln!("hashing failed");
        std::process::exit(1);
    };
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (h, s, d) = (hasher.clone(), stored.clone(), done.clone());
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    if h.verify("Jineng@2026", &s) {
                        d.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!(
        "argon2id m={}KiB t={} p=1 threads={threads}: {rate:.2} verifications/s",
        c.argon2_memory_kib, c.argon2_iterations
    );
}
