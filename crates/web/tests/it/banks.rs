//! Province question banks (省级题库) through the API: kept by the province, drawn from
//! for a set share of each exam paper of a class of the same work type and level, shared
//! with another appraisal centre as a digested document and imported with its provenance.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use crate::exams::{class_with_course, start};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The occupation and level of the class's training project.
async fn class_work_type(t: &TestApp, class_id: &str) -> (String, i32) {
    use jineng_store::catalogue::project;
    use jineng_store::classes::class;
    use sea_orm::EntityTrait;
    let c = class::Entity::find_by_id(class_id.to_string())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    let p = project::Entity::find_by_id(c.project_id)
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    (p.occupation_code, p.skill_level)
}

fn shared_question(i: usize) -> Value {
    json!({
        "kind": "single", "stem": format!("省题{i}：触电急救首先应当做什么？"),
        "options": ["迅速切断电源", "立即拉拽伤者", "先打电话等待"],
        "answer": "A", "explanation": "先断电，防止施救者触电。",
        "knowledge_point": "触电急救", "difficulty": "medium"
    })
}

async fn new_bank(t: &TestApp, tok: &str, occupation: &str, level: i32) -> (StatusCode, Value) {
    let r = t
        .api(
            Method::POST,
            "/banks",
            Some(tok),
            Some(json!({"name": "急救员省级理论题库", "occupation_code": occupation, "level": level})),
        )
        .await;
    (r.status, r.json())
}

async fn add(t: &TestApp, tok: &str, bank: &str, q: Value) -> (StatusCode, Value) {
    let r = t
        .api(
            Method::POST,
            &format!("/banks/{bank}/questions"),
            Some(tok),
            Some(q),
        )
        .await;
    (r.status, r.json())
}

fn exam_body(t: &TestApp, pid: &str, bank: &str, percent: u32, judge: u32) -> Value {
    let today = t.app.today().to_string();
    let mut lines = vec![json!({"kind": "single", "count": 2})];
    if judge > 0 {
        lines.push(json!({"kind": "judge", "count": judge}));
    }
    json!({
        "kind": "course", "package_id": pid, "lines": lines,
        "single_score": 5, "judge_score": 5, "minutes": 30, "pass_mark": 5, "show_answers": true,
        "shared_bank_id": bank, "shared_percent": percent,
        "opens_on": today, "closes_on": today
    })
}

async fn publish(t: &TestApp, class_id: &str, body: Value) -> (StatusCode, Value) {
    let inst = t.token("institution").await;
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{class_id}/exams"),
            Some(&inst),
            Some(body),
        )
        .await;
    (r.status, r.json())
}

fn field_says(e: &Value, field: &str, says: &str) {
    let hit = e["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {e}"))
        .iter()
        .find(|x| x["field"] == field)
        .unwrap_or_else(|| panic!("no error on {field}: {e}"));
    assert!(hit["message"].as_str().unwrap().contains(says), "{e}");
}

