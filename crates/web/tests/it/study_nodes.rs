//! Issue 17: heartbeats of several nodes held in Redis. Any node takes any heartbeat of a
//! session, one after the other under the session's lease; what is pending is written in
//! batches whose names the database keeps, so a batch a killed node left is written once
//! by another node, and never twice however often it is tried.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{Options, StudyMode, TestApp};
use crate::study::{HOME, Session, beat_via, free_course, human_gap, open_home};
use axum::http::StatusCode;
use jineng_store::study::{day, progress};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

const NEEDS_REDIS: &str = "JINENG_TEST_REDIS_URL must name the Redis to test against";

async fn platform(prefix: &str) -> TestApp {
    TestApp::with(Options {
        study: StudyMode::Redis,
        study_prefix: Some(prefix.to_string()),
        ..Default::default()
    })
    .await
}

/// What the database holds of the learner's credit: (per lesson, per day).
async fn written(t: &TestApp, user_id: &str) -> (i64, i64) {
    let lessons: i64 = progress::Entity::find()
        .filter(progress::Column::UserId.eq(user_id))
        .all(&t.app.db)
        .await
        .unwrap()
        .iter()
        .map(|p| p.credited_ms)
        .sum();
    let days: i64 = day::Entity::find()
        .filter(day::Column::UserId.eq(user_id))
        .all(&t.app.db)
        .await
        .unwrap()
        .iter()
        .map(|d| d.credited_ms)
        .sum();
    (lessons, days)
}

