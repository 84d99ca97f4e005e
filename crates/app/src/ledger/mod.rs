//! The evidence log (issue 10): facts appended inside the transaction of the change they
//! record, a tree kept as stored hashes, signed checkpoints, proofs, and the check that
//! recomputes it all.
//!
//! - `append` is exactly-once: it runs inside a write transaction holding the log (the
//!   SQLite write lock, or the head row `FOR UPDATE` on PostgreSQL), takes the next
//!   index, and a fact already in the log — same kind, record id and record hash — is
//!   not appended again. A rolled back change takes its leaf with it.
//! - The tree is stored as the Go checksum database stores it (`tlog_tiles`): leaf n's
//!   stored hashes are those of the subtrees it completes, so the root of any size and
//!   any proof read O(log n) rows. They are written after the fact, in batches (`seal`),
//!   so that an append inside a business change is one statement.
//! - A checkpoint anchors the audit trail's head (an `audit_head` entry), then signs the
//!   tree's size and root as a C2SP signed note (`jineng_evidence::checkpoint`). Every
//!   checkpoint is kept.

use crate::audit::Entry as AuditEntry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use jineng_evidence::checkpoint::{self, LogKey};
use jineng_evidence::entry::{Entry, Kind};
use jineng_store::ledger::{checkpoint as cp, entry, hash, head, sealed};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::cell::RefCell;
use std::collections::HashMap;
use tlog_tiles::{HashReader, tlog};

pub mod health;
pub mod witness;

bounded_context!(
    /// The evidence log: checkpoints, proofs, verification.
    Ledger,
    ledger
);

/// Where a fact landed in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub index: u64,
    /// False when the fact was already in the log (a retried change).
    pub new: bool,
}

/// A checkpoint as served.
#[derive(Debug, Clone)]
pub struct CheckpointView {
    pub id: String,
    pub size: u64,
    pub root_hex: String,
    pub signed_at: chrono::DateTime<chrono::Utc>,
    pub key_id: String,
    pub note: String,
}

/// What `verify` found.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LedgerReport {
    pub entries: u64,
    pub checkpoints: u64,
    /// (leaf index or checkpoint size, what is wrong), in the order found.
    pub problems: Vec<(u64, String)>,
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("ledger: {e}"))
}

/// Stored hashes read so far; a read of one not yet here records what is missing so the
/// caller can fetch it (the proof code is synchronous, the database is not).
#[derive(Default)]
struct Fetched {
    have: HashMap<u64, tlog::Hash>,
    missing: RefCell<Vec<u64>>,
}

impl HashReader for Fetched {
    /// A hash not fetched yet is noted and read as zeros, so one pass of a tlog function
    /// asks for everything it needs (which indexes it reads depends only on sizes, never
    /// on hash values); the pass's result is thrown away and the function run again once
    /// they are fetched.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
        Ok(indexes
            .iter()
            .map(|i| match self.have.get(i) {
                Some(h) => *h,
                None => {
                    self.missing.borrow_mut().push(*i);
                    tlog::Hash([0; 32])
                }
            })
            .collect())
    }
}

/// Run `f` over the stored hashes: once to learn which it reads, then, after fetching
/// them in one query, for the result.
async fn with_hashes<C, T>(db: &C, f: impl Fn(&Fetched) -> Result<T, tlog::Error>) -> AppResult<T>
where
    C: ConnectionTrait,
{
    let mut fetched = Fetched::default();
    for _ in 0..2 {
        let result = f(&fetched);
        let mut missing = std::mem::take(&mut *fetched.missing.borrow_mut());
        if missing.is_empty() {
            return result.map_err(internal);
        }
        missing.sort_unstable();
        missing.dedup();
        // Padded to a power of two (repeating the last index) so the statement's
        // text recurs and its prepared form is reused: on PostgreSQL a new text is
        // parsed and planned again, which cost more than the read itself.
        let mut want: Vec<i64> = missing.iter().map(|i| *i as i64).collect();
        let padded = want.len().next_power_of_two().max(8);
        let last = want.last().copied().unwrap_or(0);
        want.resize(padded, last);
        let rows = hash::Entity::find()
            .filter(hash::Column::Idx.is_in(want))
            .all(db)
            .await?;
        if rows.len() != missing.len() {
            return Err(internal("stored hashes are missing"));
        }
        for r in rows {
            let h = hex32(&r.hash).ok_or_else(|| internal("a stored hash is malformed"))?;
            fetched.have.insert(r.idx as u64, tlog::Hash(h));
        }
    }
    Err(internal("stored hashes could not be read"))
}

