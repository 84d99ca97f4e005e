//! Hardening I (identity, access and abuse): each finding of the review has a test here
//! that failed before its fix, named after the finding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

/// Finding 3: an operator could reset a regulator's password, sign in as them and approve
/// institutions; disabling and unlocking regulators were open too.
#[tokio::test]
async fn f3_operators_cannot_manage_regulators_auditors_or_admins() {
    let t = TestApp::new().await;
    let op = t.token("operator").await;
    for target in ["gz_regulator", "nm_regulator", "auditor", "viewer", "admin"] {
        let id = t.user_id(target).await;
        for (path, body) in [
            (
                format!("/users/{id}/status"),
                Some(json!({"status": "disabled"})),
            ),
            (format!("/users/{id}/unlock"), None),
            (
                format!("/users/{id}/roles/revoke"),
                Some(json!({"role": "learner"})),
            ),
        ] {
            t.api(Method::POST, &path, Some(&op), body)
                .await
                .problem(403);
        }
        let mut b = t.signed_in("operator").await;
        let csrf = b.csrf("/account/password").await;
        for action in ["reset-password", "reset-totp", "disable", "unlock"] {
            let r = b
                .post_raw(
                    &format!("/admin/users/{id}/{action}"),
                    &[("_csrf", &csrf), ("password", "Taken#Over2026")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{action} {target}");
        }
    }
    // The regulator's password still works, and nobody else's was set.
    let mut reg = t.browser();
    assert_eq!(
        reg.login("gz_regulator", crate::common::PW).await.status,
        StatusCode::SEE_OTHER
    );
    // Operators still manage ordinary accounts; the system admin manages regulators.
    let learner = t.user_id("learner").await;
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/users/{learner}/unlock"),
            Some(&op),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let reg_id = t.user_id("nm_regulator").await;
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/users/{reg_id}/unlock"),
            Some(&t.token("admin").await),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    // Granting a privileged role needs a system admin, too.
    t.api(
        Method::POST,
        &format!("/users/{learner}/roles"),
        Some(&op),
        Some(json!({"role": "viewer"})),
    )
    .await
    .problem(403);
}
