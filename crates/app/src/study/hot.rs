//! The heartbeat hot path. A session's state between heartbeats (`Hot`: its row, the
//! lesson's progress, the learner's credit today, the open watch check, and what is not
//! yet written) is judged in one place, `Study::apply`, whichever way it is kept:
//!
//! - **Buffered** (the embedded default, one node): the state lives in this node's memory
//!   (`Buffer`), a heartbeat is judged there under the session's own lock and answered
//!   without touching the database, and a flusher writes every changed session in one
//!   transaction of a few multi-row statements (`write`) every `FLUSH_EVERY`. A killed
//!   process loses what was not flushed — at most one flush period of credit, which is
//!   less than one heartbeat interval — and never credits twice: the day totals are added
//!   as deltas in the same transaction that clears them from memory, the rest are written
//!   as absolute values.
//! - **Direct** (several nodes until the Redis buffer exists): the state is loaded inside
//!   a transaction that holds the learner's and the session's rows, judged, and written
//!   back before commit, so any node may take any heartbeat.
//!
//! Rare events write through in both modes: a watch check asked, a clearing, a session
//! opened, answered or ended.

use crate::error::AppResult;
use chrono::{DateTime, Utc};
use jineng_core::study::CheckOutcome;
use jineng_core::study::{Cursor, Irregularity, Policy, Ranges};
use jineng_store::courses::lesson;
use jineng_store::study::{check, day, irregularity, progress, session};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often the buffered mode writes changed sessions to the database.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// A session unheard-of for this long leaves memory (after its last write).
const IDLE_EVICT: chrono::Duration = chrono::Duration::minutes(10);
/// How long a node trusts the policy it read (a change reaches every node within it).
pub(crate) const POLICY_TTL: Duration = Duration::from_secs(5);
/// Rows per multi-row statement (well under both databases' parameter limits).
const CHUNK: usize = 500;

/// One irregularity counted since the last write.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct PendingIrregularity {
    pub code: Irregularity,
    pub clears: bool,
    pub count: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// A session's state between heartbeats. Serialised (for Redis) without what is pending:
/// that travels apart, as `Pending`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Hot {
    /// The session's row as it will be written (cursor, credited, beats, next check,
    /// updated at); its status is written only by the rare events.
    pub row: session::Model,
    pub cursor: Cursor,
    pub lesson_ms: u64,
    /// The lesson's progress row for this learner and class (made here if new).
    pub progress: progress::Model,
    pub watched: Ranges,
    /// The progress row changed since the last write.
    #[serde(skip)]
    pub progress_dirty: bool,
    /// The day (China time) `today_ms` counts, and the learner's credit on it (every
    /// lesson, this session's unwritten credit included).
    pub day: String,
    pub today_ms: u64,
    pub open_check: Option<check::Model>,
    /// Credit per day not yet written (added to `study_days`).
    #[serde(skip)]
    pub pending_days: Vec<(String, i64)>,
    #[serde(skip)]
    pub pending_irregularities: Vec<PendingIrregularity>,
    /// Heartbeats taken since the last write.
    #[serde(skip)]
    pub pending_beats: u64,
    /// Anything to write.
    #[serde(skip)]
    pub dirty: bool,
}

impl Hot {
    /// Load a session of `user_id` (anyone else's is `None`) with what judging needs.
    pub async fn load<C: ConnectionTrait>(
        c: &C,
        session_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> AppResult<Option<Hot>> {
        let Some(row) = session::Entity::find_by_id(session_id.to_string())
            .filter(session::Column::UserId.eq(user_id))
            .one(c)
            .await?
        else {
            return Ok(None);
        };
        let lesson_ms = lesson::Entity::find_by_id(row.lesson_id.clone())
            .one(c)
            .await?
            .and_then(|l| l.seconds)
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0)
            * 1000;
        let progress = progress::Entity::find()
            .filter(progress::Column::UserId.eq(row.user_id.clone()))
            .filter(progress::Column::LessonId.eq(row.lesson_id.clone()))
            .filter(progress::Column::ClassId.eq(row.class_id.clone()))
            .one(c)
            .await?
            .unwrap_or_else(|| progress::Model {
                id: uuid::Uuid::now_v7().to_string(),
                user_id: row.user_id.clone(),
                lesson_id: row.lesson_id.clone(),
                class_id: row.class_id.clone(),
                package_id: row.package_id.clone(),
                version_id: row.version_id.clone(),
                lesson_ms: i64::try_from(lesson_ms).unwrap_or(0),
                credited_ms: 0,
                watched: "[]".into(),
                position_ms: 0,
                completed_at: None,
                updated_at: now,
            });
        let watched = serde_json::from_str(&progress.watched).unwrap_or_default();
        let day = super::day_of(now);
        let today_ms = day_total(c, &row.user_id, &day).await?;
        let open_check = check::Entity::find()
            .filter(check::Column::SessionId.eq(row.id.clone()))
            .filter(check::Column::Outcome.eq(CheckOutcome::Open))
            .one(c)
            .await?;
        Ok(Some(Hot {
            cursor: serde_json::from_str(&row.cursor).unwrap_or_default(),
            row,
            lesson_ms,
            progress,
            watched,
            progress_dirty: false,
            day,
            today_ms,
            open_check,
            pending_days: Vec::new(),
            pending_irregularities: Vec::new(),
            pending_beats: 0,
            dirty: false,
        }))
    }

