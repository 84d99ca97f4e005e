//! `TestApp`: one fresh database per test, the real router, a movable clock, and a
//! small cookie-keeping client for pages plus a bearer client for the API.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use jineng_app::crypto::pii::Keyring;
use jineng_app::{App, ManualClock, SecurityConfig};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;

pub const PW: &str = "Jineng@2026";

/// An SMS adapter that keeps what it would send, so tests can read the codes.
#[derive(Default)]
pub struct CaptureSms(pub std::sync::Mutex<Vec<(String, String)>>);

impl jineng_app::sms::SmsSender for CaptureSms {
    fn send(&self, phone: &jineng_core::Phone, text: &str) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .push((phone.as_str().to_string(), text.to_string()));
        Ok(())
    }
}

pub struct TestApp {
    pub app: App,
    pub sms: Arc<CaptureSms>,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    /// The keyring's configuration: (data keys, blind-index key, audit key).
    pub keys: (String, String, String),
    sqlite_path: Option<std::path::PathBuf>,
    /// This app's job workers, stopped with it.
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for w in &self.workers {
            w.abort();
        }
        if let Some(p) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
            let _ = std::fs::remove_dir_all(p.with_extension("files"));
            let _ = std::fs::remove_file(p.with_extension("replica.db"));
        }
    }
}

/// File storage for one test: a prefix in the S3 bucket when JINENG_TEST_S3_ENDPOINT is
/// set (CI runs the PostgreSQL pass that way), else a directory beside the SQLite file.
fn fresh_files(id: &str) -> jineng_files::Files {
    match std::env::var("JINENG_TEST_S3_ENDPOINT") {
        Ok(endpoint) => jineng_files::Files::s3(&jineng_files::S3Config {
            endpoint,
            bucket: std::env::var("JINENG_TEST_S3_BUCKET").unwrap_or_else(|_| "jineng-test".into()),
            region: "us-east-1".into(),
            access_key: "test".into(),
            secret_key: "test".into(),
            prefix: format!("it-{id}"),
        })
        .expect("S3 test storage"),
        Err(_) => jineng_files::Files::local(
            &std::env::temp_dir().join(format!("jineng-test-{id}.files")),
        )
        .expect("local test storage"),
    }
}

/// PostgreSQL: one database per test process holds the schema and the reference data;
/// every test's database is a copy of it (`CREATE DATABASE … TEMPLATE`), which the server
/// makes far faster than running every migration and loading the classification again.
/// The tests still run `migrate::run` and `seed_reference`, which find nothing to do.
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn pg_template(admin: &sea_orm::DatabaseConnection, base: &str) -> String {
    PG_TEMPLATE
        .get_or_init(|| async {
            let name = format!("jt_template_{}", uuid::Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create template database");
            let db = jineng_store::connect(&format!("{base}/{name}"), 1)
                .await
                .expect("connect to the template");
            jineng_store::migrate::run(&db)
                .await
                .expect("migrate the template");
            jineng_store::reference::load(&db)
                .await
                .expect("reference data in the template");
            db.close().await.expect("close the template");
            name
        })
        .await
        .clone()
}

async fn fresh_database() -> (String, Option<std::path::PathBuf>) {
    let id = uuid::Uuid::now_v7().simple().to_string();
    match std::env::var("JINENG_TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let admin = sea_orm::Database::connect(admin_url.clone())
                .await
                .expect("connect to PostgreSQL");
            let name = format!("jt_{id}");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .expect("url with database");
            let template = pg_template(&admin, &base).await;
            // A copy made inside the server; retried while another copy of the same
            // template is being started (PostgreSQL refuses a template in use).
            let mut tries = 0;
            loop {
                match admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                    ))
                    .await
                {
                    Ok(_) => {
                        // A test's database need not survive a crash of the server: commits
                        // return without waiting for the disk (visibility, locks and
                        // constraints are unchanged).
                        admin
                            .execute_unprepared(&format!(
                                "ALTER DATABASE \"{name}\" SET synchronous_commit = off"
                            ))
                            .await
                            .expect("configure the test database");
                        break;
                    }
                    Err(e) if tries < 50 => {
                        tries += 1;
                        let _ = e;
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("create test database: {e}"),
                }
            }
            (format!("{base}/{name}"), None)
        }
        _ => {
            let path = std::env::temp_dir().join(format!("jineng-test-{id}.db"));
            std::fs::write(&path, sqlite_template().await).expect("copy the template");
            (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
        }
    }
}

