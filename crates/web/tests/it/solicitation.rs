//! Solicitation of course resources end to end through the API: the operator opens a
//! campaign, two providers apply, one is returned and corrects, both are approved; two
//! experts score blind (one conflicted by his unit and recused), the notice publishes the
//! shortlist on a public page, an objection is answered, the notice closes and admits;
//! the admission is suspended and ended. Also: a late submission, the same score sent
//! twice at once, and who may do what.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, pdf, read_xlsx};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

const SHEET: &str = "课程内容,40,40\n画面与声音,20,20\n题目相关性,20,20\n团队与保障,20,20";

fn campaign(t: &TestApp, title: &str) -> Value {
    let today = t.app.today();
    json!({
        "title": title,
        "wanted": "家政服务员、养老护理员线上课程",
        "requirements": "课程须符合国家职业技能标准，每门不少于16学时",
        "opens_on": today.to_string(),
        "closes_on": (today + chrono::Duration::days(10)).to_string(),
        "correct_days": 5,
        "notice_days": 7,
        "sheet": SHEET,
        "trim_from": 5,
    })
}

fn form() -> Value {
    json!({"summary": "省内数字课程制作单位", "courses": "家政服务员（初级）32学时",
           "team": "讲师5人、制作8人", "achievements": "已上线课程20门"})
}

async fn stage(
    t: &TestApp,
    tok: &str,
    id: &str,
    to: &str,
    pass: Option<&str>,
) -> crate::common::Resp {
    t.api(
        Method::POST,
        &format!("/solicitation/campaigns/{id}/stage"),
        Some(tok),
        Some(json!({"to": to, "pass_score": pass})),
    )
    .await
}

