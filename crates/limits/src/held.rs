//! State that several nodes keep in Redis between requests and write to the database in
//! batches (the study heartbeats of several nodes). The library knows nothing of what it
//! holds: each item is an opaque `state` (absolute values, kept while the item is in use)
//! and an opaque `pending` (what is owed to the database, taken out whole).
//!
//! - An item is changed only under its **lease** (`lock`): a token with a time to live.
//!   `store` writes the state and the pending together and ends the lease, and refuses to
//!   write when the lease is no longer the caller's, so a holder that outlived its lease
//!   never writes over what another did since.
//! - `take` moves the pending of dirty items (or of given ones) into a **flight** named by
//!   the caller, in one script: an item under someone else's lease is left for the next
//!   take. The flight stays in Redis, with a lease of its own, until its writer calls
//!   `landed` after committing it together with the flight's name. A writer that dies
//!   leaves the flight behind; any node `claim`s it once its lease is over and writes it
//!   unless the database already holds its name. That name, unique in the database, is
//!   what makes a flight count once whoever writes it, however often it is tried.
//!
//! The scripts build key names from the prefix they are given: one Redis server (or a
//! primary with replicas), not Redis Cluster.

use crate::{LimitError, redis_err};
use std::time::Duration;

/// The right to change one item until `ttl` passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub id: String,
    token: String,
}

/// One item as read, or as taken into a flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub state: Option<String>,
    pub pending: Option<String>,
}

/// What a take moved, and the items it left because another held their lease.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    pub items: Vec<Item>,
    pub busy: Vec<String>,
}

/// Items held under one key prefix on one Redis server.
#[derive(Clone)]
pub struct Held {
    conn: redis::aio::ConnectionManager,
    prefix: String,
}

/// KEYS: lease, state, pending, dirty, owner's set. ARGV: token, state, pending ('' for
/// none), seconds to keep the state, item id.
const STORE: &str = r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[5])
end
redis.call('SADD', KEYS[5], ARGV[5])
redis.call('EXPIRE', KEYS[5], ARGV[4])
redis.call('DEL', KEYS[1])
return 1
"#;

/// KEYS: lease. ARGV: token.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// KEYS: lease, state, frozen mark, owner's set. ARGV: token, item id. The pending is
/// left alone (taken before, or the next take finds it).
const FORGET: &str = r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[1])
redis.call('SREM', KEYS[4], ARGV[2])
return 1
"#;