#[tokio::test]
async fn a_share_of_each_paper_is_drawn_from_the_province_bank() {
    let t = TestApp::new().await;
    let (class_id, pid) = class_with_course(&t).await;
    let (wt, level) = class_work_type(&t, &class_id).await;
    let prov = t.token("gz_regulator").await;

    // Only the province keeps banks; what a bank covers is checked.
    for who in ["nm_regulator", "institution", "learner"] {
        let tok = t.token(who).await;
        let (st, body) = new_bank(&t, &tok, &wt, level).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {body}");
    }
    let (st, e) = new_bank(&t, &prov, &wt, 6).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "level", "等级应为1");
    let (st, e) = new_bank(&t, &prov, "", level).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, e) = new_bank(&t, &prov, "9-99-99-99", level).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "occupation_code", "职业编码");
    let r = t
        .api(
            Method::POST,
            "/banks",
            Some(&prov),
            Some(json!({"name": "急救员省级理论题库", "work_type_id": "no-such", "level": level})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    field_says(&r.json(), "work_type_id", "工种");
    let before = t.audit_count().await;
    let (st, b) = new_bank(&t, &prov, &wt, level).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(t.audit_count().await, before + 1);
    let bank = b["id"].as_str().unwrap().to_string();
    assert_eq!(b["origin"], "local");
    assert_eq!(b["version"], 1);
    for i in 0..3 {
        let (st, body) = add(&t, &prov, &bank, shared_question(i)).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    // A stem already in the bank, and a question an institution sends: refused.
    let (st, e) = add(&t, &prov, &bank, shared_question(0)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "stem", "相同题干");
    let inst = t.token("institution").await;
    assert_eq!(
        add(&t, &inst, &bank, shared_question(9)).await.0,
        StatusCode::FORBIDDEN
    );
    // The institution sees the bank's name and size for its class, never its questions.
    let r = t
        .api(Method::GET, &format!("/banks/{bank}"), Some(&inst), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let offered = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/shared-banks"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.text());
    let offered = offered.json();
    assert_eq!(offered[0]["id"], bank.as_str(), "{offered}");
    assert_eq!(offered[0]["count"], 3);
    assert_eq!(offered[0]["version"], 4);
    assert!(!offered.to_string().contains("迅速切断电源"));

    // 50 % of one true/false question rounds to one from the shared bank, which has none.
    let (st, e) = publish(&t, &class_id, exam_body(&t, &pid, &bank, 50, 1)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(
        &e,
        "rule",
        "需要共享题库1道题，共享题库中符合条件的题目不够",
    );
    let (st, e) = publish(&t, &class_id, exam_body(&t, &pid, &bank, 101, 0)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "rule.shared_percent", "1到100");
    // A bank of another work type or level is not offered and not accepted.
    let (st, other) = new_bank(&t, &prov, &wt, if level == 5 { 4 } else { 5 }).await;
    assert_eq!(st, StatusCode::CREATED, "{other}");
    let (st, e) = publish(
        &t,
        &class_id,
        exam_body(&t, &pid, other["id"].as_str().unwrap(), 50, 0),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "rule.shared_bank", "等级相同");

    // Practice shows every answer: it may not draw from a province bank.
    let mut practice = exam_body(&t, &pid, &bank, 50, 0);
    practice["kind"] = json!("practice");
    let (st, e) = publish(&t, &class_id, practice).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "rule.shared_bank", "考前练习会显示答案");
    // A share with no bank is named.
    let mut no_bank = exam_body(&t, &pid, "", 50, 0);
    no_bank["shared_bank_id"] = json!(null);
    let (st, e) = publish(&t, &class_id, no_bank).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "rule.shared_bank", "请同时选择共享题库");

    // Half of the two single-choice questions come from the shared bank.
    let (st, exam) = publish(&t, &class_id, exam_body(&t, &pid, &bank, 50, 0)).await;
    assert_eq!(st, StatusCode::CREATED, "{exam}");
    assert_eq!(exam["shared_bank_id"], bank.as_str());
    assert_eq!(exam["shared_percent"], 50);
    let exam_id = exam["id"].as_str().unwrap().to_string();
    let tok = t.token("learner").await;
    let a = start(&t, &tok, &exam_id).await;
    let id = a["id"].as_str().unwrap().to_string();
    let qs = a["questions"].as_array().unwrap().clone();
    assert_eq!(qs.len(), 2);
    let shared: Vec<&Value> = qs
        .iter()
        .filter(|q| q["stem"].as_str().unwrap().starts_with("省题"))
        .collect();
    assert_eq!(shared.len(), 1, "{qs:?}");
    // Answer both right: the shared one by its text, the course's by the demo bank's.
    for q in &qs {
        let want = if q["stem"].as_str().unwrap().starts_with("省题") {
            "迅速切断电源"
        } else {
            "38至40℃"
        };
        let i = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .position(|o| o == want)
            .unwrap();
        let r = t
            .api(
                Method::PUT,
                &format!("/exam-attempts/{id}/answers/{}", q["position"]),
                Some(&tok),
                Some(json!({"answer": char::from(b'A' + i as u8).to_string()})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    // The province retires the shared question meanwhile: the paper keeps it.
    let shared_stem = shared[0]["stem"].as_str().unwrap().to_string();
    let d = t
        .api(Method::GET, &format!("/banks/{bank}"), Some(&prov), None)
        .await
        .json();
    let qid = d["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["stem"] == shared_stem.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = t
        .api(
            Method::DELETE,
            &format!("/banks/{bank}/questions/{qid}"),
            Some(&prov),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = t
        .api(
            Method::DELETE,
            &format!("/banks/{bank}/questions/{qid}"),
            Some(&prov),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = t
        .api(
            Method::POST,
            &format!("/exam-attempts/{id}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let done = r.json();
    assert_eq!(done["score"], 10, "{done}");
    assert!(done.to_string().contains(&shared_stem));
    // The exam shows answers, but never a province bank's: not even right or wrong.
    for q in done["questions"].as_array().unwrap() {
        let secret = q["stem"] == shared_stem.as_str();
        assert_eq!(q["from_province_bank"], secret, "{q}");
        assert_eq!(q["right"].is_null(), secret, "{q}");
        assert_eq!(q["correct"].is_null(), secret, "{q}");
        assert_eq!(q["explanation"].is_null(), secret, "{q}");
    }
    let d = t
        .api(Method::GET, &format!("/banks/{bank}"), Some(&prov), None)
        .await
        .json();
    assert_eq!(d["bank"]["count"], 2);
    assert_eq!(d["bank"]["version"], 5);
    // A county regulator reads what the bank covers, not its questions.
    let nm = t.token("nm_regulator").await;
    let r = t
        .api(Method::GET, &format!("/banks/{bank}"), Some(&nm), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["questions"], json!([]));
    assert!(!r.text().contains("迅速切断电源"));
}

/// The bank written in the first test, exported as a shared document.
async fn exported(t: &TestApp) -> (String, Value) {
    let (class_id, _) = class_with_course(t).await;
    let (wt, level) = class_work_type(t, &class_id).await;
    let prov = t.token("gz_regulator").await;
    let (_, b) = new_bank(t, &prov, &wt, level).await;
    let bank = b["id"].as_str().unwrap().to_string();
    // Nothing to share yet.
    let r = t
        .api(
            Method::GET,
            &format!("/banks/{bank}/document"),
            Some(&prov),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    for i in 0..3 {
        add(t, &prov, &bank, shared_question(i)).await;
    }
    let before = t.audit_count().await;
    let r = t
        .api(
            Method::GET,
            &format!("/banks/{bank}/document"),
            Some(&prov),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1, "an export is audited");
    let doc = r.json();
    assert_eq!(doc["format"], "jineng-question-bank/1");
    assert_eq!(doc["centre_code"], "520000");
    assert_eq!(doc["version"], 4);
    assert_eq!(doc["questions"].as_array().unwrap().len(), 3);
    assert_eq!(doc["digest"].as_str().unwrap().len(), 64);
    (bank, doc)
}

async fn import(t: &TestApp, tok: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let r = t
        .raw_api(
            Method::POST,
            "/banks/documents",
            tok,
            "application/json",
            body,
        )
        .await;
    (r.status, r.json())
}

/// The document as another centre (Yunnan) would have sent it.
fn from_yunnan(doc: &Value) -> Value {
    let mut d = doc.clone();
    d["centre_code"] = json!("530000");
    d["centre"] = json!("云南省职业技能鉴定指导中心");
    d["bank_id"] = json!("yn-bank-7");
    d
}

#[tokio::test]
async fn a_shared_document_is_imported_with_its_provenance() {
    let t = TestApp::new().await;
    let (_, doc) = exported(&t).await;
    let prov = t.token("gz_regulator").await;
    let bytes = |v: &Value| serde_json::to_vec(v).unwrap();

    // A county regulator, the platform's own export, a non-JSON file, a changed answer, a
    // work type this province does not have: refused, nothing written.
    let nm = t.token("nm_regulator").await;
    let (st, _) = import(&t, &nm, bytes(&from_yunnan(&doc))).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let before = t.audit_count().await;
    let (st, e) = import(&t, &prov, bytes(&doc)).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("本平台导出"), "{e}");
    let (st, e) = import(&t, &prov, b"PK\x03\x04 not json".to_vec()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "file", "不是有效的共享题库文件");
    let mut changed = from_yunnan(&doc);
    changed["questions"][0]["answer"] = json!("B");
    let (st, e) = import(&t, &prov, bytes(&changed)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "digest", "导出后被改动过");
    let mut unknown = from_yunnan(&doc);
    unknown["work_type_code"] = json!("ZZ-404");
    unknown["work_type_name"] = json!("不存在的工种");
    let (st, e) = import(&t, &prov, bytes(&unknown)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "work_type_code", "ZZ-404");
    assert_eq!(t.audit_count().await, before, "refusals write nothing");

    // Imported: read-only here, with where it came from.
    let (st, b) = import(&t, &prov, bytes(&from_yunnan(&doc))).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["origin"], "shared");
    assert_eq!(b["source_centre"], "云南省职业技能鉴定指导中心");
    assert_eq!(b["source_bank_id"], "yn-bank-7");
    assert_eq!(b["source_version"], 4);
    assert_eq!(b["source_digest"], doc["digest"]);
    assert_eq!(b["count"], 3);
    let shared = b["id"].as_str().unwrap().to_string();
    let (st, e) = add(&t, &prov, &shared, shared_question(7)).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    let r = t
        .api(
            Method::GET,
            &format!("/banks/{shared}/document"),
            Some(&prov),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a shared bank is not re-exported"
    );
    // Its xlsx is not exported either (it would come back as this province's own).
    let mut browser = t.signed_in("gz_regulator").await;
    let r = browser
        .get(&format!("/banks/{shared}/questions.xlsx"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("不能从本平台导出"));
    // A newer version may not change what the bank covers.
    let mut moved = from_yunnan(&doc);
    moved["version"] = json!(9);
    moved["level"] = json!(if doc["level"] == 1 { 2 } else { 1 });
    let (st, e) = import(&t, &prov, bytes(&moved)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    field_says(&e, "occupation_code", "不能作为新版本导入");
    // A version above what is stored, a centre that is not a province, a file from the
    // future: refused.
    for (field, value) in [
        ("version", json!(2_147_483_648u64)),
        ("centre_code", json!("000000")),
        ("centre_code", json!("520100")),
        ("exported_at", json!("2999-01-01T00:00:00Z")),
    ] {
        let mut bad = from_yunnan(&doc);
        bad[field] = value;
        let (st, e) = import(&t, &prov, bytes(&bad)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        field_says(&e, field, "");
    }
    // The same version again: nothing to do.
    let (st, e) = import(&t, &prov, bytes(&from_yunnan(&doc))).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("已导入该题库的第4版"), "{e}");

    // Version 5 drops one question and adds one: the bank follows, the dropped one is
    // retired (not deleted).
    let mut v5 = from_yunnan(&doc);
    v5["version"] = json!(5);
    let mut qs = v5["questions"].as_array().unwrap().clone();
    qs.remove(0);
    let mut extra = qs[0].clone();
    extra["stem"] = json!("新增：心肺复苏胸外按压的深度是？");
    qs.push(extra);
    v5["questions"] = json!(qs);
    let (st, e) = import(&t, &prov, bytes(&v5)).await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the digest no longer fits: {e}"
    );
    v5["digest"] = json!(digest_of(&v5));
    let (st, b5) = import(&t, &prov, bytes(&v5)).await;
    assert_eq!(st, StatusCode::CREATED, "{b5}");
    assert_eq!(b5["id"], shared.as_str(), "the same bank, brought forward");
    assert_eq!(b5["source_version"], 5);
    assert_eq!(b5["count"], 3);
    use jineng_store::banks::question;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let all = question::Entity::find()
        .filter(question::Column::BankId.eq(shared.clone()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(all, 4, "three current and one retired");
}

/// The digest a centre computes over a document's questions.
fn digest_of(doc: &Value) -> String {
    let d: jineng_core::banks::BankDocument = serde_json::from_value(doc.clone()).unwrap();
    let qs: Vec<_> = d
        .questions
        .iter()
        .map(|q| {
            jineng_core::courses::questions::parse_question(
                &jineng_core::courses::questions::RawQuestion {
                    kind: q.kind.clone(),
                    stem: q.stem.clone(),
                    options: q.options.clone(),
                    answer: q.answer.clone(),
                    explanation: q.explanation.clone(),
                    knowledge_point: q.knowledge_point.clone(),
                    difficulty: q.difficulty.clone(),
                },
            )
            .unwrap()
        })
        .collect();
    jineng_core::banks::digest(&qs)
}

#[tokio::test]
async fn two_imports_of_one_document_at_once_make_one_bank() {
    let t = TestApp::new().await;
    let (_, doc) = exported(&t).await;
    let prov = t.token("gz_regulator").await;
    let op = t.token("operator").await;
    let body = serde_json::to_vec(&from_yunnan(&doc)).unwrap();
    let (a, b) = tokio::join!(
        import(&t, &prov, body.clone()),
        import(&t, &op, body.clone())
    );
    let mut codes = [a.0.as_u16(), b.0.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 409], "{} / {}", a.1, b.1);
    use jineng_store::banks::{bank, question};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let banks = bank::Entity::find()
        .filter(bank::Column::SourceBankId.eq("yn-bank-7"))
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(banks.len(), 1);
    let n = question::Entity::find()
        .filter(question::Column::BankId.eq(banks[0].id.clone()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(n, 3);
}
