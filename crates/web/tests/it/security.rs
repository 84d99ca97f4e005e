//! CSRF, security headers, cookie attributes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{PW, TestApp};
use axum::http::StatusCode;

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    b.get("/login").await;
    let r = b
        .post_raw("/login", &[("login", "admin"), ("password", PW)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("请刷新页面后重试"));
    let r = b
        .post_raw(
            "/login",
            &[("_csrf", "forged"), ("login", "admin"), ("password", PW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("jn_session"));

    // Signed in: another session's token does not work either.
    let mut a = t.signed_in("admin").await;
    let mut other = t.signed_in("operator").await;
    let other_token = other.csrf("/account/password").await;
    let id = t.user_id("learner").await;
    let r = a
        .post_raw(
            &format!("/admin/users/{id}/disable"),
            &[("_csrf", &other_token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let before = t.audit_count().await;
    let r = a.post_raw(&format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count().await, before, "nothing happened");
    // With its own token it works.
    assert_eq!(
        a.post(&format!("/admin/users/{id}/disable"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn security_headers_and_cookie_attributes() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    let r = b.get("/login").await;
    let csp = r.header("content-security-policy").unwrap();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap();
    assert_eq!(script_src, "script-src 'self'");
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(r.header("x-request-id").is_some());
    let set = r.header("set-cookie").unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
    let token = b.csrf("/login").await;
    let r = b
        .post_raw(
            "/login",
            &[("_csrf", &token), ("login", "admin"), ("password", PW)],
        )
        .await;
    let set = r.header("set-cookie").unwrap();
    assert!(
        set.starts_with("jn_session=") && set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    // No page carries an inline script.
    for path in ["/", "/admin/users", "/account", "/audit", "/api/docs"] {
        let html = b.get(path).await.text();
        for tag in html.split("<script").skip(1) {
            assert!(
                tag.trim_start().starts_with("src="),
                "inline script on {path}: {tag}"
            );
        }
    }
}

#[tokio::test]
async fn next_parameter_cannot_redirect_off_site() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    let token = b.csrf("/login").await;
    let r = b
        .post_raw(
            "/login",
            &[
                ("_csrf", &token),
                ("login", "admin"),
                ("password", PW),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/");
    let mut c = t.browser();
    let first = c.get("/audit?user=x").await;
    assert_eq!(first.location(), "/login?next=%2Faudit%3Fuser%3Dx");
}

#[tokio::test]
async fn assets_are_served_by_the_binary() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    for path in [
        "/assets/vendor/htmx.min.js",
        "/assets/vendor/tabler.min.css",
        "/assets/app.js",
        "/assets/vendor/echarts.min.js",
    ] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.len() > 100);
    }
    assert_eq!(b.get("/assets/nope.js").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn htmx_gets_the_table_alone_and_audit_reads_in_chinese() {
    let t = TestApp::new().await;
    let mut b = t.signed_in("admin").await;
    let full = b.get("/admin/users?role=regulator").await.text();
    assert!(
        full.contains("<html") && full.contains("共 5 个账户"),
        "{full}"
    );
    let part = b
        .get_with("/admin/users?role=regulator", &[("hx-request", "true")])
        .await
        .text();
    assert!(
        !part.contains("<html") && part.contains("共 5 个账户") && part.contains("id=\"users\"")
    );
    let audit = b.get("/audit?action=auth.login").await.text();
    assert!(
        audit.contains("<td title=\"auth.login\">登录</td>") && audit.contains("成功"),
        "{audit}"
    );
}
