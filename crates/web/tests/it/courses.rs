//! Course packages: a provider writes a package (refusals for every bad input, nothing
//! half-written), submits it, three levels of review decide it in turn (nobody out of
//! turn, nobody of the provider's own unit, nobody twice), it is listed, and a change is
//! a new version reviewed again while the listed one stays. Through the API and pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{PW, TestApp, pdf};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The first bytes of a PNG: enough for the server's content sniffing.
pub fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[0u8; 64]);
    b
}

pub fn package(name: &str) -> Value {
    json!({
        "name": name,
        "intro": "面向家政服务从业人员的母婴护理课程。",
        "audience": "拟从事或正在从事家政服务的劳动者",
        "content": "新生儿护理、产妇护理、营养膳食",
        "declared_hours": 1,
        "occupation_code": "4-10-01-06",
        "skill_level": 5,
        "training_type": "vocational_skill",
        "course_type": "skill",
        "price_yuan": "199.00"
    })
}

/// The province publishes the training project the test packages serve (4-10-01-06,
/// level 5), unless the catalogue has it already: submission needs one (seed 000 §1.1).
pub async fn serve_project(t: &TestApp) {
    let scope = jineng_core::occupations::TrainingScope {
        occupation: "4-10-01-06",
        work_type: "",
        level: 5,
    };
    if !t.app.catalogue().served_by(scope).await.unwrap().is_empty() {
        return;
    }
    t.app
        .catalogue()
        .publish(
            &jineng_app::context::Principal::system(),
            &jineng_app::context::RequestCtx::internal("test", "test"),
            jineng_app::catalogue::ProjectInput {
                occupation_code: "4-10-01-06".into(),
                work_type_id: None,
                skill_level: 5,
                training_type: "vocational_skill".into(),
                business_category: "employment_skill".into(),
                theory_hours: 40,
                practice_hours: 80,
                subsidy: jineng_core::Fen(120_000),
            },
        )
        .await
        .unwrap();
}

/// A package with one chapter, a 45-minute text lesson, a cover and a copyright proof,
/// ready to submit. Returns (package id, version id).
pub async fn ready_package(t: &TestApp, tok: &str, name: &str) -> (String, String) {
    ready_package_from(t, tok, package(name)).await
}

