//! Witnessing and the log's health (issue 10). A witness server speaking C2SP
//! tlog-witness runs on a loopback port beside the platform: it checks the log's
//! signature with the `signed_note` crate, parses the checkpoint with `tlog_tiles`,
//! checks each consistency proof with `ct-merkle` (an independent RFC 6962
//! implementation), keeps the latest cosigned size per origin under one lock, and
//! cosigns. No public witness implementation is reachable from this machine's
//! registries, so this one is written here after the specification; the platform's side
//! talks to it over real HTTP, exactly as it would to a witness elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use crate::ledger::some_change;
use axum::http::{Method, StatusCode};
use jineng_app::Principal;
use jineng_app::exchange::{ClientInput, sign, string_to_sign};
use jineng_app::ledger::witness::Witness;
use jineng_core::exchange::Dataset;
use jineng_evidence::witness::{Cosigner, WitnessKey, note_body};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const WITNESS: &str = "witness.test/w1";

#[derive(Default)]
struct Seen {
    /// origin → (size, root) of the latest cosigned checkpoint.
    latest: HashMap<String, (u64, [u8; 32])>,
    /// Requests answered, by status.
    answers: Vec<u16>,
    /// Answer this many requests with 503 first.
    unavailable: u32,
}

struct TestWitness {
    cosigner: Cosigner,
    /// The log's published verifier key, as the witness's operator configured it.
    log_vkey: Mutex<String>,
    seen: Mutex<Seen>,
}

fn ct_consistency(old: (u64, [u8; 32]), new: (u64, [u8; 32]), proof: &[[u8; 32]]) -> bool {
    use sha2_next::Sha256;
    let o = ct_merkle::RootHash::<Sha256>::new(old.1.into(), old.0);
    let n = ct_merkle::RootHash::<Sha256>::new(new.1.into(), new.0);
    let digests: Vec<_> = proof.iter().map(|h| (*h).into()).collect();
    n.verify_consistency(
        &o,
        &ct_merkle::ConsistencyProof::<Sha256>::from_digests(digests.iter()),
    )
    .is_ok()
}

impl TestWitness {
    fn answer(&self, body: &str) -> (u16, &'static str, String) {
        use base64::Engine;
        let mut seen = self.seen.lock().unwrap();
        let r = self.decide(&mut seen, body, |s| {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .ok()
                .and_then(|v| v.try_into().ok())
        });
        seen.answers.push(r.0);
        r
    }

    fn decide(
        &self,
        seen: &mut Seen,
        body: &str,
        b64: impl Fn(&str) -> Option<[u8; 32]>,
    ) -> (u16, &'static str, String) {
        let text = "text/plain";
        if seen.unavailable > 0 {
            seen.unavailable -= 1;
            return (503, text, "busy\n".into());
        }
        let Some((head, note)) = body.split_once("\n\n") else {
            return (400, text, "no blank line\n".into());
        };
        let mut lines = head.lines();
        let Some(old) = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            return (400, text, "no old line\n".into());
        };
        let proof: Option<Vec<[u8; 32]>> = lines.map(&b64).collect();
        let Some(proof) = proof else {
            return (400, text, "bad proof line\n".into());
        };
        let Ok(n) = signed_note::Note::from_bytes(note.as_bytes()) else {
            return (400, text, "bad note\n".into());
        };
        let Ok(cp) = tlog_tiles::Checkpoint::from_bytes(n.text()) else {
            return (400, text, "bad checkpoint\n".into());
        };
        if cp.origin() != "jineng.test/ledger" {
            return (404, text, "unknown log\n".into());
        }
        let Ok(v) = signed_note::StandardVerifier::new(&self.log_vkey.lock().unwrap()) else {
            return (403, text, "no key for this log\n".into());
        };
        if n.verify(&signed_note::VerifierList::new(vec![Box::new(v)]))
            .is_err()
        {
            return (403, text, "bad signature\n".into());
        }
        let (size, root) = (cp.size(), cp.hash().0);
        if old > size {
            return (400, text, "old > size\n".into());
        }
        let (have, have_root) = seen
            .latest
            .get(cp.origin())
            .copied()
            .unwrap_or((0, [0; 32]));
        if old != have {
            return (409, "text/x.tlog.size", format!("{have}\n"));
        }
        if old == size && old > 0 {
            if root != have_root {
                return (409, text, "same size, other root\n".into());
            }
        } else if old > 0 && !ct_consistency((old, have_root), (size, root), &proof) {
            return (422, text, "inconsistent\n".into());
        } else if old == 0 && !proof.is_empty() {
            return (422, text, "proof from zero\n".into());
        }
        seen.latest.insert(cp.origin().to_string(), (size, root));
        let body = note_body(note).unwrap();
        (200, text, self.cosigner.cosign(body, 1_800_000_000))
    }
}

