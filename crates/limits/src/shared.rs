//! Values every node reads from Redis (the session views of several nodes): one round
//! trip per read, dropped one by one with a tombstone or all at once with a generation.
//!
//! A value is stored with the generation it was read under, and a read returns it only
//! while that generation is still the current one, so `clear` (one `INCR`) drops every
//! value at once without touching them. A put carries the generation its caller saw
//! before reading the source (the database): a put whose source was read before a
//! `clear`, or after a `remove` of its key, is refused by the script that stores it, so
//! a slow reader cannot bring back what was dropped while it read.
//!
//! A drop that cannot reach Redis is not forgotten: until a later `clear` succeeds this
//! node reads nothing from Redis (its caller reads the source), and the next call tries
//! that `clear` first. Another node that reaches Redis while this one cannot may serve a
//! dropped value for at most the values' time to live; see docs/operations.md.

use crate::{LimitError, redis_err};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A value read, and the generation to put it back under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub value: Option<String>,
    pub generation: u64,
}

/// A family of values under one key prefix on one Redis server.
#[derive(Clone)]
pub struct Views {
    conn: redis::aio::ConnectionManager,
    prefix: String,
    /// A drop failed: read nothing until a `clear` succeeds.
    owed: std::sync::Arc<AtomicBool>,
}

/// What a removed key holds until its time to live ends.
const TOMBSTONE: &str = "-";

/// KEYS: value key, generation key. ARGV: generation read, stored text, seconds.
const PUT: &str = r#"
local g = redis.call('GET', KEYS[2]) or '0'
if g ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[1]) == '-' then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1
"#;

impl Views {
    /// Connects; fails when Redis does not answer.
    pub async fn connect(url: &str, prefix: &str) -> Result<Views, LimitError> {
        let (_, conn) = crate::managed(url).await?;
        Ok(Views {
            conn,
            prefix: prefix.to_string(),
            owed: Default::default(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:v:{key}", self.prefix)
    }

    fn generation_key(&self) -> String {
        format!("{}:generation", self.prefix)
    }

    /// Pay a drop that could not be made earlier.
    async fn settle(&self) -> Result<(), LimitError> {
        if self.owed.load(Ordering::SeqCst) {
            self.clear().await?;
        }
        Ok(())
    }

    /// The value of `key` if it was stored under the current generation.
    pub async fn get(&self, key: &str) -> Result<Read, LimitError> {
        self.settle().await?;
        let mut c = self.conn.clone();
        let (generation, stored): (Option<u64>, Option<String>) = redis::cmd("MGET")
            .arg(self.generation_key())
            .arg(self.key(key))
            .query_async(&mut c)
            .await
            .map_err(redis_err)?;
        let generation = generation.unwrap_or(0);
        let value = stored.and_then(|s| {
            let (g, v) = s.split_once('|')?;
            (g.parse::<u64>().ok()? == generation).then(|| v.to_string())
        });
        Ok(Read { value, generation })
    }

    /// Store `value` under `key` for `ttl`, unless the values were cleared since
    /// `generation` was read or `key` was removed lately. Whether it was stored.
    pub async fn put(
        &self,
        key: &str,
        value: &str,
        generation: u64,
        ttl: Duration,
    ) -> Result<bool, LimitError> {
        let mut c = self.conn.clone();
        let stored: i64 = redis::Script::new(PUT)
            .key(self.key(key))
            .key(self.generation_key())
            .arg(generation.to_string())
            .arg(value)
            .arg(ttl.as_secs().max(1))
            .invoke_async(&mut c)
            .await
            .map_err(redis_err)?;
        Ok(stored == 1)
    }

    /// Drop `key` on every node; no put brings it back for `ttl` (give at least the
    /// values' time to live).
    pub async fn remove(&self, key: &str, ttl: Duration) -> Result<(), LimitError> {
        let mut c = self.conn.clone();
        let r = redis::cmd("SET")
            .arg(self.key(key))
            .arg(TOMBSTONE)
            .arg("EX")
            .arg(ttl.as_secs().max(1))
            .query_async::<()>(&mut c)
            .await
            .map_err(redis_err);
        if r.is_err() {
            self.owed.store(true, Ordering::SeqCst);
        }
        r
    }

    /// Drop every value on every node.
    pub async fn clear(&self) -> Result<(), LimitError> {
        // Owed before the attempt: a clear that fails half-way is owed still.
        self.owed.store(true, Ordering::SeqCst);
        let mut c = self.conn.clone();
        match redis::cmd("INCR")
            .arg(self.generation_key())
            .query_async::<u64>(&mut c)
            .await
        {
            Ok(_) => {
                self.owed.store(false, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                // Again: a parallel clear that succeeded meanwhile may have unset it.
                self.owed.store(true, Ordering::SeqCst);
                Err(redis_err(e))
            }
        }
    }
}
