//! Lists read from a read replica while it keeps up; a client that has just written
//! reads from the primary; a replica that cannot be used is skipped and `/readyz` says
//! so. On SQLite the "replica" is a copy of the database taken at one moment, so a list
//! that misses what was written after it proves the list read the copy. (The cluster
//! test, tests/cluster/run.py, does the same against a real PostgreSQL standby.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use std::time::Duration;

async fn usernames(t: &TestApp, tok: &str, cookie: Option<&str>) -> Vec<String> {
    let mut b = Request::builder()
        .uri("/api/v1/users?q=replica&per_page=100")
        .header(header::AUTHORIZATION, format!("Bearer {tok}"));
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    let r = t.send(b.body(Body::empty()).expect("request")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["username"].as_str().expect("username").to_string())
        .collect()
}

/// An account made through the API (a write): its answer.
async fn new_learner(t: &TestApp, tok: &str, username: &str) -> crate::common::Resp {
    let r = t
        .api(
            Method::POST,
            "/users",
            Some(tok),
            Some(json!({"username": username, "display_name": "副本", "password": "Strong#2026", "roles": [{"role": "learner"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r
}

#[tokio::test]
async fn lists_read_the_replica_and_a_writer_reads_its_own_writes() {
    let mut t = TestApp::new().await;
    let Some(copy) = t.snapshot_replica().await else {
        return; // PostgreSQL: tests/cluster/run.py checks a real standby.
    };
    t.use_replica(copy, Duration::from_secs(5));
    let tok = t.token("admin").await;

    // Until the first probe, the replica is not used: the list reads the primary.
    let r = new_learner(&t, &tok, "replica1").await;
    // The write leaves the read-your-writes cookie, for as long as the replica may lag.
    let set = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("jn_wrote="))
        .expect("a jn_wrote cookie");
    assert!(
        set.contains("Max-Age=6") && set.contains("HttpOnly"),
        "{set}"
    );
    assert_eq!(usernames(&t, &tok, None).await, ["replica1"]);

    // Probed: in use, lag 0. Now lists read the copy, which predates replica1 …
    let state = t.app.probe_replica().await.unwrap();
    assert_eq!(state.word(), "ok");
    assert!(usernames(&t, &tok, None).await.is_empty());
    // … except for a client that has just written: it reads the primary.
    assert_eq!(usernames(&t, &tok, Some("jn_wrote=1")).await, ["replica1"]);
    // One record by id is read from the primary.
    let id = r.json()["id"].as_str().unwrap().to_string();
    let one = t
        .api(Method::GET, &format!("/users/{id}"), Some(&tok), None)
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text());
    // A read sets no cookie.
    let read = t.api(Method::GET, "/users", Some(&tok), None).await;
    assert!(read.headers.get(header::SET_COOKIE).is_none());
    // A refused write sets none either.
    let bad = t
        .api(
            Method::POST,
            "/users",
            Some(&tok),
            Some(json!({"username": 5})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.headers.get(header::SET_COOKIE).is_none());

    let ready = t
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await
        .json();
    assert_eq!(ready["replica"], "ok", "{ready}");
    assert_eq!(ready["replica_lag_ms"], 0, "{ready}");
    assert_eq!(ready["status"], "ok", "{ready}");
}

#[tokio::test]
async fn a_replica_that_cannot_be_reached_is_skipped() {
    let mut t = TestApp::new().await;
    if t.snapshot_replica().await.is_none() {
        return; // PostgreSQL: tests/cluster/run.py kills a real standby.
    }
    let gone = jineng_store::db::connect_replica("sqlite:///nonexistent/dir/replica.db?mode=ro", 1)
        .await
        .unwrap();
    t.use_replica(gone, Duration::from_secs(5));
    let tok = t.token("admin").await;
    new_learner(&t, &tok, "replica2").await;
    assert_eq!(t.app.probe_replica().await.unwrap().word(), "unreachable");
    // Lists go on from the primary.
    assert_eq!(usernames(&t, &tok, None).await, ["replica2"]);
    let ready = t
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(ready.status, StatusCode::OK);
    let ready = ready.json();
    assert_eq!(ready["replica"], "unreachable", "{ready}");
    assert_eq!(ready["status"], "degraded", "{ready}");
    // Metrics show it skipped.
    let m = t
        .send(
            Request::get("/metrics")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", crate::common::METRICS_TOKEN),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .text();
    assert!(m.contains("jineng_db_replica_in_use 0"), "{m}");
}
