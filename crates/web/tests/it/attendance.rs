//! Sessions, the rotating sign-in QR code, learners' check-in, staff marking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, read_xlsx};
use axum::http::{Method, StatusCode};
use serde_json::json;

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"))
        + start.len();
    let j = text[i..].find(end).unwrap() + i;
    &text[i..j]
}

#[tokio::test]
async fn qr_check_in_and_marking() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let nm = t.token("nm_regulator").await;
    let cid = t
        .api(Method::GET, "/classes?status=approved", Some(&nm), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let inst_tok = t.token("institution").await;
    t.clock.advance(chrono::Duration::days(8));
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst_tok),
            Some(json!({"action": "start"}))
        )
        .await
        .json()["status"],
        "in_training"
    );

    // Half past nine on a training day: the 09:00 session below is under way.
    t.to_cst(9, 30);
    let mut inst = t.signed_in("institution").await;
    let today = (t.app.now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    let bad = inst
        .post(
            &format!("/classes/{cid}/sessions"),
            &[
                ("date", &today),
                ("starts", "11:00"),
                ("ends", "09:00"),
                ("topic", "实操"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("结束时间应晚于开始时间"));
    assert_eq!(
        inst.post(
            &format!("/classes/{cid}/sessions"),
            &[
                ("date", &today),
                ("starts", "09:00"),
                ("ends", "11:00"),
                ("topic", "刀工实操")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let page = inst.get(&format!("/classes/{cid}")).await.text();
    let sid = between(&page, "href=\"/sessions/", "\"").to_string();
    let qr = inst.get(&format!("/sessions/{sid}/qr")).await.text();
    assert!(qr.contains("<svg"));
    // The screen says which class and session it is for, and leads back to the class.
    assert!(qr.contains("第1次课") && qr.contains("刀工实操"), "{qr}");
    assert!(qr.contains(&format!("href=\"/classes/{cid}\"")), "{qr}");
    assert!(qr.contains("data-fullscreen=\"qr-screen\""));
    let link = between(&qr, "id=\"qr-link\">", "<").to_string();
    let token = link.split("?t=").nth(1).unwrap().to_string();
    let partial = inst
        .get_with(&format!("/sessions/{sid}/qr"), &[("hx-request", "true")])
        .await
        .text();
    assert!(partial.starts_with("<div id=\"qr-card\"") && !partial.contains("<html"));

    // An enrolled (imported) learner activates, signs in and checks in by the QR code.
    let detail = t
        .api(
            Method::GET,
            &format!("/classes/{cid}"),
            Some(&inst_tok),
            None,
        )
        .await
        .json();
    let members: Vec<String> = detail["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["user_id"].as_str().unwrap().to_string())
        .collect();
    let admin = t.token("admin").await;
    let learner = t
        .api(
            Method::GET,
            &format!("/learners/{}", members[0]),
            Some(&admin),
            None,
        )
        .await
        .json();
    let (idn, phone) = (
        learner["id_number"].as_str().unwrap().to_string(),
        learner["phone"].as_str().unwrap().to_string(),
    );
    let p = jineng_core::Phone::parse(&phone).unwrap();
    t.app
        .learners()
        .send_code(&Default::default(), &p, "activate")
        .await
        .unwrap();
    let code = t.last_code(&phone);
    t.app
        .learners()
        .activate(
            &Default::default(),
            &jineng_core::IdNumber::parse(&idn).unwrap(),
            &p,
            &code,
            "Learn#2026ab",
        )
        .await
        .unwrap();
    let mut l = t.browser();
    assert_eq!(
        l.login(&phone, "Learn#2026ab").await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        l.get(&format!("/checkin/{sid}?t={token}"))
            .await
            .text()
            .contains("确认签到")
    );
    let r = l.post(&format!("/checkin/{sid}"), &[("t", &token)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("签到成功"));
    assert_eq!(
        l.post(&format!("/checkin/{sid}"), &[("t", &token)])
            .await
            .status,
        StatusCode::CONFLICT
    );
    let forged = l
        .post(&format!("/checkin/{sid}"), &[("t", "123.deadbeefdeadbeef")])
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A position the browser could not have given is refused, not stored.
    let nowhere = l
        .post(
            &format!("/checkin/{sid}"),
            &[("t", &token), ("lat", "91"), ("lng", "0"), ("acc", "5")],
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A learner not in the class cannot sign in; an old code is refused.
    let mut other = t.signed_in("learner").await;
    assert_eq!(
        other
            .post(&format!("/checkin/{sid}"), &[("t", &token)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    t.clock.advance(chrono::Duration::minutes(2));
    let learner2 = t
        .api(
            Method::GET,
            &format!("/learners/{}", members[1]),
            Some(&admin),
            None,
        )
        .await
        .json();
    let (idn2, phone2) = (
        learner2["id_number"].as_str().unwrap().to_string(),
        learner2["phone"].as_str().unwrap().to_string(),
    );
    let p2 = jineng_core::Phone::parse(&phone2).unwrap();
    t.app
        .learners()
        .send_code(&Default::default(), &p2, "activate")
        .await
        .unwrap();
    t.app
        .learners()
        .activate(
            &Default::default(),
            &jineng_core::IdNumber::parse(&idn2).unwrap(),
            &p2,
            &t.last_code(&phone2),
            "Learn#2026ab",
        )
        .await
        .unwrap();
    let mut l2 = t.browser();
    l2.login(&phone2, "Learn#2026ab").await;
    let late = l2.post(&format!("/checkin/{sid}"), &[("t", &token)]).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text().contains("已过期"));

    // The first learner's phone, handed to the second learner who signs in on it, with
    // a fresh code: the phone has already signed someone in at this session.
    let qr = inst.get(&format!("/sessions/{sid}/qr")).await.text();
    let fresh = between(&qr, "id=\"qr-link\">", "<")
        .split("?t=")
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(
        l.login(&phone2, "Learn#2026ab").await.status,
        StatusCode::SEE_OTHER
    );
    l.get(&format!("/checkin/{sid}?t={fresh}")).await;
    let passed = l.post(&format!("/checkin/{sid}"), &[("t", &fresh)]).await;
    assert_eq!(passed.status, StatusCode::CONFLICT, "{}", passed.text());
    assert!(passed.text().contains("这台设备已为其他学员签到"));
    // On their own phone, with a position, it works; the sheet shows where.
    l2.get(&format!("/checkin/{sid}?t={fresh}")).await;
    let own = l2
        .post(
            &format!("/checkin/{sid}"),
            &[
                ("t", &fresh),
                ("lat", "26.5781234"),
                ("lng", "106.713456"),
                ("acc", "35"),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    let sheet = inst.get(&format!("/sessions/{sid}")).await.text();
    assert!(sheet.contains("26.57812, 106.71346（±35 米）"), "{sheet}");

    // Staff mark the third learner; the session shows both ways of being present.
    assert_eq!(
        inst.post(&format!("/sessions/{sid}"), &[("learner", &members[2])])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let sheet = inst.get(&format!("/sessions/{sid}")).await.text();
    assert!(sheet.contains("扫码签到") && sheet.contains("教师登记") && sheet.contains("未到"));
    assert!(
        inst.get(&format!("/classes/{cid}"))
            .await
            .text()
            .contains("到课 3/6")
    );

    // A second session that only the first learner attends; then the class completes and
    // each learner's result follows from the minutes attended (80 % line, 45-minute hours).
    inst.post(
        &format!("/classes/{cid}/sessions"),
        &[
            ("date", &today),
            ("starts", "14:00"),
            ("ends", "16:00"),
            ("topic", "理论复习"),
        ],
    )
    .await;
    let page = inst.get(&format!("/classes/{cid}")).await.text();
    let sid2 = page
        .split("href=\"/sessions/")
        .skip(1)
        .map(|x| x.split('"').next().unwrap().to_string())
        .find(|x| *x != sid && !x.contains('/'))
        .unwrap();
    let early = t
        .api(
            Method::POST,
            &format!("/sessions/{sid2}/attendance"),
            Some(&inst_tok),
            Some(json!({"learner_ids": [members[0]]})),
        )
        .await
        .problem(409);
    assert!(
        early["detail"].as_str().unwrap().contains("尚未开始"),
        "{early}"
    );
    t.to_cst(14, 10);
    // Hours later: the staff's browser session has gone idle; the app's token has not.
    let r = t
        .api(
            Method::POST,
            &format!("/sessions/{sid2}/attendance"),
            Some(&inst_tok),
            Some(json!({"learner_ids": [members[0]]})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    // Not before the training period has run its course.
    let soon = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst_tok),
            Some(json!({"action": "complete"})),
        )
        .await
        .problem(409);
    assert!(
        soon["detail"].as_str().unwrap().contains("前不能结业"),
        "{soon}"
    );
    t.clock.advance(chrono::Duration::days(21));
    let done = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/actions"),
            Some(&inst_tok),
            Some(json!({"action": "complete"})),
        )
        .await;
    assert_eq!(done.json()["status"], "completed", "{}", done.text());
    let detail = t
        .api(
            Method::GET,
            &format!("/classes/{cid}"),
            Some(&inst_tok),
            None,
        )
        .await
        .json();
    let result = |uid: &str| {
        detail["learners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["user_id"] == uid)
            .unwrap()
            .clone()
    };
    // Four hours of a class that declared far more: counted against what it declared,
    // not against the two sessions that happened to be entered.
    let class = &detail["class"];
    let (theory, practice) = (
        class["theory_hours"].as_u64().unwrap(),
        class["practice_hours"].as_u64().unwrap(),
    );
    // A blended class also requires its theory hours online, which nobody studied here.
    let (short, short_label) = if class["delivery"] == "offline" {
        ("short_of_attendance", "线下学时不足")
    } else {
        ("short_of_both", "线上线下学时均不足")
    };
    let required = match class["delivery"].as_str().unwrap() {
        "offline" => (theory + practice) * 45,
        "blended" => practice * 45,
        _ => 0,
    };
    assert!(
        required > 240,
        "the demo class declares more than four hours"
    );
    let first = result(&members[0]);
    assert_eq!(
        (
            &first["sessions_attended"],
            &first["sessions_total"],
            &first["offline_hours"],
            &first["attendance_percent"],
            &first["outcome"]
        ),
        (
            &json!(2),
            &json!(2),
            &json!(5),
            &json!(240 * 100 / required),
            &json!(short)
        )
    );
    let second = result(&members[1]);
    assert_eq!(second["attendance_percent"], json!(120 * 100 / required));
    assert_eq!(result(&members[3])["offline_hours"], 0);
    let mut inst = t.signed_in("institution").await;
    let list = inst.get(&format!("/classes/{cid}")).await.text();
    assert!(list.contains("结业名单") && list.contains(short_label));
    let x = inst.get(&format!("/classes/{cid}/learners.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    let rows = read_xlsx(&x.body);
    assert_eq!(rows[0][7], "结果");
    assert!(
        rows.iter()
            .any(|r| r[2] == "2/2" && r[3] == "5" && r[7] == short_label)
    );
    assert_eq!(rows.len(), 7);
}

/// The QR code the institution's screen shows for session `sid` now.
pub(crate) async fn current_qr(t: &TestApp, sid: &str) -> String {
    let staff = t
        .app
        .accounts()
        .principal_of(&t.user_id("institution").await)
        .await
        .unwrap();
    t.app.attendance().qr(&staff, sid).await.unwrap().0
}

/// A demo class in training with a session under way now (14:00–16:00 CST, clock at
/// 14:30): (class id, session id, the six enrolled learners' user ids).
pub(crate) async fn session_under_way(t: &TestApp) -> (String, String, Vec<String>) {
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let nm = t.token("nm_regulator").await;
    let cid = t
        .api(Method::GET, "/classes?status=approved", Some(&nm), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    t.clock.advance(chrono::Duration::days(8));
    t.api(
        Method::POST,
        &format!("/classes/{cid}/actions"),
        Some(&inst),
        Some(json!({"action": "start"})),
    )
    .await;
    // Half past two: the 14:00 session below is under way.
    t.to_cst(14, 30);
    let today = (t.app.now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    t.api(
        Method::POST,
        &format!("/classes/{cid}/sessions"),
        Some(&inst),
        Some(json!({"date": "2001-01-01", "starts": "09:00", "ends": "10:00", "topic": "x"})),
    )
    .await
    .problem(422);
    let r = t
        .api(
            Method::POST,
            &format!("/classes/{cid}/sessions"),
            Some(&inst),
            Some(json!({"date": today, "starts": "14:00", "ends": "16:00", "topic": "理论"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let sid = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        t.api(
            Method::GET,
            &format!("/classes/{cid}/sessions"),
            Some(&nm),
            None
        )
        .await
        .json()[0]["topic"],
        "理论"
    );
    let sheet = t
        .api(
            Method::GET,
            &format!("/sessions/{sid}/attendance"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let members: Vec<String> = sheet
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(members.len(), 6);
    (cid, sid, members)
}

#[tokio::test]
async fn the_same_through_the_api() {
    let t = TestApp::new().await;
    let (_, sid, members) = session_under_way(&t).await;
    let inst = t.token("institution").await;
    let nm = t.token("nm_regulator").await;
    // A member checks in with the current code; the regulator cannot mark.
    let token = current_qr(&t, &sid).await;
    let member = t.app.accounts().principal_of(&members[0]).await.unwrap();
    let (_, bearer) = t
        .app
        .accounts()
        .create_token(
            &member,
            &Default::default(),
            "phone",
            None,
            jineng_core::accounts::TokenScope::Full,
        )
        .await
        .unwrap();
    let r = t
        .api(
            Method::POST,
            &format!("/sessions/{sid}/checkin"),
            Some(&bearer),
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    t.api(
        Method::POST,
        &format!("/sessions/{sid}/checkin"),
        Some(&bearer),
        Some(json!({"token": token})),
    )
    .await
    .problem(409);
    t.api(
        Method::POST,
        &format!("/sessions/{sid}/attendance"),
        Some(&nm),
        Some(json!({"learner_ids": [members[1]]})),
    )
    .await
    .problem(403);
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/sessions/{sid}/attendance"),
            Some(&inst),
            Some(json!({"learner_ids": [members[0], members[1]]}))
        )
        .await
        .json()["marked"],
        1
    );
    let sheet = t
        .api(
            Method::GET,
            &format!("/sessions/{sid}/attendance"),
            Some(&inst),
            None,
        )
        .await
        .json();
    let hows: Vec<Option<&str>> = sheet
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["how"].as_str())
        .collect();
    assert_eq!(hows.iter().filter(|h| **h == Some("qr")).count(), 1);
    assert_eq!(hows.iter().filter(|h| **h == Some("marked")).count(), 1);
}

#[tokio::test]
async fn a_booked_teacher_marks_attendance_for_their_class() {
    let t = TestApp::new().await;
    jineng_demo::training(&t.app).await.unwrap();
    let inst = t.token("institution").await;
    let nm = t.token("nm_regulator").await;
    // The demo teacher account, entered into the pool by the institution under the same ID number.
    let teacher_id_number = crate::common::id("52010219850612241");
    let r = t.api(Method::POST, "/teachers", Some(&inst), Some(json!({"name": "王老师", "id_number": teacher_id_number, "subjects": "烹饪", "level": "senior", "years_teaching": 10}))).await;
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
    let classes = t.api(Method::GET, "/classes", Some(&nm), None).await.json();
    let approved = classes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "approved")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = classes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "submitted")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        t.api(
            Method::POST,
            &format!("/classes/{approved}/teachers"),
            Some(&inst),
            Some(json!({"teacher_id": tid}))
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    t.clock.advance(chrono::Duration::days(8));
    t.api(
        Method::POST,
        &format!("/classes/{approved}/actions"),
        Some(&inst),
        Some(json!({"action": "start"})),
    )
    .await;
    // Ten o'clock: the 09:00 session below is under way.
    t.to_cst(10, 0);
    let today = (t.app.now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    let sid = t
        .api(
            Method::POST,
            &format!("/classes/{approved}/sessions"),
            Some(&inst),
            Some(json!({"date": today, "starts": "09:00", "ends": "12:00", "topic": "热菜"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut teacher = t.signed_in("teacher").await;
    let mine = teacher.get("/teaching").await.text();
    assert!(
        mine.contains("中式烹调师") && mine.contains("热菜"),
        "{mine}"
    );
    let sheet = teacher.get(&format!("/sessions/{sid}")).await.text();
    assert!(sheet.contains("登记所选学员到课"));
    let member = t
        .api(
            Method::GET,
            &format!("/sessions/{sid}/attendance"),
            Some(&inst),
            None,
        )
        .await
        .json()[0]["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        teacher
            .post(&format!("/sessions/{sid}"), &[("learner", &member)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        teacher
            .get(&format!("/sessions/{sid}"))
            .await
            .text()
            .contains("教师登记")
    );
    // Not their class: no sheet, no marking.
    let other_sid = {
        // The other class is not running, so it has no sessions; the teacher cannot see its class either.
        t.api(
            Method::GET,
            &format!("/classes/{other}"),
            Some(&t.token("teacher").await),
            None,
        )
        .await
        .status
    };
    assert_eq!(other_sid, StatusCode::FORBIDDEN);
}
