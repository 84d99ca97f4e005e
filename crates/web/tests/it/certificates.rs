//! Certificates through the API and pages: an institution issues its completed class's
//! certificates (once, however often it asks), a holder downloads theirs, anyone verifies
//! a number or a scanned payload without signing in, and a revocation shows at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The demo's completed class (its learners' results differ).
async fn completed_class(t: &TestApp) -> String {
    jineng_demo::training(&t.app).await.unwrap();
    let nm = t.token("nm_regulator").await;
    let done = t
        .api(Method::GET, "/classes?status=completed", Some(&nm), None)
        .await
        .json();
    done["items"][0]["id"].as_str().unwrap().to_string()
}

async fn issue(t: &TestApp, class_id: &str) -> (StatusCode, Value) {
    let inst = t.token("institution").await;
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/certificates"),
            Some(&inst),
            None,
        )
        .await;
    (r.status, r.json())
}

async fn count(t: &TestApp, kind: &str) -> u64 {
    use jineng_store::ledger::entry;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entry::Entity::find()
        .filter(entry::Column::Kind.eq(kind))
        .count(&t.app.db)
        .await
        .unwrap()
}

fn payload(note: &str) -> String {
    jineng_app::certificates::encode_payload(note)
}

#[tokio::test]
async fn a_completed_class_gets_certificates_once_and_anyone_can_verify_them() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let nm = t.token("nm_regulator").await;
    let roster = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&nm),
            None,
        )
        .await
        .json();
    let passed: Vec<String> = roster["learners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["outcome"] == "completed")
        .map(|l| l["user_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!passed.is_empty() && passed.len() < 6, "{passed:?}");

    let (status, issued) = issue(&t, &class_id).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let issued = issued.as_array().unwrap().clone();
    assert_eq!(issued.len(), passed.len(), "only those who met the rule");
    assert_eq!(count(&t, "certificate").await, passed.len() as u64);
    // The key anyone can fetch.
    let key = t.app.ledger().verifier_key().unwrap().to_string();
    for c in &issued {
        assert!(passed.contains(&c["user_id"].as_str().unwrap().to_string()));
        let number = c["number"].as_str().unwrap();
        jineng_core::certificates::CertNumber::parse(number).unwrap();
        // The signed note opens with the published key and is the logged record.
        let text = jineng_evidence::checkpoint::open_note(
            c["signed_note"].as_str().unwrap(),
            &[key.as_str()],
        )
        .unwrap();
        let record = jineng_core::certificates::CertRecord::parse(&text).unwrap();
        assert_eq!(record.number.as_str(), number);
        assert!(record.holder.contains('*'), "masked: {}", record.holder);
    }
    // Asking again issues nothing more.
    let (status, again) = issue(&t, &class_id).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again, json!([]));
    assert_eq!(count(&t, "certificate").await, passed.len() as u64);

    // Public verification, no token.
    let c = &issued[0];
    let number = c["number"].as_str().unwrap();
    let note = c["signed_note"].as_str().unwrap();
    let v = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{number}"),
            None,
            None,
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    let v = v.json();
    assert_eq!(v["revoked"], false);
    assert!(v["holder"].as_str().unwrap().contains('*'));
    assert_eq!(v["payload"], Value::Null);
    // Typed sloppily, the same certificate.
    let sloppy = number.to_lowercase().replace('-', "");
    let v2 = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{sloppy}"),
            None,
            None,
        )
        .await;
    assert_eq!(v2.json()["number"], number);
    let check = |s: String| {
        let t = &t;
        let number = number.to_string();
        async move {
            let r = t
                .api(
                    Method::GET,
                    &format!("/certificates/verify/{number}?s={s}"),
                    None,
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()["payload"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(check(payload(note)).await, "valid");
    // A payload with the hours raised keeps its signature line but fails it.
    let forged = note.replacen("hours: ", "hours: 9", 1);
    assert_eq!(check(payload(&forged)).await, "bad_signature");
    // Signed by a stranger's key.
    let (skey, _) = jineng_evidence::checkpoint::LogKey::generate("jineng.local/ledger/520000");
    let stranger = jineng_evidence::checkpoint::LogKey::from_private(&skey).unwrap();
    let text = note.split("\n\n").next().unwrap().to_string() + "\n";
    assert_eq!(
        check(payload(&stranger.sign_text(&text).unwrap())).await,
        "bad_signature"
    );
    assert_eq!(check("!!!not-base64".into()).await, "bad_signature");
    // Another certificate's genuine payload under this number.
    if let Some(other) = issued.get(1) {
        assert_eq!(
            check(payload(other["signed_note"].as_str().unwrap())).await,
            "mismatch"
        );
    }
    // A well-formed number never issued, and a mistyped one.
    let unissued = jineng_core::certificates::CertNumber::from_random(2026, &[9; 10]);
    let r = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{unissued}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(r.text().contains("证书"));
    let mut typo = number.to_string().into_bytes();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == b'0' { b'1' } else { b'0' };
    let r = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{}", String::from_utf8(typo).unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("校验位"), "{}", r.text());

    // The public page says the same, in Chinese, without signing in.
    let mut anon = t.browser();
    let page = anon
        .get(&format!("/verify/{number}?s={}", payload(note)))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("有效") && html.contains("二维码签名有效"),
        "{html}"
    );
    let page = anon.get("/verify?number=JN2026-0000").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("证书编号格式不正确"));
}

#[tokio::test]
async fn holders_download_theirs_and_revocation_shows_everywhere() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let (_, issued) = issue(&t, &class_id).await;
    let c = issued[0].clone();
    let id = c["id"].as_str().unwrap();
    let number = c["number"].as_str().unwrap();
    let holder = t.token_for(c["user_id"].as_str().unwrap()).await;

    // The holder lists and reads theirs; another learner cannot.
    let mine = t
        .api(Method::GET, "/me/certificates", Some(&holder), None)
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["number"], number);
    let stranger = t.token("learner").await;
    let r = t
        .api(
            Method::GET,
            &format!("/certificates/{id}"),
            Some(&stranger),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A regulator of another county does not see it; the province does.
    let yy = t.token("yy_regulator").await;
    let r = t
        .api(Method::GET, &format!("/certificates/{id}"), Some(&yy), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let gz = t.token("gz_regulator").await;
    let listed = t
        .api(
            Method::GET,
            &format!("/certificates?q={number}"),
            Some(&gz),
            None,
        )
        .await
        .json();
    assert_eq!(listed["total"], 1, "{listed}");

    // Revocation: the holder may not; a reason is needed; then once only.
    let revoke = |tok: String, reason: &'static str| {
        let t = &t;
        let id = id.to_string();
        async move {
            t.api(
                Method::POST,
                &format!("/certificates/{id}/revoke"),
                Some(&tok),
                Some(json!({"reason": reason})),
            )
            .await
        }
    };
    let r = revoke(holder.clone(), "不想要了").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = revoke(yy.clone(), "越权").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let inst = t.token("institution").await;
    let r = revoke(inst.clone(), "  ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(count(&t, "certificate_revocation").await, 0);
    let r = revoke(inst.clone(), "身份信息核查不符").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["revoked"], true);
    let r = revoke(t.token("nm_regulator").await, "再次撤销").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("已撤销"));
    assert_eq!(count(&t, "certificate_revocation").await, 1);
    let v = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{number}"),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(v["revoked"], true);
    assert_eq!(v["revoked_reason"], "身份信息核查不符");
    assert!(v["revocation_ledger_index"].as_u64().is_some());
    let mut anon = t.browser();
    assert!(
        anon.get(&format!("/verify/{number}"))
            .await
            .text()
            .contains("已撤销")
    );
    // The holder's e-archive lists it, marked.
    let holder_id = c["user_id"].as_str().unwrap();
    let archive = t
        .api(
            Method::GET,
            &format!("/learners/{holder_id}/archive"),
            Some(&holder),
            None,
        )
        .await;
    assert_eq!(archive.status, StatusCode::OK, "{}", archive.text());
    let archive = archive.json();
    assert_eq!(archive["certificates"][0]["number"], number);
    assert_eq!(archive["certificates"][0]["revoked"], true);

    // PDFs: one certificate (the holder's download; the browser walk downloads it as
    // the learner), and the class's batch (revoked ones left out).
    let mut i = t.signed_in("institution").await;
    let pdf = i.get(&format!("/certificates/{id}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert!(pdf.body.len() < 200 * 1024, "{} bytes", pdf.body.len());
    let mut other = t.signed_in("learner").await;
    assert_eq!(
        other.get(&format!("/certificates/{id}/pdf")).await.status,
        StatusCode::NOT_FOUND
    );
    let batch = i
        .get(&format!("/classes/{class_id}/certificates.pdf"))
        .await;
    assert_eq!(batch.status, StatusCode::OK);
    assert!(batch.body.starts_with(b"%PDF-"));
    let page = i.get(&format!("/classes/{class_id}")).await.text();
    assert!(
        page.contains("打印全班证书") && page.contains(number),
        "{page}"
    );
}

#[tokio::test]
async fn only_a_completed_class_is_certified_and_only_by_its_institution() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let running = crate::study::running_class(&t).await;
    let (status, body) = issue(&t, &running).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("结业"));
    let class_id = {
        let nm = t.token("nm_regulator").await;
        t.api(Method::GET, "/classes?status=completed", Some(&nm), None)
            .await
            .json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for who in ["nm_regulator", "learner"] {
        let tok = t.token(who).await;
        let r = t
            .api(
                Method::POST,
                &format!("/classes/{class_id}/certificates"),
                Some(&tok),
                None,
            )
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{who}: {}",
            r.status
        );
    }
    assert_eq!(count(&t, "certificate").await, 0);
}

