//! The authorization matrix: each role against the account list and single accounts,
//! inside and outside its region, through pages and the API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn visible_usernames(t: &TestApp, who: &str) -> Vec<String> {
    let token = t.token(who).await;
    let r = t
        .api(Method::GET, "/users?per_page=200", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut v: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn regulators_see_only_their_region_subtree() {
    let t = TestApp::new().await;
    // Nanming county (520102): its regulator, institution, teacher, learner.
    assert_eq!(
        visible_usernames(&t, "nm_regulator").await,
        [
            "institution",
            "jz_institution",
            "learner",
            "nm_regulator",
            "teacher"
        ]
    );
    // Yunyan county (520103).
    assert_eq!(
        visible_usernames(&t, "yy_regulator").await,
        ["enterprise", "learner_yy", "yy_regulator"]
    );
    // Guiyang city (520100) sees both counties and itself, not Zunyi.
    let gy = visible_usernames(&t, "gy_regulator").await;
    assert!(
        gy.contains(&"learner".to_string())
            && gy.contains(&"learner_yy".to_string())
            && gy.contains(&"gy_regulator".to_string())
    );
    assert!(!gy.contains(&"learner_zy".to_string()) && !gy.contains(&"zy_regulator".to_string()));
    // The province sees everyone in Guizhou but the course provider's administrator, who
    // belongs to the platform, not to a region.
    let gz = visible_usernames(&t, "gz_regulator").await;
    assert_eq!(gz.len(), jineng_demo::DEMO_ACCOUNTS.len() - 2);
    assert!(!gz.contains(&"provider".to_string()) && !gz.contains(&"provider_b".to_string()));
    // Administrators see all.
    assert_eq!(
        visible_usernames(&t, "viewer").await.len(),
        jineng_demo::DEMO_ACCOUNTS.len()
    );
}

#[tokio::test]
async fn out_of_region_records_are_not_found_by_page_or_api() {
    let t = TestApp::new().await;
    let other = t.user_id("learner_yy").await;
    let own = t.user_id("learner").await;
    let token = t.token("nm_regulator").await;
    t.api(Method::GET, &format!("/users/{other}"), Some(&token), None)
        .await
        .problem(404);
    assert_eq!(
        t.api(Method::GET, &format!("/users/{own}"), Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    let mut b = t.signed_in("nm_regulator").await;
    assert_eq!(
        b.get(&format!("/admin/users/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("/admin/users/{own}")).await.status,
        StatusCode::OK
    );
    let list = b.get("/admin/users").await.text();
    assert!(list.contains("陈学员") && !list.contains("刘学员"));
    // A search for the other county's learner by name finds nothing.
    let r = b.get("/admin/users?q=%E5%88%98").await.text();
    assert!(r.contains("共 0 个账户"), "{r}");
    // The xlsx export is scoped the same way (it is a zip; names are inside compressed XML,
    // so compare sizes against the province's export instead).
    let own_x = b.get("/admin/users/export").await;
    assert_eq!(own_x.status, StatusCode::OK);
    let mut p = t.signed_in("gz_regulator").await;
    let all_x = p.get("/admin/users/export").await;
    assert!(all_x.body.len() > own_x.body.len());
}

#[tokio::test]
async fn roles_without_account_rights_are_refused() {
    let t = TestApp::new().await;
    for who in [
        "learner",
        "institution",
        "enterprise",
        "teacher",
        "provider",
        "expert",
        "expert_leader",
        "service",
    ] {
        let token = t.token(who).await;
        t.api(Method::GET, "/users", Some(&token), None)
            .await
            .problem(403);
        t.api(Method::GET, "/audit", Some(&token), None)
            .await
            .problem(403);
        let mut b = t.signed_in(who).await;
        assert_eq!(
            b.get("/admin/users").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(b.get("/audit").await.status, StatusCode::FORBIDDEN, "{who}");
        // Their own record is visible to themselves.
        let me = t.api(Method::GET, "/me", Some(&token), None).await;
        assert_eq!(me.json()["username"], who);
    }
}

#[tokio::test]
async fn permission_levels_of_admin_roles() {
    let t = TestApp::new().await;
    let new = |username: &str, role: &str| json!({"username": username, "display_name": "测试", "password": "Strong#2026", "roles": [{"role": role}], "region_code": "520102"});
    // Viewer: read-only.
    let viewer = t.token("viewer").await;
    t.api(
        Method::POST,
        "/users",
        Some(&viewer),
        Some(new("v_made", "learner")),
    )
    .await
    .problem(403);
    // Regulators view but do not manage accounts.
    let reg = t.token("gz_regulator").await;
    t.api(
        Method::POST,
        "/users",
        Some(&reg),
        Some(new("r_made", "learner")),
    )
    .await
    .problem(403);
    // Operator: manages ordinary accounts, not administrators.
    let op = t.token("operator").await;
    assert_eq!(
        t.api(
            Method::POST,
            "/users",
            Some(&op),
            Some(new("op_made", "institution_admin"))
        )
        .await
        .status,
        StatusCode::CREATED
    );
    t.api(
        Method::POST,
        "/users",
        Some(&op),
        Some(new("op_admin", "system_admin")),
    )
    .await
    .problem(403);
    let admin_id = t.user_id("admin").await;
    t.api(
        Method::POST,
        &format!("/users/{admin_id}/status"),
        Some(&op),
        Some(json!({"status": "disabled"})),
    )
    .await
    .problem(403);
    // System admin: everything, including administrators.
    let sa = t.token("admin").await;
    assert_eq!(
        t.api(
            Method::POST,
            "/users",
            Some(&sa),
            Some(new("sa_admin", "operator"))
        )
        .await
        .status,
        StatusCode::CREATED
    );
    // Auditors read the audit trail; viewers do not.
    assert_eq!(
        t.api(Method::GET, "/audit", Some(&t.token("auditor").await), None)
            .await
            .status,
        StatusCode::OK
    );
    t.api(Method::GET, "/audit", Some(&viewer), None)
        .await
        .problem(403);
}

#[tokio::test]
async fn personal_data_is_masked_unless_the_role_may_see_it() {
    let t = TestApp::new().await;
    let id = t.user_id("learner").await;
    let full = t
        .api(
            Method::GET,
            &format!("/users/{id}"),
            Some(&t.token("admin").await),
            None,
        )
        .await
        .json();
    let id_number = full["id_number"].as_str().unwrap().to_string();
    assert_eq!(id_number.len(), 18);
    assert!(!id_number.contains('*'));
    assert_eq!(full["phone"], "13800000001");
    let masked = t
        .api(
            Method::GET,
            &format!("/users/{id}"),
            Some(&t.token("nm_regulator").await),
            None,
        )
        .await
        .json();
    assert_eq!(
        masked["id_number"],
        format!("{}********{}", &id_number[..6], &id_number[14..])
    );
    assert_eq!(masked["phone"], "138****0001");
    // The learner sees their own data whole.
    let own = t
        .api(Method::GET, "/me", Some(&t.token("learner").await), None)
        .await
        .json();
    assert_eq!(own["id_number"], id_number.as_str());

    // At rest nothing is in clear, and the blind index still finds the person.
    use sea_orm::{ConnectionTrait, Statement};
    let db = &t.app.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT id_number_enc, phone_enc FROM users WHERE id = '{id}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    let enc: String = row.try_get("", "id_number_enc").unwrap();
    let phone_enc: String = row.try_get("", "phone_enc").unwrap();
    assert!(!enc.contains(&id_number) && !phone_enc.contains("13800000001"));
    assert!(enc.starts_with("2$k1:"), "{enc}");
    let found = t
        .api(
            Method::GET,
            &format!("/users?q={id_number}"),
            Some(&t.token("admin").await),
            None,
        )
        .await
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["username"], "learner");
}

/// Every role against every kind of record, in its own region and in another, through
/// the API: 200 where it may see, 404 where the record is outside its scope (existence
/// is not revealed), 403 where the role may not see that kind of record at all.
#[tokio::test]
async fn authorization_matrix() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let admin = t.token("admin").await;
    let orgs = t
        .api(Method::GET, "/orgs?per_page=50", Some(&admin), None)
        .await
        .json();
    let org_id = |name: &str| {
        orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (o_own, o_other) = (org_id("南明职业技能培训学校"), org_id("云岩制造有限公司"));
    let (u_own, u_other) = (t.user_id("learner").await, t.user_id("learner_yy").await);
    let class_own = t
        .api(Method::GET, "/classes", Some(&admin), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let targets = [
        format!("/users/{u_own}"),
        format!("/users/{u_other}"),
        format!("/orgs/{o_own}"),
        format!("/orgs/{o_other}"),
        format!("/learners/{u_own}"),
        format!("/learners/{u_other}"),
        format!("/classes/{class_own}"),
    ];
    // Columns: user Nanming, user Yunyan, org Nanming, org Yunyan, learner Nanming,
    // learner Yunyan, class Nanming.
    let expected: [(&str, [u16; 7]); 16] = [
        ("admin", [200, 200, 200, 200, 200, 200, 200]),
        ("operator", [200, 200, 200, 200, 200, 200, 200]),
        ("viewer", [200, 200, 200, 200, 200, 200, 200]),
        ("auditor", [200, 200, 403, 403, 403, 403, 403]),
        ("gz_regulator", [200, 200, 200, 200, 200, 200, 200]),
        ("gy_regulator", [200, 200, 200, 200, 200, 200, 200]),
        ("nm_regulator", [200, 404, 200, 404, 200, 404, 200]),
        ("yy_regulator", [404, 200, 404, 200, 404, 200, 404]),
        ("zy_regulator", [404, 404, 404, 404, 404, 404, 404]),
        // The demo learner was accepted into one of the institution's classes: its learner.
        ("institution", [403, 403, 200, 404, 200, 404, 200]),
        ("enterprise", [403, 403, 404, 200, 404, 404, 404]),
        ("teacher", [403, 403, 403, 403, 403, 403, 403]),
        // A course provider sees its own registration only (others' are not found) and
        // nothing of training.
        ("provider", [403, 403, 404, 404, 403, 403, 403]),
        ("expert", [403, 403, 403, 403, 403, 403, 403]),
        ("service", [403, 403, 403, 403, 403, 403, 403]),
        ("learner", [200, 403, 403, 403, 200, 403, 403]),
    ];
    let mut wrong = Vec::new();
    for (who, codes) in expected {
        let tok = t.token(who).await;
        for (path, want) in targets.iter().zip(codes) {
            let got = t
                .api(Method::GET, path, Some(&tok), None)
                .await
                .status
                .as_u16();
            if got != want {
                wrong.push(format!("{who} GET {path}: {got}, expected {want}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
