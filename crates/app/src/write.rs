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
use jineng_core::exchange::Dataset;
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
    /// Records of exchange datasets this change touched, for the feeds' change log.
    touched: std::sync::Mutex<Vec<(Dataset, String)>>,
    /// The sequence number of the last audit record appended.
    seq: std::sync::Mutex<Option<i64>>,
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
            touched: Default::default(),
            seq: Default::default(),
        })
    }
}

impl Write<'_> {
    /// Hold the person's account row until the change ends (`FOR UPDATE` on PostgreSQL;
    /// SQLite's change already holds the write lock): their own changes run one after
    /// another, so a cap on how many rows one person may add holds under concurrency.
    pub async fn lock_person(&self, user_id: &str) -> AppResult<()> {
        use sea_orm::{EntityTrait, QuerySelect};
        jineng_store::accounts::user::Entity::find_by_id(user_id.to_string())
            .lock_exclusive()
            .one(&self.txn)
            .await?;
        Ok(())
    }

    /// The id of whoever makes the change.
    pub fn actor_id(&self) -> String {
        self.actor.id.to_string()
    }

    /// Append an audit record in someone's name without ending the change (a change that
    /// is several auditable acts: a registration that also creates an account).
    pub async fn audit_as(&self, actor: Actor<'_>, e: Entry<'_>) -> AppResult<()> {
        let seq = audit::append(
            &self.txn,
            self.keyring.audit_key(),
            self.now,
            actor,
            self.ctx,
            e,
        )
        .await?;
        self.set_seq(seq);
        Ok(())
    }

    /// Note that the record `id` of an exchange dataset changed: at commit it goes into
    /// the change log under this change's audit sequence number, so the feeds deliver it
    /// in commit order.
    pub fn touch(&self, dataset: Dataset, id: &str) {
        if let Ok(mut t) = self.touched.lock() {
            t.push((dataset, id.to_string()));
        }
    }

    fn set_seq(&self, seq: i64) {
        if let Ok(mut s) = self.seq.lock() {
            *s = Some(seq);
        }
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
        let seq = audit::append(
            &self.txn,
            self.keyring.audit_key(),
            self.now,
            self.actor,
            self.ctx,
            e,
        )
        .await?;
        self.set_seq(seq);
        self.finish().await
    }

    async fn finish(self) -> AppResult<()> {
        let touched = self
            .touched
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        let seq = self.seq.lock().ok().and_then(|s| *s);
        if let Some(seq) = seq
            && !touched.is_empty()
        {
            let rows: std::collections::BTreeSet<(Dataset, String)> = touched.into_iter().collect();
            for chunk in rows.into_iter().collect::<Vec<_>>().chunks(2000) {
                <jineng_store::exchange::change::Entity as sea_orm::EntityTrait>::insert_many(
                    chunk
                        .iter()
                        .map(|(d, id)| jineng_store::exchange::change::ActiveModel {
                            dataset: sea_orm::Set(d.code().to_string()),
                            seq: sea_orm::Set(seq),
                            record_id: sea_orm::Set(id.clone()),
                        }),
                )
                .exec(&self.txn)
                .await?;
            }
        }
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