    /// Count an irregularity (written with the next write).
    pub fn note(&mut self, code: Irregularity, clears: bool, now: DateTime<Utc>) {
        match self
            .pending_irregularities
            .iter_mut()
            .find(|p| p.code == code)
        {
            Some(p) => {
                p.count += 1;
                p.last_at = now;
            }
            None => self.pending_irregularities.push(PendingIrregularity {
                code,
                clears,
                count: 1,
                first_at: now,
                last_at: now,
            }),
        }
        self.dirty = true;
    }

    /// A heartbeat was taken (judged, whatever the verdict).
    pub fn beat_taken(&mut self, now: DateTime<Utc>) {
        self.row.beats += 1;
        self.row.updated_at = now;
        self.pending_beats += 1;
        self.dirty = true;
    }

    /// Credit `ms` today.
    pub fn credit_day(&mut self, ms: u64) {
        let ms = i64::try_from(ms).unwrap_or(0);
        match self.pending_days.iter_mut().find(|(d, _)| *d == self.day) {
            Some((_, v)) => *v += ms,
            None => self.pending_days.push((self.day.clone(), ms)),
        }
    }

    /// Put back what a failed write took out (what came in since is kept too).
    fn restore(&mut self, taken: &Hot) {
        Pending::of(taken).add_to(self);
    }

    /// After a write: nothing is pending.
    fn written(&mut self) {
        self.pending_days.clear();
        self.pending_irregularities.clear();
        self.pending_beats = 0;
        self.progress_dirty = false;
        self.dirty = false;
    }
}

/// What one session owes the database beside its state (what a write takes out; with
/// Redis, kept apart from the state).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Pending {
    days: Vec<(String, i64)>,
    irregularities: Vec<PendingIrregularity>,
    beats: u64,
    progress: bool,
}

impl Pending {
    pub(crate) fn of(h: &Hot) -> Pending {
        Pending {
            days: h.pending_days.clone(),
            irregularities: h.pending_irregularities.clone(),
            beats: h.pending_beats,
            progress: h.progress_dirty,
        }
    }

    pub(crate) fn add_to(self, h: &mut Hot) {
        for (d, ms) in self.days {
            match h.pending_days.iter_mut().find(|(x, _)| *x == d) {
                Some((_, v)) => *v += ms,
                None => h.pending_days.push((d, ms)),
            }
        }
        for p in self.irregularities {
            match h
                .pending_irregularities
                .iter_mut()
                .find(|x| x.code == p.code)
            {
                Some(x) => {
                    x.count += p.count;
                    x.first_at = std::cmp::min(x.first_at, p.first_at);
                    x.last_at = std::cmp::max(x.last_at, p.last_at);
                }
                None => h.pending_irregularities.push(p),
            }
        }
        h.pending_beats += self.beats;
        h.progress_dirty |= self.progress;
        h.dirty = true;
    }
}

/// The learner's credit on one day, every lesson.
pub(crate) async fn day_total<C: ConnectionTrait>(
    c: &C,
    user_id: &str,
    day_key: &str,
) -> AppResult<u64> {
    Ok(day::Entity::find()
        .filter(day::Column::UserId.eq(user_id))
        .filter(day::Column::Day.eq(day_key))
        .all(c)
        .await?
        .iter()
        .map(|d| u64::try_from(d.credited_ms).unwrap_or(0))
        .sum())
}

