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
