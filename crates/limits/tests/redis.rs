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

/// Shared views (the session views of several nodes): a value read under one generation
/// is served to every node; a clear drops every value at once; a removed key cannot be
/// brought back by a reader that read its source before the removal; a put whose source
/// was read before a clear is refused.
#[tokio::test]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn shared_views_drop_at_once_and_refuse_stale_puts() {
    use jineng_limits::shared::Views;
    let url = std::env::var("JINENG_TEST_REDIS_URL")
        .expect("JINENG_TEST_REDIS_URL must name the Redis to test against");
    let prefix = format!("jtv:{}", std::process::id());
    let a = Views::connect(&url, &prefix).await.unwrap();
    let b = Views::connect(&url, &prefix).await.unwrap();
    let ttl = Duration::from_secs(30);

    let r = a.get("s1").await.unwrap();
    assert_eq!(r.value, None);
    assert!(
        a.put("s1", "one|with a bar", r.generation, ttl)
            .await
            .unwrap()
    );
    assert_eq!(
        b.get("s1").await.unwrap().value.as_deref(),
        Some("one|with a bar"),
        "the other node reads it"
    );

    // A reader that saw the generation before a clear cannot store what it read.
    let before = b.get("s2").await.unwrap();
    a.clear().await.unwrap();
    assert_eq!(b.get("s1").await.unwrap().value, None, "cleared everywhere");
    assert!(!b.put("s2", "stale", before.generation, ttl).await.unwrap());
    assert_eq!(a.get("s2").await.unwrap().value, None);

    // A removal holds against a put read before it.
    let r = a.get("s3").await.unwrap();
    assert!(a.put("s3", "three", r.generation, ttl).await.unwrap());
    b.remove("s3", ttl).await.unwrap();
    assert_eq!(a.get("s3").await.unwrap().value, None);
    assert!(!a.put("s3", "three again", r.generation, ttl).await.unwrap());
    assert_eq!(b.get("s3").await.unwrap().value, None);

    // Values end with their time to live.
    let r = a.get("s4").await.unwrap();
    assert!(
        a.put("s4", "four", r.generation, Duration::from_secs(1))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(b.get("s4").await.unwrap().value, None);
}

/// A drop that cannot reach Redis is owed: the node reads nothing from Redis until a
/// clear succeeds, and pays it on its next call.
#[tokio::test]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn a_drop_that_fails_is_paid_before_the_next_read() {
    use jineng_limits::shared::Views;
    let url = std::env::var("JINENG_TEST_REDIS_URL")
        .expect("JINENG_TEST_REDIS_URL must name the Redis to test against");
    let prefix = format!("jto:{}", std::process::id());
    let a = Views::connect(&url, &prefix).await.unwrap();
    let ttl = Duration::from_secs(30);
    let r = a.get("k").await.unwrap();
    assert!(a.put("k", "v", r.generation, ttl).await.unwrap());
    // The generation key made a list: INCR then fails for this node the way a Redis
    // out of reach would, while the test can still put things right.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let generation_key = format!("{prefix}:generation");
    let old: Option<String> = redis::cmd("GET")
        .arg(&generation_key)
        .query_async(&mut c)
        .await
        .unwrap();
    redis::cmd("DEL")
        .arg(&generation_key)
        .query_async::<()>(&mut c)
        .await
        .unwrap();
    redis::cmd("RPUSH")
        .arg(&generation_key)
        .arg("x")
        .query_async::<()>(&mut c)
        .await
        .unwrap();
    assert!(a.clear().await.is_err());
    assert!(a.get("k").await.is_err(), "owed: nothing is read");
    redis::cmd("DEL")
        .arg(&generation_key)
        .query_async::<()>(&mut c)
        .await
        .unwrap();
    if let Some(g) = old {
        redis::cmd("SET")
            .arg(&generation_key)
            .arg(g)
            .query_async::<()>(&mut c)
            .await
            .unwrap();
    }
    let r = a.get("k").await.unwrap();
    assert_eq!(r.value, None, "the owed clear was paid first");
}

