//! The "done when", through the JSON API alone: a new institution, its county
//! regulator and a new learner walk from registration to a completed class with a result.
//! (The same path in a real browser is tests/browser/walk.py.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{PW, TestApp, credit_code, id, pdf};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn registration_to_completed_class_through_the_api() {
    let t = TestApp::new().await;
    let nm = t.token("nm_regulator").await;

    // The institution registers, uploads its licence, and is approved.
    let org = json!({
        "kind": "institution", "name": "接口全程培训学校", "credit_code": credit_code("91520102MA6PATH01"),
        "region_code": "520102", "address": "南明区接口路1号", "legal_rep_name": "钱进",
        "legal_rep_id": id("52010219820303123"), "contact_name": "钱进", "contact_phone": "13955550000",
        "nature": "private", "institution_type": "ordinary", "designated": false,
        "bank_name": "贵阳银行", "bank_account_name": "接口全程培训学校", "bank_account": "6222000055556666",
        "training_scale": 200, "site_area": 400, "licence_no": "黔人社培字0700号",
        "valid_from": "2025-01-01", "valid_until": "2029-12-31"
    });
    let code = t.code_for("13955550000", "org_register").await;
    let r = t
        .api(
            Method::POST,
            "/orgs/register",
            None,
            Some(json!({"org": org, "admin": {"username": "path_admin", "password": PW, "display_name": "钱进"}, "code": code})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let org_id = r.json()["id"].as_str().unwrap().to_string();
    let inst = t.token("path_admin").await;
    let up = t
        .raw_api(
            Method::POST,
            &format!("/orgs/{org_id}/documents?kind=school_licence&filename=licence.pdf"),
            &inst,
            "application/pdf",
            pdf(),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
    let approved = t
        .api(
            Method::POST,
            &format!("/orgs/{org_id}/decision"),
            Some(&nm),
            Some(json!({"action": "approve"})),
        )
        .await
        .json();
    assert_eq!(approved["status"], "approved");

    // The province publishes a project; the institution declares it; the county approves.
    let gz = t.token("gz_regulator").await;
    let project = t.api(Method::POST, "/catalogue", Some(&gz), Some(json!({"occupation_code": "4-10-01-06", "skill_level": 5, "training_type": "vocational_skill", "business_category": "employment_skill", "theory_hours": 8, "practice_hours": 8, "subsidy_yuan": "600"}))).await;
    assert_eq!(project.status, StatusCode::CREATED, "{}", project.text());
    let project = project.json()["id"].as_str().unwrap().to_string();
    let d = t
        .api(
            Method::POST,
            &format!("/orgs/{org_id}/declarations"),
            Some(&inst),
            Some(json!({"occupation_code": "4-10-01-06", "skill_level": 5})),
        )
        .await
        .json();
    t.api(
        Method::POST,
        &format!("/declarations/{}/decision", d["id"].as_str().unwrap()),
        Some(&nm),
        Some(json!({"action": "approve"})),
    )
    .await
    .json();

    // A person registers as a learner with an SMS code.
    t.api(
        Method::POST,
        "/sms/code",
        None,
        Some(json!({"phone": "13722220000", "purpose": "register"})),
    )
    .await;
    let code = t.last_code("13722220000");
    let r = t.api(Method::POST, "/learners/register", None, Some(json!({"name": "全程学员", "id_number": id("52010220010101567"), "phone": "13722220000", "code": code, "password": PW, "person_category": "rural_migrant", "education": "junior", "region_code": "520102"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let learner_id = r.json()["id"].as_str().unwrap().to_string();
    let learner = t.token_for(&learner_id).await;

    // The institution opens a class; the learner finds it and applies; it is accepted.
    let start = (t.app.now() + chrono::Duration::hours(8) + chrono::Duration::days(2)).date_naive();
    let c = t.api(Method::POST, "/classes", Some(&inst), Some(json!({"project_id": project, "name": "家政服务员全程班", "delivery": "offline", "start_date": start.to_string(), "end_date": (start + chrono::Duration::days(5)).to_string(), "location": "南明区接口路1号", "capacity": 20, "theory_hours": 8, "practice_hours": 8}))).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let cid = c.json()["id"].as_str().unwrap().to_string();
    let open = t
        .api(Method::GET, "/classes/recruiting", Some(&learner), None)
        .await
        .json();
    assert!(
        open["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["class"]["id"] == cid.as_str())
    );
    let app = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/applications"),
            Some(&learner),
            None,
        )
        .await
        .json();
    let accepted = t
        .api(
            Method::POST,
            &format!("/applications/{}/decision", app["id"].as_str().unwrap()),
            Some(&inst),
            Some(json!({"accept": true})),
        )
        .await
        .json();
    assert_eq!(accepted["status"], "accepted");

    // Filing: submitted by the institution, approved by the county regulator.
    let act = |who: String, action: &'static str| {
        let (t, cid) = (&t, cid.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/classes/{cid}/actions"),
                Some(&who),
                Some(json!({"action": action})),
            )
            .await
            .json()["status"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(act(inst.clone(), "submit").await, "submitted");
    assert_eq!(act(nm.clone(), "approve").await, "approved");

    // Training starts on its date; a session; the learner signs in with the QR token.
    t.clock.advance(chrono::Duration::days(2));
    assert_eq!(act(inst.clone(), "start").await, "in_training");
    // Ten o'clock: the 09:00 session below is under way.
    t.to_cst(10, 0);
    let today = (t.app.now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    let s = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/sessions"),
            Some(&inst),
            Some(
                json!({"date": today, "starts": "09:00", "ends": "12:00", "topic": "家务技能实操"}),
            ),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
    let sid = s.json()["id"].as_str().unwrap().to_string();
    let mut staff = t.signed_in("path_admin").await;
    let qr = staff.get(&format!("/sessions/{sid}/qr")).await.text();
    let link = qr
        .split("id=\"qr-link\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let token = link.split("?t=").nth(1).unwrap().to_string();
    let checked = t
        .api(
            Method::POST,
            &format!("/sessions/{sid}/checkin"),
            Some(&learner),
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text());

    // Three more mornings, marked by staff once under way: 3 + 3×5⅓ hours of the 16
    // the class declared.
    for _ in 0..3 {
        t.clock.advance(chrono::Duration::days(1));
        let today = (t.app.now() + chrono::Duration::hours(8))
            .date_naive()
            .to_string();
        let s = t
            .api(
                Method::POST,
                &format!("/classes/{cid}/sessions"),
                Some(&inst),
                Some(json!({"date": today, "starts": "08:00", "ends": "12:00", "topic": "实操"})),
            )
            .await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
        let r = t
            .api(
                Method::POST,
                &format!("/sessions/{}/attendance", s.json()["id"].as_str().unwrap()),
                Some(&inst),
                Some(json!({"learner_ids": [learner_id]})),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text());
    }

    // Completion after the end date: the learner has the class's hours and passes; both
    // sides see it.
    t.clock.advance(chrono::Duration::days(2));
    assert_eq!(act(inst.clone(), "complete").await, "completed");
    let detail = t
        .api(Method::GET, &format!("/classes/{cid}"), Some(&nm), None)
        .await
        .json();
    let me = &detail["learners"][0];
    assert_eq!(me["user_id"], learner_id.as_str());
    assert_eq!(
        (
            &me["sessions_attended"],
            &me["offline_hours"],
            &me["outcome"]
        ),
        (&json!(4), &json!(20), &json!("completed"))
    );
    let mine = t
        .api(Method::GET, "/me/training", Some(&learner), None)
        .await
        .json();
    assert_eq!(mine["classes"][0]["class"]["status"], "completed");
    assert_eq!(mine["classes"][0]["me"]["outcome_label"], "合格");
}