async fn apply(t: &TestApp, tok: &str, campaign: &str) -> String {
    let r = t
        .api(
            Method::PUT,
            &format!("/solicitation/campaigns/{campaign}/application"),
            Some(tok),
            Some(form()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

async fn open_campaign(t: &TestApp, op: &str, title: &str) -> String {
    let r = t
        .api(
            Method::POST,
            "/solicitation/campaigns",
            Some(op),
            Some(campaign(t, title)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = stage(t, op, &id, "open", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    id
}

#[tokio::test]
async fn a_campaign_runs_from_opening_to_admission() {
    let t = TestApp::new().await;
    let op = t.token("operator").await;
    let pa = t.token("provider").await;
    let pb = t.token("provider_b").await;
    let ex = t.token("expert").await;
    let lead = t.token("expert_leader").await;
    let learner = t.token("learner").await;

    // Only those who run campaigns open one; bad sheets and dates are named.
    let r = t
        .api(
            Method::POST,
            "/solicitation/campaigns",
            Some(&pa),
            Some(campaign(&t, "x")),
        )
        .await;
    r.problem(403);
    let mut bad = campaign(&t, "2027年课程资源征集");
    bad["sheet"] = json!("课程内容,40,40\n画面与声音,20,50");
    bad["closes_on"] = json!("2000-01-01");
    let p = t
        .api(
            Method::POST,
            "/solicitation/campaigns",
            Some(&op),
            Some(bad),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"sheet") && fields.contains(&"closes_on"),
        "{p}"
    );

    let r = t
        .api(
            Method::POST,
            "/solicitation/campaigns",
            Some(&op),
            Some(campaign(&t, "2027年家政养老课程资源征集")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["status"], "draft");
    assert_eq!(c["criteria"].as_array().unwrap().len(), 4);
    // A draft is the operator's alone.
    t.api(
        Method::GET,
        &format!("/solicitation/campaigns/{id}"),
        Some(&pa),
        None,
    )
    .await
    .problem(404);
    let listed = t
        .api(Method::GET, "/solicitation/campaigns", Some(&pa), None)
        .await
        .json();
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");
    let r = t
        .raw_api(
            Method::POST,
            &format!("/solicitation/campaigns/{id}/files?filename=征集公告.pdf"),
            &op,
            "application/pdf",
            pdf(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let doc = r.json()["id"].as_str().unwrap().to_string();
    let r = stage(&t, &op, &id, "open", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Published: providers read it and its documents.
    let r = t
        .api(
            Method::GET,
            &format!("/solicitation/campaigns/{id}/files/{doc}"),
            Some(&pa),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, pdf());

    // Apply: a draft may be incomplete; a submission may not.
    let r = t
        .api(
            Method::PUT,
            &format!("/solicitation/campaigns/{id}/application"),
            Some(&pa),
            Some(json!({"summary": "只写了简介"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let app_a = r.json()["id"].as_str().unwrap().to_string();
    let p = t
        .api(
            Method::POST,
            &format!("/solicitation/applications/{app_a}/submit"),
            Some(&pa),
            None,
        )
        .await
        .problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 3, "{p}");
    assert_eq!(
        apply(&t, &pa, &id).await,
        app_a,
        "a second save updates the draft"
    );
    let r = t
        .raw_api(
            Method::POST,
            &format!("/solicitation/applications/{app_a}/files?filename=资质.pdf"),
            &pa,
            "application/pdf",
            pdf(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let material = r.json()["id"].as_str().unwrap().to_string();
    // Another provider neither sees nor submits it.
    for (m, path) in [
        (Method::GET, format!("/solicitation/applications/{app_a}")),
        (
            Method::POST,
            format!("/solicitation/applications/{app_a}/submit"),
        ),
    ] {
        t.api(m, &path, Some(&pb), None).await.problem(404);
    }
    t.api(
        Method::GET,
        &format!("/solicitation/campaigns/{id}/files/{material}"),
        Some(&pb),
        None,
    )
    .await
    .problem(404);
    for (tok, app) in [(&pa, &app_a)] {
        let r = t
            .api(
                Method::POST,
                &format!("/solicitation/applications/{app}/submit"),
                Some(tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["status"], "submitted");
    }
    let app_b = apply(&t, &pb, &id).await;
    let r = t
        .api(
            Method::POST,
            &format!("/solicitation/applications/{app_b}/submit"),
            Some(&pb),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Submitted: no more changes.
    t.api(
        Method::PUT,
        &format!("/solicitation/campaigns/{id}/application"),
        Some(&pa),
        Some(form()),
    )
    .await
    .problem(409);

    // The window closes on its last day, not before.
    stage(&t, &op, &id, "reviewing", None).await.problem(409);
    t.clock.advance(chrono::Duration::days(11));
    let r = stage(&t, &op, &id, "reviewing", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    stage(&t, &op, &id, "roadshow", None).await.problem(409);

    // Material review: a return needs a reason and sets a deadline; the provider
    // corrects and submits again; both are approved.
    let review = |app: String, decision: &'static str, note: &'static str| {
        let (t, op) = (&t, op.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/solicitation/applications/{app}/review"),
                Some(&op),
                Some(json!({"decision": decision, "note": note})),
            )
            .await
        }
    };
    review(app_a.clone(), "return", "").await.problem(422);
    review(app_a.clone(), "maybe", "").await.problem(422);
    let r = review(app_a.clone(), "return", "请补充讲师资格证明").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let returned = r.json();
    assert_eq!(returned["status"], "returned");
    assert_eq!(
        returned["correct_by"],
        (t.app.today() + chrono::Duration::days(5)).to_string()
    );
    let seen = t
        .api(
            Method::GET,
            &format!("/solicitation/applications/{app_a}"),
            Some(&pa),
            None,
        )
        .await
        .json();
    assert_eq!(seen["review_note"], "请补充讲师资格证明");
    assert_eq!(apply(&t, &pa, &id).await, app_a);
    let r = t
        .api(
            Method::POST,
            &format!("/solicitation/applications/{app_a}/submit"),
            Some(&pa),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for app in [&app_a, &app_b] {
        let r = review(app.clone(), "approve", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    review(app_b.clone(), "reject", "重复").await.problem(409);

    // The roadshow needs experts.
    stage(&t, &op, &id, "roadshow", None).await.problem(409);
    // The pool: the leader works for provider_b (a conflict found by credit code).
    let b_code = {
        use jineng_store::organizations::organization;
        use sea_orm::EntityTrait;
        organization::Entity::find_by_id(t.org_id_of("provider_b").await)
            .one(&t.app.db)
            .await
            .unwrap()
            .unwrap()
            .credit_code
    };
    let mut ids = Vec::new();
    for (who, unit, code) in [
        ("expert", "贵州省家庭服务业协会", String::new()),
        ("expert_leader", "黔匠在线教育", b_code),
    ] {
        let r = t
            .api(
                Method::POST,
                "/experts",
                Some(&op),
                Some(
                    json!({"username": who, "unit_name": unit, "unit_credit_code": code,
                            "title": "高级技师", "specialities": ["4"], "group_id": null}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let (e1, e2) = (ids[0].clone(), ids[1].clone());
    for e in [&e1, &e2] {
        let r = t
            .api(
                Method::POST,
                &format!("/solicitation/campaigns/{id}/experts"),
                Some(&op),
                Some(json!({"expert_id": e})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let experts = t
        .api(
            Method::POST,
            &format!("/solicitation/campaigns/{id}/experts"),
            Some(&op),
            Some(json!({"expert_id": e1})),
        )
        .await;
    experts.problem(409);
    // An assigned expert stays in the pool: the roadshow's records name him.
    t.api(Method::DELETE, &format!("/experts/{e1}"), Some(&op), None)
        .await
        .problem(409);
    t.api(
        Method::POST,
        &format!("/solicitation/campaigns/{id}/experts"),
        Some(&op),
        Some(json!({"expert_id": "nobody"})),
    )
    .await
    .problem(422);
    let detail = t
        .api(
            Method::GET,
            &format!("/solicitation/campaigns/{id}"),
            Some(&op),
            None,
        )
        .await
        .json();
    let leader = detail["experts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["expert_id"] == e2.as_str())
        .unwrap();
    assert_eq!(leader["conflicts"].as_array().unwrap().len(), 1, "{leader}");
    // An expert cannot score before the roadshow starts.
    let score = |tok: &str, app: &str, points: Value| {
        let (t, tok, app) = (&t, tok.to_string(), app.to_string());
        async move {
            t.api(
                Method::POST,
                &format!("/solicitation/applications/{app}/score"),
                Some(&tok),
                Some(json!({"points": points, "comment": "表现良好"})),
            )
            .await
        }
    };
    score(&ex, &app_a, json!([36, 18, 17, 16]))
        .await
        .problem(404);
    let r = stage(&t, &op, &id, "roadshow", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Out of range, too few points: named; nothing stored.
    score(&ex, &app_a, json!([41, 18, 17, 16]))
        .await
        .problem(422);
    score(&ex, &app_a, json!([36, 18])).await.problem(422);
    score(&pa, &app_a, json!([36, 18, 17, 16]))
        .await
        .problem(403);
    // The same score sent twice at once counts once.
    let (r1, r2) = tokio::join!(
        score(&ex, &app_a, json!([36, 18, 17, 16])),
        score(&ex, &app_a, json!([36, 18, 17, 16]))
    );
    let mut codes = [r1.status.as_u16(), r2.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409], "{} / {}", r1.text(), r2.text());
    // Blind: the leader sees no one else's score before giving his own.
    let before = t
        .api(
            Method::GET,
            &format!("/solicitation/applications/{app_a}"),
            Some(&lead),
            None,
        )
        .await
        .json();
    assert!(before["scores"].as_array().unwrap().is_empty(), "{before}");
    // Nor does the applicant, ever.
    let own = t
        .api(
            Method::GET,
            &format!("/solicitation/applications/{app_a}"),
            Some(&pa),
            None,
        )
        .await
        .json();
    assert!(own["scores"].as_array().unwrap().is_empty(), "{own}");
    assert!(own["result"].is_null());
    let r = score(&lead, &app_a, json!([34, 16, 18, 15])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["scores"].as_array().unwrap().len(), 2);
    // The leader may not score his own unit's application; the expert has not scored it:
    // the notice waits.
    let p = score(&lead, &app_b, json!([40, 20, 20, 20]))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("回避"), "{p}");
    let p = stage(&t, &op, &id, "notice", Some("60")).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("李专家"), "{p}");
    stage(&t, &op, &id, "notice", Some("101"))
        .await
        .problem(422);
    let r = t
        .api(
            Method::POST,
            &format!("/solicitation/applications/{app_b}/recuse"),
            Some(&lead),
            Some(json!({"reason": "本人所在单位即申报单位"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = score(&ex, &app_b, json!([20, 10, 10, 10])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // The notice: results computed, the shortlist published without sign-in.
    let r = stage(&t, &op, &id, "notice", Some("60")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["pass_score"], "60.00");
    let a = t
        .api(
            Method::GET,
            &format!("/solicitation/applications/{app_a}"),
            Some(&pa),
            None,
        )
        .await
        .json();
    assert_eq!(
        (a["status"].as_str(), a["result"].as_str()),
        (Some("shortlisted"), Some("85.00"))
    );
    let b = t
        .api(
            Method::GET,
            &format!("/solicitation/applications/{app_b}"),
            Some(&pb),
            None,
        )
        .await
        .json();
    assert_eq!(
        (b["status"].as_str(), b["result"].as_str()),
        (Some("not_admitted"), Some("50.00"))
    );
    let page = t.browser().get(&format!("/notices/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(a["org_name"].as_str().unwrap()) && html.contains("85.00"),
        "{html}"
    );
    assert!(
        !html.contains(b["org_name"].as_str().unwrap()),
        "only the shortlist is published"
    );
    assert_eq!(t.browser().get("/notices").await.status, StatusCode::OK);

    // Objections: anyone signed in, while the notice runs; answered once.
    let object = |body: &'static str| {
        let (t, learner, id, app) = (&t, learner.clone(), id.clone(), app_a.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/solicitation/campaigns/{id}/objections"),
                Some(&learner),
                Some(json!({"application_id": app, "body": body})),
            )
            .await
        }
    };
    object("不服").await.problem(422);
    let r = object("该单位讲师资格证明与实际授课人员不符").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let objection = r.json()["id"].as_str().unwrap().to_string();
    // One person files at most five objections to a notice, also when sent at once;
    // the operator answers them.
    let other = t.token("learner_yy").await;
    let sends = (0..6).map(|i| {
        let (t, other, id, app) = (&t, other.clone(), id.clone(), app_a.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/solicitation/campaigns/{id}/objections"),
                Some(&other),
                Some(json!({"application_id": app, "body": format!("第{i}条：讲师资格证明与实际授课人员不符")})),
            )
            .await
        }
    });
    let rs = futures::future::join_all(sends).await;
    let filed: Vec<String> = rs
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .map(|r| r.json()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        filed.len(),
        5,
        "{:?}",
        rs.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        rs.iter()
            .filter(|r| r.status == StatusCode::CONFLICT)
            .count(),
        1
    );
    for o in &filed {
        let r = t
            .api(
                Method::POST,
                &format!("/solicitation/objections/{o}/answer"),
                Some(&op),
                Some(json!({"answer": "经核查，讲师资格证明齐全"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let p = stage(&t, &op, &id, "closed", None).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("期满"), "{p}");
    t.clock.advance(chrono::Duration::days(7));
    object("公示期满后再提出的异议").await.problem(409);
    let p = stage(&t, &op, &id, "closed", None).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("未答复"), "{p}");
    let answer = |text: &'static str| {
        let (t, op, o) = (&t, op.clone(), objection.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/solicitation/objections/{o}/answer"),
                Some(&op),
                Some(json!({"answer": text})),
            )
            .await
        }
    };
    answer("").await.problem(422);
    t.api(
        Method::POST,
        &format!("/solicitation/objections/{objection}/answer"),
        Some(&learner),
        Some(json!({"answer": "自己答复"})),
    )
    .await
    .problem(403);
    let r = answer("经核查，讲师资格证明真实有效，异议不成立").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    answer("再次答复").await.problem(409);
    // The objector sees the answer on the campaign's page (their own objection only).
    let mine = t
        .api(
            Method::GET,
            &format!("/solicitation/campaigns/{id}"),
            Some(&learner),
            None,
        )
        .await
        .json();
    assert_eq!(
        mine["objections"][0]["answer"],
        "经核查，讲师资格证明真实有效，异议不成立"
    );
    assert!(mine["objections"][0]["filed_by"].is_null());
    assert!(mine["applications"].as_array().unwrap().is_empty());

    let r = stage(&t, &op, &id, "closed", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    stage(&t, &op, &id, "closed", None).await.problem(409);
    let a = t
        .api(
            Method::GET,
            &format!("/solicitation/applications/{app_a}"),
            Some(&pa),
            None,
        )
        .await
        .json();
    assert_eq!(a["status"], "admitted");

    // Admissions: the operator's list, the provider's own; standing moves with a reason.
    let all = t
        .api(Method::GET, "/solicitation/admissions", Some(&op), None)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    let adm = all[0]["id"].as_str().unwrap().to_string();
    let own = t
        .api(Method::GET, "/solicitation/admissions", Some(&pa), None)
        .await
        .json();
    assert_eq!(own[0]["id"], adm.as_str());
    let other = t
        .api(Method::GET, "/solicitation/admissions", Some(&pb), None)
        .await
        .json();
    assert!(other.as_array().unwrap().is_empty());
    let set = |to: &'static str, reason: &'static str| {
        let (t, op, adm) = (&t, op.clone(), adm.clone());
        async move {
            t.api(
                Method::POST,
                &format!("/solicitation/admissions/{adm}/status"),
                Some(&op),
                Some(json!({"to": to, "reason": reason})),
            )
            .await
        }
    };
    set("suspended", "").await.problem(422);
    set("paused", "x").await.problem(422);
    assert_eq!(
        set("suspended", "课程投诉较多，暂停整改").await.status,
        StatusCode::OK
    );
    set("suspended", "再次暂停").await.problem(409);
    assert_eq!(
        set("ended", "整改不到位，终止入驻").await.status,
        StatusCode::OK
    );
    set("active", "恢复").await.problem(409);

    // The results as a spreadsheet; the campaign's page in the browser.
    let mut op_browser = t.signed_in("operator").await;
    let x = op_browser
        .get(&format!("/solicitation/{id}/results.xlsx"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = read_xlsx(&x.body);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter().any(|r| r.contains(&"85.00".to_string())),
        "{rows:?}"
    );
    let page = op_browser.get(&format!("/solicitation/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("2027年家政养老课程资源征集"));
}

#[tokio::test]
async fn a_late_submission_is_refused_and_pages_take_forms() {
    let t = TestApp::new().await;
    let op = t.token("operator").await;
    let pa = t.token("provider").await;
    let id = open_campaign(&t, &op, "2027年电商直播课程资源征集").await;
    let app = apply(&t, &pa, &id).await;
    t.clock.advance(chrono::Duration::days(11));
    let p = t
        .api(
            Method::POST,
            &format!("/solicitation/applications/{app}/submit"),
            Some(&pa),
            None,
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("截止"), "{p}");
    // A new application after the window: refused as well.
    let pb = t.token("provider_b").await;
    t.api(
        Method::PUT,
        &format!("/solicitation/campaigns/{id}/application"),
        Some(&pb),
        Some(form()),
    )
    .await
    .problem(409);

    // Pages: the operator creates a campaign through the form; a bad sheet answers the
    // form with the reason.
    let mut b = t.signed_in("operator").await;
    let today = t.app.today();
    let closes = (today + chrono::Duration::days(3)).to_string();
    let fields = |sheet: &'static str| {
        vec![
            ("title", "2027年页面征集"),
            ("wanted", "直播电商"),
            ("requirements", "16学时以上"),
            ("correct_days", "5"),
            ("notice_days", "7"),
            ("trim_from", "5"),
            ("sheet", sheet),
        ]
    };
    let today_s = today.to_string();
    let mut f = fields("内容,40,40");
    f.push(("opens_on", today_s.as_str()));
    f.push(("closes_on", closes.as_str()));
    let r = b.post("/solicitation", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("权重之和"), "{}", r.text());
    let mut f = fields(SHEET);
    f.push(("opens_on", today_s.as_str()));
    f.push(("closes_on", closes.as_str()));
    let r = b.post("/solicitation", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let at = r.location();
    assert!(at.contains("done=created"), "{at}");
    let page = b.get(&at).await;
    assert!(page.text().contains("2027年页面征集"));
    // A provider's page shows the campaign list; the public notices need no sign-in.
    let mut p = t.signed_in("provider").await;
    let list = p.get("/solicitation").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("2027年电商直播课程资源征集"));
    assert!(
        !list.text().contains("2027年页面征集"),
        "a draft stays hidden"
    );
}

/// A campaign in its roadshow: `provider` applied and was approved; `expert` and
/// `expert_leader` are assigned. Returns (campaign, application).
async fn in_roadshow(t: &TestApp, op: &str, title: &str) -> (String, String) {
    let pa = t.token("provider").await;
    let id = open_campaign(t, op, title).await;
    let app = apply(t, &pa, &id).await;
    let r = t
        .api(
            Method::POST,
            &format!("/solicitation/applications/{app}/submit"),
            Some(&pa),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    t.clock.advance(chrono::Duration::days(11));
    assert_eq!(
        stage(t, op, &id, "reviewing", None).await.status,
        StatusCode::OK
    );
    let r = t
        .api(
            Method::POST,
            &format!("/solicitation/applications/{app}/review"),
            Some(op),
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let pool = t.api(Method::GET, "/experts", Some(op), None).await.json();
    let mut ids: Vec<String> = pool
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["username"] == "expert" || e["username"] == "expert_leader")
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    if ids.is_empty() {
        for who in ["expert", "expert_leader"] {
            let r = t
                .api(
                    Method::POST,
                    "/experts",
                    Some(op),
                    Some(
                        json!({"username": who, "unit_name": "贵州省职业技能鉴定协会",
                                "specialities": ["4"], "group_id": null}),
                    ),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            ids.push(r.json()["id"].as_str().unwrap().to_string());
        }
    }
    for e in &ids {
        let r = t
            .api(
                Method::POST,
                &format!("/solicitation/campaigns/{id}/experts"),
                Some(op),
                Some(json!({"expert_id": e})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    assert_eq!(
        stage(t, op, &id, "roadshow", None).await.status,
        StatusCode::OK
    );
    (id, app)
}

/// The last score and the move to the notice sent at once: the notice is either refused
/// (a score still owed) or published with every score counted — never a result that
/// misses a score that was accepted.
#[tokio::test]
async fn a_score_racing_the_notice_is_counted_or_the_notice_waits() {
    let t = TestApp::new().await;
    let op = t.token("operator").await;
    let ex = t.token("expert").await;
    let lead = t.token("expert_leader").await;
    let pa = t.token("provider").await;
    for round in 0..3 {
        let (id, app) = in_roadshow(&t, &op, &format!("竞争测试征集{round}")).await;
        let r = t
            .api(
                Method::POST,
                &format!("/solicitation/applications/{app}/score"),
                Some(&ex),
                Some(json!({"points": [40, 20, 20, 20]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let path = format!("/solicitation/applications/{app}/score");
        let (scored, noticed) = tokio::join!(
            t.api(
                Method::POST,
                &path,
                Some(&lead),
                Some(json!({"points": [20, 10, 10, 10]})),
            ),
            stage(&t, &op, &id, "notice", Some("0"))
        );
        let a = t
            .api(
                Method::GET,
                &format!("/solicitation/applications/{app}"),
                Some(&pa),
                None,
            )
            .await
            .json();
        match (scored.status.as_u16(), noticed.status.as_u16()) {
            // The notice first: it waits for the score still owed.
            (200, 409) => assert_eq!(a["status"], "approved", "{a}"),
            // The score first: counted (mean of 100 and 50).
            (200, 200) => assert_eq!(a["result"], "75.00", "{a}"),
            other => panic!(
                "round {round}: {other:?} {} / {}",
                scored.text(),
                noticed.text()
            ),
        }
    }
}
