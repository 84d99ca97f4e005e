//! Changing the blind-index key. Every exact look-up (sign-in by phone, search by ID
//! number, one person one account) compares blind indexes, so a new key needs every
//! stored index recomputed from the decrypted value. Run with the platform stopped:
//! a write made meanwhile under the old key would not be found afterwards. Rerunnable
//! with the same new key (a row already done is recomputed to the same value).

use super::pii::{Keyring, PiiKind, Place};
use crate::App;
use crate::audit::Entry;
use crate::context::RequestCtx;
use crate::error::{AppError, AppResult};
use jineng_core::{IdNumber, Phone};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, Value};

/// (table, encrypted column, index column, kind): every blind index kept beside a value.
const INDEXED: [(&str, &str, &str, PiiKind); 4] = [
    ("users", "phone_enc", "phone_bidx", PiiKind::Phone),
    (
        "users",
        "id_number_enc",
        "id_number_bidx",
        PiiKind::IdNumber,
    ),
    (
        "organizations",
        "legal_rep_id_enc",
        "legal_rep_id_bidx",
        PiiKind::IdNumber,
    ),
    (
        "teachers",
        "id_number_enc",
        "id_number_bidx",
        PiiKind::IdNumber,
    ),
];

/// What a re-index did.
#[derive(Debug, Default, serde::Serialize)]
pub struct ReindexReport {
    pub reindexed: u64,
    /// Values that could not be decrypted: their index is left as it was.
    pub unreadable: u64,
    /// Pending SMS codes dropped (their phone index was under the old key).
    pub sms_codes_dropped: u64,
}

/// The index of a stored value as the rest of the platform computes it (normalised).
fn index(k: &Keyring, kind: PiiKind, plain: &str) -> String {
    let normal = match kind {
        PiiKind::Phone => Phone::parse(plain).map(|p| p.as_str().to_string()),
        PiiKind::IdNumber => IdNumber::parse(plain).map(|i| i.as_str().to_string()),
        _ => Ok(plain.to_string()),
    }
    .unwrap_or_else(|_| plain.to_string());
    k.blind_index(kind, &normal)
}

impl App {
    /// Recompute every blind index under `new_blind` (base64, 32 bytes). The platform
    /// must use the new key from then on (`JINENG_PII_BLIND_KEY`).
    pub async fn reindex_blind(&self, new_blind: &str) -> AppResult<ReindexReport> {
        let next = self
            .keyring
            .with_blind_key(new_blind)
            .map_err(|e| AppError::field("blind_key", e.to_string()))?;
        let ctx = RequestCtx::internal("keys-reindex", "jineng keys reindex");
        let system = crate::Principal::system();
        let mut report = ReindexReport::default();
        for (table, enc_col, idx_col, kind) in INDEXED {
            let mut after = String::new();
            loop {
                let rows = super::rotate::encrypted_page(&self.db, table, enc_col, &after).await?;
                let Some((last, _)) = rows.last() else {
                    break;
                };
                after = last.clone();
                let w = self.write(&system, &ctx).await?;
                let mut done = 0u64;
                for (id, stored) in rows {
                    let Ok(plain) = self
                        .keyring
                        .decrypt(&stored, Place::new(table, enc_col, &id))
                    else {
                        report.unreadable += 1;
                        continue;
                    };
                    let u = Query::update()
                        .table(Alias::new(table))
                        .value(Alias::new(idx_col), Value::from(index(&next, kind, &plain)))
                        .and_where(Expr::col(Alias::new("id")).eq(id))
                        .to_owned();
                    w.txn.execute(&u).await?;
                    done += 1;
                }
                w.commit(Entry::ok(
                    "keys.reindex",
                    table,
                    idx_col,
                    serde_json::json!({"reindexed": done}),
                ))
                .await?;
                report.reindexed += done;
            }
        }
        let w = self.write(&system, &ctx).await?;
        let dropped = w
            .txn
            .execute(
                &Query::delete()
                    .from_table(Alias::new("sms_codes"))
                    .to_owned(),
            )
            .await?
            .rows_affected();
        w.commit(Entry::ok(
            "keys.reindex",
            "sms_codes",
            "phone_bidx",
            serde_json::json!({"dropped": dropped}),
        ))
        .await?;
        report.sms_codes_dropped = dropped;
        Ok(report)
    }
}
