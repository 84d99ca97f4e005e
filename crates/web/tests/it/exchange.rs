//! The signed, incremental data exchange for the provincial integrated platform.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{Resp, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use jineng_app::exchange::{sign, string_to_sign};

async fn pull(t: &TestApp, client: &str, secret: &str, path: &str, nonce: &str, skew: i64) -> Resp {
    let ts = (t.app.now().timestamp() + skew).to_string();
    let full = format!("/api/v1/exchange/{path}");
    let sig = sign(secret, &string_to_sign("GET", &full, &ts, nonce, b"")).unwrap();
    let req = Request::builder()
        .uri(&full)
        .header("x-client-id", client)
        .header("x-timestamp", ts)
        .header("x-nonce", nonce)
        .header("x-signature", sig)
        .body(Body::empty())
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn signed_incremental_pulls_and_refusals() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let (client, secret) = t
        .app
        .exchange()
        .create_client(&Default::default(), "贵州省一体化平台")
        .await
        .unwrap();

    // Page through learners five at a time.
    let mut cursor = String::new();
    let mut seen = Vec::new();
    for n in 0..10 {
        let r = pull(
            &t,
            &client,
            &secret,
            &format!("learners?limit=5&cursor={cursor}"),
            &format!("nonce-page-{n}"),
            0,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        for i in v["items"].as_array().unwrap() {
            seen.push(i["id_number"].as_str().unwrap().to_string());
        }
        if !v["has_more"].as_bool().unwrap() {
            cursor = v["next_cursor"].as_str().unwrap_or(&cursor).to_string();
            break;
        }
        cursor = v["next_cursor"].as_str().unwrap().to_string();
    }
    assert_eq!(seen.len(), 15, "3 demo learners and 12 imported, each once");
    assert!(
        seen.iter().all(|s| s.len() == 18 && !s.contains('*')),
        "the shared dataset carries whole ID numbers"
    );
    // Nothing new since: an empty page; then one new institution appears after the cursor.
    let r = pull(
        &t,
        &client,
        &secret,
        &format!("learners?cursor={cursor}"),
        "nonce-empty-1",
        0,
    )
    .await
    .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 0);
    let inst = pull(&t, &client, &secret, "institutions", "nonce-inst-1", 0)
        .await
        .json();
    assert_eq!(inst["items"].as_array().unwrap().len(), 4);
    let quals = pull(&t, &client, &secret, "qualifications", "nonce-qual-1", 0)
        .await
        .json();
    assert_eq!(quals["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        pull(&t, &client, &secret, "classes", "nonce-cls-1", 0)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    // Refusals: replayed nonce, stale timestamp, wrong secret, unknown client, no headers.
    let again = pull(&t, &client, &secret, "institutions", "nonce-inst-1", 0).await;
    assert!(
        again.problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("nonce")
    );
    assert!(
        pull(&t, &client, &secret, "institutions", "nonce-old-1", -3600)
            .await
            .problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("时间戳")
    );
    assert!(
        pull(
            &t,
            &client,
            "wrong-secret",
            "institutions",
            "nonce-bad-1",
            0
        )
        .await
        .problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("签名不正确")
    );
    pull(&t, "xc_nobody", &secret, "institutions", "nonce-who-1", 0)
        .await
        .problem(401);
    let bare = t
        .send(
            Request::builder()
                .uri("/api/v1/exchange/learners")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    bare.problem(401);
    pull(&t, &client, &secret, "salaries", "nonce-what-1", 0)
        .await
        .problem(404);
    pull(
        &t,
        &client,
        &secret,
        "learners?cursor=garbage!",
        "nonce-cur-1",
        0,
    )
    .await
    .problem(422);
    // Changing the query after signing breaks the signature.
    let ts = t.app.now().timestamp().to_string();
    let sig = sign(
        &secret,
        &string_to_sign(
            "GET",
            "/api/v1/exchange/learners?limit=1",
            &ts,
            "nonce-tamper",
            b"",
        ),
    )
    .unwrap();
    let req = Request::builder()
        .uri("/api/v1/exchange/learners?limit=1000")
        .header("x-client-id", &client)
        .header("x-timestamp", ts)
        .header("x-nonce", "nonce-tamper")
        .header("x-signature", sig)
        .body(Body::empty())
        .unwrap();
    t.send(req).await.problem(401);
    // Each pull is audited with the client as actor.
    let aud = t
        .api(
            axum::http::Method::GET,
            "/audit?action=exchange.pull&per_page=200",
            Some(&t.token("auditor").await),
            None,
        )
        .await
        .json();
    assert!(aud["total"].as_u64().unwrap() >= 6);
}
