//! Write transactions. On SQLite the write lock is taken at the start, so two writers
//! queue on the busy timeout instead of failing when both try to upgrade a read lock.

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};

pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if jineng_store::db::is_sqlite(&txn) {
        txn.execute_unprepared("UPDATE audit_head SET seq = seq WHERE id = 0")
            .await?;
    }
    Ok(txn)
}