/// The next heartbeat of an honest player, 20 s ± 2 s after the last.
fn next(t: &TestApp, s: &mut Session, i: i64) -> serde_json::Value {
    let gap = human_gap(i);
    t.clock.advance(chrono::Duration::milliseconds(gap));
    s.seq += 1;
    s.position += gap;
    json!({"token": s.token, "seq": s.seq, "position_ms": s.position, "rate_pct": 100, "visible": true})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn heartbeats_held_in_redis_reach_any_node_and_count_once() {
    std::env::var("JINENG_TEST_REDIS_URL").expect(NEEDS_REDIS);
    let prefix = format!("jineng-test:study:{}", uuid::Uuid::now_v7());
    let t = platform(&prefix).await;
    let b = t.router_of(t.app.another_node());
    let (_, lesson) = free_course(&t).await;
    let tok = t.token("learner").await;
    let learner = t.user_id("learner").await;
    let mut s = open_home(&t, &tok, &lesson).await;

    // Heartbeats alternate between the two nodes, each judged against what the other
    // stored: every one credited, nothing written to the database yet.
    let mut credited = 0;
    for i in 0..12 {
        let body = next(&t, &mut s, i);
        let router = if i % 2 == 0 { &t.router } else { &b };
        let (status, r) = beat_via(router, &tok, &s, body, HOME).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["accepted"], true, "beat {i}: {r}");
        assert!(r["irregularity"].is_null(), "beat {i}: {r}");
        credited += r["credited_ms"].as_i64().unwrap();
    }
    assert!(credited > 200_000, "{credited}");
    assert_eq!(
        written(&t, &learner).await,
        (0, 0),
        "the heartbeats were held in Redis, not written one by one"
    );
    let g = t.app.gauges().await.unwrap();
    assert_eq!(
        g.study_held, 1,
        "one session with heartbeats not yet written"
    );

    // The same heartbeat reaching both nodes at once (a retry racing its original):
    // judged one after the other under the session's lease, credited once.
    for i in 12..16 {
        let body = next(&t, &mut s, i);
        let (x, y) = tokio::join!(
            beat_via(&t.router, &tok, &s, body.clone(), HOME),
            beat_via(&b, &tok, &s, body, HOME)
        );
        let mut answers = [x, y];
        answers.sort_by_key(|(_, r)| r["duplicate"].as_bool());
        assert_eq!(answers[0].0, StatusCode::OK, "{answers:?}");
        assert_eq!(answers[0].1["accepted"], true, "{answers:?}");
        assert_eq!(answers[1].0, StatusCode::OK, "{answers:?}");
        assert_eq!(answers[1].1["duplicate"], true, "{answers:?}");
        credited += answers[0].1["credited_ms"].as_i64().unwrap();
    }

    // A reader on node b writes what Redis holds: every heartbeat of both nodes, once.
    let mine = t
        .api(axum::http::Method::GET, "/me/study", Some(&tok), None)
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(written(&t, &learner).await, (credited, credited));
    assert_eq!(
        mine.json()[0]["lessons"][0]["credited_ms"]
            .as_i64()
            .unwrap(),
        credited
    );
    let g = t.app.gauges().await.unwrap();
    assert_eq!((g.study_held, g.study_unwritten), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn a_batch_a_killed_node_left_is_written_once_by_another() {
    use jineng_limits::held::Held;
    let url = std::env::var("JINENG_TEST_REDIS_URL").expect(NEEDS_REDIS);
    let prefix = format!("jineng-test:study:{}", uuid::Uuid::now_v7());
    let t = platform(&prefix).await;
    let node_b = t.app.another_node();
    let (_, lesson) = free_course(&t).await;
    let tok = t.token("learner").await;
    let learner = t.user_id("learner").await;
    let mut s = open_home(&t, &tok, &lesson).await;
    let mut credited = 0;
    for i in 0..6 {
        let body = next(&t, &mut s, i);
        let (status, r) = beat_via(&t.router, &tok, &s, body, HOME).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        credited += r["credited_ms"].as_i64().unwrap();
    }
    assert!(credited > 90_000, "{credited}");

    // A node takes the pending heartbeats into a batch for writing, with a one-second
    // lease, and is killed before it commits.
    let dead = Held::connect(&url, &prefix).await.unwrap();
    let taken = dead
        .take(
            "batch-of-a-killed-node",
            None,
            500,
            std::time::Duration::from_secs(1),
            None,
        )
        .await
        .unwrap();
    assert_eq!(taken.items.len(), 1, "{taken:?}");
    assert_eq!(written(&t, &learner).await, (0, 0));
    // Within its lease nobody else writes it.
    node_b.study().settle(None).await.unwrap();
    assert_eq!(
        written(&t, &learner).await,
        (0, 0),
        "written within the lease"
    );

    // After the lease, node b's flusher finds the batch and writes it: nothing lost.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    node_b.study().settle(None).await.unwrap();
    assert_eq!(written(&t, &learner).await, (credited, credited));
    assert_eq!(node_b.study_shared.as_ref().unwrap().stats().1, 1);

    // The killed node was only slow: its batch comes back (as if its lease had been
    // renewed) and is tried again. The database knows the batch's name: not counted twice.
    let mut c = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let item = &taken.items[0];
    let _: () = redis::cmd("HSET")
        .arg(format!("{prefix}:fl:batch-of-a-killed-node"))
        .arg(format!("{}|s", item.id))
        .arg(item.state.clone().unwrap())
        .arg(format!("{}|p", item.id))
        .arg(item.pending.clone().unwrap())
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("ZADD")
        .arg(format!("{prefix}:flights"))
        .arg(0)
        .arg("batch-of-a-killed-node")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(t.app.gauges().await.unwrap().study_unwritten, 1);
    t.app.study().settle(None).await.unwrap();
    assert_eq!(written(&t, &learner).await, (credited, credited));
    assert_eq!(
        t.app.gauges().await.unwrap().study_unwritten,
        0,
        "the batch left Redis"
    );

    // The learner goes on, on either node, from what was written and held.
    let body = next(&t, &mut s, 6);
    let (status, r) = beat_via(&t.router, &tok, &s, body, HOME).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["accepted"], true, "{r}");
    credited += r["credited_ms"].as_i64().unwrap();
    node_b.study().settle(None).await.unwrap();
    assert_eq!(written(&t, &learner).await, (credited, credited));
}
