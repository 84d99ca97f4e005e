//! Supervised online study (issue 12): the server opens and signs a study session for
//! each playback, judges every heartbeat with `jineng_core::study`, credits only what the
//! clock allows, records irregularities and clears a course's hours for the ones that
//! show study by software or a third party (seed 003 §6.3).
//!
//! Heartbeats are measurements, not acts: they are kept in the study tables (sessions,
//! per-lesson progress, per-day totals, irregularities), not in the audit trail. Opening
//! a session and every clearing are audited.
//!
//! Each heartbeat is written through in one transaction with its session row locked, so
//! two heartbeats of one session are judged one after the other and a retried one is a
//! replay. (The batched hot path, in memory and in Redis, replaces this write
//! later; the rule and the tables stay.)

use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::crypto::pii::PiiKind;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use jineng_core::courses::{CourseTrainingType, LessonKind, ListingStatus, VersionStatus};
use jineng_core::study::{
    self as rules, Beat, CheckKind, CheckOutcome, Cursor, Irregularity, Policy, SessionStatus,
};
use jineng_store::courses::{lesson, package, version};
use jineng_store::settings;
use jineng_store::study::{check, clearing, irregularity, progress, session, task};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use serde::Serialize;

pub mod evidence;
pub mod hot;
pub mod shared;
mod supervision;
pub use supervision::*;

bounded_context!(
    /// Supervised study: sessions, heartbeats, progress, irregularities.
    Study,
    study
);

/// The settings key of the province's study policy (JSON of `Policy`).
pub const POLICY_KEY: &str = "study.policy";

/// A session the server opened: what the player needs.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    pub session_id: String,
    /// Sent back with every heartbeat.
    pub token: String,
    pub interval_secs: u32,
    pub lesson_id: String,
    pub lesson_title: String,
    pub kind: LessonKind,
    pub lesson_ms: u64,
    /// Where the learner left off.
    pub position_ms: u64,
    pub credited_ms: u64,
    pub complete: bool,
    /// Sessions of the learner this one froze (another tab or device).
    pub froze: u64,
    /// What the player's moving watermark shows: the learner's name and masked ID number.
    pub watermark: String,
    /// The player may let the learner seek forward (skipped time is never credited).
    pub free_seek: bool,
}

/// What the player reports (already parsed at the edge).
#[derive(Debug, Clone)]
pub struct BeatInput {
    pub token: String,
    pub beat: Beat,
}

/// The server's verdict on a heartbeat.
#[derive(Debug, Clone, Serialize)]
pub struct BeatReply {
    /// False: refused (replayed, too soon, beyond the end, forged, frozen, ended);
    /// nothing was credited and the session's cursor did not move.
    pub accepted: bool,
    /// Credited for this heartbeat.
    pub credited_ms: u64,
    /// Credited for the lesson so far (this class or self-study).
    pub lesson_credited_ms: u64,
    pub complete: bool,
    pub irregularity: Option<Irregularity>,
    pub irregularity_label: &'static str,
    /// This heartbeat cleared the course's hours (seed 003 §6.3); the session is ended.
    pub cleared: bool,
    /// The last accepted heartbeat again (a retry): already judged, nothing changed.
    pub duplicate: bool,
    /// A watch check waiting for the learner's answer (the player asks it).
    pub check: Option<CheckView>,
}

/// What judging a heartbeat asks of the caller: answer it, or first run the clearing
/// the irregularity calls for (seed 003 §6.3).
enum Step {
    Reply(BeatReply),
    Clear(Irregularity, BeatReply),
}

impl BeatReply {
    /// The reply once a clearing has run: nothing credited stands.
    fn cleared_if(self, cleared: bool) -> Self {
        if !cleared {
            return self;
        }
        BeatReply {
            credited_ms: 0,
            lesson_credited_ms: 0,
            complete: false,
            cleared: true,
            check: None,
            ..self
        }
    }
}

/// A watch check as the player shows it (never the answer).
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub id: String,
    pub kind: CheckKind,
    pub prompt: String,
    pub due_at: DateTime<Utc>,
}

impl From<&check::Model> for CheckView {
    fn from(c: &check::Model) -> Self {
        CheckView {
            id: c.id.clone(),
            kind: c.kind,
            prompt: c.prompt.clone(),
            due_at: c.due_at,
        }
    }
}

/// The verdict on an answer to a watch check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckAnswered {
    pub outcome: CheckOutcome,
    /// A wrong answer brings a new check at once.
    pub next: Option<CheckView>,
}

/// When the next check is asked: a random moment in the policy's window; none when
/// checks are off.
fn next_check(policy: &Policy, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if policy.check_every_max_secs == 0 {
        return None;
    }
    let lo = std::cmp::min(policy.check_every_min_secs, policy.check_every_max_secs);
    let secs = rand::rngs::OsRng.gen_range(lo..=policy.check_every_max_secs);
    Some(from + chrono::Duration::seconds(i64::from(secs)))
}

/// Ask a new check in this session now.
async fn ask<C: ConnectionTrait>(
    txn: &C,
    s: &session::Model,
    policy: &Policy,
    now: DateTime<Utc>,
) -> AppResult<check::Model> {
    let (prompt, expected) = rules::sum_check(
        rand::rngs::OsRng.gen_range(1..=9),
        rand::rngs::OsRng.gen_range(1..=9),
    );
    Ok(check::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        session_id: Set(s.id.clone()),
        user_id: Set(s.user_id.clone()),
        kind: Set(CheckKind::Sum),
        prompt: Set(prompt),
        expected: Set(expected),
        outcome: Set(CheckOutcome::Open),
        issued_at: Set(now),
        due_at: Set(now + chrono::Duration::seconds(i64::from(policy.check_answer_secs))),
        answered_at: Set(None),
    }
    .insert(txn)
    .await?)
}

/// A lesson's progress for the learner.
#[derive(Debug, Clone, Serialize)]
pub struct LessonProgress {
    pub lesson_id: String,
    pub title: String,
    pub kind: LessonKind,
    pub lesson_ms: u64,
    pub credited_ms: u64,
    pub position_ms: u64,
    pub complete: bool,
}

/// A course the learner studies (per class, or on their own).
#[derive(Debug, Clone, Serialize)]
pub struct CourseProgress {
    pub package_id: String,
    pub version_id: String,
    pub name: String,
    /// Empty for self-study.
    pub class_id: String,
    /// Class hours credited, in tenths, rounded down (45 minutes = 1 hour).
    pub credited_tenths: u64,
    pub lessons_done: usize,
    pub lessons: Vec<LessonProgress>,
    /// Times the course's hours were cleared for irregular study.
    pub clearings: u64,
    /// Cleared twice: no subsidy for this course (seed 003 §6.3).
    pub subsidy_lost: bool,
    pub irregularities: Vec<IrregularityView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IrregularityView {
    pub code: Irregularity,
    pub label: &'static str,
    pub count: i64,
    pub clears: bool,
    pub last_at: DateTime<Utc>,
}

/// A study task as shown.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub id: String,
    pub class_id: String,
    pub package_id: String,
    pub version_id: String,
    pub name: String,
    /// Class hours of the course's lessons, in tenths.
    pub hours_tenths: u64,
    pub starts_on: String,
    pub ends_on: String,
    /// The class lets its learners seek forward (the course must allow it too).
    pub free_seek: bool,
}

/// What to publish.
#[derive(Debug, Clone)]
pub struct TaskInput {
    pub package_id: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    /// Let the class's learners seek forward where the course allows it.
    pub free_seek: bool,
}

