//! Background jobs. Work that can wait (a learner import today; transcoding, evidence-log
//! publication, payment reconciliation later) is enqueued with `enqueue` inside the
//! transaction of the change that causes it, so it exists exactly when the change does.
//! Workers on any node claim due jobs under a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL; SQLite has one writer), renew the lease while they run, and record the
//! outcome: done, queued again with backoff, or failed. A job whose worker died is taken
//! by another once the lease runs out, so handlers must be safe to run again.

use crate::App;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::page::{self, Page, PageRequest};
use crate::write::Write;
use chrono::{DateTime, Duration, Utc};
use jineng_core::accounts::Permission;
use jineng_core::jobs::{JobKind, JobState, backoff_seconds};
use jineng_store::jobs::job;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde::Serialize;
use std::sync::Arc;

/// How long a claimed job is a worker's before another may take it, unless configured
/// (`App::with_job_lease`); the lease is renewed every third of it while the job runs.
pub const LEASE_SECONDS: i64 = 60;
/// How often idle workers look for due jobs (an enqueue on this node wakes them at once).
const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// Attempts before a job that keeps failing is given up.
pub const DEFAULT_ATTEMPTS: i32 = 3;

/// Why a handler stopped.
#[derive(Debug)]
pub(crate) enum JobError {
    /// Worth trying again later (storage or database briefly unavailable).
    Retry(String),
    /// Trying again cannot help (bad input); the job fails now.
    Fatal(String),
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Internal(m) | AppError::Unavailable(m) => JobError::Retry(m),
            other => JobError::Fatal(other.to_string()),
        }
    }
}

/// A job as the system admin sees it.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    pub kind: JobKind,
    pub kind_label: &'static str,
    pub state: JobState,
    pub state_label: &'static str,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The worker that holds a running job (`host:pid:random-n`), and until when.
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl From<job::Model> for JobView {
    fn from(j: job::Model) -> Self {
        JobView {
            kind_label: j.kind.label(),
            state_label: j.state.label(),
            id: j.id,
            kind: j.kind,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            last_error: j.last_error,
            created_at: j.created_at,
            finished_at: j.finished_at,
            locked_by: j.locked_by,
            locked_until: j.locked_until,
        }
    }
}

/// Enqueue `kind` in the change `w`. A second enqueue with the same key is a no-op that
/// returns the first job's id. Workers on this node are woken when `w` commits.
pub(crate) async fn enqueue(
    app: &App,
    w: &Write<'_>,
    kind: JobKind,
    key: &str,
    payload: serde_json::Value,
) -> AppResult<String> {
    enqueue_at(app, w, kind, key, payload, w.now).await
}

