//! Study in the evidence log (issue 12). Every clearing is entered in the change that
//! makes it. Every closed day (China time) is entered by that day's close job: one entry
//! per learner, lesson and class with the time credited that day, then, for each learner
//! who studied or was cleared that day, a new summary entry whose canonical text adds up
//! all their entered days and clearings per class and course
//! (`jineng_core::archive`). The newest summary is the learner's provable total.
//!
//! A day is closed once it is over and every node has written what it buffered
//! (`CLOSE_AFTER_MINUTES`); its job's key is the day, so several nodes close it once. A
//! fact already in the log is not appended again, so a retried or repeated close adds
//! nothing; a day row that changed after it was entered (a late write) gets a new entry,
//! and the newest entry of a record is the one that counts.

use super::Study;
use crate::audit::Entry as AuditEntry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::jobs::JobError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jineng_core::archive::{self, ClearingRecord, DayRecord, Summary, SummaryLine};
use jineng_core::jobs::JobKind;
use jineng_evidence::entry::{Entry, Kind};
use jineng_store::classes::class;
use jineng_store::ledger::entry as leaf;
use jineng_store::study::{clearing, day};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Minutes after midnight before a day is closed: nodes write buffered heartbeats every
/// two seconds, so by then the day's rows are final.
pub const CLOSE_AFTER_MINUTES: i64 = 10;
/// How many past days the scheduler looks back for one not closed (a platform that was
/// down closes them when it comes back).
const LOOKBACK_DAYS: i64 = 7;
/// Day rows per transaction when entering a day.
const BATCH: u64 = 500;

/// What closing a day did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClosedDay {
    /// Day rows entered (new or already in the log).
    pub days: u64,
    /// Entries the close appended (days, and clearings found without one).
    pub new_entries: u64,
    /// Learners whose summary was entered.
    pub learners: u64,
}

/// A summary built from the rows: in the log, or not yet.
enum Built {
    /// The summary (none when there is nothing to add up) and how many entries the build
    /// appended.
    Ready(Option<EnteredSummary>, u64),
    NeedsWrite,
}

/// A learner's summary as entered in the log.
#[derive(Debug, Clone)]
pub struct EnteredSummary {
    pub summary: Summary,
    /// Its entry's index in the log.
    pub index: u64,
    pub canonical: String,
    pub sha256_hex: String,
}

/// Midnight (China time) at the end of `day`.
pub fn day_end(day: NaiveDate) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day);
    next.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::hours(8)
}

fn parse_day(s: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| AppError::field("day", "日期格式应为 YYYY-MM-DD"))
}

/// The organisation that ran each class (empty for none).
async fn orgs_of<C: ConnectionTrait>(
    db: &C,
    class_ids: impl Iterator<Item = String>,
) -> AppResult<HashMap<String, String>> {
    let ids: BTreeSet<String> = class_ids.filter(|c| !c.is_empty()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(class::Entity::find()
        .filter(class::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.org_id))
        .collect())
}

fn day_record(d: &day::Model) -> DayRecord {
    DayRecord {
        id: d.id.clone(),
        user_id: d.user_id.clone(),
        day: d.day.clone(),
        class_id: d.class_id.clone(),
        package_id: d.package_id.clone(),
        lesson_id: d.lesson_id.clone(),
        credited_ms: d.credited_ms.max(0) as u64,
    }
}

fn clearing_record(k: &clearing::Model) -> ClearingRecord {
    ClearingRecord {
        id: k.id.clone(),
        user_id: k.user_id.clone(),
        class_id: k.class_id.clone(),
        package_id: k.package_id.clone(),
        nth: k.nth.max(0) as u32,
        reason: k.code.code().to_string(),
        session_id: k.session_id.clone(),
        cleared_ms: k.cleared_ms.max(0) as u64,
        at_micros: k.at.timestamp_micros(),
    }
}

fn fact(kind: Kind, record_id: String, canonical: &str, at: DateTime<Utc>, org: &str) -> Entry {
    Entry {
        kind,
        record_id,
        record_sha256: archive::sha256(canonical),
        at_micros: at.timestamp_micros(),
        org_id: org.to_string(),
    }
}

