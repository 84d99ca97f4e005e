//! The one review flow: a reviewer approves a submitted record, or returns it with a
//! reason the applicant sees; each decision is kept in `review_decisions` and audited.
//! Registrations, occupation declarations, teachers in the pool and class filings are
//! decided through `App::decide`; each kind says only how its record moves
//! (`Reviewed::apply`). Coming kinds (courses, solicitations, subsidy claims) plug in
//! the same way.

use crate::App;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::scope::Scoped;
use crate::write::Write;
use chrono::{DateTime, Utc};
use jineng_core::accounts::Permission;
use jineng_core::review::{Decision, ReviewSubject, Verdict, VerdictError};
use jineng_store::reviews::decision;
use sea_orm::{ColumnTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::future::Future;

/// A kind of record that is reviewed.
pub(crate) trait Reviewed: Scoped
where
    <Self::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    const SUBJECT: ReviewSubject;

    /// Check that `row` may be decided now and move it, inside `w`, with a conditional
    /// update from the state it was read in. Returns what the audit record should say
    /// changed.
    fn apply<'a>(
        app: &'a App,
        w: &'a Write<'_>,
        row: &'a Self::Model,
        v: &'a Verdict,
    ) -> impl Future<Output = AppResult<serde_json::Value>> + Send + 'a;
}

/// A decision as shown in a record's history.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewRecord {
    pub decision: Decision,
    pub decision_label: &'static str,
    pub reason: String,
    pub reviewer_name: String,
    pub decided_at: DateTime<Utc>,
}

impl From<VerdictError> for AppError {
    fn from(e: VerdictError) -> Self {
        AppError::field("reason", e.to_string())
    }
}

/// Parse a decision and its reason as typed by a reviewer.
pub fn verdict(decision: Decision, reason: &str) -> AppResult<Verdict> {
    Ok(Verdict::new(decision, reason)?)
}

impl App {
    /// Decide a submitted record of kind `S` within the caller's review scope.
    pub(crate) async fn decide<S>(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        v: &Verdict,
    ) -> AppResult<()>
    where
        S: Reviewed,
        <S::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
        S::Model: Sync,
    {
        self.decide_as::<S>(who, ctx, id, v, Permission::ReviewOrganizations)
            .await
    }

    /// Decide with the scope of permission `p` (a course provider's registration is
    /// reviewed by operators with `ReviewProviders`, not by regulators).
    pub(crate) async fn decide_as<S>(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        id: &str,
        v: &Verdict,
        p: Permission,
    ) -> AppResult<()>
    where
        S: Reviewed,
        <S::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
        S::Model: Sync,
    {
        if !who.can(p) {
            return Err(AppError::Forbidden);
        }
        // The review scope, not the viewing one: a county regulator who is also a viewer
        // still decides only in its county.
        let row = self.find_scoped::<S>(who, p, id).await?;
        let w = self.write(who, ctx).await?;
        let mut changes = S::apply(self, &w, &row, v).await?;
        if let Some(d) = crate::exchange::dataset_of(S::SUBJECT) {
            w.touch(d, id);
        }
        decision::Entity::insert(decision::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            subject: Set(S::SUBJECT),
            subject_id: Set(id.to_string()),
            decision: Set(v.decision),
            reason: Set(v.reason.clone()),
            reviewer_id: Set(who.user_id.clone()),
            reviewer_name: Set(who.display_name.clone()),
            decided_at: Set(w.now),
        })
        .exec(&w.txn)
        .await?;
        if let Some(m) = changes.as_object_mut() {
            m.insert("reason".into(), v.reason.clone().into());
        }
        let action = format!("{}.{}", S::SUBJECT.code(), v.decision.code());
        w.commit(Entry::ok(&action, S::SUBJECT.code(), id, changes))
            .await
    }

    /// The decisions on a record the caller may see, oldest first.
    pub(crate) async fn review_history<S>(
        &self,
        who: &Principal,
        p: Permission,
        id: &str,
    ) -> AppResult<Vec<ReviewRecord>>
    where
        S: Reviewed,
        <S::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    {
        self.find_scoped::<S>(who, p, id).await?;
        Ok(decision::Entity::find()
            .filter(decision::Column::Subject.eq(S::SUBJECT))
            .filter(decision::Column::SubjectId.eq(id))
            .order_by_asc(decision::Column::DecidedAt)
            .order_by_asc(decision::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| ReviewRecord {
                decision_label: d.decision.label(),
                decision: d.decision,
                reason: d.reason,
                reviewer_name: d.reviewer_name,
                decided_at: d.decided_at,
            })
            .collect())
    }
}