/// Enqueue `kind` to run no earlier than `run_at` (see [`enqueue`]).
pub(crate) async fn enqueue_at(
    app: &App,
    w: &Write<'_>,
    kind: JobKind,
    key: &str,
    payload: serde_json::Value,
    run_at: DateTime<Utc>,
) -> AppResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    // `ON CONFLICT DO NOTHING` rather than catching the unique violation: on PostgreSQL a
    // failed statement would abort the whole change.
    let inserted = job::Entity::insert(job::ActiveModel {
        id: Set(id.clone()),
        kind: Set(kind),
        payload: Set(payload.to_string()),
        idempotency_key: Set(key.to_string()),
        state: Set(JobState::Queued),
        attempts: Set(0),
        max_attempts: Set(match kind {
            JobKind::WebhookDeliver => crate::open_api::webhooks::DELIVERY_ATTEMPTS,
            _ => DEFAULT_ATTEMPTS,
        }),
        run_at: Set(run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(String::new()),
        created_at: Set(w.now),
        updated_at: Set(w.now),
        finished_at: Set(None),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(job::Column::IdempotencyKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&w.txn)
    .await?;
    if inserted == 1 {
        w.wake_after_commit(app.jobs_wake.clone());
        return Ok(id);
    }
    job::Entity::find()
        .filter(job::Column::IdempotencyKey.eq(key))
        .one(&w.txn)
        .await?
        .map(|j| j.id)
        .ok_or_else(|| AppError::Internal("job key taken but not found".into()))
}

bounded_context!(
    /// Background jobs: the system admin's view, retries, and the workers.
    Jobs,
    jobs
);

impl Jobs<'_> {
    fn admin_only(who: &Principal) -> AppResult<()> {
        if who.can(Permission::ManageSettings) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Jobs, newest first, optionally in one state.
    pub async fn list(
        &self,
        who: &Principal,
        state: Option<JobState>,
        r: PageRequest,
    ) -> AppResult<Page<JobView>> {
        Self::admin_only(who)?;
        let mut q = job::Entity::find();
        if let Some(s) = state {
            q = q.filter(job::Column::State.eq(s));
        }
        Ok(
            page::fetch(&self.db, q.order_by_desc(job::Column::CreatedAt), r)
                .await?
                .map(Into::into),
        )
    }

    /// Jobs not done, by kind and state (for `/metrics`: queue depth, running, failed).
    pub async fn counts(&self) -> AppResult<Vec<(JobKind, JobState, i64)>> {
        let rows: Vec<(JobKind, JobState, i64)> = job::Entity::find()
            .select_only()
            .column(job::Column::Kind)
            .column(job::Column::State)
            .column_as(job::Column::Id.count(), "n")
            .filter(job::Column::State.ne(JobState::Done))
            .group_by(job::Column::Kind)
            .group_by(job::Column::State)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows)
    }

    /// Queue a failed job again now, with a fresh set of attempts.
    pub async fn retry(&self, who: &Principal, ctx: &RequestCtx, id: &str) -> AppResult<JobView> {
        Self::admin_only(who)?;
        let j = job::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("后台任务"))?;
        if j.state != JobState::Failed {
            return Err(AppError::Conflict(format!(
                "任务当前状态为“{}”，只有失败的任务可以重试",
                j.state.label()
            )));
        }
        let w = self.write(who, ctx).await?;
        crate::write::one_row(
            job::Entity::update_many()
                .col_expr(job::Column::State, Expr::value(JobState::Queued))
                .col_expr(job::Column::Attempts, Expr::value(0))
                .col_expr(job::Column::RunAt, Expr::value(w.now))
                .col_expr(job::Column::UpdatedAt, Expr::value(w.now))
                .col_expr(
                    job::Column::FinishedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(job::Column::Id.eq(j.id.clone()))
                .filter(job::Column::State.eq(JobState::Failed))
                .exec(&w.txn)
                .await?,
            "任务状态刚刚变化，请刷新后重试",
        )?;
        w.wake_after_commit(self.jobs_wake.clone());
        w.commit(Entry::ok(
            "job.retry",
            "job",
            &j.id,
            serde_json::json!({"kind": j.kind, "last_error": j.last_error}),
        ))
        .await?;
        Ok(job::Entity::find_by_id(j.id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("后台任务"))?
            .into())
    }

    /// Claim the oldest due job for `worker`, if any.
    async fn claim(&self, worker: &str) -> AppResult<Option<job::Model>> {
        let now = self.now();
        let txn = crate::tx::begin_write(&self.db).await?;
        let due = Condition::any()
            .add(
                Condition::all()
                    .add(job::Column::State.eq(JobState::Queued))
                    .add(job::Column::RunAt.lte(now)),
            )
            .add(
                Condition::all()
                    .add(job::Column::State.eq(JobState::Running))
                    .add(job::Column::LockedUntil.lt(now)),
            );
        let mut q = job::Entity::find()
            .filter(due)
            .order_by_asc(job::Column::RunAt)
            .limit(1);
        if !jineng_store::db::is_sqlite(&txn) {
            // Other nodes skip the row this one is taking instead of waiting for it.
            q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(j) = q.one(&txn).await? else {
            txn.commit().await?;
            return Ok(None);
        };
        let until = now + self.job_lease;
        job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(JobState::Running))
            .col_expr(job::Column::LockedBy, Expr::value(Some(worker.to_string())))
            .col_expr(job::Column::LockedUntil, Expr::value(Some(until)))
            .col_expr(
                job::Column::Attempts,
                Expr::col(job::Column::Attempts).add(1),
            )
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(j.id.clone()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(Some(job::Model {
            state: JobState::Running,
            locked_by: Some(worker.to_string()),
            locked_until: Some(until),
            attempts: j.attempts + 1,
            ..j
        }))
    }

    /// Extend the lease of a job this worker still holds.
    async fn renew(&self, id: &str, worker: &str) -> AppResult<()> {
        job::Entity::update_many()
            .col_expr(
                job::Column::LockedUntil,
                Expr::value(Some(self.now() + self.job_lease)),
            )
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::LockedBy.eq(worker))
            .filter(job::Column::State.eq(JobState::Running))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Run one due job, if there is one. Returns whether a job ran.
    pub async fn run_due(&self, worker: &str) -> AppResult<bool> {
        let Some(j) = self.claim(worker).await? else {
            return Ok(false);
        };
        let outcome = {
            let run = self.handle(&j);
            tokio::pin!(run);
            let renew_every = (self.job_lease / 3)
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(1));
            let mut tick = tokio::time::interval(renew_every);
            tick.tick().await;
            loop {
                tokio::select! {
                    r = &mut run => break r,
                    _ = tick.tick() => {
                        if let Err(e) = self.renew(&j.id, worker).await {
                            tracing::warn!(job = %j.id, error = %e, "could not renew a job lease");
                        }
                    }
                }
            }
        };
        self.settle(&j, worker, outcome).await?;
        Ok(true)
    }

    /// The handler of each kind.
    async fn handle(&self, j: &job::Model) -> Result<(), JobError> {
        match j.kind {
            JobKind::LearnerImport => self.learners().run_import(&j.payload).await,
            JobKind::WitnessPush => self.ledger().push_to_witness(&j.payload).await,
            JobKind::LedgerVerify => self.ledger().verify_job(&j.payload).await,
            JobKind::MediaProcess => self.courses().process_media(&j.payload).await,
            JobKind::StudyDayClose => self.study().close_day_job(&j.payload).await,
            JobKind::ExamDeadline => self.exams().deadline_job(&j.payload).await,
            JobKind::SandboxNotify => self.sandbox().notify_job(&j.payload).await,
            JobKind::SandboxBank => self.subsidies().sandbox_bank_job(&j.payload).await,
            JobKind::WebhookDeliver => self.open_api().deliver_job(&j.payload).await,
            JobKind::Reconcile => self.orders().reconcile_job(&j.payload).await,
        }
    }

    /// What a kind does when its job is given up.
    async fn give_up(&self, j: &job::Model, why: &str) -> AppResult<()> {
        match j.kind {
            JobKind::LearnerImport => self.learners().import_given_up(&j.payload, why).await,
            JobKind::MediaProcess => self.courses().media_given_up(&j.payload, why).await,
            // The witness's row and the job itself keep the reason; nothing else to undo.
            // An attempt left open is marked when it is next read, or by a new start.
            JobKind::WitnessPush
            | JobKind::LedgerVerify
            | JobKind::StudyDayClose
            | JobKind::ExamDeadline => Ok(()),
            // The order stays unpaid; opening it asks the gateway again (a query).
            JobKind::SandboxNotify => Ok(()),
            // The batch stays sent; its payouts pending until a return file is uploaded.
            JobKind::SandboxBank => Ok(()),
            // The event keeps its attempts; the provider can ask for it again.
            JobKind::WebhookDeliver => Ok(()),
            // The day stays unreconciled (or as last reconciled); an operator may ask again.
            JobKind::Reconcile => Ok(()),
        }
    }

    async fn settle(
        &self,
        j: &job::Model,
        worker: &str,
        outcome: Result<(), JobError>,
    ) -> AppResult<()> {
        let now = self.now();
        let mine = Condition::all()
            .add(job::Column::Id.eq(j.id.clone()))
            .add(job::Column::LockedBy.eq(worker));
        let release = |q: sea_orm::UpdateMany<job::Entity>| {
            q.col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
                .col_expr(
                    job::Column::LockedUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(job::Column::UpdatedAt, Expr::value(now))
                .filter(mine.clone())
        };
        match outcome {
            Ok(()) => {
                release(job::Entity::update_many())
                    .col_expr(job::Column::State, Expr::value(JobState::Done))
                    .col_expr(job::Column::FinishedAt, Expr::value(Some(now)))
                    .exec(&self.db)
                    .await?;
            }
            Err(JobError::Retry(why)) if j.attempts < j.max_attempts => {
                tracing::warn!(job = %j.id, kind = j.kind.code(), attempt = j.attempts, error = %why, "job failed; will retry");
                release(job::Entity::update_many())
                    .col_expr(job::Column::State, Expr::value(JobState::Queued))
                    .col_expr(
                        job::Column::RunAt,
                        Expr::value(now + Duration::seconds(backoff_seconds(j.attempts))),
                    )
                    .col_expr(job::Column::LastError, Expr::value(why))
                    .exec(&self.db)
                    .await?;
            }
            Err(JobError::Retry(why)) | Err(JobError::Fatal(why)) => {
                tracing::error!(job = %j.id, kind = j.kind.code(), error = %why, "job failed");
                release(job::Entity::update_many())
                    .col_expr(job::Column::State, Expr::value(JobState::Failed))
                    .col_expr(job::Column::FinishedAt, Expr::value(Some(now)))
                    .col_expr(job::Column::LastError, Expr::value(why.clone()))
                    .exec(&self.db)
                    .await?;
                self.give_up(j, &why).await?;
            }
        }
        Ok(())
    }

    /// At the start of a single-node (embedded) deployment, jobs marked running were cut
    /// off by the previous stop: they are queued again at once instead of after the lease.
    pub async fn recover(&self) -> AppResult<u64> {
        let txn = self.db.begin().await?;
        let res = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(JobState::Queued))
            .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(
                job::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(job::Column::State.eq(JobState::Running))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(res.rows_affected)
    }
}

impl App {
    /// Start `n` workers on this node. They stop when the runtime does; a job they held
    /// is taken by another worker once its lease runs out.
    pub fn start_workers(&self, n: usize) -> Vec<tokio::task::JoinHandle<()>> {
        let node = worker_prefix();
        (0..n.max(1))
            .map(|i| {
                let app = self.clone();
                let worker = format!("{node}-{i}");
                tokio::spawn(async move {
                    let wake: Arc<tokio::sync::Notify> = app.jobs_wake.clone();
                    loop {
                        match app.jobs().run_due(&worker).await {
                            Ok(true) => continue,
                            Ok(false) => {}
                            Err(e) => tracing::error!(%worker, error = %e, "job worker"),
                        }
                        tokio::select! {
                            _ = wake.notified() => {}
                            _ = tokio::time::sleep(POLL_EVERY) => {}
                        }
                    }
                })
            })
            .collect()
    }
}

/// This process's workers' name: host, process id and a random part (a process id is
/// reused after a restart), so that the jobs list shows which node holds a job.
fn worker_prefix() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().chars().take(40).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_string());
    let random = uuid::Uuid::now_v7().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &random[26..])
}