/// Take the log for appending until the transaction ends: SQLite's write lock is already
/// held by a write transaction; on PostgreSQL the head row, read `FOR UPDATE`.
async fn lock_log<C: ConnectionTrait>(txn: &C) -> AppResult<()> {
    if !jineng_store::db::is_sqlite(txn) {
        head::Entity::find_by_id(1)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or_else(|| internal("the log's head row is missing"))?;
    }
    Ok(())
}

/// The SQL of the log's size, read by key: on SQLite one more than the last entry's index
/// (the table's own key), on PostgreSQL the head row.
fn size_sql<C: ConnectionTrait>(db: &C) -> &'static str {
    if jineng_store::db::is_sqlite(db) {
        "SELECT COALESCE(MAX(idx) + 1, 0) AS size FROM ledger_entries"
    } else {
        "SELECT size FROM ledger_head WHERE id = 1"
    }
}

async fn size_of<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            size_sql(db),
        ))
        .await?
        .ok_or_else(|| internal("the log's size could not be read"))?;
    Ok(row.try_get::<i64>("", "size")? as u64)
}

/// Append `e` inside the write transaction `txn` (begun with `tx::begin_write`), once:
/// a fact already in the log returns its index with `new: false`.
///
/// One statement: `INSERT … SELECT <next index> … ON CONFLICT DO NOTHING RETURNING idx`.
/// On SQLite (whose write lock the transaction holds) the next index is `MAX(idx) + 1`
/// from the entries' own key; on PostgreSQL it is the head row's size, read `FOR UPDATE`
/// so concurrent appends queue, and a trigger moves the head on. A fact already in the
/// log (same kind, record id and record hash) inserts nothing and moves nothing; its
/// index is looked up. The leaf's stored hashes are written later, in a batch (`seal`),
/// before a checkpoint or proof needs them.
pub async fn append<C: ConnectionTrait>(txn: &C, e: &Entry) -> AppResult<Appended> {
    use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
    let sha = hex::encode(e.record_sha256);
    let bytes = e.encode().map_err(internal)?;
    let at = chrono::DateTime::from_timestamp_micros(e.at_micros)
        .ok_or_else(|| internal("entry time out of range"))?;
    let sqlite = jineng_store::db::is_sqlite(txn);
    let mut values = Query::select();
    if sqlite {
        values
            .expr(Expr::cust("COALESCE(MAX(idx) + 1, 0)"))
            .from(entry::Entity)
            // SQLite would read `ON CONFLICT` after a SELECT without WHERE as a join's.
            .and_where(Expr::cust("1 = 1"));
    } else {
        values
            .expr(Expr::col(head::Column::Size))
            .from(head::Entity)
            .and_where(Expr::col(head::Column::Id).eq(1))
            .lock_exclusive();
    }
    values
        .expr(Expr::val(e.kind.code()))
        .expr(Expr::val(e.record_id.clone()))
        .expr(Expr::val(sha.clone()))
        .expr(Expr::val(at))
        .expr(Expr::val(e.org_id.clone()))
        .expr(Expr::val(hex::encode(&bytes)));
    let insert = Query::insert()
        .into_table(entry::Entity)
        .columns([
            entry::Column::Idx,
            entry::Column::Kind,
            entry::Column::RecordId,
            entry::Column::RecordSha256,
            entry::Column::At,
            entry::Column::OrgId,
            entry::Column::Entry,
        ])
        .select_from(values.to_owned())
        .map_err(internal)?
        .on_conflict(
            OnConflict::columns([
                entry::Column::Kind,
                entry::Column::RecordId,
                entry::Column::RecordSha256,
            ])
            .do_nothing()
            .to_owned(),
        )
        .returning_col(entry::Column::Idx)
        .to_owned();
    if let Some(row) = txn.query_one(&insert).await? {
        return Ok(Appended {
            index: row.try_get::<i64>("", "idx")? as u64,
            new: true,
        });
    }
    // The same fact is already in the log (a retried change).
    let found = entry::Entity::find()
        .filter(entry::Column::Kind.eq(e.kind.code()))
        .filter(entry::Column::RecordId.eq(e.record_id.clone()))
        .filter(entry::Column::RecordSha256.eq(sha))
        .one(txn)
        .await?
        .ok_or_else(|| internal("a conflicting entry vanished"))?;
    Ok(Appended {
        index: found.idx as u64,
        new: false,
    })
}

