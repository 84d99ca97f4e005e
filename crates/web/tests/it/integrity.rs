//! Integrity findings of issue 9 that are not about files: searches taken literally,
//! and (below) rules the database enforces on both backends.

use crate::common::*;
use axum::http::{Method, StatusCode};

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
