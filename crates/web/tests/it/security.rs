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

/// Text assets go gzipped to a browser that takes it (the same bytes once unpacked);
/// pages never do (they carry tokens).
#[tokio::test]
async fn text_assets_are_gzipped_pages_are_not() {
    use std::io::Read;
    let t = TestApp::new().await;
    let mut b = t.browser();
    let plain = b.get("/assets/vendor/tabler.min.css").await;
    assert!(plain.headers.get("content-encoding").is_none());
    let gz = b
        .get_with(
            "/assets/vendor/tabler.min.css",
            &[("accept-encoding", "br, gzip;q=0.8")],
        )
        .await;
    assert_eq!(gz.headers["content-encoding"], "gzip");
    assert_eq!(gz.headers["vary"], "accept-encoding");
    assert!(
        gz.body.len() * 4 < plain.body.len(),
        "{} of {}",
        gz.body.len(),
        plain.body.len()
    );
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain.body);
    let page = b.get_with("/login", &[("accept-encoding", "gzip")]).await;
    assert!(page.headers.get("content-encoding").is_none());
    let png = b
        .get_with("/assets/icon-192.png", &[("accept-encoding", "gzip")])
        .await;
    assert!(png.headers.get("content-encoding").is_none());
}

/// A phone can add the platform to its home screen: a favicon, a manifest in Chinese whose
/// icons are served as PNG, and every page links both.
#[tokio::test]
async fn the_platform_can_be_added_to_a_home_screen() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    let ico = b.get("/favicon.ico").await;
    assert_eq!(ico.status, StatusCode::OK);
    assert_eq!(ico.headers["content-type"], "image/x-icon");
    // An ICO directory of one image, a PNG.
    assert_eq!(&ico.body[..6], &[0, 0, 1, 0, 1, 0]);
    assert_eq!(&ico.body[22..26], b"\x89PNG");
    let m = b.get("/manifest.webmanifest").await;
    assert_eq!(m.status, StatusCode::OK);
    let m: serde_json::Value = serde_json::from_slice(&m.body).unwrap();
    assert_eq!(m["lang"], "zh-CN");
    assert_eq!(m["display"], "standalone");
    let icons = m["icons"].as_array().unwrap();
    assert!(icons.iter().any(|i| i["sizes"] == "512x512"));
    for i in icons {
        let r = b.get(i["src"].as_str().unwrap()).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["content-type"], "image/png");
        assert_eq!(&r.body[1..4], b"PNG");
    }
    let login = b.get("/login").await.text();
    assert!(login.contains("rel=\"manifest\"") && login.contains("rel=\"icon\""));
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
        audit.contains("title=\"auth.login\">登录</td>") && audit.contains("成功"),
        "{audit}"
    );
}

/// A regulator's home names the region they serve, not its code.
#[tokio::test]
async fn the_home_page_names_the_region() {
    let t = TestApp::new().await;
    let mut b = t.signed_in("nm_regulator").await;
    let home = b.get("/").await.text();
    assert!(home.contains("辖区：贵州省贵阳市南明区"), "{home}");
    assert!(!home.contains("520102"), "{home}");
}

/// An address carrying an encoded control character is refused with a 400 and a reason,
/// on pages and in the API, before any search reads it (SQLite's LIKE stopped at the NUL
/// and matched every row; PostgreSQL refuses a NUL in text). A literal `%00` typed into a
/// search box (sent as `%2500`) is an ordinary search.
#[tokio::test]
async fn encoded_control_characters_in_an_address_are_refused() {
    use axum::http::Method;
    let t = TestApp::new().await;
    let gz = t.token("gz_regulator").await;
    for q in ["%00", "a%0Ab", "%7f", "%1F"] {
        let r = t
            .api(
                Method::GET,
                &format!("/subsidies/vouchers?q={q}"),
                Some(&gz),
                None,
            )
            .await;
        assert!(
            r.problem(400).to_string().contains("控制字符"),
            "{q}: {}",
            r.text()
        );
    }
    let r = t
        .api(Method::GET, "/subsidies/vouchers?q=%2500", Some(&gz), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["total"], 0, "{}", r.text());
    let mut b = t.signed_in("gz_regulator").await;
    let r = b.get("/subsidies/vouchers?q=%00").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("控制字符"));
    assert_eq!(
        b.get("/subsidies/vouchers?q=QF").await.status,
        StatusCode::OK
    );
}
