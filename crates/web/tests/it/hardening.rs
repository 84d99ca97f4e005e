//! Holes found in review, kept shut: own-account resets, self-granting, region on the
//! wrong role, review scope, TOTP guessing, redirects, exports in the audit trail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{PW, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn nobody_resets_their_own_password_through_the_admin_path() {
    let t = TestApp::new().await;
    for who in ["learner", "nm_regulator", "institution"] {
        let mut b = t.signed_in(who).await;
        let id = t.user_id(who).await;
        let r = b
            .post(
                &format!("/admin/users/{id}/reset-password"),
                &[("password", "Taken#2026x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(
        t.browser().login("learner", PW).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn operators_cannot_raise_themselves_or_touch_administrators() {
    let t = TestApp::new().await;
    let op = t.token("operator").await;
    let me = t.user_id("operator").await;
    t.api(
        Method::POST,
        &format!("/users/{me}/roles"),
        Some(&op),
        Some(json!({"role": "expert"})),
    )
    .await
    .problem(409);
    let learner = t.user_id("learner").await;
    t.api(
        Method::POST,
        &format!("/users/{learner}/roles"),
        Some(&op),
        Some(json!({"role": "regulator", "region_code": "520000"})),
    )
    .await
    .problem(403);
    let body = json!({"username": "op_reg", "display_name": "x", "password": "Strong#2026", "roles": [{"role": "regulator", "region_code": "520000"}]});
    t.api(Method::POST, "/users", Some(&op), Some(body))
        .await
        .problem(403);
    let admin = t.user_id("admin").await;
    t.api(
        Method::POST,
        &format!("/users/{admin}/unlock"),
        Some(&op),
        None,
    )
    .await
    .problem(403);
    t.api(
        Method::POST,
        &format!("/users/{admin}/roles"),
        Some(&op),
        Some(json!({"role": "expert"})),
    )
    .await
    .problem(403);
    // A region on a role that has none is refused, so it cannot widen a scope.
    let sa = t.token("admin").await;
    let p = t
        .api(
            Method::POST,
            &format!("/users/{learner}/roles"),
            Some(&sa),
            Some(json!({"role": "institution_admin", "region_code": "520000"})),
        )
        .await
        .problem(422);
    assert!(p["detail"].as_str().unwrap().contains("只有人社监管角色"));
}

#[tokio::test]
async fn review_uses_the_review_scope_even_for_a_regulator_who_is_also_a_viewer() {
    let t = TestApp::new().await;
    let sa = t.token("admin").await;
    let nm = t.user_id("nm_regulator").await;
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/users/{nm}/roles"),
            Some(&sa),
            Some(json!({"role": "viewer"}))
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let tok = t.token("nm_regulator").await;
    let ent = t
        .api(Method::GET, "/orgs?kind=enterprise", Some(&tok), None)
        .await
        .json();
    let id = ent["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        ent["items"][0]["region_code"], "520103",
        "as a viewer it sees Yunyan"
    );
    t.api(
        Method::POST,
        &format!("/orgs/{id}/decision"),
        Some(&tok),
        Some(json!({"action": "suspend", "reason": "越权"})),
    )
    .await
    .problem(404);
}

#[tokio::test]
async fn wrong_totp_codes_lock_the_second_factor_whatever_the_password_does() {
    let t = TestApp::new().await;
    let mut b = t.signed_in("gz_regulator").await;
    let id = t.user_id("gz_regulator").await;
    b.post("/account/totp/start", &[]).await;
    b.post("/account/totp/start", &[]).await;
    let secret_page = b.get("/account/totp").await.text();
    let code = t.app.accounts().totp_current_code(&id).await.unwrap();
    assert!(
        secret_page.contains("totp-secret"),
        "reloading shows the same pending secret"
    );
    assert_eq!(
        b.post("/account/totp", &[("code", &code)]).await.status,
        StatusCode::SEE_OTHER
    );
    t.clock.advance(chrono::Duration::seconds(31));
    let real = t.app.accounts().totp_current_code(&id).await.unwrap();
    let wrong = format!(
        "{:06}",
        (real.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let threshold = t.app.security.lockout_threshold;
    // Finding 2: signing in again with the right password between guesses gives no new
    // tries at the code — its failures are counted on their own.
    let half = threshold / 2;
    for round in [half, threshold - half - 1] {
        let mut n = t.browser();
        assert_eq!(n.login("gz_regulator", PW).await.location(), "/login/totp");
        let token = n.csrf("/login/totp").await;
        for _ in 0..round {
            assert_eq!(
                n.post_raw("/login/totp", &[("_csrf", &token), ("code", &wrong)])
                    .await
                    .status,
                StatusCode::UNAUTHORIZED
            );
        }
    }
    let mut n = t.browser();
    n.login("gz_regulator", PW).await;
    let token = n.csrf("/login/totp").await;
    let last = n
        .post_raw("/login/totp", &[("_csrf", &token), ("code", &wrong)])
        .await;
    assert_eq!(last.status, StatusCode::LOCKED, "{}", last.text());
    assert!(last.text().contains("分钟后再试"), "{}", last.text());
    // The half-signed-in session is gone.
    assert_eq!(n.get("/login/totp").await.location(), "/login");
    // A fresh password sign-in reaches the code step, where even the right code is
    // refused until the lock ends.
    let mut again = t.browser();
    assert_eq!(
        again.login("gz_regulator", PW).await.location(),
        "/login/totp"
    );
    let token = again.csrf("/login/totp").await;
    let real = t.app.accounts().totp_current_code(&id).await.unwrap();
    assert_eq!(
        again
            .post_raw("/login/totp", &[("_csrf", &token), ("code", &real)])
            .await
            .status,
        StatusCode::LOCKED
    );
    t.clock.advance(chrono::Duration::minutes(31));
    let token = again.csrf("/login/totp").await;
    let real = t.app.accounts().totp_current_code(&id).await.unwrap();
    let r = again
        .post_raw("/login/totp", &[("_csrf", &token), ("code", &real)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

#[tokio::test]
async fn next_with_control_characters_falls_back_home() {
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
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn exports_are_audited_and_unknown_logins_are_masked() {
    let t = TestApp::new().await;
    let mut b = t.signed_in("admin").await;
    assert_eq!(b.get("/admin/users/export").await.status, StatusCode::OK);
    assert_eq!(
        b.get("/orgs/export?kind=institution").await.status,
        StatusCode::OK
    );
    let aud = t.token("auditor").await;
    assert_eq!(
        t.api(Method::GET, "/audit?action=user.export", Some(&aud), None)
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        t.api(
            Method::GET,
            "/audit?action=organization.export",
            Some(&aud),
            None
        )
        .await
        .json()["total"],
        1
    );
    t.browser().login("13912345678", "whatever1A!").await;
    t.browser().login("my secret password", "x").await;
    let logins = t
        .api(
            Method::GET,
            "/audit?user=anonymous&action=auth.login",
            Some(&aud),
            None,
        )
        .await
        .json()
        .to_string();
    assert!(logins.contains("139****5678") && !logins.contains("13912345678"));
    assert!(!logins.contains("my secret password") && logins.contains("无效输入"));
}
