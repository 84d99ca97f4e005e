//! The evidence log's health as regulators and auditors see it (issue 10): its size, the
//! last checkpoint, each witness's last push, and the runs of the full check with their
//! results. Runs come from `jineng ledger verify`, the daily schedule, and a system
//! admin's request; each is recorded whatever it found.

use super::{CheckpointView, Ledger, LedgerReport, verify};
use crate::audit::Entry as AuditEntry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use crate::jobs::JobError;
use chrono::{DateTime, Utc};
use jineng_core::accounts::Permission;
use jineng_core::jobs::{JobKind, JobState};
use jineng_store::jobs::job;
use jineng_store::ledger::{checkpoint as cp, cosignature, verify_run, witness};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// How many problems a run keeps in its record (the CLI prints them all).
const KEPT_PROBLEMS: usize = 50;

#[derive(Debug, Clone, serde::Serialize)]
pub struct WitnessStatus {
    pub name: String,
    pub url: String,
    /// Still in the configuration (a witness taken out keeps its history).
    pub configured: bool,
    pub cosigned_size: u64,
    pub last_push_at: Option<DateTime<Utc>>,
    pub last_ok_at: Option<DateTime<Utc>>,
    pub last_error: String,
    /// Pushes to it waiting or failed.
    pub queued: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyRun {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub trigger: String,
    pub entries: u64,
    pub checkpoints: u64,
    pub problems: u64,
    /// The first problems: (leaf index or checkpoint size, reason).
    pub details: Vec<(u64, String)>,
}

#[derive(Debug, Clone)]
pub struct LedgerHealth {
    pub size: u64,
    pub checkpoints: u64,
    pub latest: Option<CheckpointView>,
    /// Witnesses that cosigned the latest checkpoint.
    pub latest_cosigned_by: Vec<String>,
    pub witnesses: Vec<WitnessStatus>,
    /// Newest first.
    pub runs: Vec<VerifyRun>,
}

impl From<verify_run::Model> for VerifyRun {
    fn from(r: verify_run::Model) -> Self {
        VerifyRun {
            details: serde_json::from_str(&r.details).unwrap_or_default(),
            id: r.id,
            started_at: r.started_at,
            finished_at: r.finished_at,
            trigger: r.trigger,
            entries: r.entries as u64,
            checkpoints: r.checkpoints as u64,
            problems: r.problems as u64,
        }
    }
}

impl Ledger<'_> {
    /// The log's health. Regulators, auditors and system admins.
    pub async fn health(&self, who: &Principal) -> AppResult<LedgerHealth> {
        if !who.can(Permission::ViewLedgerHealth) {
            return Err(AppError::Forbidden);
        }
        let latest = self.latest().await?;
        let latest_cosigned_by = match &latest {
            Some(c) => cosignature::Entity::find()
                .filter(cosignature::Column::CheckpointId.eq(c.id.clone()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|c| c.witness)
                .collect(),
            None => Vec::new(),
        };
        // Pushes to a witness, waiting or given up, counted by their job key
        // (`witness:<name>:<checkpoint>`).
        let count = async |name: &str, failed: bool| -> AppResult<u64> {
            let states = if failed {
                vec![JobState::Failed]
            } else {
                vec![JobState::Queued, JobState::Running]
            };
            Ok(job::Entity::find()
                .filter(job::Column::Kind.eq(JobKind::WitnessPush))
                .filter(job::Column::State.is_in(states))
                .filter(crate::page::starts_with(
                    job::Column::IdempotencyKey,
                    &format!("witness:{name}:"),
                ))
                .count(&self.db)
                .await?)
        };
        let stored = witness::Entity::find()
            .order_by_asc(witness::Column::Name)
            .all(&self.db)
            .await?;
        let mut witnesses: Vec<WitnessStatus> = Vec::new();
        for w in self.witnesses.iter() {
            let s = stored.iter().find(|s| s.name == w.key.name());
            witnesses.push(WitnessStatus {
                name: w.key.name().to_string(),
                url: w.url.clone(),
                configured: true,
                cosigned_size: s.map(|s| s.cosigned_size as u64).unwrap_or(0),
                last_push_at: s.and_then(|s| s.last_push_at),
                last_ok_at: s.and_then(|s| s.last_ok_at),
                last_error: s.map(|s| s.last_error.clone()).unwrap_or_default(),
                queued: count(w.key.name(), false).await?,
                failed: count(w.key.name(), true).await?,
            });
        }
        for s in stored {
            if !witnesses.iter().any(|w| w.name == s.name) {
                witnesses.push(WitnessStatus {
                    queued: count(&s.name, false).await?,
                    failed: count(&s.name, true).await?,
                    configured: false,
                    cosigned_size: s.cosigned_size as u64,
                    name: s.name,
                    url: s.url,
                    last_push_at: s.last_push_at,
                    last_ok_at: s.last_ok_at,
                    last_error: s.last_error,
                });
            }
        }
        let runs = verify_run::Entity::find()
            .order_by_desc(verify_run::Column::StartedAt)
            .limit(20)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(LedgerHealth {
            size: self.size().await?,
            checkpoints: cp::Entity::find().count(&self.db).await?,
            latest,
            latest_cosigned_by,
            witnesses,
            runs,
        })
    }

    /// Run the full check now and record the run (`trigger`: `cli`, `schedule`, `admin`).
    pub async fn run_verify(&self, trigger: &str) -> AppResult<LedgerReport> {
        let started = self.now();
        let report = verify(&self.db, &self.verifier_keys()).await?;
        let finished = self.now();
        let details: Vec<&(u64, String)> = report.problems.iter().take(KEPT_PROBLEMS).collect();
        verify_run::Entity::insert(verify_run::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            started_at: Set(started),
            finished_at: Set(finished),
            trigger: Set(trigger.to_string()),
            entries: Set(report.entries as i64),
            checkpoints: Set(report.checkpoints as i64),
            problems: Set(report.problems.len() as i64),
            details: Set(serde_json::to_string(&details).unwrap_or_default()),
        })
        .exec_without_returning(&self.db)
        .await?;
        if !report.problems.is_empty() {
            tracing::error!(
                problems = report.problems.len(),
                "evidence log check found problems"
            );
        }
        Ok(report)
    }