/// Write sessions' state: their rows, their lessons' progress, the day totals and the
/// irregularities, each as a few multi-row statements. Returns the statements run.
pub(crate) async fn write<C: ConnectionTrait>(c: &C, hots: &[&Hot]) -> AppResult<u64> {
    let mut statements = 0;
    let dirty: Vec<&&Hot> = hots.iter().filter(|h| h.dirty).collect();
    for chunk in dirty.chunks(CHUNK) {
        let rows = chunk.iter().map(|h| {
            let mut r = h.row.clone();
            r.cursor = serde_json::to_string(&h.cursor).unwrap_or_default();
            session::ActiveModel::from(r).reset_all()
        });
        session::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([
                        session::Column::Cursor,
                        session::Column::CreditedMs,
                        session::Column::Beats,
                        session::Column::NextCheckAt,
                        session::Column::UpdatedAt,
                    ])
                    // An older copy never overwrites a newer state (a flush's copy
                    // against an end or a clearing written meanwhile).
                    .action_and_where(
                        Expr::col((session::Entity, session::Column::UpdatedAt))
                            .lte(excluded(session::Column::UpdatedAt)),
                    )
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        statements += 1;
    }
    let progress: Vec<progress::ActiveModel> = dirty
        .iter()
        .filter(|h| h.progress_dirty)
        .map(|h| {
            let mut p = h.progress.clone();
            p.watched = serde_json::to_string(&h.watched).unwrap_or_default();
            progress::ActiveModel::from(p).reset_all()
        })
        .collect();
    for chunk in progress.chunks(CHUNK) {
        progress::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    progress::Column::UserId,
                    progress::Column::LessonId,
                    progress::Column::ClassId,
                ])
                .update_columns([
                    progress::Column::CreditedMs,
                    progress::Column::Watched,
                    progress::Column::PositionMs,
                    progress::Column::CompletedAt,
                    progress::Column::UpdatedAt,
                ])
                .action_and_where(
                    Expr::col((progress::Entity, progress::Column::UpdatedAt))
                        .lte(excluded(progress::Column::UpdatedAt)),
                )
                .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        statements += 1;
    }
    let days: Vec<day::ActiveModel> = dirty
        .iter()
        .flat_map(|h| {
            h.pending_days
                .iter()
                .filter(|(_, ms)| *ms > 0)
                .map(|(d, ms)| day::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    user_id: Set(h.row.user_id.clone()),
                    day: Set(d.clone()),
                    lesson_id: Set(h.row.lesson_id.clone()),
                    class_id: Set(h.row.class_id.clone()),
                    package_id: Set(h.row.package_id.clone()),
                    credited_ms: Set(*ms),
                    updated_at: Set(h.row.updated_at),
                })
        })
        .collect();
    for chunk in days.chunks(CHUNK) {
        day::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    day::Column::UserId,
                    day::Column::Day,
                    day::Column::LessonId,
                    day::Column::ClassId,
                ])
                .value(
                    day::Column::CreditedMs,
                    Expr::col((day::Entity, day::Column::CreditedMs))
                        .add(excluded(day::Column::CreditedMs)),
                )
                .value(day::Column::UpdatedAt, excluded(day::Column::UpdatedAt))
                .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        statements += 1;
    }
    let irregular: Vec<irregularity::ActiveModel> = dirty
        .iter()
        .flat_map(|h| {
            h.pending_irregularities
                .iter()
                .map(|p| irregularity::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    session_id: Set(h.row.id.clone()),
                    user_id: Set(h.row.user_id.clone()),
                    lesson_id: Set(h.row.lesson_id.clone()),
                    package_id: Set(h.row.package_id.clone()),
                    class_id: Set(h.row.class_id.clone()),
                    code: Set(p.code),
                    clears: Set(p.clears),
                    count: Set(p.count),
                    first_at: Set(p.first_at),
                    last_at: Set(p.last_at),
                })
        })
        .collect();
    for chunk in irregular.chunks(CHUNK) {
        irregularity::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([irregularity::Column::SessionId, irregularity::Column::Code])
                    .value(
                        irregularity::Column::Count,
                        Expr::col((irregularity::Entity, irregularity::Column::Count))
                            .add(excluded(irregularity::Column::Count)),
                    )
                    .value(
                        irregularity::Column::LastAt,
                        excluded(irregularity::Column::LastAt),
                    )
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        statements += 1;
    }
    Ok(statements)
}

