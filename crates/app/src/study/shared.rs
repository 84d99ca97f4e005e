//! The heartbeat hot path of several nodes: a session's state between heartbeats held in
//! Redis (`jineng_limits::held`), so that any node may take any heartbeat without a
//! database round trip, and written to the database in batches by whichever node's
//! flusher takes them.
//!
//! - A heartbeat takes the session's **lease** in Redis (heartbeats of one session are
//!   judged one after the other, whichever nodes they reach), reads the state and what is
//!   pending in one round trip, judges it with the same `Study::apply` as the other
//!   modes, and stores both back; the store is refused if the lease ran out meanwhile,
//!   and the heartbeat is then answered 503 with nothing kept (the player sends it again).
//! - A flusher **takes** what is pending into a flight (one Redis script), writes the
//!   flight in one transaction together with its name (`study_flushes`), then lets Redis
//!   forget it. A node killed in between leaves the flight in Redis; another node claims
//!   it after its lease and writes it unless the name is already in the database. So a
//!   heartbeat is credited once, whichever node dies when.
//! - Redis away: heartbeats are answered 503 with a retry hint, never credited without
//!   being kept. Sign-in and pages do not need this path.

use super::hot::{self, Hot, Pending};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use jineng_core::study::Policy;
use jineng_limits::held::{Held, Item, Lease};
use jineng_store::study::flush;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a heartbeat may hold a session (far longer than judging takes).
const LEASE: Duration = Duration::from_secs(10);
/// How long a heartbeat waits for another heartbeat of the same session.
const WAIT: Duration = Duration::from_secs(3);
/// A session's state stays in Redis this long after its last heartbeat.
const KEEP: Duration = Duration::from_secs(24 * 3600);
/// A frozen mark outlives any state it could apply to.
const FROZEN_FOR: Duration = Duration::from_secs(2 * 24 * 3600);
/// Sessions per flight.
const CHUNK: usize = 500;
/// A reader waits this long for heartbeats being judged to be stored, then reads anyway.
const SETTLE_WAIT: Duration = Duration::from_secs(2);

fn unavailable() -> AppError {
    AppError::Unavailable("学习记录暂时无法保存，请稍后重试（播放器会自动重发）".into())
}

fn redis(e: jineng_limits::LimitError) -> AppError {
    tracing::warn!(error = %e, "study state in Redis");
    unavailable()
}

/// Sessions' state held in Redis for every node.
pub struct Shared {
    held: Held,
    /// A flight not landed by then may be written by another node (the jobs' lease,
    /// `job_lease_seconds`: how long any node's claim on shared work lasts).
    flight_lease: Duration,
    policy: std::sync::Mutex<Option<(Instant, Policy)>>,
    flushes: AtomicU64,
    statements: AtomicU64,
    beats: AtomicU64,
    /// Flights another node left and this one wrote.
    recovered: AtomicU64,
}

impl Shared {
    pub fn new(held: Held, flight_lease: Duration) -> Shared {
        Shared {
            held,
            flight_lease,
            policy: Default::default(),
            flushes: AtomicU64::new(0),
            statements: AtomicU64::new(0),
            beats: AtomicU64::new(0),
            recovered: AtomicU64::new(0),
        }
    }