/// The right edge of the tree: for each level, the newest complete subtree's stored hash
/// index and hash — all that `tlog::stored_hashes` reads when leaves come in order.
pub struct Frontier(Vec<Option<(u64, tlog::Hash)>>);

impl HashReader for Frontier {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
        indexes
            .iter()
            .map(|i| {
                let (level, _) = tlog::split_stored_hash_index(*i);
                match self.0.get(usize::from(level)).copied().flatten() {
                    Some((at, h)) if at == *i => Ok(h),
                    _ => Err(tlog::Error::IndexesNotInTree),
                }
            })
            .collect()
    }
}

impl Frontier {
    /// The right edge of the tree of `size` leaves, from its stored hashes (one query).
    pub async fn load<C: ConnectionTrait>(db: &C, size: u64) -> AppResult<Frontier> {
        let edge: Vec<(u8, u64)> = (0..64u8)
            .filter_map(|level| {
                let k = size.checked_shr(u32::from(level)).unwrap_or(0);
                (k > 0).then(|| (level, tlog::stored_hash_index(level, k - 1)))
            })
            .collect();
        let rows = hash::Entity::find()
            .filter(hash::Column::Idx.is_in(edge.iter().map(|(_, i)| *i as i64)))
            .all(db)
            .await?;
        let mut f = Frontier(vec![None; 64]);
        for (level, idx) in &edge {
            let h = rows
                .iter()
                .find(|r| r.idx as u64 == *idx)
                .and_then(|r| hex32(&r.hash))
                .ok_or_else(|| internal("a stored hash of the tree's edge is missing"))?;
            f.0[usize::from(*level)] = Some((*idx, tlog::Hash(h)));
        }
        Ok(f)
    }

    /// Leaf `n` (the next one) holding `entry`: its stored hashes, in stored-hash index
    /// order from `tlog::stored_hash_index(0, n)`; the edge moves on with them.
    pub fn advance(&mut self, n: u64, entry: &[u8]) -> AppResult<Vec<tlog::Hash>> {
        let hs = tlog::stored_hashes(n, entry, &*self).map_err(internal)?;
        let first = tlog::stored_hash_index(0, n);
        for (k, h) in hs.iter().enumerate() {
            self.0[k] = Some((first + k as u64, *h));
        }
        Ok(hs)
    }
}

