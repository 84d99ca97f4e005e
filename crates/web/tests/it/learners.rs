//! Learners: self-registration with an SMS code, bulk import (checks, modes, report,
//! one person one learner), activation of imported accounts, scoped lists.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{PW, TestApp, id, xlsx};
use axum::http::StatusCode;
use std::time::Duration;

pub(crate) async fn wait_for(
    t: &TestApp,
    who: &str,
    job: &str,
) -> jineng_app::learners::import::ImportJobView {
    let id = t.user_id(who).await;
    let p = jineng_app::Principal {
        user_id: id,
        username: who.into(),
        display_name: who.into(),
        grants: vec![],
    };
    // The principal needs its grants to see its organisation's job.
    let full = t.app.accounts().principal_of(&p.user_id).await.unwrap();
    for _ in 0..200 {
        let j = t.app.learners().import_job(&full, job).await.unwrap();
        if !j.status.running() {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import did not finish");
}

#[tokio::test]
async fn a_person_registers_with_an_sms_code() {
    let t = TestApp::new().await;
    let mut b = t.browser();
    assert!(
        b.get("/register/learner")
            .await
            .text()
            .contains("学员实名注册")
    );
    let token = b.csrf("/register/learner").await;
    let me = id("52010220000101123");
    let r = b
        .post_raw(
            "/register/learner",
            &[("_csrf", &token), ("op", "code"), ("phone", "13700001111")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("验证码已发送"));
    // A second request within a minute is refused.
    let again = b
        .post_raw(
            "/register/learner",
            &[("_csrf", &token), ("op", "code"), ("phone", "13700001111")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let code = t.last_code("13700001111");
    let form = |code: &str, idn: &str| {
        vec![
            ("name", "王小明".to_string()),
            ("id_number", idn.to_string()),
            ("phone", "13700001111".into()),
            ("code", code.to_string()),
            ("password", PW.into()),
            ("person_category", "rural_migrant".into()),
            ("education", "junior".into()),
            ("region_code", "520102".into()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let mut all = vec![("_csrf", token.clone()), ("op", "register".to_string())];
        all.extend(fields);
        all
    };
    // Wrong code first; then a bad ID number does not burn the right code.
    let f = send(form("000000", &me));
    let r = b
        .post_raw(
            "/register/learner",
            &f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    if code != "000000" {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("验证码不正确"));
    }
    let f = send(form(&code, "520102200001011230"));
    let r = b
        .post_raw(
            "/register/learner",
            &f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = send(form(&code, &me));
    let r = b
        .post_raw(
            "/register/learner",
            &f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(b.get("/").await.text().contains("您好，王小明"));
    // Sign in by ID number works too; the same ID cannot register twice.
    assert_eq!(
        t.browser().login(&me, PW).await.status,
        StatusCode::SEE_OTHER
    );
    let learner = t
        .app
        .accounts()
        .user_id_by_login("13700001111")
        .await
        .unwrap()
        .unwrap();
    let v = t
        .app
        .learners()
        .get(
            &t.app.accounts().principal_of(&learner).await.unwrap(),
            &learner,
        )
        .await
        .unwrap();
    assert_eq!(
        (v.gender, v.birth_date.as_str(), v.person_category_label),
        ("男", "2000-01-01", "农村转移就业劳动者")
    );
}

#[tokio::test]
async fn bulk_import_checks_every_row_and_never_duplicates_a_person() {
    let t = TestApp::new().await;
    let mut inst = t.signed_in("institution").await;
    let tpl = inst.get("/learners/import/template").await;
    assert_eq!(&tpl.body[..2], b"PK");
    let a = id("52010219900101101");
    let bb = id("52010219910202202");
    let existing = t
        .app
        .learners()
        .get(
            &t.app
                .accounts()
                .principal_of(&t.user_id("admin").await)
                .await
                .unwrap(),
            &t.user_id("learner").await,
        )
        .await
        .unwrap();
    let rows = [
        [
            "甲学员",
            a.as_str(),
            "13600000001",
            "农村转移就业劳动者",
            "初中",
            "520102",
        ],
        [
            "乙学员",
            bb.as_str(),
            "13600000002",
            "企业职工",
            "高中/中专/技校",
            "520103",
        ],
        [
            "丙",
            "520102199001011234",
            "1360000",
            "外星人",
            "博士后",
            "999999",
        ],
        [
            "丁学员",
            a.as_str(),
            "13600000004",
            "退役军人",
            "本科",
            "520102",
        ],
        [
            "陈学员",
            existing.id_number.as_str(),
            "13800000001",
            "脱贫人口",
            "大专",
            "520102",
        ],
        [
            "戊学员",
            &id("52010219920303303"),
            "13800000002",
            "其他",
            "本科",
            "520102",
        ],
    ];
    let file = xlsx(&rows);
    // All-or-nothing: bad rows, so nothing at all.
    let r = inst
        .post_multipart(
            "/learners/import",
            &[("mode", "all_or_nothing")],
            Some(("file", file.clone())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let job = r
        .location()
        .trim_start_matches("/learners/import/")
        .to_string();
    let j = wait_for(&t, "institution", &job).await;
    assert_eq!(
        (j.status.code(), j.good_rows, j.bad_rows, j.imported_rows),
        ("rejected", 3, 3, 0)
    );
    let report = serde_json::to_string(&j.bad).unwrap();
    assert!(
        report.contains("身份证号码校验位不正确")
            && report.contains("人员类别“外星人”不在列表中")
            && report.contains("不是本省的区县"),
        "{report}"
    );
    assert!(report.contains("与第2行身份证号码重复"), "{report}");
    assert!(
        report.contains("手机号码已被平台上的其他人使用"),
        "{report}"
    );
    assert!(
        t.app
            .accounts()
            .user_id_by_username("nobody")
            .await
            .unwrap()
            .is_none()
    );
    let page = inst.get(&format!("/learners/import/{job}")).await.text();
    assert!(page.contains("存在错误行，未导入任何数据") && page.contains("下载错误行报告"));
    let rep = inst.get(&format!("/learners/import/{job}/report")).await;
    assert_eq!(&rep.body[..2], b"PK");
    assert!(inst.get("/learners").await.text().contains("共 0 名学员"));

    // Good rows only: the three good ones. The two new people are created; the person
    // already on the platform is not copied and not linked — only asked.
    let r = inst
        .post_multipart(
            "/learners/import",
            &[("mode", "good_only")],
            Some(("file", file.clone())),
        )
        .await;
    let job = r
        .location()
        .trim_start_matches("/learners/import/")
        .to_string();
    let j = wait_for(&t, "institution", &job).await;
    assert_eq!(
        (j.status.code(), j.imported_rows, j.pending_rows),
        ("done", 2, 1)
    );
    assert!(
        inst.get(&format!("/learners/import/{job}"))
            .await
            .text()
            .contains("待本人确认")
    );
    let list = inst.get("/learners").await.text();
    assert!(
        list.contains("共 2 名学员")
            && list.contains("甲学员")
            && !list.contains("陈学员")
            && list.contains("待激活"),
        "{list}"
    );
    // 陈学员 sees the request in 我的培训 and accepts it; now the institution has them.
    let mut chen = t.signed_in("learner").await;
    let mine = chen.get("/training").await.text();
    assert!(
        mine.contains("机构邀请") && mine.contains("请求加入其学员名单"),
        "{mine}"
    );
    let org = t.org_id_of("institution").await;
    let r = chen
        .post(
            &format!("/training/invitations/{org}"),
            &[("answer", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!chen.get("/training").await.text().contains("机构邀请"));
    assert!(inst.get("/learners").await.text().contains("共 3 名学员"));
    // The same file again changes nothing.
    let r = inst
        .post_multipart(
            "/learners/import",
            &[("mode", "good_only")],
            Some(("file", file)),
        )
        .await;
    let job = r
        .location()
        .trim_start_matches("/learners/import/")
        .to_string();
    let j = wait_for(&t, "institution", &job).await;
    assert_eq!((j.imported_rows, j.pending_rows), (3, 0));
    assert!(inst.get("/learners").await.text().contains("共 3 名学员"));

    // Another organisation imports 甲 too: one person, asked, linked to both once 甲
    // accepts.
    let mut ent = t.signed_in("enterprise").await;
    let r = ent
        .post_multipart(
            "/learners/import",
            &[("mode", "all_or_nothing")],
            Some((
                "file",
                xlsx(&[[
                    "甲学员",
                    a.as_str(),
                    "13600000001",
                    "企业职工",
                    "初中",
                    "520103",
                ]]),
            )),
        )
        .await;
    let job = r
        .location()
        .trim_start_matches("/learners/import/")
        .to_string();
    let j = wait_for(&t, "enterprise", &job).await;
    assert_eq!((j.status.code(), j.pending_rows), ("done", 1));
    assert!(ent.get("/learners").await.text().contains("共 0 名学员"));
    let jia = t
        .app
        .accounts()
        .principal_of(&t.user_id_by_id_number(&a).await)
        .await
        .unwrap();
    let ent_org = t.org_id_of("enterprise").await;
    t.app
        .learners()
        .answer_link_request(&jia, &Default::default(), &ent_org, true)
        .await
        .unwrap();
    let ent_list = ent.get("/learners").await.text();
    assert!(
        ent_list.contains("共 1 名学员")
            && ent_list.contains("甲学员")
            && !ent_list.contains("乙学员")
    );
    let admin = t
        .app
        .accounts()
        .principal_of(&t.user_id("admin").await)
        .await
        .unwrap();
    let found = t
        .app
        .learners()
        .list(
            &admin,
            &jineng_app::learners::LearnerFilter {
                q: Some(a.clone()),
                ..Default::default()
            },
            jineng_app::page::PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1, "one person");

    // Regulators see learners by region: Yunyan's regulator sees 乙 only.
    let mut yy = t.signed_in("yy_regulator").await;
    let l = yy.get("/learners").await.text();
    assert!(l.contains("乙学员") && !l.contains("甲学员"), "{l}");
    // An unapproved institution cannot import; a learner cannot open the page.
    let mut jz = t.signed_in("jz_institution").await;
    let r = jz
        .post_multipart(
            "/learners/import",
            &[("mode", "good_only")],
            Some((
                "file",
                xlsx(&[[
                    "己学员",
                    &id("52010219930404404"),
                    "13600000009",
                    "其他",
                    "本科",
                    "520102",
                ]]),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        t.signed_in("learner")
            .await
            .get("/learners/import")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = inst
        .post_multipart(
            "/learners/import",
            &[("mode", "good_only")],
            Some(("file", b"not a spreadsheet".to_vec())),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("xlsx"));

    // 甲 activates with the phone on record and signs in.
    let mut p = t.browser();
    let token = p.csrf("/activate").await;
    assert_eq!(
        p.post_raw(
            "/activate",
            &[("_csrf", &token), ("op", "code"), ("phone", "13600000001")]
        )
        .await
        .status,
        StatusCode::OK
    );
    let code = t.last_code("13600000001");
    let r = p
        .post_raw(
            "/activate",
            &[
                ("_csrf", &token),
                ("op", "activate"),
                ("id_number", &a),
                ("phone", "13600000001"),
                ("code", &code),
                ("password", "Mine#2026ab"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(p.get("/").await.text().contains("您好，甲学员"));
    assert!(inst.get("/learners").await.text().contains("已激活"));
}

#[tokio::test]
async fn the_same_through_the_api() {
    use axum::http::Method;
    use serde_json::json;
    let t = TestApp::new().await;
    let r = t
        .api(
            Method::POST,
            "/sms/code",
            None,
            Some(json!({"phone": "13500002222", "purpose": "register"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["demo_code"],
        serde_json::Value::Null,
        "codes are not revealed outside demo mode"
    );
    t.api(
        Method::POST,
        "/sms/code",
        None,
        Some(json!({"phone": "13500002222", "purpose": "spam"})),
    )
    .await
    .problem(422);
    let code = t.last_code("13500002222");
    let me = id("52030219990909909");
    let body = json!({"name": "黄学员", "id_number": me, "phone": "13500002222", "code": code, "password": PW, "person_category": "graduate", "education": "bachelor", "region_code": "520302"});
    let r = t
        .api(Method::POST, "/learners/register", None, Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Registering again: the used code is refused first; with a fresh code the answer
    // says the ID number is taken (only to someone who proved the phone).
    let p = t
        .api(Method::POST, "/learners/register", None, Some(body.clone()))
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("验证码"), "{p}");
    let mut again = body;
    again["code"] = json!(t.code_for("13500002222", "register").await);
    let p = t
        .api(Method::POST, "/learners/register", None, Some(again))
        .await
        .problem(422);
    assert!(p["errors"].to_string().contains("已注册"), "{p}");
    // Zunyi's regulator sees the new learner (masked); Nanming's does not.
    let zy = t
        .api(
            Method::GET,
            "/learners?q=%E9%BB%84",
            Some(&t.token("zy_regulator").await),
            None,
        )
        .await
        .json();
    assert_eq!(zy["total"], 1);
    assert_eq!(
        zy["items"][0]["id_number"]
            .as_str()
            .unwrap()
            .matches('*')
            .count(),
        8
    );
    assert_eq!(
        t.api(
            Method::GET,
            "/learners?q=%E9%BB%84",
            Some(&t.token("nm_regulator").await),
            None
        )
        .await
        .json()["total"],
        0
    );
    t.api(
        Method::GET,
        "/learners",
        Some(&t.token("teacher").await),
        None,
    )
    .await
    .problem(403);

    // Import by API: the spreadsheet is the body; poll the job.
    let inst = t.token("institution").await;
    let file = xlsx(&[[
        "钟学员",
        &id("52010219880808808"),
        "13500003333",
        "企业职工",
        "大专",
        "520102",
    ]]);
    let r = t
        .raw_api(
            Method::POST,
            "/learners/imports?mode=good_only",
            &inst,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = r.json()["id"].as_str().unwrap().to_string();
    let mut status = String::new();
    for _ in 0..200 {
        let j = t
            .api(
                Method::GET,
                &format!("/learners/imports/{job}"),
                Some(&inst),
                None,
            )
            .await
            .json();
        status = j["status"].as_str().unwrap().to_string();
        if status == "done" {
            assert_eq!(j["imported_rows"], 1);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "done");
    t.api(
        Method::GET,
        &format!("/learners/imports/{job}"),
        Some(&t.token("enterprise").await),
        None,
    )
    .await
    .problem(404);
    let r = t
        .raw_api(
            Method::POST,
            "/learners/imports",
            &inst,
            "application/octet-stream",
            b"junk".to_vec(),
        )
        .await;
    r.problem(422);
}