/// SQLite: the same idea as `PG_TEMPLATE`. One database per test process is migrated and
/// given the reference data, then kept as bytes (its file removed); every test starts
/// from a copy of those bytes, which saves about 0.6 s of each test's setup.
static SQLITE_TEMPLATE: tokio::sync::OnceCell<Vec<u8>> = tokio::sync::OnceCell::const_new();

async fn sqlite_template() -> &'static [u8] {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let path = std::env::temp_dir().join(format!(
                "jineng-template-{}.db",
                uuid::Uuid::now_v7().simple()
            ));
            let db = jineng_store::connect(&format!("sqlite://{}?mode=rwc", path.display()), 1)
                .await
                .expect("create the template");
            jineng_store::migrate::run(&db)
                .await
                .expect("migrate the template");
            jineng_store::reference::load(&db)
                .await
                .expect("reference data in the template");
            // Everything into the main file, so that the file alone is the database.
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .expect("checkpoint the template");
            db.close().await.expect("close the template");
            let bytes = std::fs::read(&path).expect("read the template");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            bytes
        })
        .await
}

pub struct Options {
    pub security: SecurityConfig,
    pub demo: bool,
    /// Witnesses the log pushes its checkpoints to.
    pub witnesses: Vec<jineng_app::ledger::witness::Witness>,
    /// Where heartbeats are kept between writes.
    pub study: StudyMode,
    /// The key prefix of `StudyMode::Redis` (a fresh one when `None`).
    pub study_prefix: Option<String>,
}

/// Where a node keeps sessions' state between heartbeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StudyMode {
    /// In the node's memory, written every two seconds (the embedded default).
    #[default]
    Buffered,
    /// Each heartbeat written in its own transaction.
    Direct,
    /// In Redis for every node (`JINENG_TEST_REDIS_URL`, a prefix of the test's own).
    Redis,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            // Cheap hashing keeps the suite fast; the parameters are otherwise the real ones.
            // All requests of a test come from one address within seconds, so the
            // per-address limits are lifted here; the tests of the limits themselves use
            // `RateLimits::default()`.
            security: SecurityConfig {
                argon2_memory_kib: 64,
                argon2_iterations: 1,
                rate_limits: generous_limits(),
                ..SecurityConfig::default()
            },
            demo: true,
            witnesses: Vec::new(),
            study: StudyMode::Buffered,
            study_prefix: None,
        }
    }
}

