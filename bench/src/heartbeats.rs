//! The heartbeat hot path (issue 12), measured and crashed.
//!
//! `jineng-bench heartbeats SESSIONS ROUNDS [direct]`: the platform serves on loopback in
//! this process with a clock the benchmark moves; SESSIONS learners each open a study
//! session of a one-hour free lesson through the page routes (cookie and CSRF header, as
//! the player does), then every round the clock moves on one heartbeat interval (with a
//! few hundred milliseconds of jitter) and every learner sends one heartbeat, 64 at a time.
//! Then the same number of requests to the bare JSON route (`/healthz`) of the same
//! server, the same way. Prints heartbeats/s, p50/p99, the ratio to the bare route, and
//! the buffered mode's heartbeats per write statement; `direct` writes each heartbeat
//! through instead; `redis` holds sessions' state in Redis as several nodes do
//! (`JINENG_BENCH_REDIS_URL`, database 14 of the local Redis by default; a fresh key
//! prefix per run) and reports its heartbeats per write statement too. SQLite in a
//! temporary file, or `JINENG_BENCH_DATABASE_URL`.
//!
//! `jineng-bench heartbeat-crash BINARY LEARNERS`: prepares a SQLite database (or the fresh
//! database `JINENG_BENCH_DATABASE_URL` names), starts the
//! real server (`BINARY serve`) on it, has LEARNERS learners study for real (a heartbeat
//! every 10 s ± 1.5 s), kills the server with SIGKILL part-way, reads what the database
//! kept, restarts the server, studies on and stops it gracefully. Fails unless, for every
//! learner: what was kept never exceeds what the server had acknowledged (plus the one
//! heartbeat that may have been in flight), loses at most two intervals, the per-day
//! totals equal the lesson's credit (nothing added twice), and after the restart the
//! credit goes on from there and ends equal to the last acknowledgement.

use jineng_app::accounts::auth::Credentials;
use jineng_app::accounts::users::NewUser;
use jineng_app::context::{Principal, RequestCtx};
use jineng_app::{App, SecurityConfig};
use jineng_core::accounts::Role;
use jineng_core::courses::{
    CourseSource, CourseTrainingType, CourseType, LessonKind, ListingStatus, VersionStatus,
};
use jineng_core::study::Policy;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Bench@2026study";
/// The lesson's length: long enough that nobody finishes it during a run.
const LESSON_SECONDS: i64 = 3600;