/// Items held for several nodes: one lease at a time; a holder whose lease ran out
/// writes nothing; a take leaves an item under someone else's lease; a flight is
/// claimable only after its lease, by one node.
#[tokio::test]
#[ignore = "needs Redis: set JINENG_TEST_REDIS_URL, run with --include-ignored"]
async fn held_items_take_turns_and_flights_wait_for_their_lease() {
    use jineng_limits::held::Held;
    let url = std::env::var("JINENG_TEST_REDIS_URL")
        .expect("JINENG_TEST_REDIS_URL must name the Redis to test against");
    let prefix = format!("jt-held:{}:{}", std::process::id(), rand_suffix());
    let a = Held::connect(&url, &prefix).await.unwrap();
    let b = Held::connect(&url, &prefix).await.unwrap();
    let day = Duration::from_secs(86_400);

    let lease = a
        .lock("s1", Duration::from_millis(300), Duration::ZERO)
        .await
        .unwrap()
        .expect("free");
    assert!(
        b.lock("s1", Duration::from_secs(5), Duration::from_millis(50))
            .await
            .unwrap()
            .is_none(),
        "held by a"
    );
    assert!(
        a.store(&lease, "u1", "state-1", Some("p-1"), day)
            .await
            .unwrap()
    );
    let (item, frozen) = b.read("s1").await.unwrap();
    assert_eq!(item.state.as_deref(), Some("state-1"));
    assert_eq!(item.pending.as_deref(), Some("p-1"));
    assert!(!frozen);
    assert_eq!(a.owned("u1").await.unwrap(), vec!["s1".to_string()]);
    assert_eq!(a.depth().await.unwrap(), (1, 0));

    // A lease that ran out writes nothing, even when nobody else took it.
    let late = a
        .lock("s1", Duration::from_millis(100), Duration::ZERO)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(
        !a.store(&late, "u1", "stale", Some("p-stale"), day)
            .await
            .unwrap()
    );
    assert_eq!(
        b.read("s1").await.unwrap().0.pending.as_deref(),
        Some("p-1")
    );

    // A take leaves what another holds; the holder's own take moves it.
    let holding = b
        .lock("s1", Duration::from_secs(5), Duration::ZERO)
        .await
        .unwrap()
        .unwrap();
    let t = a
        .take("f1", None, 10, Duration::from_millis(400), None)
        .await
        .unwrap();
    assert!(t.items.is_empty());
    assert_eq!(t.busy, vec!["s1".to_string()]);
    assert_eq!(a.depth().await.unwrap(), (1, 0), "still dirty");
    let t = b
        .take(
            "f1",
            Some(&["s1".to_string()]),
            10,
            Duration::from_millis(400),
            Some(&holding),
        )
        .await
        .unwrap();
    assert_eq!(t.items.len(), 1);
    assert_eq!(t.items[0].pending.as_deref(), Some("p-1"));
    assert_eq!(t.items[0].state.as_deref(), Some("state-1"));
    assert_eq!(b.read("s1").await.unwrap().0.pending, None, "moved out");
    assert_eq!(a.depth().await.unwrap(), (0, 1));

    // The flight is nobody else's until its lease ends; then one node claims it.
    assert!(a.overdue(10).await.unwrap().is_empty());
    assert_eq!(a.claim("f1", Duration::from_secs(5)).await.unwrap(), None);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(a.overdue(10).await.unwrap(), vec!["f1".to_string()]);
    let claimed = a
        .claim("f1", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed, t.items);
    assert_eq!(
        b.claim("f1", Duration::from_secs(5)).await.unwrap(),
        None,
        "a has it"
    );
    a.landed("f1").await.unwrap();
    assert_eq!(a.depth().await.unwrap(), (0, 0));

    // Forgetting drops the state and the frozen mark; a freeze is read by every node.
    b.freeze(&["s1".to_string()], day).await.unwrap();
    assert!(a.read("s1").await.unwrap().1);
    assert!(b.forget(&holding, "u1").await.unwrap());
    let (item, frozen) = a.read("s1").await.unwrap();
    assert_eq!((item.state, item.pending, frozen), (None, None, false));
    assert!(a.owned("u1").await.unwrap().is_empty());
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
