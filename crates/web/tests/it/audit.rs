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
    assert!(page.text().contains("共 21 条"), "one per demo account");
    let x = a.get("/audit/export?action=user.create").await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(
        x.header("content-type").as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(&x.body[..2], b"PK");
    let tok = t.token("auditor").await;
    let exports = t
        .api(Method::GET, "/audit?action=audit.export", Some(&tok), None)
        .await
        .json();
    assert_eq!(exports["total"], 1, "the export itself is audited");
    let bad = a.get("/audit?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn verify_detects_edits_deletions_and_a_cut_tail() {
    let t = TestApp::new().await;
    let tok = t.token("admin").await;
    t.api(Method::POST, "/users", Some(&tok), Some(json!({"username": "zz1", "display_name": "x", "password": "Strong#2026", "roles": [{"role": "learner"}]}))).await;
    let ok = jineng_app::audit::verify(&t.app.db).await.unwrap();
    assert_eq!(ok.broken_at, None);
    assert!(ok.records >= 20);
    let db = &t.app.db;

    db.execute_unprepared("UPDATE audit_log SET changes = '{\"forged\":true}' WHERE seq = 5")
        .await
        .unwrap();
    let r = jineng_app::audit::verify(db).await.unwrap();
    assert_eq!(r.broken_at.as_ref().map(|b| b.0), Some(5));
    assert_eq!(r.records, 4);

    let t = TestApp::new().await;
    let db = &t.app.db;
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = 7")
        .await
        .unwrap();
    assert_eq!(
        jineng_app::audit::verify(db)
            .await
            .unwrap()
            .broken_at
            .map(|b| b.0),
        Some(7)
    );

    let t = TestApp::new().await;
    let db = &t.app.db;
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .await
        .unwrap();
    assert!(
        jineng_app::audit::verify(db)
            .await
            .unwrap()
            .broken_at
            .is_some(),
        "a removed last record is caught by the head"
    );
}