pub(crate) fn err(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

/// A platform on a fresh database with cheap password hashing (the benchmark signs in
/// thousands of learners; hashing is measured elsewhere), the demo's accounts, and the
/// study policy given.
pub(crate) async fn platform(
    url: &str,
    files: &std::path::Path,
    clock: Arc<dyn jineng_app::clock::Clock>,
    keys: (&str, &str, &str),
    policy: Policy,
) -> Result<App, String> {
    let db = jineng_store::connect(url, 8).await.map_err(err)?;
    jineng_store::migrate::run(&db).await.map_err(err)?;
    let keyring =
        jineng_app::crypto::pii::Keyring::from_config(keys.0, keys.1, keys.2).map_err(err)?;
    let app = App::new(
        db,
        SecurityConfig {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            session_cache_seconds: std::env::var("BENCH_SESSION_CACHE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(SecurityConfig::default().session_cache_seconds),
            ..SecurityConfig::default()
        },
        keyring,
        clock,
        jineng_files::Files::local(files).map_err(err)?,
    );
    app.seed_reference().await.map_err(err)?;
    jineng_demo::accounts(&app).await.map_err(err)?;
    app.study()
        .set_policy(&Principal::system(), &ctx(), policy)
        .await
        .map_err(err)?;
    Ok(app)
}

pub(crate) fn ctx() -> RequestCtx {
    RequestCtx::internal("bench", "jineng-bench")
}

/// A listed, free public-welfare course with one hour-long video lesson (the lesson row
/// carries the length; the benchmark plays no video). Its lesson id.
pub(crate) async fn hour_lesson(app: &App) -> Result<String, String> {
    use jineng_store::courses::{chapter, lesson, package, version};
    let org = jineng_store::organizations::organization::Entity::find()
        .one(&app.db)
        .await
        .map_err(err)?
        .ok_or("no organisation: the demo accounts are missing")?;
    let now = app.now();
    let id = || uuid::Uuid::now_v7().to_string();
    let (pid, vid, cid, lid) = (id(), id(), id(), id());
    package::ActiveModel {
        id: Set(pid.clone()),
        org_id: Set(org.id.clone()),
        region_code: Set(org.region_code.clone()),
        source: Set(CourseSource::Provider),
        name: Set("心跳基准课程".into()),
        listing: Set(ListingStatus::Listed),
        listed_version_id: Set(vid.clone()),
        listing_reason: Set(String::new()),
        latest_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .map_err(err)?;
    version::ActiveModel {
        id: Set(vid.clone()),
        package_id: Set(pid),
        org_id: Set(org.id.clone()),
        region_code: Set(org.region_code),
        number: Set(1),
        status: Set(VersionStatus::Approved),
        name: Set("心跳基准课程".into()),
        cover_key: Set(String::new()),
        intro: Set(String::new()),
        audience: Set(String::new()),
        content: Set(String::new()),
        declared_hours: Set(1),
        occupation_code: Set("4-10-01-06".into()),
        work_type_id: Set(String::new()),
        skill_level: Set(5),
        training_type: Set(CourseTrainingType::PublicWelfare),
        course_type: Set(CourseType::General),
        price_fen: Set(0),
        free_seek: Set(false),
        copyright_key: Set(String::new()),
        copyright_filename: Set(String::new()),
        review_level: Set(0),
        review_levels: Set(1),
        review_round: Set(1),
        review_steps: Set("[]".into()),
        warnings: Set(String::new()),
        submitted_at: Set(Some(now)),
        decided_at: Set(Some(now)),
        created_by: Set("system".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .map_err(err)?;
    chapter::ActiveModel {
        id: Set(cid.clone()),
        version_id: Set(vid.clone()),
        position: Set(1),
        title: Set("第一章".into()),
    }
    .insert(&app.db)
    .await
    .map_err(err)?;
    lesson::ActiveModel {
        id: Set(lid.clone()),
        version_id: Set(vid),
        chapter_id: Set(cid),
        position: Set(1),
        title: Set("一小时的课".into()),
        kind: Set(LessonKind::Video),
        body: Set(String::new()),
        media_id: Set(String::new()),
        seconds: Set(Some(LESSON_SECONDS)),
        preview: Set(false),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .map_err(err)?;
    Ok(lid)
}

/// A signed-in learner: (user id, session cookie value, CSRF token).
pub(crate) struct Learner {
    pub(crate) user_id: String,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn learners(app: &App, n: usize) -> Result<Vec<Learner>, String> {
    let system = Principal::system();
    let region = jineng_core::RegionCode::parse("520102").map_err(err)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let username = format!("bench{i:05}");
        let u = app
            .accounts()
            .create_user(
                &system,
                &ctx(),
                NewUser {
                    username: username.clone(),
                    display_name: format!("学员{i}"),
                    password: PASSWORD.into(),
                    phone: None,
                    id_number: None,
                    region: Some(region),
                    roles: vec![(Role::Learner, None)],
                    must_change_password: false,
                },
            )
            .await
            .map_err(err)?;
        let s = app
            .accounts()
            .login(
                &ctx(),
                Credentials {
                    login: &username,
                    password: PASSWORD,
                    captcha: None,
                },
            )
            .await
            .map_err(err)?;
        out.push(Learner {
            user_id: u.id,
            cookie: format!("jn_session={}", s.token),
            csrf: s.csrf,
        });
    }
    Ok(out)
}

/// A study session the player holds: id, token, next sequence number, position.
#[derive(Clone)]
struct Playing {
    id: String,
    token: String,
    seq: u64,
    position: u64,
    /// The lesson's credit the server last acknowledged.
    acked: u64,
}

/// A scratch directory for one run and the database URL: `JINENG_BENCH_DATABASE_URL`, or
/// SQLite in that directory.
pub(crate) fn scratch(name: &str) -> Result<(std::path::PathBuf, String), String> {
    let dir = std::env::temp_dir().join(format!(
        "jineng-bench-{name}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).map_err(err)?;
    let url = std::env::var("JINENG_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()));
    Ok((dir, url))
}

/// The platform's router on a loopback port, served in the background: its base URL.
pub(crate) async fn serve(app: &App) -> Result<String, String> {
    let router = jineng_web::router(jineng_web::AppState {
        app: app.clone(),
        demo: false,
        demo_logins: Arc::new([]),
        metrics_token: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(err)?;
    let base = format!("http://{}", listener.local_addr().map_err(err)?);
    tokio::spawn(jineng_web::server::serve(
        listener,
        router,
        Default::default(),
        std::future::pending(),
    ));
    Ok(base)
}

pub(crate) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(err)
}

async fn open(
    http: &reqwest::Client,
    base: &str,
    l: &Learner,
    lesson: &str,
) -> Result<Playing, String> {
    let r = http
        .post(format!("{base}/lessons/{lesson}/study"))
        .header("cookie", &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .json(&json!({}))
        .send()
        .await
        .map_err(err)?;
    let status = r.status();
    let v: Value = r.json().await.map_err(err)?;
    if status.as_u16() != 201 {
        return Err(format!("open: {status} {v}"));
    }
    Ok(Playing {
        id: v["session_id"].as_str().unwrap_or_default().into(),
        token: v["token"].as_str().unwrap_or_default().into(),
        seq: 0,
        position: v["position_ms"].as_u64().unwrap_or(0),
        acked: v["credited_ms"].as_u64().unwrap_or(0),
    })
}

/// One heartbeat `advance_ms` further on: (status, reply).
async fn beat(
    http: &reqwest::Client,
    base: &str,
    l: &Learner,
    p: &Playing,
) -> Result<(u16, Value), String> {
    let r = http
        .post(format!("{base}/study-sessions/{}/beats", p.id))
        .header("cookie", &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .json(&json!({"token": p.token, "seq": p.seq, "position_ms": p.position, "rate_pct": 100, "visible": true}))
        .send()
        .await
        .map_err(err)?;
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    Ok((status, v))
}

pub(crate) fn policy(interval_secs: u32) -> Policy {
    Policy {
        interval_secs,
        // No watch checks: nobody answers them here.
        check_every_min_secs: 0,
        check_every_max_secs: 0,
        ..Policy::default()
    }
}

/// Where the benchmarked platform keeps sessions' state between heartbeats.
pub enum Mode {
    Buffered,
    Direct,
    /// Held in the Redis at this URL.
    Redis(String),
}

pub fn heartbeats(sessions: usize, rounds: usize, mode: Mode) -> Result<(), String> {
    crate::block_on(async move {
        let (dir, url) = scratch("beats")?;
        let clock = Arc::new(jineng_app::clock::ManualClock::new(chrono::Utc::now()));
        let (k, b, a) = jineng_app::crypto::pii::Keyring::generate();
        let interval = 20;
        let mut app = platform(
            &url,
            &dir.join("files"),
            clock.clone(),
            (&k, &b, &a),
            policy(interval),
        )
        .await?;
        match &mode {
            Mode::Buffered => {}
            Mode::Direct => app = app.with_direct_study(),
            Mode::Redis(url) => {
                let prefix = format!("jineng-bench:study:{}", uuid::Uuid::now_v7());
                let held = jineng_limits::held::Held::connect(url, &prefix)
                    .await
                    .map_err(err)?;
                app = app.with_shared_study(held);
            }
        }
        let flusher = app.start_study_flusher();
        let lesson = hour_lesson(&app).await?;
        let t0 = Instant::now();
        let people = Arc::new(learners(&app, sessions).await?);
        eprintln!(
            "{sessions} learners signed in ({:.1}s)",
            t0.elapsed().as_secs_f64()
        );
        let base = serve(&app).await?;
        let http = client()?;
        let mut playing = Vec::with_capacity(sessions);
        for l in people.iter() {
            playing.push(open(&http, &base, l, &lesson).await?);
        }
        let stats = |app: &App| match (&app.study_buffer, &app.study_shared) {
            (Some(b), _) => b.stats(),
            (None, Some(s)) => s.stats().0,
            (None, None) => Default::default(),
        };
        let before = stats(&app);
        // Heartbeats: every round the clock moves one interval on, with jitter so the
        // gaps are not a script's.
        let mut latencies = Vec::with_capacity(sessions * rounds);
        let mut accepted = 0usize;
        let started = Instant::now();
        for round in 0..rounds {
            let gap = u64::from(interval) * 1000 - 400 + (round as u64 * 317) % 800;
            clock.advance(chrono::Duration::milliseconds(gap as i64));
            for p in playing.iter_mut() {
                p.seq += 1;
                p.position += gap;
            }
            let (lat, ok) = fire(&http, &base, &people, &playing).await?;
            latencies.extend(lat);
            accepted += ok;
        }
        let beat_secs = started.elapsed().as_secs_f64();
        let total = sessions * rounds;
        // The bare route, the same number of requests, the same way.
        let started = Instant::now();
        let (bare_lat, _) = fire_n(&http, &base, total).await?;
        let bare_secs = started.elapsed().as_secs_f64();
        app.study().settle(None).await.map_err(err)?;
        let after = stats(&app);
        if let Some(f) = flusher {
            f.abort();
        }
        let beats_per_s = total as f64 / beat_secs;
        let bare_per_s = total as f64 / bare_secs;
        let p50 = crate::percentile_ms(latencies.clone(), 0.5);
        let p99 = crate::percentile_ms(latencies, 0.99);
        println!(
            "database: {}; mode: {}; {sessions} sessions x {rounds} heartbeats, 64 at a time",
            if url.starts_with("postgres") {
                "PostgreSQL"
            } else {
                "SQLite"
            },
            match mode {
                Mode::Buffered => "buffered in the node's memory",
                Mode::Direct => "direct (written through)",
                Mode::Redis(_) => "held in Redis (several nodes)",
            }
        );
        println!(
            "heartbeats: {beats_per_s:.0}/s, p50 {p50:.1} ms, p99 {p99:.1} ms; accepted {accepted}/{total}"
        );
        println!(
            "bare JSON route: {bare_per_s:.0}/s, p50 {:.1} ms, p99 {:.1} ms",
            crate::percentile_ms(bare_lat.clone(), 0.5),
            crate::percentile_ms(bare_lat, 0.99)
        );
        println!(
            "ratio heartbeats / bare route: {:.2} (target >= 0.5, p99 < 100 ms)",
            beats_per_s / bare_per_s
        );
        if !matches!(mode, Mode::Direct) {
            let statements = after.statements - before.statements;
            let written = after.beats - before.beats;
            println!(
                "buffered writes: {written} heartbeats in {} flushes, {statements} write statements: {:.0} heartbeats per statement (target >= 100)",
                after.flushes - before.flushes,
                written as f64 / statements.max(1) as f64
            );
        }
        // One million learners online at one heartbeat every 30 s.
        let needed = 1_000_000.0 / 30.0;
        println!(
            "one million learners at 30 s: {needed:.0} heartbeats/s, {:.1} nodes like this one at this rate",
            needed / beats_per_s
        );
        if accepted != total {
            return Err(format!(
                "only {accepted} of {total} heartbeats were accepted"
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
}

/// One heartbeat of every session, 64 in flight: latencies and heartbeats accepted.
async fn fire(
    http: &reqwest::Client,
    base: &str,
    people: &Arc<Vec<Learner>>,
    playing: &[Playing],
) -> Result<(Vec<Duration>, usize), String> {
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(playing.len());
    for (i, p) in playing.iter().enumerate() {
        let (http, base, people, p) = (http.clone(), base.to_string(), people.clone(), p.clone());
        let permit = gate.clone().acquire_owned().await.map_err(err)?;
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = beat(&http, &base, &people[i], &p).await;
            drop(permit);
            r.map(|(s, v)| (t.elapsed(), s == 200 && v["accepted"] == true))
        }));
    }
    let mut lat = Vec::with_capacity(tasks.len());
    let mut ok = 0;
    for t in tasks {
        let (d, accepted) = t.await.map_err(err)??;
        lat.push(d);
        ok += usize::from(accepted);
    }
    Ok((lat, ok))
}

/// `n` requests to the bare JSON route, 64 in flight.
pub(crate) async fn fire_n(
    http: &reqwest::Client,
    base: &str,
    n: usize,
) -> Result<(Vec<Duration>, usize), String> {
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let (http, url) = (http.clone(), format!("{base}/healthz"));
        let permit = gate.clone().acquire_owned().await.map_err(err)?;
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http.get(url).send().await.map_err(err);
            let ok = match r {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            drop(permit);
            (t.elapsed(), ok)
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut ok = 0;
    for t in tasks {
        let (d, good) = t.await.map_err(err)?;
        lat.push(d);
        ok += usize::from(good);
    }
    Ok((lat, ok))
}

/// One learner's study as the crash test's client saw it.
#[derive(Clone, Default)]
struct Seen {
    /// The lesson's credit in the last answer received.
    acked: u64,
    /// A heartbeat was sent and its answer never came (the server died meanwhile).
    in_flight: bool,
    beats: u64,
}

/// Study with a heartbeat every 10 s ± 1.5 s (the position moving with real time) until
/// `stop`; what the client saw.
async fn study_until(
    http: reqwest::Client,
    base: String,
    l: Arc<Learner>,
    mut p: Playing,
    seen: Arc<std::sync::Mutex<Seen>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    seed: u64,
) -> Playing {
    use std::sync::atomic::Ordering;
    let mut last = Instant::now();
    let mut k = seed;
    while !stop.load(Ordering::Relaxed) {
        k = k
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = 8_500 + (k >> 33) % 3_000;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        if stop.load(Ordering::Relaxed) {
            break;
        }
        p.seq += 1;
        p.position += u64::try_from(last.elapsed().as_millis()).unwrap_or(0);
        last = Instant::now();
        if let Ok(mut s) = seen.lock() {
            s.in_flight = true;
            s.beats += 1;
        }
        match beat(&http, &base, &l, &p).await {
            Ok((200, v)) => {
                if let Ok(mut s) = seen.lock() {
                    s.in_flight = false;
                    if let Some(c) = v["lesson_credited_ms"].as_u64() {
                        s.acked = c;
                        p.acked = c;
                    }
                }
            }
            Ok((_, _)) => {
                if let Ok(mut s) = seen.lock() {
                    s.in_flight = false;
                }
            }
            // The server is gone: the answer never came.
            Err(_) => break,
        }
    }
    p
}

fn server(binary: &str, env: &[(&str, String)]) -> Result<tokio::process::Child, String> {
    let mut c = tokio::process::Command::new(binary);
    c.arg("serve").stdout(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.spawn().map_err(|e| format!("starting {binary}: {e}"))
}

async fn wait_ready(http: &reqwest::Client, base: &str) -> Result<(), String> {
    for _ in 0..240 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err("the server did not come up".into())
}

/// What the database kept for a learner: (the lesson's credit, the sum of the per-day
/// totals).
async fn kept(db: &jineng_store::Db, user_id: &str) -> Result<(u64, u64), String> {
    use jineng_store::study::{day, progress};
    use sea_orm::{ColumnTrait, QueryFilter};
    let p: i64 = progress::Entity::find()
        .filter(progress::Column::UserId.eq(user_id))
        .all(db)
        .await
        .map_err(err)?
        .iter()
        .map(|p| p.credited_ms)
        .sum();
    let d: i64 = day::Entity::find()
        .filter(day::Column::UserId.eq(user_id))
        .all(db)
        .await
        .map_err(err)?
        .iter()
        .map(|d| d.credited_ms)
        .sum();
    Ok((u64::try_from(p).unwrap_or(0), u64::try_from(d).unwrap_or(0)))
}

pub fn crash(binary: &str, n: usize) -> Result<(), String> {
    crate::block_on(async move {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = std::env::temp_dir().join(format!(
            "jineng-bench-crash-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).map_err(err)?;
        let url = std::env::var("JINENG_BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("jineng.db").display()));
        let (k, b, a) = jineng_app::crypto::pii::Keyring::generate();
        let interval_ms = 10_000u64;
        let slack_ms = 5_000u64;
        let (lesson, people) = {
            let app = platform(
                &url,
                &dir.join("files"),
                Arc::new(jineng_app::SystemClock),
                (&k, &b, &a),
                policy(10),
            )
            .await?;
            let lesson = hour_lesson(&app).await?;
            (lesson, learners(&app, n).await?)
        };
        let people: Vec<Arc<Learner>> = people.into_iter().map(Arc::new).collect();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(err)?
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let env = [
            ("JINENG_DATABASE_URL", url.clone()),
            ("JINENG_DATA_DIR", dir.display().to_string()),
            ("JINENG_BIND", format!("127.0.0.1:{port}")),
            ("JINENG_PII_KEYS", k.clone()),
            ("JINENG_PII_BLIND_KEY", b.clone()),
            ("JINENG_AUDIT_KEY", a.clone()),
            ("JINENG_LOG_FORMAT", "json".into()),
        ];
        let http = client()?;
        let mut child = server(binary, &env)?;
        wait_ready(&http, &base).await?;
        let mut playing = Vec::with_capacity(n);
        for l in &people {
            playing.push(open(&http, &base, l, &lesson).await?);
        }
        // Study, then SIGKILL between 25 and 35 s in, at a moment no heartbeat chose.
        let run = |playing: Vec<Playing>, stop: Arc<AtomicBool>, round: u64| {
            let mut seen = Vec::new();
            let mut tasks = Vec::new();
            for (i, p) in playing.into_iter().enumerate() {
                let s = Arc::new(std::sync::Mutex::new(Seen {
                    acked: p.acked,
                    ..Seen::default()
                }));
                seen.push(s.clone());
                tasks.push(tokio::spawn(study_until(
                    http.clone(),
                    base.clone(),
                    people[i].clone(),
                    p,
                    s,
                    stop.clone(),
                    round * 1000 + i as u64,
                )));
            }
            (seen, tasks)
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, tasks) = run(playing, stop.clone(), 1);
        let kill_after = 25_000 + u64::from(std::process::id()) % 10_000;
        tokio::time::sleep(Duration::from_millis(kill_after)).await;
        child.kill().await.map_err(err)?;
        stop.store(true, Ordering::Relaxed);
        let mut playing = Vec::with_capacity(n);
        for t in tasks {
            playing.push(t.await.map_err(err)?);
        }
        let db = jineng_store::connect(&url, 2).await.map_err(err)?;
        let (mut acked_total, mut kept_total, mut lost_max, mut beats) = (0u64, 0u64, 0u64, 0u64);
        let mut in_flight = 0;
        for (i, l) in people.iter().enumerate() {
            let s = seen[i].lock().map_err(err)?.clone();
            let (k, d) = kept(&db, &l.user_id).await?;
            beats += s.beats;
            in_flight += usize::from(s.in_flight);
            let ceiling = s.acked
                + if s.in_flight {
                    interval_ms + slack_ms
                } else {
                    0
                };
            if k > ceiling {
                return Err(format!(
                    "learner {i}: the database kept {k} ms, more than the {} ms acknowledged",
                    s.acked
                ));
            }
            if k + 2 * interval_ms < s.acked {
                return Err(format!(
                    "learner {i}: the database kept {k} ms of {} ms acknowledged: more than two intervals lost",
                    s.acked
                ));
            }
            if d != k {
                return Err(format!(
                    "learner {i}: per-day totals {d} ms against the lesson's {k} ms"
                ));
            }
            acked_total += s.acked;
            kept_total += k;
            lost_max = lost_max.max(s.acked.saturating_sub(k));
        }
        db.close().await.map_err(err)?;
        println!(
            "killed after {:.1}s: {n} learners, {beats} heartbeats, {in_flight} in flight; acknowledged {:.1} min, kept {:.1} min; most lost by one learner {:.1} s (bound: two intervals, {} s)",
            kill_after as f64 / 1000.0,
            acked_total as f64 / 60_000.0,
            kept_total as f64 / 60_000.0,
            lost_max as f64 / 1000.0,
            2 * interval_ms / 1000
        );
        // Restart, study on, stop gracefully: everything acknowledged is kept, once.
        let mut child = server(binary, &env)?;
        wait_ready(&http, &base).await?;
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, tasks) = run(playing, stop.clone(), 2);
        tokio::time::sleep(Duration::from_millis(25_000)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.map_err(err)?;
        }
        let pid = child.id().ok_or("the server has no pid")?;
        std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .map_err(err)?;
        child.wait().await.map_err(err)?;
        let db = jineng_store::connect(&url, 2).await.map_err(err)?;
        let (mut after_total, mut grew) = (0u64, 0usize);
        for (i, l) in people.iter().enumerate() {
            let s = seen[i].lock().map_err(err)?.clone();
            let (k, d) = kept(&db, &l.user_id).await?;
            if k != s.acked || d != k {
                return Err(format!(
                    "learner {i} after the restart: kept {k} ms, per day {d} ms, acknowledged {} ms",
                    s.acked
                ));
            }
            after_total += k;
            grew += usize::from(k > 0);
        }
        println!(
            "restarted and stopped gracefully: kept {:.1} min, equal to what was acknowledged for all {n} learners ({grew} with credit); per-day totals equal the lessons' credit",
            after_total as f64 / 60_000.0
        );
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
}
