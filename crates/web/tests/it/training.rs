//! The learner's side: recruiting classes, applications and the institution's decisions,
//! and 我的培训 with the learner's own results.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::classes::{class, ready};
use crate::common::{PW, TestApp, id};
use axum::http::{Method, StatusCode};
use serde_json::json;

/// A learner who registered with an SMS code; returns (user id, API token).
async fn registered(t: &TestApp, name: &str, idn: &str, phone: &str) -> (String, String) {
    t.api(
        Method::POST,
        "/sms/code",
        None,
        Some(json!({"phone": phone, "purpose": "register"})),
    )
    .await;
    let code = t.last_code(phone);
    let body = json!({"name": name, "id_number": idn, "phone": phone, "code": code, "password": PW, "person_category": "graduate", "education": "bachelor", "region_code": "520102"});
    let r = t
        .api(Method::POST, "/learners/register", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let uid = r.json()["id"].as_str().unwrap().to_string();
    let token = t.token_for(&uid).await;
    (uid, token)
}

#[tokio::test]
async fn learners_apply_and_institutions_decide() {
    let t = TestApp::new().await;
    let (project, _) = ready(&t).await;
    let inst = t.token("institution").await;
    let start = (t.app.now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let mut body = class(&project, &start);
    body["capacity"] = json!(2);
    let c = t
        .api(Method::POST, "/classes", Some(&inst), Some(body.clone()))
        .await
        .json();
    let cid = c["id"].as_str().unwrap().to_string();

    let (a_id, a) = registered(&t, "孙报名", &id("52010220000101001"), "13700001001").await;
    let (_, b) = registered(&t, "李报名", &id("52010220000202002"), "13700001002").await;
    let (_, c3) = registered(&t, "周报名", &id("52010220000303003"), "13700001003").await;

    // Only learners browse recruiting classes; the new class is among them.
    t.api(Method::GET, "/classes/recruiting", Some(&inst), None)
        .await
        .problem(403);
    let open = t
        .api(Method::GET, "/classes/recruiting", Some(&a), None)
        .await
        .json();
    assert!(
        open["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["class"]["id"] == cid && r["applied"].is_null())
    );

    // Apply; a second application to the same class is refused.
    let app_a = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/applications"),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(app_a.status, StatusCode::CREATED, "{}", app_a.text());
    let app_a = app_a.json();
    assert_eq!(app_a["status"], "pending");
    let again = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/applications"),
            Some(&a),
            None,
        )
        .await
        .problem(409);
    assert!(again["detail"].as_str().unwrap().contains("已报名"));
    let app_b = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/applications"),
            Some(&b),
            None,
        )
        .await
        .json();
    // Withdrawn and re-applied: still one application.
    let w = t
        .api(
            Method::POST,
            &format!("/applications/{}/withdraw", app_b["id"].as_str().unwrap()),
            Some(&b),
            None,
        )
        .await
        .json();
    assert_eq!(w["status"], "withdrawn");
    let app_b2 = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/applications"),
            Some(&b),
            None,
        )
        .await
        .json();
    assert_eq!(app_b2["id"], app_b["id"]);
    assert_eq!(app_b2["status"], "pending");

    // The institution sees both; another institution and the learner do not.
    let pending = t
        .api(
            Method::GET,
            &format!("/classes/{cid}/applications"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(pending.as_array().unwrap().len(), 2);
    t.api(
        Method::GET,
        &format!("/classes/{cid}/applications"),
        Some(&t.token("zy_institution").await),
        None,
    )
    .await
    .problem(404);
    t.api(
        Method::POST,
        &format!("/applications/{}/decision", app_a["id"].as_str().unwrap()),
        Some(&a),
        Some(json!({"accept": true})),
    )
    .await
    .problem(403);

    // Accept in the browser: the learner is enrolled and now belongs to the institution.
    let mut web = t.signed_in("institution").await;
    let page = web.get(&format!("/classes/{cid}")).await.text();
    assert!(page.contains("报名申请") && page.contains("孙报名"));
    let r = web
        .post(
            &format!("/applications/{}/decision", app_a["id"].as_str().unwrap()),
            &[("decision", "accept"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let detail = t
        .api(Method::GET, &format!("/classes/{cid}"), Some(&inst), None)
        .await
        .json();
    assert_eq!(detail["class"]["enrolled"], 1);
    assert_eq!(detail["learners"][0]["user_id"], a_id.as_str());
    let mine = t
        .api(Method::GET, "/learners?q=%E5%AD%99", Some(&inst), None)
        .await
        .json();
    assert_eq!(mine["total"], 1);

    // Rejecting needs a reason, which the learner sees.
    let no_reason = web
        .post(
            &format!("/applications/{}/decision", app_b["id"].as_str().unwrap()),
            &[("decision", "reject"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text().contains("不录取必须填写原因"));
    web.post(
        &format!("/applications/{}/decision", app_b["id"].as_str().unwrap()),
        &[("decision", "reject"), ("reason", "本期名额已满")],
    )
    .await;
    let b_training = t
        .api(Method::GET, "/me/training", Some(&b), None)
        .await
        .json();
    assert_eq!(b_training["applications"][0]["status"], "rejected");
    assert_eq!(b_training["applications"][0]["reason"], "本期名额已满");
    assert!(b_training["classes"].as_array().unwrap().is_empty());

    // 我的培训 shows the class with the learner's own (empty) attendance.
    let mut learner = t.browser();
    assert_eq!(
        learner.login("13700001001", PW).await.status,
        StatusCode::SEE_OTHER
    );
    let page = learner.get("/training").await.text();
    assert!(
        page.contains("我的班级") && page.contains("家政服务员初级班") && page.contains("已录取")
    );
    let a_training = t
        .api(Method::GET, "/me/training", Some(&a), None)
        .await
        .json();
    assert_eq!(a_training["classes"][0]["me"]["sessions_total"], 0);
    // No hours yet of the hours the class declared.
    assert_eq!(
        a_training["classes"][0]["me"]["outcome"],
        "short_of_attendance"
    );

    // A second class of the same project: a learner already in the first is refused.
    let c2 = t
        .api(Method::POST, "/classes", Some(&inst), Some(body))
        .await
        .json();
    let c2 = c2["id"].as_str().unwrap().to_string();
    let dup = t
        .api(
            Method::POST,
            &format!("/classes/{c2}/applications"),
            Some(&a),
            None,
        )
        .await
        .problem(409);
    assert!(dup["detail"].as_str().unwrap().contains("同一培训项目"));

    // Full classes take no more applications; filed classes are not recruiting at all.
    let fill = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/applications"),
            Some(&c3),
            None,
        )
        .await
        .json();
    t.api(
        Method::POST,
        &format!("/applications/{}/decision", fill["id"].as_str().unwrap()),
        Some(&inst),
        Some(json!({"accept": true})),
    )
    .await
    .json();
    let (_, d) = registered(&t, "吴报名", &id("52010220000404004"), "13700001004").await;
    let full = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/applications"),
            Some(&d),
            None,
        )
        .await
        .problem(409);
    assert!(full["detail"].as_str().unwrap().contains("名额已满"));
    let listed = t
        .api(Method::GET, "/classes/recruiting", Some(&d), None)
        .await
        .json();
    assert!(
        !listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["class"]["id"] == cid)
    );
    t.api(
        Method::POST,
        &format!("/classes/{cid}/actions"),
        Some(&inst),
        Some(json!({"action": "submit"})),
    )
    .await
    .json();
    let app_c2 = t
        .api(
            Method::POST,
            &format!("/classes/{c2}/applications"),
            Some(&d),
            None,
        )
        .await
        .json();
    t.api(
        Method::POST,
        &format!("/classes/{c2}/actions"),
        Some(&inst),
        Some(json!({"action": "cancel", "reason": "合班"})),
    )
    .await;
    t.api(
        Method::POST,
        &format!("/classes/{c2}/applications"),
        Some(&b),
        None,
    )
    .await
    .problem(404);
    // Cancelling the class answers its pending applications; nothing can be accepted later.
    let d_training = t
        .api(Method::GET, "/me/training", Some(&d), None)
        .await
        .json();
    assert_eq!(d_training["applications"][0]["status"], "rejected");
    assert_eq!(
        d_training["applications"][0]["reason"],
        "培训班已取消：合班"
    );
    assert!(d_training["classes"].as_array().unwrap().is_empty());
    t.api(
        Method::POST,
        &format!("/applications/{}/decision", app_c2["id"].as_str().unwrap()),
        Some(&inst),
        Some(json!({"accept": true})),
    )
    .await
    .problem(409);
}
