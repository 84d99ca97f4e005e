//! Classes from registration to completion: catalogue project, declaration, learners,
//! filing, training, completion — and every refusal the issue lists.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, id, xlsx};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// A published project for an occupation, declared and approved for the demo institution;
/// two learners imported by it. Returns (project id, learner ids).
pub async fn ready(t: &TestApp) -> (String, Vec<String>) {
    let gz = t.token("gz_regulator").await;
    let occ = t
        .api(
            Method::GET,
            "/occupations?q=%E5%AE%B6%E6%94%BF",
            Some(&gz),
            None,
        )
        .await
        .json();
    let code = occ
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["level"] == "occupation")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let p = t.api(Method::POST, "/catalogue", Some(&gz), Some(json!({"occupation_code": code, "skill_level": 5, "training_type": "vocational_skill", "business_category": "employment_skill", "theory_hours": 40, "practice_hours": 60, "subsidy_yuan": "900"}))).await.json();
    let inst = t.token("institution").await;
    let org = t.api(Method::GET, "/orgs", Some(&inst), None).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = t
        .api(
            Method::POST,
            &format!("/orgs/{org}/declarations"),
            Some(&inst),
            Some(json!({"occupation_code": code, "skill_level": 5})),
        )
        .await
        .json();
    t.api(
        Method::POST,
        &format!("/declarations/{}/decision", d["id"].as_str().unwrap()),
        Some(&t.token("nm_regulator").await),
        Some(json!({"action": "approve"})),
    )
    .await;
    let file = xlsx(&[
        [
            "赵学员",
            &id("52010219900101111"),
            "13600001111",
            "农村转移就业劳动者",
            "初中",
            "520102",
        ],
        [
            "钱学员",
            &id("52010219900202222"),
            "13600002222",
            "企业职工",
            "初中",
            "520102",
        ],
    ]);
    let job = t
        .raw_api(
            Method::POST,
            "/learners/imports",
            &inst,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file,
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..200 {
        if t.api(
            Method::GET,
            &format!("/learners/imports/{job}"),
            Some(&inst),
            None,
        )
        .await
        .json()["status"]
            == "done"
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let learners = t
        .api(Method::GET, "/learners", Some(&inst), None)
        .await
        .json();
    let ids = learners["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    (p["id"].as_str().unwrap().to_string(), ids)
}

/// A class of `project` starting on `start` and running 30 days.
pub fn class(project: &str, start: &str) -> Value {
    let end = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d")
        .map(|d| (d + chrono::Duration::days(30)).to_string())
        .unwrap_or_else(|_| "2099-12-31".into());
    json!({"project_id": project, "name": "家政服务员初级班", "delivery": "offline", "start_date": start, "end_date": end, "location": "南明区培训基地", "capacity": 30, "theory_hours": 40, "practice_hours": 60})
}

#[tokio::test]
async fn a_class_from_opening_to_completion() {
    let t = TestApp::new().await;
    let (project, learners) = ready(&t).await;
    assert_eq!(learners.len(), 2);
    let inst = t.token("institution").await;
    let tomorrow = (t.app.now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();

    // Refusals when opening.
    let mut low = class(&project, &tomorrow);
    low["theory_hours"] = json!(10);
    assert!(
        t.api(Method::POST, "/classes", Some(&inst), Some(low))
            .await
            .problem(422)["errors"]
            .to_string()
            .contains("学时不能低于")
    );
    let p = t
        .api(
            Method::POST,
            "/classes",
            Some(&inst),
            Some(class(&project, "2020-01-01")),
        )
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("开班日期不能早于今天"));
    let zy = t.token("zy_institution").await;
    let p = t
        .api(
            Method::POST,
            "/classes",
            Some(&zy),
            Some(class(&project, &tomorrow)),
        )
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("未获批培训该职业"));
    t.api(
        Method::POST,
        "/classes",
        Some(&t.token("jz_institution").await),
        Some(class(&project, &tomorrow)),
    )
    .await
    .problem(409);

    let r = t
        .api(
            Method::POST,
            "/classes",
            Some(&inst),
            Some(class(&project, &tomorrow)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let cid = r.json()["id"].as_str().unwrap().to_string();
    // Submitting an empty class is refused; learners of another organisation too.
    t.api(
        Method::POST,
        &format!("/classes/{cid}/actions"),
        Some(&inst),
        Some(json!({"action": "submit"})),
    )
    .await
    .problem(409);
    let other = t.user_id("learner_yy").await;
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/enrollments"),
            Some(&inst),
            Some(json!({"learner_ids": [learners[0], other]})),
        )
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("不是本单位的学员"));
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/enrollments"),
            Some(&inst),
            Some(json!({"learner_ids": learners})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // A second open class of the same project cannot take the same learner.
    let c2 = t
        .api(
            Method::POST,
            "/classes",
            Some(&inst),
            Some(class(&project, &tomorrow)),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{c2}/enrollments"),
            Some(&inst),
            Some(json!({"learner_ids": [learners[0]]})),
        )
        .await
        .problem(422);
    assert!(
        p["errors"]
            .to_string()
            .contains("已报名同一培训项目的其他班级")
    );

    // Filing: only the regulator of the region decides; returning needs a reason.
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst),
            Some(json!({"action": "submit"}))
        )
        .await
        .json()["status"],
        "submitted"
    );
    t.api(
        Method::POST,
        &format!("/classes/{cid}/enrollments"),
        Some(&inst),
        Some(json!({"learner_ids": [learners[1]]})),
    )
    .await
    .problem(409);
    t.api(
        Method::POST,
        &format!("/classes/{cid}/actions"),
        Some(&inst),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(403);
    t.api(
        Method::POST,
        &format!("/classes/{cid}/actions"),
        Some(&t.token("yy_regulator").await),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(404);
    let nm = t.token("nm_regulator").await;
    t.api(
        Method::POST,
        &format!("/classes/{cid}/actions"),
        Some(&nm),
        Some(json!({"action": "return"})),
    )
    .await
    .problem(422);
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&nm),
            Some(json!({"action": "approve"}))
        )
        .await
        .json()["status"],
        "approved"
    );

    // Training starts on its date, not before; then nobody joins; then completion.
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst),
            Some(json!({"action": "start"})),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("未到开班日期"));
    t.clock.advance(chrono::Duration::days(3));
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst),
            Some(json!({"action": "start"}))
        )
        .await
        .json()["status"],
        "in_training"
    );
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/enrollments"),
            Some(&inst),
            Some(json!({"learner_ids": [learners[1]]})),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("培训已开始"));
    t.api(
        Method::POST,
        &format!("/classes/{cid}/actions"),
        Some(&inst),
        Some(json!({"action": "cancel", "reason": "x"})),
    )
    .await
    .problem(409);
    // Completion waits for the end date.
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst),
            Some(json!({"action": "complete"})),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("前不能结业"), "{p}");
    t.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst),
            Some(json!({"action": "complete"}))
        )
        .await
        .json()["status"],
        "completed"
    );
    // With the first class completed, the learner may join another class of the project
    // (this one has passed its start date, so it refuses for that reason instead).
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{c2}/enrollments"),
            Some(&inst),
            Some(json!({"learner_ids": [learners[0]]})),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("已到开班日期"));

    // Scope: the county regulator and the institution see it; another county does not.
    assert_eq!(
        t.api(Method::GET, "/classes", Some(&nm), None).await.json()["total"],
        2
    );
    assert_eq!(
        t.api(
            Method::GET,
            "/classes",
            Some(&t.token("yy_regulator").await),
            None
        )
        .await
        .json()["total"],
        0
    );
    t.api(
        Method::GET,
        &format!("/classes/{cid}"),
        Some(&t.token("enterprise").await),
        None,
    )
    .await
    .problem(404);
    let detail = t
        .api(Method::GET, &format!("/classes/{cid}"), Some(&inst), None)
        .await
        .json();
    assert_eq!(detail["learners"].as_array().unwrap().len(), 2);
    let aud = t
        .api(
            Method::GET,
            &format!("/audit?object={cid}"),
            Some(&t.token("auditor").await),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = aud["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "class.complete",
            "class.start",
            "class.approve",
            "class.submit",
            "class.enroll",
            "class.open"
        ]
    );
}

