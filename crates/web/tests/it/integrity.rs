//! Integrity findings of issue 9 that are not about files: searches taken literally,
//! and (below) rules the database enforces on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::classes::{class, ready};
use crate::common::*;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn search_text_is_taken_literally() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let search = |q: &'static str| {
        let t = &t;
        let admin = admin.clone();
        async move {
            let path = format!("/users?per_page=200&q={}", urlencode(q));
            let r = t.api(Method::GET, &path, Some(&admin), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()
        }
    };
    let all = search("").await["total"].as_u64().unwrap();
    assert!(all > 10);
    // Wildcards typed into the box used to match every account.
    assert_eq!(search("%").await["total"], 0);
    assert_eq!(search("\\").await["total"], 0);
    // "_" finds the accounts that have one, not every account.
    let found = search("_").await;
    let items = found["items"].as_array().unwrap();
    assert!(!items.is_empty() && (items.len() as u64) < all);
    for u in items {
        let text = format!("{}{}", u["username"], u["display_name"]);
        assert!(text.contains('_'), "{text}");
    }
    // The same for organisations and the audit trail's actor search.
    for path in ["/orgs?q=%25", "/audit?user=%25"] {
        let r = t.api(Method::GET, path, Some(&admin), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        assert_eq!(r.json()["total"], 0, "{path}");
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap()[1..].to_string()
}

/// Six classes of the same project that run at the same time.
async fn six_classes(t: &TestApp, inst: &str, project: &str) -> Vec<String> {
    let start = (t.app.now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let mut out = Vec::new();
    for _ in 0..6 {
        let r = t
            .api(
                Method::POST,
                "/classes",
                Some(inst),
                Some(class(project, &start)),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        out.push(r.json()["id"].as_str().unwrap().to_string());
    }
    out
}

/// The "one open class per project" rule, with every class asked at once: exactly
/// one enrolment of a learner wins. Run on PostgreSQL in CI, where nothing but the
/// row locks serialises the checks.
#[tokio::test]
async fn one_open_class_per_project_holds_under_concurrent_enrolment() {
    let t = TestApp::new().await;
    let (project, learners) = ready(&t).await;
    let inst = t.token("institution").await;
    let classes = six_classes(&t, &inst, &project).await;
    for learner in &learners {
        let paths: Vec<String> = classes
            .iter()
            .map(|c| format!("/classes/{c}/enrollments"))
            .collect();
        let tries = paths.iter().map(|p| {
            t.api(
                Method::POST,
                p,
                Some(&inst),
                Some(json!({"learner_ids": [learner]})),
            )
        });
        let statuses: Vec<StatusCode> = futures::future::join_all(tries)
            .await
            .into_iter()
            .map(|r| r.status)
            .collect();
        let won = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(won, 1, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::CREATED || s.is_client_error()),
            "{statuses:?}"
        );
    }
    // What the classes say agrees with what was answered.
    let mut enrolled = 0;
    for c in &classes {
        let r = t
            .api(Method::GET, &format!("/classes/{c}"), Some(&inst), None)
            .await;
        let d = r.json();
        assert_eq!(
            d["class"]["enrolled"],
            d["learners"].as_array().unwrap().len()
        );
        enrolled += d["class"]["enrolled"].as_u64().unwrap();
    }
    assert_eq!(enrolled, learners.len() as u64);
}

/// A teacher asked for by six overlapping classes at once is booked into one.
#[tokio::test]
async fn a_teacher_is_booked_once_under_concurrent_bookings() {
    let t = TestApp::new().await;
    let (project, _) = ready(&t).await;
    let inst = t.token("institution").await;
    let body = json!({"name": "刘老师", "id_number": id("52010219800808888"), "full_time": true, "subjects": "家政服务", "level": "senior", "qualifications": "高级技师", "years_teaching": 12, "experience": "从事家政培训十二年"});
    let r = t
        .api(Method::POST, "/teachers", Some(&inst), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let link = r.json()["link_id"].as_str().unwrap().to_string();
    let teacher = r.json()["teacher_id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/teachers/{link}/decision"),
            Some(&t.token("nm_regulator").await),
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let classes = six_classes(&t, &inst, &project).await;
    let paths: Vec<String> = classes
        .iter()
        .map(|c| format!("/classes/{c}/teachers"))
        .collect();
    let tries = paths.iter().map(|p| {
        t.api(
            Method::POST,
            p,
            Some(&inst),
            Some(json!({"teacher_id": teacher})),
        )
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(won, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::NO_CONTENT || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
}
