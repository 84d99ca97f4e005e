//! Offline assessment through the API and pages: the institution enters days,
//! performance and theory scores, the booked teacher practical scores and evaluations;
//! one submits, another confirms; only then do learners see their scores and do the
//! scores count towards completion and certificates; later changes need a reason, are
//! kept and go back to a second person; the page never puts back what someone else
//! changed; and races between two people land once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The demo's completed class with the demo teacher (王老师) in the teacher pool and
/// booked into it: (class id, its roster as the regulator sees it).
async fn completed_with_teacher(t: &TestApp) -> (String, Vec<Value>) {
    with_teacher(t, "completed").await
}

/// The demo's class with `status` (`completed` or `in_training`), with the demo teacher
/// booked into it.
async fn with_teacher(t: &TestApp, status: &str) -> (String, Vec<Value>) {
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let nm = t.token("nm_regulator").await;
    let class = t
        .api(
            Method::GET,
            &format!("/classes?status={status}"),
            Some(&nm),
            None,
        )
        .await
        .json()["items"][0]
        .clone();
    let class_id = class["id"].as_str().unwrap().to_string();
    let r = t.api(Method::POST, "/teachers", Some(&inst), Some(json!({"name": "王老师", "id_number": crate::common::id("52010219850612241"), "subjects": "烹饪", "level": "senior", "years_teaching": 10}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let (link, tid) = (
        r.json()["link_id"].as_str().unwrap().to_string(),
        r.json()["teacher_id"].as_str().unwrap().to_string(),
    );
    t.api(
        Method::POST,
        &format!("/teachers/{link}/decision"),
        Some(&nm),
        Some(json!({"action": "approve"})),
    )
    .await;
    // A completed class takes no new bookings; the booking it had is written directly.
    use jineng_store::teachers::booking;
    use sea_orm::{ActiveModelTrait, Set};
    booking::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        teacher_id: Set(tid),
        class_id: Set(class_id.clone()),
        start_date: Set(class["start_date"].as_str().unwrap().into()),
        end_date: Set(class["end_date"].as_str().unwrap().into()),
        created_at: Set(t.app.now()),
    }
    .insert(&t.app.db)
    .await
    .unwrap();
    let roster = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&nm),
            None,
        )
        .await
        .json()["learners"]
        .as_array()
        .unwrap()
        .clone();
    (class_id, roster)
}

async fn put(t: &TestApp, who: &str, class_id: &str, body: Value) -> crate::common::Resp {
    let tok = t.token(who).await;
    t.api(
        Method::PUT,
        &format!("/classes/{class_id}/assessment"),
        Some(&tok),
        Some(body),
    )
    .await
}

async fn act(
    t: &TestApp,
    who: &str,
    class_id: &str,
    what: &str,
    body: Option<Value>,
) -> crate::common::Resp {
    let tok = t.token(who).await;
    t.api(
        Method::POST,
        &format!("/classes/{class_id}/assessment/{what}"),
        Some(&tok),
        body,
    )
    .await
}

async fn ledger_entries(t: &TestApp) -> u64 {
    use jineng_store::ledger::entry;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entry::Entity::find()
        .filter(entry::Column::Kind.eq("assessment_scores"))
        .count(&t.app.db)
        .await
        .unwrap()
}

/// Audit records of assessment changes (tokens minted by the test are audited too).
async fn changes_logged(t: &TestApp) -> u64 {
    use jineng_store::audit::record;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    record::Entity::find()
        .filter(record::Column::Action.starts_with("assessment."))
        .count(&t.app.db)
        .await
        .unwrap()
}