/// Limits no ordinary test reaches.
pub fn generous_limits() -> jineng_app::config::RateLimits {
    jineng_app::config::RateLimits {
        sign_in_per_address_minute: 100_000,
        sign_in_failures_per_address_15min: 100_000,
        sms_per_phone_hour: 100_000,
        sms_per_address_hour: 100_000,
        registrations_per_address_hour: 100_000,
        exchange_per_client_minute: 100_000,
        open_api_per_key_minute: 100_000,
        ledger_reads_per_address_minute: 100_000,
        heavy_per_user_minute: 100_000,
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with(Options::default()).await
    }

    pub async fn with(o: Options) -> TestApp {
        let (url, sqlite_path) = fresh_database().await;
        let files_id = sqlite_path
            .as_ref()
            .and_then(|p| p.file_stem())
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("jineng-test-"))
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        let db = jineng_store::connect(&url, 8).await.expect("connect");
        jineng_store::migrate::run(&db).await.expect("migrate");
        let (keys, blind, audit) = Keyring::generate();
        let keyring = Keyring::from_config(&keys, &blind, &audit).unwrap();
        let key_config = (keys.clone(), blind.clone(), audit.clone());
        // JINENG_TEST_CLOCK_SHIFT_HOURS starts every test's clock that many hours from
        // now, to prove the tests do not depend on the time of day they run at.
        let shift = std::env::var("JINENG_TEST_CLOCK_SHIFT_HOURS")
            .ok()
            .and_then(|h| h.parse::<i64>().ok())
            .unwrap_or(0);
        let clock = Arc::new(ManualClock::new(
            chrono::Utc::now() + chrono::Duration::hours(shift),
        ));
        let sms = Arc::new(CaptureSms::default());
        let app = App::new(
            db,
            o.security,
            keyring,
            clock.clone(),
            fresh_files(&files_id),
        )
        .with_sms(sms.clone(), false)
        .with_ledger_key(test_ledger_key())
        .with_witnesses(o.witnesses);
        let app = match o.study {
            StudyMode::Buffered => app,
            StudyMode::Direct => app.with_direct_study(),
            StudyMode::Redis => {
                let url = std::env::var("JINENG_TEST_REDIS_URL")
                    .expect("JINENG_TEST_REDIS_URL must name the Redis to test against");
                let prefix = o
                    .study_prefix
                    .clone()
                    .unwrap_or_else(|| format!("jineng-test:study:{}", uuid::Uuid::now_v7()));
                let held = jineng_limits::held::Held::connect(&url, &prefix)
                    .await
                    .expect("connect to Redis");
                app.with_shared_study(held)
            }
        };
        app.seed_reference().await.expect("reference data");
        if o.demo {
            jineng_demo::accounts(&app).await.expect("demo accounts");
        }
        let state = jineng_web::AppState {
            app: app.clone(),
            demo: o.demo,
            demo_logins: demo_logins(),
            metrics_token: Some(METRICS_TOKEN.into()),
        };
        TestApp {
            router: jineng_web::router(state),
            workers: app.start_workers(1),
            app,
            clock,
            keys: key_config,
            sqlite_path,
            sms,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        Self::send_via(&self.router, req).await
    }

    /// A router of another node of this platform (`app`, say `self.app.another_node()`).
    pub fn router_of(&self, app: jineng_app::App) -> axum::Router {
        jineng_web::router(jineng_web::AppState {
            app,
            demo: true,
            demo_logins: demo_logins(),
            metrics_token: Some(METRICS_TOKEN.into()),
        })
    }

    /// Send a request to `router` (this node's or another's).
    pub async fn send_via(router: &axum::Router, req: Request<Body>) -> Resp {
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A browser with no cookies yet.
    pub fn browser(&self) -> Browser<'_> {
        Browser {
            t: self,
            cookies: BTreeMap::new(),
        }
    }

    /// A browser signed in as `username` with the demo password.
    pub async fn signed_in(&self, username: &str) -> Browser<'_> {
        let mut b = self.browser();
        let r = b.login(username, PW).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            r.text()
        );
        b
    }

    pub async fn user_id(&self, username: &str) -> String {
        self.app
            .accounts()
            .user_id_by_username(username)
            .await
            .unwrap()
            .expect("user exists")
    }

    /// The organisation a demo organisation account works for.
    pub async fn org_id_of(&self, username: &str) -> String {
        let who = self
            .app
            .accounts()
            .principal_of(&self.user_id(username).await)
            .await
            .unwrap();
        who.org_ids()
            .first()
            .cloned()
            .expect("works for an organisation")
    }

    /// The account of a person, by ID number.
    pub async fn user_id_by_id_number(&self, id_number: &str) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let bidx = self
            .app
            .keyring
            .blind_index(jineng_app::crypto::pii::PiiKind::IdNumber, id_number);
        jineng_store::accounts::user::Entity::find()
            .filter(jineng_store::accounts::user::Column::IdNumberBidx.eq(bidx))
            .one(&self.app.db)
            .await
            .unwrap()
            .expect("a person with this ID number")
            .id
    }

    /// An API token for a demo account.
    pub async fn token(&self, username: &str) -> String {
        let id = self.user_id(username).await;
        self.token_for(&id).await
    }

    /// An API token for any account, by user id.
    pub async fn token_for(&self, id: &str) -> String {
        let (id, username) = (id.to_string(), id.to_string());
        let who = jineng_app::Principal {
            user_id: id,
            display_name: username.clone(),
            username,
            grants: vec![],
        };
        let (_, t) = self
            .app
            .accounts()
            .create_token(
                &who,
                &Default::default(),
                "test",
                None,
                jineng_core::accounts::TokenScope::Full,
            )
            .await
            .unwrap();
        t
    }

    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"));
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn raw_api(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// The six-digit code last sent to `phone`.
    /// Send an SMS code for `purpose` to `phone` through the API and read it from the
    /// captured messages. The clock moves past the one-a-minute rule first.
    pub async fn code_for(&self, phone: &str, purpose: &str) -> String {
        self.clock.advance(chrono::Duration::seconds(61));
        let r = self
            .api(
                Method::POST,
                "/sms/code",
                None,
                Some(serde_json::json!({"phone": phone, "purpose": purpose})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        self.last_code(phone)
    }

    pub fn last_code(&self, phone: &str) -> String {
        let sent = self.sms.0.lock().unwrap();
        let text = &sent
            .iter()
            .rev()
            .find(|(p, _)| p == phone)
            .expect("a code was sent")
            .1;
        text.chars().filter(char::is_ascii_digit).take(6).collect()
    }

    pub async fn audit_count(&self) -> u64 {
        self.app.audit().count().await.unwrap()
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }

    /// Assert an RFC 9457 problem with this status; returns its body.
    pub fn problem(&self, status: u16) -> serde_json::Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        let v = self.json();
        assert_eq!(v["status"], status);
        let detail = v["detail"].as_str().unwrap_or("");
        assert!(
            detail
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "detail should be Chinese: {detail}"
        );
        v
    }
}

/// A cookie jar over the in-process router.
pub struct Browser<'a> {
    t: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
}