/// Write the stored hashes of every leaf appended since the last batch, in the write
/// transaction `txn`; returns the size now hashed. The batch row is locked first (the
/// SQLite write lock, or `FOR UPDATE`), so two nodes never hash the same leaves; the
/// right edge is read in one query and each leaf's hashes computed from it, so a batch
/// costs one read of its entries and one insert per 1,000 leaves however long it is.
pub async fn seal<C: ConnectionTrait>(txn: &C) -> AppResult<u64> {
    let mut q = sealed::Entity::find_by_id(1);
    if !jineng_store::db::is_sqlite(txn) {
        q = q.lock_exclusive();
    }
    let from = q
        .one(txn)
        .await?
        .ok_or_else(|| internal("the log's sealed row is missing"))?
        .size as u64;
    let size = size_of(txn).await?;
    if from >= size {
        return Ok(from);
    }
    let mut frontier = Frontier::load(txn, from).await?;
    let mut n = from;
    while n < size {
        let end = (n + 1000).min(size);
        let page = entry::Entity::find()
            .filter(entry::Column::Idx.gte(n as i64))
            .filter(entry::Column::Idx.lt(end as i64))
            .order_by_asc(entry::Column::Idx)
            .all(txn)
            .await?;
        if page.len() as u64 != end - n {
            return Err(internal("entries are missing"));
        }
        let mut new = Vec::with_capacity(page.len() * 2);
        for row in page {
            let bytes = hex::decode(&row.entry).map_err(internal)?;
            let first = tlog::stored_hash_index(0, n);
            for (k, h) in frontier.advance(n, &bytes)?.into_iter().enumerate() {
                new.push(hash::ActiveModel {
                    idx: Set((first + k as u64) as i64),
                    hash: Set(hex::encode(h.0)),
                });
            }
            n += 1;
        }
        for part in new.chunks(2000) {
            hash::Entity::insert_many(part.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
    }
    sealed::Entity::update_many()
        .col_expr(
            sealed::Column::Size,
            sea_orm::sea_query::Expr::value(size as i64),
        )
        .filter(sealed::Column::Id.eq(1))
        .exec(txn)
        .await?;
    Ok(size)
}

fn view(c: cp::Model) -> CheckpointView {
    CheckpointView {
        id: c.id,
        size: c.size as u64,
        root_hex: c.root,
        signed_at: c.signed_at,
        key_id: c.key_id,
        note: c.note,
    }
}

impl<'a> Ledger<'a> {
    /// Count one public read that costs the database against the caller's address
    /// (the one throttling layer); past the limit, 429.
    pub async fn throttle(&self, ctx: &RequestCtx) -> AppResult<()> {
        self.limit(
            ctx,
            crate::accounts::guard::Limit::LedgerReadsPerAddress,
            &ctx.ip,
        )
        .await
        .map(|_| ())
    }

    /// The published verifier key (`name+id+base64`), if a signing key is configured.
    pub fn verifier_key(&self) -> Option<&'a str> {
        let app: &'a crate::App = self.app;
        app.ledger_key.as_deref().map(LogKey::verifier_key)
    }

    /// Every verifier key of the log: the current one first, then those retired.
    pub fn verifier_keys(&self) -> Vec<&'a str> {
        let app: &'a crate::App = self.app;
        self.verifier_key()
            .into_iter()
            .chain(app.ledger_old_keys.iter().map(String::as_str))
            .collect()
    }
}

