//! Reading lists and exports from a PostgreSQL streaming replica (production tier).
//!
//! A node given a second database URL probes that replica every second. While it is
//! streaming and no more than `max_lag` behind, the long reads (lists and the exports
//! built from them) go to it through `App::reader`; everything else, and every read
//! of a client that has just written (`primary_only`), stays on the primary. A replica
//! that lags, has lost its stream, cannot be reached, or turns out to be a primary is
//! skipped until a probe finds it good again, and `/readyz` says why.

use crate::App;
use jineng_store::Db;
use jineng_store::db::ReplicaReading;
use std::sync::Arc;
use std::time::Duration;

/// What the last probe of the replica found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    /// Not probed yet: not used.
    Starting,
    /// Streaming and within the allowed lag: lists read from it.
    InUse { lag_ms: u64 },
    /// Streaming but further behind than allowed.
    Lagging { lag_ms: u64 },
    /// In recovery with no stream from the primary.
    NotStreaming,
    /// Answers as a primary, not a standby.
    NotAReplica,
    /// No answer within the probe's timeout.
    Unreachable,
}

impl ReplicaState {
    /// The word `/readyz` shows.
    pub fn word(self) -> &'static str {
        match self {
            ReplicaState::Starting => "starting",
            ReplicaState::InUse { .. } => "ok",
            ReplicaState::Lagging { .. } => "lagging",
            ReplicaState::NotStreaming => "not_streaming",
            ReplicaState::NotAReplica => "not_a_replica",
            ReplicaState::Unreachable => "unreachable",
        }
    }

    pub fn lag_ms(self) -> Option<u64> {
        match self {
            ReplicaState::InUse { lag_ms } | ReplicaState::Lagging { lag_ms } => Some(lag_ms),
            _ => None,
        }
    }

    /// Judge a probe's answer against the allowed lag.
    pub fn judge(reading: Option<ReplicaReading>, max_lag: Duration) -> ReplicaState {
        match reading {
            None => ReplicaState::Unreachable,
            Some(ReplicaReading::NotAReplica) => ReplicaState::NotAReplica,
            Some(ReplicaReading::NotStreaming) => ReplicaState::NotStreaming,
            Some(ReplicaReading::Streaming { lag_ms }) if lag_ms <= max_lag.as_millis() as u64 => {
                ReplicaState::InUse { lag_ms }
            }
            Some(ReplicaReading::Streaming { lag_ms }) => ReplicaState::Lagging { lag_ms },
        }
    }
}

/// A read replica and what is known of it.
pub(crate) struct Replica {
    pub(crate) db: Db,
    pub(crate) max_lag: Duration,
    state: tokio::sync::watch::Sender<ReplicaState>,
}

tokio::task_local! {
    /// Set for the requests of a client that wrote within the allowed lag: its reads go
    /// to the primary, so it sees what it just did.
    static PRIMARY_ONLY: ();
}

/// Run `f` with every read on the primary (read-your-own-writes).
pub async fn primary_only<F: std::future::Future>(f: F) -> F::Output {
    PRIMARY_ONLY.scope((), f).await
}

const PROBE_EVERY: Duration = Duration::from_secs(1);
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

impl App {
    /// Read lists and exports from this replica while it is no more than `max_lag` behind.
    pub fn with_replica(mut self, db: Db, max_lag: Duration) -> Self {
        self.replica = Some(Arc::new(Replica {
            db,
            max_lag,
            state: tokio::sync::watch::Sender::new(ReplicaState::Starting),
        }));
        self
    }

    /// Where a list or an export reads: the replica while it is in use and the caller has
    /// not just written, else the primary.
    pub(crate) fn reader(&self) -> &Db {
        match &self.replica {
            Some(r)
                if matches!(*r.state.borrow(), ReplicaState::InUse { .. })
                    && PRIMARY_ONLY.try_with(|_| ()).is_err() =>
            {
                &r.db
            }
            _ => &self.db,
        }
    }

    /// The replica's state (`None`: no replica configured) and the lag it is allowed.
    pub fn replica_state(&self) -> Option<(ReplicaState, Duration)> {
        self.replica
            .as_ref()
            .map(|r| (*r.state.borrow(), r.max_lag))
    }

    /// Probe the replica every second for as long as the process runs (no-op without one).
    pub fn watch_replica(&self) -> Option<tokio::task::JoinHandle<()>> {
        let r = self.replica.clone()?;
        Some(tokio::spawn(async move {
            loop {
                r.probe().await;
                tokio::time::sleep(PROBE_EVERY).await;
            }
        }))
    }

    /// Probe the replica once now (tests; the watch does it every second).
    pub async fn probe_replica(&self) -> Option<ReplicaState> {
        let r = self.replica.as_ref()?;
        Some(r.probe().await)
    }
}

impl Replica {
    async fn probe(&self) -> ReplicaState {
        let reading =
            match tokio::time::timeout(PROBE_TIMEOUT, jineng_store::db::replica_reading(&self.db))
                .await
            {
                Ok(Ok(r)) => Some(r),
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "replica probe failed");
                    None
                }
                Err(_) => None,
            };
        let now = ReplicaState::judge(reading, self.max_lag);
        let was = self.state.send_replace(now);
        let usable = |s: ReplicaState| matches!(s, ReplicaState::InUse { .. });
        if usable(was) && !usable(now) {
            tracing::warn!(state = now.word(), lag_ms = ?now.lag_ms(), "the read replica is skipped: lists read from the primary");
        } else if !usable(was) && usable(now) {
            tracing::info!(lag_ms = ?now.lag_ms(), "lists read from the replica");
        }
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_is_used_only_while_streaming_within_the_allowed_lag() {
        let max = Duration::from_secs(5);
        let s = |lag_ms| Some(ReplicaReading::Streaming { lag_ms });
        assert_eq!(
            ReplicaState::judge(s(0), max),
            ReplicaState::InUse { lag_ms: 0 }
        );
        assert_eq!(
            ReplicaState::judge(s(5_000), max),
            ReplicaState::InUse { lag_ms: 5_000 }
        );
        assert_eq!(
            ReplicaState::judge(s(5_001), max),
            ReplicaState::Lagging { lag_ms: 5_001 }
        );
        assert_eq!(
            ReplicaState::judge(s(u64::MAX), max).word(),
            "lagging",
            "nothing replayed yet"
        );
        assert_eq!(ReplicaState::judge(None, max).word(), "unreachable");
        assert_eq!(
            ReplicaState::judge(Some(ReplicaReading::NotStreaming), max).word(),
            "not_streaming"
        );
        assert_eq!(
            ReplicaState::judge(Some(ReplicaReading::NotAReplica), max).word(),
            "not_a_replica"
        );
    }
}
