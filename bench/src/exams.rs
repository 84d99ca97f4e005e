//! `jineng-bench exams [LEARNERS]`: LEARNERS learners (default 1,000) of one class start the
//! same exam at once, through the real router on a real socket:
//! - start latency: the p99 of the simultaneous starts as a multiple of the p50 of starts
//!   made one at a time before (target ≤ 20×);
//! - answer saves per second, 64 in flight, as a ratio to the bare JSON route of the same
//!   server measured the same way in the same run;
//! - submits per second (each marks the paper and appends an evidence-log entry); on
//!   PostgreSQL also as a ratio to pgbench's built-in tpcb-like run on the same database.
//!
//! SQLite in a temporary file, or `JINENG_BENCH_DATABASE_URL` (a fresh database).

use crate::heartbeats::{
    Learner, client, ctx, err, fire_n, hour_lesson, learners, platform, policy,
};
use jineng_core::courses::questions::{Difficulty, QuestionKind};
use jineng_core::exams::{DrawLine, ExamKind, PaperRule, Scores};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Warm-up starts made one at a time (their p50 is the unloaded reference).
const ALONE: usize = 30;

pub fn exams(n: usize) -> Result<(), String> {
    crate::block_on(async move {
        let (dir, url) = crate::heartbeats::scratch("exams")?;
        let clock = Arc::new(jineng_app::clock::SystemClock);
        let (k, b, a) = jineng_app::crypto::pii::Keyring::generate();
        let app = platform(&url, &dir.join("files"), clock, (&k, &b, &a), policy(20)).await?;
        let _workers = app.start_workers(1);
        jineng_demo::training(&app).await.map_err(err)?;
        let exam_id = exam(&app).await?;
        let t0 = Instant::now();
        let signed = learners(&app, n + ALONE).await?;
        enroll(&app, &exam_id, &signed).await?;
        // The API's callers: a bearer token each.
        let mut tokens = Vec::with_capacity(signed.len());
        for l in &signed {
            let who = app.accounts().principal_of(&l.user_id).await.map_err(err)?;
            let (_, secret) = app
                .accounts()
                .create_token(
                    &who,
                    &ctx(),
                    "考试基准",
                    None,
                    jineng_core::accounts::TokenScope::Full,
                )
                .await
                .map_err(err)?;
            tokens.push(secret);
        }
        let people = Arc::new(tokens);
        eprintln!(
            "{} learners signed in and enrolled ({:.1}s)",
            people.len(),
            t0.elapsed().as_secs_f64()
        );
        let base = crate::heartbeats::serve(&app).await?;
        let http = client()?;

        // Starts one at a time: the unloaded reference.
        let mut alone = Vec::with_capacity(ALONE);
        for l in &people[n..] {
            let t = Instant::now();
            start(&http, &base, l, &exam_id).await?;
            alone.push(t.elapsed());
        }
        let alone_p50 = crate::percentile_ms(alone, 0.5);

        // Everyone at once.
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            let (http, base, people, exam_id) =
                (http.clone(), base.clone(), people.clone(), exam_id.clone());
            tasks.push(tokio::spawn(async move {
                let t = Instant::now();
                let a = start(&http, &base, &people[i], &exam_id).await;
                a.map(|a| (t.elapsed(), a))
            }));
        }
        let mut at_once = Vec::with_capacity(n);
        let mut attempts = Vec::with_capacity(n);
        for t in tasks {
            let (d, a) = t.await.map_err(err)??;
            at_once.push(d);
            attempts.push(a);
        }
        let burst_secs = started.elapsed().as_secs_f64();
        let burst_p50 = crate::percentile_ms(at_once.clone(), 0.5);
        let burst_p99 = crate::percentile_ms(at_once, 0.99);

        // Every learner answers every question, 64 in flight.
        let saves: Vec<(usize, String, u64, String)> = attempts
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                let id = a["id"].as_str().unwrap_or_default().to_string();
                a["questions"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |q| {
                        (
                            i,
                            id.clone(),
                            q["position"].as_u64().unwrap_or(0),
                            if q["kind"] == "multiple" { "AB" } else { "A" }.to_string(),
                        )
                    })
            })
            .collect();
        let total_saves = saves.len();
        let started = Instant::now();
        let (save_lat, saved) = fire_saves(&http, &base, &people, saves).await?;
        let save_secs = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let (bare_lat, _) = fire_n(&http, &base, total_saves).await?;
        let bare_secs = started.elapsed().as_secs_f64();

        // Everyone hands in, 64 in flight.
        let started = Instant::now();
        let submitted = fire_submits(&http, &base, &people, &attempts).await?;
        let submit_secs = started.elapsed().as_secs_f64();

        let saves_per_s = total_saves as f64 / save_secs;
        let bare_per_s = total_saves as f64 / bare_secs;
        let submits_per_s = n as f64 / submit_secs;
        let postgres = url.starts_with("postgres");
        println!(
            "database: {}; {n} learners start one exam at once (10 questions drawn from 60)",
            if postgres { "PostgreSQL" } else { "SQLite" }
        );
        println!(
            "start, one at a time: p50 {alone_p50:.1} ms; all {n} at once: p50 {burst_p50:.1} ms, p99 {burst_p99:.1} ms, {:.0} starts/s",
            n as f64 / burst_secs
        );
        println!(
            "ratio p99 at once / p50 alone: {:.1}x (target <= 20x)",
            burst_p99 / alone_p50.max(0.001)
        );
        println!(
            "answer saves: {saves_per_s:.0}/s, p50 {:.1} ms, p99 {:.1} ms ({saved}/{total_saves} saved); bare JSON route {bare_per_s:.0}/s, p50 {:.1} ms",
            crate::percentile_ms(save_lat.clone(), 0.5),
            crate::percentile_ms(save_lat, 0.99),
            crate::percentile_ms(bare_lat, 0.5),
        );
        println!(
            "ratio answer saves / bare route: {:.2}",
            saves_per_s / bare_per_s
        );
        println!(
            "submits (marked, each an evidence-log entry): {submits_per_s:.0}/s ({submitted}/{n})"
        );
        if postgres {
            match pgbench(&url) {
                Ok(tps) => println!(
                    "pgbench tpcb-like on the same database: {tps:.0} tps; ratio submits / pgbench: {:.2}",
                    submits_per_s / tps
                ),
                Err(e) => println!("pgbench: not run ({e})"),
            }
        }
        if saved != total_saves || submitted != n {
            return Err(format!(
                "only {saved} of {total_saves} answers and {submitted} of {n} submits went through"
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
}

/// The demo's class in training, given the benchmark's course as a study task with a
/// 60-question bank, and a course exam of 10 questions on it. The exam's id.
async fn exam(app: &jineng_app::App) -> Result<String, String> {
    use jineng_store::classes::class;
    use jineng_store::courses::{lesson, question, version};
    use jineng_store::exams::exam;
    use jineng_store::study::task;
    let lesson_id = hour_lesson(app).await?;
    let l = lesson::Entity::find_by_id(lesson_id)
        .one(&app.db)
        .await
        .map_err(err)?
        .ok_or("no lesson")?;
    let v = version::Entity::find_by_id(l.version_id.clone())
        .one(&app.db)
        .await
        .map_err(err)?
        .ok_or("no version")?;
    let c = class::Entity::find()
        .filter(class::Column::Status.eq(jineng_core::classes::ClassStatus::InTraining))
        .one(&app.db)
        .await
        .map_err(err)?
        .ok_or("the demo has no class in training")?;
    let now = app.now();
    let id = || uuid::Uuid::now_v7().to_string();
    for i in 0..60 {
        let kind = QuestionKind::ALL[i % 3];
        let (options, answer) = match kind {
            QuestionKind::Judge => (json!(["正确", "错误"]), "B"),
            QuestionKind::Multiple => (json!(["甲", "乙", "丙", "丁"]), "AB"),
            QuestionKind::Single => (json!(["甲", "乙", "丙", "丁"]), "A"),
        };
        question::ActiveModel {
            id: Set(id()),
            version_id: Set(v.id.clone()),
            position: Set(i as i32 + 1),
            kind: Set(kind),
            stem: Set(format!("基准题{i}：下列说法正确的是？")),
            options: Set(options.to_string()),
            answer: Set(answer.into()),
            explanation: Set("基准题解析。".into()),
            knowledge_point: Set(["安全", "法规", "操作"][i % 3].into()),
            difficulty: Set(Difficulty::ALL[(i / 3) % 3]),
            created_at: Set(now),
        }
        .insert(&app.db)
        .await
        .map_err(err)?;
    }
    let day = |d: i64| {
        (now + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    task::ActiveModel {
        id: Set(id()),
        class_id: Set(c.id.clone()),
        org_id: Set(c.org_id.clone()),
        package_id: Set(v.package_id.clone()),
        version_id: Set(v.id.clone()),
        starts_on: Set(day(-1)),
        ends_on: Set(day(30)),
        free_seek: Set(false),
        created_by: Set("system".into()),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .map_err(err)?;
    let rule = PaperRule {
        lines: vec![
            DrawLine {
                kind: QuestionKind::Single,
                knowledge_point: None,
                difficulty: None,
                count: 4,
            },
            DrawLine {
                kind: QuestionKind::Multiple,
                knowledge_point: Some("法规".into()),
                difficulty: None,
                count: 3,
            },
            DrawLine {
                kind: QuestionKind::Judge,
                knowledge_point: None,
                difficulty: Some(Difficulty::Hard),
                count: 3,
            },
        ],
        scores: Scores {
            single: 10,
            multiple: 10,
            judge: 10,
        },
        minutes: 60,
        pass_mark: 60,
        shared: None,
    };
    let exam_id = id();
    exam::ActiveModel {
        id: Set(exam_id.clone()),
        class_id: Set(c.id.clone()),
        org_id: Set(c.org_id.clone()),
        package_id: Set(v.package_id.clone()),
        version_id: Set(v.id.clone()),
        kind: Set(ExamKind::Course),
        title: Set("基准考试".into()),
        rule: Set(serde_json::to_string(&rule).map_err(err)?),
        max_attempts: Set(0),
        show_answers: Set(false),
        opens_on: Set(day(-1)),
        closes_on: Set(day(30)),
        created_by: Set("system".into()),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .map_err(err)?;
    Ok(exam_id)
}

/// Enrol every learner in the exam's class (rows written directly: enrolment is measured
/// elsewhere).
async fn enroll(app: &jineng_app::App, exam_id: &str, people: &[Learner]) -> Result<(), String> {
    use jineng_store::classes::{class, enrollment};
    use jineng_store::exams::exam;
    let e = exam::Entity::find_by_id(exam_id.to_string())
        .one(&app.db)
        .await
        .map_err(err)?
        .ok_or("no exam")?;
    let c = class::Entity::find_by_id(e.class_id)
        .one(&app.db)
        .await
        .map_err(err)?
        .ok_or("no class")?;
    let now = app.now();
    for chunk in people.chunks(200) {
        enrollment::Entity::insert_many(chunk.iter().map(|l| enrollment::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            class_id: Set(c.id.clone()),
            user_id: Set(l.user_id.clone()),
            project_id: Set(c.project_id.clone()),
            created_at: Set(now),
        }))
        .exec(&app.db)
        .await
        .map_err(err)?;
    }
    Ok(())
}

async fn start(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    exam_id: &str,
) -> Result<Value, String> {
    let r = http
        .post(format!("{base}/api/v1/exams/{exam_id}/attempts"))
        .bearer_auth(token)
        .json(&json!({"pledge": true}))
        .send()
        .await
        .map_err(err)?;
    let status = r.status();
    let v: Value = r.json().await.map_err(err)?;
    if status.as_u16() != 201 {
        return Err(format!("start: {status} {v}"));
    }
    Ok(v)
}

/// The answers, 64 in flight: latencies and how many were saved.
async fn fire_saves(
    http: &reqwest::Client,
    base: &str,
    people: &Arc<Vec<String>>,
    saves: Vec<(usize, String, u64, String)>,
) -> Result<(Vec<Duration>, usize), String> {
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(saves.len());
    for (i, attempt, pos, answer) in saves {
        let (http, base, people) = (http.clone(), base.to_string(), people.clone());
        let permit = gate.clone().acquire_owned().await.map_err(err)?;
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http
                .put(format!(
                    "{base}/api/v1/exam-attempts/{attempt}/answers/{pos}"
                ))
                .bearer_auth(&people[i])
                .json(&json!({"answer": answer}))
                .send()
                .await;
            let ok = match r {
                Ok(r) => r.status().as_u16() == 200 && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            drop(permit);
            (t.elapsed(), ok)
        }));
    }
    let mut lat = Vec::with_capacity(tasks.len());
    let mut ok = 0;
    for t in tasks {
        let (d, good) = t.await.map_err(err)?;
        lat.push(d);
        ok += usize::from(good);
    }
    Ok((lat, ok))
}

/// Every attempt handed in, 64 in flight: how many were marked.
async fn fire_submits(
    http: &reqwest::Client,
    base: &str,
    people: &Arc<Vec<String>>,
    attempts: &[Value],
) -> Result<usize, String> {
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(attempts.len());
    for (i, a) in attempts.iter().enumerate() {
        let id = a["id"].as_str().unwrap_or_default().to_string();
        let (http, base, people) = (http.clone(), base.to_string(), people.clone());
        let permit = gate.clone().acquire_owned().await.map_err(err)?;
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}/api/v1/exam-attempts/{id}/submit"))
                .bearer_auth(&people[i])
                .send()
                .await;
            let ok = match r {
                Ok(r) => r.status().as_u16() == 200 && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            drop(permit);
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.map_err(err)?);
    }
    Ok(ok)
}

/// pgbench's tpcb-like run (scale 1, 8 clients, 2 threads, 10 s) on the same database:
/// transactions per second.
fn pgbench(url: &str) -> Result<f64, String> {
    let run = |args: &[&str]| {
        std::process::Command::new("pgbench")
            .args(args)
            .arg(url)
            .output()
            .map_err(|e| e.to_string())
    };
    let init = run(&["-i", "-s", "1", "-q"])?;
    if !init.status.success() {
        return Err(String::from_utf8_lossy(&init.stderr).into_owned());
    }
    let out = run(&["-c", "8", "-j", "2", "-T", "10"])?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no tps in pgbench's output: {text}"))
}