/// The value a multi-row upsert offered for `col` (`excluded.col`, on both databases).
fn excluded<C: sea_orm::sea_query::IntoIden>(col: C) -> Expr {
    Expr::col((Alias::new("excluded"), col))
}

type Slot = Arc<tokio::sync::Mutex<Option<Hot>>>;

/// What the buffered mode has written, for the benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlushStats {
    pub flushes: u64,
    pub statements: u64,
    /// Heartbeats taken into memory and since written.
    pub beats: u64,
}

/// This node's sessions in memory (the buffered mode).
#[derive(Default)]
pub struct Buffer {
    slots: std::sync::Mutex<HashMap<String, Slot>>,
    /// Sessions with something to write, and their learners.
    dirty: std::sync::Mutex<HashMap<String, String>>,
    /// Sessions another open froze while they were in memory.
    frozen: std::sync::Mutex<HashSet<String>>,
    policy: std::sync::Mutex<Option<(Instant, Policy)>>,
    flushes: AtomicU64,
    statements: AtomicU64,
    beats: AtomicU64,
    /// One writer at a time (the flusher, a reader asking for fresh figures).
    flushing: tokio::sync::Mutex<()>,
}

impl Buffer {
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn slot(&self, session_id: &str) -> Slot {
        let mut m = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(session_id.to_string()).or_default().clone()
    }

    pub(crate) fn forget(&self, session_id: &str) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(session_id);
        self.frozen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(session_id);
        self.dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(session_id);
    }

    pub(crate) fn mark_dirty(&self, session_id: &str, user_id: &str) {
        self.dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session_id.to_string(), user_id.to_string());
    }

    /// Sessions another open froze: the ones in memory learn it at their next heartbeat
    /// (the others load their frozen row when next heard from, so nothing is kept for
    /// them).
    pub(crate) fn freeze(&self, ids: impl IntoIterator<Item = String>) {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let mut f = self.frozen.lock().unwrap_or_else(|e| e.into_inner());
        f.extend(ids.into_iter().filter(|id| slots.contains_key(id)));
    }

    pub(crate) fn is_frozen(&self, session_id: &str) -> bool {
        self.frozen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(session_id)
    }

    pub(crate) fn cached_policy(&self) -> Option<Policy> {
        self.policy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|(at, _)| at.elapsed() < POLICY_TTL)
            .map(|(_, p)| *p)
    }

    pub(crate) fn keep_policy(&self, p: Option<Policy>) {
        *self.policy.lock().unwrap_or_else(|e| e.into_inner()) = p.map(|p| (Instant::now(), p));
    }

    /// Sessions held in memory, and of them with heartbeats not yet written.
    pub fn depth(&self) -> (usize, usize) {
        let held = self.slots.lock().unwrap_or_else(|e| e.into_inner()).len();
        let dirty = self.dirty.lock().unwrap_or_else(|e| e.into_inner()).len();
        (held, dirty)
    }

    pub fn stats(&self) -> FlushStats {
        FlushStats {
            flushes: self.flushes.load(Ordering::Relaxed),
            statements: self.statements.load(Ordering::Relaxed),
            beats: self.beats.load(Ordering::Relaxed),
        }
    }

    /// Write every changed session (of one learner, or all) in one transaction; then let
    /// sessions idle for `IDLE_EVICT` leave memory. Returns the sessions written.
    pub(crate) async fn flush(
        &self,
        db: &jineng_store::Db,
        user: Option<&str>,
        now: DateTime<Utc>,
    ) -> AppResult<usize> {
        let _one = self.flushing.lock().await;
        let mut ids: Vec<String> = {
            let mut d = self.dirty.lock().unwrap_or_else(|e| e.into_inner());
            let ids: Vec<String> = d
                .iter()
                .filter(|(_, u)| user.is_none_or(|x| x == u.as_str()))
                .map(|(s, _)| s.clone())
                .collect();
            for id in &ids {
                d.remove(id);
            }
            ids
        };
        ids.sort();
        let slots: Vec<Slot> = {
            let m = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            ids.iter().filter_map(|id| m.get(id).cloned()).collect()
        };
        // A copy of each changed session, taken under its lock and held no longer: a
        // heartbeat waits only for the copy, never for the database.
        let mut taken: Vec<(Slot, Hot)> = Vec::with_capacity(slots.len());
        for slot in slots {
            let mut g = slot.lock().await;
            if let Some(h) = g.as_mut().filter(|h| h.dirty) {
                let copy = h.clone();
                h.written();
                drop(g);
                taken.push((slot, copy));
            }
        }
        let written = taken.len();
        if written > 0 {
            let hots: Vec<&Hot> = taken.iter().map(|(_, h)| h).collect();
            let beats: u64 = hots.iter().map(|h| h.pending_beats).sum();
            let result = async {
                let txn = crate::tx::begin_write(db).await?;
                let n = write(&txn, &hots).await?;
                txn.commit().await?;
                AppResult::Ok(n)
            }
            .await;
            match result {
                Ok(n) => {
                    self.flushes.fetch_add(1, Ordering::Relaxed);
                    self.statements.fetch_add(n, Ordering::Relaxed);
                    self.beats.fetch_add(beats, Ordering::Relaxed);
                }
                Err(e) => {
                    // Nothing was written: what was taken goes back for the next try.
                    for (slot, copy) in &taken {
                        if let Some(h) = slot.lock().await.as_mut() {
                            h.restore(copy);
                        }
                        self.mark_dirty(&copy.row.id, &copy.row.user_id);
                    }
                    return Err(e);
                }
            }
        }
        if user.is_none() {
            self.evict_idle(now);
        }
        Ok(written)
    }

    /// Sessions unheard-of for a while leave memory. Only a slot nobody else holds is
    /// taken out (under the map's lock, where heartbeats take theirs), so a heartbeat
    /// never keeps state in a slot the map has forgotten.
    fn evict_idle(&self, now: DateTime<Utc>) {
        let mut gone = Vec::new();
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|id, s| {
                if Arc::strong_count(s) > 1 {
                    return true;
                }
                let keep = match s.try_lock() {
                    Ok(g) => g
                        .as_ref()
                        .is_some_and(|h| h.dirty || now - h.row.updated_at <= IDLE_EVICT),
                    Err(_) => true,
                };
                if !keep {
                    gone.push(id.clone());
                }
                keep
            });
        let mut f = self.frozen.lock().unwrap_or_else(|e| e.into_inner());
        for id in gone {
            f.remove(&id);
        }
    }

    /// Take out a slot that holds nothing and that nobody else holds (a request for a
    /// session that is not the caller's made it).
    pub(crate) fn drop_empty(&self, session_id: &str) {
        let mut m = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let empty = m
            .get(session_id)
            .is_some_and(|s| Arc::strong_count(s) == 1 && s.try_lock().is_ok_and(|g| g.is_none()));
        if empty {
            m.remove(session_id);
        }
    }
}