/// Start the witness on a loopback port: (the platform's view of it, the witness).
async fn start_witness() -> (Witness, Arc<TestWitness>) {
    let w = Arc::new(TestWitness {
        cosigner: Cosigner::generate(WITNESS),
        log_vkey: Mutex::default(),
        seen: Mutex::default(),
    });
    let served = w.clone();
    let router = axum::Router::new().route(
        "/add-checkpoint",
        axum::routing::post(move |body: String| {
            let w = served.clone();
            async move {
                let (status, ct, text) = w.answer(&body);
                (
                    axum::http::StatusCode::from_u16(status).unwrap(),
                    [(axum::http::header::CONTENT_TYPE, ct)],
                    text,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let vkey = w.cosigner.vkey();
    (
        Witness::parse(&format!("{vkey} http://{addr}/")).unwrap(),
        w,
    )
}

/// The witness's operator configures the log's key as the platform publishes it.
async fn trust_log(t: &TestApp, w: &TestWitness) {
    let key = t.api(Method::GET, "/ledger/key", None, None).await.text();
    *w.log_vkey.lock().unwrap() = key.lines().next().unwrap().to_string();
}

async fn health(t: &TestApp, who: &str) -> serde_json::Value {
    let r = t.api(Method::GET, "/ledger/health", Some(who), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Wait (running due jobs meanwhile) until the witness has cosigned `size`.
async fn cosigned(t: &TestApp, admin: &str, size: u64) -> serde_json::Value {
    for _ in 0..100 {
        let h = health(t, admin).await;
        // Both reads of the page after the cosignature's commit (they are separate
        // queries, so one may run before it and one after).
        if h["witnesses"][0]["cosigned_size"] == size
            && h["latest_cosigned_by"] == serde_json::json!([WITNESS])
        {
            return h;
        }
        t.app.jobs().run_due("test").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "the witness never cosigned {size}: {}",
        health(t, admin).await
    );
}

async fn sign_checkpoint(t: &TestApp, admin: &str) -> u64 {
    let r = t
        .api(Method::POST, "/ledger/checkpoints", Some(admin), None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["size"].as_u64().unwrap()
}

/// One number from a query (`… AS n`).
async fn count(t: &TestApp, sql: &str) -> i64 {
    t.app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            t.app.db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// Wait for the push jobs to settle (none queued or running).
async fn pushes_settled(t: &TestApp) {
    for _ in 0..100 {
        let busy = count(
            t,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'witness_push' AND state IN ('queued', 'running')",
        )
        .await;
        if busy == 0 {
            return;
        }
        t.app.jobs().run_due("test").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("witness pushes did not settle");
}

#[tokio::test]
async fn checkpoints_are_cosigned_by_a_witness_and_reach_the_exchange() {
    let (wit, witness) = start_witness().await;
    let wkey = WitnessKey::parse(wit.key.vkey()).unwrap();
    let t = TestApp::with(Options {
        witnesses: vec![wit],
        ..Options::default()
    })
    .await;
    trust_log(&t, &witness).await;
    let admin = t.token("admin").await;

    // First checkpoint: pushed with `old 0`, cosigned.
    let first = sign_checkpoint(&t, &admin).await;
    let h = cosigned(&t, &admin, first).await;
    assert_eq!(h["witnesses"][0]["name"], WITNESS);
    assert_eq!(h["witnesses"][0]["last_error"], "");
    assert_eq!(h["latest_cosigned_by"], serde_json::json!([WITNESS]));

    // Later checkpoints: pushed with a consistency proof the witness checks (ct-merkle).
    for n in 0..3 {
        some_change(&t, &admin, n).await;
    }
    let second = sign_checkpoint(&t, &admin).await;
    assert!(second > first);
    cosigned(&t, &admin, second).await;

    // A witness that is briefly unavailable is asked again after the backoff.
    witness.seen.lock().unwrap().unavailable = 1;
    some_change(&t, &admin, 10).await;
    let third = sign_checkpoint(&t, &admin).await;
    pushes_settled_or_waiting(&t).await;
    let h = health(&t, &admin).await;
    assert!(
        h["witnesses"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("暂时不可用"),
        "{h}"
    );
    t.clock.advance(chrono::Duration::seconds(30));
    let h = cosigned(&t, &admin, third).await;
    assert_eq!(h["witnesses"][0]["last_error"], "");

    // The platform forgot what the witness holds: it says so (409 with its size) and the
    // push goes on from there.
    t.app
        .db
        .execute_unprepared("UPDATE ledger_witnesses SET cosigned_size = 0")
        .await
        .unwrap();
    some_change(&t, &admin, 11).await;
    let fourth = sign_checkpoint(&t, &admin).await;
    cosigned(&t, &admin, fourth).await;
    let answers = witness.seen.lock().unwrap().answers.clone();
    assert_eq!(
        answers,
        vec![200, 200, 503, 200, 409, 200],
        "the witness's answers in order"
    );

    // The exchange's feed carries every checkpoint with the cosignatures gathered, as a
    // note both the log's key and the witness's key verify.
    let (client, secret) = t
        .app
        .exchange()
        .create_client(
            &Principal::system(),
            &Default::default(),
            ClientInput {
                name: "省一体化平台".into(),
                datasets: vec![Dataset::Checkpoints],
                region: None,
                full_id_numbers: false,
            },
        )
        .await
        .unwrap();
    let ts = t.app.now().timestamp().to_string();
    let path = "/api/v1/exchange/ledger_checkpoints?limit=100";
    let sig = sign(
        &secret,
        &string_to_sign("GET", path, &ts, "witness-nonce-1", b""),
    )
    .unwrap();
    let r = t
        .send(
            axum::http::Request::builder()
                .uri(path)
                .header("x-client-id", &client)
                .header("x-timestamp", &ts)
                .header("x-nonce", "witness-nonce-1")
                .header("x-signature", sig)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let items = r.json()["items"].as_array().unwrap().clone();
    let sizes: Vec<u64> = items.iter().map(|i| i["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes, vec![first, second, third, fourth]);
    let log_vkey = witness.log_vkey.lock().unwrap().clone();
    for i in &items {
        let note = i["cosigned_note"].as_str().unwrap();
        jineng_evidence::checkpoint::verify(note, &log_vkey).expect("log signature");
        let body = note_body(note).unwrap();
        let lines = &note[body.len() + 1..];
        assert!(
            wkey.find_cosignature(body, lines).is_some(),
            "cosigned: {note}"
        );
    }
}

/// Let due pushes run once (the retry waits for its backoff on the test's clock).
async fn pushes_settled_or_waiting(t: &TestApp) {
    for _ in 0..20 {
        t.app.jobs().run_due("test").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_rewritten_log_is_refused_by_the_witness_and_shown_to_regulators() {
    let (wit, witness) = start_witness().await;
    let t = TestApp::with(Options {
        witnesses: vec![wit],
        ..Options::default()
    })
    .await;
    trust_log(&t, &witness).await;
    let admin = t.token("admin").await;
    let first = sign_checkpoint(&t, &admin).await;
    cosigned(&t, &admin, first).await;

    // The witness holds a different root for that size: as if the log had shown it one
    // tree and now extends another.
    witness
        .seen
        .lock()
        .unwrap()
        .latest
        .insert("jineng.test/ledger".into(), (first, [7u8; 32]));
    some_change(&t, &admin, 1).await;
    sign_checkpoint(&t, &admin).await;
    pushes_settled(&t).await;
    let regulator = t.token("gz_regulator").await;
    let h = health(&t, &regulator).await;
    let w = &h["witnesses"][0];
    assert!(
        w["last_error"].as_str().unwrap().contains("可能已被改写"),
        "{h}"
    );
    assert_eq!(w["failed"], 1);
    assert_eq!(w["cosigned_size"], first);
    assert_eq!(witness.seen.lock().unwrap().answers.last(), Some(&422));

    // The page shows it too.
    let page = t
        .signed_in("gz_regulator")
        .await
        .get("/ledger/health")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("证据日志运行状况"), "{html}");
    assert!(html.contains(WITNESS));
    assert!(html.contains("可能已被改写"));

    // The public page keeps the navigation for someone signed in, and has none otherwise.
    let public = t
        .signed_in("gz_regulator")
        .await
        .get("/ledger")
        .await
        .text();
    assert!(public.contains("href=\"/ledger/health\""), "{public}");
    let anonymous = t.browser().get("/ledger").await.text();
    assert!(anonymous.contains("最新检查点"));
    assert!(!anonymous.contains("href=\"/ledger/health\""));
}

#[tokio::test]
async fn runs_of_the_full_check_are_recorded_and_shown() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    sign_checkpoint(&t, &admin).await;

    // A system admin asks for a run: it is queued, runs, and is recorded.
    let r = t
        .api(Method::POST, "/ledger/verify-runs", Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    for _ in 0..50 {
        if !health(&t, &admin).await["runs"]
            .as_array()
            .unwrap()
            .is_empty()
        {
            break;
        }
        t.app.jobs().run_due("test").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let h = health(&t, &admin).await;
    assert_eq!(h["runs"][0]["trigger"], "admin");
    assert_eq!(h["runs"][0]["problems"], 0, "{h}");
    assert!(h["runs"][0]["entries"].as_u64().unwrap() >= 1);

    // After tampering, the next run records what it found.
    t.app
        .db
        .execute_unprepared("UPDATE ledger_entries SET org_id = 'forged' WHERE idx = 0")
        .await
        .unwrap();
    let report = t.app.ledger().run_verify("cli").await.unwrap();
    assert!(!report.problems.is_empty());
    let auditor = t.token("auditor").await;
    let h = health(&t, &auditor).await;
    assert_eq!(h["runs"][0]["trigger"], "cli");
    assert_eq!(h["runs"][0]["problems"], report.problems.len() as u64);
    assert_eq!(h["runs"][0]["details"][0][0], 0);
    let html = t
        .signed_in("auditor")
        .await
        .get("/ledger/health")
        .await
        .text();
    assert!(html.contains("发现"), "{html}");
    assert!(html.contains("命令行"));

    // Only those who watch the log see its health; only the system admin starts a run.
    let learner = t.token("learner").await;
    let r = t
        .api(Method::GET, "/ledger/health", Some(&learner), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let regulator = t.token("gz_regulator").await;
    let r = t
        .api(Method::POST, "/ledger/verify-runs", Some(&regulator), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The scheduled run is enqueued once per period however many nodes ask.
    t.app.ledger().schedule_verify(24).await.unwrap();
    t.app.ledger().schedule_verify(24).await.unwrap();
    let n = count(
        &t,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'ledger_verify' AND idempotency_key LIKE 'ledger_verify:24h:%'",
    )
    .await;
    assert_eq!(n, 1);
}

#[test]
fn witness_configuration_is_parsed_strictly() {
    let c = Cosigner::generate("w.example/1");
    let ok = format!("{} https://w.example/1", c.vkey());
    assert_eq!(
        Witness::parse_list(&format!("{ok};\n{ok}")).unwrap().len(),
        2
    );
    assert!(Witness::parse_list("").unwrap().is_empty());
    assert!(Witness::parse(&c.vkey()).is_err(), "no URL");
    assert!(Witness::parse(&format!("{} ftp://x", c.vkey())).is_err());
    assert!(Witness::parse("nonsense https://x").is_err());
}
