//! The one write path. A use case opens a `Write` (a transaction that on SQLite already
//! holds the write lock), makes its changes through `w.txn`, and ends with
//! `w.commit(entry)`, which appends the audit record as the last write and commits. A
//! `Write` dropped without `commit` rolls back, so nothing is ever half-written and no
//! change lands without its audit record.

use crate::App;
use crate::audit::{self, Actor, Entry};
use crate::context::RequestCtx;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, DbErr, SqlErr, UpdateResult};
use std::sync::{Arc, OnceLock};
use tokio::sync::Notify;

/// A change in progress.
pub(crate) struct Write<'a> {
    pub txn: DatabaseTransaction,
    /// The time of the change, read once so every row and the audit record agree.
    pub now: DateTime<Utc>,
    actor: Actor<'a>,
    ctx: &'a RequestCtx,
    /// Job workers to wake once the change (and the jobs it enqueued) is committed.
    wake: OnceLock<Arc<Notify>>,
    /// Holds the audit chain's key.
    keyring: Arc<crate::crypto::pii::Keyring>,
}

impl App {
    /// Begin a change made by `actor`.
    pub(crate) async fn write<'a>(
        &self,
        actor: impl Into<Actor<'a>>,
        ctx: &'a RequestCtx,
    ) -> AppResult<Write<'a>> {
        Ok(Write {
            txn: crate::tx::begin_write(&self.db).await?,
            now: self.now(),
            actor: actor.into(),
            ctx,
            wake: OnceLock::new(),
            keyring: self.keyring.clone(),
        })
    }
}

impl Write<'_> {
    /// The id of whoever makes the change.
    pub fn actor_id(&self) -> String {
        self.actor.id.to_string()
    }

    /// Append an audit record in someone's name without ending the change (a change that
    /// is several auditable acts: a registration that also creates an account).
    pub async fn audit_as(&self, actor: Actor<'_>, e: Entry<'_>) -> AppResult<()> {
        audit::append(
            &self.txn,
            self.keyring.audit_key(),
            self.now,
            actor,
            self.ctx,
            e,
        )
        .await?;
        Ok(())
    }

    /// Commit a change whose audit records were all appended with `audit_as`.
    pub async fn commit_audited(self) -> AppResult<()> {
        self.finish().await
    }

    /// Wake these workers after the commit (jobs were enqueued).
    pub fn wake_after_commit(&self, workers: Arc<Notify>) {
        let _ = self.wake.set(workers);
    }

    /// Append the audit record as the last write and commit.
    pub async fn commit(self, e: Entry<'_>) -> AppResult<()> {
        audit::append(
            &self.txn,
            self.keyring.audit_key(),
            self.now,
            self.actor,
            self.ctx,
            e,
        )
        .await?;
        self.finish().await
    }

    async fn finish(self) -> AppResult<()> {
        self.txn.commit().await?;
        if let Some(w) = self.wake.get() {
            w.notify_waiters();
        }
        Ok(())
    }
}

/// A conditional update (`… WHERE status = <as read>`) must touch exactly one row; if it
/// touched none, someone else changed the record meanwhile.
pub(crate) fn one_row(res: UpdateResult, conflict: &str) -> AppResult<()> {
    if res.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(conflict.to_string()))
    }
}

/// Turn a unique-constraint violation into the given answer; other errors stay internal.
pub(crate) trait OnUnique<T> {
    fn on_unique(self, answer: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T> OnUnique<T> for Result<T, DbErr> {
    fn on_unique(self, answer: impl FnOnce() -> AppError) -> AppResult<T> {
        self.map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => answer(),
            _ => e.into(),
        })
    }
}
