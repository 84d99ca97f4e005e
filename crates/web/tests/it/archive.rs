//! Study in the evidence log and the learner's e-archive: each closed day's credited
//! time per lesson is one entry, each clearing one more, and the learner's newest
//! summary adds them up; the archive (page, API, PDF, xlsx) shows that total with a
//! proof that checks against the signed log, and only to those who may read the learner.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::TestApp;
use crate::study::{free_course, human_gap, open_home, play};
use axum::http::{Method, StatusCode};
use chrono::{Duration, NaiveDate};
use jineng_app::AppError;
use jineng_core::archive::{DayRecord, sha256};
use jineng_evidence::entry::Kind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

fn today(t: &TestApp) -> NaiveDate {
    (t.app.now() + Duration::hours(8)).date_naive()
}

/// Three honest heartbeats in a new session of `lesson`.
async fn study_a_minute(t: &TestApp, tok: &str, lesson: &str) {
    let mut s = open_home(t, tok, lesson).await;
    for i in 1..=3 {
        let (st, r) = play(t, tok, &mut s, human_gap(i), human_gap(i), 100, true).await;
        assert_eq!(
            (st, &r["irregularity"]),
            (StatusCode::OK, &Value::Null),
            "{r}"
        );
    }
}

#[tokio::test]
async fn closed_days_are_entered_and_the_archive_proves_its_total() {
    let t = TestApp::new().await;
    let (_, lesson) = free_course(&t).await;
    let tok = t.token("learner").await;
    let learner = t.user_id("learner").await;

    // Day 1, 10:00: a minute of study, then a forged heartbeat clears it; then a new
    // honest minute.
    t.to_cst(10, 0);
    let day1 = today(&t);
    let mut s = open_home(&t, &tok, &lesson).await;
    for i in 1..=3 {
        play(&t, &tok, &mut s, human_gap(i), human_gap(i), 100, true).await;
    }
    s.token = "f".repeat(64);
    let (_, r) = play(&t, &tok, &mut s, human_gap(4), human_gap(4), 100, true).await;
    assert_eq!(
        (r["irregularity"].as_str(), &r["cleared"]),
        (Some("forged"), &Value::Bool(true)),
        "{r}"
    );
    study_a_minute(&t, &tok, &lesson).await;
    // Day 2: another minute.
    t.to_cst(10, 0);
    let day2 = today(&t);
    study_a_minute(&t, &tok, &lesson).await;

    // A day is closed only once it is over and its buffered heartbeats are written.
    let early = t.app.study().close_day(day2).await;
    assert!(matches!(early, Err(AppError::Conflict(_))), "{early:?}");
    t.to_cst(0, 5);
    assert!(matches!(
        t.app.study().close_day(day2).await,
        Err(AppError::Conflict(_))
    ));
    t.clock.advance(Duration::minutes(10));

    let first = t.app.study().close_day(day1).await.unwrap();
    assert_eq!((first.days, first.learners), (1, 1), "{first:?}");
    // Closing again (a retried job, a second node) adds nothing.
    let again = t.app.study().close_day(day1).await.unwrap();
    assert_eq!(again.new_entries, 0, "{again:?}");
    let second = t.app.study().close_day(day2).await.unwrap();
    assert_eq!((second.days, second.learners), (1, 1), "{second:?}");
    let system = jineng_app::Principal::system();
    t.app
        .ledger()
        .checkpoint(&system, &Default::default(), false)
        .await
        .unwrap();

    let a = t
        .api(
            Method::GET,
            &format!("/learners/{learner}/archive"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let a = a.json();
    let proof = &a["proof"];
    assert_eq!(proof["as_of"], day2.to_string(), "{a}");
    // What the log proves is what stands now: two minutes credited, one cleared.
    let total = proof["total_ms"].as_u64().unwrap();
    assert_eq!(total, a["online_ms"].as_u64().unwrap(), "{a}");
    assert!((100_000..140_000).contains(&total), "{total}");
    let line = &proof["lines"][0];
    assert_eq!(
        (line["days"].as_u64(), line["clearings"].as_u64()),
        (Some(2), Some(1)),
        "{line}"
    );
    assert_eq!(
        line["credited_ms"].as_u64().unwrap() - line["cleared_ms"].as_u64().unwrap(),
        total
    );
    assert_eq!(a["clearings"].as_array().unwrap().len(), 1);
    // The ID number is masked, whoever asks: documents travel.
    let id = a["id_number"].as_str().unwrap();
    assert!(id.starts_with("520102") && id.contains('*'), "{id}");

    // The proof: the bundle checks against the log's key, and its entry's record hash is
    // the hash of the canonical text shown.
    let canonical = proof["canonical"].as_str().unwrap();
    let bundle = proof["bundle"]
        .as_str()
        .expect("a checkpoint covers the summary");
    let vkey = t.app.ledger().verifier_key().unwrap().to_string();
    let proved = jineng_evidence::bundle::verify(bundle, &vkey).unwrap();
    assert_eq!(proved.entry.kind, Kind::StudySummary);
    assert_eq!(proved.entry.record_id, format!("study_summary:{learner}"));
    assert_eq!(proved.entry.record_sha256, sha256(canonical));
    assert_eq!(proved.index, proof["index"].as_u64().unwrap());
    assert!(
        canonical.contains(&format!("total_ms={total}\n")),
        "{canonical}"
    );
    // Each day it adds up is its own entry, whose hash is that of the day's row.
    let days_line = canonical
        .lines()
        .find(|l| l.starts_with("day_entries="))
        .unwrap();
    let indexes: Vec<i64> = days_line["day_entries=".len()..]
        .split(',')
        .map(|i| i.parse().unwrap())
        .collect();
    assert_eq!(indexes.len(), 2);
    for idx in indexes {
        let e = jineng_store::ledger::entry::Entity::find_by_id(idx)
            .one(&t.app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.kind, Kind::StudyDay.code());
        let row_id = e.record_id.strip_prefix("study_day:").unwrap();
        let row = jineng_store::study::day::Entity::find_by_id(row_id)
            .one(&t.app.db)
            .await
            .unwrap()
            .unwrap();
        let r = DayRecord {
            id: row.id,
            user_id: row.user_id,
            day: row.day,
            class_id: row.class_id,
            package_id: row.package_id,
            lesson_id: row.lesson_id,
            credited_ms: row.credited_ms as u64,
        };
        assert_eq!(e.record_sha256, hex::encode(sha256(&r.canonical())));
    }
    // The clearing is in the log too, entered when it happened.
    let clearings = jineng_store::ledger::entry::Entity::find()
        .filter(jineng_store::ledger::entry::Column::Kind.eq(Kind::StudyClearing.code()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(clearings, 1);
    // Each close is audited.
    let closes = jineng_store::audit::record::Entity::find()
        .filter(jineng_store::audit::record::Column::Action.eq("study.day_closed"))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(closes, 3);
    // And the whole log still recomputes.
    let report = jineng_app::ledger::verify(&t.app.db, &[vkey.as_str()])
        .await
        .unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");

    // The learner reads it as a page and downloads it.
    let mut b = t.signed_in("learner").await;
    let page = b.get("/archive").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = b.get(&page.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("陈学员的电子档案") && html.contains("家庭急救公益课"),
        "{html}"
    );
    assert!(
        html.contains(&format!("id=\"archive-proof-index\">{}<", proof["index"])),
        "{html}"
    );

    let pdf = b.get(&format!("/learners/{learner}/archive.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert_eq!(
        pdf.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(pdf.body.len() < 300_000, "{} bytes", pdf.body.len());
    let dir = std::env::temp_dir().join(format!("jineng-archive-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("archive.pdf");
    std::fs::write(&path, &pdf.body).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8(text.stdout).unwrap();
    for want in [
        "学员终身职业技能培训电子档案",
        "陈学员",
        "家庭急救公益课",
        "证据日志证明",
        "伪造",
    ] {
        assert!(text.contains(want), "{want} not in the PDF: {text}");
    }
    // The PDF carries the canonical text and the proof; both check.
    let out = std::process::Command::new("pdfdetach")
        .args(["-saveall", "-o"])
        .arg(&dir)
        .arg(&path)
        .status()
        .unwrap();
    assert!(out.success());
    let attached = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert_eq!(attached, canonical);
    let attached = std::fs::read_to_string(dir.join("proof.json")).unwrap();
    let p = jineng_evidence::bundle::verify(&attached, &vkey).unwrap();
    assert_eq!(p.entry.record_sha256, sha256(canonical));
    std::fs::remove_dir_all(&dir).unwrap();

    let xlsx = b.get(&format!("/learners/{learner}/archive.xlsx")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let proof_sheet = crate::common::read_xlsx_sheet(&xlsx.body, 5);
    let sha = proof["sha256"].as_str().unwrap();
    assert!(
        proof_sheet.iter().any(|r| r.iter().any(|c| c == sha)),
        "{proof_sheet:?}"
    );
    let classes_sheet = crate::common::read_xlsx_sheet(&xlsx.body, 2);
    assert!(
        classes_sheet
            .iter()
            .any(|r| r.iter().any(|c| c == "家庭急救公益课"))
    );
}

/// Whoever may read the learner may read the archive; nobody else learns it exists.
#[tokio::test]
async fn the_archive_is_read_only_by_those_who_may_read_the_learner() {
    let t = TestApp::new().await;
    let learner = t.user_id("learner").await;
    let path = format!("/learners/{learner}/archive");
    for (who, want) in [
        ("learner", StatusCode::OK),
        ("nm_regulator", StatusCode::OK),
        ("gz_regulator", StatusCode::OK),
        ("yy_regulator", StatusCode::NOT_FOUND),
        ("zy_institution", StatusCode::NOT_FOUND),
    ] {
        let tok = t.token(who).await;
        let r = t.api(Method::GET, &path, Some(&tok), None).await;
        assert_eq!(r.status, want, "{who}: {}", r.text());
    }
    // Roles that never read learners are refused outright (the same answer whether
    // the learner exists or not).
    for who in ["provider", "learner_yy"] {
        let tok = t.token(who).await;
        let r = t.api(Method::GET, &path, Some(&tok), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
        let r = t
            .api(Method::GET, "/learners/nobody/archive", Some(&tok), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
    }
    let r = t.api(Method::GET, &path, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Nothing on the archive before any day is closed, and no proof.
    let tok = t.token("learner").await;
    let a = t.api(Method::GET, &path, Some(&tok), None).await.json();
    assert_eq!(a["proof"], Value::Null);
    // The documents follow the same rule.
    let mut b = t.signed_in("yy_regulator").await;
    assert_eq!(
        b.get(&format!("{path}.pdf")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("{path}.xlsx")).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Two nodes closing the same day at once enter each day row once.
#[tokio::test]
async fn a_day_closed_twice_at_once_is_entered_once() {
    let t = TestApp::new().await;
    let (_, lesson) = free_course(&t).await;
    t.to_cst(10, 0);
    let day = today(&t);
    for who in ["learner", "learner_yy", "learner_zy"] {
        let tok = t.token(who).await;
        study_a_minute(&t, &tok, &lesson).await;
    }
    t.to_cst(0, 30);
    let (one, two) = (t.app.study(), t.app.study());
    let (a, b) = tokio::join!(one.close_day(day), two.close_day(day));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.days, b.days), (3, 3));
    let days = jineng_store::ledger::entry::Entity::find()
        .filter(jineng_store::ledger::entry::Column::Kind.eq(Kind::StudyDay.code()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(days, 3);
    let summaries = jineng_store::ledger::entry::Entity::find()
        .filter(jineng_store::ledger::entry::Column::Kind.eq(Kind::StudySummary.code()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(summaries, 3);
    assert_eq!(a.new_entries + b.new_entries, 6, "{a:?} {b:?}");
}

/// A day row written after its day was closed (a node's late flush) is entered again when
/// the archive is read, and the summary with it: what the archive proves is always the
/// rows as they stand, and the first entries stay in the log.
#[tokio::test]
async fn a_day_that_changes_after_its_close_is_entered_again() {
    let t = TestApp::new().await;
    let (_, lesson) = free_course(&t).await;
    let tok = t.token("learner").await;
    let learner = t.user_id("learner").await;
    t.to_cst(10, 0);
    let day = today(&t);
    study_a_minute(&t, &tok, &lesson).await;
    t.to_cst(1, 0);
    t.app.study().close_day(day).await.unwrap();
    let path = format!("/learners/{learner}/archive");
    let before = t.api(Method::GET, &path, Some(&tok), None).await.json();
    let total = before["proof"]["total_ms"].as_u64().unwrap();
    // Reading again appends nothing.
    let size = t.app.ledger().size().await.unwrap();
    let again = t.api(Method::GET, &path, Some(&tok), None).await.json();
    assert_eq!(again["proof"]["index"], before["proof"]["index"]);
    assert_eq!(t.app.ledger().size().await.unwrap(), size);

    use sea_orm::sea_query::{Expr, ExprTrait};
    jineng_store::study::day::Entity::update_many()
        .col_expr(
            jineng_store::study::day::Column::CreditedMs,
            Expr::col(jineng_store::study::day::Column::CreditedMs).add(5_000),
        )
        .filter(jineng_store::study::day::Column::UserId.eq(learner.clone()))
        .exec(&t.app.db)
        .await
        .unwrap();
    let after = t.api(Method::GET, &path, Some(&tok), None).await.json();
    assert_eq!(
        after["proof"]["total_ms"].as_u64().unwrap(),
        total + 5_000,
        "{after}"
    );
    assert!(after["proof"]["index"].as_u64() > before["proof"]["index"].as_u64());
    // The day's record now has two entries; the newest is the row as it stands.
    let day_entries = jineng_store::ledger::entry::Entity::find()
        .filter(jineng_store::ledger::entry::Column::Kind.eq(Kind::StudyDay.code()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(day_entries, 2);
    assert_eq!(t.app.ledger().size().await.unwrap(), size + 2);
}

/// The scheduler enqueues one close per day that is over, whichever node asks and how
/// often; a worker runs it.
#[tokio::test]
async fn each_day_that_is_over_is_closed_once_by_a_job() {
    let t = TestApp::new().await;
    let (_, lesson) = free_course(&t).await;
    let tok = t.token("learner").await;
    t.to_cst(10, 0);
    let day = today(&t);
    study_a_minute(&t, &tok, &lesson).await;
    use jineng_store::jobs::job;
    let jobs_for = |d: NaiveDate| {
        job::Entity::find().filter(job::Column::IdempotencyKey.eq(format!("study_day_close:{d}")))
    };
    // The day is not over: nothing for it.
    t.app.study().schedule_day_close().await.unwrap();
    assert_eq!(jobs_for(day).count(&t.app.db).await.unwrap(), 0);
    t.to_cst(0, 20);
    for _ in 0..3 {
        t.app.study().schedule_day_close().await.unwrap();
    }
    assert_eq!(jobs_for(day).count(&t.app.db).await.unwrap(), 1);
    // The test app's worker takes it.
    let mut done = false;
    for _ in 0..100 {
        let j = jobs_for(day).one(&t.app.db).await.unwrap().unwrap();
        if j.state == jineng_core::jobs::JobState::Done {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(done, "the close job did not run");
    let days = jineng_store::ledger::entry::Entity::find()
        .filter(jineng_store::ledger::entry::Column::Kind.eq(Kind::StudyDay.code()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(days, 1);
}
