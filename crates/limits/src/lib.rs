//! Counting attempts, so that what a person types (passwords, codes) and what a client
//! sends (SMS requests, registrations, exchange pulls) can be limited per key and window.
//! Fixed windows: the first hit of a key opens a window of the given length; every hit in
//! it counts; the window's end is when the count starts again. In one process the counts
//! live in memory (the embedded mode); across several nodes they live in Redis, so a
//! limit holds whichever node a request reaches. Decides nothing: callers compare the
//! count with their limit.

pub mod broadcast;
pub mod held;
pub mod shared;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A key's count in its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Hits in the window, this one included.
    pub hits: u64,
    /// Until the window ends (at least one second).
    pub resets_in: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("redis: {0}")]
    Redis(String),
}

/// Where counts live.
#[derive(Clone)]
pub enum Limiter {
    Memory(std::sync::Arc<Memory>),
    Redis(Redis),
}

impl Limiter {
    /// Counts in this process.
    pub fn memory() -> Self {
        Limiter::Memory(Default::default())
    }

    /// Counts in Redis at `url` (`redis://host:port/db`), shared by every node, exact:
    /// one round trip per hit. Fails if Redis does not answer, so a misconfigured node
    /// does not start.
    pub async fn redis(url: &str, prefix: &str) -> Result<Self, LimitError> {
        Ok(Limiter::Redis(Redis::connect(url, prefix, None).await?))
    }

    /// Counts in Redis, synchronised at most once per `sync` per key and node: hits in
    /// between are counted here and sent in one increment (at the latest `sync` after
    /// they happened), so a busy key costs one round trip per `sync` instead of one per
    /// hit. A node always counts its own hits at once; it sees other nodes' hits up to
    /// `sync` late, so across N nodes a limit can be passed by what the others admit in
    /// that time.
    pub async fn redis_batched(
        url: &str,
        prefix: &str,
        sync: Duration,
    ) -> Result<Self, LimitError> {
        Ok(Limiter::Redis(
            Redis::connect(url, prefix, Some(sync)).await?,
        ))
    }

    /// Count one hit of `key` in its window of `window`.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<Count, LimitError> {
        match self {
            Limiter::Memory(m) => Ok(m.hit(key, window, 1)),
            Limiter::Redis(r) => r.hit(key, window, 1).await,
        }
    }

    /// The count of `key` without adding to it.
    pub async fn peek(&self, key: &str, window: Duration) -> Result<Count, LimitError> {
        match self {
            Limiter::Memory(m) => Ok(m.hit(key, window, 0)),
            Limiter::Redis(r) => r.hit(key, window, 0).await,
        }
    }

    /// Forget `key` (a success that should not count against the next attempts).
    pub async fn clear(&self, key: &str) -> Result<(), LimitError> {
        match self {
            Limiter::Memory(m) => {
                m.clear(key);
                Ok(())
            }
            Limiter::Redis(r) => r.clear(key).await,
        }
    }

    /// Whether the store answers (for `/readyz`): `None` for in-process counts.
    pub async fn ping(&self) -> Option<Result<(), LimitError>> {
        match self {
            Limiter::Memory(_) => None,
            Limiter::Redis(r) => Some(r.ping().await),
        }
    }
}

/// In-process counts, in shards so parallel requests seldom wait on one lock.
pub struct Memory {
    shards: [Mutex<Shard>; SHARDS],
    hasher: std::collections::hash_map::RandomState,
}

#[derive(Default)]
struct Shard {
    windows: HashMap<String, (Instant, u64)>,
    /// When ended windows were last swept out of this shard.
    swept: Option<Instant>,
}

const SHARDS: usize = 16;
/// Above this many keys in a shard, ended windows are swept out — at most once a second,
/// so a flood of new keys cannot make every request scan the shard.
const SWEEP_ABOVE: usize = 1_000;

impl Default for Memory {
    fn default() -> Self {
        Memory {
            shards: std::array::from_fn(|_| Mutex::new(Shard::default())),
            hasher: Default::default(),
        }
    }
}

