//! The job runner: exactly-once effect under leases, restarts, failures, retries and
//! several workers at once (on PostgreSQL, `FOR UPDATE SKIP LOCKED`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, ctx, import_file};
use jineng_app::AppError;
use jineng_app::page::PageRequest;
use jineng_core::jobs::JobState;
use jineng_core::learners::{ImportMode, ImportStatus};
use jineng_store::jobs::job;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

async fn the_job(t: &TestApp) -> job::Model {
    let mut all = job::Entity::find().all(&t.app.db).await.unwrap();
    assert_eq!(all.len(), 1, "one job per import");
    all.remove(0)
}

#[tokio::test]
async fn an_import_is_enqueued_with_its_record_and_runs_once() {
    let t = TestApp::new().await;
    let inst = t.principal("institution").await;
    let id = t
        .app
        .learners()
        .import(&inst, &ctx(), &import_file(3, 1), ImportMode::AllOrNothing)
        .await
        .unwrap();
    let j = the_job(&t).await;
    assert_eq!(j.state, JobState::Queued);
    assert_eq!(j.idempotency_key, format!("learner_import:{id}"));
    // No worker has run yet: the import waits.
    let v = t.app.learners().import_job(&inst, &id).await.unwrap();
    assert_eq!(v.status, ImportStatus::Checking);

    assert!(t.app.jobs().run_due("w1").await.unwrap());
    assert!(!t.app.jobs().run_due("w1").await.unwrap(), "nothing left");
    let j = the_job(&t).await;
    assert_eq!((j.state, j.attempts), (JobState::Done, 1));
    assert!(j.locked_by.is_none());
    let v = t.app.learners().import_job(&inst, &id).await.unwrap();
    assert_eq!(
        (v.status, v.imported_rows),
        (ImportStatus::Done, 3),
        "{:?}",
        v.bad
    );
}

#[tokio::test]
async fn a_job_held_by_a_dead_worker_is_taken_after_its_lease() {
    let t = TestApp::new().await;
    let inst = t.principal("institution").await;
    let id = t
        .app
        .learners()
        .import(&inst, &ctx(), &import_file(2, 2), ImportMode::GoodOnly)
        .await
        .unwrap();
    // A worker claimed it and died.
    let until = t.app.now() + chrono::Duration::seconds(jineng_app::jobs::LEASE_SECONDS);
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Running))
        .col_expr(job::Column::LockedBy, Expr::value(Some("dead")))
        .col_expr(job::Column::LockedUntil, Expr::value(Some(until)))
        .col_expr(job::Column::Attempts, Expr::value(1))
        .exec(&t.app.db)
        .await
        .unwrap();
    assert!(
        !t.app.jobs().run_due("w2").await.unwrap(),
        "the lease still holds"
    );
    t.clock.advance(chrono::Duration::seconds(
        jineng_app::jobs::LEASE_SECONDS + 1,
    ));
    assert!(t.app.jobs().run_due("w2").await.unwrap());
    let j = the_job(&t).await;
    assert_eq!((j.state, j.attempts), (JobState::Done, 2));
    let v = t.app.learners().import_job(&inst, &id).await.unwrap();
    assert_eq!((v.status, v.imported_rows), (ImportStatus::Done, 2));
}

#[tokio::test]
async fn a_restart_of_the_single_node_resumes_running_jobs_at_once() {
    let t = TestApp::new().await;
    let inst = t.principal("institution").await;
    t.app
        .learners()
        .import(&inst, &ctx(), &import_file(1, 3), ImportMode::GoodOnly)
        .await
        .unwrap();
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Running))
        .col_expr(job::Column::LockedBy, Expr::value(Some("previous-process")))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Some(t.app.now() + chrono::Duration::hours(1))),
        )
        .exec(&t.app.db)
        .await
        .unwrap();
    assert_eq!(t.app.jobs().recover().await.unwrap(), 1);
    assert!(t.app.jobs().run_due("w").await.unwrap());
    assert_eq!(the_job(&t).await.state, JobState::Done);
}

#[tokio::test]
async fn a_job_that_cannot_succeed_fails_with_its_reason_and_an_admin_may_retry_it() {
    let t = TestApp::new().await;
    let inst = t.principal("institution").await;
    let bytes = import_file(2, 4);
    let id = t
        .app
        .learners()
        .import(&inst, &ctx(), &bytes, ImportMode::GoodOnly)
        .await
        .unwrap();
    // The stored upload disappears: no retry can help.
    let key = format!(
        "orgs/{}/imports/{id}.xlsx",
        inst.org_ids().into_iter().next().unwrap()
    );
    t.app.files.delete(&key).await.unwrap();
    assert!(t.app.jobs().run_due("w").await.unwrap());
    let j = the_job(&t).await;
    assert_eq!(j.state, JobState::Failed);
    assert!(j.last_error.contains("missing"), "{}", j.last_error);
    let v = t.app.learners().import_job(&inst, &id).await.unwrap();
    assert_eq!(v.status, ImportStatus::Failed);
    assert!(!v.bad.is_empty(), "the organisation sees why");

    // Only the system admin sees jobs and retries them.
    let admin = t.principal("admin").await;
    assert!(matches!(
        t.app.jobs().list(&inst, None, PageRequest::default()).await,
        Err(AppError::Forbidden)
    ));
    let failed = t
        .app
        .jobs()
        .list(&admin, Some(JobState::Failed), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    assert!(matches!(
        t.app.jobs().retry(&inst, &ctx(), &j.id).await,
        Err(AppError::Forbidden)
    ));
    // Put the file back and retry: the job runs again, from a fresh set of attempts.
    t.app.files.put(&key, bytes).await.unwrap();
    let again = t.app.jobs().retry(&admin, &ctx(), &j.id).await.unwrap();
    assert_eq!((again.state, again.attempts), (JobState::Queued, 0));
    assert!(matches!(
        t.app.jobs().retry(&admin, &ctx(), &j.id).await,
        Err(AppError::Conflict(_))
    ));
    // The import itself stays failed (the organisation saw that); a new upload imports.
    assert!(t.app.jobs().run_due("w").await.unwrap());
    assert_eq!(the_job(&t).await.state, JobState::Done);
}

#[tokio::test]
async fn several_workers_at_once_run_every_job_exactly_once() {
    let t = TestApp::new().await;
    let inst = t.principal("institution").await;
    let mut imports = Vec::new();
    for k in 0..8u32 {
        imports.push(
            t.app
                .learners()
                .import(&inst, &ctx(), &import_file(2, 10 + k), ImportMode::GoodOnly)
                .await
                .unwrap(),
        );
    }
    let workers = (0..4).map(|w| {
        let app = t.app.clone();
        tokio::spawn(async move {
            let mut ran = 0;
            while app.jobs().run_due(&format!("w{w}")).await.unwrap() {
                ran += 1;
            }
            ran
        })
    });
    let ran: usize = futures_total(workers).await;
    assert_eq!(ran, 8, "each job ran once in all");
    let jobs = job::Entity::find()
        .filter(job::Column::State.eq(JobState::Done))
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 8);
    assert!(jobs.iter().all(|j| j.attempts == 1), "no job claimed twice");
    for id in imports {
        let v = t.app.learners().import_job(&inst, &id).await.unwrap();
        assert_eq!((v.status, v.imported_rows), (ImportStatus::Done, 2));
    }
}

async fn futures_total(handles: impl Iterator<Item = tokio::task::JoinHandle<usize>>) -> usize {
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    total
}