/// Two issuings of the same class at once: every learner still has exactly one.
#[tokio::test]
async fn concurrent_issuing_gives_each_learner_one_certificate() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let (a, b) = tokio::join!(issue(&t, &class_id), issue(&t, &class_id));
    assert_eq!(a.0, StatusCode::CREATED, "{}", a.1);
    assert_eq!(b.0, StatusCode::CREATED, "{}", b.1);
    let total = a.1.as_array().unwrap().len() + b.1.as_array().unwrap().len();
    use jineng_store::certificates::certificate;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let rows = certificate::Entity::find().count(&t.app.db).await.unwrap();
    assert_eq!(rows as usize, total);
    assert_eq!(count(&t, "certificate").await, rows);
    let (_, again) = issue(&t, &class_id).await;
    assert_eq!(again, json!([]));
}

/// The exchange's 培训证书信息 feed: issued certificates, and a revocation as a change.
#[tokio::test]
async fn the_exchange_feed_carries_certificates_and_revocations() {
    use jineng_app::exchange::ClientInput;
    use jineng_app::exchange::{sign, string_to_sign};
    use jineng_core::exchange::Dataset;
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let (_, issued) = issue(&t, &class_id).await;
    let (client, secret) = t
        .app
        .exchange()
        .create_client(
            &jineng_app::Principal::system(),
            &Default::default(),
            ClientInput {
                name: "省一体化平台".into(),
                datasets: vec![Dataset::Certificates],
                region: None,
                full_id_numbers: false,
            },
        )
        .await
        .unwrap();
    let pull = |cursor: String, nonce: &'static str| {
        let t = &t;
        let (client, secret) = (client.clone(), secret.clone());
        async move {
            let ts = t.app.now().timestamp().to_string();
            let path = format!("/api/v1/exchange/certificates?limit=100&cursor={cursor}");
            let sig = sign(&secret, &string_to_sign("GET", &path, &ts, nonce, b"")).unwrap();
            let r = t
                .send(
                    axum::http::Request::builder()
                        .uri(&path)
                        .header("x-client-id", &client)
                        .header("x-timestamp", &ts)
                        .header("x-nonce", nonce)
                        .header("x-signature", sig)
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()
        }
    };
    let first = pull(String::new(), "cert-nonce-1").await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), issued.as_array().unwrap().len());
    assert!(items.iter().all(|i| i["revoked"] == false));
    assert!(
        items[0]["id_number"].as_str().unwrap().contains('*'),
        "masked for this client"
    );
    let inst = t.token("institution").await;
    let id = issued[0]["id"].as_str().unwrap();
    let r = t
        .api(
            Method::POST,
            &format!("/certificates/{id}/revoke"),
            Some(&inst),
            Some(json!({"reason": "核查不符"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let next = pull(cursor, "cert-nonce-2").await;
    let items = next["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{next}");
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["revoked"], true);
    assert_eq!(items[0]["revoked_reason"], "核查不符");
}

/// The issuer and a regulator revoke the same certificate at once: one succeeds, the
/// other is told it is already revoked, and one revocation is logged.
#[tokio::test]
async fn concurrent_revocations_log_one() {
    let t = TestApp::new().await;
    let class_id = completed_class(&t).await;
    let (_, issued) = issue(&t, &class_id).await;
    let id = issued[0]["id"].as_str().unwrap().to_string();
    let (inst, nm) = (t.token("institution").await, t.token("nm_regulator").await);
    let revoke = |tok: String| {
        let t = &t;
        let id = id.clone();
        async move {
            t.api(
                Method::POST,
                &format!("/certificates/{id}/revoke"),
                Some(&tok),
                Some(json!({"reason": "同时撤销"})),
            )
            .await
            .status
        }
    };
    let (a, b) = tokio::join!(revoke(inst), revoke(nm));
    let mut got = [a, b];
    got.sort();
    assert_eq!(got, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(count(&t, "certificate_revocation").await, 1);
}
