//! The evidence-log benchmark (issue 10), on SQLite in a temporary file (or
//! `JINENG_BENCH_DATABASE_URL`):
//!
//! 1. Appends inside business transactions: the same small transaction (one row and its
//!    audit record; and a bare row) with and without `ledger::append`, alternated in rounds;
//!    reported as the ratio of their rates (target ≥ 0.8).
//! 2. Bytes of storage per entry over 20,000 real appends and their batch hashing (the
//!    SQLite file's growth, or the ledger tables' size on PostgreSQL).
//! 3. Proofs at ENTRIES leaves (default 10,000,000): the stored hashes of a tree that size
//!    are written in bulk (computed with the `ledger::Frontier` the batch hashing uses,
//!    keeping only the tree's right edge in memory), then 2,000 random inclusion and consistency proofs are
//!    timed through the real use case (p50 / p99, target p99 ≤ 2 ms), against a
//!    primary-key fetch of one stored hash in the same run.

use jineng_evidence::entry::{Entry, Kind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::time::{Duration, Instant};
use tlog_tiles::tlog;

pub fn run(entries: u64) -> Result<(), String> {
    crate::block_on(run_async(entries))
}

fn fact(n: u64) -> Entry {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&n.to_be_bytes());
    Entry {
        kind: Kind::StudySummary,
        record_id: uuid::Uuid::now_v7().to_string(),
        record_sha256: h,
        at_micros: 1_764_750_000_000_000 + n as i64,
        org_id: "01936f2e-7a7b-7c3d-9e4f-5a6b7c8d9e0f".into(),
    }
}

/// Cheap deterministic numbers for picking leaves.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) % n.max(1)
    }
}