impl Ledger<'_> {
    fn key(&self) -> AppResult<&LogKey> {
        self.ledger_key.as_deref().ok_or_else(|| {
            AppError::Conflict("未配置证据日志签名密钥（JINENG_LEDGER_KEY），不能签发检查点".into())
        })
    }

    /// Anchor the audit trail's head in the log and sign a checkpoint of the whole tree.
    /// On a schedule (`only_if_changed`) nothing is done when nothing but the previous
    /// checkpoint's own audit record was written since it.
    pub async fn checkpoint(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        only_if_changed: bool,
    ) -> AppResult<Option<CheckpointView>> {
        who.require(jineng_core::accounts::Role::SystemAdmin)?;
        let key = self.key()?;
        let w = self.write(who, ctx).await?;
        lock_log(&w.txn).await?;
        let size_before = size_of(&w.txn).await?;
        let audit = jineng_store::audit::head::Entity::find_by_id(1)
            .one(&w.txn)
            .await?
            .ok_or_else(|| internal("the audit head is missing"))?;
        if only_if_changed {
            let last = entry::Entity::find()
                .filter(entry::Column::Kind.eq(Kind::AuditHead.code()))
                .order_by_desc(entry::Column::Idx)
                .one(&w.txn)
                .await?;
            let anchored: i64 = last.and_then(|l| l.record_id.parse().ok()).unwrap_or(0);
            // Records the log writes about itself (checkpoints, cosignatures) do not make
            // a platform busy: an idle platform signs nothing new.
            let since = jineng_store::audit::record::Entity::find()
                .filter(jineng_store::audit::record::Column::Seq.gt(anchored))
                .filter(jineng_store::audit::record::Column::Action.not_like("ledger.%"))
                .limit(1)
                .one(&w.txn)
                .await?;
            if since.is_none() && size_before > 0 {
                return Ok(None);
            }
        }
        let audit_hash = hex32(&audit.hash).ok_or_else(|| internal("audit head hash"))?;
        append(
            &w.txn,
            &Entry {
                kind: Kind::AuditHead,
                record_id: audit.seq.to_string(),
                record_sha256: audit_hash,
                at_micros: w.now.timestamp_micros(),
                org_id: String::new(),
            },
        )
        .await?;
        let size = seal(&w.txn).await?;
        let root = with_hashes(&w.txn, |r| tlog::tree_hash(size, r)).await?;
        let note = key
            .sign(size, &root.0, w.now.timestamp())
            .map_err(internal)?;
        let row = cp::Model {
            id: uuid::Uuid::now_v7().to_string(),
            size: size as i64,
            root: hex::encode(root.0),
            signed_at: w.now,
            key_id: key.key_id(),
            note,
        };
        cp::Entity::insert(cp::ActiveModel {
            id: Set(row.id.clone()),
            size: Set(row.size),
            root: Set(row.root.clone()),
            signed_at: Set(row.signed_at),
            key_id: Set(row.key_id.clone()),
            note: Set(row.note.clone()),
        })
        .exec(&w.txn)
        .await?;
        // The outbox: the exchange's feed and each witness receive the checkpoint once
        // this change commits, never without it.
        w.touch(jineng_core::exchange::Dataset::Checkpoints, &row.id);
        self.enqueue_pushes(&w, &row.id).await?;
        w.commit(AuditEntry::ok(
            "ledger.checkpoint",
            "ledger",
            &size.to_string(),
            serde_json::json!({"size": size, "root": row.root, "audit_seq": audit.seq}),
        ))
        .await?;
        Ok(Some(view(row)))
    }

    /// The newest checkpoint.
    pub async fn latest(&self) -> AppResult<Option<CheckpointView>> {
        Ok(cp::Entity::find()
            .order_by_desc(cp::Column::Size)
            .order_by_desc(cp::Column::SignedAt)
            .one(&self.db)
            .await?
            .map(view))
    }

    /// The log's current size, every leaf hashed: leaves appended since the last batch
    /// get their stored hashes first (one short write, only when there are any).
    pub async fn size(&self) -> AppResult<u64> {
        // Both sizes in one query: every proof and tile starts here. Each is read by
        // key (the entries' last index from their primary key, the batch row by id).
        let q = format!(
            "SELECT ({}) AS size, (SELECT size FROM ledger_sealed WHERE id = 1) AS hashed",
            size_sql(&self.db)
        );
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                q,
            ))
            .await?
            .ok_or_else(|| internal("the log's sizes could not be read"))?;
        let size = row.try_get::<i64>("", "size")? as u64;
        let hashed = row.try_get::<i64>("", "hashed")? as u64;
        if hashed >= size {
            return Ok(hashed);
        }
        let txn = crate::tx::begin_write(&self.db).await?;
        let size = seal(&txn).await?;
        txn.commit().await?;
        Ok(size)
    }

    /// The encoded entry at `index` (hex).
    pub async fn entry(&self, index: u64) -> AppResult<(Entry, Vec<u8>)> {
        let row = entry::Entity::find_by_id(i64::try_from(index).unwrap_or(i64::MAX))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("日志条目"))?;
        let bytes = hex::decode(&row.entry).map_err(internal)?;
        let e = Entry::decode(&bytes).map_err(internal)?;
        Ok((e, bytes))
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves.
    pub async fn inclusion(&self, index: u64, size: u64) -> AppResult<Vec<[u8; 32]>> {
        let now = self.size().await?;
        if size == 0 || size > now {
            return Err(AppError::field(
                "size",
                format!("树的大小应为 1 至 {now} 之间"),
            ));
        }
        if index >= size {
            return Err(AppError::field("index", "条目序号应小于树的大小"));
        }
        let p = with_hashes(&self.db, |r| tlog::prove_record(size, index, r)).await?;
        Ok(p.into_iter().map(|h| h.0).collect())
    }

    /// Consistency proof from the tree of `first` leaves to the tree of `second`.
    pub async fn consistency(&self, first: u64, second: u64) -> AppResult<Vec<[u8; 32]>> {
        let now = self.size().await?;
        if second > now {
            return Err(AppError::field("second", format!("树的大小应不超过 {now}")));
        }
        if first == 0 || first > second {
            return Err(AppError::field(
                "first",
                "第一个树的大小应至少为 1，且不大于第二个",
            ));
        }
        let p = with_hashes(&self.db, |r| tlog::prove_tree(second, first, r)).await?;
        Ok(p.into_iter().map(|h| h.0).collect())
    }

    /// A tile of the log as C2SP tlog-tiles lays it out (height 8): `tile/<L>/<N>[.p/<W>]`
    /// (hashes, 32 bytes each) or `tile/entries/<N>[.p/<W>]` (entries, each a big-endian
    /// u16 length and the encoding). `None` when the path is malformed or the tile is not
    /// (yet) in the log. Returns the bytes and whether the tile is complete (immutable).
    pub async fn tile(&self, path: &str) -> AppResult<Option<(Vec<u8>, bool)>> {
        const HEIGHT: u8 = 8;
        let Some(rest) = path.strip_prefix("tile/") else {
            return Ok(None);
        };
        // tlog_tiles panics on a level or width out of range: refuse those first.
        let Some((level, tail)) = rest.split_once('/') else {
            return Ok(None);
        };
        if level != "entries" && !level.parse::<u8>().is_ok_and(|l| l < 8) {
            return Ok(None);
        }
        if let Some((_, w)) = tail.rsplit_once(".p/")
            && !w
                .parse::<u32>()
                .is_ok_and(|w| (1..1 << HEIGHT).contains(&w))
        {
            return Ok(None);
        }
        let go_path = match rest.strip_prefix("entries/") {
            Some(n) => format!("tile/{HEIGHT}/data/{n}"),
            None => format!("tile/{HEIGHT}/{rest}"),
        };
        let Ok(tile) = tlog_tiles::Tile::from_path(&go_path) else {
            return Ok(None);
        };
        let size = self.size().await?;
        let level_bits = u32::from(HEIGHT) * u32::from(tile.level());
        let available = if level_bits >= 64 {
            0
        } else {
            size >> level_bits
        };
        let start = tile.level_index().checked_mul(1 << HEIGHT);
        let end = start.and_then(|s| s.checked_add(u64::from(tile.width())));
        let Some((start, end)) = start.zip(end) else {
            return Ok(None);
        };
        if end > available {
            return Ok(None);
        }
        let complete = tile.width() == 1 << HEIGHT;
        if tile.is_data() {
            let rows = entry::Entity::find()
                .filter(entry::Column::Idx.gte(start as i64))
                .filter(entry::Column::Idx.lt(end as i64))
                .order_by_asc(entry::Column::Idx)
                .all(&self.db)
                .await?;
            if rows.len() as u64 != end - start {
                return Err(internal("entries are missing"));
            }
            let mut out = Vec::new();
            for r in rows {
                let bytes = hex::decode(&r.entry).map_err(internal)?;
                let len = u16::try_from(bytes.len()).map_err(internal)?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&bytes);
            }
            return Ok(Some((out, complete)));
        }
        let data = with_hashes(&self.db, |r| tile.read_data(r)).await?;
        Ok(Some((data, complete)))
    }

    /// A proof bundle for the newest entry about `record_id`, against the newest
    /// checkpoint that contains it (`jineng_evidence::bundle`).
    pub async fn bundle(&self, record_id: &str) -> AppResult<jineng_evidence::bundle::Bundle> {
        let found = entry::Entity::find()
            .filter(entry::Column::RecordId.eq(record_id.trim()))
            .order_by_desc(entry::Column::Idx)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("该记录的日志条目"))?;
        self.bundle_of(found).await
    }

    /// A proof bundle for the entry at `index`, against the newest checkpoint that
    /// contains it.
    pub async fn bundle_at(&self, index: u64) -> AppResult<jineng_evidence::bundle::Bundle> {
        let found = entry::Entity::find_by_id(i64::try_from(index).map_err(internal)?)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("日志条目"))?;
        self.bundle_of(found).await
    }

    async fn bundle_of(&self, found: entry::Model) -> AppResult<jineng_evidence::bundle::Bundle> {
        let c = cp::Entity::find()
            .filter(cp::Column::Size.gt(found.idx))
            .order_by_desc(cp::Column::Size)
            .order_by_desc(cp::Column::SignedAt)
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                AppError::Conflict("该条目尚未进入任何已签名的检查点，请稍后再试".into())
            })?;
        let proof = self.inclusion(found.idx as u64, c.size as u64).await?;
        Ok(jineng_evidence::bundle::Bundle {
            format: jineng_evidence::bundle::FORMAT.into(),
            index: found.idx as u64,
            entry: found.entry,
            checkpoint: c.note,
            proof: proof.iter().map(hex::encode).collect(),
        })
    }

    /// The root hash of the tree of `size` leaves.
    pub async fn root(&self, size: u64) -> AppResult<[u8; 32]> {
        let now = self.size().await?;
        if size > now {
            return Err(AppError::field("size", format!("树的大小应不超过 {now}")));
        }
        Ok(with_hashes(&self.db, |r| tlog::tree_hash(size, r)).await?.0)
    }
}

