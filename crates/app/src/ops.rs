//! What an operator's monitoring reads off a node (`/metrics`): the database pool, the
//! job queue, the study heartbeats held in memory, and the shared counters' store.

use crate::App;
use crate::error::AppResult;
use jineng_core::jobs::{JobKind, JobState};

/// One reading, taken when asked.
#[derive(Debug, Clone)]
pub struct Gauges {
    /// Connections the pool holds open, and of them idle.
    pub pool_open: u32,
    pub pool_idle: usize,
    /// Jobs not done, by kind and state (queued, running, failed).
    pub jobs: Vec<(JobKind, JobState, i64)>,
    /// Study sessions held in this node's memory, and of them with heartbeats not yet
    /// written (none in write-through mode).
    pub study_held: usize,
    pub study_unwritten: usize,
    /// Redis calls that failed since this process started.
    pub redis_errors: u64,
    /// Whether Redis answers now; `None` when counters live in this process.
    pub redis_up: Option<bool>,
}

impl App {
    pub async fn gauges(&self) -> AppResult<Gauges> {
        let (pool_open, pool_idle) = jineng_store::db::pool_stats(&self.db);
        let jobs = self.jobs().counts().await?;
        let (study_held, study_unwritten) = self
            .study_buffer
            .as_ref()
            .map(|b| b.depth())
            .unwrap_or((0, 0));
        let redis_up = self.limiter.ping().await.map(|r| r.is_ok());
        Ok(Gauges {
            pool_open,
            pool_idle,
            jobs,
            study_held,
            study_unwritten,
            redis_errors: jineng_limits::redis_errors(),
            redis_up,
        })
    }
}