#[tokio::test]
async fn the_class_pages() {
    let t = TestApp::new().await;
    let (project, learners) = ready(&t).await;
    let mut inst = t.signed_in("institution").await;
    let form = inst.get("/classes/new").await.text();
    assert!(form.contains("家政") && form.contains(&project), "{form}");
    let start = (t.app.now() + chrono::Duration::days(5))
        .format("%Y-%m-%d")
        .to_string();
    let fields = [
        ("project_id", project.as_str()),
        ("name", "页面开的班"),
        ("delivery", "offline"),
        ("start_date", start.as_str()),
        ("end_date", "2099-01-01"),
        ("location", "南明区"),
        ("capacity", "1"),
        ("theory_hours", "40"),
        ("practice_hours", "60"),
    ];
    // A number that is not one is named as such, not read as some other number.
    let mut typo = fields;
    typo[6] = ("capacity", "abc");
    let r = inst.post("/classes/new", &typo).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("班级人数应为整数"), "{}", r.text());
    let long_place = "南".repeat(201);
    let mut far = fields;
    far[5] = ("location", long_place.as_str());
    let r = inst.post("/classes/new", &far).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("培训地点不能超过200个字符"),
        "{}",
        r.text()
    );
    let r = inst.post("/classes/new", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let cid = r.location().trim_start_matches("/classes/").to_string();
    let page = inst.get(&format!("/classes/{cid}")).await.text();
    assert!(page.contains("赵学员") && page.contains("报名所选学员"));
    // Two learners into a class of one: refused with the reason on the page.
    let r = inst
        .post(
            &format!("/classes/{cid}/enroll"),
            &[("learner", &learners[0]), ("learner", &learners[1])],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("超出班级人数上限"));
    assert_eq!(
        inst.post(
            &format!("/classes/{cid}/enroll"),
            &[("learner", &learners[0])]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        inst.post(
            &format!("/classes/{cid}/actions"),
            &[("action", "submit"), ("reason", "")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let mut nm = t.signed_in("nm_regulator").await;
    let list = nm.get("/classes?status=submitted").await.text();
    assert!(list.contains("页面开的班"));
    let r = nm
        .post(
            &format!("/classes/{cid}/actions"),
            &[("action", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The decision is confirmed on the page it lands on.
    let r = nm
        .post(
            &format!("/classes/{cid}/actions"),
            &[("action", "approve"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/classes/{cid}?done=approve"));
    let landed = nm.get(&r.location()).await.text();
    assert!(
        landed.contains("已通过备案，机构可按计划开班。"),
        "{landed}"
    );
    assert!(
        inst.get(&format!("/classes/{cid}"))
            .await
            .text()
            .contains("已备案")
    );
}

#[tokio::test]
async fn the_demo_province_has_training_going_on() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    jineng_demo::training(&t.app).await.unwrap();
    let nm = t.token("nm_regulator").await;
    let classes = t.api(Method::GET, "/classes", Some(&nm), None).await.json();
    assert_eq!(classes["total"], 5);
    // One finished three weeks ago, with results; one in training with a session today.
    let done = t
        .api(Method::GET, "/classes?status=completed", Some(&nm), None)
        .await
        .json();
    assert_eq!(done["total"], 1);
    let done = t
        .api(
            Method::GET,
            &format!("/classes/{}", done["items"][0]["id"].as_str().unwrap()),
            Some(&nm),
            None,
        )
        .await
        .json();
    let outcomes: Vec<&str> = done["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.len(), 6);
    assert!(outcomes.contains(&"completed") && outcomes.contains(&"short_of_attendance"));
    assert_eq!(
        t.api(Method::GET, "/classes?status=in_training", Some(&nm), None)
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        t.api(Method::GET, "/classes?status=draft", Some(&nm), None)
            .await
            .json()["total"],
        1,
        "one class still recruiting"
    );
    let learner = t.token("learner").await;
    let mine = t
        .api(Method::GET, "/me/training", Some(&learner), None)
        .await
        .json();
    assert_eq!(mine["applications"][0]["status"], "pending");
    assert_eq!(mine["applications"][1]["status"], "accepted");
    assert_eq!(mine["classes"][0]["class"]["status"], "in_training");
    assert!(mine["classes"][0]["me"]["sessions_total"].as_u64().unwrap() >= 4);
    assert_eq!(
        t.api(Method::GET, "/classes?status=submitted", Some(&nm), None)
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        t.api(Method::GET, "/catalogue", Some(&nm), None)
            .await
            .json()["total"],
        3
    );
    assert_eq!(
        t.api(
            Method::GET,
            "/learners",
            Some(&t.token("institution").await),
            None
        )
        .await
        .json()["total"],
        13,
        "twelve imported and the demo learner it accepted"
    );
    assert_eq!(
        jineng_app::audit::verify(&t.app.db, t.app.keyring.audit_key())
            .await
            .unwrap()
            .broken_at,
        None
    );
}

#[tokio::test]
async fn regulators_inspect_and_institutions_see_the_verdict() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let nm = t.token("nm_regulator").await;
    let approved = t
        .api(Method::GET, "/classes?status=approved", Some(&nm), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let submitted = t
        .api(Method::GET, "/classes?status=submitted", Some(&nm), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{approved}/inspections"),
            Some(&nm),
            Some(json!({"kind": "spot_check", "qualified": false})),
        )
        .await
        .problem(422);
    assert!(p["detail"].as_str().unwrap().contains("必须填写意见"));
    t.api(
        Method::POST,
        &format!("/classes/{approved}/inspections"),
        Some(&nm),
        Some(json!({"kind": "drone", "qualified": true})),
    )
    .await
    .problem(422);
    let r = t.api(Method::POST, &format!("/classes/{approved}/inspections"), Some(&nm), Some(json!({"kind": "spot_check", "qualified": false, "remarks": "签到人数与实到人数不符"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    t.api(
        Method::POST,
        &format!("/classes/{submitted}/inspections"),
        Some(&nm),
        Some(json!({"kind": "patrol", "qualified": true})),
    )
    .await
    .problem(409);
    t.api(
        Method::POST,
        &format!("/classes/{approved}/inspections"),
        Some(&t.token("yy_regulator").await),
        Some(json!({"kind": "patrol", "qualified": true})),
    )
    .await
    .problem(404);
    let inst = t.token("institution").await;
    t.api(
        Method::POST,
        &format!("/classes/{approved}/inspections"),
        Some(&inst),
        Some(json!({"kind": "patrol", "qualified": true})),
    )
    .await
    .problem(403);
    let seen = t
        .api(
            Method::GET,
            &format!("/classes/{approved}/inspections"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(seen[0]["qualified"], false);
    assert_eq!(seen[0]["remarks"], "签到人数与实到人数不符");
    let mut b = t.signed_in("institution").await;
    let page = b.get(&format!("/classes/{approved}")).await.text();
    assert!(
        page.contains("抽查")
            && page.contains("不合格")
            && page.contains("签到人数与实到人数不符")
            && !page.contains("登记检查结果")
    );
    let mut r = t.signed_in("nm_regulator").await;
    assert!(
        r.get(&format!("/classes/{approved}"))
            .await
            .text()
            .contains("登记检查结果")
    );
    assert_eq!(
        r.post(
            &format!("/classes/{approved}/inspect"),
            &[("kind", "patrol"), ("result", "qualified"), ("remarks", "")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn one_inbox_for_everything_waiting_in_the_region() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let mut nm = t.signed_in("nm_regulator").await;
    let page = nm.get("/inbox").await.text();
    // Nanming: 南明区家政服务培训中心 registration and one class filing are waiting.
    assert!(page.contains("id=\"inbox-total\">2<"), "{page}");
    let mut yy = t.signed_in("yy_regulator").await;
    assert!(
        yy.get("/inbox")
            .await
            .text()
            .contains("id=\"inbox-total\">0<")
    );
    let mut inst = t.signed_in("institution").await;
    assert_eq!(inst.get("/inbox").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn class_and_teacher_lists_search_and_export() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let mut nm = t.signed_in("nm_regulator").await;
    let page = nm.get("/classes?q=%E5%86%AC%E5%AD%A3").await.text();
    assert!(
        page.contains("共 1 个班级") && page.contains("冬季班"),
        "{page}"
    );
    let x = nm.get("/classes/export?status=&q=").await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = crate::common::read_xlsx(&x.body);
    assert_eq!(rows[0][0], "班级");
    assert_eq!(rows.len(), 6, "five demo classes and the header");
    let x = nm.get("/classes/export?status=completed&q=").await;
    let rows = crate::common::read_xlsx(&x.body);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][10], "已结业");
    // Teachers: an institution enters one; the regulator finds and exports it.
    let inst = t.token("institution").await;
    let r = t.api(Method::POST, "/teachers", Some(&inst), Some(json!({"name": "钟老师", "id_number": id("52010219800808808"), "full_time": true, "subjects": "中式烹调", "level": "senior", "qualifications": "高级技师", "years_teaching": 12, "experience": "酒店后厨二十年"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let found = nm.get("/teachers?q=%E7%83%B9%E8%B0%83").await.text();
    assert!(found.contains("钟老师"));
    let none = nm.get("/teachers?q=%E7%BD%91%E7%BB%9C").await.text();
    assert!(!none.contains("钟老师"));
    let x = nm.get("/teachers/export?status=&q=%E9%92%9F").await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = crate::common::read_xlsx(&x.body);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "钟老师");
    assert!(
        rows[1][1].contains('*'),
        "ID numbers masked for a regulator"
    );
}