/// Recompute the whole log from its entries and check everything against it: each
/// leaf's row agrees with its encoding, every stored hash, every checkpoint's signature
/// and root, and each anchored audit head against the audit trail as it is now.
/// Signatures are checked against `verifier_keys` (current and retired); with none given,
/// only roots are checked.
pub async fn verify<C: ConnectionTrait>(
    db: &C,
    verifier_keys: &[&str],
) -> Result<LedgerReport, sea_orm::DbErr> {
    let mut report = LedgerReport::default();
    let size = size_of(db).await.unwrap_or(0);
    // Rebuild the stored hashes from the entries alone.
    let mut rebuilt: HashMap<u64, tlog::Hash> = HashMap::new();
    struct Mem<'a>(&'a HashMap<u64, tlog::Hash>);
    impl HashReader for Mem<'_> {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
            indexes
                .iter()
                .map(|i| self.0.get(i).copied().ok_or(tlog::Error::IndexesNotInTree))
                .collect()
        }
    }
    let mut next = 0u64;
    loop {
        let page = entry::Entity::find()
            .filter(entry::Column::Idx.gte(next as i64))
            .order_by_asc(entry::Column::Idx)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let n = row.idx as u64;
            if n != next {
                report
                    .problems
                    .push((next, "条目缺失（序号不连续）".into()));
                next = n;
            }
            let decoded = hex::decode(&row.entry)
                .ok()
                .and_then(|b| Entry::decode(&b).ok().map(|e| (e, b)));
            let Some((e, bytes)) = decoded else {
                report.problems.push((n, "条目编码无效".into()));
                next += 1;
                continue;
            };
            if e.kind.code() != row.kind
                || e.record_id != row.record_id
                || hex::encode(e.record_sha256) != row.record_sha256
                || e.org_id != row.org_id
            {
                report.problems.push((n, "条目各列与其编码不一致".into()));
            }
            match tlog::stored_hashes(n, &bytes, &Mem(&rebuilt)) {
                Ok(hs) => {
                    let first = tlog::stored_hash_index(0, n);
                    for (k, h) in hs.into_iter().enumerate() {
                        rebuilt.insert(first + k as u64, h);
                    }
                }
                Err(_) => report.problems.push((n, "无法重建树".into())),
            }
            if e.kind == Kind::AuditHead {
                let seq: i64 = e.record_id.parse().unwrap_or(-1);
                let rec = jineng_store::audit::record::Entity::find_by_id(seq)
                    .one(db)
                    .await?;
                match rec {
                    Some(r) if hex32(&r.hash) == Some(e.record_sha256) => {}
                    Some(_) => report.problems.push((
                        n,
                        format!("审计记录 {seq} 已被改写（与日志锚定的哈希不符）"),
                    )),
                    None => report
                        .problems
                        .push((n, format!("审计记录 {seq} 已被删除"))),
                }
            }
            next += 1;
            report.entries += 1;
        }
    }
    if next != size {
        report
            .problems
            .push((next, format!("日志大小记为 {size}，实有 {next} 条")));
    }
    let hashed = sealed::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(|s| s.size as u64)
        .unwrap_or(0);
    if hashed > size {
        report.problems.push((
            hashed,
            format!("已计算哈希的条目数记为 {hashed}，超过日志大小 {size}"),
        ));
    }
    // Stored hashes against the rebuilt ones.
    let mut at = 0i64;
    loop {
        let page = hash::Entity::find()
            .filter(hash::Column::Idx.gte(at))
            .order_by_asc(hash::Column::Idx)
            .limit(5000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for h in page {
            at = h.idx + 1;
            if rebuilt.get(&(h.idx as u64)).map(|r| hex::encode(r.0)) != Some(h.hash.clone()) {
                let (_, leaf) = tlog::split_stored_hash_index(h.idx as u64);
                report
                    .problems
                    .push((leaf, format!("存储的树哈希 {} 与重算结果不符", h.idx)));
            }
        }
    }
    // Checkpoints: signature, and root against the tree rebuilt from the entries.
    let checkpoints = cp::Entity::find()
        .order_by_asc(cp::Column::SignedAt)
        .all(db)
        .await?;
    for c in checkpoints {
        report.checkpoints += 1;
        let size = c.size as u64;
        if !verifier_keys.is_empty() {
            match checkpoint::verify_any(&c.note, verifier_keys) {
                Ok(v) if v.size == size && Some(v.root) == hex32(&c.root) => {}
                Ok(_) => report
                    .problems
                    .push((size, "检查点内容与其签名的内容不一致".into())),
                Err(e) => report.problems.push((size, format!("检查点签名无效：{e}"))),
            }
        }
        match tlog::tree_hash(size, &Mem(&rebuilt)) {
            Ok(root) if Some(root.0) == hex32(&c.root) => {}
            Ok(_) => report.problems.push((
                size,
                "检查点的根哈希与按条目重算的不符（日志被改写或分叉）".into(),
            )),
            Err(_) => report
                .problems
                .push((size, "检查点的树大小超出现有条目".into())),
        }
    }
    Ok(report)
}
