//! The training-project catalogue and institutions' occupation declarations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn an_occupation(t: &TestApp, tok: &str, q: &str) -> String {
    let found = t
        .api(Method::GET, &format!("/occupations?q={q}"), Some(tok), None)
        .await
        .json();
    found
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["level"] == "occupation")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn project(code: &str, level: i32) -> Value {
    json!({"occupation_code": code, "skill_level": level, "training_type": "vocational_skill", "business_category": "employment_skill",
           "theory_hours": 40, "practice_hours": 80, "subsidy_yuan": "1,200.50"})
}

#[tokio::test]
async fn publish_search_and_withdraw_projects() {
    let t = TestApp::new().await;
    let gz = t.token("gz_regulator").await;
    let code = an_occupation(&t, &gz, "%E4%B8%AD%E5%BC%8F%E7%83%B9%E8%B0%83").await; // 中式烹调
    let r = t
        .api(
            Method::POST,
            "/catalogue",
            Some(&gz),
            Some(project(&code, 4)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let p = r.json();
    assert_eq!(p["subsidy_fen"], 120_050);
    assert!(p["name"].as_str().unwrap().contains("四级/中级工"));
    // The same project twice, a county regulator, bad values: refused.
    assert!(
        t.api(
            Method::POST,
            "/catalogue",
            Some(&gz),
            Some(project(&code, 4))
        )
        .await
        .problem(422)["errors"]
            .to_string()
            .contains("已有相同")
    );
    t.api(
        Method::POST,
        "/catalogue",
        Some(&t.token("nm_regulator").await),
        Some(project(&code, 3)),
    )
    .await
    .problem(403);
    let mut bad = project("4-00-00-00", 9);
    bad["training_type"] = json!("magic");
    bad["theory_hours"] = json!(0);
    bad["practice_hours"] = json!(0);
    let p = t
        .api(Method::POST, "/catalogue", Some(&gz), Some(bad))
        .await
        .problem(422);
    let msgs = p["errors"].to_string();
    for m in ["具体职业", "技能等级", "培训类型", "不能都为0"] {
        assert!(msgs.contains(m), "{m}: {msgs}");
    }
    let mut money = project(&code, 3);
    money["subsidy_yuan"] = json!("12.345");
    t.api(Method::POST, "/catalogue", Some(&gz), Some(money))
        .await
        .problem(422);

    // Everyone signed in reads the catalogue and finds it by name.
    let learner = t.token("learner").await;
    let list = t
        .api(
            Method::GET,
            "/catalogue?q=%E7%83%B9%E8%B0%83",
            Some(&learner),
            None,
        )
        .await
        .json();
    assert_eq!(list["total"], 1);
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    t.api(
        Method::POST,
        &format!("/catalogue/{id}/withdraw"),
        Some(&learner),
        None,
    )
    .await
    .problem(403);
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/catalogue/{id}/withdraw"),
            Some(&gz),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.api(Method::GET, "/catalogue", Some(&learner), None)
            .await
            .json()["total"],
        0
    );
    t.api(
        Method::POST,
        &format!("/catalogue/{id}/withdraw"),
        Some(&gz),
        None,
    )
    .await
    .problem(404);
}

#[tokio::test]
async fn institutions_declare_occupations_and_their_regulator_decides() {
    let t = TestApp::new().await;
    let inst = t.token("institution").await;
    let org_id = t.api(Method::GET, "/orgs", Some(&inst), None).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let code = an_occupation(&t, &inst, "%E5%AE%B6%E6%94%BF").await; // 家政
    let body = json!({"occupation_code": code, "skill_level": 5});
    let r = t
        .api(
            Method::POST,
            &format!("/orgs/{org_id}/declarations"),
            Some(&inst),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    t.api(
        Method::POST,
        &format!("/orgs/{org_id}/declarations"),
        Some(&inst),
        Some(body.clone()),
    )
    .await
    .problem(409);
    assert!(
        !t.app
            .catalogue()
            .has_approved_declaration(&org_id, &code)
            .await
            .unwrap()
    );

    // Another institution cannot declare for this one; an unapproved one cannot declare at all.
    let jz = t.token("jz_institution").await;
    t.api(
        Method::POST,
        &format!("/orgs/{org_id}/declarations"),
        Some(&jz),
        Some(body.clone()),
    )
    .await
    .problem(403);
    let jz_org = t.api(Method::GET, "/orgs", Some(&jz), None).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = t
        .api(
            Method::POST,
            &format!("/orgs/{jz_org}/declarations"),
            Some(&jz),
            Some(body.clone()),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("审核通过后"));

    // Only the regulator of the institution's region decides.
    t.api(
        Method::POST,
        &format!("/declarations/{id}/decision"),
        Some(&t.token("yy_regulator").await),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(404);
    t.api(
        Method::POST,
        &format!("/declarations/{id}/decision"),
        Some(&inst),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(403);
    let nm = t.token("nm_regulator").await;
    let pending = t
        .api(
            Method::GET,
            "/declarations?status=submitted",
            Some(&nm),
            None,
        )
        .await
        .json();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    t.api(
        Method::POST,
        &format!("/declarations/{id}/decision"),
        Some(&nm),
        Some(json!({"action": "return"})),
    )
    .await
    .problem(422);
    let r = t
        .api(
            Method::POST,
            &format!("/declarations/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "return", "reason": "缺少实训场地证明"})),
        )
        .await;
    assert_eq!(r.json()["status"], "returned");
    // Declared again after fixing, then approved.
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/orgs/{org_id}/declarations"),
            Some(&inst),
            Some(body)
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let r = t
        .api(
            Method::POST,
            &format!("/declarations/{id}/decision"),
            Some(&nm),
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(r.json()["status"], "approved");
    t.api(
        Method::POST,
        &format!("/declarations/{id}/decision"),
        Some(&nm),
        Some(json!({"action": "approve"})),
    )
    .await
    .problem(409);
    assert!(
        t.app
            .catalogue()
            .has_approved_declaration(&org_id, &code)
            .await
            .unwrap()
    );
    let mine = t
        .api(Method::GET, "/declarations", Some(&inst), None)
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(
        t.api(Method::GET, "/declarations", Some(&jz), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn catalogue_and_declaration_pages() {
    let t = TestApp::new().await;
    let gz_tok = t.token("gz_regulator").await;
    let code = an_occupation(&t, &gz_tok, "%E5%AE%B6%E6%94%BF").await;
    let mut gz = t.signed_in("gz_regulator").await;
    assert!(
        gz.get(&format!("/occupations?code={code}"))
            .await
            .text()
            .contains("以此职业发布培训项目")
    );
    let form = gz.get(&format!("/catalogue/new?occupation={code}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let bad = gz
        .post(
            "/catalogue/new",
            &[
                ("occupation_code", &code),
                ("skill_level", "5"),
                ("training_type", "vocational_skill"),
                ("business_category", "employment_skill"),
                ("theory_hours", "x"),
                ("practice_hours", "60"),
                ("subsidy_yuan", "800"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("理论学时应为整数"));
    let ok = gz
        .post(
            "/catalogue/new",
            &[
                ("occupation_code", &code),
                ("skill_level", "5"),
                ("training_type", "vocational_skill"),
                ("business_category", "employment_skill"),
                ("theory_hours", "30"),
                ("practice_hours", "60"),
                ("subsidy_yuan", "800"),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/catalogue?done=published");
    let mut inst = t.signed_in("institution").await;
    let list = inst.get("/catalogue").await.text();
    assert!(list.contains("共 1 个项目") && list.contains("800.00") && !list.contains("撤回"));
    assert_eq!(
        inst.get("/catalogue/new").await.status,
        StatusCode::FORBIDDEN
    );

    // The institution declares from the occupation page; the county regulator approves.
    let occ_page = inst.get(&format!("/occupations?code={code}")).await.text();
    assert!(occ_page.contains("申报为本机构培训工种"));
    let r = inst
        .post(
            "/declarations",
            &[
                ("occupation_code", &code),
                ("work_type_id", ""),
                ("skill_level", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        inst.get(&r.location())
            .await
            .text()
            .contains("申报已提交，等待人社部门审核。")
    );
    let again = inst
        .post(
            "/declarations",
            &[
                ("occupation_code", &code),
                ("work_type_id", ""),
                ("skill_level", "5"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains("该工种已申报"));
    let mut nm = t.signed_in("nm_regulator").await;
    let inbox = nm.get("/declarations?status=submitted").await.text();
    assert!(inbox.contains("南明职业技能培训学校"));
    let id = t
        .api(
            Method::GET,
            "/declarations?status=submitted",
            Some(&t.token("nm_regulator").await),
            None,
        )
        .await
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = nm
        .post(
            &format!("/declarations/{id}/decision"),
            &[("action", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = nm
        .post(
            &format!("/declarations/{id}/decision"),
            &[("action", "approve"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The regulator lands on a confirmation of what the decision did.
    assert!(
        nm.get(&r.location())
            .await
            .text()
            .contains("已通过该申报，机构可开设此工种的培训班。")
    );
    assert!(inst.get("/declarations").await.text().contains("已通过"));
    let x = inst.get("/catalogue/export").await;
    assert_eq!(&x.body[..2], b"PK");
}