async fn run_async(entries: u64) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let (app, file) = crate::fresh_app(4).await?;
    let db = app.db.clone();

    // 1. Business transactions with and without the append, alternated. Two shapes: the
    //    smallest change the platform makes (one row and its audit record, as every
    //    use case writes) and a bare one-row transaction.
    let business = |n: u64| {
        format!(
            "INSERT INTO settings (key, value, updated_at) VALUES ('bench.{n}', 'x', '2026-12-03T00:00:00Z')"
        )
    };
    let ctx = jineng_app::RequestCtx::default();
    let actor = jineng_app::audit::Actor {
        id: "bench",
        name: "基准测试",
        role: "system_admin",
    };
    let mut n = 0u64;
    let mut rates = Vec::new();
    let (mut in_append, mut appended) = (Duration::ZERO, 0u32);
    for audited in [true, false] {
        let (mut plain, mut with) = (Duration::ZERO, Duration::ZERO);
        let (rounds, per) = (8u64, 500u64);
        for _ in 0..rounds {
            for append in [false, true] {
                let t = Instant::now();
                for _ in 0..per {
                    let txn = jineng_app::tx::begin_write(&db).await.map_err(|x| e(&x))?;
                    txn.execute_unprepared(&business(n))
                        .await
                        .map_err(|x| e(&x))?;
                    if append {
                        let t = Instant::now();
                        jineng_app::ledger::append(&txn, &fact(n))
                            .await
                            .map_err(|x| e(&x))?;
                        in_append += t.elapsed();
                        appended += 1;
                    }
                    if audited {
                        jineng_app::audit::append(
                            &txn,
                            app.keyring.audit_key(),
                            chrono::Utc::now(),
                            actor,
                            &ctx,
                            jineng_app::audit::Entry::ok(
                                "bench.change",
                                "setting",
                                &n.to_string(),
                                serde_json::json!({"value": "x"}),
                            ),
                        )
                        .await
                        .map_err(|x| e(&x))?;
                    }
                    txn.commit().await.map_err(|x| e(&x))?;
                    n += 1;
                }
                if append {
                    with += t.elapsed();
                } else {
                    plain += t.elapsed();
                }
            }
        }
        let count = (rounds * per) as f64;
        let (p, w) = (count / plain.as_secs_f64(), count / with.as_secs_f64());
        println!(
            "{}: {p:.0}/s without the append, {w:.0}/s with it",
            if audited {
                "one row + its audit record"
            } else {
                "one bare row"
            }
        );
        rates.push(w / p);
        if std::env::var("JINENG_BENCH_PROFILE").is_ok() {
            println!(
                "profile: the append statement itself {:.1} µs on average; a transaction without it {:.1} µs, with it {:.1} µs",
                in_append.as_secs_f64() * 1e6 / f64::from(appended.max(1)),
                1e6 / p,
                1e6 / w
            );
            (in_append, appended) = (Duration::ZERO, 0);
        }
    }

    // 2. Bytes per entry over real appends (file growth, WAL folded in first).
    let size_of = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let fold = "PRAGMA wal_checkpoint(TRUNCATE)";
    let sqlite = jineng_store::db::is_sqlite(&db);
    if sqlite {
        db.execute_unprepared(fold).await.map_err(|x| e(&x))?;
    }
    // PostgreSQL: the ledger tables' size with their indexes and TOAST.
    let pg_size = || async {
        let q = "SELECT (pg_total_relation_size('ledger_entries') + pg_total_relation_size('ledger_hashes'))::bigint AS n";
        db.query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            q,
        ))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or(0) as u64
    };
    let before = if sqlite { size_of() } else { pg_size().await };
    let grow = 20_000u64;
    for chunk in 0..grow / 1000 {
        let txn = jineng_app::tx::begin_write(&db).await.map_err(|x| e(&x))?;
        for i in 0..1000 {
            jineng_app::ledger::append(&txn, &fact(1_000_000 + chunk * 1000 + i))
                .await
                .map_err(|x| e(&x))?;
        }
        txn.commit().await.map_err(|x| e(&x))?;
    }
    // The appends' stored hashes, written in one batch as a checkpoint would.
    let t = Instant::now();
    let txn = jineng_app::tx::begin_write(&db).await.map_err(|x| e(&x))?;
    let hashed = jineng_app::ledger::seal(&txn).await.map_err(|x| e(&x))?;
    txn.commit().await.map_err(|x| e(&x))?;
    let seal_rate = grow as f64 / t.elapsed().as_secs_f64();
    if hashed < grow {
        return Err(format!("only {hashed} leaves hashed"));
    }
    if sqlite {
        db.execute_unprepared(fold).await.map_err(|x| e(&x))?;
    }
    let after = if sqlite { size_of() } else { pg_size().await };
    let per_entry = (after.saturating_sub(before)) as f64 / grow as f64;

    // 3. A tree of `entries` leaves: stored hashes written in bulk after the real ones
    //    (no entry rows for them: the hashed size, which proofs read, runs ahead).
    let start = app.ledger().size().await.map_err(|x| e(&x))?;
    let mut frontier = jineng_app::ledger::Frontier::load(&db, start)
        .await
        .map_err(|x| e(&x))?;
    let built = Instant::now();
    let mut leaf = start;
    let batch = 20_000u64;
    while leaf < entries {
        let end = (leaf + batch).min(entries);
        let mut rows = Vec::with_capacity(((end - leaf) * 2) as usize);
        for n in leaf..end {
            let bytes = fact(n).encode().map_err(|x| e(&x))?;
            let first = tlog::stored_hash_index(0, n);
            for (k, h) in frontier
                .advance(n, &bytes)
                .map_err(|x| e(&x))?
                .iter()
                .enumerate()
            {
                rows.push(format!("({},'{}')", first + k as u64, hex::encode(h.0)));
            }
        }
        let txn = jineng_app::tx::begin_write(&db).await.map_err(|x| e(&x))?;
        for part in rows.chunks(5000) {
            txn.execute_unprepared(&format!(
                "INSERT INTO ledger_hashes (idx, hash) VALUES {}",
                part.join(",")
            ))
            .await
            .map_err(|x| e(&x))?;
        }
        txn.execute_unprepared(&format!(
            "UPDATE ledger_sealed SET size = {end} WHERE id = 1"
        ))
        .await
        .map_err(|x| e(&x))?;
        if !sqlite {
            // PostgreSQL keeps the log's size in its head row.
            txn.execute_unprepared(&format!("UPDATE ledger_head SET size = {end} WHERE id = 1"))
                .await
                .map_err(|x| e(&x))?;
        }
        txn.commit().await.map_err(|x| e(&x))?;
        leaf = end;
    }
    let size = app.ledger().size().await.map_err(|x| e(&x))?;
    println!(
        "tree of {size} leaves built in {:.0} s (stored hashes only beyond the first {start})",
        built.elapsed().as_secs_f64()
    );

    let ledger = app.ledger();
    if std::env::var("JINENG_BENCH_PROFILE").is_ok() {
        // Where a proof's time goes: the size query alone, then a 64-index read alone.
        let (mut sz, mut many) = (Vec::new(), Vec::new());
        for k in 0..500u64 {
            let t = Instant::now();
            ledger.size().await.map_err(|x| e(&x))?;
            sz.push(t.elapsed());
            let ids: Vec<i64> = (0..64)
                .map(|j| ((k * 7919 + j * 104729) % size) as i64)
                .collect();
            let t = Instant::now();
            jineng_store::ledger::hash::Entity::find()
                .filter(jineng_store::ledger::hash::Column::Idx.is_in(ids))
                .all(&db)
                .await
                .map_err(|x| e(&x))?;
            many.push(t.elapsed());
        }
        println!(
            "profile: size() p50 {:.3} ms; 64-index read p50 {:.3} ms",
            crate::percentile_ms(sz, 0.5),
            crate::percentile_ms(many, 0.5)
        );
    }
    let mut rng = Lcg(42);
    let tries = 2000;
    let (mut inc, mut con, mut pk) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..tries {
        let i = rng.below(size);
        let t = Instant::now();
        let p = ledger.inclusion(i, size).await.map_err(|x| e(&x))?;
        inc.push(t.elapsed());
        if p.is_empty() && size > 1 {
            return Err("empty inclusion proof".into());
        }
        let first = 1 + rng.below(size - 1);
        let t = Instant::now();
        ledger.consistency(first, size).await.map_err(|x| e(&x))?;
        con.push(t.elapsed());
        let idx = rng.below(tlog::stored_hash_index(0, size - 1)) as i64;
        let t = Instant::now();
        jineng_store::ledger::hash::Entity::find_by_id(idx)
            .one(&db)
            .await
            .map_err(|x| e(&x))?;
        pk.push(t.elapsed());
    }
    println!();
    println!(
        "appends in audited changes = {:.2} of the same changes without (target >= 0.80) {}",
        rates[0],
        if rates[0] >= 0.8 { "MET" } else { "NOT MET" }
    );
    println!(
        "appends in bare one-row transactions = {:.2} of the same without (for reference)",
        rates[1]
    );
    println!("storage per entry = {per_entry:.0} bytes (entry row, its stored hashes, indexes)");
    println!("hashing appended leaves in a batch: {seal_rate:.0} leaves/s");
    let (ip50, ip99, cp99) = (
        crate::percentile_ms(inc.clone(), 0.5),
        crate::percentile_ms(inc, 0.99),
        crate::percentile_ms(con, 0.99),
    );
    println!(
        "inclusion proof at {size} leaves: p50 {ip50:.3} ms, p99 {ip99:.3} ms (target p99 <= 2 ms) {}",
        if ip99 <= 2.0 { "MET" } else { "NOT MET" }
    );
    println!(
        "consistency proof at {size} leaves: p99 {cp99:.3} ms (target <= 2 ms) {}",
        if cp99 <= 2.0 { "MET" } else { "NOT MET" }
    );
    println!(
        "reference: one stored hash by primary key p99 {:.3} ms",
        crate::percentile_ms(pk, 0.99)
    );
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(())
}