    pub(crate) fn cached_policy(&self) -> Option<Policy> {
        self.policy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|(at, _)| at.elapsed() < super::hot::POLICY_TTL)
            .map(|(_, p)| *p)
    }

    pub(crate) fn keep_policy(&self, p: Option<Policy>) {
        *self.policy.lock().unwrap_or_else(|e| e.into_inner()) = p.map(|p| (Instant::now(), p));
    }

    /// The session's lease: 503 when Redis is away or another heartbeat keeps it.
    pub(crate) async fn lock(&self, session_id: &str) -> AppResult<Lease> {
        self.held
            .lock(session_id, LEASE, WAIT)
            .await
            .map_err(redis)?
            .ok_or_else(unavailable)
    }

    /// Let a lease go without writing (best effort: it runs out anyway).
    pub(crate) async fn release(&self, lease: &Lease) {
        if let Err(e) = self.held.release(lease).await {
            tracing::warn!(error = %e, "releasing a study lease");
        }
    }

    /// The session's state as Redis holds it, what is pending added; whether another
    /// session froze it. `None`: Redis holds no state of it.
    pub(crate) async fn read(&self, session_id: &str) -> AppResult<(Option<Hot>, bool)> {
        let (item, frozen) = self.held.read(session_id).await.map_err(redis)?;
        Ok((joined(&item)?, frozen))
    }

    /// Store the state and all that is pending under the lease, and end it. A lease that
    /// ran out meanwhile stores nothing: 503.
    pub(crate) async fn store(&self, lease: &Lease, h: &Hot) -> AppResult<()> {
        let state = serde_json::to_string(h).map_err(|e| AppError::Internal(e.to_string()))?;
        let pending = h
            .dirty
            .then(|| serde_json::to_string(&Pending::of(h)))
            .transpose()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let stored = self
            .held
            .store(lease, &h.row.user_id, &state, pending.as_deref(), KEEP)
            .await
            .map_err(redis)?;
        if stored { Ok(()) } else { Err(unavailable()) }
    }

    /// The session leaves Redis (ended or cleared: its next heartbeat reads the row).
    pub(crate) async fn forget(&self, lease: &Lease, user_id: &str) {
        if let Err(e) = self.held.forget(lease, user_id).await {
            tracing::warn!(error = %e, "dropping a study session from Redis");
        }
    }

    /// The learner's sessions whose state Redis holds.
    pub(crate) async fn owned(&self, user_id: &str) -> AppResult<Vec<String>> {
        self.held.owned(user_id).await.map_err(redis)
    }

    /// Mark sessions frozen on every node (before the open that froze them commits).
    pub(crate) async fn freeze(&self, ids: &[String]) -> AppResult<()> {
        self.held.freeze(ids, FROZEN_FOR).await.map_err(redis)
    }

    /// Move what session `lease.id` has pending into a new flight, under the caller's own
    /// lease; the flight's name, to write with the session.
    pub(crate) async fn take_own(&self, lease: &Lease) -> AppResult<String> {
        let flight = uuid::Uuid::now_v7().to_string();
        self.held
            .take(
                &flight,
                Some(std::slice::from_ref(&lease.id)),
                1,
                self.flight_lease,
                Some(lease),
            )
            .await
            .map_err(redis)?;
        Ok(flight)
    }

    /// The flight's name is committed with its sessions: Redis lets it go.
    pub(crate) async fn landed(&self, flight: &str) {
        if let Err(e) = self.held.landed(flight).await {
            // The name in the database keeps another node from writing it again.
            tracing::warn!(error = %e, flight, "letting a written flight go");
        }
    }

    /// It could not be committed: any node may write it at its next tick.
    pub(crate) async fn abandon(&self, flight: &str) {
        if let Err(e) = self.held.abandon(flight).await {
            tracing::warn!(error = %e, flight, "handing a flight back");
        }
    }

    /// Sessions with heartbeats not yet written, and flights not yet landed.
    pub async fn depth(&self) -> (u64, u64) {
        self.held.depth().await.unwrap_or((0, 0))
    }

    pub fn stats(&self) -> (hot::FlushStats, u64) {
        (
            hot::FlushStats {
                flushes: self.flushes.load(Ordering::Relaxed),
                statements: self.statements.load(Ordering::Relaxed),
                beats: self.beats.load(Ordering::Relaxed),
            },
            self.recovered.load(Ordering::Relaxed),
        )
    }

    /// Write what is pending: of the given sessions (waiting a little for heartbeats
    /// being judged), or of every session, plus the flights other nodes left. Returns the
    /// sessions written.
    pub(crate) async fn flush(
        &self,
        db: &jineng_store::Db,
        ids: Option<Vec<String>>,
        now: DateTime<Utc>,
    ) -> AppResult<usize> {
        let mut written = 0;
        let started = Instant::now();
        let mut ids = ids;
        loop {
            let flight = uuid::Uuid::now_v7().to_string();
            let taken = self
                .held
                .take(&flight, ids.as_deref(), CHUNK, self.flight_lease, None)
                .await
                .map_err(redis)?;
            let n = taken.items.len();
            if n > 0 {
                written += self.land(db, &flight, &taken.items, now).await?;
            }
            match &mut ids {
                Some(list) => {
                    if taken.busy.is_empty() || started.elapsed() >= SETTLE_WAIT {
                        break;
                    }
                    *list = taken.busy;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                None if n < CHUNK => break,
                None => {}
            }
        }
        if ids.is_none() {
            written += self.recover(db, now).await?;
        }
        Ok(written)
    }

    /// The flights whose writers died (or could not commit), written by this node.
    async fn recover(&self, db: &jineng_store::Db, now: DateTime<Utc>) -> AppResult<usize> {
        let mut written = 0;
        for flight in self.held.overdue(20).await.map_err(redis)? {
            let Some(items) = self
                .held
                .claim(&flight, self.flight_lease)
                .await
                .map_err(redis)?
            else {
                continue;
            };
            tracing::info!(
                flight,
                sessions = items.len(),
                "writing a flight another node left"
            );
            let n = self.land(db, &flight, &items, now).await?;
            if n > 0 {
                self.recovered.fetch_add(1, Ordering::Relaxed);
            }
            written += n;
        }
        Ok(written)
    }

    /// Write one flight with its name in one transaction, then let Redis forget it. A
    /// flight whose name is already written (by a node thought dead) is only forgotten.
    /// Returns the sessions written.
    async fn land(
        &self,
        db: &jineng_store::Db,
        flight: &str,
        items: &[Item],
        now: DateTime<Utc>,
    ) -> AppResult<usize> {
        let mut hots = Vec::with_capacity(items.len());
        for item in items {
            match joined(item) {
                Ok(Some(h)) => hots.push(h),
                Ok(None) => tracing::error!(
                    session = item.id,
                    flight,
                    "pending heartbeats whose state left Redis: not written"
                ),
                Err(e) => {
                    tracing::error!(error = %e, session = item.id, flight, "unreadable study state")
                }
            }
        }
        let beats: u64 = hots.iter().map(|h| h.pending_beats).sum();
        let result = async {
            let txn = crate::tx::begin_write(db).await?;
            if flush::Entity::find_by_id(flight.to_string())
                .one(&txn)
                .await?
                .is_some()
            {
                return AppResult::Ok(None);
            }
            let refs: Vec<&Hot> = hots.iter().collect();
            let n = hot::write(&txn, &refs).await?;
            name_flight(&txn, flight, hots.len(), now).await?;
            txn.commit().await?;
            AppResult::Ok(Some(n))
        }
        .await;
        match result {
            Ok(Some(n)) => {
                self.flushes.fetch_add(1, Ordering::Relaxed);
                self.statements.fetch_add(n, Ordering::Relaxed);
                self.beats.fetch_add(beats, Ordering::Relaxed);
                self.landed(flight).await;
                Ok(hots.len())
            }
            Ok(None) => {
                self.landed(flight).await;
                Ok(0)
            }
            Err(e) => {
                // Another node may have committed the same flight meanwhile (its name's
                // key refused this one): then it is done.
                let there = flush::Entity::find_by_id(flight.to_string())
                    .one(db)
                    .await
                    .ok()
                    .flatten()
                    .is_some();
                if there {
                    self.landed(flight).await;
                    return Ok(0);
                }
                self.abandon(flight).await;
                Err(e)
            }
        }
    }
}

/// Write a flight's name with its sessions (in their transaction): a second writer of
/// the same flight is refused by the key.
pub(crate) async fn name_flight<C: sea_orm::ConnectionTrait>(
    c: &C,
    flight: &str,
    sessions: usize,
    now: DateTime<Utc>,
) -> AppResult<()> {
    flush::ActiveModel {
        id: Set(flight.to_string()),
        sessions: Set(i32::try_from(sessions).unwrap_or(i32::MAX)),
        at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(())
}

/// A session's state with its pending added; `None` without a state.
fn joined(item: &Item) -> AppResult<Option<Hot>> {
    let Some(state) = &item.state else {
        return Ok(None);
    };
    let mut h: Hot = serde_json::from_str(state)
        .map_err(|e| AppError::Internal(format!("study state in Redis: {e}")))?;
    if let Some(p) = &item.pending {
        let p: Pending = serde_json::from_str(p)
            .map_err(|e| AppError::Internal(format!("pending study in Redis: {e}")))?;
        p.add_to(&mut h);
    }
    Ok(Some(h))
}
