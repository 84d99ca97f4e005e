//! Signing in, lockout, idle timeout, password change, TOTP, logout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{Options, PW, TestApp};
use axum::http::StatusCode;
use chrono::Duration;
use jineng_app::SecurityConfig;
use jineng_app::accounts::auth::Credentials;

#[tokio::test]
async fn login_by_username_or_phone_and_home_page_by_role() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    let page = b.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("登录技能培训平台"));
    let r = b.login("admin", PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    let home = b.get("/").await.text();
    assert!(home.contains("您好，系统管理员"), "{home}");
    assert!(home.contains("账户管理") && home.contains("审计日志"));

    // A learner signs in with their phone number and sees no admin navigation.
    let mut l = t.browser();
    assert_eq!(
        l.login("13800000001", PW).await.status,
        StatusCode::SEE_OTHER
    );
    let home = l.get("/").await.text();
    assert!(home.contains("您好，陈学员"));
    assert!(!home.contains("/admin/users"));
    assert!(home.contains("学员"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    let wrong = b.login("admin", "Wrong@2026").await;
    let unknown = b.login("nobody", "Wrong@2026").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("用户名或密码错误"));
    assert!(unknown.text().contains("用户名或密码错误"));
    assert!(!b.cookies.contains_key("jn_session"));
}

#[tokio::test]
async fn wrong_passwords_bring_a_challenge_then_lock_for_the_configured_time() {
    let t = TestApp::new().await;
    let threshold = t.app.security.lockout_threshold;
    let after = t.app.security.captcha_after;
    let mut b = t.browser();
    for _ in 0..after {
        assert_eq!(
            b.login("operator", "Wrong@2026").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now the name asks for the picture first: without it nothing is checked.
    let asked = b.login("operator", PW).await;
    assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        asked.text().contains("请输入图形验证码"),
        "{}",
        asked.text()
    );
    assert!(asked.text().contains("id=\"captcha-picture\""));
    for _ in after..threshold {
        assert_eq!(
            b.login_with_captcha("operator", "Wrong@2026").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Past the threshold the right password gets the same answer as a wrong one.
    let right = b.login_with_captcha("operator", PW).await;
    let wrong = b.login_with_captcha("operator", "Wrong@2026").await;
    assert_eq!(right.status, StatusCode::LOCKED);
    assert_eq!(wrong.status, StatusCode::LOCKED);
    assert!(right.text().contains("分钟后再试"), "{}", right.text());
    assert_eq!(error_line(&right.text()), error_line(&wrong.text()));
    t.clock.advance(Duration::minutes(31));
    assert_eq!(
        b.login_with_captcha("operator", PW).await.status,
        StatusCode::SEE_OTHER
    );
}

/// The alert line of the login page.
fn error_line(page: &str) -> String {
    page.lines()
        .find(|l| l.contains("id=\"login-error\""))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn lockout_counts_concurrent_attempts_exactly() {
    let t = TestApp::with(Options {
        security: SecurityConfig {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            lockout_threshold: 5,
            captcha_after: 100,
            rate_limits: crate::common::generous_limits(),
            ..SecurityConfig::default()
        },
        ..Options::default()
    })
    .await;
    let ctx = jineng_app::RequestCtx::default();
    let accounts = t.app.accounts();
    let wrong = || Credentials {
        login: "viewer",
        password: "Wrong@2026",
        captcha: None,
    };
    let tries = (0..6).map(|_| accounts.login(&ctx, wrong()));
    let results = futures::future::join_all(tries).await;
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, Err(jineng_app::AppError::Locked(_))))
            .count(),
        1
    );
    assert!(matches!(
        t.app
            .accounts()
            .login(
                &ctx,
                Credentials {
                    login: "viewer",
                    password: PW,
                    captcha: None
                }
            )
            .await,
        Err(jineng_app::AppError::Locked(_))
    ));
    assert_eq!(
        jineng_app::audit::verify(&t.app.db, t.app.keyring.audit_key())
            .await
            .unwrap()
            .broken_at,
        None
    );
}

#[tokio::test]
async fn idle_sessions_end_after_the_configured_minutes() {
    let t = TestApp::with(Options {
        security: SecurityConfig {
            session_idle_minutes: 30,
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            ..Default::default()
        },
        demo: true,
        ..Options::default()
    })
    .await;
    let mut b = t.signed_in("auditor").await;
    t.clock.advance(Duration::minutes(20));
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    // Activity 20 minutes in keeps it alive another 30.
    t.clock.advance(Duration::minutes(25));
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    // A request every four minutes for an hour and a half (the session row is marked
    // seen only every five) keeps it alive throughout.
    for _ in 0..22 {
        t.clock.advance(Duration::minutes(4));
        assert_eq!(b.get("/").await.status, StatusCode::OK);
    }
    t.clock.advance(Duration::minutes(31));
    let r = b.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
}

#[tokio::test]
async fn password_change_checks_policy_and_ends_other_sessions() {
    let t = TestApp::new().await;
    let mut other = t.signed_in("teacher").await;
    let mut b = t.signed_in("teacher").await;
    let weak = b
        .post(
            "/account/password",
            &[
                ("old_password", PW),
                ("new_password", "abcdefgh"),
                ("confirm_password", "abcdefgh"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().contains("至少三类"));
    let wrong_old = b
        .post(
            "/account/password",
            &[
                ("old_password", "Nope@2026x"),
                ("new_password", "Better#2027"),
                ("confirm_password", "Better#2027"),
            ],
        )
        .await;
    assert!(wrong_old.text().contains("当前密码不正确"));
    let ok = b
        .post(
            "/account/password",
            &[
                ("old_password", PW),
                ("new_password", "Better#2027"),
                ("confirm_password", "Better#2027"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert!(ok.text().contains("密码已修改"));
    assert_eq!(
        b.get("/").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        other.get("/").await.status,
        StatusCode::SEE_OTHER,
        "other sessions end"
    );
    let mut fresh = t.browser();
    assert_eq!(
        fresh.login("teacher", PW).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh.login("teacher", "Better#2027").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let t = TestApp::new().await;
    let mut b = t.signed_in("expert").await;
    let token = b.cookies.get("jn_session").cloned().unwrap();
    let r = b.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!b.cookies.contains_key("jn_session"));
    b.cookies.insert("jn_session".into(), token);
    assert_eq!(
        b.get("/").await.status,
        StatusCode::SEE_OTHER,
        "old cookie is dead"
    );
}

#[tokio::test]
async fn totp_enrolment_then_second_step_at_login() {
    let t = TestApp::new().await;
    let mut b = t.signed_in("gz_regulator").await;
    // Finding 10: showing the page writes nothing; the secret comes from a POST.
    let before = t.audit_count().await;
    let first = b.get("/account/totp").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.text().contains("id=\"totp-start\"") && !first.text().contains("<svg"));
    assert_eq!(
        t.audit_count().await,
        before,
        "GET /account/totp wrote nothing"
    );
    assert_eq!(
        b.post("/account/totp/start", &[]).await.location(),
        "/account/totp"
    );
    let setup = b.get("/account/totp").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.text().contains("<svg"), "QR code rendered");
    let id = t.user_id("gz_regulator").await;
    let code = t.app.accounts().totp_current_code(&id).await.unwrap();
    let bad = format!(
        "{:06}",
        (code.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let r = b.post("/account/totp", &[("code", &bad)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b.post("/account/totp", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // Next sign-in needs the code; the session is unusable until then.
    t.clock.advance(Duration::seconds(31));
    let mut n = t.browser();
    let r = n.login("gz_regulator", PW).await;
    assert_eq!(r.location(), "/login/totp");
    assert_eq!(n.get("/").await.location(), "/login/totp");
    let token = n.csrf("/login/totp").await;
    let wrong = n
        .post_raw("/login/totp", &[("_csrf", &token), ("code", "12345x")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let code = t.app.accounts().totp_current_code(&id).await.unwrap();
    let ok = n
        .post_raw("/login/totp", &[("_csrf", &token), ("code", &code)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(n.get("/").await.status, StatusCode::OK);

    // The same code cannot be used twice.
    let mut again = t.browser();
    again.login("gz_regulator", PW).await;
    let token = again.csrf("/login/totp").await;
    assert_eq!(
        again
            .post_raw("/login/totp", &[("_csrf", &token), ("code", &code)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn required_totp_forces_enrolment_for_admins_only() {
    let t = TestApp::with(Options {
        security: SecurityConfig {
            require_totp_for_admins: true,
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            ..Default::default()
        },
        demo: true,
        ..Options::default()
    })
    .await;
    let mut admin = t.signed_in("admin").await;
    let r = admin.get("/admin/users").await;
    assert_eq!(r.location(), "/account/totp");
    let mut learner = t.signed_in("learner").await;
    assert_eq!(learner.get("/").await.status, StatusCode::OK);
    // Learners are not offered TOTP at all.
    assert_eq!(
        learner.get("/account/totp").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn admin_reset_forces_a_new_password_at_next_sign_in() {
    let t = TestApp::new().await;
    let mut admin = t.signed_in("admin").await;
    let id = t.user_id("institution").await;
    let r = admin
        .post(
            &format!("/admin/users/{id}/reset-password"),
            &[("password", "Temp#2026x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mut u = t.browser();
    assert_eq!(
        u.login("institution", "Temp#2026x").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(u.get("/").await.location(), "/account/password");
    let ok = u
        .post(
            "/account/password",
            &[
                ("old_password", "Temp#2026x"),
                ("new_password", "Mine#2026xy"),
                ("confirm_password", "Mine#2026xy"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(u.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn disabled_accounts_cannot_sign_in_and_lose_their_sessions() {
    let t = TestApp::new().await;
    let mut victim = t.signed_in("service").await;
    let mut admin = t.signed_in("admin").await;
    let id = t.user_id("service").await;
    assert_eq!(
        admin
            .post(&format!("/admin/users/{id}/disable"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(victim.get("/").await.status, StatusCode::SEE_OTHER);
    let r = t.browser().login("service", PW).await;
    assert_eq!(r.status, StatusCode::LOCKED);
    assert!(r.text().contains("账户已停用"));
}
