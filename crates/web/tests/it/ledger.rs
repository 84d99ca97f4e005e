//! The evidence log (issue 10): checkpoints anchor the audit trail and verify with the
//! published key; proofs from the API verify with our RFC 9162 code and with an
//! independent RFC 6962 implementation (`ct-merkle`); appends are exactly-once; and
//! `ledger::verify` finds every kind of tampering by index and reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use axum::http::{Method, StatusCode};
use jineng_evidence::entry::{Entry, Kind};
use sea_orm::ConnectionTrait;
use serde_json::json;

fn h32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

async fn sign(t: &TestApp, admin: &str) -> serde_json::Value {
    let r = t
        .api(Method::POST, "/ledger/checkpoints", Some(admin), None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

/// Some audited change, so the audit head moves.
pub(crate) async fn some_change(t: &TestApp, admin: &str, n: usize) {
    let r = t
        .api(
            Method::POST,
            "/users",
            Some(admin),
            Some(json!({"username": format!("ledger_user_{n}"), "display_name": "证据测试", "password": "Ledger@2026x", "roles": [{"role": "viewer"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn raw_entry(t: &TestApp, index: u64) -> Vec<u8> {
    let e = t
        .api(
            Method::GET,
            &format!("/ledger/entry?index={index}"),
            None,
            None,
        )
        .await
        .json();
    hex::decode(e["entry"].as_str().unwrap()).unwrap()
}

fn ct_inclusion(entry: &[u8], index: u64, size: u64, root: [u8; 32], proof: &[[u8; 32]]) -> bool {
    use sha2_next::Sha256;
    let root = ct_merkle::RootHash::<Sha256>::new(root.into(), size);
    let digests: Vec<_> = proof.iter().map(|h| (*h).into()).collect();
    let p = ct_merkle::InclusionProof::<Sha256>::from_digests(digests.iter());
    root.verify_inclusion(&entry, index, &p).is_ok()
}

fn ct_consistency(first: (u64, [u8; 32]), second: (u64, [u8; 32]), proof: &[[u8; 32]]) -> bool {
    use sha2_next::Sha256;
    let old = ct_merkle::RootHash::<Sha256>::new(first.1.into(), first.0);
    let new = ct_merkle::RootHash::<Sha256>::new(second.1.into(), second.0);
    let digests: Vec<_> = proof.iter().map(|h| (*h).into()).collect();
    let p = ct_merkle::ConsistencyProof::<Sha256>::from_digests(digests.iter());
    new.verify_consistency(&old, &p).is_ok()
}

fn hashes(v: &serde_json::Value) -> Vec<[u8; 32]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| h32(h.as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn checkpoints_anchor_the_audit_trail_and_every_proof_checks_out() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let vkey = t.api(Method::GET, "/ledger/key", None, None).await.text();
    // Eleven checkpoints with changes between them: sizes 1..=11, not powers of two.
    let mut signed = Vec::new();
    for n in 0..11 {
        some_change(&t, &admin, n).await;
        signed.push(sign(&t, &admin).await);
    }
    // The latest checkpoint is served as a signed note that verifies with the key.
    let note = t.api(Method::GET, "/ledger/checkpoint", None, None).await;
    assert_eq!(note.status, StatusCode::OK);
    assert!(
        note.header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let v = jineng_evidence::checkpoint::verify(&note.text(), vkey.trim()).unwrap();
    let size = v.size;
    assert_eq!(size, 11);
    assert_eq!(hex::encode(v.root), signed[10]["root"].as_str().unwrap());
    // Every entry is an anchored audit head, and each is in every later tree.
    for index in 0..size {
        let entry = raw_entry(&t, index).await;
        let e = Entry::decode(&entry).unwrap();
        assert_eq!(e.kind, Kind::AuditHead);
        for s in index + 1..=size {
            let p = t
                .api(
                    Method::GET,
                    &format!("/ledger/proofs/inclusion?index={index}&size={s}"),
                    None,
                    None,
                )
                .await
                .json();
            let root = h32(p["root"].as_str().unwrap());
            let proof = hashes(&p["proof"]);
            let leaf = jineng_evidence::leaf_hash(&entry);
            assert!(jineng_evidence::verify_inclusion(
                &leaf, index, s, &proof, &root
            ));
            assert!(
                ct_inclusion(&entry, index, s, root, &proof),
                "{index} in {s}"
            );
            // Someone else's entry does not pass with this proof.
            let mut other = entry.clone();
            other[12] ^= 1;
            assert!(!ct_inclusion(&other, index, s, root, &proof));
        }
    }
    // Consistency between every pair of sizes.
    for first in 1..=size {
        for second in first..=size {
            let p = t
                .api(
                    Method::GET,
                    &format!("/ledger/proofs/consistency?first={first}&second={second}"),
                    None,
                    None,
                )
                .await
                .json();
            let (r1, r2) = (
                h32(p["first_root"].as_str().unwrap()),
                h32(p["second_root"].as_str().unwrap()),
            );
            let proof = hashes(&p["proof"]);
            assert!(jineng_evidence::verify_consistency(
                first, second, &r1, &r2, &proof
            ));
            assert!(
                ct_consistency((first, r1), (second, r2), &proof),
                "{first}→{second}"
            );
        }
    }
    // Each checkpoint's root is the tree's root at its size.
    for c in &signed {
        let s = c["size"].as_u64().unwrap();
        let p = t
            .api(
                Method::GET,
                &format!("/ledger/proofs/consistency?first={s}&second={size}"),
                None,
                None,
            )
            .await
            .json();
        assert_eq!(p["first_root"], c["root"]);
    }
    let r = jineng_app::ledger::verify(&t.app.db, &[vkey.trim()])
        .await
        .unwrap();
    assert_eq!(r.problems, vec![], "{r:?}");
    assert_eq!((r.entries, r.checkpoints), (11, 11));
}

#[tokio::test]
async fn bad_proof_requests_get_a_clear_4xx() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    sign(&t, &admin).await;
    some_change(&t, &admin, 0).await;
    sign(&t, &admin).await;
    for (path, status, field) in [
        ("/ledger/proofs/inclusion?index=2&size=2", 422, "index"),
        ("/ledger/proofs/inclusion?index=0&size=3", 422, "size"),
        ("/ledger/proofs/inclusion?index=0&size=0", 422, "size"),
        ("/ledger/proofs/consistency?first=2&second=1", 422, "first"),
        ("/ledger/proofs/consistency?first=1&second=9", 422, "second"),
        ("/ledger/proofs/consistency?first=0&second=1", 422, "first"),
    ] {
        let p = t.api(Method::GET, path, None, None).await.problem(status);
        assert_eq!(p["errors"][0]["field"], field, "{path}: {p}");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{2E80}')
        );
    }
    let r = t
        .api(
            Method::GET,
            "/ledger/proofs/inclusion?index=-1&size=x",
            None,
            None,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    t.api(Method::GET, "/ledger/entry?index=99", None, None)
        .await
        .problem(404);
    // Signing is the system admin's.
    let viewer = t.token("institution").await;
    t.api(Method::POST, "/ledger/checkpoints", Some(&viewer), None)
        .await
        .problem(403);
}

fn fact(id: &str) -> Entry {
    Entry {
        kind: Kind::Certificate,
        record_id: id.into(),
        record_sha256: [3; 32],
        at_micros: 1_764_750_000_000_000,
        org_id: String::new(),
    }
}

/// A retried change finds its fact already there; a rolled-back one leaves nothing; six
/// concurrent changes appending different facts get six consecutive leaves.
#[tokio::test]
async fn appends_are_exactly_once() {
    let t = TestApp::new().await;
    let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
    let a = jineng_app::ledger::append(&txn, &fact("c-1"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert!(a.new && a.index == 0);
    let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
    let again = jineng_app::ledger::append(&txn, &fact("c-1"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!((again.index, again.new), (0, false));
    // Rolled back: no leaf.
    let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
    jineng_app::ledger::append(&txn, &fact("c-2"))
        .await
        .unwrap();
    drop(txn);
    assert_eq!(t.app.ledger().size().await.unwrap(), 1);
    // Concurrent changes, each with its own fact (and one twin pair).
    let ids = ["c-3", "c-4", "c-5", "c-6", "c-7", "c-7"];
    let tries = ids.iter().map(|id| {
        let db = t.app.db.clone();
        async move {
            let txn = jineng_app::tx::begin_write(&db).await.unwrap();
            let r = jineng_app::ledger::append(&txn, &fact(id)).await.unwrap();
            txn.commit().await.unwrap();
            r
        }
    });
    let done = futures::future::join_all(tries).await;
    assert_eq!(done.iter().filter(|r| r.new).count(), 5, "{done:?}");
    assert_eq!(t.app.ledger().size().await.unwrap(), 6);
    let mut indexes: Vec<u64> = done.iter().filter(|r| r.new).map(|r| r.index).collect();
    indexes.sort();
    assert_eq!(indexes, vec![1, 2, 3, 4, 5]);
    let r = jineng_app::ledger::verify(&t.app.db, &[]).await.unwrap();
    assert_eq!(r.problems, vec![]);
}

/// Leaves are hashed in batches after the fact: batches that end at odd sizes and cross
/// pages give the same tree as hashing each leaf as it comes (the roots of every prefix
/// against the RFC 9162 code over the leaves, every stored hash against `verify`'s
/// rebuild), and batches asked for at once by several callers never write a hash twice.
#[tokio::test]
async fn leaves_hashed_in_batches_make_the_same_tree() {
    let t = TestApp::new().await;
    let mut leaves = Vec::new();
    let mut n = 0usize;
    for batch in [1usize, 36, 1197, 3, 1300] {
        let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
        for _ in 0..batch {
            let f = fact(&format!("batch-{n}"));
            leaves.push(jineng_evidence::leaf_hash(&f.encode().unwrap()));
            jineng_app::ledger::append(&txn, &f).await.unwrap();
            n += 1;
        }
        txn.commit().await.unwrap();
        // Several callers ask for the size (and so for the batch) at once.
        let asks = (0..4).map(|_| {
            let app = t.app.clone();
            async move { app.ledger().size().await.unwrap() }
        });
        let sizes = futures::future::join_all(asks).await;
        assert!(sizes.iter().all(|s| *s == n as u64), "{sizes:?}");
    }
    for size in [1usize, 2, 37, 1000, 1234, 1237, 2048, n] {
        let root = t.app.ledger().root(size as u64).await.unwrap();
        assert_eq!(root, jineng_evidence::root(&leaves[..size]), "size {size}");
    }
    let r = jineng_app::ledger::verify(&t.app.db, &[]).await.unwrap();
    assert_eq!(r.problems, vec![]);
    assert_eq!(r.entries, n as u64);
}

/// Each kind of tampering is reported by `verify` with where and why.
#[tokio::test]
async fn tampering_is_found_by_index_and_reason() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let vkey = t.api(Method::GET, "/ledger/key", None, None).await.text();
    let vkey = vkey.trim();
    for n in 0..5 {
        some_change(&t, &admin, n).await;
        sign(&t, &admin).await;
    }
    let db = &t.app.db;
    let clean = jineng_app::ledger::verify(db, &[vkey]).await.unwrap();
    assert_eq!(clean.problems, vec![]);
    let found = |r: &jineng_app::ledger::LedgerReport, at: u64, words: &str| {
        r.problems
            .iter()
            .any(|(i, why)| *i == at && why.contains(words))
    };
    let exec = |sql: String| async move { db.execute_unprepared(&sql).await.unwrap() };

    // 1. An anchored audit record rewritten, its hash recomputed (here: replaced).
    let e2 = Entry::decode(&raw_entry(&t, 2).await).unwrap();
    exec(format!(
        "UPDATE audit_log SET hash = '{}' WHERE seq = {}",
        "ab".repeat(32),
        e2.record_id
    ))
    .await;
    let r = jineng_app::ledger::verify(db, &[vkey]).await.unwrap();
    assert!(found(&r, 2, "已被改写"), "{r:?}");
    exec(format!(
        "UPDATE audit_log SET hash = '{}' WHERE seq = {}",
        hex::encode(e2.record_sha256),
        e2.record_id
    ))
    .await;

    // 2. An entry's row changed.
    exec("UPDATE ledger_entries SET record_id = '1' WHERE idx = 3".into()).await;
    let r = jineng_app::ledger::verify(db, &[vkey]).await.unwrap();
    assert!(found(&r, 3, "与其编码不一致"), "{r:?}");
    exec(format!(
        "UPDATE ledger_entries SET record_id = '{}' WHERE idx = 3",
        Entry::decode(&raw_entry(&t, 3).await).unwrap().record_id
    ))
    .await;

    // 3. An entry's encoding changed (a different fact in its place).
    let original = raw_entry(&t, 1).await;
    let mut changed = original.clone();
    let last = changed.len() - 3;
    changed[last] ^= 1;
    exec(format!(
        "UPDATE ledger_entries SET entry = '{}' WHERE idx = 1",
        hex::encode(&changed)
    ))
    .await;
    let r = jineng_app::ledger::verify(db, &[vkey]).await.unwrap();
    assert!(
        r.problems.iter().any(|(_, why)| why.contains("重算")),
        "{r:?}"
    );
    exec(format!(
        "UPDATE ledger_entries SET entry = '{}' WHERE idx = 1",
        hex::encode(&original)
    ))
    .await;
    assert_eq!(
        jineng_app::ledger::verify(db, &[vkey])
            .await
            .unwrap()
            .problems,
        vec![]
    );

    // 4. A checkpoint forged: another root, or signed by another key.
    exec(format!(
        "UPDATE ledger_checkpoints SET root = '{}' WHERE size = 4",
        "cd".repeat(32)
    ))
    .await;
    let r = jineng_app::ledger::verify(db, &[vkey]).await.unwrap();
    assert!(found(&r, 4, "检查点"), "{r:?}");
    let other = test_ledger_key().sign(4, &[1; 32], 0).unwrap();
    exec(format!(
        "UPDATE ledger_checkpoints SET note = '{other}' WHERE size = 4"
    ))
    .await;
    let r = jineng_app::ledger::verify(db, &[vkey]).await.unwrap();
    assert!(found(&r, 4, "签名无效"), "{r:?}");

    // 5. An entry deleted.
    exec("DELETE FROM ledger_entries WHERE idx = 2".into()).await;
    let r = jineng_app::ledger::verify(db, &[vkey]).await.unwrap();
    assert!(found(&r, 2, "条目缺失"), "{r:?}");
}

/// The log served as C2SP tlog-tiles: a client that has only the tiles, the checkpoint
/// and the verifier key (tlog_tiles' tile-checking reader) recomputes the signed root and
/// proves entries, and ct-merkle checks those proofs.
#[tokio::test]
async fn tiles_serve_the_log_to_a_tile_reading_verifier() {
    use std::collections::HashMap;
    use tlog_tiles::{Tile, TileHashReader, TileReader};
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    // 300 facts: two levels of tiles (256 wide) and a partial tile at the edge.
    let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
    for i in 0..300 {
        jineng_app::ledger::append(&txn, &fact(&format!("tile-{i}")))
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    sign(&t, &admin).await;
    let mut b = t.browser();
    let vkey = t.api(Method::GET, "/ledger/key", None, None).await.text();
    let note = b.get("/ledger/tiles/checkpoint").await;
    assert_eq!(note.status, StatusCode::OK);
    let v = jineng_evidence::checkpoint::verify(&note.text(), vkey.trim()).unwrap();
    assert_eq!(v.size, 301);

    // Fetch every tile the tree needs, by its C2SP path.
    let c2sp = |t: &Tile| {
        t.path()
            .replacen("tile/8/", "tile/", 1)
            .replace("/data/", "/entries/")
    };
    let mut fetched: HashMap<Tile, Vec<u8>> = HashMap::new();
    for tile in Tile::new_tiles(8, 0, v.size) {
        let r = b.get(&format!("/ledger/tiles/{}", c2sp(&tile))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", c2sp(&tile));
        let full = tile.width() == 256;
        assert_eq!(
            r.header("cache-control").unwrap().contains("immutable"),
            full,
            "{}",
            c2sp(&tile)
        );
        fetched.insert(tile, r.body.clone());
    }
    struct Fetched(HashMap<Tile, Vec<u8>>);
    impl TileReader for Fetched {
        fn height(&self) -> u8 {
            8
        }
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
            tiles
                .iter()
                .map(|t| self.0.get(t).cloned().ok_or(tlog_tiles::Error::InvalidTile))
                .collect()
        }
        fn save_tiles(&self, _: &[Tile], _: &[Vec<u8>]) {}
    }
    let reader = Fetched(fetched);
    let hashes = TileHashReader::new(v.size, tlog_tiles::Hash(v.root), &reader);
    assert_eq!(tlog_tiles::tree_hash(v.size, &hashes).unwrap().0, v.root);

    // Entries from the bundles, proved against the signed root from tiles alone.
    let mut entries = Vec::new();
    for n in [0u64, 1] {
        let w = if n == 0 {
            String::new()
        } else {
            ".p/45".into()
        };
        let r = b
            .get(&format!("/ledger/tiles/tile/entries/{n:03}{w}"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let mut rest = &r.body[..];
        while !rest.is_empty() {
            let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
            entries.push(rest[2..2 + len].to_vec());
            rest = &rest[2 + len..];
        }
    }
    assert_eq!(entries.len(), 301);
    for index in [0u64, 1, 255, 256, 299, 300] {
        let proof: Vec<[u8; 32]> = tlog_tiles::prove_record(v.size, index, &hashes)
            .unwrap()
            .into_iter()
            .map(|h| h.0)
            .collect();
        assert!(ct_inclusion(
            &entries[index as usize],
            index,
            v.size,
            v.root,
            &proof
        ));
    }

    // Tiles beyond the log or with bad paths are 404, in Chinese.
    for bad in [
        "tile/0/002",
        "tile/0/001",
        "tile/0/001.p/46",
        "tile/1/000.p/2",
        "tile/entries/001.p/46",
        "tile/0/x001",
        "tile/0/../000",
        "tile/99/000",
        "tile/0/000.p/0",
    ] {
        let r = b.get(&format!("/ledger/tiles/{bad}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

/// Generated tile paths (well-formed, out of range, and junk) are answered 200 or 404,
/// never a server error.
#[tokio::test]
async fn any_tile_path_is_answered_without_a_server_error() {
    use proptest::strategy::{Strategy, ValueTree};
    let t = TestApp::new().await;
    let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
    jineng_app::ledger::append(&txn, &fact("one"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let mut b = t.browser();
    let paths = "(entries|[0-9]{1,3})(/x?[0-9]{1,4}){1,3}(\\.p/[0-9]{1,4})?|[A-Za-z0-9./_~-]{0,40}";
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..400 {
        let path = paths.new_tree(&mut runner).unwrap().current();
        let status = b.get(&format!("/ledger/tiles/tile/{path}")).await.status;
        assert!(
            status == StatusCode::OK || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
    }
    // The one tile that exists is found by its exact paths only.
    assert!(b.get("/ledger/tiles/tile/0/000.p/1").await.status == StatusCode::OK);
}

/// A record's proof bundle, from the API, checks out offline with the published key and
/// on the public page; a tampered bundle is refused there with the reason, in Chinese.
#[tokio::test]
async fn a_proof_bundle_is_checked_offline_and_on_the_public_page() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    some_change(&t, &admin, 0).await;
    let c = sign(&t, &admin).await;
    let vkey = t.api(Method::GET, "/ledger/key", None, None).await.text();
    let first = Entry::decode(&raw_entry(&t, 0).await).unwrap();
    let r = t
        .api(
            Method::GET,
            &format!("/ledger/bundle?record_id={}", first.record_id),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let bundle = r.text();
    let p = jineng_evidence::bundle::verify(&bundle, vkey.trim()).unwrap();
    assert_eq!(p.entry, first);
    assert_eq!(p.checkpoint.size, c["size"].as_u64().unwrap());
    // A record with no entry, or an entry not yet under a checkpoint.
    t.api(Method::GET, "/ledger/bundle?record_id=nope", None, None)
        .await
        .problem(404);
    let txn = jineng_app::tx::begin_write(&t.app.db).await.unwrap();
    jineng_app::ledger::append(&txn, &fact("unsigned"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    t.api(Method::GET, "/ledger/bundle?record_id=unsigned", None, None)
        .await
        .problem(409);

    // The public page, without signing in.
    let mut b = t.browser();
    let page = b.get("/ledger").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("证据日志") && html.contains(vkey.trim()),
        "{html}"
    );
    let csrf = b.csrf("/ledger").await;
    let ok = b
        .post(
            "/ledger/verify",
            &[("_csrf", csrf.as_str()), ("bundle", bundle.as_str())],
        )
        .await
        .text();
    assert!(
        ok.contains("验证通过") && ok.contains("审计日志锚点"),
        "{ok}"
    );
    let by_id = b
        .post(
            "/ledger/verify",
            &[
                ("_csrf", csrf.as_str()),
                ("record_id", first.record_id.as_str()),
            ],
        )
        .await
        .text();
    assert!(by_id.contains("验证通过"), "{by_id}");
    let tampered = bundle.replacen("\"index\": 0", "\"index\": 1", 1);
    assert_ne!(tampered, bundle);
    let bad = b
        .post(
            "/ledger/verify",
            &[("_csrf", csrf.as_str()), ("bundle", tampered.as_str())],
        )
        .await
        .text();
    assert!(
        bad.contains("验证未通过") && bad.contains("包含证明不成立"),
        "{bad}"
    );
    let junk = b
        .post(
            "/ledger/verify",
            &[("_csrf", csrf.as_str()), ("bundle", "证书编号 123")],
        )
        .await
        .text();
    assert!(junk.contains("不是证明文件"), "{junk}");
}

/// After the signing key is rotated, checkpoints signed by the old key still verify with
/// its retired verifier key, and are reported without it.
#[tokio::test]
async fn a_rotated_key_leaves_old_checkpoints_verifiable() {
    let t = TestApp::new().await;
    let system = jineng_app::Principal::system();
    let old_vkey = t.app.ledger().verifier_key().unwrap().to_string();
    t.app
        .ledger()
        .checkpoint(&system, &Default::default(), false)
        .await
        .unwrap();
    let rotated = t
        .app
        .clone()
        .with_ledger_key(test_ledger_key())
        .with_ledger_old_keys(vec![old_vkey.clone()]);
    rotated
        .ledger()
        .checkpoint(&system, &Default::default(), false)
        .await
        .unwrap();
    let keys = rotated.ledger().verifier_keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[1], old_vkey);
    let r = jineng_app::ledger::verify(&t.app.db, &keys).await.unwrap();
    assert_eq!((r.problems.clone(), r.checkpoints), (vec![], 2), "{r:?}");
    let only_new = jineng_app::ledger::verify(&t.app.db, &keys[..1])
        .await
        .unwrap();
    assert!(
        only_new
            .problems
            .iter()
            .any(|(_, why)| why.contains("签名无效")),
        "{only_new:?}"
    );
}

/// A flood of public proof, entry, bundle and tile reads from one address is answered
/// 429 with `Retry-After` past the limit (the one throttling layer), not served on.
#[tokio::test]
async fn a_flood_of_public_reads_is_throttled() {
    let t = TestApp::with(Options {
        security: jineng_app::SecurityConfig {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            rate_limits: jineng_app::config::RateLimits {
                ledger_reads_per_address_minute: 4,
                ..generous_limits()
            },
            ..jineng_app::SecurityConfig::default()
        },
        ..Options::default()
    })
    .await;
    let admin = t.token("admin").await;
    sign(&t, &admin).await;
    for path in [
        "/ledger/entry?index=0",
        "/ledger/proofs/inclusion?index=0&size=1",
        "/ledger/proofs/consistency?first=1&second=1",
        "/ledger/entry?index=0",
    ] {
        let r = t.api(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    }
    let p = t
        .api(
            Method::GET,
            "/ledger/proofs/inclusion?index=0&size=1",
            None,
            None,
        )
        .await;
    assert!(p.header("retry-after").is_some());
    p.problem(429);
    let mut b = t.browser();
    assert_eq!(
        b.get("/ledger/tiles/tile/0/000.p/1").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The signed checkpoint and the key stay readable (cheap, and needed to check).
    let r = t.api(Method::GET, "/ledger/checkpoint", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
}
