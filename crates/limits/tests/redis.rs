//! The Redis counts against a real Redis. Marked ignored (shown as such, never as
//! passed) because it needs the server; CI runs it with `--include-ignored` and
//! JINENG_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15), and without that URL it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jineng_limits::Limiter;
use std::time::Duration;

async fn limiter(prefix: &str) -> Option<Limiter> {
    let url = std::env::var("JINENG_TEST_REDIS_URL").ok()?;
    Some(
        Limiter::redis(&url, prefix)
            .await
            .expect("connect to Redis"),
    )
}

#[tokio::test]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn counts_are_shared_and_windows_end() {
    let prefix = format!("jt:{}:", std::process::id());
    let a = limiter(&prefix)
        .await
        .expect("JINENG_TEST_REDIS_URL must name the Redis to test against");
    // A second connection stands for a second node.
    let b = limiter(&prefix).await.unwrap();
    let w = Duration::from_millis(1500);
    assert_eq!(a.peek("k", w).await.unwrap().hits, 0);
    assert_eq!(a.hit("k", w).await.unwrap().hits, 1);
    assert_eq!(
        b.hit("k", w).await.unwrap().hits,
        2,
        "the other node sees it"
    );
    let c = a.peek("k", w).await.unwrap();
    assert_eq!(c.hits, 2);
    assert!(c.resets_in <= w && c.resets_in >= Duration::from_millis(900));
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(b.hit("k", w).await.unwrap().hits, 1, "a new window");
    a.clear("k").await.unwrap();
    assert_eq!(b.peek("k", w).await.unwrap().hits, 0);
    assert!(a.ping().await.unwrap().is_ok());
    // A closed port fails to connect instead of hanging.
    let started = std::time::Instant::now();
    assert!(Limiter::redis("redis://127.0.0.1:1/0", "x").await.is_err());
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Batched mode: a node counts its own hits at once, sees other nodes' within the sync
/// interval, and no hit is lost once the interval has passed.
#[tokio::test]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn batched_counts_arrive_whole() {
    let url = std::env::var("JINENG_TEST_REDIS_URL")
        .expect("JINENG_TEST_REDIS_URL must name the Redis to test against");
    let prefix = format!("jtb:{}:", std::process::id());
    let sync = Duration::from_millis(200);
    let a = Limiter::redis_batched(&url, &prefix, sync).await.unwrap();
    let b = Limiter::redis_batched(&url, &prefix, sync).await.unwrap();
    let exact = Limiter::redis(&url, &prefix).await.unwrap();
    let w = Duration::from_secs(30);
    // Thirty hits on node a, each counted there at once.
    for n in 1..=30 {
        assert_eq!(a.hit("k", w).await.unwrap().hits, n);
    }
    // Node b has synchronised at least a's first hit already.
    let seen = b.hit("k", w).await.unwrap().hits;
    assert!((2..=31).contains(&seen), "{seen}");
    // After the interval every hit is in Redis: none lost, none twice.
    tokio::time::sleep(sync * 4).await;
    assert_eq!(exact.peek("k", w).await.unwrap().hits, 31);
    assert_eq!(b.hit("k", w).await.unwrap().hits, 32, "b resynchronised");
    tokio::time::sleep(sync * 4).await;
    assert_eq!(exact.peek("k", w).await.unwrap().hits, 32);
    a.clear("k").await.unwrap();
    assert_eq!(exact.peek("k", w).await.unwrap().hits, 0);
}

/// Batched mode across many windows: a key counted without pause through several short
/// windows always carries its expiry in Redis (the flush sets one whenever its increment
/// starts a window there), so once the hits stop it disappears.
#[tokio::test]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn batched_windows_always_expire() {
    let url = std::env::var("JINENG_TEST_REDIS_URL")
        .expect("JINENG_TEST_REDIS_URL must name the Redis to test against");
    let prefix = format!("jte:{}:", std::process::id());
    let sync = Duration::from_millis(50);
    let a = Limiter::redis_batched(&url, &prefix, sync).await.unwrap();
    let exact = Limiter::redis(&url, &prefix).await.unwrap();
    let w = Duration::from_millis(400);
    let started = std::time::Instant::now();
    let mut most = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        let c = a.hit("k", w).await.unwrap();
        most = most.max(c.hits);
        assert!(c.resets_in <= Duration::from_secs(1), "{c:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(most > 10, "{most}");
    // Nothing is counted after the window has run out.
    tokio::time::sleep(w * 2 + sync * 4).await;
    assert_eq!(exact.peek("k", w).await.unwrap().hits, 0);
}
