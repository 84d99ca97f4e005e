//! Supervision of online study: the institution reads a learner's record live and per
//! day and exports the class's study; a county regulator spot-checks a random sample and
//! records one verdict, which the institution sees on its home page and acknowledges; the
//! anomaly lists point at a class where a script was caught; a blended class's list shows
//! online and offline hours side by side.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, read_xlsx, read_xlsx_sheet};
use crate::study::{Session, free_course, human_gap, open_for_class, running_class, t_beat_local};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The demo's class in training with the free course published to it, and its learner
/// studying for it: (class id, lesson id, learner's token, the session).
async fn class_studying(t: &TestApp) -> (String, String, String, Session) {
    jineng_demo::training(&t.app).await.unwrap();
    let (pid, lesson) = free_course(t).await;
    let class_id = running_class(t).await;
    crate::study::publish_task(t, &class_id, &pid).await;
    let tok = t.token("learner").await;
    let s = open_for_class(t, &tok, &lesson, &class_id).await;
    (class_id, lesson, tok, s)
}

#[tokio::test]
async fn the_institution_reads_a_learners_record_and_a_regulator_spot_checks_it() {
    let t = TestApp::new().await;
    let (class_id, _, tok, mut s) = class_studying(&t).await;
    for i in 1..=16 {
        let (st, r) = t_beat_local(&t, &tok, &mut s, human_gap(i)).await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }
    let me = t.user_id("learner").await;
    let inst = t.token("institution").await;
    let path = format!("/classes/{class_id}/learners/{me}/study");

    // The institution reads the record: live, per day, sessions with their address.
    let r = t.api(Method::GET, &path, Some(&inst), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let rec = r.json();
    assert_eq!(rec["live"], true, "{rec}");
    assert!(rec["credited_tenths"].as_u64().unwrap() >= 1, "{rec}");
    let day_ms: u64 = rec["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["credited_ms"].as_u64().unwrap())
        .sum();
    let lesson_ms = rec["courses"][0]["lessons"][0]["credited_ms"]
        .as_u64()
        .unwrap();
    assert!(day_ms > 0 && day_ms == lesson_ms, "{rec}");
    assert_eq!(rec["sessions"].as_array().unwrap().len(), 1, "{rec}");
    assert!(rec["sessions"][0]["beats"].as_i64().unwrap() >= 16, "{rec}");
    // Later the learner has gone quiet: no longer live.
    t.clock.advance(chrono::Duration::minutes(5));
    let rec = t.api(Method::GET, &path, Some(&inst), None).await.json();
    assert_eq!(rec["live"], false, "{rec}");

    // Nobody outside the class's organisation or region reads it; nor a stranger's.
    for who in ["learner_yy", "yy_regulator", "provider"] {
        let tok = t.token(who).await;
        let r = t.api(Method::GET, &path, Some(&tok), None).await;
        assert!(
            matches!(r.status.as_u16(), 403 | 404),
            "{who}: {}",
            r.text()
        );
    }
    let stranger = t.user_id("learner_yy").await;
    let r = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/learners/{stranger}/study"),
            Some(&inst),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());

    // The page and the export: a summary sheet and a sheet per day.
    let mut b = t.signed_in("institution").await;
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(
        page.contains("每日学时") && page.contains("学习会话"),
        "{page}"
    );
    let x = b.get(&format!("/classes/{class_id}/study.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    let summary = read_xlsx(&x.body);
    assert_eq!(summary[0][2], "已计学时");
    let name = rec["name"].as_str().unwrap();
    assert!(summary.iter().any(|r| r[1] == name), "{summary:?}");
    let days = read_xlsx_sheet(&x.body, 1);
    assert_eq!(days[0][1], "日期");
    assert!(
        days.iter()
            .any(|r| r[0] == name && r[1] == t.app.today().to_string()),
        "{days:?}"
    );

    // The county regulator draws a sample; the institution cannot.
    let nm = t.token("nm_regulator").await;
    let draws = format!("/classes/{class_id}/spot-checks");
    t.api(Method::POST, &draws, Some(&inst), Some(json!({})))
        .await
        .problem(403);
    for size in [0, 21, -1] {
        t.api(Method::POST, &draws, Some(&nm), Some(json!({"size": size})))
            .await
            .problem(422);
    }
    t.api(
        Method::POST,
        &draws,
        Some(&t.token("yy_regulator").await),
        Some(json!({})),
    )
    .await
    .problem(404);
    let before = t.audit_count().await;
    let r = t
        .api(Method::POST, &draws, Some(&nm), Some(json!({"size": 20})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let spot = r.json();
    let sample = spot["sample"].as_array().unwrap();
    let enrolled = t
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
        .len();
    assert_eq!(sample.len(), enrolled.min(20), "{spot}");
    assert!(sample.iter().any(|l| l["user_id"] == me.as_str()), "{spot}");
    assert_eq!(t.audit_count().await, before + 1);
    // Pressing again gives the same open spot check.
    let again = t
        .api(Method::POST, &draws, Some(&nm), Some(json!({})))
        .await
        .json();
    assert_eq!(again["id"], spot["id"]);
    assert_eq!(t.audit_count().await, before + 1);
    // The regulator reads the sampled learner's record.
    let r = t.api(Method::GET, &path, Some(&nm), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // The verdict: reasons required when unqualified; once only; the drawer's alone.
    let id = spot["id"].as_str().unwrap();
    let verdict = format!("/spot-checks/{id}/verdict");
    t.api(
        Method::POST,
        &verdict,
        Some(&nm),
        Some(json!({"qualified": false, "remarks": "  "})),
    )
    .await
    .problem(422);
    t.api(
        Method::POST,
        &verdict,
        Some(&inst),
        Some(json!({"qualified": true})),
    )
    .await
    .problem(403);
    // Remarks over 1000 characters are refused, nothing recorded.
    t.api(
        Method::POST,
        &verdict,
        Some(&nm),
        Some(json!({"qualified": false, "remarks": "长".repeat(1001)})),
    )
    .await
    .problem(422);
    // The institution cannot acknowledge before there is a verdict.
    t.api(
        Method::POST,
        &format!("/spot-checks/{id}/acknowledgement"),
        Some(&inst),
        None,
    )
    .await
    .problem(409);
    let r = t
        .api(
            Method::POST,
            &verdict,
            Some(&nm),
            Some(json!({"qualified": false, "remarks": "观看验证多次超时，请机构核实"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["qualified"], false);
    t.api(
        Method::POST,
        &verdict,
        Some(&nm),
        Some(json!({"qualified": true})),
    )
    .await
    .problem(409);

    // The institution is told on its home page, acknowledges (twice is harmless), and the
    // notice goes.
    let home = b.get("/").await.text();
    assert!(
        home.contains("spot-check-notices") && home.contains("观看验证多次超时"),
        "{home}"
    );
    for _ in 0..2 {
        let r = t
            .api(
                Method::POST,
                &format!("/spot-checks/{id}/acknowledgement"),
                Some(&inst),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    let home = b.get("/").await.text();
    assert!(!home.contains("spot-check-notices"), "{home}");
    let list = t.api(Method::GET, &draws, Some(&inst), None).await.json();
    assert!(list[0]["acknowledged_at"].is_string(), "{list}");
    // A regulator elsewhere cannot acknowledge or read it.
    t.api(
        Method::POST,
        &format!("/spot-checks/{id}/acknowledgement"),
        Some(&t.token("yy_regulator").await),
        None,
    )
    .await
    .problem(404);

    // The same by page: the regulator draws a new sample and decides it by form.
    let mut reg = t.signed_in("nm_regulator").await;
    let r = reg.post(&draws, &[("size", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = reg.get(&format!("/classes/{class_id}")).await.text();
    assert!(page.contains("id=\"spot-qualified\""), "{page}");
    let open = t.api(Method::GET, &draws, Some(&nm), None).await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = reg
        .post(
            &format!("/spot-checks/{open}/verdict"),
            &[("result", "unqualified"), ("remarks", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("必须填写意见"));
    let r = reg
        .post(
            &format!("/spot-checks/{open}/verdict"),
            &[("result", "qualified"), ("remarks", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// A script posting perfectly even heartbeats is caught and its hours cleared; the county
/// regulator's anomaly list then names the class; an institution has no such list.
#[tokio::test]
async fn the_anomaly_list_points_at_a_class_where_a_script_was_caught() {
    let t = TestApp::new().await;
    let (class_id, _, tok, mut s) = class_studying(&t).await;
    let mut cleared = false;
    for _ in 0..12 {
        let (_, r) = t_beat_local(&t, &tok, &mut s, 20_000).await;
        if r["cleared"] == true {
            cleared = true;
            break;
        }
    }
    assert!(cleared, "a script's even heartbeats clear the course");
    let nm = t.token("nm_regulator").await;
    let a: Value = t
        .api(Method::GET, "/study-anomalies", Some(&nm), None)
        .await
        .json();
    let row = a["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class_id"] == class_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{a}"));
    assert_eq!(row["clearings"], 1, "{row}");
    assert!(row["irregularities"].as_i64().unwrap() >= 1, "{row}");
    // Another county sees nothing of it.
    let yy = t.token("yy_regulator").await;
    let a: Value = t
        .api(Method::GET, "/study-anomalies", Some(&yy), None)
        .await
        .json();
    assert!(
        !a["classes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["class_id"] == class_id.as_str()),
        "{a}"
    );
    t.api(
        Method::GET,
        "/study-anomalies",
        Some(&t.token("institution").await),
        None,
    )
    .await
    .problem(403);
    let mut reg = t.signed_in("nm_regulator").await;
    let page = reg.get("/supervision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("anomaly-classes"));
    // The record explains the clearing to the institution.
    let me = t.user_id("learner").await;
    let rec = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}/learners/{me}/study"),
            Some(&t.token("institution").await),
            None,
        )
        .await
        .json();
    assert_eq!(rec["clearings"][0]["nth"], 1, "{rec}");
    assert_eq!(rec["credited_tenths"], 0, "{rec}");
}

/// A blended class: its list shows each learner's online hours against the theory hours
/// beside offline attendance, and the result needs both.
#[tokio::test]
async fn a_blended_class_counts_online_and_offline_hours() {
    let t = TestApp::new().await;
    let (class_id, _, tok, mut s) = class_studying(&t).await;
    for i in 1..=16 {
        let (st, r) = t_beat_local(&t, &tok, &mut s, human_gap(i)).await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }
    let inst = t.token("institution").await;
    let d = t
        .api(
            Method::GET,
            &format!("/classes/{class_id}"),
            Some(&inst),
            None,
        )
        .await
        .json();
    assert_eq!(d["class"]["delivery"], "blended", "{d}");
    let me = t.user_id("learner").await;
    let row = d["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["user_id"] == me.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        row["online_required_hours"], d["class"]["theory_hours"],
        "{row}"
    );
    assert!(row["online_tenths"].as_u64().unwrap() >= 1, "{row}");
    // A few minutes online of many theory hours, no offline yet: short of both.
    assert_eq!(row["outcome"], "short_of_both", "{row}");
    let mut b = t.signed_in("institution").await;
    let page = b.get(&format!("/classes/{class_id}")).await.text();
    assert!(page.contains("<th>线上学时</th>"), "{page}");
    let x = b.get(&format!("/classes/{class_id}/learners.xlsx")).await;
    let rows = read_xlsx(&x.body);
    assert_eq!(rows[0][5], "线上已计学时");
    assert!(
        rows.iter().any(|r| r[7] == "线上线下学时均不足"),
        "{rows:?}"
    );
}

/// Two presses of "draw" at once make one spot check; two verdicts at once, one of them
/// stands (the unique index and the conditional update, on both databases).
#[tokio::test]
async fn racing_draws_and_verdicts_count_once() {
    let t = TestApp::new().await;
    let (class_id, _, _, _) = class_studying(&t).await;
    let nm = t.token("nm_regulator").await;
    let draws = format!("/classes/{class_id}/spot-checks");
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            t.api(Method::POST, &draws, Some(&nm), Some(json!({"size": 2}))),
            t.api(Method::POST, &draws, Some(&nm), Some(json!({"size": 2})))
        );
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.text());
        let (a, b) = (a.json(), b.json());
        assert_eq!(a["id"], b["id"]);
        let verdict = format!("/spot-checks/{}/verdict", a["id"].as_str().unwrap());
        let (x, y) = tokio::join!(
            t.api(
                Method::POST,
                &verdict,
                Some(&nm),
                Some(json!({"qualified": true}))
            ),
            t.api(
                Method::POST,
                &verdict,
                Some(&nm),
                Some(json!({"qualified": false, "remarks": "不合格"}))
            )
        );
        let mut codes = [x.status.as_u16(), y.status.as_u16()];
        codes.sort_unstable();
        assert_eq!(codes, [200, 409], "{} / {}", x.text(), y.text());
    }
    let all = t.api(Method::GET, &draws, Some(&nm), None).await.json();
    assert_eq!(all.as_array().unwrap().len(), 3, "{all}");
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|k| k["decided_at"].is_string())
    );
}
