//! The JSON API: authentication, bad input of every kind, the OpenAPI document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let t = TestApp::new().await;
    let r = t.api(Method::GET, "/users", None, None).await;
    let p = r.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("令牌"));
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    t.api(Method::GET, "/users", Some("jnt_not-a-real-token"), None)
        .await
        .problem(401);
    // Revoked tokens stop working.
    let id = t.user_id("admin").await;
    let who = jineng_app::Principal {
        user_id: id,
        username: "admin".into(),
        display_name: "admin".into(),
        grants: vec![],
    };
    let (row, tok) = t
        .app
        .accounts()
        .create_token(
            &who,
            &Default::default(),
            "x",
            Some(1),
            jineng_core::accounts::TokenScope::Full,
        )
        .await
        .unwrap();
    assert_eq!(
        t.api(Method::GET, "/me", Some(&tok), None).await.status,
        StatusCode::OK
    );
    t.app
        .accounts()
        .revoke_token(&who, &Default::default(), &row.id)
        .await
        .unwrap();
    t.api(Method::GET, "/me", Some(&tok), None)
        .await
        .problem(401);
    // Expired tokens too.
    let (_, tok2) = t
        .app
        .accounts()
        .create_token(
            &who,
            &Default::default(),
            "y",
            Some(1),
            jineng_core::accounts::TokenScope::Full,
        )
        .await
        .unwrap();
    t.clock.advance(chrono::Duration::days(2));
    t.api(Method::GET, "/me", Some(&tok2), None)
        .await
        .problem(401);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_writes_nothing() {
    let t = TestApp::new().await;
    let tok = t.token("admin").await;
    let before = t.audit_count().await;
    let users_before = t.api(Method::GET, "/users", Some(&tok), None).await.json()["total"]
        .as_u64()
        .unwrap();

    let r = t
        .raw_api(
            Method::POST,
            "/users",
            &tok,
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    r.problem(400);
    let r = t
        .raw_api(Method::POST, "/users", &tok, "text/plain", b"{}".to_vec())
        .await;
    r.problem(415);
    let r = t.api(Method::POST, "/users", Some(&tok), Some(json!({"username": "a", "display_name": "b", "password": "x", "roles": [], "shoe_size": 42}))).await;
    let p = r.problem(422);
    assert!(p["detail"].as_str().unwrap().contains("shoe_size"));
    let r = t
        .api(
            Method::POST,
            "/users",
            Some(&tok),
            Some(json!({"username": 5, "display_name": "b", "password": "x", "roles": []})),
        )
        .await;
    r.problem(422);
    let big = vec![b'x'; 2 * 1024 * 1024];
    let r = t
        .raw_api(Method::POST, "/users", &tok, "application/json", big)
        .await;
    r.problem(413);

    // Field by field: every problem is reported at once, in Chinese.
    let r = t
        .api(
            Method::POST,
            "/users",
            Some(&tok),
            Some(json!({
                "username": "新用户!",
                "display_name": "王五",
                "password": "short",
                "phone": "12345",
                "id_number": "520102199003071235",
                "region_code": "52",
                "roles": [{"role": "regulator"}]
            })),
        )
        .await;
    let p = r.problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"phone")
            && fields.contains(&"id_number")
            && fields.contains(&"region_code"),
        "{p}"
    );
    let r = t
        .api(Method::POST, "/users", Some(&tok), Some(json!({"username": "新用户!", "display_name": "王五", "password": "short", "roles": [{"role": "regulator"}]})))
        .await;
    let p = r.problem(422);
    let msgs = p["errors"].to_string();
    assert!(
        msgs.contains("用户名只能包含")
            && msgs.contains("密码至少需要8个字符")
            && msgs.contains("必须指定所辖行政区划"),
        "{msgs}"
    );
    // A birth date in the future and an unknown role.
    let r = t.api(Method::POST, "/users", Some(&tok), Some(json!({"username": "abc", "display_name": "x", "password": "Strong#2026", "roles": [{"role": "king"}]}))).await;
    assert!(
        r.problem(422)["errors"]
            .to_string()
            .contains("角色代码不存在")
    );

    // Duplicates: the same username is refused.
    let r = t.api(Method::POST, "/users", Some(&tok), Some(json!({"username": "learner", "display_name": "x", "password": "Strong#2026", "roles": [{"role": "learner"}]}))).await;
    assert!(
        r.problem(422)["errors"]
            .to_string()
            .contains("用户名已被使用")
    );
    // And the same phone number.
    let r = t.api(Method::POST, "/users", Some(&tok), Some(json!({"username": "learner2", "display_name": "x", "password": "Strong#2026", "phone": "13800000001", "roles": [{"role": "learner"}]}))).await;
    assert!(
        r.problem(422)["errors"]
            .to_string()
            .contains("手机号已被其他账户使用")
    );

    assert_eq!(
        t.audit_count().await,
        before,
        "no audit record for refused input"
    );
    assert_eq!(
        t.api(Method::GET, "/users", Some(&tok), None).await.json()["total"]
            .as_u64()
            .unwrap(),
        users_before
    );

    // Unknown query parameters and bad path targets are problems too.
    t.api(Method::GET, "/users?colour=red", Some(&tok), None)
        .await
        .problem(400);
    t.api(Method::GET, "/no-such-thing", Some(&tok), None)
        .await
        .problem(404);
    t.api(Method::DELETE, "/users", Some(&tok), None)
        .await
        .problem(405);
}

