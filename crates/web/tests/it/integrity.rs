//! Integrity findings of issue 9 that are not about files: searches taken literally,
//! and (below) rules the database enforces on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::classes::{class, ready};
use crate::common::*;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn search_text_is_taken_literally() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let search = |q: &'static str| {
        let t = &t;
        let admin = admin.clone();
        async move {
            let path = format!("/users?per_page=200&q={}", urlencode(q));
            let r = t.api(Method::GET, &path, Some(&admin), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()
        }
    };
    let all = search("").await["total"].as_u64().unwrap();
    assert!(all > 10);
    // Wildcards typed into the box used to match every account.
    assert_eq!(search("%").await["total"], 0);
    assert_eq!(search("\\").await["total"], 0);
    // "_" finds the accounts that have one, not every account.
    let found = search("_").await;
    let items = found["items"].as_array().unwrap();
    assert!(!items.is_empty() && (items.len() as u64) < all);
    for u in items {
        let text = format!("{}{}", u["username"], u["display_name"]);
        assert!(text.contains('_'), "{text}");
    }
    // The same for organisations and the audit trail's actor search.
    for path in ["/orgs?q=%25", "/audit?user=%25"] {
        let r = t.api(Method::GET, path, Some(&admin), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        assert_eq!(r.json()["total"], 0, "{path}");
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap()[1..].to_string()
}

/// Six classes of the same project that run at the same time.
async fn six_classes(t: &TestApp, inst: &str, project: &str) -> Vec<String> {
    let start = (t.app.now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let mut out = Vec::new();
    for _ in 0..6 {
        let r = t
            .api(
                Method::POST,
                "/classes",
                Some(inst),
                Some(class(project, &start)),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        out.push(r.json()["id"].as_str().unwrap().to_string());
    }
    out
}

/// The "one open class per project" rule, with every class asked at once: exactly
/// one enrolment of a learner wins. Run on PostgreSQL in CI, where nothing but the
/// row locks serialises the checks.
#[tokio::test]
async fn one_open_class_per_project_holds_under_concurrent_enrolment() {
    let t = TestApp::new().await;
    let (project, learners) = ready(&t).await;
    let inst = t.token("institution").await;
    let classes = six_classes(&t, &inst, &project).await;
    for learner in &learners {
        let paths: Vec<String> = classes
            .iter()
            .map(|c| format!("/classes/{c}/enrollments"))
            .collect();
        let tries = paths.iter().map(|p| {
            t.api(
                Method::POST,
                p,
                Some(&inst),
                Some(json!({"learner_ids": [learner]})),
            )
        });
        let statuses: Vec<StatusCode> = futures::future::join_all(tries)
            .await
            .into_iter()
            .map(|r| r.status)
            .collect();
        let won = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(won, 1, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::CREATED || s.is_client_error()),
            "{statuses:?}"
        );
    }
    // What the classes say agrees with what was answered.
    let mut enrolled = 0;
    for c in &classes {
        let r = t
            .api(Method::GET, &format!("/classes/{c}"), Some(&inst), None)
            .await;
        let d = r.json();
        assert_eq!(
            d["class"]["enrolled"],
            d["learners"].as_array().unwrap().len()
        );
        enrolled += d["class"]["enrolled"].as_u64().unwrap();
    }
    assert_eq!(enrolled, learners.len() as u64);
}

/// A teacher asked for by six overlapping classes at once is booked into one.
#[tokio::test]
async fn a_teacher_is_booked_once_under_concurrent_bookings() {
    let t = TestApp::new().await;
    let (project, _) = ready(&t).await;
    let inst = t.token("institution").await;
    let body = json!({"name": "刘老师", "id_number": id("52010219800808888"), "full_time": true, "subjects": "家政服务", "level": "senior", "qualifications": "高级技师", "years_teaching": 12, "experience": "从事家政培训十二年"});
    let r = t
        .api(Method::POST, "/teachers", Some(&inst), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let link = r.json()["link_id"].as_str().unwrap().to_string();
    let teacher = r.json()["teacher_id"].as_str().unwrap().to_string();
    let r = t
        .api(
            Method::POST,
            &format!("/teachers/{link}/decision"),
            Some(&t.token("nm_regulator").await),
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let classes = six_classes(&t, &inst, &project).await;
    let paths: Vec<String> = classes
        .iter()
        .map(|c| format!("/classes/{c}/teachers"))
        .collect();
    let tries = paths.iter().map(|p| {
        t.api(
            Method::POST,
            p,
            Some(&inst),
            Some(json!({"teacher_id": teacher})),
        )
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(won, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::NO_CONTENT || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
}

/// Finding 8: one name rule, age bounds, the whole credit-code check.
#[tokio::test]
async fn names_ages_and_codes_follow_one_rule() {
    use crate::orgs::{org, register_only};
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let teacher = |name: &str, id17: &str| json!({"name": name, "id_number": id(id17), "full_time": true, "subjects": "家政服务", "level": "senior", "qualifications": "高级技师", "years_teaching": 12, "experience": "从事家政培训十二年"});
    for bad in [
        "王\u{0}五",
        "王\u{202E}五",
        "王\u{200B}五",
        "王\n五",
        "王五😀",
        "+王五",
        "-王五",
        "@王五",
        "=王五",
        "王&五",
    ] {
        let p = t
            .api(
                Method::POST,
                "/teachers",
                Some(&inst),
                Some(teacher(bad, "52010219800808888")),
            )
            .await
            .problem(422);
        assert!(p["errors"].to_string().contains("姓名"), "{bad:?}: {p}");
    }
    // A minority name typed with another dot is kept in the one standard form.
    let r = t
        .api(
            Method::POST,
            "/teachers",
            Some(&inst),
            Some(teacher("买买提•艾力", "52010219800808888")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let list = t
        .api(Method::GET, "/teachers", Some(&inst), None)
        .await
        .text();
    assert!(list.contains("买买提·艾力"), "{list}");

    // Organisations: a legal representative aged two, a wrong organisation-code check
    // character, a region that is no province, a name hiding its direction.
    let mut infant_rep = org("南明幼苗培训学校", "91520102MA6TEW01", "520102");
    let born = (t.app.now() - chrono::Duration::days(2 * 365))
        .format("%Y%m%d")
        .to_string();
    infant_rep["legal_rep_id"] = json!(id(&format!("520102{born}123")));
    let inner = {
        let good = jineng_core::identity::credit_code::complete("91520102MA6TEW02").unwrap();
        let wrong = if &good[16..17] == "1" { '2' } else { '1' };
        let first17 = format!("{}{wrong}", &good[..16]);
        let c = jineng_core::identity::credit_code::check_char(first17.as_bytes()).unwrap();
        format!("{first17}{c}")
    };
    let mut wrong_inner = org("南明错码培训学校", "91520102MA6TEW03", "520102");
    wrong_inner["credit_code"] = json!(inner);
    let nowhere = org("南明无区培训学校", "91990102MA6TEW04", "520102");
    let hidden = org("南明\u{202E}培训学校", "91520102MA6TEW05", "520102");
    for (n, (body, says)) in [
        (infant_rep, "法定代表人应年满18周岁"),
        (wrong_inner, "组织机构代码"),
        (nowhere, "行政区划码无效"),
        (hidden, "文字方向控制字符"),
    ]
    .into_iter()
    .enumerate()
    {
        let p = register_only(&t, body, &format!("rule_admin{n}"))
            .await
            .problem(422);
        assert!(p.to_string().contains(says), "{says}: {p}");
    }

    // Learners: an infant in an import is refused with the age rule.
    let baby = (t.app.now() - chrono::Duration::days(365))
        .format("%Y%m%d")
        .to_string();
    let file = xlsx(&[[
        "小宝",
        &id(&format!("520102{baby}123")),
        "13500006666",
        "其他",
        "初中",
        "520102",
    ]]);
    let r = t
        .raw_api(
            Method::POST,
            "/learners/imports?mode=all_or_nothing",
            &inst,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = r.json()["id"].as_str().unwrap().to_string();
    let j = crate::learners::wait_for(&t, "institution", &job).await;
    assert!(
        serde_json::to_string(&j.bad)
            .unwrap()
            .contains("学员应年满16周岁"),
        "{:?}",
        j.bad
    );
}

async fn shown(t: &TestApp, admin: &str, learner: &str) -> serde_json::Value {
    let r = t
        .api(
            Method::GET,
            &format!("/learners/{learner}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Finding 5: ciphertexts are bound to their place, and the rotation job moves every
/// value to the newest key so the old one can be retired.
#[tokio::test]
async fn personal_data_is_bound_to_its_place_and_old_keys_can_be_retired() {
    use jineng_app::crypto::pii::Keyring;
    use sea_orm::ConnectionTrait;
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let admin = t.token("admin").await;
    let learner = t.user_id("learner").await;
    let before = shown(&t, &admin, &learner).await;
    assert!(before["id_number"].as_str().unwrap().len() == 18);

    // Swapping two people's encrypted ID numbers in the database does not swap them on
    // screen: the moved values no longer decrypt.
    let other = t.user_id("learner_yy").await;
    let swap = format!(
        "UPDATE users SET id_number_enc = (SELECT id_number_enc FROM users WHERE id = '{other}') WHERE id = '{learner}'"
    );
    t.app.db.execute_unprepared(&swap).await.unwrap();
    assert_eq!(
        shown(&t, &admin, &learner).await["id_number"],
        "（无法解密）"
    );
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let learner = t.user_id("learner").await;
    let admin = t.token("admin").await;
    let before = shown(&t, &admin, &learner).await;

    // A new key k2 goes first; the rotation rewrites everything with it.
    let (keys, blind, audit) = t.keys.clone();
    let k2 = Keyring::generate().0.replacen("k1:", "k2:", 1);
    let mut rotated = t.app.clone();
    rotated.keyring =
        std::sync::Arc::new(Keyring::from_config(&format!("{k2},{keys}"), &blind, &audit).unwrap());
    let report = rotated.rotate_keys().await.unwrap();
    assert!(report.rewritten > 20, "{report:?}");
    assert_eq!((report.unreadable, report.raced), (0, 0), "{report:?}");
    assert_eq!(
        report.keys_in_use.keys().collect::<Vec<_>>(),
        ["k2"],
        "{report:?}"
    );
    // Run again: nothing left to do.
    let again = rotated.rotate_keys().await.unwrap();
    assert_eq!(again.rewritten, 0);

    // k1 retired: the platform with k2 alone still reads every value.
    let mut retired = t.app.clone();
    retired.keyring = std::sync::Arc::new(Keyring::from_config(&k2, &blind, &audit).unwrap());
    let me = retired
        .learners()
        .get(
            &retired
                .accounts()
                .principal_of(&t.user_id("admin").await)
                .await
                .unwrap(),
            &learner,
        )
        .await
        .unwrap();
    assert_eq!(me.id_number, before["id_number"].as_str().unwrap());
    assert_eq!(me.phone, before["phone"].as_str().unwrap());
    // And the audit chain is whole.
    assert_eq!(
        jineng_app::audit::verify(&t.app.db, t.app.keyring.audit_key())
            .await
            .unwrap()
            .broken_at,
        None
    );
}

/// Finding 7: a body error names the field it is about, not the value sent.
#[tokio::test]
async fn body_errors_name_the_field() {
    let t = TestApp::new().await;
    let gz = t.token("gz_regulator").await;
    let admin = t.token("admin").await;
    for (token, path, body, field) in [
        (
            &gz,
            "/catalogue",
            json!({"occupation_code": "4-10-01-06", "skill_level": 5, "training_type": "vocational_skill", "business_category": "employment_skill", "theory_hours": 40, "practice_hours": 60, "subsidy_yuan": 1}),
            "subsidy_yuan",
        ),
        (
            &admin,
            "/users",
            json!({"username": "zz9", "display_name": null, "password": "Strong#2026", "roles": [{"role": "learner"}]}),
            "display_name",
        ),
        (
            &admin,
            "/users",
            json!({"username": "zz9", "display_name": "x", "password": "Strong#2026", "roles": [{"role": "learner", "oops": 1}]}),
            "roles[0].oops",
        ),
        (
            &admin,
            "/users",
            json!({"display_name": "x", "password": "Strong#2026", "roles": []}),
            "username",
        ),
    ] {
        let p = t
            .api(Method::POST, path, Some(token), Some(body))
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
        assert!(p["detail"].as_str().unwrap().starts_with(field), "{p}");
    }
}

/// Finding 5: the blind-index key can be changed — every index is recomputed and the
/// look-ups work under the new key, and only under it.
#[tokio::test]
async fn the_blind_index_key_can_be_changed() {
    use jineng_app::crypto::pii::Keyring;
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let admin = t
        .app
        .accounts()
        .principal_of(&t.user_id("admin").await)
        .await
        .unwrap();
    let learner = t.user_id("learner").await;
    let me = t.app.learners().get(&admin, &learner).await.unwrap();
    let find = |app: &jineng_app::App, q: &str| {
        let (app, admin, q) = (app.clone(), admin.clone(), q.to_string());
        async move {
            let f = jineng_app::accounts::users::UserFilter {
                q: Some(q),
                ..Default::default()
            };
            app.accounts()
                .list_users(&admin, &f, jineng_app::page::PageRequest::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|u| u.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        find(&t.app, &me.id_number).await,
        std::slice::from_ref(&learner)
    );

    let new_blind = Keyring::generate_key();
    let report = t.app.reindex_blind(&new_blind).await.unwrap();
    assert!(
        report.reindexed > 20 && report.unreadable == 0,
        "{report:?}"
    );
    let mut after = t.app.clone();
    after.keyring = std::sync::Arc::new(t.app.keyring.with_blind_key(&new_blind).unwrap());
    // Under the new key the person is found by ID number and by phone; under the old
    // one no longer.
    assert_eq!(
        find(&after, &me.id_number).await,
        std::slice::from_ref(&learner)
    );
    assert_eq!(
        find(&after, &me.phone).await,
        std::slice::from_ref(&learner)
    );
    assert!(find(&t.app, &me.id_number).await.is_empty());
}

/// Finding 2: a "one per" rule held by a unique constraint answers a race with one
/// success and conflicts — never a server error — on both backends.
#[tokio::test]
async fn one_declaration_per_occupation_and_level_under_concurrent_requests() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let org = t.org_id_of("institution").await;
    let path = format!("/orgs/{org}/declarations");
    let tries = (0..6).map(|_| {
        t.api(
            Method::POST,
            &path,
            Some(&inst),
            Some(json!({"occupation_code": "4-10-01-05", "skill_level": 4})),
        )
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| s.is_success()).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| s.is_success() || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
}

/// One learner scanning from several phones at once is signed in once, and every other
/// phone hears that they already are (the learner's own row decides, not the device's).
#[tokio::test]
async fn a_learner_scanning_from_several_phones_at_once_is_signed_in_once() {
    let t = TestApp::new().await;
    let (_, sid, members) = crate::attendance::session_under_way(&t).await;
    let token = crate::attendance::current_qr(&t, &sid).await;
    let member = t.app.accounts().principal_of(&members[0]).await.unwrap();
    let mut phones = Vec::new();
    for n in 0..6 {
        let (_, bearer) = t
            .app
            .accounts()
            .create_token(
                &member,
                &Default::default(),
                &format!("phone {n}"),
                None,
                jineng_core::accounts::TokenScope::Full,
            )
            .await
            .unwrap();
        phones.push(bearer);
    }
    let path = format!("/sessions/{sid}/checkin");
    let tries = phones.iter().map(|bearer| {
        t.api(
            Method::POST,
            &path,
            Some(bearer),
            Some(json!({"token": token})),
        )
    });
    let answers = futures::future::join_all(tries).await;
    let won = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        won,
        1,
        "{:?}",
        answers.iter().map(|r| r.text()).collect::<Vec<_>>()
    );
    for r in answers.iter().filter(|r| r.status != StatusCode::OK) {
        let p = r.problem(409);
        assert!(p["detail"].as_str().unwrap().contains("您已签到"), "{p}");
    }
}

/// One phone passed round: several learners at once from the same device session, one is
/// signed in and the rest are told why not — the device index decides on both backends.
#[tokio::test]
async fn one_device_signs_in_one_learner_under_concurrent_scans() {
    let t = TestApp::new().await;
    let (_, sid, members) = crate::attendance::session_under_way(&t).await;
    let token = crate::attendance::current_qr(&t, &sid).await;
    let device = jineng_app::attendance::device_id("one shared phone");
    let mut learners = Vec::new();
    for m in &members {
        learners.push(t.app.accounts().principal_of(m).await.unwrap());
    }
    let ctx = jineng_app::RequestCtx::default();
    let tries = learners.iter().map(|who| {
        let input = jineng_app::attendance::CheckIn {
            token: &token,
            device: &device,
            location: None,
        };
        let (t, ctx, sid) = (&t, &ctx, &sid);
        async move { t.app.attendance().check_in(who, ctx, sid, &input).await }
    });
    let results = futures::future::join_all(tries).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        match r {
            Err(jineng_app::AppError::Conflict(m)) => assert!(m.contains("这台设备"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}

/// The two ways the database can refuse a sign-in row are told apart on both backends:
/// the learner's own row already there, or the device already used for someone else.
#[tokio::test]
async fn a_refused_sign_in_row_is_explained_by_the_constraint_that_refused_it() {
    use jineng_store::classes::attendance;
    use sea_orm::{EntityTrait, Set};
    let t = TestApp::new().await;
    let (_, sid, members) = crate::attendance::session_under_way(&t).await;
    let row = |user: &str, device: &str| attendance::ActiveModel {
        session_id: Set(sid.clone()),
        user_id: Set(user.to_string()),
        how: Set(jineng_core::classes::CheckinMethod::Qr),
        at: Set(t.app.now()),
        device: Set(Some(device.to_string())),
        lat_e6: Set(None),
        lng_e6: Set(None),
        accuracy_m: Set(None),
    };
    attendance::Entity::insert(row(&members[0], "phone-a"))
        .exec(&t.app.db)
        .await
        .unwrap();
    let again = attendance::Entity::insert(row(&members[0], "phone-b"))
        .exec(&t.app.db)
        .await
        .unwrap_err();
    match jineng_app::attendance::checkin_clash(again) {
        jineng_app::AppError::Conflict(m) => assert!(m.contains("您已签到"), "{m}"),
        other => panic!("{other:?}"),
    }
    let passed_round = attendance::Entity::insert(row(&members[1], "phone-a"))
        .exec(&t.app.db)
        .await
        .unwrap_err();
    match jineng_app::attendance::checkin_clash(passed_round) {
        jineng_app::AppError::Conflict(m) => assert!(m.contains("这台设备"), "{m}"),
        other => panic!("{other:?}"),
    }
}
