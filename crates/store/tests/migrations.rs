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

fn drop_file(path: Option<std::path::PathBuf>) {
    if let Some(p) = path {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    }
}

const CLIENT: &str = "INSERT INTO exchange_clients (id, name, secret_enc, created_at) \
     VALUES ('x1', '数据共享平台', '', '2026-11-01T08:00:00Z')";

fn nonce(client: &str, n: &str) -> String {
    format!(
        "INSERT INTO exchange_nonces (client_id, nonce, seen_at) VALUES ('{client}', '{n}', '2026-11-01T08:00:00Z')"
    )
}

async fn count(db: &jineng_store::Db, sql: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Step 24 rebuilds (SQLite) or alters (PostgreSQL) the tables: rows written before it
/// stay, and afterwards the database itself refuses a row that points nowhere and the
/// removal of a row that others point at.
#[tokio::test]
async fn foreign_keys_keep_existing_rows_and_refuse_dangling_ones() {
    let (db, path) = fresh().await;
    migrate::run_to(&db, 23).await.unwrap();
    db.execute_unprepared(CLIENT).await.unwrap();
    db.execute_unprepared(&nonce("x1", "n1")).await.unwrap();
    migrate::run(&db).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM exchange_nonces").await, 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM schema_migrations").await,
        migrate::LATEST
    );

    let err = db.execute_unprepared(&nonce("ghost", "n2")).await;
    assert!(err.is_err(), "a nonce of no client was stored");
    let err = db
        .execute_unprepared("DELETE FROM exchange_clients WHERE id = 'x1'")
        .await;
    assert!(err.is_err(), "a client with nonces was removed");
    let err = db
        .execute_unprepared(
            "INSERT INTO class_sessions (id, class_id, date, starts, ends, topic, qr_secret_enc, created_at) \
             VALUES ('s1', 'no-such-class', '2026-11-02', '09:00', '11:00', '', '', '2026-11-01T08:00:00Z')",
        )
        .await;
    assert!(err.is_err(), "a session of no class was stored");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM exchange_nonces").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM class_sessions").await, 0);
    drop_file(path);
}

/// A database holding a row that points nowhere is not half-migrated: step 24 fails as a
/// whole, the tables and rows stay as they were, and the step is not recorded.
#[tokio::test]
async fn a_dangling_row_stops_the_foreign_key_step_whole() {
    let (db, path) = fresh().await;
    migrate::run_to(&db, 23).await.unwrap();
    db.execute_unprepared(CLIENT).await.unwrap();
    db.execute_unprepared(&nonce("x1", "n1")).await.unwrap();
    db.execute_unprepared(&nonce("ghost", "n2")).await.unwrap();
    assert!(migrate::run(&db).await.is_err());
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM schema_migrations").await,
        23
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM exchange_nonces").await, 2);
    // Repaired, the step goes through.
    db.execute_unprepared("DELETE FROM exchange_nonces WHERE client_id = 'ghost'")
        .await
        .unwrap();
    migrate::run(&db).await.unwrap();
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM schema_migrations").await,
        migrate::LATEST
    );
    drop_file(path);
}

/// Step 42 rebuilds the certificates table on SQLite (alters it on PostgreSQL): a
/// certificate issued before it keeps every value, and afterwards a row held by nobody
/// is refused and a teacher holds one current qualification.
#[tokio::test]
async fn certificates_survive_the_holder_step_and_gain_its_rules() {
    let (db, path) = fresh().await;
    migrate::run_to(&db, 41).await.unwrap();
    const T: &str = "'2026-11-01T08:00:00Z'";
    for sql in [
        "INSERT INTO regions (code, name, level, parent_code) VALUES ('520102', '南明区', 'county', NULL)".to_string(),
        format!(
            "INSERT INTO users (id, username, display_name, password_hash, status, must_change_password, totp_enabled, password_changed_at, created_at, updated_at) \
             VALUES ('u1', 'zhang', '张三丰', 'x', 'active', false, false, {T}, {T}, {T})"
        ),
        format!(
            "INSERT INTO organizations (id, kind, name, credit_code, region_code, address, legal_rep_name, legal_rep_id_enc, legal_rep_id_bidx, contact_name, contact_phone_enc, nature, institution_type, designated, bank_name, bank_account_name, bank_account_enc, training_scale, site_area, licence_no, valid_from, valid_until, status, status_reason, version, created_at, updated_at) \
             VALUES ('o1', 'institution', '南明职业技能培训学校', 'c1', '520102', '', '', '', '', '', '', '', '', false, '', '', '', 0, 0, '', '', '', 'approved', '', 1, {T}, {T})"
        ),
        format!(
            "INSERT INTO certificates (id, number, kind, user_id, class_id, org_id, region_code, holder_name, project, class_name, hours, issued_on, record, note, ledger_idx, issued_by, issued_at, revoked_at, revoked_reason, revoked_by, revocation_idx) \
             VALUES ('c1', 'JN2026-AAAA', 'completion', 'u1', NULL, 'o1', '520102', '张三丰', '电工', '第1期', 80, '2026-11-01', 'record text', 'note text', 7, 'staff', {T}, {T}, '核查不符', 'r1', 9)"
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    migrate::run(&db).await.unwrap();
    use jineng_store::certificates::certificate;
    let c = certificate::Entity::find_by_id("c1".to_string())
        .one(&db)
        .await
        .unwrap()
        .expect("the certificate is still there");
    assert_eq!(c.user_id.as_deref(), Some("u1"));
    assert_eq!(
        (
            c.number.as_str(),
            c.holder_name.as_str(),
            c.hours,
            c.ledger_idx
        ),
        ("JN2026-AAAA", "张三丰", 80, 7)
    );
    assert_eq!(
        (c.record.as_str(), c.note.as_str()),
        ("record text", "note text")
    );
    assert_eq!(c.revoked_reason, "核查不符");
    assert_eq!(c.revocation_idx, Some(9));
    assert!(c.revoked_at.is_some());
    assert_eq!(c.issuer_name, "");
    assert_eq!(
        (c.teacher_id, c.valid_until, c.replaced_by),
        (None, None, None)
    );

    let nobody = format!(
        "INSERT INTO certificates (id, number, kind, user_id, class_id, org_id, region_code, holder_name, project, class_name, hours, issued_on, record, note, ledger_idx, issued_by, issued_at, revoked_reason) \
         VALUES ('c2', 'JN2026-BBBB', 'teacher', NULL, NULL, 'o1', '520102', '王', '', '', 0, '2026-11-01', '', '', 0, 'r1', {T}, '')"
    );
    assert!(
        db.execute_unprepared(&nobody).await.is_err(),
        "a certificate held by nobody was stored"
    );
    drop_file(path);
}
