//! Exams through the API: an institution publishes an exam on a course of its class's
//! study tasks; a learner pledges, starts, saves answers as they go and hands in; the
//! highest of their attempts counts; the server marks an attempt at its deadline with no
//! browser; every refusal of issue 13 ("Must also hold") answers with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use crate::study::{free_course, running_class};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The demo's class in training, given the free course as a study task; returns (class
/// id, package id).
pub(crate) async fn class_with_course(t: &TestApp) -> (String, String) {
    jineng_demo::training(&t.app).await.unwrap();
    let (pid, _) = free_course(t).await;
    let class_id = running_class(t).await;
    crate::study::publish_task(t, &class_id, &pid).await;
    (class_id, pid)
}

/// The bank of `courses::fill_bank(0..5)`: 2 single (B), 2 multiple (AB), 1 true/false
/// (错误). 2 + 2 + 1 questions at 2, 4 and 1 points: 13 in all.
fn exam_body(pid: &str, t: &TestApp, max_attempts: u32) -> Value {
    let today = t.app.today().to_string();
    json!({
        "kind": "course", "package_id": pid,
        "lines": [
            {"kind": "single", "count": 2},
            {"kind": "multiple", "count": 2},
            {"kind": "judge", "count": 1}
        ],
        "single_score": 2, "multiple_score": 4, "judge_score": 1,
        "minutes": 30, "pass_mark": 8, "max_attempts": max_attempts, "show_answers": true,
        "opens_on": today, "closes_on": today
    })
}

/// The right options' texts of the bank's questions.
fn right_texts(stem: &str) -> &'static [&'static str] {
    if stem.contains("水温") {
        &["38至40℃"]
    } else if stem.contains("饮食") {
        &["少量多餐", "荤素搭配"]
    } else {
        &["错误"]
    }
}

/// The letters of the right answer as this paper shows the options.
fn right_letters(q: &Value) -> String {
    let want = right_texts(q["stem"].as_str().unwrap());
    q["options"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, o)| want.contains(&o.as_str().unwrap()))
        .map(|(i, _)| char::from(b'A' + i as u8))
        .collect()
}

/// Some wrong letters for the question.
fn wrong_letters(q: &Value) -> String {
    let right = right_letters(q);
    let n = q["options"].as_array().unwrap().len();
    (0..n)
        .map(|i| char::from(b'A' + i as u8).to_string())
        .find(|l| *l != right)
        .unwrap()
}