impl crate::App {
    /// Write this node's buffered heartbeats every `FLUSH_EVERY` (nothing to do in the
    /// direct mode).
    pub fn start_study_flusher(&self) -> Option<tokio::task::JoinHandle<()>> {
        if let Some(shared) = self.study_shared.clone() {
            let app = self.clone();
            return Some(tokio::spawn(async move {
                let mut tick = tokio::time::interval(FLUSH_EVERY);
                loop {
                    tick.tick().await;
                    if let Err(e) = shared.flush(&app.db, None, app.now()).await {
                        tracing::error!(error = %e, "writing heartbeats held in Redis");
                    }
                }
            }));
        }
        let buffer = self.study_buffer.clone()?;
        let app = self.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tick.tick().await;
                if let Err(e) = buffer.flush(&app.db, None, app.now()).await {
                    tracing::error!(error = %e, "writing buffered heartbeats");
                }
            }
        }))
    }

    /// Each heartbeat written in its own transaction (several nodes without Redis; the
    /// reference the other modes are measured against).
    pub fn with_direct_study(mut self) -> Self {
        self.study_buffer = None;
        self.study_shared = None;
        self
    }

    /// Sessions' state held in Redis for every node (several nodes sharing Redis). A
    /// batch of heartbeats a node took and did not write is written by another after
    /// the jobs' lease (`with_job_lease`, set first).
    pub fn with_shared_study(mut self, held: jineng_limits::held::Held) -> Self {
        let lease = self.job_lease.to_std().unwrap_or(Duration::from_secs(60));
        self.study_buffer = None;
        self.study_shared = Some(Arc::new(super::shared::Shared::new(held, lease)));
        self
    }
}