impl Browser<'_> {
    fn absorb(&mut self, r: &Resp) {
        for v in r.headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let pair = s.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() || s.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = Request::builder()
            .uri(path)
            .header(header::COOKIE, self.cookie_header());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Body::empty()).unwrap();
        let r = self.t.send(req).await;
        self.absorb(&r);
        r
    }

    /// The CSRF token the page at `path` hands to its forms.
    pub async fn csrf(&mut self, path: &str) -> String {
        let mut r = self.get(path).await;
        if r.status.is_redirection() {
            let to = r.location();
            r = self.get(&to).await;
        }
        let page = r.text();
        let marker = "name=\"csrf-token\" content=\"";
        let start = page
            .find(marker)
            .unwrap_or_else(|| panic!("no csrf meta on {path}: {page}"))
            + marker.len();
        page[start..].split('"').next().unwrap().to_string()
    }

    /// POST a form with the page's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = if self.cookies.contains_key("jn_session") {
            self.csrf("/account/password").await
        } else {
            self.csrf("/login").await
        };
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POST exactly these fields (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let r = self.t.send(req).await;
        self.absorb(&r);
        r
    }

    /// POST multipart/form-data (CSRF token in the query string, as the page's form does).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let file = file.map(|(name, bytes)| {
            (
                name,
                "learners.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes,
            )
        });
        self.post_file(path, fields, file).await
    }

    /// POST multipart/form-data with a file of a given name and declared type.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &str, Vec<u8>)>,
    ) -> Resp {
        let token = self.csrf("/account/password").await;
        let boundary = "jinengtestboundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, filename, content_type, bytes)) = file {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes());
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("{path}{sep}_csrf={token}"))
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let r = self.t.send(req).await;
        self.absorb(&r);
        r
    }

    pub async fn login(&mut self, login: &str, password: &str) -> Resp {
        let token = self.csrf("/login").await;
        self.post_raw(
            "/login",
            &[
                ("_csrf", &token),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// Sign in answering the picture challenge correctly.
    pub async fn login_with_captcha(&mut self, login: &str, password: &str) -> Resp {
        let token = self.csrf("/login").await;
        let (challenge, answer) = self.t.app.captcha_solved();
        self.post_raw(
            "/login",
            &[
                ("_csrf", &token),
                ("login", login),
                ("password", password),
                ("next", "/"),
                ("captcha_token", &challenge),
                ("captcha", &answer),
            ],
        )
        .await
    }
}

/// A valid ID number: the 17 given digits and their check character.
/// The bearer token the test routers' `/metrics` asks for.
pub const METRICS_TOKEN: &str = "test-metrics-token";

/// The demo accounts the login page lists.
pub fn demo_logins() -> std::sync::Arc<[jineng_web::DemoLogin]> {
    jineng_demo::DEMO_ACCOUNTS
        .iter()
        .map(|a| jineng_web::DemoLogin {
            username: a.username,
            password: a.password,
            role_label: a.role.label(),
        })
        .collect()
}

/// A fresh evidence-log signing key for one test app.
pub fn test_ledger_key() -> jineng_evidence::checkpoint::LogKey {
    let (skey, _) = jineng_evidence::checkpoint::LogKey::generate("jineng.test/ledger");
    jineng_evidence::checkpoint::LogKey::from_private(&skey).unwrap()
}

pub fn id(first17: &str) -> String {
    let c = jineng_core::identity::id_number::check_char(first17.as_bytes()).unwrap();
    format!("{first17}{c}")
}

/// A valid unified social credit code from the given characters: the first 16 kept, the
/// organisation code's check (17th) and the code's own (18th) computed.
pub fn credit_code(first17: &str) -> String {
    jineng_core::identity::credit_code::complete(&first17[..16]).unwrap()
}

/// The learner import template filled with `rows`.
pub fn xlsx(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in jineng_app::learners::import::HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The first sheet of a downloaded xlsx, as text cells.
pub fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    read_xlsx_sheet(bytes, 0)
}

/// The rows of the `n`th sheet of a workbook.
pub fn read_xlsx_sheet(bytes: &[u8], n: usize) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(n).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// A small but well-formed PDF, as a scanned licence would be.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

impl TestApp {
    /// Moves the clock forward to the next hh:mm China Standard Time (later today if
    /// that is still ahead, else tomorrow).
    pub fn to_cst(&self, hh: u32, mm: u32) {
        let now = self.app.now();
        let at = chrono::NaiveTime::from_hms_opt(hh, mm, 0).unwrap();
        let cst_day = (now + chrono::Duration::hours(8)).date_naive();
        let mut target = cst_day.and_time(at).and_utc() - chrono::Duration::hours(8);
        if target <= now {
            target += chrono::Duration::days(1);
        }
        self.clock.advance(target - now);
    }

    /// SQLite only: a copy of the database as it is now, as a stale "replica" to read from
    /// (`None` on PostgreSQL, where the cluster test starts a real standby instead).
    pub async fn snapshot_replica(&self) -> Option<jineng_store::Db> {
        let path = self.sqlite_path.as_ref()?;
        let copy = path.with_extension("replica.db");
        self.app
            .db
            .execute_unprepared(&format!("VACUUM INTO '{}'", copy.display()))
            .await
            .expect("snapshot");
        Some(
            jineng_store::db::connect_replica(&format!("sqlite://{}?mode=ro", copy.display()), 2)
                .await
                .expect("connect to the copy"),
        )
    }

    /// From now on, requests go to an app that reads lists from `replica`.
    pub fn use_replica(&mut self, replica: jineng_store::Db, max_lag: std::time::Duration) {
        self.app = self.app.clone().with_replica(replica, max_lag);
        self.router = jineng_web::router(jineng_web::AppState {
            app: self.app.clone(),
            demo: true,
            demo_logins: demo_logins(),
            metrics_token: Some(METRICS_TOKEN.into()),
        });
    }

    /// From now on, requests go to an app whose file storage is `files` (same database).
    pub fn swap_files(&mut self, files: jineng_files::Files) {
        let mut app = self.app.clone();
        app.files = files;
        self.router = jineng_web::router(jineng_web::AppState {
            app,
            demo: true,
            demo_logins: demo_logins(),
            metrics_token: Some(METRICS_TOKEN.into()),
        });
    }

    /// The organisation's own admin uploads a licence (needed before approval).
    pub async fn upload_licence(&self, admin_username: &str, org_id: &str) {
        let tok = self.token(admin_username).await;
        let r = self
            .raw_api(
                Method::POST,
                &format!("/orgs/{org_id}/documents?kind=school_licence&filename=licence.pdf"),
                &tok,
                "application/pdf",
                pdf(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
}
