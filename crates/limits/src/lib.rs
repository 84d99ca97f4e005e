//! Counting attempts, so that what a person types (passwords, codes) and what a client
//! sends (SMS requests, registrations, exchange pulls) can be limited per key and window.
//! Fixed windows: the first hit of a key opens a window of the given length; every hit in
//! it counts; the window's end is when the count starts again. In one process the counts
//! live in memory (the embedded mode); across several nodes they live in Redis, so a
//! limit holds whichever node a request reaches. Decides nothing: callers compare the
//! count with their limit.

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

    /// Counts in Redis at `url` (`redis://host:port/db`), shared by every node. Fails if
    /// Redis does not answer, so a misconfigured node does not start.
    pub async fn redis(url: &str, prefix: &str) -> Result<Self, LimitError> {
        Ok(Limiter::Redis(Redis::connect(url, prefix).await?))
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
/// always ends.
#[derive(Clone)]
pub struct Redis {
    conn: redis::aio::ConnectionManager,
    prefix: String,
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

fn redis_err(e: redis::RedisError) -> LimitError {
    LimitError::Redis(e.to_string())
}

impl Redis {
    async fn connect(url: &str, prefix: &str) -> Result<Self, LimitError> {
        let client = redis::Client::open(url).map_err(redis_err)?;
        let cfg = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let conn = redis::aio::ConnectionManager::new_with_config(client, cfg)
            .await
            .map_err(redis_err)?;
        Ok(Redis {
            conn,
            prefix: prefix.to_string(),
        })
    }

    async fn hit(&self, key: &str, window: Duration, add: u64) -> Result<Count, LimitError> {
        let mut conn = self.conn.clone();
        let (hits, ttl_ms): (u64, u64) = redis::Script::new(HIT)
            .key(format!("{}{key}", self.prefix))
            .arg(window.as_millis().max(1) as u64)
            .arg(add)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        Ok(Count {
            hits,
            resets_in: Duration::from_millis(ttl_ms).max(Duration::from_secs(1)),
        })
    }

    async fn clear(&self, key: &str) -> Result<(), LimitError> {
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