/// `ready_package` from a package's fields as sent.
pub async fn ready_package_from(t: &TestApp, tok: &str, body: Value) -> (String, String) {
    serve_project(t).await;
    let r = t.api(Method::POST, "/courses", Some(tok), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let d = r.json();
    let pid = d["package"]["id"].as_str().unwrap().to_string();
    let vid = d["current"]["id"].as_str().unwrap().to_string();
    let v = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/chapters"),
            Some(tok),
            Some(json!({"title": "第一章 新生儿护理"})),
        )
        .await
        .json();
    let chapter = v["chapters"][0]["id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/lessons"),
            Some(tok),
            Some(json!({"chapter_id": chapter, "title": "新生儿洗澡", "body": "水温38至40摄氏度。", "minutes": 45, "preview": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    for (kind, bytes) in [("cover", png()), ("copyright", pdf())] {
        let r = t
            .raw_api(
                Method::PUT,
                &format!("/course-versions/{vid}/files/{kind}?filename={kind}.bin"),
                tok,
                "application/octet-stream",
                bytes,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    fill_bank(t, tok, &vid, 0..5).await;
    (pid, vid)
}

/// A valid question numbered `n` (its stem is unique by the number).
pub fn question(n: usize) -> Value {
    match n % 3 {
        0 => {
            json!({"kind": "single", "stem": format!("第{n}题：新生儿洗澡的适宜水温是？"), "options": ["30至32℃", "38至40℃", "45至50℃"], "answer": "B", "explanation": "38至40℃为宜。", "knowledge_point": "新生儿洗澡", "difficulty": "easy"})
        }
        1 => {
            json!({"kind": "multiple", "stem": format!("第{n}题：产妇饮食应做到哪些？"), "options": ["少量多餐", "荤素搭配", "大量饮酒"], "answer": "AB", "explanation": "少量多餐、荤素搭配。", "knowledge_point": "产妇膳食"})
        }
        _ => {
            json!({"kind": "judge", "stem": format!("第{n}题：脐带脱落前可以盆浴。"), "answer": "错误", "explanation": "脐带脱落前宜擦浴。", "knowledge_point": "脐带护理", "difficulty": "hard"})
        }
    }
}

/// Add questions numbered `ns` to a version's bank through the API.
pub async fn fill_bank(t: &TestApp, tok: &str, vid: &str, ns: std::ops::Range<usize>) {
    for i in ns {
        let r = t
            .api(
                Method::POST,
                &format!("/course-versions/{vid}/questions"),
                Some(tok),
                Some(question(i)),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
}

/// The operator puts the demo experts in a group covering major category 4, led by
/// the demo leader; returns the leader's expert id.
pub async fn expert_group(t: &TestApp) {
    let op = t.token("operator").await;
    let r = t
        .api(
            Method::POST,
            "/experts",
            Some(&op),
            Some(json!({"username": "expert_leader", "unit_name": "贵州职业技术学院", "title": "教授", "specialities": ["4"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let leader = r.json()["id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            "/expert-groups",
            Some(&op),
            Some(json!({"name": "生活服务专家组", "leader_id": leader, "categories": ["4"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let group = r.json()["id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            "/experts",
            Some(&op),
            Some(json!({"username": "expert", "unit_name": "贵州省家政协会", "specialities": ["4"], "group_id": group})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

fn all_ticked() -> Value {
    json!(jineng_core::courses::REVIEW_CHECKLIST)
}

#[tokio::test]
async fn bad_packages_are_refused_and_nothing_is_written() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    let tok = t.token("provider").await;
    let learner = t.token("learner").await;
    let before = t.audit_count().await;
    for (field, change) in [
        ("occupation_code", json!({"occupation_code": "9-99-99-99"})),
        ("price_yuan", json!({"price_yuan": "-1"})),
        ("price_yuan", json!({"price_yuan": "abc"})),
        (
            "price_yuan",
            json!({"training_type": "public_welfare", "price_yuan": "10"}),
        ),
        ("declared_hours", json!({"declared_hours": 0})),
        ("name", json!({"name": "课"})),
        ("offline", json!({"offline": true})),
        ("training_type", json!({"training_type": null})),
    ] {
        let mut body = package("母婴护理课程");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let p = t
            .api(Method::POST, "/courses", Some(&tok), Some(body))
            .await
            .problem(422);
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{field}: {p}"
        );
    }
    // A learner may not write packages; an unknown enum is a field error.
    t.api(
        Method::POST,
        "/courses",
        Some(&learner),
        Some(package("母婴护理课程")),
    )
    .await
    .problem(403);
    let mut bad = package("母婴护理课程");
    bad["course_type"] = json!("cooking");
    t.api(Method::POST, "/courses", Some(&tok), Some(bad))
        .await
        .problem(422);
    assert_eq!(t.audit_count().await, before, "nothing was written");

    // Inside a draft: names twice, lessons without time, kinds that need a file.
    let (pid, vid) = ready_package(&t, &tok, "母婴护理课程").await;
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let chapter = v["chapters"][0]["id"].as_str().unwrap().to_string();
    let p = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/lessons"),
            Some(&tok),
            Some(json!({"chapter_id": chapter, "title": "新生儿洗澡", "body": "重复", "minutes": 10})),
        )
        .await
        .problem(422);
    assert!(p.to_string().contains("课时名称不能重复"), "{p}");
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/chapters"),
        Some(&tok),
        Some(json!({"title": "第一章 新生儿护理"})),
    )
    .await
    .problem(422);
    for body in [
        json!({"chapter_id": chapter, "title": "无时长", "body": "内容"}),
        json!({"chapter_id": chapter, "title": "视频", "kind": "video", "minutes": 5}),
        json!({"chapter_id": "nope", "title": "别处", "body": "内容", "minutes": 5}),
    ] {
        t.api(
            Method::POST,
            &format!("/course-versions/{vid}/lessons"),
            Some(&tok),
            Some(body),
        )
        .await
        .problem(422);
    }
    // Files are judged by their bytes.
    let r = t
        .raw_api(
            Method::PUT,
            &format!("/course-versions/{vid}/files/cover?filename=a.png"),
            &tok,
            "image/png",
            pdf(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Another provider's token cannot see or touch it.
    let inst = t.token("institution").await;
    t.api(Method::GET, &format!("/courses/{pid}"), Some(&inst), None)
        .await
        .problem(404);
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/chapters"),
        Some(&inst),
        Some(json!({"title": "插入"})),
    )
    .await
    .problem(404);

    // Hours that do not add up stop the submission, and say both figures.
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/lessons"),
        Some(&tok),
        Some(json!({"chapter_id": chapter, "title": "产妇护理", "body": "内容", "minutes": 45})),
    )
    .await;
    let p = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await
        .problem(422);
    assert!(p.to_string().contains("课时合计2学时"), "{p}");
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(v["status"], "draft");
}

#[tokio::test]
async fn sensitive_words_block_and_are_named() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    let op = t.token("operator").await;
    let r = t
        .api(
            Method::PUT,
            "/course-words",
            Some(&op),
            Some(json!({"words": "赌博\n代开发票\n"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["count"], 2);
    let tok = t.token("provider").await;
    t.api(
        Method::PUT,
        "/course-words",
        Some(&tok),
        Some(json!({"words": ""})),
    )
    .await
    .problem(403);
    let mut body = package("母婴护理课程");
    body["intro"] = json!("本课程教你网上赌 博");
    let p = t
        .api(Method::POST, "/courses", Some(&tok), Some(body))
        .await
        .problem(422);
    assert!(p.to_string().contains("敏感词：赌博"), "{p}");
    // A word added after a draft was written stops its submission, naming where.
    let (_, vid) = ready_package(&t, &tok, "母婴护理课程").await;
    t.api(
        Method::PUT,
        "/course-words",
        Some(&op),
        Some(json!({"words": "赌博\n洗澡"})),
    )
    .await;
    let p = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await
        .problem(422);
    assert!(
        p.to_string().contains("课时“新生儿洗澡”含有敏感词：洗澡"),
        "{p}"
    );
}

async fn decide(t: &TestApp, who: &str, vid: &str, body: Value) -> crate::common::Resp {
    let tok = t.token(who).await;
    t.api(
        Method::POST,
        &format!("/course-reviews/{vid}"),
        Some(&tok),
        Some(body),
    )
    .await
}

fn queue_has(q: &Value, vid: &str) -> bool {
    q.as_array().unwrap().iter().any(|i| i["version_id"] == vid)
}

#[tokio::test]
async fn three_levels_in_turn_then_listed_and_versioned() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    expert_group(&t).await;
    let tok = t.token("provider").await;
    let (pid, vid) = ready_package(&t, &tok, "母婴护理（初级）").await;
    let v = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    let v = v.json();
    assert_eq!(v["status"], "in_review");
    assert_eq!(v["review_level"], 1);
    assert_eq!(v["review_levels"], 3);
    // Submitted means frozen.
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/chapters"),
        Some(&tok),
        Some(json!({"title": "追加"})),
    )
    .await
    .problem(409);

    // Level 1 is the expert's: in the expert's queue, not the province regulator's.
    let expert = t.token("expert").await;
    let q = t
        .api(Method::GET, "/course-reviews", Some(&expert), None)
        .await
        .json();
    assert!(queue_has(&q, &vid), "{q}");
    let gz = t.token("gz_regulator").await;
    let q = t
        .api(Method::GET, "/course-reviews", Some(&gz), None)
        .await
        .json();
    assert!(!queue_has(&q, &vid), "{q}");
    // Out of turn, from outside the flow, from the provider itself: refused. (Regulators
    // see the packages of their region, so they are told it is not their level.)
    let p = decide(
        &t,
        "gz_regulator",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await
    .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("第1级（专家初审）"),
        "{p}"
    );
    decide(
        &t,
        "provider",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await
    .problem(403);
    decide(
        &t,
        "nm_regulator",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await
    .problem(409);
    decide(
        &t,
        "learner",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await
    .problem(403);
    // Passing needs the whole checklist; returning needs comments.
    let p = decide(
        &t,
        "expert",
        &vid,
        json!({"decision": "pass", "checklist": ["版权证明真实有效"]}),
    )
    .await
    .problem(422);
    assert!(p.to_string().contains("逐项确认"), "{p}");
    decide(&t, "expert", &vid, json!({"decision": "return"}))
        .await
        .problem(422);
    // The expert sees everything a reviewer judges, the copyright proof included.
    let item = t
        .api(
            Method::GET,
            &format!("/course-reviews/{vid}"),
            Some(&expert),
            None,
        )
        .await
        .json();
    assert_eq!(item["may_decide"], true);
    assert_eq!(
        item["version"]["chapters"][0]["lessons"][0]["title"],
        "新生儿洗澡"
    );
    let r = t
        .send(
            axum::http::Request::get(format!("/api/v1/course-versions/{vid}/files/copyright"))
                .header("authorization", format!("Bearer {expert}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // Level 1 passes; the expert cannot take level 2 as well.
    let r = decide(
        &t,
        "expert",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked(), "comments": "内容规范"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"]["review_level"], 2);
    decide(
        &t,
        "expert",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await
    .problem(409);
    // Level 2: the group leader. Then level 3: the province's regulator.
    let r = decide(
        &t,
        "expert_leader",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"]["review_level"], 3);
    let q = t
        .api(Method::GET, "/course-reviews", Some(&gz), None)
        .await
        .json();
    assert!(queue_has(&q, &vid), "{q}");
    let r = decide(
        &t,
        "gz_regulator",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let done = r.json();
    assert_eq!(done["version"]["status"], "approved");
    assert_eq!(done["history"].as_array().unwrap().len(), 3);
    let d = t
        .api(Method::GET, &format!("/courses/{pid}"), Some(&tok), None)
        .await
        .json();
    assert_eq!(d["package"]["listing"], "listed");
    assert_eq!(d["package"]["listed_version_id"], vid.as_str());

    // Approved is frozen; a change is a new version, copied, while version 1 stays listed.
    t.api(
        Method::PUT,
        &format!("/course-versions/{vid}"),
        Some(&tok),
        Some(package("母婴护理（初级）第二版")),
    )
    .await
    .problem(409);
    let r = t
        .api(
            Method::POST,
            &format!("/courses/{pid}/versions"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let d = r.json();
    let v2 = d["current"]["id"].as_str().unwrap().to_string();
    assert_ne!(v2, vid);
    assert_eq!(d["current"]["number"], 2);
    assert_eq!(d["current"]["status"], "draft");
    assert_eq!(
        d["current"]["chapters"][0]["lessons"][0]["title"],
        "新生儿洗澡"
    );
    assert_eq!(d["current"]["has_cover"], true);
    assert_eq!(d["package"]["listed_version_id"], vid.as_str());
    // Only one open version at a time.
    t.api(
        Method::POST,
        &format!("/courses/{pid}/versions"),
        Some(&tok),
        None,
    )
    .await
    .problem(409);
    // Version 2 through review supersedes version 1.
    t.api(
        Method::POST,
        &format!("/course-versions/{v2}/submit"),
        Some(&tok),
        None,
    )
    .await;
    for who in ["expert", "expert_leader", "gz_regulator"] {
        let r = decide(
            &t,
            who,
            &v2,
            json!({"decision": "pass", "checklist": all_ticked()}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
    }
    let d = t
        .api(Method::GET, &format!("/courses/{pid}"), Some(&tok), None)
        .await
        .json();
    assert_eq!(d["package"]["listed_version_id"], v2.as_str());
    let statuses: Vec<&str> = d["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["approved", "superseded"]);
}

#[tokio::test]
async fn returns_reach_the_provider_and_conflicts_are_kept_out() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    expert_group(&t).await;
    let tok = t.token("provider").await;
    let (pid, vid) = ready_package(&t, &tok, "育婴员基础").await;
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/submit"),
        Some(&tok),
        None,
    )
    .await;
    // An expert from the provider's own unit: never sees it, cannot decide it.
    let op = t.token("operator").await;
    let provider_code = t
        .api(
            Method::GET,
            &format!("/orgs/{}", t.org_id_of("provider").await),
            Some(&op),
            None,
        )
        .await
        .json()["credit_code"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = t.token("admin").await;
    let r = t
        .api(
            Method::POST,
            "/users",
            Some(&admin),
            Some(json!({"username": "insider", "display_name": "王专家", "password": PW, "must_change_password": false, "roles": [{"role": "expert"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let groups = t
        .api(Method::GET, "/expert-groups", Some(&op), None)
        .await
        .json();
    let group = groups[0]["id"].as_str().unwrap();
    let r = t
        .api(
            Method::POST,
            "/experts",
            Some(&op),
            Some(json!({"username": "insider", "unit_name": "黔课数字课程中心", "unit_credit_code": provider_code, "group_id": group})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let insider = t.token("insider").await;
    let q = t
        .api(Method::GET, "/course-reviews", Some(&insider), None)
        .await
        .json();
    assert!(!queue_has(&q, &vid), "{q}");
    decide(
        &t,
        "insider",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await
    .problem(404);

    // The expert returns it; the provider reads why, fixes it and submits round 2.
    let r = decide(
        &t,
        "expert",
        &vid,
        json!({"decision": "return", "comments": "请补充实操演示视频"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"]["status"], "returned");
    let reviews = t
        .api(
            Method::GET,
            &format!("/courses/{pid}/reviews"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(reviews[0]["comments"], "请补充实操演示视频");
    assert_eq!(reviews[0]["decision"], "return");
    let r = t
        .api(
            Method::PUT,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            Some(package("育婴员基础（修订）")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Round 2 starts at level 1 again, and the same expert may review it.
    let r = decide(
        &t,
        "expert",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["history"].as_array().unwrap().len(), 2);

    // The review record exports for the operator.
    let mut b = t.signed_in("operator").await;
    let x = b.get("/course-reviews/export").await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = crate::common::read_xlsx(&x.body);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.contains(&"请补充实操演示视频".to_string()))
    );
}

/// The whole path on pages: the provider writes and submits, the reviewers decide.
#[tokio::test]
async fn the_path_through_the_pages() {
    let t = TestApp::new().await;
    expert_group(&t).await;
    let mut p = t.signed_in("provider").await;
    let page = p.get("/courses").await.text();
    assert!(page.contains("新建课程包"), "{page}");
    let r = p
        .post(
            "/courses",
            &[
                ("name", "家庭保洁实务"),
                ("intro", "家庭保洁的工具与流程"),
                ("audience", "家政服务员"),
                ("content", "工具、流程、安全"),
                ("declared_hours", "1"),
                ("occupation_code", "4-10-01-06"),
                ("skill_level", "5"),
                ("training_type", "vocational_skill"),
                ("course_type", "skill"),
                ("price_yuan", "99"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let at = r.location();
    let page = p.get(&at).await.text();
    assert!(page.contains("课程包已创建"), "{page}");
    // A bad form comes back with the reason beside it.
    let r = p
        .post(
            "/courses",
            &[("name", "家庭保洁实务"), ("declared_hours", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("总学时"), "{}", r.text());
}

/// Two reviewers qualified for the same level decide at once: one decision is kept, the
/// other is told the level was just decided; two "new version" presses make one draft.
#[tokio::test]
async fn racing_reviewers_and_double_presses_count_once() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    expert_group(&t).await;
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "养老护理基础").await;
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/submit"),
        Some(&tok),
        None,
    )
    .await;
    // Both decide the level they saw (1): had the leader's press been taken after the
    // expert's, it would otherwise have decided level 2 unseen.
    let (a, b) = tokio::join!(
        decide(
            &t,
            "expert",
            &vid,
            json!({"decision": "pass", "checklist": all_ticked(), "level": 1})
        ),
        decide(
            &t,
            "expert_leader",
            &vid,
            json!({"decision": "pass", "checklist": all_ticked(), "level": 1})
        ),
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409], "{} / {}", a.text(), b.text());
    let item = t
        .api(
            Method::GET,
            &format!("/course-reviews/{vid}"),
            Some(&t.token("operator").await),
            None,
        )
        .await
        .json();
    assert_eq!(item["history"].as_array().unwrap().len(), 1, "{item}");
    assert_eq!(item["version"]["review_level"], 2);
    // Whoever won, the expert (who may not decide level 2) pressing again is told 409,
    // never 404: had the leader won, the version is out of the expert's sight by now.
    let again = decide(
        &t,
        "expert",
        &vid,
        json!({"decision": "pass", "checklist": all_ticked()}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    // The order where the leader wins, forced: the expert comes second and is told 409.
    let (_, v3) = ready_package(&t, &tok, "养老护理实训").await;
    t.api(
        Method::POST,
        &format!("/course-versions/{v3}/submit"),
        Some(&tok),
        None,
    )
    .await;
    let pass = json!({"decision": "pass", "checklist": all_ticked()});
    let first = decide(&t, "expert_leader", &v3, pass.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let late = decide(&t, "expert", &v3, pass).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text());
    // The leader, who may decide level 2, pressing again for the level 1 it saw: refused,
    // not taken as a decision on level 2.
    let stale = decide(
        &t,
        "expert_leader",
        &v3,
        json!({"decision": "pass", "checklist": all_ticked(), "level": 1}),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
    assert!(late.text().contains("其他审核人"), "{}", late.text());
    // Another package through its review, then "new version" pressed twice at once.
    let (pid, vid) = ready_package(&t, &tok, "养老护理进阶").await;
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/submit"),
        Some(&tok),
        None,
    )
    .await;
    for who in ["expert", "expert_leader", "gz_regulator"] {
        let r = decide(
            &t,
            who,
            &vid,
            json!({"decision": "pass", "checklist": all_ticked()}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
    }
    let path = format!("/courses/{pid}/versions");
    let (x, y) = tokio::join!(
        t.api(Method::POST, &path, Some(&tok), None),
        t.api(Method::POST, &path, Some(&tok), None),
    );
    let mut codes = [x.status.as_u16(), y.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 409], "{} / {}", x.text(), y.text());
    let d = t
        .api(Method::GET, &format!("/courses/{pid}"), Some(&tok), None)
        .await
        .json();
    assert_eq!(d["versions"].as_array().unwrap().len(), 2, "{d}");
}

#[tokio::test]
async fn lessons_and_chapters_come_out_of_a_draft() {
    let t = TestApp::new().await;
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "收纳整理").await;
    let v = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let chapter = v["chapters"][0]["id"].as_str().unwrap().to_string();
    let lesson = v["chapters"][0]["lessons"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A chapter holding a lesson stays.
    t.api(
        Method::DELETE,
        &format!("/course-versions/{vid}/chapters/{chapter}"),
        Some(&tok),
        None,
    )
    .await
    .problem(409);
    let v = t
        .api(
            Method::DELETE,
            &format!("/course-versions/{vid}/lessons/{lesson}"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    assert_eq!(v.json()["lesson_hours"], "0");
    let v = t
        .api(
            Method::DELETE,
            &format!("/course-versions/{vid}/chapters/{chapter}"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    assert_eq!(v.json()["chapters"].as_array().unwrap().len(), 0);
}

/// The demo province's course resources: a dozen listed packages from two providers, one
/// package at each stage of review, experts in a group; public lists agree.
#[tokio::test]
async fn the_demo_has_listed_packages_and_one_at_each_stage() {
    let t = TestApp::new().await;
    jineng_demo::courses(&t.app).await.unwrap();
    // Running it again changes nothing.
    jineng_demo::courses(&t.app).await.unwrap();
    let op = t.token("operator").await;
    let listed = t
        .api(
            Method::GET,
            "/courses?listing=listed&per_page=100",
            Some(&op),
            None,
        )
        .await
        .json();
    assert_eq!(listed["total"], 13, "{listed}");
    let orgs: std::collections::HashSet<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["org_name"].as_str().unwrap())
        .collect();
    assert_eq!(orgs.len(), 2, "{orgs:?}");
    let all = t
        .api(Method::GET, "/courses?per_page=100", Some(&op), None)
        .await
        .json();
    assert_eq!(all["total"], 17);
    for (who, waiting) in [("expert", 1), ("expert_leader", 2), ("gz_regulator", 1)] {
        let q = t
            .api(
                Method::GET,
                "/course-reviews",
                Some(&t.token(who).await),
                None,
            )
            .await
            .json();
        // The leader may also take level 1 as an expert of the group.
        assert_eq!(q.as_array().unwrap().len(), waiting, "{who}: {q}");
    }
    let experts = t.api(Method::GET, "/experts", Some(&op), None).await.json();
    assert_eq!(experts.as_array().unwrap().len(), 2);
    // Each provider's first listed package opens with a video and a handout to preview,
    // and every package carries the question bank it needs.
    let mut previews = Vec::new();
    for p in listed["items"].as_array().unwrap() {
        let d = t
            .api(
                Method::GET,
                &format!("/courses/{}", p["id"].as_str().unwrap()),
                Some(&op),
                None,
            )
            .await
            .json();
        for l in d["current"]["chapters"][0]["lessons"].as_array().unwrap() {
            if l["media_status"] == "ready" {
                previews.push(l["kind"].as_str().unwrap().to_string());
            }
        }
        let vid = d["current"]["id"].as_str().unwrap();
        let bank = t
            .api(
                Method::GET,
                &format!("/course-versions/{vid}/questions"),
                Some(&op),
                None,
            )
            .await
            .json();
        assert!(
            bank["count"].as_u64() >= bank["required"].as_u64(),
            "{bank}"
        );
    }
    previews.sort();
    // (The free public-welfare course opens with a video and a handout too, for
    // self-study.)
    assert_eq!(
        previews,
        [
            "document", "document", "document", "video", "video", "video"
        ]
    );
}

/// Pass a submitted version through the three default levels.
pub async fn decide_all(t: &TestApp, vid: &str) {
    for who in ["expert", "expert_leader", "gz_regulator"] {
        let r = decide(
            t,
            who,
            vid,
            json!({"decision": "pass", "checklist": all_ticked()}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
    }
}

/// The public catalogue: Chinese words, the occupation tree, free courses; a delisted
/// package leaves it at the next search and comes back when relisted; nothing unlisted
/// is shown to anyone.
#[tokio::test]
async fn the_catalogue_finds_listed_courses_in_chinese() {
    let t = TestApp::new().await;
    jineng_demo::courses_with(&t.app, jineng_demo::Media::LeftOut)
        .await
        .unwrap();
    let search = |q: &'static str| {
        let t = &t;
        async move {
            let r = t
                .api(Method::GET, &format!("/course-catalogue?{q}"), None, None)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
            r.json()
        }
    };
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    let all = search("per_page=50").await;
    assert_eq!(all["total"], 13, "only the listed ones");
    // "护理" is a word inside 母婴护理, 生活照料 courses of 养老护理员 and others.
    let r = search("q=%E6%8A%A4%E7%90%86").await;
    let found = names(&r);
    assert!(found.iter().any(|n| n.contains("养老护理员")), "{found:?}");
    assert!(found.iter().all(|n| !n.contains("电工")), "{found:?}");
    // 刀工 is in one course's name and outline.
    let r = search("q=%E5%88%80%E5%B7%A5").await;
    assert_eq!(names(&r), ["中式烹调师（初级）刀工与火候"]);
    // The occupation tree: 4-03 (餐饮服务人员) holds the four cooking courses.
    assert_eq!(search("occupation=4-03").await["total"], 4);
    assert_eq!(search("occupation=6").await["total"], 1);
    let free = search("free=true").await;
    assert_eq!(names(&free), ["职业素养与安全生产（公益）"]);
    t.api(Method::GET, "/course-catalogue?max_price=abc", None, None)
        .await
        .problem(422);
    // Delisted: gone at the next search, back when relisted; a reason is required.
    let id = r["items"][0]["id"].as_str().unwrap().to_string();
    let op = t.token("operator").await;
    t.api(
        Method::POST,
        &format!("/courses/{id}/listing"),
        Some(&op),
        Some(json!({"action": "delist"})),
    )
    .await
    .problem(422);
    let provider = t.token("provider_b").await;
    t.api(
        Method::POST,
        &format!("/courses/{id}/listing"),
        Some(&provider),
        Some(json!({"action": "delist", "reason": "自行下架"})),
    )
    .await
    .problem(403);
    let d = t
        .api(
            Method::POST,
            &format!("/courses/{id}/listing"),
            Some(&op),
            Some(json!({"action": "delist", "reason": "教材内容待更新"})),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    assert_eq!(d.json()["package"]["listing"], "delisted");
    assert_eq!(search("q=%E5%88%80%E5%B7%A5").await["total"], 0);
    t.api(Method::GET, &format!("/course-catalogue/{id}"), None, None)
        .await
        .problem(404);
    t.api(
        Method::POST,
        &format!("/courses/{id}/listing"),
        Some(&op),
        Some(json!({"action": "relist", "reason": "教材已更新"})),
    )
    .await;
    assert_eq!(search("q=%E5%88%80%E5%B7%A5").await["total"], 1);
    // The public pages, signed in or not.
    let mut anyone = t.browser();
    let page = anyone.get("/course-catalogue?q=%E5%88%80%E5%B7%A5").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("中式烹调师（初级）刀工与火候"),
        "{}",
        page.text()
    );
    let page = anyone.get(&format!("/course-catalogue/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("火候的识别与运用"));
    let cover = anyone.get(&format!("/course-catalogue/{id}/cover")).await;
    assert_eq!(cover.status, StatusCode::OK);
    assert!(cover.body.starts_with(b"\x89PNG"));
    // A package in review is not in the public catalogue.
    let all_ops = t
        .api(
            Method::GET,
            "/courses?listing=unlisted&per_page=50",
            Some(&op),
            None,
        )
        .await
        .json();
    let unlisted = all_ops["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        anyone
            .get(&format!("/course-catalogue/{unlisted}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The system admin rebuilds the index on demand.
    let r = t
        .api(
            Method::POST,
            "/course-catalogue/reindex",
            Some(&t.token("admin").await),
            None,
        )
        .await;
    assert_eq!(r.json()["documents"], 13);
}

/// An institution sees, on its class's page, the listed packages of the class's
/// occupation and level.
#[tokio::test]
async fn a_class_page_lists_the_packages_that_fit_it() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    jineng_demo::courses_with(&t.app, jineng_demo::Media::LeftOut)
        .await
        .unwrap();
    let inst = t.token("institution").await;
    let classes = t
        .api(Method::GET, "/classes?per_page=50", Some(&inst), None)
        .await
        .json();
    let housekeeping = classes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["project_name"]
                .as_str()
                .unwrap_or("")
                .contains("家政服务员")
        })
        .unwrap_or_else(|| panic!("{classes}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut b = t.signed_in("institution").await;
    let page = b.get(&format!("/classes/{housekeeping}")).await.text();
    assert!(page.contains("可选课程包"), "{page}");
    // 4-10-01-06 at level 5: the 初级 course fits, the 中级 one (level 4) does not, and
    // the public-welfare course without a level fits every level.
    assert!(page.contains("家政服务员（初级）母婴护理"), "{page}");
    assert!(!page.contains("家政服务员（中级）居家保洁与收纳"), "{page}");
    assert!(page.contains("职业素养与安全生产（公益）"), "{page}");
    assert!(!page.contains("电工"), "{page}");
}

/// Found by fuzzing: extreme numbers in a catalogue search, and a huge sensitive-word
/// list, answer 422 problems with their type and title (not a 500, not a bare body).
#[tokio::test]
async fn extreme_inputs_get_clear_refusals() {
    let t = TestApp::new().await;
    for q in [
        "level=-9223372036854775808",
        "min_hours=-9223372036854775808",
        "max_hours=9223372036854775807",
        "level=6",
    ] {
        let p = t
            .api(Method::GET, &format!("/course-catalogue?{q}"), None, None)
            .await
            .problem(422);
        assert!(p["type"].is_string(), "{q}: {p}");
    }
    let op = t.token("operator").await;
    let p = t
        .api(
            Method::PUT,
            "/course-words",
            Some(&op),
            Some(json!({"words": "a".repeat(999_000)})),
        )
        .await
        .problem(422);
    assert!(p["title"].is_string(), "{p}");
    assert!(p.to_string().len() < 2000, "the word is not echoed whole");
}

/// Found by an attacker's probe: a county regulator could change the province's review
/// flows and expert pool; query syntax in a catalogue search answered 500.
#[tokio::test]
async fn province_wide_settings_and_query_syntax() {
    let t = TestApp::new().await;
    expert_group(&t).await;
    let nm = t.token("nm_regulator").await;
    t.api(
        Method::PUT,
        "/course-flows/skill",
        Some(&nm),
        Some(json!({"levels": 1})),
    )
    .await
    .problem(403);
    t.api(
        Method::POST,
        "/expert-groups",
        Some(&nm),
        Some(json!({"name": "县级专家组"})),
    )
    .await
    .problem(403);
    t.api(Method::GET, "/experts", Some(&nm), None)
        .await
        .problem(403);
    let gz = t.token("gz_regulator").await;
    let r = t
        .api(
            Method::PUT,
            "/course-flows/skill",
            Some(&gz),
            Some(json!({"levels": 2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for q in ["title:*", "name:*", "*:*", "intro:[a TO z]", "((((", "\""] {
        let enc = serde_urlencoded::to_string([("q", q)]).unwrap();
        let r = t
            .api(Method::GET, &format!("/course-catalogue?{enc}"), None, None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
    }
}

/// The question import template's columns filled with `rows` (each padded to 14 cells).
fn bank_xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in jineng_core::courses::questions::SHEET_HEADERS
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn single(stem: &str, options: [&str; 3], answer: &str) -> Vec<&'static str> {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    vec![
        "单选题",
        leak(stem),
        leak(options[0]),
        leak(options[1]),
        leak(options[2]),
        "",
        "",
        "",
        "",
        "",
        leak(answer),
        "解析说明",
        "知识点",
        "中",
    ]
}

/// A bank is written by the API and by a sheet: bad questions are refused by name and
/// nothing is written, a sheet with one bad row adds nothing and names each bad row, an
/// export reads back in, the operator's minimum holds back a submission, reviewers see
/// the answers and the catalogue never does, and a submitted bank is frozen.
#[tokio::test]
async fn a_question_bank_by_api_and_sheet() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    expert_group(&t).await;
    let tok = t.token("provider").await;
    let (pid, vid) = ready_package(&t, &tok, "母婴护理题库").await;
    let path = format!("/course-versions/{vid}/questions");
    let bank = t.api(Method::GET, &path, Some(&tok), None).await.json();
    assert_eq!(
        (bank["count"].as_u64(), bank["required"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(
        bank["questions"][0]["options"][1]["correct"], true,
        "{bank}"
    );
    // Questions that cannot be right.
    for (body, field, words) in [
        (
            json!({"kind": "single", "stem": "甲", "options": ["一", "二", "三"], "answer": "D", "explanation": "x", "knowledge_point": "x"}),
            "answer",
            "答案D不在选项中（共3个选项）",
        ),
        (
            json!({"kind": "multiple", "stem": "乙", "options": ["一", "二"], "answer": "", "explanation": "x", "knowledge_point": "x"}),
            "answer",
            "请填写正确答案",
        ),
        (
            json!({"kind": "judge", "stem": "丙", "options": ["对", "错", "不知道"], "answer": "正确", "explanation": "x", "knowledge_point": "x"}),
            "options",
            "判断题不填选项",
        ),
        (
            json!({"stem": "丁", "answer": "A", "explanation": "", "knowledge_point": "x"}),
            "kind",
            "请选择题型",
        ),
        (question(0), "stem", "题库中已有相同题干的题目"),
    ] {
        let r = t.api(Method::POST, &path, Some(&tok), Some(body)).await;
        let p = r.problem(422);
        let e = p["errors"].as_array().unwrap();
        assert!(
            e.iter()
                .any(|e| e["field"] == field && e["message"].as_str().unwrap().contains(words)),
            "{p}"
        );
    }
    // A sheet with two bad rows among good ones adds nothing and names both rows.
    let import = format!("/course-versions/{vid}/questions/import");
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let bad = bank_xlsx(&[
        &single("新题一", ["一", "二", "三"], "A"),
        &single("新题二", ["一", "二", "三"], "E"),
        &single("第0题：新生儿洗澡的适宜水温是？", ["一", "二", "三"], "A"),
        &single("新题一", ["一", "二", "三"], "B"),
    ]);
    let r = t.raw_api(Method::POST, &import, &tok, xlsx, bad).await;
    let p = r.problem(422);
    let fields: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("rows[3].answer", "第3行：答案E不在选项中（共3个选项）"),
            ("rows[4].stem", "第4行：题库中已有相同题干的题目"),
            ("rows[5].stem", "第5行：题干与第2行重复"),
        ],
        "{p}"
    );
    let bank = t.api(Method::GET, &path, Some(&tok), None).await.json();
    assert_eq!(bank["count"], 5, "nothing half-written");
    // Not a spreadsheet at all.
    let r = t
        .raw_api(Method::POST, &import, &tok, xlsx, b"%PDF-1.4 nope".to_vec())
        .await;
    assert!(
        r.problem(422)["detail"].as_str().unwrap().contains("xlsx"),
        "{}",
        r.text()
    );
    let good = bank_xlsx(&[
        &single("新题一", ["一", "二", "三"], "A"),
        &[
            "多选",
            "新题二",
            "一",
            "二",
            "三",
            "四",
            "",
            "",
            "",
            "",
            "b,d",
            "解析",
            "知识点",
            "难",
        ],
        &[
            "判断",
            "新题三",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "对",
            "解析",
            "知识点",
            "",
        ],
    ]);
    let r = t.raw_api(Method::POST, &import, &tok, xlsx, good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["added"], 3);
    assert_eq!(r.json()["bank"]["count"], 8);
    // The export holds every question in the template's columns and imports elsewhere.
    let r = t
        .api(Method::GET, &format!("{path}/export"), Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let rows = crate::common::read_xlsx(&r.body);
    assert_eq!(rows.len(), 9);
    assert_eq!(rows[7][10], "BD", "{:?}", rows[7]);
    assert_eq!(rows[8][10], "正确", "{:?}", rows[8]);
    let (_, other) = ready_package(&t, &tok, "母婴护理题库（副本）").await;
    let r = t
        .raw_api(
            Method::POST,
            &format!("/course-versions/{other}/questions/import"),
            &tok,
            xlsx,
            r.body.clone(),
        )
        .await;
    // Its five generated questions are in the other bank already; the three new ones are not.
    let p = r.problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 5, "{p}");
    // Sensitive words reach questions too.
    let op = t.token("operator").await;
    t.api(
        Method::PUT,
        "/course-words",
        Some(&op),
        Some(json!({"words": "赌博"})),
    )
    .await;
    let mut q = question(9);
    q["explanation"] = json!("不得赌 博");
    let p = t
        .api(Method::POST, &path, Some(&tok), Some(q))
        .await
        .problem(422);
    assert!(p.to_string().contains("答案解析含有敏感词：赌博"), "{p}");
    // The operator's minimum holds the submission back, by number.
    let r = t
        .api(
            Method::PUT,
            "/course-settings",
            Some(&op),
            Some(json!({"questions_per_hour": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = t
        .api(
            Method::PUT,
            "/course-settings",
            Some(&tok),
            Some(json!({"questions_per_hour": 0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let submit = format!("/course-versions/{vid}/submit");
    let p = t
        .api(Method::POST, &submit, Some(&tok), None)
        .await
        .problem(422);
    assert!(
        p.to_string()
            .contains("题库至少需要10道题（1学时 × 每学时10道），现有8道"),
        "{p}"
    );
    fill_bank(&t, &tok, &vid, 5..17).await;
    let r = t.api(Method::POST, &submit, Some(&tok), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Frozen once submitted.
    let r = t
        .api(Method::POST, &path, Some(&tok), Some(question(40)))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // The expert of the level sees the answers; a learner and another provider do not.
    let expert = t.token("expert").await;
    let bank = t.api(Method::GET, &path, Some(&expert), None).await.json();
    assert_eq!(bank["count"], 20, "{bank}");
    assert_eq!(bank["questions"][0]["answer"], "B");
    for who in ["learner", "provider_b"] {
        let r = t
            .api(Method::GET, &path, Some(&t.token(who).await), None)
            .await;
        assert!(
            matches!(r.status.as_u16(), 403 | 404),
            "{who}: {}",
            r.text()
        );
    }
    // Through the review, listed: the catalogue shows no question, answer or explanation.
    for who in ["expert", "expert_leader", "gz_regulator"] {
        let r = decide(
            &t,
            who,
            &vid,
            json!({"decision": "pass", "checklist": all_ticked()}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
    }
    let public = t
        .api(Method::GET, &format!("/course-catalogue/{pid}"), None, None)
        .await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text());
    for secret in ["explanation", "新题二", "answer"] {
        assert!(
            !public.text().contains(secret),
            "{secret}: {}",
            public.text()
        );
    }
    // A new version starts with the same bank.
    let d = t
        .api(
            Method::POST,
            &format!("/courses/{pid}/versions"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let next = d["current"]["id"].as_str().unwrap();
    let bank = t
        .api(
            Method::GET,
            &format!("/course-versions/{next}/questions"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(bank["count"], 20, "{bank}");
    assert_eq!(bank["editable"], true);
}

/// The bank's page: a question added by form, a bad one sent back with the reason and
/// what was typed, a sheet imported with every bad row listed, the reviewer's read-only
/// view, and the operator's minimum on the rules page.
#[tokio::test]
async fn the_question_bank_pages() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    expert_group(&t).await;
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "母婴护理页面").await;
    let at = format!("/course-versions/{vid}/questions");
    let mut p = t.signed_in("provider").await;
    let page = p.get(&at).await.text();
    assert!(
        page.contains("共5道题；提交审核至少需要5道（每学时5道）"),
        "{page}"
    );
    let r = p
        .post(
            &at,
            &[
                ("kind", "single"),
                ("stem", "婴儿抚触的最佳时间是？"),
                ("a", "沐浴后"),
                ("b", "刚吃完奶"),
                ("answer", "C"),
                ("explanation", "沐浴后较适宜。"),
                ("knowledge_point", "抚触"),
                ("difficulty", "easy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(page.contains("答案C不在选项中（共2个选项）"), "{page}");
    assert!(
        page.contains("婴儿抚触的最佳时间是？"),
        "what was typed stays: {page}"
    );
    let r = p
        .post(
            &at,
            &[
                ("kind", "single"),
                ("stem", "婴儿抚触的最佳时间是？"),
                ("a", "沐浴后"),
                ("b", "刚吃完奶"),
                ("answer", "A"),
                ("explanation", "沐浴后较适宜。"),
                ("knowledge_point", "抚触"),
                ("difficulty", "easy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = p.get(&r.location()).await.text();
    assert!(
        page.contains("已添加") && page.contains("共6道题"),
        "{page}"
    );
    let bad = bank_xlsx(&[
        &single("页面导入一", ["一", "二", "三"], "A"),
        &single("页面导入二", ["一", "", "三"], "A"),
    ]);
    let r = p
        .post_multipart(&format!("{at}/import"), &[], Some(("file", bad)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("第3行：选项B为空，但其后还有选项"),
        "{}",
        r.text()
    );
    let good = bank_xlsx(&[&single("页面导入一", ["一", "二", "三"], "A")]);
    let r = p
        .post_multipart(&format!("{at}/import"), &[], Some(("file", good)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(p.get(&r.location()).await.text().contains("已导入1道题"));
    let x = p.get(&format!("{at}.xlsx")).await;
    assert_eq!(crate::common::read_xlsx(&x.body).len(), 8);
    let template = p.get("/course-question-template.xlsx").await;
    assert_eq!(
        crate::common::read_xlsx(&template.body)[0],
        jineng_core::courses::questions::SHEET_HEADERS
    );
    // Submitted: the expert reads it with the answers and no way to change it.
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/submit"),
        Some(&tok),
        None,
    )
    .await;
    let mut e = t.signed_in("expert").await;
    let page = e.get(&at).await.text();
    assert!(
        page.contains("婴儿抚触的最佳时间是？") && page.contains("答案：<b>A</b>"),
        "{page}"
    );
    assert!(!page.contains("question-form"), "{page}");
    let review = e.get(&format!("/course-reviews/{vid}")).await.text();
    assert!(review.contains("查看题库"), "{review}");
    // The operator's rule, on the rules page.
    let mut op = t.signed_in("operator").await;
    let r = op
        .post("/admin/course-settings", &[("questions_per_hour", "abc")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = op
        .post("/admin/course-settings", &[("questions_per_hour", "8")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = op.get(&r.location()).await.text();
    assert!(page.contains("value=\"8\""), "{page}");
}

/// The pool and its groups change: a group renamed and rescoped, an expert taken out (no
/// longer offered reviews, past decisions kept), a group deleted only once empty; a
/// county regulator may do none of it.
#[tokio::test]
async fn experts_leave_the_pool_and_groups_change() {
    let t = TestApp::new().await;
    serve_project(&t).await;
    expert_group(&t).await;
    let op = t.token("operator").await;
    let groups = t
        .api(Method::GET, "/expert-groups", Some(&op), None)
        .await
        .json();
    let gid = groups[0]["id"].as_str().unwrap().to_string();
    let leader = groups[0]["leader_id"].as_str().unwrap().to_string();
    let county = t.token("nm_regulator").await;
    let body = json!({"name": "家政与养老专家组", "leader_id": leader, "categories": ["4"], "course_types": ["skill", "general"]});
    let r = t
        .api(
            Method::PUT,
            &format!("/expert-groups/{gid}"),
            Some(&county),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .api(
            Method::PUT,
            &format!("/expert-groups/{gid}"),
            Some(&op),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["name"], "家政与养老专家组");
    let r = t
        .api(
            Method::DELETE,
            &format!("/expert-groups/{gid}"),
            Some(&op),
            None,
        )
        .await;
    assert!(
        r.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("还有2位专家"),
        "{}",
        r.text()
    );
    // The plain expert leaves the pool: a new submission is no longer offered to them.
    let experts = t.api(Method::GET, "/experts", Some(&op), None).await.json();
    let plain = experts
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["username"] == "expert")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = t
        .api(
            Method::DELETE,
            &format!("/experts/{plain}"),
            Some(&county),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .api(
            Method::DELETE,
            &format!("/experts/{plain}"),
            Some(&op),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "专家变动后的课程").await;
    t.api(
        Method::POST,
        &format!("/course-versions/{vid}/submit"),
        Some(&tok),
        None,
    )
    .await;
    let q = t
        .api(
            Method::GET,
            "/course-reviews",
            Some(&t.token("expert").await),
            None,
        )
        .await
        .json();
    assert_eq!(q.as_array().unwrap().len(), 0, "{q}");
    let q = t
        .api(
            Method::GET,
            "/course-reviews",
            Some(&t.token("expert_leader").await),
            None,
        )
        .await
        .json();
    assert_eq!(q.as_array().unwrap().len(), 1, "{q}");
    // Through the page: deleting the group with its leader still in it is refused with
    // the reason; once the leader leaves the pool, the group goes.
    let mut p = t.signed_in("operator").await;
    let r = p.post(&format!("/expert-groups/{gid}/remove"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("还有1位专家"), "{}", r.text());
    let r = p.post(&format!("/experts/{leader}/remove"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = p.post(&format!("/expert-groups/{gid}/remove"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let groups = t
        .api(Method::GET, "/expert-groups", Some(&op), None)
        .await
        .json();
    assert_eq!(groups.as_array().unwrap().len(), 0, "{groups}");
}

/// The same sheet imported twice at once (a double press, two tabs): the stems' unique
/// index lets one import in whole and refuses the other whole; the bank holds each
/// question once.
#[tokio::test]
async fn the_same_sheet_imported_twice_at_once_lands_once() {
    let t = TestApp::new().await;
    let tok = t.token("provider").await;
    let (_, vid) = ready_package(&t, &tok, "并发导入题库").await;
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let sheet = bank_xlsx(&[
        &single("并发题一", ["一", "二", "三"], "A"),
        &single("并发题二", ["一", "二", "三"], "B"),
        &single("并发题三", ["一", "二", "三"], "C"),
    ]);
    let path = format!("/course-versions/{vid}/questions/import");
    let (a, b) = tokio::join!(
        t.raw_api(Method::POST, &path, &tok, xlsx, sheet.clone()),
        t.raw_api(Method::POST, &path, &tok, xlsx, sheet),
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes[0], 200, "{} / {}", a.text(), b.text());
    assert!(matches!(codes[1], 409 | 422), "{} / {}", a.text(), b.text());
    let bank = t
        .api(
            Method::GET,
            &format!("/course-versions/{vid}/questions"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(bank["count"], 8, "{bank}");
}

/// Seed 000 §1.1: a package's occupation, work type and level agree with a project in
/// force in the province's training-project catalogue. The package page names the
/// projects it serves (or says there is none), and submission is refused without one.
#[tokio::test]
async fn a_package_serves_a_project_of_the_catalogue() {
    let t = TestApp::new().await;
    let tok = t.token("provider").await;
    let province = t.token("gz_regulator").await;
    let (pid, vid) = ready_package(&t, &tok, "母婴护理（项目匹配）").await;
    let d = t
        .api(Method::GET, &format!("/courses/{pid}"), Some(&tok), None)
        .await
        .json();
    let served = d["current"]["projects"].as_array().unwrap();
    assert_eq!(served.len(), 1, "{d}");
    assert_eq!(served[0]["occupation_code"], "4-10-01-06");
    assert_eq!(served[0]["skill_level"], 5);
    let project = served[0]["id"].as_str().unwrap().to_string();

    // The province withdraws the project: the page says so and submission is refused,
    // naming the reason; nothing changes.
    let r = t
        .api(
            Method::POST,
            &format!("/catalogue/{project}/withdraw"),
            Some(&province),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let mut p = t.signed_in("provider").await;
    let page = p.get(&format!("/courses/{pid}")).await;
    assert!(
        page.text()
            .contains("暂无与本课程职业、工种、等级相符的在用项目"),
        "{}",
        page.text()
    );
    let before = t.audit_count().await;
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text()
            .contains("培训项目目录中没有与本课程相符的在用项目"),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, before);

    // A project of the same occupation at another level does not serve it.
    let r = t
        .api(
            Method::POST,
            "/catalogue",
            Some(&province),
            Some(json!({"occupation_code": "4-10-01-06", "skill_level": 4, "training_type": "vocational_skill", "business_category": "employment_skill", "theory_hours": 40, "practice_hours": 80, "subsidy_yuan": "1500"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    // One for the occupation at any level does; the page names it, submission passes.
    let r = t
        .api(
            Method::POST,
            "/catalogue",
            Some(&province),
            Some(json!({"occupation_code": "4-10-01-06", "skill_level": 0, "training_type": "public_welfare", "business_category": "employment_skill", "theory_hours": 10, "practice_hours": 10, "subsidy_yuan": "300"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let page = p.get(&format!("/courses/{pid}")).await;
    assert!(page.text().contains("公益性培训"), "{}", page.text());
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["projects"][0]["skill_level"], 0);
}
