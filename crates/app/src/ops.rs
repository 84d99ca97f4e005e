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
    /// Session views read from Redis since start: found, not there, failed.
    pub session_views: (u64, u64, u64),
}

impl App {
    pub async fn gauges(&self) -> AppResult<Gauges> {
        let (pool_open, pool_idle) = jineng_store::db::pool_stats(&self.db);
        let jobs = self.jobs().counts().await?;
        let (study_held, study_unwritten) = match (&self.study_buffer, &self.study_shared) {
            (Some(b), _) => b.depth(),
            // Redis holds them for every node: sessions with heartbeats not yet written,
            // and those plus the flights not yet landed.
            (None, Some(s)) => {
                let (dirty, flights) = s.depth().await;
                let dirty = usize::try_from(dirty).unwrap_or(usize::MAX);
                (dirty, dirty + usize::try_from(flights).unwrap_or(0))
            }
            (None, None) => (0, 0),
        };
        let redis_up = self.limiter.ping().await.map(|r| r.is_ok());
        Ok(Gauges {
            pool_open,
            pool_idle,
            jobs,
            study_held,
            study_unwritten,
            redis_errors: jineng_limits::redis_errors(),
            redis_up,
            session_views: self.sessions.shared_reads(),
        })
    }
}

/// How often the database is probed, and how long a probe may take.
const PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    /// Probe the database every second for as long as the process runs: when it stops
    /// answering, `database_up` turns false (requests are then refused at once with 503
    /// rather than each waiting for a connection), and true again at the first answer —
    /// no restart needed.
    pub fn watch_database(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                let ok = matches!(
                    tokio::time::timeout(PROBE_TIMEOUT, jineng_store::db::ping(&app.db)).await,
                    Ok(Ok(()))
                );
                let was = app.database_up.send_replace(ok);
                if was && !ok {
                    tracing::error!(
                        "the database does not answer: refusing requests with 503 until it does"
                    );
                } else if !was && ok {
                    tracing::warn!("the database answers again");
                }
                tokio::time::sleep(PROBE_EVERY).await;
            }
        })
    }

    /// Whether the database answered its last probe (always true when not watched).
    pub fn database_up(&self) -> bool {
        *self.database_up.borrow()
    }

    /// Resolves when the probe finds the database down (at once if it is down now):
    /// requests waiting on it are answered then instead of waiting out the pool.
    pub async fn until_database_down(&self) {
        let mut rx = self.database_up.subscribe();
        let _ = rx.wait_for(|up| !*up).await;
    }

    /// Tests: as if the probe had found the database down (or up again).
    #[cfg(feature = "test-support")]
    pub fn set_database_up(&self, up: bool) {
        self.database_up.send_replace(up);
    }
}