/// Enter a clearing in the log, inside the write transaction that makes it.
pub(crate) async fn enter_clearing<C: ConnectionTrait>(
    txn: &C,
    k: &clearing::Model,
) -> AppResult<crate::ledger::Appended> {
    let org = orgs_of(txn, std::iter::once(k.class_id.clone())).await?;
    let r = clearing_record(k);
    crate::ledger::append(
        txn,
        &fact(
            Kind::StudyClearing,
            r.record_id(),
            &r.canonical(),
            k.at,
            org.get(&k.class_id).map(String::as_str).unwrap_or(""),
        ),
    )
    .await
}

fn line_of<'m>(
    lines: &'m mut BTreeMap<(String, String), SummaryLine>,
    class_id: &str,
    package_id: &str,
) -> &'m mut SummaryLine {
    lines
        .entry((class_id.to_string(), package_id.to_string()))
        .or_insert_with(|| SummaryLine {
            class_id: class_id.to_string(),
            package_id: package_id.to_string(),
            day_entries: vec![],
            clearing_entries: vec![],
            credited_ms: 0,
            cleared_ms: 0,
        })
}

/// The newest entry's index and record hash of each of these records of one kind.
async fn entered<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    record_ids: Vec<String>,
) -> AppResult<HashMap<String, (u64, String)>> {
    let mut out: HashMap<String, (u64, String)> = HashMap::new();
    for chunk in record_ids.chunks(500) {
        let rows = leaf::Entity::find()
            .select_only()
            .column(leaf::Column::Idx)
            .column(leaf::Column::RecordId)
            .column(leaf::Column::RecordSha256)
            .filter(leaf::Column::Kind.eq(kind.code()))
            .filter(leaf::Column::RecordId.is_in(chunk.to_vec()))
            .into_tuple::<(i64, String, String)>()
            .all(db)
            .await?;
        for (idx, id, sha) in rows {
            let idx = idx as u64;
            match out.get(&id) {
                Some((have, _)) if *have > idx => {}
                _ => {
                    out.insert(id, (idx, sha));
                }
            }
        }
    }
    Ok(out)
}

