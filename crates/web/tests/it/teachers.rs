//! The teacher pool: entered by institutions, approved by their regulator, shared by
//! ID number across institutions, never booked into two overlapping classes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, id};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn pool_approval_sharing_and_double_booking() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let teacher_id = id("52010219800808888");
    let body = json!({"name": "刘老师", "id_number": teacher_id, "full_time": true, "subjects": "家政服务、烹饪", "level": "senior", "qualifications": "高级技师", "years_teaching": 12, "experience": "从事家政培训十二年"});
    let r = t
        .api(Method::POST, "/teachers", Some(&inst), Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let link = r.json()["link_id"].as_str().unwrap().to_string();
    let tid = r.json()["teacher_id"].as_str().unwrap().to_string();
    t.api(Method::POST, "/teachers", Some(&inst), Some(body.clone()))
        .await
        .problem(409);
    let mut bad = body.clone();
    bad["level"] = json!("guru");
    bad["years_teaching"] = json!(99);
    bad["id_number"] = json!(id("52010219810909999"));
    let p = t
        .api(Method::POST, "/teachers", Some(&inst), Some(bad))
        .await
        .problem(422);
    assert!(
        p["errors"].to_string().contains("师资等级")
            && p["errors"].to_string().contains("任教年限")
    );

    // A second institution (Zunyi) enters the same person: one teacher, two links.
    let zy = t.token("zy_institution").await;
    let r = t
        .api(Method::POST, "/teachers", Some(&zy), Some(body.clone()))
        .await;
    assert_eq!(r.json()["teacher_id"], tid.as_str());
    assert_eq!(r.json()["institutions"], 2);
    let mut wrong_name = body.clone();
    wrong_name["name"] = json!("别人");
    let p = t
        .api(Method::POST, "/teachers", Some(&inst), Some(wrong_name))
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("其他姓名"));
    // Enterprises do not enter teachers.
    t.api(
        Method::POST,
        "/teachers",
        Some(&t.token("enterprise").await),
        Some(body.clone()),
    )
    .await
    .problem(409);

    // Each link is decided by its own region's regulator.
    t.api(
        Method::POST,
        &format!("/teachers/{link}/decision"),
        Some(&t.token("zy_regulator").await),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(404);
    let nm = t.token("nm_regulator").await;
    assert_eq!(
        t.api(Method::GET, "/teachers?status=submitted", Some(&nm), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Not approved yet: cannot be booked.
    let classes = t
        .api(Method::GET, "/classes", Some(&inst), None)
        .await
        .json();
    let draft_like: Vec<String> = classes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    t.api(
        Method::POST,
        &format!("/classes/{}/teachers", draft_like[0]),
        Some(&inst),
        Some(json!({"teacher_id": tid})),
    )
    .await
    .problem(422);
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/teachers/{link}/decision"),
            Some(&nm),
            Some(json!({"action": "approve"}))
        )
        .await
        .json()["status"],
        "approved"
    );

    // The two demo classes run at the same time: the second booking is refused.
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/classes/{}/teachers", draft_like[0]),
            Some(&inst),
            Some(json!({"teacher_id": tid}))
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{}/teachers", draft_like[1]),
            Some(&inst),
            Some(json!({"teacher_id": tid})),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("时间冲突"), "{p}");
    t.api(
        Method::POST,
        &format!("/classes/{}/teachers", draft_like[0]),
        Some(&inst),
        Some(json!({"teacher_id": tid})),
    )
    .await
    .problem(409);
    // Another institution cannot book into this institution's class.
    t.api(
        Method::POST,
        &format!("/classes/{}/teachers", draft_like[0]),
        Some(&zy),
        Some(json!({"teacher_id": tid})),
    )
    .await
    .problem(404);
}

#[tokio::test]
async fn the_teacher_pages() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let mut inst = t.signed_in("institution").await;
    let tid = id("52010219750505555");
    let r = inst
        .post(
            "/teachers",
            &[
                ("name", "马老师"),
                ("id_number", &tid),
                ("level", "intermediate"),
                ("years_teaching", "x"),
                ("subjects", "烹饪"),
                ("qualifications", ""),
                ("experience", ""),
                ("full_time", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("任教年限"));
    let r = inst
        .post(
            "/teachers",
            &[
                ("name", "马老师"),
                ("id_number", &tid),
                ("level", "intermediate"),
                ("years_teaching", "8"),
                ("subjects", "烹饪"),
                ("qualifications", ""),
                ("experience", ""),
                ("full_time", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mut nm = t.signed_in("nm_regulator").await;
    let pool = nm.get("/teachers?status=submitted").await.text();
    assert!(pool.contains("马老师") && pool.contains("入库"));
    let link = t
        .api(
            Method::GET,
            "/teachers?status=submitted",
            Some(&t.token("nm_regulator").await),
            None,
        )
        .await
        .json()[0]["link_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        nm.post(
            &format!("/teachers/{link}/decision"),
            &[("action", "approve"), ("reason", "")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let classes = t
        .api(
            Method::GET,
            "/classes",
            Some(&t.token("institution").await),
            None,
        )
        .await
        .json();
    let ids: Vec<String> = classes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let teacher_id = t
        .api(
            Method::GET,
            "/teachers",
            Some(&t.token("institution").await),
            None,
        )
        .await
        .json()[0]["teacher_id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = inst.get(&format!("/classes/{}", ids[0])).await.text();
    assert!(page.contains("授课教师") && page.contains("马老师"));
    assert_eq!(
        inst.post(
            &format!("/classes/{}/teachers", ids[0]),
            &[("teacher_id", &teacher_id)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let clash = inst
        .post(
            &format!("/classes/{}/teachers", ids[1]),
            &[("teacher_id", &teacher_id)],
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert!(clash.text().contains("时间冲突"));
}
