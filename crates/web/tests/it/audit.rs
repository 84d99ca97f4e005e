//! The audit trail: what gets recorded, search and export, and tamper detection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::json;

#[tokio::test]
async fn state_changes_are_recorded_with_who_what_where_and_request_id() {
    let t = TestApp::new().await;
    let mut admin = t.signed_in("admin").await;
    let id = t.user_id("teacher").await;
    let r = admin
        .post(
            &format!("/admin/users/{id}/grant"),
            &[("role", "expert"), ("region_code", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let request_id = r.header("x-request-id").unwrap();

    let tok = t.token("auditor").await;
    let found = t
        .api(
            Method::GET,
            &format!("/audit?object={id}&action=user.grant_role"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(found["total"], 1, "{found}");
    let rec = &found["items"][0];
    assert_eq!(rec["actor_id"], t.user_id("admin").await);
    assert_eq!(rec["role"], "system_admin");
    assert_eq!(rec["outcome"], "ok");
    assert_eq!(rec["request_id"], request_id);
    assert!(rec["changes"].as_str().unwrap().contains("expert"));

    // Failed sign-ins are recorded too, and searchable by user and time.
    t.browser().login("admin", "Wrong@2026").await;
    let since = (t.app.now() - chrono::Duration::minutes(1)).to_rfc3339();
    let url = format!(
        "/audit?user={}&action=auth.login&from={}",
        t.user_id("admin").await,
        urlencode(&since)
    );
    let logins = t.api(Method::GET, &url, Some(&tok), None).await.json();
    let outcomes: Vec<&str> = logins["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert!(
        outcomes.contains(&"bad_password") && outcomes.contains(&"ok"),
        "{outcomes:?}"
    );
    // Personal data never appears in clear in the trail.
    let creates = t
        .api(
            Method::GET,
            "/audit?action=user.create&per_page=200",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert!(!creates.to_string().contains("13800000001"));
    assert!(creates.to_string().contains("138****0001"));
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn audit_page_search_and_xlsx_export() {
    let t = TestApp::new().await;
    let mut a = t.signed_in("auditor").await;
    let page = a.get("/audit?action=user.create").await;
    assert_eq!(page.status, StatusCode::OK);
    let n = jineng_demo::DEMO_ACCOUNTS.len();
    assert!(
        page.text().contains(&format!("共 {n} 条")),
        "one per demo account: {n}"
    );
    let x = a.get("/audit/export?action=user.create").await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(
        x.header("content-type").as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(&x.body[..2], b"PK");
    // Names first, codes beside them.
    let sheet = crate::common::read_xlsx(&x.body);
    let col = |h: &str| sheet[0].iter().position(|c| c == h).unwrap();
    assert_eq!(sheet[1][col("操作")], "创建账户");
    assert_eq!(sheet[1][col("操作代码")], "user.create");
    assert_eq!(sheet[1][col("对象类型")], "账户");
    assert_eq!(sheet[1][col("对象类型代码")], "user");
    assert_eq!(sheet[1][col("结果")], "成功");
    let tok = t.token("auditor").await;
    let exports = t
        .api(Method::GET, "/audit?action=audit.export", Some(&tok), None)
        .await
        .json();
    assert_eq!(exports["total"], 1, "the export itself is audited");
    let bad = a.get("/audit?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn verify(t: &TestApp) -> jineng_app::audit::VerifyReport {
    jineng_app::audit::verify(&t.app.db, t.app.keyring.audit_key())
        .await
        .unwrap()
}

/// What an attacker with write access to the database (but not the key) does after
/// editing record `from`: recompute every hash from there with `hash`, store the
/// algorithm `alg`, and move the head to match.
async fn recompute_from(
    t: &TestApp,
    from: i64,
    alg: i16,
    hash: impl Fn(&str, &jineng_core::audit::ChainedFields<'_>) -> String,
) {
    use jineng_store::audit::{head, record};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
    let db = &t.app.db;
    let rows = record::Entity::find()
        .filter(record::Column::Seq.gte(from))
        .order_by_asc(record::Column::Seq)
        .all(db)
        .await
        .unwrap();
    let mut prev = rows[0].prev_hash.clone();
    let mut last = 0;
    for r in rows {
        let h = hash(&prev, &jineng_app::audit::chained_fields(&r));
        last = r.seq;
        let mut m: record::ActiveModel = r.into();
        m.prev_hash = Set(prev.clone());
        m.hash = Set(h.clone());
        m.alg = Set(alg);
        m.update(db).await.unwrap();
        prev = h;
    }
    head::Entity::update_many()
        .col_expr(head::Column::Seq, sea_orm::sea_query::Expr::value(last))
        .col_expr(head::Column::Hash, sea_orm::sea_query::Expr::value(prev))
        .filter(head::Column::Id.eq(1))
        .exec(db)
        .await
        .unwrap();
}

#[tokio::test]
async fn verify_detects_edits_deletions_and_recomputed_chains() {
    let t = TestApp::new().await;
    let tok = t.token("admin").await;
    t.api(Method::POST, "/users", Some(&tok), Some(json!({"username": "zz1", "display_name": "x", "password": "Strong#2026", "roles": [{"role": "learner"}]}))).await;
    let ok = verify(&t).await;
    assert_eq!(ok.broken_at, None);
    assert!(ok.records >= 20);
    let db = &t.app.db;

    db.execute_unprepared("UPDATE audit_log SET changes = '{\"forged\":true}' WHERE seq = 5")
        .await
        .unwrap();
    let r = verify(&t).await;
    assert_eq!(r.broken_at.as_ref().map(|b| b.0), Some(5));
    assert_eq!(r.records, 4);

    // Every column counts, the actor's name too.
    let t = TestApp::new().await;
    t.app
        .db
        .execute_unprepared("UPDATE audit_log SET actor_name = '别人' WHERE seq = 3")
        .await
        .unwrap();
    assert_eq!(verify(&t).await.broken_at.map(|b| b.0), Some(3));

    let t = TestApp::new().await;
    let db = &t.app.db;
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = 7")
        .await
        .unwrap();
    assert_eq!(verify(&t).await.broken_at.map(|b| b.0), Some(7));

    let t = TestApp::new().await;
    let db = &t.app.db;
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .await
        .unwrap();
    assert!(
        verify(&t).await.broken_at.is_some(),
        "a removed last record is caught by the head"
    );
}

/// The attack the unkeyed chain allowed: edit a record, recompute every hash after it
/// and move the head. Without the key it fails, whichever algorithm the attacker
/// claims; with the right key (the honest recomputation) it holds.
#[tokio::test]
async fn a_recomputed_chain_fails_without_the_key() {
    use jineng_core::audit::{CHAIN_V1_SHA256, CHAIN_V2_HMAC, chain_hash, chain_mac};
    let edit = "UPDATE audit_log SET changes = '{\"forged\":true}' WHERE seq = 5";

    let t = TestApp::new().await;
    t.app.db.execute_unprepared(edit).await.unwrap();
    recompute_from(&t, 5, CHAIN_V1_SHA256, chain_hash).await;
    assert_eq!(
        verify(&t).await.broken_at.map(|b| b.0),
        Some(5),
        "a downgrade"
    );

    let t = TestApp::new().await;
    t.app.db.execute_unprepared(edit).await.unwrap();
    let wrong = [9u8; 32];
    recompute_from(&t, 5, CHAIN_V2_HMAC, |p, f| chain_mac(&wrong, p, f)).await;
    assert_eq!(
        verify(&t).await.broken_at.map(|b| b.0),
        Some(5),
        "a guessed key"
    );

    // Control: the same recomputation with the real key is indistinguishable — which
    // is why the key lives outside the database.
    let t = TestApp::new().await;
    t.app.db.execute_unprepared(edit).await.unwrap();
    let key = t.app.keyring.audit_key().to_vec();
    recompute_from(&t, 5, CHAIN_V2_HMAC, |p, f| chain_mac(&key, p, f)).await;
    assert_eq!(verify(&t).await.broken_at, None);
}

/// Every action and object kind the use cases write by a literal name has a Chinese name
/// on the audit page: the sources are read for `Entry::ok("<action>", "<object>"` and
/// `record_export(…, "<what>"` (recorded as `<what>.export`).
#[test]
fn every_recorded_action_reads_in_chinese() {
    use jineng_web::audit::pages::{ACTIONS, OBJECTS};
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    /// The string literals that follow each `marker`, skipping `skip` arguments first.
    fn literals(s: &str, marker: &str, skip: usize) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for (at, _) in s.match_indices(marker) {
            let mut rest = &s[at + marker.len()..];
            for _ in 0..skip {
                match rest.find(',') {
                    Some(i) => rest = &rest[i + 1..],
                    None => break,
                }
            }
            let mut lits = rest.trim_start().splitn(3, '"');
            let (Some(""), Some(first)) = (lits.next(), lits.next()) else {
                continue;
            };
            let second = lits.next().and_then(|tail| {
                let tail = tail.trim_start().strip_prefix(',')?.trim_start();
                let tail = tail.strip_prefix('"')?;
                Some(tail[..tail.find('"')?].to_string())
            });
            out.push((first.to_string(), second));
        }
        out
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = Vec::new();
    files(&root.join("app/src"), &mut all);
    files(&root.join("web/src"), &mut all);
    let (mut actions, mut objects) = (Vec::new(), Vec::new());
    for f in &all {
        let s = std::fs::read_to_string(f).unwrap();
        for (a, o) in literals(&s, "Entry::ok(", 0) {
            actions.push(a);
            objects.extend(o);
        }
        for (what, _) in literals(&s, "record_export(", 2) {
            actions.push(format!("{what}.export"));
        }
    }
    assert!(
        actions.len() > 100,
        "the scan found only {} actions",
        actions.len()
    );
    let missing: Vec<&String> = actions
        .iter()
        .filter(|a| !ACTIONS.iter().any(|(c, _)| c == a))
        .collect();
    assert!(
        missing.is_empty(),
        "actions without a Chinese name: {missing:?}"
    );
    let missing: Vec<&String> = objects
        .iter()
        .filter(|o| !OBJECTS.iter().any(|(c, _)| c == o))
        .collect();
    assert!(
        missing.is_empty(),
        "object kinds without a Chinese name: {missing:?}"
    );
}