/// A learner of a class and what they studied online for it.
#[derive(Debug, Clone, Serialize)]
pub struct LearnerStudy {
    pub user_id: String,
    pub name: String,
    /// Credited class hours for the class's tasks, in tenths.
    pub credited_tenths: u64,
    pub lessons_done: usize,
    pub lessons_total: usize,
    pub irregularities: i64,
    pub clearings: u64,
}

/// A course a class may be given without buying seats: listed, free, public-welfare.
#[derive(Debug, Clone, Serialize)]
pub struct Assignable {
    pub package_id: String,
    pub name: String,
}

/// What a learner may study and for whom the time counts.
struct Access {
    lesson: lesson::Model,
    package: package::Model,
    lesson_ms: u64,
    /// The course (and, for a class, its study task) lets the learner seek forward.
    free_seek: bool,
}

/// A listed course given without seats: free and public-welfare (seed 001 §19).
fn is_free(v: &version::Model) -> bool {
    v.training_type == CourseTrainingType::PublicWelfare && v.price_fen == 0
}

fn day_of(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

impl Study<'_> {
    /// The province's study policy (the default until one is set).
    pub async fn policy(&self) -> AppResult<Policy> {
        Ok(settings::get(&self.db, POLICY_KEY)
            .await?
            .and_then(|j| serde_json::from_str::<Policy>(&j).ok())
            .filter(|p| p.check().is_ok())
            .unwrap_or_default())
    }

    /// The policy as the hot path reads it: kept a few seconds by a buffering node.
    async fn beat_policy(&self) -> AppResult<Policy> {
        if let Some(p) = self.study_buffer.as_ref().and_then(|b| b.cached_policy()) {
            return Ok(p);
        }
        if let Some(p) = self.study_shared.as_ref().and_then(|s| s.cached_policy()) {
            return Ok(p);
        }
        let p = self.policy().await?;
        if let Some(b) = &self.study_buffer {
            b.keep_policy(Some(p));
        }
        if let Some(s) = &self.study_shared {
            s.keep_policy(Some(p));
        }
        Ok(p)
    }

    /// Write what this node holds in memory, or what Redis holds for every node (one
    /// learner's sessions, or all), so a reader sees every heartbeat taken so far.
    /// Nothing to do in the direct mode.
    pub async fn settle(&self, user: Option<&str>) -> AppResult<()> {
        if let Some(b) = &self.study_buffer {
            b.flush(&self.db, user, self.now()).await?;
        }
        if let Some(s) = &self.study_shared {
            let ids = match user {
                Some(u) => Some(s.owned(u).await?),
                None => None,
            };
            s.flush(&self.db, ids, self.now()).await?;
        }
        Ok(())
    }

    /// Set the province's study policy (the platform's operators and system admins, as
    /// for the other course rules); every bound is
    /// checked, the change audited with before and after.
    pub async fn set_policy(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        p: Policy,
    ) -> AppResult<Policy> {
        if !who.can(jineng_core::accounts::Permission::ReviewProviders) {
            return Err(AppError::Forbidden);
        }
        p.check().map_err(|(f, m)| AppError::field(f, m))?;
        let before = self.policy().await?;
        let w = self.write(who, ctx).await?;
        settings::Entity::insert(settings::ActiveModel {
            key: Set(POLICY_KEY.into()),
            value: Set(serde_json::to_string(&p).unwrap_or_default()),
            updated_at: Set(w.now),
        })
        .on_conflict(
            OnConflict::column(settings::Column::Key)
                .update_columns([settings::Column::Value, settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "study.policy_set",
            "setting",
            POLICY_KEY,
            serde_json::json!({"before": before, "after": p}),
        ))
        .await?;
        if let Some(b) = &self.study_buffer {
            b.keep_policy(None);
        }
        if let Some(s) = &self.study_shared {
            s.keep_policy(None);
        }
        Ok(p)
    }

    /// The one access check: may this learner study this lesson, for this class?
    /// Self-study (no class): the listed version of a listed, free public-welfare course
    /// (seed 001 §19). Study for a class comes with study tasks and seats.
    async fn access(&self, _who: &Principal, lesson_id: &str, class_id: &str) -> AppResult<Access> {
        let l = lesson::Entity::find_by_id(lesson_id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课时"))?;
        let v = version::Entity::find_by_id(l.version_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课时"))?;
        let p = package::Entity::find_by_id(v.package_id.clone())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("课时"))?;
        let listed = p.listing == ListingStatus::Listed
            && p.listed_version_id == v.id
            && v.status == VersionStatus::Approved;
        if !listed && class_id.is_empty() {
            return Err(AppError::NotFound("课时"));
        }
        let mut task_allows_seek = false;
        if !class_id.is_empty() {
            // For a class: the learner is enrolled, the class is in training, and one of
            // its study tasks gives this course (the version the class was given) today.
            let enrolled = jineng_store::classes::enrollment::Entity::find()
                .filter(jineng_store::classes::enrollment::Column::ClassId.eq(class_id))
                .filter(jineng_store::classes::enrollment::Column::UserId.eq(_who.user_id.clone()))
                .one(&self.db)
                .await?
                .is_some();
            if !enrolled {
                return Err(AppError::NotFound("课时"));
            }
            let c = jineng_store::classes::class::Entity::find_by_id(class_id.to_string())
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound("课时"))?;
            if c.status != jineng_core::classes::ClassStatus::InTraining {
                return Err(AppError::Conflict("培训班不在培训中，暂不能学习".into()));
            }
            let today = self.today().format("%Y-%m-%d").to_string();
            let t = task::Entity::find()
                .filter(task::Column::ClassId.eq(class_id))
                .filter(task::Column::PackageId.eq(p.id.clone()))
                .one(&self.db)
                .await?
                .ok_or_else(|| AppError::Conflict("该班级尚未发布包含本课程的学习任务".into()))?;
            if t.version_id != v.id {
                return Err(AppError::Conflict("本班学习的是该课程的另一版本".into()));
            }
            if today < t.starts_on || today > t.ends_on {
                return Err(AppError::Conflict(format!(
                    "学习任务的时间为{}至{}",
                    t.starts_on, t.ends_on
                )));
            }
            task_allows_seek = t.free_seek;
            // A bought course opens only to a learner holding one of its seats.
            if !is_free(&v)
                && !self
                    .orders()
                    .has_seat(&_who.user_id, class_id, &p.id)
                    .await?
            {
                return Err(AppError::Conflict(
                    "你还没有本课程的学习席位，请联系培训机构分配".into(),
                ));
            }
        } else if !is_free(&v) {
            return Err(AppError::NotFound("课时"));
        }
        let lesson_ms = l
            .seconds
            .and_then(|s| u64::try_from(s).ok())
            .map(|s| s * 1000)
            .filter(|ms| *ms > 0)
            .ok_or_else(|| AppError::Conflict("该课时没有学习时长，不计学时".into()))?;
        Ok(Access {
            lesson: l,
            package: p,
            lesson_ms,
            // Both switches: the course's, and for a class its study task's.
            free_seek: v.free_seek && (class_id.is_empty() || task_allows_seek),
        })
    }

    /// Whether the caller may study this lesson, on their own (`class_id` empty) or for a
    /// class (the watch page then opens a study session instead of only playing).
    pub async fn open_to(&self, who: &Principal, lesson_id: &str, class_id: &str) -> bool {
        self.access(who, lesson_id, class_id).await.is_ok()
    }

    /// Whether one of the caller's classes in training has a study task giving this
    /// version: the class keeps it when the course changes or is delisted.
    pub async fn studies_version(&self, who: &Principal, version_id: &str) -> AppResult<bool> {
        let classes: Vec<String> = jineng_store::classes::enrollment::Entity::find()
            .filter(jineng_store::classes::enrollment::Column::UserId.eq(who.user_id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.class_id)
            .collect();
        if classes.is_empty() {
            return Ok(false);
        }
        let running: Vec<String> = jineng_store::classes::class::Entity::find()
            .filter(jineng_store::classes::class::Column::Id.is_in(classes))
            .filter(
                jineng_store::classes::class::Column::Status
                    .eq(jineng_core::classes::ClassStatus::InTraining),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        Ok(!running.is_empty()
            && task::Entity::find()
                .filter(task::Column::ClassId.is_in(running))
                .filter(task::Column::VersionId.eq(version_id))
                .one(&self.db)
                .await?
                .is_some())
    }

    /// "姓名 5201**********1234": the learner's name and masked ID number.
    async fn watermark(&self, who: &Principal) -> AppResult<String> {
        let u = jineng_store::accounts::user::Entity::find_by_id(who.user_id.clone())
            .one(&self.db)
            .await?;
        let id = u
            .as_ref()
            .and_then(|u| u.id_number_enc.as_deref())
            .and_then(|e| {
                self.keyring
                    .decrypt(
                        e,
                        crate::crypto::pii::Place::new("users", "id_number_enc", &who.user_id),
                    )
                    .ok()
            })
            .map(|n| jineng_core::mask::id_number(&n))
            .unwrap_or_default();
        Ok(format!("{} {id}", who.display_name).trim().to_string())
    }

    fn token(&self, session_id: &str, user_id: &str) -> String {
        self.keyring
            .blind_index(PiiKind::StudySession, &format!("{session_id}|{user_id}"))
    }

    /// Open a study session for a lesson: any other active session of the learner is
    /// frozen (one device at a time) and the freeze recorded on it.
    pub async fn open(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        lesson_id: &str,
        class_id: &str,
    ) -> AppResult<Opened> {
        self.limit_heavy(ctx, who).await?;
        let a = self.access(who, lesson_id, class_id).await?;
        let policy = self.policy().await?;
        let watermark = self.watermark(who).await?;
        // What the learner's other sessions hold in memory is written first, so this one
        // starts from their progress and the day's true total.
        self.settle(Some(&who.user_id)).await?;
        let w = self.write(who, ctx).await?;
        // One learner's opens and heartbeats take the learner's row first, so two opens
        // at once end with one active session, and two sessions never credit the same
        // progress row at once (PostgreSQL; SQLite's writers are serialised anyway).
        lock_learner(&w.txn, &who.user_id).await?;
        let others = session::Entity::find()
            .filter(session::Column::UserId.eq(who.user_id.clone()))
            .filter(session::Column::Status.eq(SessionStatus::Active))
            .all(&w.txn)
            .await?;
        for o in &others {
            session::Entity::update_many()
                .col_expr(session::Column::Status, Expr::value(SessionStatus::Frozen))
                .col_expr(session::Column::UpdatedAt, Expr::value(w.now))
                .filter(session::Column::Id.eq(o.id.clone()))
                .exec(&w.txn)
                .await?;
            // Recorded only when the other one was still beating (within three
            // intervals): a tab left open long ago is not study on two devices at once.
            let live = w.now - o.updated_at
                <= chrono::Duration::seconds(i64::from(policy.interval_secs) * 3);
            if live {
                note(&w.txn, o, Irregularity::SeveralDevices, false, w.now).await?;
            }
        }
        let p = progress::Entity::find()
            .filter(progress::Column::UserId.eq(who.user_id.clone()))
            .filter(progress::Column::LessonId.eq(a.lesson.id.clone()))
            .filter(progress::Column::ClassId.eq(class_id))
            .one(&w.txn)
            .await?;
        // Resume where the learner left off (from the start once at the end); the
        // server's cursor starts there too, so the first heartbeat is not a jump.
        let position = p
            .as_ref()
            .map(|p| u64::try_from(p.position_ms).unwrap_or(0))
            .filter(|pos| pos + 5_000 < a.lesson_ms)
            .unwrap_or(0);
        // The rhythm goes on across sessions: a script that opens a new session (or ends
        // one and opens another) every few heartbeats would otherwise never fill the
        // window its regularity is judged on. The gaps of the learner's session heard
        // from last, within three intervals, start this one's.
        let recent = session::Entity::find()
            .filter(session::Column::UserId.eq(who.user_id.clone()))
            .filter(
                session::Column::UpdatedAt
                    .gte(w.now - chrono::Duration::seconds(i64::from(policy.interval_secs) * 3)),
            )
            .order_by_desc(session::Column::UpdatedAt)
            .one(&w.txn)
            .await?;
        let gaps_ms = recent
            .and_then(|r| serde_json::from_str::<Cursor>(&r.cursor).ok())
            .map(|c| c.gaps_ms)
            .unwrap_or_default();
        let id = uuid::Uuid::now_v7().to_string();
        let cursor = Cursor {
            last_at_ms: w.now.timestamp_millis(),
            position_ms: position,
            gaps_ms,
            free_seek: a.free_seek,
            ..Cursor::default()
        };
        session::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(who.user_id.clone()),
            lesson_id: Set(a.lesson.id.clone()),
            version_id: Set(a.lesson.version_id.clone()),
            package_id: Set(a.package.id.clone()),
            class_id: Set(class_id.to_string()),
            status: Set(SessionStatus::Active),
            cursor: Set(serde_json::to_string(&cursor).unwrap_or_default()),
            credited_ms: Set(0),
            beats: Set(0),
            ip: Set(ctx.ip.clone()),
            user_agent: Set(ctx.user_agent.chars().take(300).collect()),
            next_check_at: Set(next_check(&policy, w.now)),
            opened_at: Set(w.now),
            updated_at: Set(w.now),
        }
        .insert(&w.txn)
        .await?;
        let froze = others.len() as u64;
        if let Some(s) = &self.study_shared {
            // Marked in Redis before the open commits: a session every node must refuse
            // is never left crediting because Redis was away.
            let ids: Vec<String> = others.iter().map(|o| o.id.clone()).collect();
            s.freeze(&ids).await?;
        }
        w.commit(Entry::ok(
            "study.open",
            "study_session",
            &id,
            serde_json::json!({"lesson": a.lesson.id, "package": a.package.id, "class": class_id, "froze": others.iter().map(|o| o.id.clone()).collect::<Vec<_>>()}),
        ))
        .await?;
        if let Some(b) = &self.study_buffer {
            // A frozen session held in memory learns it at its next heartbeat.
            b.freeze(others.iter().map(|o| o.id.clone()));
        }
        let credited = p
            .as_ref()
            .map(|p| u64::try_from(p.credited_ms).unwrap_or(0))
            .unwrap_or(0);
        Ok(Opened {
            token: self.token(&id, &who.user_id),
            session_id: id,
            interval_secs: policy.interval_secs,
            lesson_id: a.lesson.id,
            lesson_title: a.lesson.title,
            kind: a.lesson.kind,
            lesson_ms: a.lesson_ms,
            position_ms: if position + 5_000 >= a.lesson_ms {
                0
            } else {
                position
            },
            credited_ms: credited,
            complete: p.is_some_and(|p| p.completed_at.is_some()),
            froze,
            watermark,
            free_seek: a.free_seek,
        })
    }

    /// Judge and record one heartbeat of the caller's session.
    pub async fn beat(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
        input: BeatInput,
    ) -> AppResult<BeatReply> {
        let policy = self.beat_policy().await?;
        if let Some(shared) = self.study_shared.clone() {
            let lease = shared.lock(session_id).await?;
            let r = self
                .beat_shared(&shared, &lease, &policy, who, ctx, session_id, &input)
                .await;
            if r.is_err() {
                shared.release(&lease).await;
            }
            return r;
        }
        match self.study_buffer.clone() {
            Some(buffer) => {
                self.beat_buffered(&buffer, &policy, who, ctx, session_id, &input)
                    .await
            }
            None => {
                self.beat_direct(&policy, who, ctx, session_id, &input)
                    .await
            }
        }
    }

    /// A heartbeat for a session that is not the caller's (or none): nothing is revealed,
    /// the attempt is audited.
    async fn not_callers(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
    ) -> AppResult<BeatReply> {
        let w = self.write(who, ctx).await?;
        w.commit(Entry {
            action: "study.beat_refused",
            object_type: "study_session",
            object_id: session_id,
            changes: serde_json::json!({"reason": "not_the_callers"}),
            outcome: "refused",
        })
        .await?;
        Err(AppError::NotFound("学习记录"))
    }

    /// The direct mode: the learner's and the session's rows locked, the state loaded,
    /// judged and written back in one transaction.
    async fn beat_direct(
        &self,
        policy: &Policy,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
        input: &BeatInput,
    ) -> AppResult<BeatReply> {
        let txn = crate::tx::begin_write(&self.db).await?;
        lock_learner(&txn, &who.user_id).await?;
        // Only the caller's own session is read (and locked): anyone else's is not found.
        let locked = session::Entity::find_by_id(session_id.to_string())
            .filter(session::Column::UserId.eq(who.user_id.clone()))
            .lock_exclusive()
            .one(&txn)
            .await?;
        // Read after the locks: a heartbeat that waited for another is timed when judged.
        let now = self.now();
        let loaded = match locked {
            Some(_) => hot::Hot::load(&txn, session_id, &who.user_id, now).await?,
            None => None,
        };
        let Some(mut h) = loaded else {
            drop(txn);
            return self.not_callers(who, ctx, session_id).await;
        };
        let check_missed = self.due_check(&txn, &mut h, policy, now).await?;
        let step = self.apply(&mut h, policy, who, ctx, input, now, check_missed)?;
        hot::write(&txn, &[&h]).await?;
        let reply = match step {
            Step::Reply(r) => r,
            Step::Clear(why, r) => {
                let cleared = self.irregular(&txn, who, ctx, &h.row, why, now).await?;
                r.cleared_if(cleared)
            }
        };
        txn.commit().await?;
        Ok(reply)
    }

    /// The buffered mode: the session's state in this node's memory, under its own lock;
    /// the flusher writes it.
    async fn beat_buffered(
        &self,
        buffer: &hot::Buffer,
        policy: &Policy,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
        input: &BeatInput,
    ) -> AppResult<BeatReply> {
        let slot = buffer.slot(session_id);
        let mut g = slot.lock().await;
        let now = self.now();
        if g.is_none() {
            *g = hot::Hot::load(&self.db, session_id, &who.user_id, now).await?;
        }
        let Some(h) = g.as_mut().filter(|h| h.row.user_id == who.user_id) else {
            drop(g);
            drop(slot);
            buffer.drop_empty(session_id);
            return self.not_callers(who, ctx, session_id).await;
        };
        if buffer.is_frozen(&h.row.id) {
            h.row.status = SessionStatus::Frozen;
        }
        let check_missed =
            if h.open_check.is_none() && h.row.next_check_at.is_some_and(|at| at <= now) {
                let txn = crate::tx::begin_write(&self.db).await?;
                let missed = self.due_check(&txn, h, policy, now).await?;
                txn.commit().await?;
                missed
            } else {
                self.due_check(&self.db, h, policy, now).await?
            };
        match self.apply(h, policy, who, ctx, input, now, check_missed)? {
            Step::Reply(r) => {
                if h.dirty {
                    buffer.mark_dirty(&h.row.id, &h.row.user_id);
                }
                Ok(r)
            }
            Step::Clear(why, r) => {
                // Rare: this session is written now, the clearing with it, and the
                // session leaves memory (ended).
                let txn = crate::tx::begin_write(&self.db).await?;
                hot::write(&txn, &[&*h]).await?;
                let cleared = self.irregular(&txn, who, ctx, &h.row, why, now).await?;
                txn.commit().await?;
                *g = None;
                drop(g);
                buffer.forget(session_id);
                Ok(r.cleared_if(cleared))
            }
        }
    }

    /// Several nodes: the session's state read from Redis under its lease (or loaded from
    /// the database when Redis holds none), judged, and stored back with what is pending;
    /// a flusher writes it. A clearing is written at once with what was pending.
    #[allow(clippy::too_many_arguments)]
    async fn beat_shared(
        &self,
        shared: &shared::Shared,
        lease: &jineng_limits::held::Lease,
        policy: &Policy,
        who: &Principal,
        ctx: &RequestCtx,
        session_id: &str,
        input: &BeatInput,
    ) -> AppResult<BeatReply> {
        let (held, frozen) = shared.read(session_id).await?;
        let now = self.now();
        let loaded = match held {
            Some(h) => Some(h),
            None => hot::Hot::load(&self.db, session_id, &who.user_id, now).await?,
        };
        let Some(mut h) = loaded.filter(|h| h.row.user_id == who.user_id) else {
            shared.release(lease).await;
            return self.not_callers(who, ctx, session_id).await;
        };
        if frozen {
            h.row.status = SessionStatus::Frozen;
        }
        let check_missed =
            if h.open_check.is_none() && h.row.next_check_at.is_some_and(|at| at <= now) {
                let txn = crate::tx::begin_write(&self.db).await?;
                let missed = self.due_check(&txn, &mut h, policy, now).await?;
                txn.commit().await?;
                missed
            } else {
                self.due_check(&self.db, &mut h, policy, now).await?
            };
        match self.apply(&mut h, policy, who, ctx, input, now, check_missed)? {
            Step::Reply(r) => {
                if h.dirty {
                    shared.store(lease, &h).await?;
                } else {
                    shared.release(lease).await;
                }
                Ok(r)
            }
            Step::Clear(why, r) => {
                // Rare: what was pending moves to a flight written now with this state
                // and the clearing, under the flight's name; the session leaves Redis.
                let flight = shared.take_own(lease).await?;
                let written = async {
                    let txn = crate::tx::begin_write(&self.db).await?;
                    hot::write(&txn, &[&h]).await?;
                    let cleared = self.irregular(&txn, who, ctx, &h.row, why, now).await?;
                    shared::name_flight(&txn, &flight, 1, now).await?;
                    txn.commit().await?;
                    AppResult::Ok(cleared)
                }
                .await;
                match written {
                    Ok(cleared) => {
                        shared.landed(&flight).await;
                        shared.forget(lease, &who.user_id).await;
                        Ok(r.cleared_if(cleared))
                    }
                    Err(e) => {
                        shared.abandon(&flight).await;
                        Err(e)
                    }
                }
            }
        }
    }

    /// Before judging: the day moved on (the learner's total is read for the new day); a
    /// watch check fell due (it is asked, written through `c`). Whether the open check is
    /// past its time.
    async fn due_check<C: ConnectionTrait>(
        &self,
        c: &C,
        h: &mut hot::Hot,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> AppResult<bool> {
        let today = day_of(now);
        if today != h.day {
            h.today_ms = hot::day_total(c, &h.row.user_id, &today).await?;
            h.day = today;
        }
        let missed = h.open_check.as_ref().is_some_and(|c| now > c.due_at);
        if h.open_check.is_none() && h.row.next_check_at.is_some_and(|at| at <= now) {
            h.open_check = Some(ask(c, &h.row, policy, now).await?);
            h.row.next_check_at = None;
            h.dirty = true;
        }
        Ok(missed)
    }

    /// Judge one heartbeat against a session's state and change the state accordingly;
    /// the same rule whichever way the state is kept.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        h: &mut hot::Hot,
        policy: &Policy,
        who: &Principal,
        ctx: &RequestCtx,
        input: &BeatInput,
        now: DateTime<Utc>,
        check_missed: bool,
    ) -> AppResult<Step> {
        let refuse = |why: Irregularity| BeatReply {
            accepted: false,
            credited_ms: 0,
            lesson_credited_ms: 0,
            complete: false,
            irregularity: Some(why),
            irregularity_label: why.label(),
            cleared: false,
            duplicate: false,
            check: None,
        };
        let token_ok = {
            use subtle::ConstantTimeEq;
            let want = self.token(&h.row.id, &who.user_id);
            bool::from(want.as_bytes().ct_eq(input.token.as_bytes()))
        };
        match h.row.status {
            SessionStatus::Ended => {
                return Err(AppError::Conflict("本次学习已结束，请重新打开课时".into()));
            }
            SessionStatus::Frozen => {
                h.beat_taken(now);
                h.note(Irregularity::SeveralDevices, false, now);
                return Ok(Step::Reply(refuse(Irregularity::SeveralDevices)));
            }
            SessionStatus::Active => {}
        }
        if !token_ok {
            h.beat_taken(now);
            return Ok(Step::Clear(
                Irregularity::Forged,
                refuse(Irregularity::Forged),
            ));
        }
        // The same session from another address at once: a second device holds the
        // learner's credentials. Refused and recorded; the player opens a new session.
        if h.row.ip != ctx.ip {
            h.beat_taken(now);
            h.note(Irregularity::SeveralDevices, false, now);
            return Ok(Step::Reply(refuse(Irregularity::SeveralDevices)));
        }
        let lesson_credited = u64::try_from(h.progress.credited_ms).unwrap_or(0);
        let cx = rules::Context {
            now_ms: now.timestamp_millis(),
            lesson_ms: h.lesson_ms,
            lesson_credited_ms: lesson_credited,
            today_credited_ms: h.today_ms,
            check_missed,
        };
        let j = rules::judge(policy, &h.cursor, &input.beat, &cx);
        let check = h.open_check.as_ref().map(CheckView::from);
        if j.duplicate {
            return Ok(Step::Reply(BeatReply {
                accepted: false,
                credited_ms: 0,
                lesson_credited_ms: lesson_credited,
                complete: h.progress.completed_at.is_some(),
                irregularity: None,
                irregularity_label: "",
                cleared: false,
                duplicate: true,
                check,
            }));
        }
        h.cursor = rules::advance(policy, &h.cursor, &input.beat, cx.now_ms, &j);
        h.row.credited_ms += i64::try_from(j.credit_ms).unwrap_or(0);
        h.beat_taken(now);
        let mut lesson_total = lesson_credited;
        if j.accepted {
            h.watched.add(j.from_ms, j.from_ms + j.credit_ms);
            lesson_total += j.credit_ms;
            let p = &mut h.progress;
            if p.completed_at.is_none()
                && rules::complete(policy, h.lesson_ms, lesson_total, &h.watched)
            {
                p.completed_at = Some(now);
            }
            p.credited_ms = i64::try_from(lesson_total).unwrap_or(i64::MAX);
            p.position_ms =
                i64::try_from(std::cmp::min(input.beat.position_ms, h.lesson_ms)).unwrap_or(0);
            p.updated_at = now;
            h.progress_dirty = true;
            if j.credit_ms > 0 {
                h.credit_day(j.credit_ms);
                h.today_ms += j.credit_ms;
            }
        }
        let reply = BeatReply {
            accepted: j.accepted,
            credited_ms: j.credit_ms,
            lesson_credited_ms: lesson_total,
            complete: h.progress.completed_at.is_some(),
            irregularity: j.irregularity,
            irregularity_label: j.irregularity.map(|i| i.label()).unwrap_or(""),
            cleared: false,
            duplicate: false,
            check,
        };
        match j.irregularity {
            Some(why) if why.clears_by_default() => Ok(Step::Clear(why, reply)),
            Some(why) => {
                h.note(why, false, now);
                Ok(Step::Reply(reply))
            }
            None => Ok(Step::Reply(reply)),
        }
    }

    /// Record an irregularity of a session; one that clears (by the province's rules)
    /// clears the course's hours for the learner once per session, ends the session and
    /// is audited. Whether it cleared.
    async fn irregular<C: ConnectionTrait>(
        &self,
        txn: &C,
        who: &Principal,
        ctx: &RequestCtx,
        s: &session::Model,
        why: Irregularity,
        now: DateTime<Utc>,
    ) -> AppResult<bool> {
        let clears = why.clears_by_default();
        note(txn, s, why, clears, now).await?;
        if !clears {
            return Ok(false);
        }
        let already = clearing::Entity::find()
            .filter(clearing::Column::SessionId.eq(s.id.clone()))
            .one(txn)
            .await?;
        if already.is_some() {
            return Ok(false);
        }
        let before: Vec<progress::Model> = progress::Entity::find()
            .filter(progress::Column::UserId.eq(s.user_id.clone()))
            .filter(progress::Column::PackageId.eq(s.package_id.clone()))
            .filter(progress::Column::ClassId.eq(s.class_id.clone()))
            .all(txn)
            .await?;
        let cleared_ms: i64 = before.iter().map(|p| p.credited_ms).sum();
        let nth = clearing::Entity::find()
            .filter(clearing::Column::UserId.eq(s.user_id.clone()))
            .filter(clearing::Column::PackageId.eq(s.package_id.clone()))
            .filter(clearing::Column::ClassId.eq(s.class_id.clone()))
            .order_by_desc(clearing::Column::Nth)
            .one(txn)
            .await?
            .map(|c| c.nth)
            .unwrap_or(0)
            + 1;
        progress::Entity::update_many()
            .col_expr(progress::Column::CreditedMs, Expr::value(0i64))
            .col_expr(progress::Column::Watched, Expr::value("[]"))
            .col_expr(
                progress::Column::CompletedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(progress::Column::UpdatedAt, Expr::value(now))
            .filter(progress::Column::UserId.eq(s.user_id.clone()))
            .filter(progress::Column::PackageId.eq(s.package_id.clone()))
            .filter(progress::Column::ClassId.eq(s.class_id.clone()))
            .exec(txn)
            .await?;
        session::Entity::update_many()
            .col_expr(session::Column::Status, Expr::value(SessionStatus::Ended))
            .filter(session::Column::Id.eq(s.id.clone()))
            .exec(txn)
            .await?;
        let k = clearing::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            user_id: Set(s.user_id.clone()),
            package_id: Set(s.package_id.clone()),
            class_id: Set(s.class_id.clone()),
            nth: Set(nth),
            code: Set(why),
            session_id: Set(s.id.clone()),
            cleared_ms: Set(cleared_ms),
            at: Set(now),
        }
        .insert(txn)
        .await?;
        evidence::enter_clearing(txn, &k).await?;
        crate::audit::append(
            txn,
            self.keyring.audit_key(),
            now,
            who.into(),
            ctx,
            Entry::ok(
                "study.cleared",
                "study_session",
                &s.id,
                serde_json::json!({"package": s.package_id, "class": s.class_id, "reason": why.code(), "nth": nth, "cleared_ms": cleared_ms, "subsidy_lost": nth >= 2}),
            ),
        )
        .await?;
        Ok(true)
    }

    /// Answer the session's open watch check. Right: crediting goes on (a late answer is
    /// recorded as late) and the next check is scheduled; wrong: a new check at once.
    pub async fn answer_check(
        &self,
        who: &Principal,
        session_id: &str,
        check_id: &str,
        answer: &str,
    ) -> AppResult<CheckAnswered> {
        if let Some(shared) = self.study_shared.clone() {
            return self
                .answer_check_shared(&shared, who, session_id, check_id, answer)
                .await;
        }
        // A buffering node holds the session's lock through the write and tells the
        // state in memory what changed (the order everywhere: session, then database).
        let slot = self.study_buffer.as_ref().map(|b| b.slot(session_id));
        let mut g = match &slot {
            Some(s) => Some(s.lock().await),
            None => None,
        };
        let r = self
            .answer_check_in_db(who, session_id, check_id, answer)
            .await;
        if let (Ok((_, next, next_at)), Some(Some(h))) = (&r, g.as_deref_mut()) {
            h.open_check = next.clone();
            h.row.next_check_at = *next_at;
        }
        let empty = g.as_ref().is_some_and(|g| g.is_none());
        drop(g);
        drop(slot);
        if empty && let Some(b) = &self.study_buffer {
            b.drop_empty(session_id);
        }
        r.map(|(a, _, _)| a)
    }

    /// Several nodes: the answer written under the session's lease in Redis, and the state
    /// Redis holds told what changed.
    async fn answer_check_shared(
        &self,
        shared: &shared::Shared,
        who: &Principal,
        session_id: &str,
        check_id: &str,
        answer: &str,
    ) -> AppResult<CheckAnswered> {
        let lease = shared.lock(session_id).await?;
        let r = async {
            let (a, next, next_at) = self
                .answer_check_in_db(who, session_id, check_id, answer)
                .await?;
            match shared.read(session_id).await? {
                (Some(mut h), _) if h.row.user_id == who.user_id => {
                    h.open_check = next;
                    h.row.next_check_at = next_at;
                    shared.store(&lease, &h).await?;
                }
                _ => shared.release(&lease).await,
            }
            AppResult::Ok(a)
        }
        .await;
        if r.is_err() {
            shared.release(&lease).await;
        }
        r
    }

    /// The answer written: the verdict, the next check if one was asked at once, and when
    /// the next one falls due otherwise.
    async fn answer_check_in_db(
        &self,
        who: &Principal,
        session_id: &str,
        check_id: &str,
        answer: &str,
    ) -> AppResult<(CheckAnswered, Option<check::Model>, Option<DateTime<Utc>>)> {
        let policy = self.policy().await?;
        let txn = crate::tx::begin_write(&self.db).await?;
        let now = self.now();
        lock_learner(&txn, &who.user_id).await?;
        let s = session::Entity::find_by_id(session_id.to_string())
            .lock_exclusive()
            .one(&txn)
            .await?
            .filter(|s| s.user_id == who.user_id)
            .ok_or(AppError::NotFound("学习记录"))?;
        if s.status != SessionStatus::Active {
            return Err(AppError::Conflict("本次学习已结束，请重新打开课时".into()));
        }
        let c = check::Entity::find_by_id(check_id.to_string())
            .filter(check::Column::SessionId.eq(s.id.clone()))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("观看验证"))?;
        if c.outcome != CheckOutcome::Open {
            return Err(AppError::Conflict("该验证已作答".into()));
        }
        let right = rules::answer_matches(&c.expected, answer);
        let outcome = match (right, now <= c.due_at) {
            (true, true) => CheckOutcome::Passed,
            (true, false) => CheckOutcome::Late,
            (false, _) => CheckOutcome::Failed,
        };
        check::Entity::update_many()
            .col_expr(check::Column::Outcome, Expr::value(outcome))
            .col_expr(check::Column::AnsweredAt, Expr::value(Some(now)))
            .filter(check::Column::Id.eq(c.id.clone()))
            .exec(&txn)
            .await?;
        let (next, next_at) = if right {
            let at = next_check(&policy, now);
            session::Entity::update_many()
                .col_expr(session::Column::NextCheckAt, Expr::value(at))
                .filter(session::Column::Id.eq(s.id.clone()))
                .exec(&txn)
                .await?;
            (None, at)
        } else {
            (Some(ask(&txn, &s, &policy, now).await?), None)
        };
        txn.commit().await?;
        Ok((
            CheckAnswered {
                outcome,
                next: next.as_ref().map(CheckView::from),
            },
            next,
            next_at,
        ))
    }

    /// Courses a class may be given (seed 001 §19: public-welfare courses are free):
    /// listed, free, public-welfare ones, and those it bought seats of (a paid order).
    pub async fn assignable(&self, class_id: &str) -> AppResult<Vec<Assignable>> {
        let listed = package::Entity::find()
            .filter(package::Column::Listing.eq(ListingStatus::Listed))
            .all(&self.db)
            .await?;
        let versions = version::Entity::find()
            .filter(version::Column::Id.is_in(listed.iter().map(|p| p.listed_version_id.clone())))
            .filter(version::Column::TrainingType.eq(CourseTrainingType::PublicWelfare))
            .filter(version::Column::PriceFen.eq(0))
            .all(&self.db)
            .await?;
        let mut out: Vec<Assignable> = versions
            .into_iter()
            .map(|v| Assignable {
                package_id: v.package_id,
                name: v.name,
            })
            .collect();
        for o in self.orders().paid_of_class(class_id).await? {
            if !out.iter().any(|a| a.package_id == o.package_id) {
                out.push(Assignable {
                    package_id: o.package_id,
                    name: format!(
                        "{}（已购{}席）",
                        o.course_name,
                        o.quantity - o.refunded_seats
                    ),
                });
            }
        }
        Ok(out)
    }

    /// Publish a study task to a class of the caller's organisation (filed or in
    /// training): a listed course it may give (for now a free public-welfare one), from
    /// when to when. The class keeps the version listed today.
    pub async fn publish_task(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        class_id: &str,
        input: TaskInput,
    ) -> AppResult<TaskView> {
        let c = self.classes().own(who, class_id).await?;
        if !matches!(
            c.status,
            jineng_core::classes::ClassStatus::Approved
                | jineng_core::classes::ClassStatus::InTraining
        ) {
            return Err(AppError::Conflict("培训班备案后才能发布学习任务".into()));
        }
        if input.ends_on < input.starts_on {
            return Err(AppError::field("ends_on", "结束日期不能早于开始日期"));
        }
        // A course the class bought seats of: the version bought, listed or not since.
        let bought = self
            .orders()
            .bought_version(&c.id, &input.package_id)
            .await?;
        let p = package::Entity::find_by_id(input.package_id.clone())
            .one(&self.db)
            .await?
            .filter(|p| bought.is_some() || p.listing == ListingStatus::Listed)
            .ok_or_else(|| AppError::field("package_id", "课程不存在或未上架"))?;
        let v = version::Entity::find_by_id(
            bought
                .clone()
                .unwrap_or_else(|| p.listed_version_id.clone()),
        )
        .one(&self.db)
        .await?
        .ok_or_else(|| AppError::field("package_id", "课程不存在或未上架"))?;
        if !is_free(&v) && bought.is_none() {
            return Err(AppError::Conflict(
                "收费课程须先在“课程订购”中购买席位并支付，才能发布到班级；免费的公益性课程可直接发布".into(),
            ));
        }
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let inserted = task::ActiveModel {
            id: Set(id.clone()),
            class_id: Set(c.id.clone()),
            org_id: Set(c.org_id.clone()),
            package_id: Set(p.id.clone()),
            version_id: Set(v.id.clone()),
            starts_on: Set(input.starts_on.format("%Y-%m-%d").to_string()),
            ends_on: Set(input.ends_on.format("%Y-%m-%d").to_string()),
            free_seek: Set(input.free_seek),
            created_by: Set(who.user_id.clone()),
            created_at: Set(w.now),
        }
        .insert(&w.txn)
        .await;
        if let Err(e) = inserted {
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) {
                return Err(AppError::Conflict("该课程已发布到本班".into()));
            }
            return Err(e.into());
        }
        w.commit(Entry::ok(
            "study.task_publish",
            "class",
            &c.id,
            serde_json::json!({"task": id, "package": p.id, "version": v.id, "starts_on": input.starts_on, "ends_on": input.ends_on}),
        ))
        .await?;
        self.tasks_of(&c.id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(AppError::NotFound("学习任务"))
    }

    /// A class's study tasks, for who may see the class (its learners find theirs in
    /// 我的学习).
    pub async fn tasks(&self, who: &Principal, class_id: &str) -> AppResult<Vec<TaskView>> {
        self.classes().get(who, class_id).await?;
        self.tasks_of(class_id).await
    }

    async fn tasks_of(&self, class_id: &str) -> AppResult<Vec<TaskView>> {
        let rows = task::Entity::find()
            .filter(task::Column::ClassId.eq(class_id))
            .order_by_asc(task::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for t in rows {
            let v = version::Entity::find_by_id(t.version_id.clone())
                .one(&self.db)
                .await?;
            let secs: i64 = lesson::Entity::find()
                .filter(lesson::Column::VersionId.eq(t.version_id.clone()))
                .all(&self.db)
                .await?
                .iter()
                .filter_map(|l| l.seconds)
                .sum();
            out.push(TaskView {
                hours_tenths: rules::tenths_of_hours(u64::try_from(secs).unwrap_or(0) * 1000),
                name: v.map(|v| v.name).unwrap_or_default(),
                id: t.id,
                class_id: t.class_id,
                package_id: t.package_id,
                version_id: t.version_id,
                starts_on: t.starts_on,
                ends_on: t.ends_on,
                free_seek: t.free_seek,
            });
        }
        Ok(out)
    }

    /// Each learner of a class the caller may see, with the time credited for the class.
    pub async fn class_study(
        &self,
        who: &Principal,
        class_id: &str,
    ) -> AppResult<Vec<LearnerStudy>> {
        let (_, learners) = self.classes().get(who, class_id).await?;
        self.settle(None).await?;
        let tasks = self.tasks_of(class_id).await?;
        let lessons_total: usize = {
            let mut n = 0;
            for t in &tasks {
                n += lesson::Entity::find()
                    .filter(lesson::Column::VersionId.eq(t.version_id.clone()))
                    .filter(lesson::Column::Seconds.is_not_null())
                    .all(&self.db)
                    .await?
                    .len();
            }
            n
        };
        let rows = progress::Entity::find()
            .filter(progress::Column::ClassId.eq(class_id))
            .all(&self.db)
            .await?;
        let irregular = irregularity::Entity::find()
            .filter(irregularity::Column::ClassId.eq(class_id))
            .all(&self.db)
            .await?;
        let clearings = clearing::Entity::find()
            .filter(clearing::Column::ClassId.eq(class_id))
            .all(&self.db)
            .await?;
        Ok(learners
            .into_iter()
            .map(|l| {
                let mine: Vec<&progress::Model> =
                    rows.iter().filter(|p| p.user_id == l.user_id).collect();
                let ms: i64 = mine.iter().map(|p| p.credited_ms).sum();
                LearnerStudy {
                    credited_tenths: rules::tenths_of_hours(u64::try_from(ms).unwrap_or(0)),
                    lessons_done: mine.iter().filter(|p| p.completed_at.is_some()).count(),
                    lessons_total,
                    irregularities: irregular
                        .iter()
                        .filter(|i| i.user_id == l.user_id)
                        .map(|i| i.count)
                        .sum(),
                    clearings: clearings.iter().filter(|c| c.user_id == l.user_id).count() as u64,
                    user_id: l.user_id,
                    name: l.name,
                }
            })
            .collect())
    }

    /// End a session (the learner closed the lesson).
    pub async fn end(&self, who: &Principal, session_id: &str) -> AppResult<()> {
        if let Some(shared) = self.study_shared.clone() {
            let lease = shared.lock(session_id).await?;
            let r = self.end_shared(&shared, &lease, who, session_id).await;
            if r.is_err() {
                shared.release(&lease).await;
            }
            return r;
        }
        // A buffering node writes what it holds of the session with the end, and lets it
        // go from memory (a heartbeat after it loads the ended row and is refused).
        let slot = self.study_buffer.as_ref().map(|b| b.slot(session_id));
        let mut g = match &slot {
            Some(s) => Some(s.lock().await),
            None => None,
        };
        let txn = crate::tx::begin_write(&self.db).await?;
        if let Some(Some(h)) = g.as_deref()
            && h.row.user_id == who.user_id
        {
            hot::write(&txn, &[h]).await?;
        }
        if !self.end_row(&txn, session_id, &who.user_id).await? {
            drop(txn);
            let empty = g.as_ref().is_some_and(|g| g.is_none());
            drop(g);
            drop(slot);
            if empty && let Some(b) = &self.study_buffer {
                b.drop_empty(session_id);
            }
            return Err(AppError::NotFound("学习记录"));
        }
        txn.commit().await?;
        if let Some(g) = g.as_deref_mut() {
            *g = None;
        }
        drop(g);
        drop(slot);
        if let Some(b) = &self.study_buffer {
            b.forget(session_id);
        }
        Ok(())
    }

    /// Mark the caller's session ended; whether it was theirs.
    async fn end_row<C: ConnectionTrait>(
        &self,
        c: &C,
        session_id: &str,
        user_id: &str,
    ) -> AppResult<bool> {
        let r = session::Entity::update_many()
            .col_expr(session::Column::Status, Expr::value(SessionStatus::Ended))
            .col_expr(session::Column::UpdatedAt, Expr::value(self.now()))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::UserId.eq(user_id))
            .exec(c)
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// Several nodes: what Redis holds of the session is written with the end, under a
    /// flight's name, and the session leaves Redis.
    async fn end_shared(
        &self,
        shared: &shared::Shared,
        lease: &jineng_limits::held::Lease,
        who: &Principal,
        session_id: &str,
    ) -> AppResult<()> {
        let held = shared
            .read(session_id)
            .await?
            .0
            .filter(|h| h.row.user_id == who.user_id);
        let flight = match &held {
            Some(_) => Some(shared.take_own(lease).await?),
            None => None,
        };
        let written = async {
            let txn = crate::tx::begin_write(&self.db).await?;
            if let Some(h) = &held {
                hot::write(&txn, &[h]).await?;
            }
            if !self.end_row(&txn, session_id, &who.user_id).await? {
                return Err(AppError::NotFound("学习记录"));
            }
            if let Some(f) = &flight {
                shared::name_flight(&txn, f, 1, self.now()).await?;
            }
            txn.commit().await?;
            AppResult::Ok(())
        }
        .await;
        match (written, flight) {
            (Ok(()), Some(f)) => {
                shared.landed(&f).await;
                shared.forget(lease, &who.user_id).await;
                Ok(())
            }
            (Ok(()), None) => {
                shared.forget(lease, &who.user_id).await;
                Ok(())
            }
            (Err(e), Some(f)) => {
                shared.abandon(&f).await;
                Err(e)
            }
            (Err(e), None) => Err(e),
        }
    }

    /// The caller's courses with progress per lesson, irregularities and clearings.
    pub async fn mine(&self, who: &Principal) -> AppResult<Vec<CourseProgress>> {
        self.settle(Some(&who.user_id)).await?;
        self.courses_of(&who.user_id, None).await
    }

    /// A learner's courses with progress: all of them, or only those of one class (its
    /// study tasks, studied or not yet).
    pub(crate) async fn courses_of(
        &self,
        user_id: &str,
        only_class: Option<&str>,
    ) -> AppResult<Vec<CourseProgress>> {
        let rows = progress::Entity::find()
            .filter(progress::Column::UserId.eq(user_id))
            .apply_if(only_class, |q, c| q.filter(progress::Column::ClassId.eq(c)))
            .all(&self.db)
            .await?;
        let irregular = irregularity::Entity::find()
            .filter(irregularity::Column::UserId.eq(user_id))
            .apply_if(only_class, |q, c| {
                q.filter(irregularity::Column::ClassId.eq(c))
            })
            .all(&self.db)
            .await?;
        let clearings = clearing::Entity::find()
            .filter(clearing::Column::UserId.eq(user_id))
            .apply_if(only_class, |q, c| q.filter(clearing::Column::ClassId.eq(c)))
            .all(&self.db)
            .await?;
        let mut keys: Vec<(String, String, String)> = rows
            .iter()
            .map(|p| {
                (
                    p.package_id.clone(),
                    p.version_id.clone(),
                    p.class_id.clone(),
                )
            })
            .collect();
        // The courses of the learner's classes' study tasks, studied or not yet.
        let classes: Vec<String> = match only_class {
            Some(c) => vec![c.to_string()],
            None => jineng_store::classes::enrollment::Entity::find()
                .filter(jineng_store::classes::enrollment::Column::UserId.eq(user_id))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|e| e.class_id)
                .collect(),
        };
        for t in task::Entity::find()
            .filter(task::Column::ClassId.is_in(classes))
            .all(&self.db)
            .await?
        {
            keys.push((t.package_id, t.version_id, t.class_id));
        }
        keys.sort();
        keys.dedup();
        let mut out = Vec::new();
        for (package_id, version_id, class_id) in keys {
            let v = version::Entity::find_by_id(version_id.clone())
                .one(&self.db)
                .await?;
            let chapters: std::collections::HashMap<String, i32> =
                jineng_store::courses::chapter::Entity::find()
                    .filter(
                        jineng_store::courses::chapter::Column::VersionId.eq(version_id.clone()),
                    )
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|c| (c.id, c.position))
                    .collect();
            let mut lessons = lesson::Entity::find()
                .filter(lesson::Column::VersionId.eq(version_id.clone()))
                .all(&self.db)
                .await?;
            // In the course's order: chapter by chapter.
            lessons.sort_by_key(|l| {
                (
                    chapters.get(&l.chapter_id).copied().unwrap_or(i32::MAX),
                    l.position,
                )
            });
            let mine: Vec<&progress::Model> = rows
                .iter()
                .filter(|p| p.package_id == package_id && p.class_id == class_id)
                .collect();
            let lessons: Vec<LessonProgress> = lessons
                .into_iter()
                .filter(|l| l.kind != LessonKind::Text || l.seconds.is_some())
                .map(|l| {
                    let p = mine.iter().find(|p| p.lesson_id == l.id);
                    LessonProgress {
                        lesson_ms: l.seconds.and_then(|s| u64::try_from(s).ok()).unwrap_or(0)
                            * 1000,
                        credited_ms: p
                            .map(|p| u64::try_from(p.credited_ms).unwrap_or(0))
                            .unwrap_or(0),
                        position_ms: p
                            .map(|p| u64::try_from(p.position_ms).unwrap_or(0))
                            .unwrap_or(0),
                        complete: p.is_some_and(|p| p.completed_at.is_some()),
                        lesson_id: l.id,
                        title: l.title,
                        kind: l.kind,
                    }
                })
                .collect();
            let total: u64 = lessons.iter().map(|l| l.credited_ms).sum();
            let n_clear = clearings
                .iter()
                .filter(|c| c.package_id == package_id && c.class_id == class_id)
                .count() as u64;
            let mut irr: Vec<IrregularityView> = Vec::new();
            for i in irregular
                .iter()
                .filter(|i| i.package_id == package_id && i.class_id == class_id)
            {
                match irr.iter_mut().find(|x| x.code == i.code) {
                    Some(x) => {
                        x.count += i.count;
                        x.last_at = std::cmp::max(x.last_at, i.last_at);
                    }
                    None => irr.push(IrregularityView {
                        code: i.code,
                        label: i.code.label(),
                        count: i.count,
                        clears: i.clears,
                        last_at: i.last_at,
                    }),
                }
            }
            out.push(CourseProgress {
                name: v.map(|v| v.name).unwrap_or_default(),
                credited_tenths: rules::tenths_of_hours(total),
                lessons_done: lessons.iter().filter(|l| l.complete).count(),
                lessons,
                clearings: n_clear,
                subsidy_lost: n_clear >= 2,
                irregularities: irr,
                package_id,
                version_id,
                class_id,
            });
        }
        Ok(out)
    }
}

async fn lock_learner<C: ConnectionTrait>(txn: &C, user_id: &str) -> AppResult<()> {
    jineng_store::accounts::user::Entity::find_by_id(user_id.to_string())
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(())
}

/// Count an irregularity on its session (one row per session and reason).
async fn note<C: ConnectionTrait>(
    txn: &C,
    s: &session::Model,
    why: Irregularity,
    clears: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    irregularity::Entity::insert(irregularity::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        session_id: Set(s.id.clone()),
        user_id: Set(s.user_id.clone()),
        lesson_id: Set(s.lesson_id.clone()),
        package_id: Set(s.package_id.clone()),
        class_id: Set(s.class_id.clone()),
        code: Set(why),
        clears: Set(clears),
        count: Set(1),
        first_at: Set(now),
        last_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([irregularity::Column::SessionId, irregularity::Column::Code])
            .value(
                irregularity::Column::Count,
                Expr::col((irregularity::Entity, irregularity::Column::Count)).add(1),
            )
            .value(irregularity::Column::LastAt, Expr::value(now))
            .to_owned(),
    )
    .exec(txn)
    .await?;
    Ok(())
}