#[tokio::test]
async fn create_grant_revoke_and_status_through_the_api() {
    let t = TestApp::new().await;
    let tok = t.token("admin").await;
    let r = t
        .api(
            Method::POST,
            "/users",
            Some(&tok),
            Some(json!({"username": "qn_regulator", "display_name": "黔南州人社局", "password": "Strong#2026", "region_code": "522700", "roles": [{"role": "regulator", "region_code": "522700"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let u = r.json();
    let id = u["id"].as_str().unwrap().to_string();
    assert_eq!(u["roles"][0]["role"], "regulator");
    assert_eq!(u["roles"][0]["region_code"], "522700");
    assert_eq!(u["region_name"], "黔南布依族苗族自治州");

    let r = t
        .api(
            Method::POST,
            &format!("/users/{id}/roles"),
            Some(&tok),
            Some(json!({"role": "expert"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    t.api(
        Method::POST,
        &format!("/users/{id}/roles"),
        Some(&tok),
        Some(json!({"role": "expert"})),
    )
    .await
    .problem(409);
    t.api(
        Method::POST,
        &format!("/users/{id}/roles"),
        Some(&tok),
        Some(json!({"role": "regulator", "region_code": "999999"})),
    )
    .await
    .problem(422);
    let r = t
        .api(
            Method::POST,
            &format!("/users/{id}/roles/revoke"),
            Some(&tok),
            Some(json!({"role": "expert"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    t.api(
        Method::POST,
        &format!("/users/{id}/roles/revoke"),
        Some(&tok),
        Some(json!({"role": "expert"})),
    )
    .await
    .problem(404);
    t.api(
        Method::POST,
        &format!("/users/{id}/status"),
        Some(&tok),
        Some(json!({"status": "sleeping"})),
    )
    .await
    .problem(422);
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/users/{id}/status"),
            Some(&tok),
            Some(json!({"status": "disabled"}))
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let u = t
        .api(Method::GET, &format!("/users/{id}"), Some(&tok), None)
        .await
        .json();
    assert_eq!(u["status"], "disabled");

    // The new regulator, once enabled, sees only Qiannan.
    t.api(
        Method::POST,
        &format!("/users/{id}/status"),
        Some(&tok),
        Some(json!({"status": "active"})),
    )
    .await;
    let regions = t
        .api(Method::GET, "/regions?under=522700", Some(&tok), None)
        .await
        .json();
    assert_eq!(
        regions.as_array().unwrap().len(),
        13,
        "Qiannan and its 12 counties"
    );
    let all = t
        .api(Method::GET, "/regions", Some(&tok), None)
        .await
        .json();
    assert_eq!(
        all.as_array().unwrap().len(),
        1 + 9 + 88,
        "Guizhou: province, 9 cities, 88 counties"
    );
}

#[tokio::test]
async fn concurrent_writes_keep_one_unbroken_audit_chain() {
    let t = TestApp::new().await;
    let tok = t.token("admin").await;
    let creates = (0..12).map(|i| {
        let body = json!({"username": format!("bulk{i:02}"), "display_name": "批量", "password": "Strong#2026", "roles": [{"role": "learner"}]});
        t.api(Method::POST, "/users", Some(&tok), Some(body))
    });
    let results = futures::future::join_all(creates).await;
    assert!(
        results.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        results.iter().map(|r| r.text()).collect::<Vec<_>>()
    );
    // The same username twice at once: exactly one wins.
    let twins = (0..2).map(|_| {
        t.api(Method::POST, "/users", Some(&tok), Some(json!({"username": "twin", "display_name": "双", "password": "Strong#2026", "roles": [{"role": "learner"}]})))
    });
    let r = futures::future::join_all(twins).await;
    assert_eq!(
        r.iter().filter(|r| r.status == StatusCode::CREATED).count(),
        1
    );
    let report = jineng_app::audit::verify(&t.app.db, t.app.keyring.audit_key())
        .await
        .unwrap();
    assert_eq!(report.broken_at, None);
}

#[tokio::test]
async fn openapi_document_is_served_and_matches_the_snapshot() {
    let t = TestApp::new().await;
    let r = t.api(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/users"]["post"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Every reference resolves (a client generator or fuzzer skips what does not).
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 50, "{} references", found.len());
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "unresolved reference {r}"
        );
    }
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, &pretty).unwrap();
    }
    let saved = std::fs::read_to_string(&path)
        .expect("tests/openapi.json (run with UPDATE_SNAPSHOTS=1 to create)");
    assert_eq!(
        saved, pretty,
        "the API changed: review and rerun with UPDATE_SNAPSHOTS=1"
    );
    let mut b = t.browser();
    let docs = b.get("/api/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text().contains("/api/v1/openapi.json"));
}

/// utoipa names a component after the Rust type alone: two `VersionOut`s in
/// different modules become one schema and one endpoint is documented with
/// the other's shape (CI's fuzzer caught `/orgs/{id}/versions` this way).
/// Every type that derives `ToSchema` must have a name of its own.
#[test]
fn schema_names_are_unique_across_the_crates() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for c in ["core", "app", "web"] {
        walk(&crates.join(c).join("src"), &mut files);
    }
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut clashes = Vec::new();
    let mut schemas = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut pending: Option<Option<String>> = None;
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with("#[derive(") && l.contains("ToSchema") {
                pending = Some(None);
            } else if let (Some(slot), Some(rest)) =
                (pending.as_mut(), l.strip_prefix("#[schema(as = "))
            {
                *slot = Some(rest.trim_end_matches(")]").trim().to_string());
            } else if let Some(p) =
                pending.take_if(|_| l.starts_with("pub struct ") || l.starts_with("pub enum "))
            {
                let ident = l.split_whitespace().nth(2).unwrap_or("");
                let ident: String = ident
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let name = p.unwrap_or(ident);
                schemas += 1;
                let here = f.display().to_string();
                if let Some(before) = seen.insert(name.clone(), here.clone()) {
                    clashes.push(format!("{name}: {before} and {here}"));
                }
            }
        }
    }
    assert!(
        schemas > 100,
        "only {schemas} schema types found: the scan is broken"
    );
    assert!(clashes.is_empty(), "schema names used twice: {clashes:#?}");
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    let h = b.get("/healthz").await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["status"], "ok");
    let r = b.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["database"], "ok");
    assert_eq!(r.json()["files"], "ok");
}
