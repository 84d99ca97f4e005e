//! Opening the database: SQLite (embedded default) or PostgreSQL, chosen by URL.

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr};
use std::time::Duration;

pub type Db = DatabaseConnection;

/// Connect to `url` (`sqlite://path?mode=rwc` or `postgres://…`).
/// SQLite gets WAL, a busy timeout and foreign keys, so several readers and one writer coexist.
pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
    let mut opt = ConnectOptions::new(url.to_string());
    opt.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    sea_orm::Database::connect(opt).await
}

/// Connect to a read replica without waiting for it: a node starts while its replica is
/// down, and reads from the primary until a probe finds the replica good. A request never
/// waits long on a replica that has just gone (the probe then skips it within seconds).
pub async fn connect_replica(url: &str, max_connections: u32) -> Result<Db, DbErr> {
    let mut opt = ConnectOptions::new(url.to_string());
    opt.max_connections(max_connections)
        .min_connections(0)
        .connect_lazy(true)
        .connect_timeout(Duration::from_secs(2))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    sea_orm::Database::connect(opt).await
}

pub fn is_sqlite(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DatabaseBackend::Sqlite
}

/// Connections the pool holds open, and of them idle (for `/metrics`).
pub fn pool_stats(db: &Db) -> (u32, usize) {
    if is_sqlite(db) {
        let p = db.get_sqlite_connection_pool();
        (p.size(), p.num_idle())
    } else {
        let p = db.get_postgres_connection_pool();
        (p.size(), p.num_idle())
    }
}

/// Cheap round trip used by `/readyz`.
pub async fn ping(db: &Db) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// What a read replica says of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaReading {
    /// Replaying the primary's WAL as it streams in, this far behind (milliseconds: 0 when
    /// everything received has been replayed).
    Streaming { lag_ms: u64 },
    /// In recovery but receiving nothing (the stream from the primary is broken): its
    /// data is as old as the break, however small the lag it computes.
    NotStreaming,
    /// Not in recovery: a primary (a promoted replica, or a wrong URL). Never read from
    /// as a replica, since writes may be going to it that the real primary never sees.
    NotAReplica,
}

/// Ask a PostgreSQL standby how far behind it is. The lag is the age of the last
/// transaction replayed while some received WAL is still unreplayed, and 0 when replay
/// has caught up with what arrived (an idle primary sends nothing, and is not "behind").
/// The receiver's status needs `pg_read_all_stats` (or a superuser); without it the
/// status reads as unknown and only the lag is judged. An SQLite "replica" (tests)
/// is a file copy that never lags.
pub async fn replica_reading(db: &Db) -> Result<ReplicaReading, DbErr> {
    use sea_orm::{FromQueryResult, Statement};
    if is_sqlite(db) {
        ping(db).await?;
        return Ok(ReplicaReading::Streaming { lag_ms: 0 });
    }
    #[derive(FromQueryResult)]
    struct Row {
        recovering: bool,
        lag_ms: Option<i64>,
        receiver: String,
    }
    let row = Row::find_by_statement(Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT pg_is_in_recovery() AS recovering, \
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
             ELSE (EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) \
                   * 1000)::bigint END AS lag_ms, \
           COALESCE((SELECT COALESCE(status, 'unknown') FROM pg_stat_wal_receiver LIMIT 1), \
                    'none') AS receiver",
    ))
    .one(db)
    .await?
    .ok_or_else(|| DbErr::Custom("the replica answered no row".into()))?;
    Ok(if !row.recovering {
        ReplicaReading::NotAReplica
    } else if row.receiver != "streaming" && row.receiver != "unknown" {
        ReplicaReading::NotStreaming
    } else {
        // NULL: nothing replayed yet, or no receive position: as far behind as can be.
        ReplicaReading::Streaming {
            lag_ms: row.lag_ms.map(|l| l.max(0) as u64).unwrap_or(u64::MAX),
        }
    })
}
