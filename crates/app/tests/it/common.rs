//! `TestApp` for use-case tests: a fresh database, local (or S3) files, a movable clock,
//! and the demo accounts; no job workers unless a test starts them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jineng_app::crypto::pii::Keyring;
use jineng_app::{App, ManualClock, Principal, RequestCtx, SecurityConfig};
use sea_orm::ConnectionTrait;
use std::sync::Arc;

pub struct TestApp {
    pub app: App,
    pub clock: Arc<ManualClock>,
    sqlite_path: Option<std::path::PathBuf>,
    files_dir: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(p) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        }
        let _ = std::fs::remove_dir_all(&self.files_dir);
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let (url, sqlite_path) = match std::env::var("JINENG_TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let admin = jineng_store::connect(&admin_url, 1).await.unwrap();
                let name = format!("jt_{id}");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                let base = admin_url.rsplit_once('/').unwrap().0;
                (format!("{base}/{name}"), None)
            }
            _ => {
                let path = std::env::temp_dir().join(format!("jineng-app-test-{id}.db"));
                (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
            }
        };
        let db = jineng_store::connect(&url, 8).await.unwrap();
        jineng_store::migrate::run(&db).await.unwrap();
        let (keys, blind, audit) = Keyring::generate();
        let files_dir = std::env::temp_dir().join(format!("jineng-app-test-{id}.files"));
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let app = App::new(
            db,
            SecurityConfig {
                argon2_memory_kib: 64,
                argon2_iterations: 1,
                ..SecurityConfig::default()
            },
            Keyring::from_config(&keys, &blind, &audit).unwrap(),
            clock.clone(),
            jineng_files::Files::local(&files_dir).unwrap(),
        );
        app.seed_reference().await.unwrap();
        jineng_demo::accounts(&app).await.unwrap();
        TestApp {
            app,
            clock,
            sqlite_path,
            files_dir,
        }
    }

    pub async fn principal(&self, username: &str) -> Principal {
        let id = self
            .app
            .accounts()
            .user_id_by_username(username)
            .await
            .unwrap()
            .unwrap();
        self.app.accounts().principal_of(&id).await.unwrap()
    }
}

pub fn ctx() -> RequestCtx {
    RequestCtx {
        ip: "127.0.0.1".into(),
        request_id: "test".into(),
        user_agent: "test".into(),
        ..Default::default()
    }
}

const NAMES: [&str; 10] = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];

/// A filled-in import template with `n` good rows (generated valid ID numbers).
pub fn import_file(n: usize, seed: u32) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in jineng_app::learners::import::HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..n {
        let row = (i + 1) as u32;
        let first17 = format!("52010219900101{:03}", (seed as usize * 100 + i) % 1000);
        let check = jineng_core::identity::id_number::check_char(first17.as_bytes()).unwrap();
        let cells = [
            format!("学员{}", NAMES[(seed as usize * 7 + i) % NAMES.len()]),
            format!("{first17}{check}"),
            format!("139{:08}", seed as usize * 1000 + i),
            "农村转移就业劳动者".to_string(),
            "初中".to_string(),
            "520102".to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, v.as_str()).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}