    /// A system admin asks for a full check now; it runs as a background job.
    pub async fn request_verify(&self, who: &Principal, ctx: &RequestCtx) -> AppResult<String> {
        who.require(jineng_core::accounts::Role::SystemAdmin)?;
        let w = self.write(who, ctx).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let job = crate::jobs::enqueue(
            self,
            &w,
            JobKind::LedgerVerify,
            &format!("ledger_verify:admin:{id}"),
            serde_json::json!({"trigger": "admin"}),
        )
        .await?;
        w.commit(AuditEntry::ok(
            "ledger.verify_requested",
            "job",
            &job,
            serde_json::json!({}),
        ))
        .await?;
        Ok(job)
    }

    /// Enqueue this period's scheduled check: once per `every_hours` across all nodes
    /// (the job's key is the period's number).
    pub async fn schedule_verify(&self, every_hours: u64) -> AppResult<()> {
        let system = Principal::system();
        let ctx = RequestCtx::default();
        let w = self.write(&system, &ctx).await?;
        let period = w.now.timestamp() / (every_hours.max(1) as i64 * 3600);
        let key = format!("ledger_verify:{every_hours}h:{period}");
        crate::jobs::enqueue(
            self,
            &w,
            JobKind::LedgerVerify,
            &key,
            serde_json::json!({"trigger": "schedule"}),
        )
        .await?;
        // Housekeeping, not an act of anyone's: the run itself is what gets recorded.
        w.commit_audited().await
    }

    /// The job.
    pub(crate) async fn verify_job(&self, payload: &str) -> Result<(), JobError> {
        let trigger = serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|v| v["trigger"].as_str().map(str::to_string))
            .filter(|t| matches!(t.as_str(), "schedule" | "admin"))
            .unwrap_or_else(|| "schedule".into());
        self.run_verify(&trigger).await?;
        Ok(())
    }
}