impl Study<'_> {
    /// Enqueue the close of each of the last week's days that is over (each day's job key
    /// is the day, so every node may call this: a day is closed once).
    pub async fn schedule_day_close(&self) -> AppResult<()> {
        let system = Principal::system();
        let ctx = RequestCtx::default();
        let w = self.write(&system, &ctx).await?;
        let now = w.now;
        let today = (now + Duration::hours(8)).date_naive();
        for back in 1..=LOOKBACK_DAYS {
            let Some(d) = today.checked_sub_days(chrono::Days::new(back as u64)) else {
                continue;
            };
            if now < day_end(d) + Duration::minutes(CLOSE_AFTER_MINUTES) {
                continue;
            }
            let key = format!("study_day_close:{d}");
            crate::jobs::enqueue(
                self,
                &w,
                JobKind::StudyDayClose,
                &key,
                serde_json::json!({"day": d.to_string()}),
            )
            .await?;
        }
        // Housekeeping: each close records itself when it runs.
        w.commit_audited().await
    }

    /// The job: close the day in its payload.
    pub(crate) async fn close_day_job(&self, payload: &str) -> Result<(), JobError> {
        let day = serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|v| v["day"].as_str().map(str::to_string))
            .ok_or_else(|| JobError::Fatal("payload has no day".into()))?;
        let day = parse_day(&day).map_err(|e| JobError::Fatal(e.to_string()))?;
        self.close_day(day).await?;
        Ok(())
    }

    /// Close `day`: enter every learner's credited time per lesson and class that day,
    /// then a new summary for each learner who studied or was cleared that day. Refused
    /// before the day is over (and its buffered heartbeats written).
    pub async fn close_day(&self, day: NaiveDate) -> AppResult<ClosedDay> {
        let end = day_end(day);
        let now = self.now();
        if now < end + Duration::minutes(CLOSE_AFTER_MINUTES) {
            return Err(AppError::Conflict(format!(
                "{day} 尚未结束（次日零时 {CLOSE_AFTER_MINUTES} 分后方可记入证据日志）"
            )));
        }
        // This node's buffered heartbeats first (other nodes write theirs every 2 s).
        self.settle(None).await?;
        let key = day.format("%Y-%m-%d").to_string();
        let mut out = ClosedDay::default();
        let mut learners: BTreeSet<String> = BTreeSet::new();
        let mut after = String::new();
        loop {
            let rows = day::Entity::find()
                .filter(day::Column::Day.eq(key.clone()))
                .filter(day::Column::Id.gt(after.clone()))
                .order_by_asc(day::Column::Id)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            let orgs = orgs_of(&self.db, rows.iter().map(|d| d.class_id.clone())).await?;
            let txn = crate::tx::begin_write(&self.db).await?;
            for d in &rows {
                let r = day_record(d);
                let org = orgs.get(&d.class_id).map(String::as_str).unwrap_or("");
                let a = crate::ledger::append(
                    &txn,
                    &fact(Kind::StudyDay, r.record_id(), &r.canonical(), end, org),
                )
                .await?;
                out.days += 1;
                out.new_entries += a.new as u64;
                learners.insert(d.user_id.clone());
            }
            txn.commit().await?;
        }
        // Learners cleared that day though nothing was credited to them.
        let cleared: Vec<String> = clearing::Entity::find()
            .select_only()
            .column(clearing::Column::UserId)
            .filter(clearing::Column::At.gte(end - Duration::days(1)))
            .filter(clearing::Column::At.lt(end))
            .into_tuple::<String>()
            .all(&self.db)
            .await?;
        learners.extend(cleared);
        for user in &learners {
            let txn = crate::tx::begin_write(&self.db).await?;
            let (s, new) = self.enter_summary(&txn, user, day).await?;
            txn.commit().await?;
            out.new_entries += new;
            out.learners += s.is_some() as u64;
        }
        let system = Principal::system();
        let ctx = RequestCtx::default();
        let w = self.write(&system, &ctx).await?;
        w.commit(AuditEntry::ok(
            "study.day_closed",
            "study_day",
            &key,
            serde_json::json!({"days": out.days, "new_entries": out.new_entries, "learners": out.learners}),
        ))
        .await?;
        Ok(out)
    }

    /// Build `user`'s summary as of the closed `day` from the day rows and clearings up
    /// to it, enter any of them whose newest entry does not match (a late write, or one
    /// from before the log held study), then enter the summary. Inside a write
    /// transaction. The summary (`None` when the learner has nothing entered) and how
    /// many entries were new.
    async fn enter_summary<C: ConnectionTrait>(
        &self,
        txn: &C,
        user: &str,
        day: NaiveDate,
    ) -> AppResult<(Option<EnteredSummary>, u64)> {
        match self.build_summary(txn, user, day, true).await? {
            Built::Ready(s, new) => Ok((s, new)),
            Built::NeedsWrite => Err(AppError::Internal(
                "a study summary could not be entered".into(),
            )),
        }
    }

    /// The summary of `enter_summary`; with `write` false nothing is appended, and
    /// anything not yet in the log (a day, a clearing, the summary itself) answers
    /// `NeedsWrite`.
    async fn build_summary<C: ConnectionTrait>(
        &self,
        txn: &C,
        user: &str,
        day: NaiveDate,
        write: bool,
    ) -> AppResult<Built> {
        let end = day_end(day);
        let key = day.format("%Y-%m-%d").to_string();
        let days = day::Entity::find()
            .filter(day::Column::UserId.eq(user))
            .filter(day::Column::Day.lte(key.clone()))
            .all(txn)
            .await?;
        let clearings = clearing::Entity::find()
            .filter(clearing::Column::UserId.eq(user))
            .filter(clearing::Column::At.lt(end))
            .all(txn)
            .await?;
        let orgs = orgs_of(
            txn,
            days.iter()
                .map(|d| d.class_id.clone())
                .chain(clearings.iter().map(|k| k.class_id.clone())),
        )
        .await?;
        let mut new = 0u64;
        let have_days = entered(
            txn,
            Kind::StudyDay,
            days.iter().map(|d| day_record(d).record_id()).collect(),
        )
        .await?;
        let have_clearings = entered(
            txn,
            Kind::StudyClearing,
            clearings
                .iter()
                .map(|k| clearing_record(k).record_id())
                .collect(),
        )
        .await?;
        let mut lines: BTreeMap<(String, String), SummaryLine> = BTreeMap::new();
        for d in &days {
            let r = day_record(d);
            let canonical = r.canonical();
            let sha = hex::encode(archive::sha256(&canonical));
            let index = match have_days.get(&r.record_id()) {
                Some((idx, s)) if *s == sha => *idx,
                _ if !write => return Ok(Built::NeedsWrite),
                _ => {
                    let day_end_of_row = parse_day(&d.day).map(day_end).unwrap_or(end);
                    let org = orgs.get(&d.class_id).map(String::as_str).unwrap_or("");
                    let a = crate::ledger::append(
                        txn,
                        &fact(
                            Kind::StudyDay,
                            r.record_id(),
                            &canonical,
                            day_end_of_row,
                            org,
                        ),
                    )
                    .await?;
                    new += a.new as u64;
                    a.index
                }
            };
            let l = line_of(&mut lines, &d.class_id, &d.package_id);
            l.day_entries.push(index);
            l.credited_ms += r.credited_ms;
        }
        for k in &clearings {
            let r = clearing_record(k);
            let sha = hex::encode(archive::sha256(&r.canonical()));
            let index = match have_clearings.get(&r.record_id()) {
                Some((idx, s)) if *s == sha => *idx,
                _ if !write => return Ok(Built::NeedsWrite),
                _ => {
                    let a = enter_clearing(txn, k).await?;
                    new += a.new as u64;
                    a.index
                }
            };
            let l = line_of(&mut lines, &k.class_id, &k.package_id);
            l.clearing_entries.push(index);
            l.cleared_ms += r.cleared_ms;
        }
        if lines.is_empty() {
            return Ok(Built::Ready(None, new));
        }
        let mut lines: Vec<SummaryLine> = lines.into_values().collect();
        for l in &mut lines {
            l.day_entries.sort_unstable();
            l.clearing_entries.sort_unstable();
        }
        let summary = Summary {
            user_id: user.to_string(),
            as_of: key,
            lines,
        };
        let canonical = summary.canonical();
        let sha = hex::encode(archive::sha256(&canonical));
        let record_id = Summary::record_id(user);
        let index = match entered(txn, Kind::StudySummary, vec![record_id.clone()])
            .await?
            .remove(&record_id)
        {
            Some((idx, s)) if s == sha => idx,
            _ if !write => return Ok(Built::NeedsWrite),
            _ => {
                let a = crate::ledger::append(
                    txn,
                    &fact(Kind::StudySummary, record_id, &canonical, end, ""),
                )
                .await?;
                new += a.new as u64;
                a.index
            }
        };
        Ok(Built::Ready(
            Some(EnteredSummary {
                sha256_hex: sha,
                summary,
                index,
                canonical,
            }),
            new,
        ))
    }

    /// `user`'s newest entered summary: rebuilt from the rows as of the day its entry
    /// covers and checked against the entry's hash, so what is shown is what the log
    /// holds. `None` before any of the learner's days is closed.
    pub(crate) async fn entered_summary(&self, user: &str) -> AppResult<Option<EnteredSummary>> {
        let newest = leaf::Entity::find()
            .filter(leaf::Column::Kind.eq(Kind::StudySummary.code()))
            .filter(leaf::Column::RecordId.eq(Summary::record_id(user)))
            .order_by_desc(leaf::Column::Idx)
            .one(&self.db)
            .await?;
        let Some(newest) = newest else {
            return Ok(None);
        };
        let as_of = (newest.at + Duration::hours(8) - Duration::days(1)).date_naive();
        // Rebuilt by reading; only if something is not in the log as the rows are now (a
        // late write) is it entered, in a write.
        let s = match self.build_summary(&self.db, user, as_of, false).await? {
            Built::Ready(s, _) => s,
            Built::NeedsWrite => {
                let txn = crate::tx::begin_write(&self.db).await?;
                let (s, _) = self.enter_summary(&txn, user, as_of).await?;
                txn.commit().await?;
                s
            }
        };
        match s {
            Some(s) if s.sha256_hex == newest.record_sha256 && s.index == newest.idx as u64 => {
                Ok(Some(s))
            }
            Some(s) => {
                // The rows moved after the summary was entered (a late write): the
                // rebuilt one was just entered and is the newest now.
                tracing::warn!(
                    user,
                    "a learner's study summary changed after it was entered"
                );
                Ok(Some(s))
            }
            None => Ok(None),
        }
    }
}