/// ARGV: prefix, flight, lease ms, most items, the caller's own lease token ('' for
/// none), then the items to take (none: pop dirty ones). Returns how many items were
/// left because someone else holds their lease, their ids, then id, state ('' when it is
/// gone), pending triples.
const TAKE: &str = r#"
local p = ARGV[1]
local ids
if #ARGV > 5 then
  ids = {}
  for i = 6, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  ids = redis.call('SPOP', p .. ':dirty', tonumber(ARGV[4]))
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fl = p .. ':fl:' .. ARGV[2]
local out = {}
local busy = {}
for _, id in ipairs(ids) do
  local lk = redis.call('GET', p .. ':lk:' .. id)
  local pd = redis.call('GET', p .. ':pd:' .. id)
  if lk and lk ~= ARGV[5] then
    if pd then
      redis.call('SADD', p .. ':dirty', id)
      busy[#busy + 1] = id
    end
  elseif pd then
    local st = redis.call('GET', p .. ':st:' .. id) or ''
    redis.call('HSET', fl, id .. '|s', st, id .. '|p', pd)
    redis.call('DEL', p .. ':pd:' .. id)
    redis.call('SREM', p .. ':dirty', id)
    out[#out + 1] = id
    out[#out + 1] = st
    out[#out + 1] = pd
  end
end
if #out > 0 then redis.call('ZADD', p .. ':flights', now + tonumber(ARGV[3]), ARGV[2]) end
local r = {tostring(#busy)}
for _, id in ipairs(busy) do r[#r + 1] = id end
for _, v in ipairs(out) do r[#r + 1] = v end
return r
"#;

/// KEYS: flights, flight. ARGV: flight, lease ms. The flight's fields, if its lease is
/// over (it is then the caller's for another lease).
const CLAIM: &str = r#"
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if tonumber(s) > now then return false end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('HGETALL', KEYS[2])
"#;

/// KEYS: flights. ARGV: most. Flights whose lease is over, by Redis's clock.
const OVERDUE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
"#;

impl Held {
    /// Connects; fails when Redis does not answer.
    pub async fn connect(url: &str, prefix: &str) -> Result<Held, LimitError> {
        let (_, conn) = crate::managed(url).await?;
        Ok(Held {
            conn,
            prefix: prefix.to_string(),
        })
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{kind}:{id}", self.prefix)
    }

    /// The lease of `id` for `ttl`, waiting up to `wait` for another holder to end
    /// theirs; `None` when it stayed taken.
    pub async fn lock(
        &self,
        id: &str,
        ttl: Duration,
        wait: Duration,
    ) -> Result<Option<Lease>, LimitError> {
        let token = format!("{:032x}", rand::random::<u128>());
        let started = std::time::Instant::now();
        let mut c = self.conn.clone();
        loop {
            let got: Option<String> = redis::cmd("SET")
                .arg(self.key("lk", id))
                .arg(&token)
                .arg("NX")
                .arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
                .query_async(&mut c)
                .await
                .map_err(redis_err)?;
            if got.is_some() {
                return Ok(Some(Lease {
                    id: id.to_string(),
                    token,
                }));
            }
            if started.elapsed() >= wait {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    }

    /// The item's state, its pending, and whether it was marked frozen (one round trip).
    pub async fn read(&self, id: &str) -> Result<(Item, bool), LimitError> {
        let mut c = self.conn.clone();
        let (state, pending, frozen): (Option<String>, Option<String>, Option<String>) =
            redis::cmd("MGET")
                .arg(self.key("st", id))
                .arg(self.key("pd", id))
                .arg(self.key("fz", id))
                .query_async(&mut c)
                .await
                .map_err(redis_err)?;
        Ok((
            Item {
                id: id.to_string(),
                state,
                pending,
            },
            frozen.is_some(),
        ))
    }

    /// Write the item's state (kept `keep` after its last write) and, if any, its whole
    /// pending, listing it under `owner`; ends the lease. `false`: the lease was no longer
    /// the caller's and nothing was written.
    pub async fn store(
        &self,
        lease: &Lease,
        owner: &str,
        state: &str,
        pending: Option<&str>,
        keep: Duration,
    ) -> Result<bool, LimitError> {
        let mut c = self.conn.clone();
        let n: i64 = redis::Script::new(STORE)
            .key(self.key("lk", &lease.id))
            .key(self.key("st", &lease.id))
            .key(self.key("pd", &lease.id))
            .key(format!("{}:dirty", self.prefix))
            .key(self.key("own", owner))
            .arg(&lease.token)
            .arg(state)
            .arg(pending.unwrap_or(""))
            .arg(keep.as_secs().max(1))
            .arg(&lease.id)
            .invoke_async(&mut c)
            .await
            .map_err(redis_err)?;
        Ok(n == 1)
    }

    /// End a lease without writing.
    pub async fn release(&self, lease: &Lease) -> Result<(), LimitError> {
        let mut c = self.conn.clone();
        redis::Script::new(RELEASE)
            .key(self.key("lk", &lease.id))
            .arg(&lease.token)
            .invoke_async::<i64>(&mut c)
            .await
            .map_err(redis_err)?;
        Ok(())
    }

    /// Drop the item's state and frozen mark (its pending stays for the next take) and
    /// end the lease. `false`: the lease was no longer the caller's.
    pub async fn forget(&self, lease: &Lease, owner: &str) -> Result<bool, LimitError> {
        let mut c = self.conn.clone();
        let n: i64 = redis::Script::new(FORGET)
            .key(self.key("lk", &lease.id))
            .key(self.key("st", &lease.id))
            .key(self.key("fz", &lease.id))
            .key(self.key("own", owner))
            .arg(&lease.token)
            .arg(&lease.id)
            .invoke_async(&mut c)
            .await
            .map_err(redis_err)?;
        Ok(n == 1)
    }

    /// Mark items frozen for `ttl` (their next reader learns it).
    pub async fn freeze(&self, ids: &[String], ttl: Duration) -> Result<(), LimitError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.cmd("SET")
                .arg(self.key("fz", id))
                .arg("1")
                .arg("EX")
                .arg(ttl.as_secs().max(1))
                .ignore();
        }
        let mut c = self.conn.clone();
        pipe.query_async::<()>(&mut c).await.map_err(redis_err)
    }

    /// The items listed under `owner` (those whose state is held).
    pub async fn owned(&self, owner: &str) -> Result<Vec<String>, LimitError> {
        let mut c = self.conn.clone();
        redis::cmd("SMEMBERS")
            .arg(self.key("own", owner))
            .query_async(&mut c)
            .await
            .map_err(redis_err)
    }

    /// Move the pending of up to `most` dirty items (or of `ids`) into the flight
    /// `flight`, whose lease is `lease`. Items under another's lease are left (and named
    /// in `busy`); `mine` is a lease of the caller's that does not stop it.
    pub async fn take(
        &self,
        flight: &str,
        ids: Option<&[String]>,
        most: usize,
        lease: Duration,
        mine: Option<&Lease>,
    ) -> Result<Taken, LimitError> {
        let take = redis::Script::new(TAKE);
        let mut script = take.prepare_invoke();
        script
            .arg(&self.prefix)
            .arg(flight)
            .arg(u64::try_from(lease.as_millis()).unwrap_or(u64::MAX))
            .arg(most.max(1))
            .arg(mine.map(|l| l.token.as_str()).unwrap_or(""));
        if let Some(ids) = ids {
            if ids.is_empty() {
                return Ok(Taken::default());
            }
            for id in ids {
                script.arg(id);
            }
        }
        let mut c = self.conn.clone();
        let flat: Vec<String> = script.invoke_async(&mut c).await.map_err(redis_err)?;
        let n_busy = flat
            .first()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let rest = flat.get(1..).unwrap_or_default();
        let (busy, triples) = rest.split_at(n_busy.min(rest.len()));
        let items = triples
            .chunks_exact(3)
            .map(|t| Item {
                id: t[0].clone(),
                state: Some(t[1].clone()).filter(|s| !s.is_empty()),
                pending: Some(t[2].clone()),
            })
            .collect();
        Ok(Taken {
            items,
            busy: busy.to_vec(),
        })
    }

    /// The flight was committed: it leaves Redis.
    pub async fn landed(&self, flight: &str) -> Result<(), LimitError> {
        let mut c = self.conn.clone();
        redis::pipe()
            .atomic()
            .cmd("DEL")
            .arg(self.key("fl", flight))
            .ignore()
            .cmd("ZREM")
            .arg(format!("{}:flights", self.prefix))
            .arg(flight)
            .ignore()
            .query_async::<()>(&mut c)
            .await
            .map_err(redis_err)
    }

    /// Make a flight claimable at once (its writer could not commit it).
    pub async fn abandon(&self, flight: &str) -> Result<(), LimitError> {
        let mut c = self.conn.clone();
        redis::cmd("ZADD")
            .arg(format!("{}:flights", self.prefix))
            .arg("XX")
            .arg(0)
            .arg(flight)
            .query_async::<i64>(&mut c)
            .await
            .map_err(redis_err)?;
        Ok(())
    }

    /// Up to `most` flights whose lease is over.
    pub async fn overdue(&self, most: usize) -> Result<Vec<String>, LimitError> {
        let mut c = self.conn.clone();
        redis::Script::new(OVERDUE)
            .key(format!("{}:flights", self.prefix))
            .arg(most.max(1))
            .invoke_async(&mut c)
            .await
            .map_err(redis_err)
    }

    /// A flight whose lease is over, as the caller's for another `lease`; `None` when it
    /// landed or another node claimed it meanwhile.
    pub async fn claim(
        &self,
        flight: &str,
        lease: Duration,
    ) -> Result<Option<Vec<Item>>, LimitError> {
        let mut c = self.conn.clone();
        let fields: Option<Vec<String>> = redis::Script::new(CLAIM)
            .key(format!("{}:flights", self.prefix))
            .key(self.key("fl", flight))
            .arg(flight)
            .arg(u64::try_from(lease.as_millis()).unwrap_or(u64::MAX))
            .invoke_async(&mut c)
            .await
            .map_err(redis_err)?;
        let Some(fields) = fields else {
            return Ok(None);
        };
        let mut items: Vec<Item> = Vec::new();
        for pair in fields.chunks_exact(2) {
            let Some((id, part)) = pair[0].rsplit_once('|') else {
                continue;
            };
            let at = match items.iter().position(|i| i.id == id) {
                Some(at) => at,
                None => {
                    items.push(Item {
                        id: id.to_string(),
                        state: None,
                        pending: None,
                    });
                    items.len() - 1
                }
            };
            let value = Some(pair[1].clone()).filter(|s| !s.is_empty());
            match part {
                "s" => items[at].state = value,
                _ => items[at].pending = value,
            }
        }
        Ok(Some(items))
    }

    /// Items with something pending, and flights not yet landed.
    pub async fn depth(&self) -> Result<(u64, u64), LimitError> {
        let mut c = self.conn.clone();
        redis::pipe()
            .cmd("SCARD")
            .arg(format!("{}:dirty", self.prefix))
            .cmd("ZCARD")
            .arg(format!("{}:flights", self.prefix))
            .query_async(&mut c)
            .await
            .map_err(redis_err)
    }
}
