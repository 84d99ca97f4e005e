//! Teacher qualifications (师资上岗资格): a regulator of the institution's region
//! certifies an approved teacher for one to five years; the certificate is signed,
//! logged, verifiable in public, renewable in its last 90 days, revocable by a
//! regulator only; a teacher holds one current qualification, also under a race.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// A teacher entered by the 南明 institution: (link id, teacher id).
async fn entered(t: &TestApp, name: &str, first17: &str) -> (String, String) {
    let inst = t.token("institution").await;
    let r = t
        .api(
            Method::POST,
            "/teachers",
            Some(&inst),
            Some(json!({"name": name, "id_number": crate::common::id(first17), "subjects": "中式烹调", "level": "senior", "years_teaching": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    (
        r.json()["link_id"].as_str().unwrap().to_string(),
        r.json()["teacher_id"].as_str().unwrap().to_string(),
    )
}

async fn approve(t: &TestApp, link: &str) {
    let nm = t.token("nm_regulator").await;
    let r = t
        .api(
            Method::POST,
            &format!("/teachers/{link}/decision"),
            Some(&nm),
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

async fn qualify(t: &TestApp, who: &str, link: &str, body: Value) -> crate::common::Resp {
    let tok = t.token(who).await;
    t.api(
        Method::POST,
        &format!("/teachers/{link}/qualifications"),
        Some(&tok),
        Some(body),
    )
    .await
}

async fn certificate_entries(t: &TestApp) -> u64 {
    use jineng_store::ledger::entry;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entry::Entity::find()
        .filter(entry::Column::Kind.eq("certificate"))
        .count(&t.app.db)
        .await
        .unwrap()
}

fn today(t: &TestApp) -> chrono::NaiveDate {
    t.app.today()
}

#[tokio::test]
async fn a_regulator_qualifies_an_approved_teacher_and_anyone_can_verify_it() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let (link, _) = entered(&t, "王老师", "52010219850612241").await;
    let body = json!({"subject": "中式烹调师", "years": 3});

    // Not before the teacher is in the pool; nothing is logged for a refusal.
    let p = qualify(&t, "nm_regulator", &link, body.clone())
        .await
        .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("入库审核通过后"),
        "{p}"
    );
    approve(&t, &link).await;
    let before = certificate_entries(&t).await;

    // Who may grant: a regulator of the region; the institution is refused, another
    // region's regulator does not see the teacher.
    qualify(&t, "institution", &link, body.clone())
        .await
        .problem(403);
    qualify(&t, "zy_regulator", &link, body.clone())
        .await
        .problem(404);
    qualify(&t, "teacher", &link, body.clone())
        .await
        .problem(403);
    // Bad input names its field.
    for (bad, field) in [
        (json!({"subject": "中式烹调师", "years": 0}), "years"),
        (json!({"subject": "中式烹调师", "years": 6}), "years"),
        (json!({"subject": "", "years": 3}), "subject"),
        (json!({"subject": "烹".repeat(51), "years": 3}), "subject"),
        (json!({"subject": "=HYPERLINK()", "years": 3}), "subject"),
    ] {
        let p = qualify(&t, "nm_regulator", &link, bad).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let p = qualify(
        &t,
        "nm_regulator",
        &link,
        json!({"subject": "x", "years": -1}),
    )
    .await
    .problem(422);
    assert!(p["detail"].is_string(), "{p}");
    assert_eq!(certificate_entries(&t).await, before);

    let r = qualify(&t, "nm_regulator", &link, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(c["kind"], "teacher");
    assert_eq!(c["kind_label"], "师资上岗资格证书");
    assert_eq!(c["holder_name"], "王老师");
    assert_eq!(c["project"], "中式烹调师");
    assert_eq!(c["issuer"], "贵阳市南明区人力资源和社会保障局");
    assert!(c["user_id"].is_null());
    let until = jineng_core::certificates::valid_until(today(&t), 3).to_string();
    assert_eq!(c["valid_until"], until.as_str());
    assert_eq!(c["expired"], false);
    let note = c["signed_note"].as_str().unwrap();
    assert!(note.starts_with("jineng-certificate/2\n"), "{note}");
    assert!(note.contains(&format!("valid_until: {until}\n")), "{note}");
    assert!(
        note.contains("holder: 王*师\n"),
        "the record masks the name: {note}"
    );
    assert_eq!(certificate_entries(&t).await, before + 1);
    let number = c["number"].as_str().unwrap().to_string();
    let id = c["id"].as_str().unwrap().to_string();

    // The pool list marks the qualified teacher.
    let pool = t
        .signed_in("nm_regulator")
        .await
        .get("/teachers")
        .await
        .text();
    assert!(pool.contains(&format!("上岗资格至 {until}")), "{pool}");

    // One current qualification: a second grant long before expiry is refused.
    let p = qualify(&t, "nm_regulator", &link, body.clone())
        .await
        .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("到期前90天内"),
        "{p}"
    );
    assert_eq!(certificate_entries(&t).await, before + 1);

    // The institution sees it under the teacher; the teacher under their own account,
    // and downloads the PDF.
    let inst = t.token("institution").await;
    let list = t
        .api(
            Method::GET,
            &format!("/teachers/{link}/qualifications"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["number"], number.as_str());
    let teacher = t.token("teacher").await;
    let mine = t
        .api(Method::GET, "/me/qualifications", Some(&teacher), None)
        .await
        .json();
    assert_eq!(mine[0]["number"], number.as_str(), "{mine}");
    let mut tb = t.signed_in("teacher").await;
    let page = tb.get("/teaching").await.text();
    assert!(
        page.contains(&number) && page.contains("我的上岗资格证书"),
        "{page}"
    );
    let pdf = tb.get(&format!("/certificates/{id}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert!(pdf.body.starts_with(b"%PDF-"));
    // A learner sees nothing of it.
    let learner = t.token("learner").await;
    t.api(
        Method::GET,
        &format!("/certificates/{id}"),
        Some(&learner),
        None,
    )
    .await
    .problem(404);

    // Public verification: valid, masked, with the expiry date; the signed payload
    // checks out, and one with the expiry moved does not.
    let payload = jineng_app::certificates::encode_payload(note);
    let v = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{number}?s={payload}"),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(v["payload"], "valid", "{v}");
    assert_eq!(v["holder"], "王*师");
    assert_eq!(v["valid_until"], until.as_str());
    assert_eq!(v["expired"], false);
    assert_eq!(v["revoked"], false);
    let forged = jineng_app::certificates::encode_payload(&note.replace(&until, "2099-12-31"));
    let v = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{number}?s={forged}"),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(v["payload"], "bad_signature", "{v}");
    let page = t
        .signed_in("learner")
        .await
        .get(&format!("/verify/{number}"))
        .await
        .text();
    assert!(page.contains("有效期至") && page.contains(&until), "{page}");

    // The institution may not revoke a regulator's certificate; the regulator may, and
    // then a new grant is possible at once.
    let r = t
        .api(
            Method::POST,
            &format!("/certificates/{id}/revoke"),
            Some(&inst),
            Some(json!({"reason": "机构申请"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // Another region's institution that enters the same person sees none of it.
    let zy = t.token("zy_institution").await;
    let r = t
        .api(
            Method::POST,
            "/teachers",
            Some(&zy),
            Some(json!({"name": "王老师", "id_number": crate::common::id("52010219850612241"), "subjects": "中式烹调", "level": "senior", "years_teaching": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let zy_link = r.json()["link_id"].as_str().unwrap().to_string();
    let theirs = t
        .api(
            Method::GET,
            &format!("/teachers/{zy_link}/qualifications"),
            Some(&zy),
            None,
        )
        .await
        .json();
    assert_eq!(theirs, json!([]), "{theirs}");

    let nm = t.token("nm_regulator").await;
    // The reason is shown in public: hidden or reordering characters are refused.
    let r = t
        .api(
            Method::POST,
            &format!("/certificates/{id}/revoke"),
            Some(&nm),
            Some(json!({"reason": "原因\u{202E}反向"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/certificates/{id}/revoke"),
            Some(&nm),
            Some(json!({"reason": "查实资格材料造假"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let pool = t
        .signed_in("institution")
        .await
        .get("/teachers")
        .await
        .text();
    assert!(
        !pool.contains("上岗资格至"),
        "a revoked one is not current: {pool}"
    );
    let r = qualify(&t, "nm_regulator", &link, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn a_qualification_renews_in_its_last_ninety_days_and_then_expires() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let (link, _) = entered(&t, "王老师", "52010219850612241").await;
    approve(&t, &link).await;
    let r = qualify(
        &t,
        "gy_regulator",
        &link,
        json!({"subject": "中式烹调师", "years": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let first = r.json();
    assert_eq!(
        first["issuer"], "贵阳市人力资源和社会保障局",
        "the city grants in its name"
    );
    let until =
        chrono::NaiveDate::parse_from_str(first["valid_until"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();

    // 91 days before the last day: too early; 90 days before: renewed.
    let to = |d: chrono::NaiveDate| d.and_hms_opt(4, 0, 0).unwrap().and_utc() - t.app.now();
    t.clock.advance(to(until - chrono::Duration::days(91)));
    let p = qualify(
        &t,
        "nm_regulator",
        &link,
        json!({"subject": "中式烹调师", "years": 3}),
    )
    .await
    .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("到期前90天内"),
        "{p}"
    );
    t.clock.advance(chrono::Duration::days(1));
    let r = qualify(
        &t,
        "nm_regulator",
        &link,
        json!({"subject": "中式烹调师", "years": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let second = r.json();

    let nm = t.token("nm_regulator").await;
    let list = t
        .api(
            Method::GET,
            &format!("/teachers/{link}/qualifications"),
            Some(&nm),
            None,
        )
        .await
        .json();
    assert_eq!(list[0]["number"], second["number"]);
    assert_eq!(list[1]["number"], first["number"]);
    assert_eq!(list[1]["replaced"], true);
    assert_eq!(list[0]["replaced"], false);

    // After its last day the first one verifies as expired (still genuine); the page
    // says so.
    t.clock.advance(to(until + chrono::Duration::days(1)));
    let number = first["number"].as_str().unwrap();
    let v = t
        .api(
            Method::GET,
            &format!("/certificates/verify/{number}"),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(v["expired"], true, "{v}");
    assert_eq!(v["revoked"], false);
    let page = t
        .signed_in("learner")
        .await
        .get(&format!("/verify/{number}"))
        .await
        .text();
    assert!(page.contains("已过期"), "{page}");
    let v = t
        .api(
            Method::GET,
            &format!(
                "/certificates/verify/{}",
                second["number"].as_str().unwrap()
            ),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(v["expired"], false);
}

#[tokio::test]
async fn two_grants_at_once_leave_one_current_qualification() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let (link, teacher_id) = entered(&t, "李老师", "52010219900101123").await;
    approve(&t, &link).await;
    let body = json!({"subject": "电工", "years": 2});
    let (a, b) = tokio::join!(
        qualify(&t, "nm_regulator", &link, body.clone()),
        qualify(&t, "gy_regulator", &link, body.clone())
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 409], "{} / {}", a.text(), b.text());
    use jineng_store::certificates::certificate;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let held = certificate::Entity::find()
        .filter(certificate::Column::TeacherId.eq(teacher_id))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(held, 1);
}
