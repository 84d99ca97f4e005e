//! Data migrations run against rows written by the schema before them: SQLite always,
//! PostgreSQL when JINENG_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jineng_core::review::{Decision, ReviewSubject};
use jineng_store::migrate;
use jineng_store::reviews::decision;
use sea_orm::{ConnectionTrait, EntityTrait};

async fn fresh() -> (jineng_store::Db, Option<std::path::PathBuf>) {
    let id = uuid::Uuid::now_v7().simple().to_string();
    match std::env::var("JINENG_TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let admin = jineng_store::connect(&admin_url, 1).await.unwrap();
            let name = format!("jt_{id}");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let base = admin_url.rsplit_once('/').unwrap().0;
            (
                jineng_store::connect(&format!("{base}/{name}"), 2)
                    .await
                    .unwrap(),
                None,
            )
        }
        _ => {
            let path = std::env::temp_dir().join(format!("jineng-migrate-{id}.db"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            (jineng_store::connect(&url, 2).await.unwrap(), Some(path))
        }
    }
}

#[tokio::test]
async fn review_history_is_filled_from_the_audit_trail() {
    let (db, path) = fresh().await;
    migrate::run_to(&db, 14).await.unwrap();
    let row = |seq: i64, action: &str, changes: &str| {
        format!(
            "INSERT INTO audit_log (seq, at, actor_id, actor_name, role, action, object_type, object_id, changes, ip, outcome, request_id, prev_hash, hash) \
             VALUES ({seq}, '2026-11-0{seq}T08:00:00.000000Z', 'r1', '南明区人社', 'regulator', '{action}', 'class', 'c1', '{changes}', '', 'ok', '', '', '')"
        )
    };
    for sql in [
        row(
            1,
            "class.return",
            r#"{"status":["submitted","returned"],"reason":"学员名单不全"}"#,
        ),
        row(
            2,
            "class.approve",
            r#"{"status":["submitted","approved"],"reason":""}"#,
        ),
        row(
            3,
            "class.start",
            r#"{"status":["approved","in_training"],"reason":""}"#,
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    migrate::run(&db).await.unwrap();
    let mut got = decision::Entity::find().all(&db).await.unwrap();
    got.sort_by_key(|d| d.decided_at);
    let seen: Vec<_> = got
        .iter()
        .map(|d| {
            (
                d.subject,
                d.subject_id.as_str(),
                d.decision,
                d.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                ReviewSubject::ClassFiling,
                "c1",
                Decision::Return,
                "学员名单不全"
            ),
            (ReviewSubject::ClassFiling, "c1", Decision::Approve, ""),
        ]
    );
    assert_eq!(got[0].reviewer_name, "南明区人社");
    assert_eq!(got[0].decided_at.to_rfc3339(), "2026-11-01T08:00:00+00:00");
    if let Some(p) = path {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    }
}