impl Memory {
    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, Shard> {
        use std::hash::BuildHasher;
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        match self.shards[i].lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn hit(&self, key: &str, window: Duration, add: u64) -> Count {
        let now = Instant::now();
        let mut shard = self.shard(key);
        let Shard { windows, swept } = &mut *shard;
        if windows.len() > SWEEP_ABOVE
            && swept.is_none_or(|at| now.duration_since(at) > Duration::from_secs(1))
        {
            windows.retain(|_, (ends, _)| *ends > now);
            *swept = Some(now);
        }
        // Look up before inserting: the common case allocates nothing.
        let slot = match windows.get_mut(key) {
            Some(slot) => slot,
            None => windows.entry(key.to_string()).or_insert((now + window, 0)),
        };
        if slot.0 <= now {
            *slot = (now + window, 0);
        }
        slot.1 += add;
        let (ends, hits) = *slot;
        if hits == 0 {
            windows.remove(key);
        }
        Count {
            hits,
            resets_in: ends
                .saturating_duration_since(now)
                .max(Duration::from_secs(1)),
        }
    }

    fn clear(&self, key: &str) {
        self.shard(key).windows.remove(key);
    }
}

/// Counts in Redis: `INCRBY` and, for a new key, `PEXPIRE`, in one script so a window
/// always ends. Optionally batched (see `Limiter::redis_batched`).
#[derive(Clone)]
pub struct Redis {
    conn: redis::aio::ConnectionManager,
    prefix: String,
    /// With batching: this node's view of each key.
    batch: Option<std::sync::Arc<Batch>>,
}

/// This node's view of the keys it counted lately (batched mode), in shards like the
/// in-process counts. A background task sends every key's waiting hits once per `sync`
/// in one script call and brings back the totals.
struct Batch {
    sync: Duration,
    shards: [Mutex<HashMap<String, Local>>; SHARDS],
    hasher: std::collections::hash_map::RandomState,
}

struct Local {
    /// The count Redis gave at the last synchronisation.
    global: u64,
    /// Hits here since, not yet sent.
    pending: u64,
    synced: Instant,
    ends: Instant,
    window: Duration,
}

impl Batch {
    fn index(&self, key: &str) -> usize {
        use std::hash::BuildHasher;
        (self.hasher.hash_one(key) as usize) % SHARDS
    }

    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, HashMap<String, Local>> {
        lock(&self.shards[self.index(key)])
    }

    /// A view this recent is used as it is; older, a hit asks Redis first.
    fn fresh(&self, l: &Local, now: Instant) -> bool {
        l.ends > now && now.duration_since(l.synced) < self.sync * 3
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

const HIT: &str = r#"
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  if n == 0 then
    redis.call('DEL', KEYS[1])
    return {0, tonumber(ARGV[1])}
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"#;

/// The same for many keys at once: ARGV holds (window ms, increment) per key; the answer
/// is (count, ttl ms) per key, the ttl -1 when the window was already running (the node
/// keeps the end it knows; asking Redis for it again would double the work per key).
/// INCRBY and PEXPIRE run in one script, so no key is ever left without its expiry.
const HIT_MANY: &str = r#"
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i - 1])
  local add = tonumber(ARGV[2 * i])
  local n = redis.call('INCRBY', key, add)
  local ttl = -1
  if n == add then
    redis.call('PEXPIRE', key, window)
    ttl = window
  end
  out[2 * i - 1] = n
  out[2 * i] = ttl
end
return out
"#;

/// Keys per script call when flushing.
const FLUSH_CHUNK: usize = 500;

/// Redis errors this process has met (for `/metrics`).
static REDIS_ERRORS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many Redis calls of this process have failed since it started.
pub fn redis_errors() -> u64 {
    REDIS_ERRORS.load(std::sync::atomic::Ordering::Relaxed)
}

fn redis_err(e: redis::RedisError) -> LimitError {
    REDIS_ERRORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    LimitError::Redis(e.to_string())
}

/// A client for `url` and a managed connection through it: two-second timeouts and one
/// retry, so a Redis that is away costs a request seconds, not minutes.
pub(crate) async fn managed(
    url: &str,
) -> Result<(redis::Client, redis::aio::ConnectionManager), LimitError> {
    let client = redis::Client::open(url).map_err(redis_err)?;
    let cfg = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(1);
    let conn = redis::aio::ConnectionManager::new_with_config(client.clone(), cfg)
        .await
        .map_err(redis_err)?;
    Ok((client, conn))
}

impl Redis {
    async fn connect(url: &str, prefix: &str, sync: Option<Duration>) -> Result<Self, LimitError> {
        let (_, conn) = managed(url).await?;
        let batch = sync.filter(|s| !s.is_zero()).map(|sync| {
            std::sync::Arc::new(Batch {
                sync,
                shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
                hasher: Default::default(),
            })
        });
        let r = Redis {
            conn,
            prefix: prefix.to_string(),
            batch,
        };
        if let Some(b) = &r.batch {
            // The flusher holds the batch weakly: it ends when the limiter is dropped.
            let weak = std::sync::Arc::downgrade(b);
            let (conn, prefix, sync) = (r.conn.clone(), r.prefix.clone(), b.sync);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(sync).await;
                    let Some(batch) = weak.upgrade() else {
                        break;
                    };
                    if let Err(e) = flush_all(&conn, &prefix, &batch).await {
                        tracing::warn!("rate-limit counts not sent to Redis: {e}");
                    }
                }
            });
        }
        Ok(r)
    }

    async fn hit(&self, key: &str, window: Duration, add: u64) -> Result<Count, LimitError> {
        let Some(batch) = &self.batch else {
            return self.round_trip(key, window, add).await;
        };
        let now = Instant::now();
        let send = {
            let mut shard = batch.shard(key);
            match shard.get_mut(key) {
                // Recent enough: count here; the flusher sends it.
                Some(l) if batch.fresh(l, now) => {
                    l.pending += add;
                    return Ok(Count {
                        hits: l.global + l.pending,
                        resets_in: l
                            .ends
                            .saturating_duration_since(now)
                            .max(Duration::from_secs(1)),
                    });
                }
                // Stale: ask Redis now, sending what waits (if its window still runs).
                Some(l) => {
                    let waiting = if l.ends > now { l.pending } else { 0 };
                    l.pending = 0;
                    waiting + add
                }
                None => add,
            }
        };
        let (hits, ttl) = self.script(key, window, send).await?;
        let now = Instant::now();
        let mut shard = batch.shard(key);
        let l = shard.entry(key.to_string()).or_insert(Local {
            global: 0,
            pending: 0,
            synced: now,
            ends: now,
            window,
        });
        l.global = hits;
        l.synced = now;
        l.ends = now + ttl;
        l.window = window;
        Ok(Count {
            hits: l.global + l.pending,
            resets_in: ttl.max(Duration::from_secs(1)),
        })
    }

    async fn round_trip(&self, key: &str, window: Duration, add: u64) -> Result<Count, LimitError> {
        let (hits, ttl) = self.script(key, window, add).await?;
        Ok(Count {
            hits,
            resets_in: ttl.max(Duration::from_secs(1)),
        })
    }

    async fn script(
        &self,
        key: &str,
        window: Duration,
        add: u64,
    ) -> Result<(u64, Duration), LimitError> {
        let mut conn = self.conn.clone();
        let (hits, ttl_ms): (u64, u64) = redis::Script::new(HIT)
            .key(format!("{}{key}", self.prefix))
            .arg(window.as_millis().max(1) as u64)
            .arg(add)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        Ok((hits, Duration::from_millis(ttl_ms)))
    }

    async fn clear(&self, key: &str) -> Result<(), LimitError> {
        if let Some(b) = &self.batch {
            b.shard(key).remove(key);
        }
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(format!("{}{key}", self.prefix))
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_err)
    }

    async fn ping(&self) -> Result<(), LimitError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(redis_err)
    }
}

