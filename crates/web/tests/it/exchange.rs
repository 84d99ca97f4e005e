//! The signed, incremental data exchange for the provincial integrated platform.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{Resp, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use jineng_app::Principal;
use jineng_app::exchange::{ClientInput, sign, string_to_sign};
use jineng_core::exchange::Dataset;

pub(crate) async fn pull(
    t: &TestApp,
    client: &str,
    secret: &str,
    path: &str,
    nonce: &str,
    skew: i64,
) -> Resp {
    pull_with_body(t, client, secret, path, nonce, skew, b"", b"").await
}

/// A pull that signs `signed` as its body and sends `sent`.
#[allow(clippy::too_many_arguments)]
async fn pull_with_body(
    t: &TestApp,
    client: &str,
    secret: &str,
    path: &str,
    nonce: &str,
    skew: i64,
    signed: &[u8],
    sent: &'static [u8],
) -> Resp {
    let ts = (t.app.now().timestamp() + skew).to_string();
    let full = format!("/api/v1/exchange/{path}");
    let sig = sign(secret, &string_to_sign("GET", &full, &ts, nonce, signed)).unwrap();
    let req = Request::builder()
        .uri(&full)
        .header("x-client-id", client)
        .header("x-timestamp", ts)
        .header("x-nonce", nonce)
        .header("x-signature", sig)
        .body(Body::from(sent))
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
        .create_client(
            &Principal::system(),
            &Default::default(),
            ClientInput {
                name: "贵州省一体化平台".into(),
                datasets: Dataset::ALL.to_vec(),
                region: None,
                full_id_numbers: true,
            },
        )
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
        "a client allowed whole ID numbers gets them"
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
    // The demo's four organisations less the one still waiting for review.
    assert_eq!(inst["items"].as_array().unwrap().len(), 3);
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
        3,
        "the demo's five classes less the two not yet on file (still recruiting)"
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
    // A wrong secret and an unknown client get the very same answer.
    let wrong = pull(
        &t,
        &client,
        "wrong-secret",
        "institutions",
        "nonce-bad-1",
        0,
    )
    .await
    .problem(401);
    let unknown = pull(&t, "xc_nobody", &secret, "institutions", "nonce-who-1", 0)
        .await
        .problem(401);
    assert!(wrong["detail"].as_str().unwrap().contains("签名校验失败"));
    assert_eq!(wrong["detail"], unknown["detail"]);
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

/// Finding 9: every client read every dataset of the whole province, unreviewed records
/// included, with whole ID numbers; a client could not be revoked; any body passed with
/// the empty-body hash; errors told whether a client id existed.
#[tokio::test]
async fn f9_clients_see_only_their_datasets_region_and_masked_ids() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let sys = Principal::system();
    let (client, secret) = t
        .app
        .exchange()
        .create_client(
            &sys,
            &Default::default(),
            ClientInput {
                name: "南明区对接".into(),
                datasets: vec![Dataset::Learners, Dataset::Institutions],
                region: jineng_core::RegionCode::parse("520102").ok(),
                full_id_numbers: false,
            },
        )
        .await
        .unwrap();
    let learners = pull(&t, &client, &secret, "learners?limit=1000", "nonce-s-1", 0)
        .await
        .json();
    let items = learners["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for i in items {
        assert_eq!(i["region_code"], "520102", "{i}");
        let idn = i["id_number"].as_str().unwrap();
        assert!(idn.contains('*') && idn.len() == 18, "{idn}");
    }
    // Only reviewed registrations, only in the region.
    for i in pull(&t, &client, &secret, "institutions", "nonce-s-2", 0)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
    {
        assert_eq!(i["region_code"], "520102");
        assert!(
            ["approved", "suspended", "revoked"].contains(&i["status"].as_str().unwrap()),
            "{i}"
        );
    }
    // A dataset it was not given answers exactly like one that does not exist.
    let not_given = pull(&t, &client, &secret, "classes", "nonce-s-3", 0)
        .await
        .problem(404);
    let no_such = pull(&t, &client, &secret, "salaries", "nonce-s-4", 0)
        .await
        .problem(404);
    assert_eq!(not_given["detail"], no_such["detail"]);
    // The body is covered by the signature: a body signed as empty is refused.
    pull_with_body(
        &t,
        &client,
        &secret,
        "learners",
        "nonce-s-5",
        0,
        b"",
        b"{\"x\":1}",
    )
    .await
    .problem(401);
    // The system admin revokes it; then it is refused like an unknown client.
    let mut admin = t.signed_in("admin").await;
    assert!(
        admin
            .get("/admin/exchange")
            .await
            .text()
            .contains("南明区对接")
    );
    let r = admin
        .post(&format!("/admin/exchange/{client}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let revoked = pull(&t, &client, &secret, "learners", "nonce-s-6", 0)
        .await
        .problem(401);
    let unknown = pull(&t, "xc_nobody", &secret, "learners", "nonce-s-7", 0)
        .await
        .problem(401);
    assert_eq!(revoked["detail"], unknown["detail"]);
    // Making one from the page shows its secret once.
    let r = admin
        .post(
            "/admin/exchange",
            &[
                ("name", "省一体化平台"),
                ("datasets", "learners"),
                ("datasets", "classes"),
                ("region_code", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("id=\"client-secret\""));
    let r = admin
        .post(
            "/admin/exchange",
            &[("name", "空"), ("region_code", "110105")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("请至少选择一个数据集") && r.text().contains("只能选择本省的地区"));
}

/// The app as it was `minutes` ago: a change whose clock reads earlier than changes
/// already delivered, as when a long transaction commits after a short one.
fn earlier(t: &TestApp, minutes: i64) -> jineng_app::App {
    let mut a = t.app.clone();
    a.clock = std::sync::Arc::new(jineng_app::clock::OffsetClock {
        base: t.app.clock.clone(),
        by: chrono::Duration::minutes(-minutes),
    });
    a
}

/// Everything waiting after `cursor`: (ids delivered, the cursor to keep).
async fn drain(
    t: &TestApp,
    client: &str,
    secret: &str,
    dataset: &str,
    mut cursor: String,
    nonce: &str,
) -> (Vec<String>, String) {
    let mut ids = Vec::new();
    for n in 0..100 {
        let r = pull(
            t,
            client,
            secret,
            &format!("{dataset}?limit=3&cursor={cursor}"),
            &format!("nonce-{nonce}-{n}"),
            0,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        for i in v["items"].as_array().unwrap() {
            ids.push(i["id"].as_str().unwrap().to_string());
        }
        if let Some(c) = v["next_cursor"].as_str() {
            cursor = c.to_string();
        }
        if !v["has_more"].as_bool().unwrap() {
            break;
        }
    }
    (ids, cursor)
}

/// Finding 6: a qualification approved after the feed has passed its submission time,
/// and a change whose clock reads earlier than one already delivered (a transaction that
/// committed later), both arrive — once.
#[tokio::test]
async fn f6_changes_arrive_in_commit_order_not_by_timestamp() {
    use jineng_core::review::Decision;
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let system = Principal::system();
    let ctx = Default::default();
    let (client, secret) = t
        .app
        .exchange()
        .create_client(
            &system,
            &ctx,
            ClientInput {
                name: "贵州省一体化平台".into(),
                datasets: vec![Dataset::Qualifications],
                region: None,
                full_id_numbers: false,
            },
        )
        .await
        .unwrap();
    let inst = t
        .app
        .accounts()
        .principal_of(&t.user_id("institution").await)
        .await
        .unwrap();
    let org = t.org_id_of("institution").await;
    // Two declarations submitted three days ago.
    let three_days = earlier(&t, 3 * 24 * 60);
    let mut submitted = Vec::new();
    for code in ["4-10-01-01", "4-10-01-03"] {
        let d = three_days
            .catalogue()
            .declare(&inst, &ctx, &org, code, None, 5)
            .await
            .unwrap();
        submitted.push(d.id);
    }
    let (first, cursor) = drain(&t, &client, &secret, "qualifications", String::new(), "a").await;
    assert!(!first.is_empty(), "the demo's approved declarations");
    assert!(
        submitted.iter().all(|s| !first.contains(s)),
        "not approved yet"
    );

    // The second is approved now; the first by a change whose clock reads an hour
    // earlier, committed after it.
    t.app
        .catalogue()
        .decide_declaration(&system, &ctx, &submitted[1], Decision::Approve, "")
        .await
        .unwrap();
    earlier(&t, 60)
        .catalogue()
        .decide_declaration(&system, &ctx, &submitted[0], Decision::Approve, "")
        .await
        .unwrap();
    let (next, cursor) = drain(&t, &client, &secret, "qualifications", cursor, "b").await;
    assert_eq!(
        next,
        [submitted[1].clone(), submitted[0].clone()],
        "in commit order"
    );
    let (again, _) = drain(&t, &client, &secret, "qualifications", cursor, "c").await;
    assert!(again.is_empty(), "nothing twice: {again:?}");
    // A cursor of the old timestamp kind is refused with a way forward.
    let old = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        "2026-01-01T00:00:00+00:00|x",
    );
    let r = pull(
        &t,
        &client,
        &secret,
        &format!("qualifications?cursor={old}"),
        "nonce-old-cursor",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("从头拉取"));
}
