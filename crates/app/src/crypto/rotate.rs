//! Re-encrypting personal data: every encrypted column is read, and each value written
//! with an older key, or in the form without its place bound, is written again with the
//! active key and its place. Afterwards no value names an old key, which may then be
//! removed from `JINENG_PII_KEYS`. Safe to run while the platform serves (each value is
//! replaced only if it is still the one read) and to run again.

use super::pii::{Keyring, Place};
use crate::App;
use crate::audit::Entry;
use crate::context::RequestCtx;
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, Value};
use std::collections::BTreeMap;

/// Every encrypted column: (table, column). Each table's key is `id`.
pub const ENCRYPTED: [(&str, &str); 11] = [
    ("users", "phone_enc"),
    ("users", "id_number_enc"),
    ("users", "bank_account_enc"),
    ("users", "totp_secret_enc"),
    ("organizations", "legal_rep_id_enc"),
    ("organizations", "contact_phone_enc"),
    ("organizations", "bank_account_enc"),
    ("teachers", "id_number_enc"),
    ("class_sessions", "qr_secret_enc"),
    ("exchange_clients", "secret_enc"),
    ("subsidy_payouts", "account_enc"),
];

const BATCH: u64 = 200;

/// What a rotation did.
#[derive(Debug, Default, serde::Serialize)]
pub struct RotationReport {
    /// Values written again with the active key and their place.
    pub rewritten: u64,
    /// Values already current.
    pub current: u64,
    /// Values that could not be read (an unknown key id, or damaged): left as they are.
    pub unreadable: u64,
    /// Values that changed while being rotated (run again to finish them).
    pub raced: u64,
    /// For each key id, how many values still use it after the run.
    pub keys_in_use: BTreeMap<String, u64>,
}

impl App {
    /// Rotate every encrypted value to the active key (see the module comment).
    pub async fn rotate_keys(&self) -> AppResult<RotationReport> {
        let mut report = RotationReport::default();
        let ctx = RequestCtx::internal("keys-rotate", "jineng keys rotate");
        let system = crate::Principal::system();
        for (table, column) in ENCRYPTED {
            let mut after = String::new();
            loop {
                let rows = encrypted_page(&self.db, table, column, &after).await?;
                let Some((last, _)) = rows.last() else {
                    break;
                };
                after = last.clone();
                let mut updates = Vec::new();
                for (id, stored) in rows {
                    if !self.keyring.needs_rotation(&stored) {
                        report.current += 1;
                        continue;
                    }
                    let at = Place::new(table, column, &id);
                    match self
                        .keyring
                        .decrypt(&stored, at)
                        .and_then(|plain| self.keyring.encrypt(&plain, at))
                    {
                        Ok(fresh) => updates.push((id, stored, fresh)),
                        Err(_) => report.unreadable += 1,
                    }
                }
                if updates.is_empty() {
                    continue;
                }
                let w = self.write(&system, &ctx).await?;
                let mut done = 0u64;
                for (id, old, fresh) in &updates {
                    let u = Query::update()
                        .table(Alias::new(table))
                        .value(Alias::new(column), Value::from(fresh.clone()))
                        .and_where(Expr::col(Alias::new("id")).eq(id.clone()))
                        .and_where(Expr::col(Alias::new(column)).eq(old.clone()))
                        .to_owned();
                    let res = w.txn.execute(&u).await?;
                    if res.rows_affected() == 1 {
                        done += 1;
                    } else {
                        report.raced += 1;
                    }
                }
                w.commit(Entry::ok(
                    "keys.rotate",
                    table,
                    column,
                    serde_json::json!({"rewritten": done, "key": self.keyring.active_key_id()}),
                ))
                .await?;
                report.rewritten += done;
            }
        }
        report.keys_in_use = self.keys_in_use().await?;
        Ok(report)
    }

    /// How many encrypted values use each key id.
    pub async fn keys_in_use(&self) -> AppResult<BTreeMap<String, u64>> {
        let mut out = BTreeMap::new();
        for (table, column) in ENCRYPTED {
            let mut after = String::new();
            loop {
                let rows = encrypted_page(&self.db, table, column, &after).await?;
                let Some((last, _)) = rows.last() else {
                    break;
                };
                after = last.clone();
                for (_, stored) in &rows {
                    let id = Keyring::key_id_of(stored).ok_or_else(|| {
                        AppError::Internal(format!("{table}.{column}: malformed value"))
                    })?;
                    *out.entry(id.to_string()).or_insert(0) += 1;
                }
            }
        }
        Ok(out)
    }
}

/// The next `BATCH` rows of `table` with a value in `column`, by id after `after`: (id,
/// stored value). Key rotation and re-indexing walk every encrypted column this way.
pub(super) async fn encrypted_page(
    db: &impl ConnectionTrait,
    table: &'static str,
    column: &'static str,
    after: &str,
) -> AppResult<Vec<(String, String)>> {
    let q = Query::select()
        .column(Alias::new("id"))
        .column(Alias::new(column))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(column)).is_not_null())
        .and_where(Expr::col(Alias::new("id")).gt(after.to_string()))
        .order_by(Alias::new("id"), sea_orm::Order::Asc)
        .limit(BATCH)
        .to_owned();
    let mut out = Vec::new();
    for r in db.query_all(&q).await? {
        out.push((r.try_get("", "id")?, r.try_get("", column)?));
    }
    Ok(out)
}