/// Send every key's waiting hits in one script call per chunk and bring the totals back.
/// Ended windows are dropped here. If Redis fails, the hits wait for the next round.
async fn flush_all(
    conn: &redis::aio::ConnectionManager,
    prefix: &str,
    batch: &Batch,
) -> Result<(), LimitError> {
    let now = Instant::now();
    let mut waiting: Vec<(String, Duration, u64)> = Vec::new();
    for shard in &batch.shards {
        let mut keys = lock(shard);
        keys.retain(|_, l| l.ends > now || l.pending > 0);
        for (k, l) in keys.iter_mut() {
            if l.pending > 0 {
                if l.ends > now {
                    waiting.push((k.clone(), l.window, l.pending));
                }
                l.pending = 0;
            }
        }
    }
    for chunk in waiting.chunks(FLUSH_CHUNK) {
        let script = redis::Script::new(HIT_MANY);
        let mut call = script.prepare_invoke();
        for (k, window, add) in chunk {
            call.key(format!("{prefix}{k}"));
            call.arg(window.as_millis().max(1) as u64);
            call.arg(*add);
        }
        let mut c = conn.clone();
        let answer: Result<Vec<i64>, _> = call.invoke_async(&mut c).await;
        let now = Instant::now();
        match answer {
            Ok(totals) => {
                // One lock per shard for the whole answer, not one per key: requests
                // count in the same shards meanwhile.
                let mut by_shard: Vec<Vec<(&str, i64, i64)>> = vec![Vec::new(); SHARDS];
                for ((k, _, _), pair) in chunk.iter().zip(totals.chunks(2)) {
                    if let [hits, ttl] = pair {
                        by_shard[batch.index(k)].push((k.as_str(), *hits, *ttl));
                    }
                }
                for (i, answers) in by_shard.into_iter().enumerate() {
                    if answers.is_empty() {
                        continue;
                    }
                    let mut keys = lock(&batch.shards[i]);
                    for (k, hits, ttl) in answers {
                        if let Some(l) = keys.get_mut(k) {
                            l.global = hits.max(0) as u64;
                            l.synced = now;
                            // A new window started in Redis: its end is now + ttl.
                            // Otherwise the window this node knows still runs.
                            if ttl >= 0 {
                                l.ends = now + Duration::from_millis(ttl as u64);
                            }
                        }
                    }
                }
            }
            Err(e) => {
                // Put the hits back so they are not lost.
                for (k, _, add) in chunk {
                    if let Some(l) = batch.shard(k).get_mut(k) {
                        l.pending += add;
                    }
                }
                return Err(redis_err(e));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn windows_count_and_end() {
        let l = Limiter::memory();
        let w = Duration::from_millis(200);
        assert_eq!(l.peek("a", w).await.unwrap().hits, 0);
        for n in 1..=3 {
            assert_eq!(l.hit("a", w).await.unwrap().hits, n);
        }
        assert_eq!(l.hit("b", w).await.unwrap().hits, 1, "keys are separate");
        assert_eq!(l.peek("a", w).await.unwrap().hits, 3);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(l.hit("a", w).await.unwrap().hits, 1, "a new window");
        l.clear("a").await.unwrap();
        assert_eq!(l.peek("a", w).await.unwrap().hits, 0);
    }
}