async fn publish(t: &TestApp, class_id: &str, body: Value) -> Value {
    let inst = t.token("institution").await;
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/exams"),
            Some(&inst),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

pub(crate) async fn start(t: &TestApp, tok: &str, exam: &str) -> Value {
    let r = t
        .api(
            Method::POST,
            &format!("/exams/{exam}/attempts"),
            Some(tok),
            Some(json!({"pledge": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn save(
    t: &TestApp,
    tok: &str,
    attempt: &str,
    pos: u64,
    letters: &str,
) -> (StatusCode, Value) {
    let r = t
        .api(
            Method::PUT,
            &format!("/exam-attempts/{attempt}/answers/{pos}"),
            Some(tok),
            Some(json!({"answer": letters})),
        )
        .await;
    (r.status, r.json())
}

async fn exam_entries(t: &TestApp) -> usize {
    use jineng_store::ledger::entry;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entry::Entity::find()
        .filter(entry::Column::Kind.eq("exam_result"))
        .count(&t.app.db)
        .await
        .unwrap() as usize
}

#[tokio::test]
async fn a_learner_takes_an_exam_twice_and_the_higher_score_counts() {
    let t = TestApp::new().await;
    let (class_id, pid) = class_with_course(&t).await;
    let inst = t.token("institution").await;

    // Rules the bank cannot fill, a pass mark above full marks, a course that is not a
    // study task, someone else's class: refused, with the field named.
    let mut too_many = exam_body(&pid, &t, 2);
    too_many["lines"][0]["count"] = json!(3);
    let mut high_pass = exam_body(&pid, &t, 2);
    high_pass["pass_mark"] = json!(14);
    let mut no_task = exam_body(&pid, &t, 2);
    no_task["package_id"] = json!("no-such-course");
    // Dates nobody could take it on: all in the past, or after the class ends.
    let mut past = exam_body(&pid, &t, 2);
    past["opens_on"] = json!("2020-01-01");
    past["closes_on"] = json!("2020-01-02");
    let mut late = exam_body(&pid, &t, 2);
    late["closes_on"] = json!("2999-01-01");
    for (body, field, says) in [
        (too_many, "rule", "题库中符合的只有2道"),
        (high_pass, "rule.pass_mark", "满分13"),
        (no_task, "package_id", "学习任务"),
        (past, "closes_on", "结束日期已过"),
        (late, "closes_on", "不能晚于培训班的结束日期"),
    ] {
        let r = t
            .api(
                Method::POST,
                &format!("/classes/{class_id}/exams"),
                Some(&inst),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let e = r.json();
        let hit = e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["field"] == field)
            .unwrap_or_else(|| panic!("no error on {field}: {e}"));
        assert!(hit["message"].as_str().unwrap().contains(says), "{e}");
    }
    let provider = t.token("provider").await;
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/exams"),
            Some(&provider),
            Some(exam_body(&pid, &t, 2)),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.text());

    let exam = publish(&t, &class_id, exam_body(&pid, &t, 2)).await;
    let exam_id = exam["id"].as_str().unwrap().to_string();
    assert_eq!(exam["total"], 13);
    assert_eq!(exam["question_count"], 5);

    // The learner sees it; a start without the pledge is refused; nobody outside the
    // class can start it.
    let tok = t.token("learner").await;
    let mine = t
        .api(Method::GET, "/me/exams", Some(&tok), None)
        .await
        .json();
    let m = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["exam"]["id"] == exam_id.as_str())
        .cloned()
        .unwrap();
    assert!(m["blocked"].is_null(), "{m}");
    let r = t
        .api(
            Method::POST,
            &format!("/exams/{exam_id}/attempts"),
            Some(&tok),
            Some(json!({"pledge": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let other = t.token("learner_yy").await;
    let r = t
        .api(
            Method::POST,
            &format!("/exams/{exam_id}/attempts"),
            Some(&other),
            Some(json!({"pledge": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());

    // First attempt: a start pressed twice resumes the same attempt; the paper has
    // the rule's questions, and never the answers.
    let a1 = start(&t, &tok, &exam_id).await;
    let again = start(&t, &tok, &exam_id).await;
    assert_eq!(a1["id"], again["id"]);
    let id1 = a1["id"].as_str().unwrap().to_string();
    let qs = a1["questions"].as_array().unwrap().clone();
    assert_eq!(qs.len(), 5);
    assert!(
        qs.iter()
            .all(|q| q["correct"].is_null() && q["right"].is_null())
    );
    assert!(!a1.to_string().contains("解析") && !a1.to_string().contains("宜擦浴"));
    let kinds: Vec<&str> = qs.iter().map(|q| q["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["single", "single", "multiple", "multiple", "judge"]);
    // Someone else cannot read or answer it.
    let r = t
        .api(
            Method::GET,
            &format!("/exam-attempts/{id1}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        save(&t, &other, &id1, 0, "A").await.0,
        StatusCode::NOT_FOUND
    );
    // Bad answers: a question not on the paper, a letter that is not an option, two
    // answers to a single choice.
    let (st, e) = save(&t, &tok, &id1, 99, "A").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("第100题不在本次试卷上"), "{e}");
    let (st, e) = save(&t, &tok, &id1, 0, "Z").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, e) = save(&t, &tok, &id1, 0, "AB").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("单选题只能选一个答案"), "{e}");
    // Right on the single choices and the true/false, wrong on the multiple: 2+2+1 = 5.
    for q in &qs {
        let pos = q["position"].as_u64().unwrap();
        let letters = if q["kind"] == "multiple" {
            wrong_letters(q)
        } else {
            right_letters(q)
        };
        let (st, body) = save(&t, &tok, &id1, pos, &letters).await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
    // A reload shows what was saved.
    let back = t
        .api(
            Method::GET,
            &format!("/exam-attempts/{id1}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(back["answered"], 5);
    let r = t
        .api(
            Method::POST,
            &format!("/exam-attempts/{id1}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let done = r.json();
    assert_eq!(done["status"], "submitted");
    assert_eq!(done["score"], 5);
    assert_eq!(done["passed"], false);
    // After marking, the exam shows the right answers and explanations.
    assert!(
        done["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["correct"].is_string() && q["explanation"].is_string())
    );
    // A second submit and a late answer are refused; nothing is marked twice.
    let r = t
        .api(
            Method::POST,
            &format!("/exam-attempts/{id1}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("已交卷"), "{}", r.text());
    assert_eq!(save(&t, &tok, &id1, 0, "A").await.0, StatusCode::CONFLICT);
    assert_eq!(exam_entries(&t).await, 1);

    // Second attempt, in the pages (the sheet without scripts): the pledge starts it, and
    // 交卷 sends every answer with the sheet. A new paper (its own seed), all right: 13.
    let mut b = t.signed_in("learner").await;
    let r = b
        .post(&format!("/exams/{exam_id}/start"), &[("pledge", "true")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let sheet = r.location();
    let id2 = sheet.trim_start_matches("/exam-attempts/").to_string();
    assert_ne!(id1, id2);
    let page = b.get(&sheet).await;
    assert!(
        page.text().contains("交卷") && page.text().contains("剩余"),
        "{}",
        page.text()
    );
    let a2 = t
        .api(
            Method::GET,
            &format!("/exam-attempts/{id2}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(a2["seq"], 2);
    let mut fields: Vec<(String, String)> = Vec::new();
    for q in a2["questions"].as_array().unwrap() {
        for l in right_letters(q).chars() {
            fields.push((format!("q{}", q["position"]), l.to_string()));
        }
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = b.post(&format!("/exam-attempts/{id2}/submit"), &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let done = t
        .api(
            Method::GET,
            &format!("/exam-attempts/{id2}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(done["status"], "submitted", "{done}");
    assert_eq!(done["score"], 13, "{done}");
    assert_eq!(done["passed"], true);
    assert_eq!(exam_entries(&t).await, 2);
    // Two attempts allowed: a third is refused.
    let r = t
        .api(
            Method::POST,
            &format!("/exams/{exam_id}/attempts"),
            Some(&tok),
            Some(json!({"pledge": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("最多可考2次"), "{}", r.text());

    // The highest score counts, for the learner and for the institution.
    let mine = t
        .api(Method::GET, "/me/exams", Some(&tok), None)
        .await
        .json();
    let m = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["exam"]["id"] == exam_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(m["best"], 13);
    assert_eq!(m["passed"], true);
    assert_eq!(m["attempts"].as_array().unwrap().len(), 2);
    let res = t
        .api(
            Method::GET,
            &format!("/exams/{exam_id}/results"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let me = t.user_id("learner").await;
    let row = res["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["user_id"] == me.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["best"], 13, "{res}");
    assert_eq!(row["attempts"], 2);
    // The learner cannot read the class's results; another region's regulator cannot.
    let r = t
        .api(
            Method::GET,
            &format!("/exams/{exam_id}/results"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    // …the same answer as for an exam that does not exist.
    let r = t
        .api(Method::GET, "/exams/no-such-exam/results", Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let far = t.token("zy_regulator").await;
    let r = t
        .api(
            Method::GET,
            &format!("/exams/{exam_id}/results"),
            Some(&far),
            None,
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.text());

    // The learner's e-archive holds the best result, with its evidence-log entry.
    let archive = t
        .api(
            Method::GET,
            &format!("/learners/{me}/archive"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let e = archive["exams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exam_id"] == exam_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the exam is not in the archive: {archive}"));
    assert_eq!(e["best"], 13);
    assert_eq!(e["attempts"], 2);
    assert_eq!(e["record_id"], format!("exam_result:{id2}"));
    assert!(e["index"].is_u64(), "{e}");

    // An exam with attempts cannot be withdrawn; a mistaken one nobody started can, by
    // its institution only.
    let r = t
        .api(
            Method::DELETE,
            &format!("/exams/{exam_id}"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let mut spare = exam_body(&pid, &t, 0);
    spare["kind"] = json!("mock");
    let spare = publish(&t, &class_id, spare).await;
    let spare_id = spare["id"].as_str().unwrap();
    for who in [&provider, &tok] {
        let r = t
            .api(
                Method::DELETE,
                &format!("/exams/{spare_id}"),
                Some(who),
                None,
            )
            .await;
        assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.text());
    }
    let r = t
        .api(
            Method::DELETE,
            &format!("/exams/{spare_id}"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = t
        .api(
            Method::GET,
            &format!("/exams/{spare_id}/results"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The pages: the learner's list, the marked sheet, the class's results and export.
    let page = b.get("/exams").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("最高分"), "{}", page.text());
    let page = b.get(&sheet).await;
    assert!(page.text().contains("正确答案"), "{}", page.text());
    let mut staff = t.signed_in("institution").await;
    let page = staff.get(&format!("/exams/{exam_id}/results")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("及格"), "{}", page.text());
    let page = staff.get(&format!("/classes/{class_id}")).await;
    assert!(
        page.text().contains("publish-exam"),
        "the class page has the exam form"
    );
    let x = staff.get(&format!("/exams/{exam_id}/results.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = crate::common::read_xlsx_sheet(&x.body, 0);
    assert!(
        rows.iter().any(|r| r.contains(&"13".to_string())),
        "{rows:?}"
    );
}

/// The browser is gone: the deadline job marks the attempt with what was saved; a late
/// answer and a late submit are refused with the reason.
#[tokio::test]
async fn the_server_marks_an_attempt_at_its_deadline() {
    let t = TestApp::new().await;
    let (class_id, pid) = class_with_course(&t).await;
    let mut body = exam_body(&pid, &t, 0);
    body["minutes"] = json!(1);
    body["kind"] = json!("practice");
    body["show_answers"] = json!(false);
    let exam = publish(&t, &class_id, body).await;
    let tok = t.token("learner").await;
    let a = start(&t, &tok, exam["id"].as_str().unwrap()).await;
    let id = a["id"].as_str().unwrap().to_string();
    let judge = a["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "judge")
        .cloned()
        .unwrap();
    let (st, _) = save(
        &t,
        &tok,
        &id,
        judge["position"].as_u64().unwrap(),
        &right_letters(&judge),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    // Not yet: the job waits for the deadline.
    while t.app.jobs().run_due("test").await.unwrap() {}
    let now = t
        .api(
            Method::GET,
            &format!("/exam-attempts/{id}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(now["status"], "open");
    t.clock.advance(chrono::Duration::seconds(62));
    let mut ran = 0;
    while t.app.jobs().run_due("test").await.unwrap() {
        ran += 1;
    }
    assert!(ran >= 1);
    // Marked by the job (read straight from the table, so no read marked it).
    use jineng_store::exams::attempt;
    use sea_orm::EntityTrait;
    let row = attempt::Entity::find_by_id(id.clone())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, jineng_core::exams::AttemptStatus::TimedOut);
    assert_eq!(row.score, Some(1));
    let (st, e) = save(&t, &tok, &id, 0, "A").await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(e.to_string().contains("考试时间已到"), "{e}");
    let r = t
        .api(
            Method::POST,
            &format!("/exam-attempts/{id}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(exam_entries(&t).await, 1);
    // Practice always shows the answers after marking.
    let done = t
        .api(
            Method::GET,
            &format!("/exam-attempts/{id}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(done["status"], "timed_out");
    assert!(done["questions"][0]["correct"].is_string(), "{done}");
    // An attempt whose time ran out before any job came round is marked by the next
    // start, which then gives a new attempt.
    let second = start(&t, &tok, exam["id"].as_str().unwrap()).await;
    assert_eq!(second["seq"], 2);
    t.clock.advance(chrono::Duration::seconds(62));
    let third = start(&t, &tok, exam["id"].as_str().unwrap()).await;
    assert_eq!(third["seq"], 3, "{third}");
    let row = attempt::Entity::find_by_id(second["id"].as_str().unwrap().to_string())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, jineng_core::exams::AttemptStatus::TimedOut);
    assert_eq!(exam_entries(&t).await, 2);
}

/// Two starts at once leave one open attempt; two submits at once mark it once (one
/// evidence entry). On PostgreSQL the rows are really raced.
#[tokio::test]
async fn starts_and_submits_at_once_count_once() {
    let t = TestApp::new().await;
    let (class_id, pid) = class_with_course(&t).await;
    let exam = publish(&t, &class_id, exam_body(&pid, &t, 0)).await;
    let exam_id = exam["id"].as_str().unwrap().to_string();
    let tok = t.token("learner").await;
    let (a, b) = tokio::join!(start(&t, &tok, &exam_id), start(&t, &tok, &exam_id));
    assert_eq!(a["id"], b["id"]);
    let id = a["id"].as_str().unwrap().to_string();
    let path = format!("/exam-attempts/{id}/submit");
    let (r1, r2) = tokio::join!(
        t.api(Method::POST, &path, Some(&tok), None),
        t.api(Method::POST, &path, Some(&tok), None)
    );
    let mut codes = [r1.status.as_u16(), r2.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409], "{} / {}", r1.text(), r2.text());
    assert_eq!(exam_entries(&t).await, 1);
}

/// Starting exams, opening study sessions and making archive PDFs are costly: one account
/// gets `heavy_per_user_minute` of them a minute, then 429 with Retry-After.
#[tokio::test]
async fn costly_requests_of_one_account_are_throttled() {
    let t = TestApp::with(crate::common::Options {
        security: jineng_app::SecurityConfig {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            rate_limits: jineng_app::config::RateLimits {
                heavy_per_user_minute: 3,
                ..crate::common::generous_limits()
            },
            ..jineng_app::SecurityConfig::default()
        },
        ..Default::default()
    })
    .await;
    let (class_id, pid) = class_with_course(&t).await;
    let exam = publish(&t, &class_id, exam_body(&pid, &t, 0)).await;
    let exam_id = exam["id"].as_str().unwrap().to_string();
    let tok = t.token("learner").await;
    // Pressed three times: the same attempt; the fourth press in the minute waits.
    for _ in 0..3 {
        start(&t, &tok, &exam_id).await;
    }
    let r = t
        .api(
            Method::POST,
            &format!("/exams/{exam_id}/attempts"),
            Some(&tok),
            Some(json!({"pledge": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    // The same account's archive PDF waits too; another learner is not affected.
    let me = t.user_id("learner").await;
    let mut b = t.signed_in("learner").await;
    let r = b.get(&format!("/learners/{me}/archive.pdf")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let other = t.token("learner_yy").await;
    let r = t.api(Method::GET, "/me/exams", Some(&other), None).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// A withdrawal and a start at the same moment: either the exam is gone and the start
/// finds nothing, or the start won and the withdrawal is refused — never a 500, never an
/// attempt of a deleted exam. On PostgreSQL the rows are really raced.
#[tokio::test]
async fn a_withdrawal_racing_a_start_leaves_one_outcome() {
    let t = TestApp::new().await;
    let (class_id, pid) = class_with_course(&t).await;
    let inst = t.token("institution").await;
    let tok = t.token("learner").await;
    for _ in 0..3 {
        let exam = publish(&t, &class_id, exam_body(&pid, &t, 0)).await;
        let id = exam["id"].as_str().unwrap().to_string();
        let (gone, take) = (format!("/exams/{id}"), format!("/exams/{id}/attempts"));
        let (w, s) = tokio::join!(
            t.api(Method::DELETE, &gone, Some(&inst), None),
            t.api(
                Method::POST,
                &take,
                Some(&tok),
                Some(json!({"pledge": true}))
            )
        );
        let pair = (w.status.as_u16(), s.status.as_u16());
        assert!(
            matches!(pair, (204, 404) | (409, 201)),
            "{pair:?}: {} / {}",
            w.text(),
            s.text()
        );
        let still = t
            .api(
                Method::GET,
                &format!("/exams/{id}/results"),
                Some(&inst),
                None,
            )
            .await;
        assert_eq!(still.status.as_u16() == 200, pair.1 == 201);
    }
}