fn ids(roster: &[Value]) -> Vec<String> {
    roster
        .iter()
        .map(|l| l["user_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn scores_are_published_by_a_second_person_and_count_towards_completion() {
    let t = TestApp::new().await;
    let (class_id, roster) = completed_with_teacher(&t).await;
    let members = ids(&roster);
    let completed: Vec<String> = roster
        .iter()
        .filter(|l| l["outcome"] == "completed")
        .map(|l| l["user_id"].as_str().unwrap().to_string())
        .collect();
    assert!(completed.len() >= 2, "{roster:?}");
    let failing = completed[0].clone();

    // Who sees the sheet: the institution, the booked teacher, the region's regulator.
    let inst = t.token("institution").await;
    let sheet = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/assessment"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.text());
    let sheet = sheet.json();
    assert_eq!(sheet["status"], "draft");
    assert_eq!(sheet["access"], "institution");
    assert_eq!(sheet["rows"].as_array().unwrap().len(), members.len());
    assert_eq!(sheet["editable"].as_array().unwrap().len(), 5);
    let tt = t.token("teacher").await;
    let ts = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/assessment"),
            Some(&tt),
            None,
        )
        .await
        .json();
    assert_eq!(ts["access"], "teacher");
    assert_eq!(ts["editable"], json!(["practical", "evaluation"]));
    let nm = t.token("nm_regulator").await;
    let ns = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/assessment"),
            Some(&nm),
            None,
        )
        .await
        .json();
    assert_eq!(ns["access"], "viewer");
    assert_eq!(ns["editable"], json!([]));
    for who in ["learner", "jz_institution", "zy_regulator"] {
        let tok = t.token(who).await;
        let r = t
            .api(
                Method::GET,
                &format!("/classes/{class_id}/assessment"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
    }

    // Refusals, and nothing written by them.
    let before = changes_logged(&t).await;
    let p = put(
        &t,
        "teacher",
        &class_id,
        json!({"rows": [{"user_id": members[0], "theory": 90}]}),
    )
    .await
    .problem(422);
    assert!(
        p["detail"].to_string().contains("讲师只能录入实操成绩"),
        "{p}"
    );
    let p = put(
        &t,
        "institution",
        &class_id,
        json!({"rows": [{"user_id": members[0], "theory": 101}]}),
    )
    .await
    .problem(422);
    assert!(p.to_string().contains("0至100"), "{p}");
    let p = put(
        &t,
        "institution",
        &class_id,
        json!({"rows": [{"user_id": members[0], "attendance_days": 999}]}),
    )
    .await
    .problem(422);
    assert!(p.to_string().contains("出勤天数"), "{p}");
    let stranger = t.user_id("learner_zy").await;
    let p = put(
        &t,
        "institution",
        &class_id,
        json!({"rows": [{"user_id": stranger, "theory": 80}]}),
    )
    .await
    .problem(422);
    assert!(p.to_string().contains("不是本班学员"), "{p}");
    let p = put(&t, "institution", &class_id, json!({"rows": [{"user_id": members[0], "theory": 80}, {"user_id": members[0], "theory": 81}]})).await.problem(422);
    assert!(p.to_string().contains("只能出现一次"), "{p}");
    put(
        &t,
        "teacher",
        &class_id,
        json!({"rows": [], "pass_mark": 50}),
    )
    .await
    .problem(422);
    let r = put(
        &t,
        "nm_regulator",
        &class_id,
        json!({"rows": [{"user_id": members[0], "theory": 80}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(changes_logged(&t).await, before);

    // The institution enters days, performance and theory; the teacher practical scores.
    let rows: Vec<Value> = members
        .iter()
        .map(|m| json!({"user_id": m, "attendance_days": 3, "performance": "good", "theory": if *m == failing { 52 } else { 85 }}))
        .collect();
    let r = put(
        &t,
        "institution",
        &class_id,
        json!({"rows": rows, "pass_mark": 60}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["changed"], members.len());
    let rows: Vec<Value> = members
        .iter()
        .map(|m| json!({"user_id": m, "practical": 78, "evaluation": "操作规范"}))
        .collect();
    let r = put(&t, "teacher", &class_id, json!({"rows": rows})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sheet = r.json()["sheet"].clone();
    let row = |s: &Value, u: &str| {
        s["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == u)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&sheet, &failing)["passed"], false);
    assert_eq!(row(&sheet, &completed[1])["passed"], true);
    assert_eq!(
        row(&sheet, &completed[1])["theory"],
        85,
        "the teacher's save kept the theory score"
    );
    // Saving the same again changes nothing and logs nothing.
    let before = changes_logged(&t).await;
    let r = put(
        &t,
        "teacher",
        &class_id,
        json!({"rows": [{"user_id": members[0], "practical": 78}]}),
    )
    .await;
    assert_eq!(r.json()["changed"], 0);
    assert_eq!(changes_logged(&t).await, before);

    // Nothing is visible to learners, nor counts, before it is confirmed.
    let learner = t.token_for(&completed[1]).await;
    assert_eq!(
        t.api(Method::GET, "/me/assessments", Some(&learner), None)
            .await
            .json(),
        json!([])
    );

    // One submits; the same person cannot confirm; while submitted nobody edits.
    let r = act(&t, "institution", &class_id, "submit", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "submitted");
    act(&t, "institution", &class_id, "submit", None)
        .await
        .problem(409);
    let p = act(&t, "institution", &class_id, "confirm", None)
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("另一人"), "{p}");
    act(
        &t,
        "institution",
        &class_id,
        "return",
        Some(json!({"reason": "自己退回"})),
    )
    .await
    .problem(409);
    put(
        &t,
        "teacher",
        &class_id,
        json!({"rows": [{"user_id": members[0], "practical": 70}]}),
    )
    .await
    .problem(409);
    // The teacher returns it with a reason; the institution fixes it and submits again.
    act(
        &t,
        "teacher",
        &class_id,
        "return",
        Some(json!({"reason": " "})),
    )
    .await
    .problem(422);
    let r = act(
        &t,
        "teacher",
        &class_id,
        "return",
        Some(json!({"reason": "请核对出勤天数"})),
    )
    .await;
    assert_eq!(r.json()["status"], "draft");
    assert_eq!(r.json()["returned_reason"], "请核对出勤天数");
    put(
        &t,
        "institution",
        &class_id,
        json!({"rows": [{"user_id": members[0], "attendance_days": 4}]}),
    )
    .await;
    act(&t, "institution", &class_id, "submit", None).await;
    assert_eq!(ledger_entries(&t).await, 0);
    let r = act(&t, "teacher", &class_id, "confirm", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let published = r.json();
    assert_eq!(published["status"], "published");
    assert_eq!(published["confirmed_by"], "王老师");
    assert_eq!(ledger_entries(&t).await, 1);
    assert!(published["ledger_index"].as_i64().is_some());

    // Learners see theirs; the failing learner no longer completes, and gets no certificate.
    let mine = t
        .api(Method::GET, "/me/assessments", Some(&learner), None)
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["practical"], 78);
    assert_eq!(mine[0]["theory"], 85);
    assert_eq!(mine[0]["passed"], true);
    let roster = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&nm),
            None,
        )
        .await
        .json()["learners"]
        .clone();
    let outcome = |u: &str| {
        roster
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["user_id"] == u)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome(&failing), "assessment_not_passed");
    assert_eq!(outcome(&completed[1]), "completed");
    let issued = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/certificates"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let holders: Vec<&str> = issued
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(holders.len(), completed.len() - 1);
    assert!(!holders.contains(&failing.as_str()));

    // A change after publishing needs a reason, is kept, goes back to a second person,
    // and is logged again once confirmed.
    let p = put(
        &t,
        "teacher",
        &class_id,
        json!({"rows": [{"user_id": failing, "practical": 90}]}),
    )
    .await
    .problem(422);
    assert!(p.to_string().contains("原因"), "{p}");
    put(
        &t,
        "institution",
        &class_id,
        json!({"rows": [], "pass_mark": 50, "reason": "x"}),
    )
    .await
    .problem(422);
    let r = put(&t, "institution", &class_id, json!({"rows": [{"user_id": failing, "theory": 61, "performance": "excellent"}], "reason": "复查试卷发现漏计一题"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json()["sheet"].clone();
    assert_eq!(
        s["status"], "submitted",
        "a correction waits for a second person"
    );
    assert_eq!(s["submitted_by"], "南明职业技能培训学校管理员");
    let changes = s["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes.iter().any(|c| c["field"] == "理论成绩"
        && c["old_value"] == "52"
        && c["new_value"] == "61"
        && c["reason"] == "复查试卷发现漏计一题"));
    assert!(
        changes.iter().any(|c| c["field"] == "课堂表现"
            && c["old_value"] == "良好"
            && c["new_value"] == "优秀")
    );
    // Until it is confirmed: learners see nothing new, the class counts nothing new, and
    // no certificate is issued.
    assert_eq!(ledger_entries(&t).await, 1);
    let mine = t
        .api(Method::GET, "/me/assessments", Some(&learner), None)
        .await
        .json();
    assert_eq!(
        mine,
        json!([]),
        "nothing published while the correction waits"
    );
    let p = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/certificates"),
            Some(&inst),
            None,
        )
        .await
        .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("尚未复核发布"),
        "{p}"
    );
    act(&t, "institution", &class_id, "confirm", None)
        .await
        .problem(409);
    let r = act(&t, "teacher", &class_id, "confirm", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(s["status"], "published");
    assert_eq!(ledger_entries(&t).await, 2);
    assert_ne!(s["ledger_index"], published["ledger_index"]);
    assert_eq!(row(&s, &failing)["passed"], true);
    // The audit trail names each change with its old and new value.
    let audit = t
        .api(
            Method::GET,
            "/audit?action=assessment.save",
            Some(&t.token("admin").await),
            None,
        )
        .await
        .json();
    assert!(
        audit.to_string().contains("复查试卷发现漏计一题"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_class_not_yet_running_has_no_scores_and_learners_must_all_be_scored() {
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
    let inst = t.token("institution").await;
    let members: Vec<String> = t
        .api(
            Method::GET,
            &format!("/classes/{approved}"),
            Some(&inst),
            None,
        )
        .await
        .json()["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["user_id"].as_str().unwrap().to_string())
        .collect();
    let p = put(
        &t,
        "institution",
        &approved,
        json!({"rows": [{"user_id": members[0], "theory": 80}]}),
    )
    .await
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("开班后"), "{p}");
    let running = crate::study::running_class(&t).await;
    let members: Vec<String> = t
        .api(
            Method::GET,
            &format!("/classes/{running}"),
            Some(&inst),
            None,
        )
        .await
        .json()["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["user_id"].as_str().unwrap().to_string())
        .collect();
    assert!(members.len() >= 2);
    let r = put(
        &t,
        "institution",
        &running,
        json!({"rows": [{"user_id": members[0], "theory": 80}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let p = act(&t, "institution", &running, "submit", None)
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("未录入"), "{p}");
    // A cleared score is gone, not zero.
    let r = put(
        &t,
        "institution",
        &running,
        json!({"rows": [{"user_id": members[0], "theory": null}]}),
    )
    .await;
    let row = r.json()["sheet"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["user_id"] == members[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(row["theory"], Value::Null);
    assert_eq!(row["passed"], Value::Null);
}

/// Two confirmations at once (publishing once, logged once), and two corrections at
/// once after publishing (one lands and waits for a second person, the other is
/// refused).
#[tokio::test]
async fn races_between_two_people_land_once() {
    let t = TestApp::new().await;
    let (class_id, roster) = completed_with_teacher(&t).await;
    let rows: Vec<Value> = ids(&roster)
        .iter()
        .map(|m| json!({"user_id": m, "theory": 70}))
        .collect();
    put(&t, "institution", &class_id, json!({"rows": rows})).await;
    act(&t, "institution", &class_id, "submit", None).await;
    let (a, b) = tokio::join!(
        act(&t, "teacher", &class_id, "confirm", None),
        act(&t, "teacher", &class_id, "confirm", None)
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409]);
    assert_eq!(ledger_entries(&t).await, 1);

    // Two corrections at once: the first sends the sheet back to 待复核, so the other
    // is refused rather than slipped in under the first one's confirmation.
    let first = ids(&roster)[0].clone();
    let (a, b) = tokio::join!(
        put(
            &t,
            "institution",
            &class_id,
            json!({"rows": [{"user_id": first, "theory": 71}], "reason": "甲"})
        ),
        put(
            &t,
            "teacher",
            &class_id,
            json!({"rows": [{"user_id": first, "practical": 66}], "reason": "乙"})
        )
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409], "{} / {}", a.text(), b.text());
    let s = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/assessment"),
            Some(&t.token("institution").await),
            None,
        )
        .await
        .json();
    assert_eq!(s["status"], "submitted");
    assert_eq!(s["changes"].as_array().unwrap().len(), 1);
    assert_eq!(ledger_entries(&t).await, 1);
}

/// The page sends only what the person changed: a teacher's practical scores saved
/// while the institution had the page open survive the institution's save.
#[tokio::test]
async fn saving_the_page_never_puts_back_what_someone_else_changed() {
    let t = TestApp::new().await;
    let (class_id, roster) = completed_with_teacher(&t).await;
    let members = ids(&roster);
    let mut b = t.signed_in("institution").await;
    let page = b
        .get(&format!("/classes/{class_id}/assessment"))
        .await
        .text();
    assert!(
        page.contains(&format!("was.practical.{}", members[0])),
        "{page}"
    );
    // Meanwhile the teacher enters a practical score and a two-line evaluation.
    let r = put(&t, "teacher", &class_id, json!({"rows": [{"user_id": members[0], "practical": 77, "evaluation": "刀工扎实\n火候需练"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The institution's page still shows them empty; it changes only the theory score.
    let (theory, was_theory) = (
        format!("theory.{}", members[0]),
        format!("was.theory.{}", members[0]),
    );
    let (practical, was_practical) = (
        format!("practical.{}", members[0]),
        format!("was.practical.{}", members[0]),
    );
    let (eval, was_eval) = (
        format!("eval.{}", members[0]),
        format!("was.eval.{}", members[0]),
    );
    let r = b
        .post(
            &format!("/classes/{class_id}/assessment"),
            &[
                (theory.as_str(), "81"),
                (was_theory.as_str(), ""),
                (practical.as_str(), ""),
                (was_practical.as_str(), ""),
                (eval.as_str(), ""),
                (was_eval.as_str(), ""),
            ],
        )
        .await;
    assert!(r.location().ends_with("?ok=saved"), "{}", r.text());
    let s = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/assessment"),
            Some(&t.token("institution").await),
            None,
        )
        .await
        .json();
    let row = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == members[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(row["theory"], 81);
    assert_eq!(row["practical"], 77, "the teacher's score stands");
    assert_eq!(row["evaluation"], "刀工扎实\n火候需练");
    // A form naming fifty thousand learners is refused at the 2,001st, before anything
    // is looked up (the fields are read with a map, not searched one by one).
    let many: Vec<(String, String)> = (0..50_000)
        .map(|i| (format!("theory.u{i}"), "1".to_string()))
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = b
        .post(&format!("/classes/{class_id}/assessment"), &refs)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("一次最多提交2000名学员"), "{}", r.status);
}

/// The page: the institution types scores into the form, a bad box is named, the
/// teacher confirms from the page, and the learner's 我的培训 shows the result.
#[tokio::test]
async fn the_sheet_page_enters_and_publishes() {
    let t = TestApp::new().await;
    // The class in training, which the demo learner is in.
    let (class_id, roster) = with_teacher(&t, "in_training").await;
    let members = ids(&roster);
    let mut b = t.signed_in("institution").await;
    let class_page = b.get(&format!("/classes/{class_id}")).await.text();
    assert!(class_page.contains("录入考评成绩"), "{class_page}");
    let page = b
        .get(&format!("/classes/{class_id}/assessment"))
        .await
        .text();
    assert!(page.contains("考评成绩表") && page.contains("保存成绩"));
    let bad = format!("theory.{}", members[0]);
    let r = b
        .post(
            &format!("/classes/{class_id}/assessment"),
            &[(bad.as_str(), "八十")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("理论成绩应为整数"), "{}", r.text());
    let mut fields: Vec<(String, String)> = Vec::new();
    for m in &members {
        fields.push((format!("theory.{m}"), "88".into()));
        fields.push((format!("perf.{m}"), "excellent".into()));
        fields.push((format!("days.{m}"), "2".into()));
    }
    fields.push(("pass_mark".into(), "60".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = b
        .post(&format!("/classes/{class_id}/assessment"), &refs)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().ends_with("?ok=saved"));
    let page = b.get(&r.location()).await.text();
    assert!(
        page.contains("成绩已保存") && page.contains("提交复核"),
        "{page}"
    );
    let r = b
        .post(&format!("/classes/{class_id}/assessment/submit"), &[])
        .await;
    assert!(r.location().ends_with("?ok=submitted"));

    let mut teacher = t.signed_in("teacher").await;
    assert!(
        teacher
            .get("/teaching")
            .await
            .text()
            .contains(&format!("/classes/{class_id}/assessment"))
    );
    let page = teacher
        .get(&format!("/classes/{class_id}/assessment"))
        .await
        .text();
    assert!(page.contains("确认无误，发布成绩"), "{page}");
    let r = teacher
        .post(&format!("/classes/{class_id}/assessment/confirm"), &[])
        .await;
    assert!(r.location().ends_with("?ok=confirmed"), "{}", r.text());

    assert!(members.contains(&t.user_id("learner").await));
    let mut l = t.signed_in("learner").await;
    let mine = l.get("/training").await.text();
    assert!(
        mine.contains("线下考核成绩") && mine.contains("理论 88"),
        "{mine}"
    );
    let xlsx = b.get(&format!("/classes/{class_id}/assessment.xlsx")).await;
    let rows = crate::common::read_xlsx(&xlsx.body);
    assert_eq!(rows[0][0], "学员");
    assert_eq!(rows.len(), members.len() + 1);
    assert_eq!(rows[1][4], "88");
}

#[tokio::test]
async fn a_booked_teacher_cannot_score_for_a_suspended_institution() {
    let t = TestApp::new().await;
    let (class_id, roster) = completed_with_teacher(&t).await;
    let first = ids(&roster)[0].clone();
    let r = put(
        &t,
        "teacher",
        &class_id,
        json!({"rows": [{"user_id": first, "practical": 60}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let nm = t.token("nm_regulator").await;
    let org = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&nm),
            None,
        )
        .await
        .json()["class"]["org_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{org}/decision"),
            Some(&nm),
            Some(json!({"action": "suspend", "reason": "巡查发现虚报学员"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let p = put(
        &t,
        "teacher",
        &class_id,
        json!({"rows": [{"user_id": first, "practical": 95}]}),
    )
    .await
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("暂停"), "{p}");
    let s = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/assessment"),
            Some(&nm),
            None,
        )
        .await
        .json();
    let row = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == first.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["practical"], 60, "the refused score was not written");
}
