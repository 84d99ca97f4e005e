//! The open API for course platforms end to end: an admitted provider makes a key and a
//! webhook; its platform pushes a course through `/open/v1` with signed, idempotent
//! requests, the experts approve it, and the review outcome reaches the platform's
//! receiver (which fails once, so the retry is seen), signed and deduplicable by event
//! id; a replay sends the same event again. Also: every way a signature is refused, the
//! same write sent twice at once, a suspended provider, and the per-key limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{Options, Resp, TestApp, generous_limits};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

pub struct Key {
    pub id: String,
    pub secret: String,
}

/// A request signed with `k` as a platform sends it.
#[allow(clippy::too_many_arguments)]
pub fn signed_request(
    t: &TestApp,
    k: &Key,
    method: Method,
    path_and_query: &str,
    content_type: &str,
    body: Vec<u8>,
    idem: Option<&str>,
    nonce: Option<&str>,
) -> Request<Body> {
    let ts = t.app.now().timestamp().to_string();
    let nonce = nonce
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let text =
        jineng_app::exchange::string_to_sign(method.as_str(), path_and_query, &ts, &nonce, &body);
    let sig = jineng_app::exchange::sign(&k.secret, &text).unwrap();
    let mut b = Request::builder()
        .method(method)
        .uri(path_and_query)
        .header("x-key-id", &k.id)
        .header("x-timestamp", ts)
        .header("x-nonce", nonce)
        .header("x-signature", sig);
    if !content_type.is_empty() {
        b = b.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(i) = idem {
        b = b.header("idempotency-key", i);
    }
    b.body(Body::from(body)).unwrap()
}

/// A signed JSON call to `/open/v1{path}`; writes get a fresh Idempotency-Key.
pub async fn call(t: &TestApp, k: &Key, method: Method, path: &str, body: Option<Value>) -> Resp {
    let write = method != Method::GET;
    let idem = write.then(|| uuid::Uuid::now_v7().to_string());
    let (ct, bytes) = match body {
        Some(v) => ("application/json", v.to_string().into_bytes()),
        None => ("", Vec::new()),
    };
    t.send(signed_request(
        t,
        k,
        method,
        &format!("/open/v1{path}"),
        ct,
        bytes,
        idem.as_deref(),
        None,
    ))
    .await
}

/// The demo experts in a group and the demo's campaigns, which admit `provider`.
pub async fn admitted(t: &TestApp) {
    crate::courses::expert_group(t).await;
    jineng_demo::solicitation(&t.app).await.unwrap();
}

pub async fn make_key(t: &TestApp, tok: &str, allow: &str) -> Key {
    let r = t
        .api(
            Method::POST,
            "/provider-api/keys",
            Some(tok),
            Some(json!({"name": "课程平台", "ip_allowlist": allow})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let j = r.json();
    Key {
        id: j["key"]["id"].as_str().unwrap().into(),
        secret: j["secret"].as_str().unwrap().into(),
    }
}

/// What a receiver saw: (event id, type, signature good).
type Seen = Arc<Mutex<Vec<(String, String, bool)>>>;

/// A webhook receiver on loopback that answers 500 to its first `fail_first` requests.
async fn receiver(secret: Arc<Mutex<String>>, fail_first: usize) -> (String, Seen) {
    use axum::extract::State;
    use axum::http::HeaderMap;
    let seen: Seen = Arc::default();
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                move |State((seen, secret, count)): State<(
                    Seen,
                    Arc<Mutex<String>>,
                    Arc<std::sync::atomic::AtomicUsize>,
                )>,
                      h: HeaderMap,
                      body: String| async move {
                    let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if n < fail_first {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let get = |k: &str| {
                        h.get(k)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    let ts: i64 = get("x-jineng-timestamp").parse().unwrap_or(0);
                    let want = jineng_app::open_api::webhooks::signature(
                        &secret.lock().unwrap(),
                        ts,
                        &body,
                    );
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(v["id"].as_str().unwrap(), get("x-jineng-event-id"));
                    seen.lock().unwrap().push((
                        get("x-jineng-event-id"),
                        v["type"].as_str().unwrap().to_string(),
                        want == get("x-jineng-signature"),
                    ));
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state((seen.clone(), secret, count));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

fn options() -> Options {
    let mut o = Options {
        demo: true,
        ..Options::default()
    };
    o.security.webhooks_to_private_addresses = true;
    o
}

/// Wait (real time, the worker polls) until `f` holds.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_platform_pushes_a_course_and_hears_the_review_outcome() {
    let t = TestApp::with(options()).await;
    admitted(&t).await;
    let tok = t.token("provider").await;
    let key = make_key(&t, &tok, "").await;

    // The webhook: the first delivery fails, the retry lands.
    let hook_secret = Arc::new(Mutex::new(String::new()));
    let (url, seen) = receiver(hook_secret.clone(), 1).await;
    let put_hook = || {
        signed_request(
            &t,
            &key,
            Method::PUT,
            "/open/v1/provider-api/webhook",
            "application/json",
            json!({"url": url}).to_string().into_bytes(),
            Some("hook-1"),
            None,
        )
    };
    let r = t.send(put_hook()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    *hook_secret.lock().unwrap() = secret.clone();
    // A retry gets the answer again, but the secret is not kept in plain text for it.
    let again = t.send(put_hook()).await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert!(!again.text().contains(&secret), "{}", again.text());

    // The course, pushed with the key: create (idempotent), a chapter, a lesson, files,
    // questions, submit.
    crate::courses::serve_project(&t).await;
    let body = crate::courses::package("开放接口推送的母婴护理课程").to_string();
    let create = |idem: &str, body: &str| {
        signed_request(
            &t,
            &key,
            Method::POST,
            "/open/v1/courses",
            "application/json",
            body.as_bytes().to_vec(),
            Some(idem),
            None,
        )
    };
    let first = t.send(create("push-1", &body)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = t.send(create("push-1", &body)).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.json(), first.json(), "a retry gets the first answer");
    let other = t
        .send(create("push-1", &body.replace("母婴", "养老")))
        .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.text()
    );
    let d = first.json();
    let pid = d["package"]["id"].as_str().unwrap().to_string();
    let vid = d["current"]["id"].as_str().unwrap().to_string();
    let mine = t
        .api(Method::GET, "/courses", Some(&tok), None)
        .await
        .json();
    let pushed = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "开放接口推送的母婴护理课程")
        .count();
    assert_eq!(pushed, 1, "the retry made no second package");

    let v = call(
        &t,
        &key,
        Method::POST,
        &format!("/course-versions/{vid}/chapters"),
        Some(json!({"title": "第一章 新生儿护理"})),
    )
    .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text());
    let chapter = v.json()["chapters"][0]["id"].as_str().unwrap().to_string();
    let r = call(
        &t,
        &key,
        Method::POST,
        &format!("/course-versions/{vid}/lessons"),
        Some(json!({"chapter_id": chapter, "title": "新生儿洗澡", "body": "水温38至40摄氏度。", "minutes": 45, "preview": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    for (kind, bytes) in [
        ("cover", crate::courses::png()),
        ("copyright", crate::common::pdf()),
    ] {
        let r = t
            .send(signed_request(
                &t,
                &key,
                Method::PUT,
                &format!("/open/v1/course-versions/{vid}/files/{kind}?filename={kind}.bin"),
                "application/octet-stream",
                bytes,
                Some(&format!("file-{kind}")),
                None,
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.text());
    }
    for i in 0..5 {
        let r = call(
            &t,
            &key,
            Method::POST,
            &format!("/course-versions/{vid}/questions"),
            Some(crate::courses::question(i)),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = call(
        &t,
        &key,
        Method::POST,
        &format!("/course-versions/{vid}/submit"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // The experts approve it; the outcome goes out by webhook.
    crate::courses::decide_all(&t, &vid).await;
    let me = t
        .app
        .accounts()
        .principal_of(&t.user_id("provider").await)
        .await
        .unwrap();
    until("the first delivery attempt", || async {
        let (events, _) = t.app.open_api().events(&me, false, 10).await.unwrap();
        events
            .iter()
            .any(|e| e.kind == "course.review" && e.attempts >= 1)
    })
    .await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "the first attempt was answered 500"
    );
    t.clock.advance(chrono::Duration::seconds(30));
    until("the retry", || async { !seen.lock().unwrap().is_empty() }).await;
    let (event_id, kind, good) = seen.lock().unwrap()[0].clone();
    assert_eq!(kind, "course.review");
    assert!(good, "the event is signed with the endpoint's secret");

    // The log through the key: delivered on the second attempt, both attempts logged.
    let r = call(
        &t,
        &key,
        Method::GET,
        &format!("/provider-api/events/{event_id}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let log = r.json();
    assert!(log["event"]["delivered_at"].is_string());
    assert_eq!(log["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(log["attempts"][0]["status"], 500);
    assert_eq!(log["attempts"][1]["status"], 204);

    // A replay sends the same event id again.
    let r = call(
        &t,
        &key,
        Method::POST,
        &format!("/provider-api/events/{event_id}/replay"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    until("the replay", || async { seen.lock().unwrap().len() >= 2 }).await;
    let ids: std::collections::BTreeSet<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.1 == "course.review")
        .map(|s| s.0.clone())
        .collect();
    assert_eq!(ids.len(), 1, "deduplicated by id, the outcome arrived once");

    // The review status and comments, and the sales, through the key.
    let r = call(
        &t,
        &key,
        Method::GET,
        &format!("/courses/{pid}/reviews"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = call(&t, &key, Method::GET, &format!("/courses/{pid}"), None).await;
    assert_eq!(r.json()["package"]["listing"], "listed", "{}", r.text());
    let r = call(&t, &key, Method::GET, "/provider-api/sales", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["items"].is_array());

    // The page shows the key, the webhook and its events.
    let mut b = t.signed_in("provider").await;
    let page = b.get("/provider-api").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(&key.id) && html.contains(&event_id) && html.contains("已送达"));

    // The log keeps ninety days: a delivery prunes what is older (here, the event itself).
    t.clock.advance(chrono::Duration::days(91));
    until(
        "a replay accepted once the last delivery settled",
        || async {
            call(
                &t,
                &key,
                Method::POST,
                &format!("/provider-api/events/{event_id}/replay"),
                None,
            )
            .await
            .status
                == StatusCode::ACCEPTED
        },
    )
    .await;
    until("the old event pruned", || async {
        t.app.open_api().events(&me, false, 10).await.unwrap().1 == 0
    })
    .await;
    assert!(
        seen.lock().unwrap().len() >= 3,
        "delivered once more before it went"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_are_checked_and_each_refusal_says_why() {
    let mut o = options();
    o.security.rate_limits = jineng_app::config::RateLimits {
        open_api_per_key_minute: 40,
        ..generous_limits()
    };
    let t = TestApp::with(o).await;
    admitted(&t).await;
    let tok = t.token("provider").await;
    let key = make_key(&t, &tok, "").await;
    let code = |r: &Resp| r.json()["code"].as_str().unwrap_or("").to_string();
    let get = |k: &Key, nonce: Option<&str>| {
        signed_request(
            &t,
            k,
            Method::GET,
            "/open/v1/courses",
            "",
            vec![],
            None,
            nonce,
        )
    };

    let ok = t.send(get(&key, None)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());

    // No headers.
    let r = t
        .send(
            Request::get("/open/v1/courses")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::UNAUTHORIZED, "missing_header")
    );
    // A replayed nonce.
    let _ = t.send(get(&key, Some("nonce-0001"))).await;
    let r = t.send(get(&key, Some("nonce-0001"))).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::UNAUTHORIZED, "replayed_nonce")
    );
    // A bad nonce, a stale timestamp.
    let r = t.send(get(&key, Some("x"))).await;
    assert_eq!(code(&r), "bad_nonce");
    let mut stale = get(&key, None);
    stale.headers_mut().insert(
        "x-timestamp",
        (t.app.now().timestamp() - 600).to_string().parse().unwrap(),
    );
    let r = t.send(stale).await;
    assert_eq!(code(&r), "stale_timestamp");
    // A wrong secret and an unknown key answer alike.
    let wrong = Key {
        id: key.id.clone(),
        secret: "not-the-secret".into(),
    };
    let unknown = Key {
        id: "pk_0000000000000000".into(),
        secret: key.secret.clone(),
    };
    let a = t.send(get(&wrong, None)).await;
    let b = t.send(get(&unknown, None)).await;
    assert_eq!((a.status, code(&a)), (b.status, code(&b)));
    assert_eq!(code(&a), "bad_signature");
    assert_eq!(a.json()["detail"], b.json()["detail"]);
    // A body changed after signing; a body that does not match its declared hash.
    let mut tampered = signed_request(
        &t,
        &key,
        Method::POST,
        "/open/v1/courses",
        "application/json",
        b"{}".to_vec(),
        Some("t-1"),
        None,
    );
    *tampered.body_mut() = Body::from("{\"name\":\"x\"}");
    let r = t.send(tampered).await;
    assert_eq!(code(&r), "bad_signature");
    let mut declared = get(&key, None);
    declared
        .headers_mut()
        .insert("x-content-sha256", "00".repeat(32).parse().unwrap());
    let r = t.send(declared).await;
    assert_eq!(code(&r), "body_hash_mismatch");
    // A body over the route's limit is refused (413) before anything is written.
    let r = t
        .send(signed_request(
            &t,
            &key,
            Method::POST,
            "/open/v1/courses",
            "application/json",
            vec![b' '; jineng_web::BODY_LIMIT + 1],
            Some("too-big"),
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    // A write without an Idempotency-Key; key management through a key.
    let r = t
        .send(signed_request(
            &t,
            &key,
            Method::POST,
            "/open/v1/courses",
            "application/json",
            b"{}".to_vec(),
            None,
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = call(&t, &key, Method::GET, "/provider-api/keys", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&t, &key, Method::GET, "/users", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Nothing was written by the refused writes.
    let mine = t
        .api(Method::GET, "/courses", Some(&tok), None)
        .await
        .json();
    assert_eq!(mine["total"], 0, "{mine}");

    // An address allowlist.
    let fenced = make_key(&t, &tok, "203.0.113.0/24").await;
    let from = |ip: &str| {
        let mut r = get(&fenced, None);
        r.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip.parse().unwrap(),
                40000,
            )));
        r
    };
    let r = t.send(from("198.51.100.9")).await;
    assert_eq!(code(&r), "address_not_allowed");
    let r = t.send(get(&fenced, None)).await;
    assert_eq!(code(&r), "address_not_allowed", "no known address: refused");
    let r = t.send(from("203.0.113.77")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // The same write sent twice at once lands once.
    crate::courses::serve_project(&t).await;
    let body = crate::courses::package("同时发送两次的课程").to_string();
    let send = || {
        t.send(signed_request(
            &t,
            &key,
            Method::POST,
            "/open/v1/courses",
            "application/json",
            body.as_bytes().to_vec(),
            Some("twice"),
            None,
        ))
    };
    let (x, y) = tokio::join!(send(), send());
    let statuses = [x.status, y.status];
    assert!(
        statuses.contains(&StatusCode::CREATED),
        "{statuses:?} {} {}",
        x.text(),
        y.text()
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
    let mine = t
        .api(Method::GET, "/courses", Some(&tok), None)
        .await
        .json();
    assert_eq!(mine["total"], 1, "{mine}");

    // A provider that was not admitted makes no key.
    let other = t.token("provider_b").await;
    let r = t
        .api(
            Method::POST,
            "/provider-api/keys",
            Some(&other),
            Some(json!({"name": "平台"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Nor does a learner.
    let learner = t.token("learner").await;
    let r = t
        .api(Method::GET, "/provider-api/keys", Some(&learner), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The per-key limit: 429 with Retry-After.
    let mut limited = None;
    for _ in 0..45 {
        let r = t.send(get(&key, None)).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("the key was limited");
    assert!(r.headers.contains_key(header::RETRY_AFTER));

    // A suspended provider's key is refused with 403; a revoked key like a bad signature.
    use jineng_store::solicitation::admission;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let adm = admission::Entity::find()
        .filter(admission::Column::Status.eq(jineng_core::solicitation::AdmissionStatus::Active))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    let op = t.token("operator").await;
    let r = t
        .api(
            Method::POST,
            &format!("/solicitation/admissions/{}/status", adm.id),
            Some(&op),
            Some(json!({"to": "suspended", "reason": "课程质量投诉核查期间暂停"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    t.clock.advance(chrono::Duration::seconds(61));
    let r = t.send(from("203.0.113.77")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // Nor may it send a course for review while suspended.
    let mine = t
        .api(Method::GET, "/courses", Some(&tok), None)
        .await
        .json();
    let pid = mine["items"][0]["id"].as_str().unwrap().to_string();
    let d = t
        .api(Method::GET, &format!("/courses/{pid}"), Some(&tok), None)
        .await
        .json();
    let vid = d["current"]["id"].as_str().unwrap();
    let r = t
        .api(
            Method::POST,
            &format!("/course-versions/{vid}/submit"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("暂停"), "{}", r.text());
    let r = t
        .api(
            Method::DELETE,
            &format!("/provider-api/keys/{}", fenced.id),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = t.send(from("203.0.113.77")).await;
    assert_eq!(code(&r), "bad_signature");
}

/// The reference client in `examples/open_api` (Python, standard library) pushes a course
/// with a video in chunks to a server on a real socket, as a platform would, and its own
/// webhook receiver hears the review outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_client_pushes_a_course_over_the_network() {
    let t = TestApp::with(options()).await;
    admitted(&t).await;
    crate::courses::serve_project(&t).await;
    let tok = t.token("provider").await;
    let key = make_key(&t, &tok, "").await;
    // The client signs with the wall clock.
    t.clock.advance(chrono::Utc::now() - t.app.now());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let router = t.router.clone();
    tokio::spawn(async move {
        jineng_web::server::serve(
            l,
            router,
            jineng_web::server::Timeouts::default(),
            std::future::pending(),
        )
        .await
        .unwrap()
    });
    let video = std::env::temp_dir().join(format!("jineng-open-{}.mp4", uuid::Uuid::now_v7()));
    std::fs::write(&video, crate::media::clip(2)).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/open_api/push_course.py");
    let mut child = tokio::process::Command::new("python3")
        .arg(&script)
        .args(["--base", &format!("http://{addr}")])
        .args(["--key-id", &key.id, "--secret", &key.secret])
        .args(["--name", "参考客户端推送的课程"])
        .arg("--video")
        .arg(&video)
        .args(["--listen", "0", "--wait", "120"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs the reference client");
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(180), lines.next_line())
        .await
        .expect("the client pushed the course in time")
        .unwrap();
    let Some(first) = first else {
        let out = child.wait_with_output().await.unwrap();
        panic!(
            "the client stopped: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let _ = std::fs::remove_file(&video);
    let made: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(made["video"], "ready", "{made}");
    let pid = made["package_id"].as_str().unwrap().to_string();
    let r = t
        .api(Method::GET, &format!("/courses/{pid}"), Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(d["package"]["name"], "参考客户端推送的课程");
    // The experts approve it: the client's receiver hears the outcome, signed.
    let vid = made["version_id"].as_str().unwrap().to_string();
    crate::courses::decide_all(&t, &vid).await;
    let second = tokio::time::timeout(std::time::Duration::from_secs(120), lines.next_line())
        .await
        .expect("the outcome reached the client in time")
        .unwrap()
        .expect("the client printed the outcome");
    let event: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(event["type"], "course.review", "{event}");
    assert_eq!(event["data"]["package_id"], pid.as_str());
    assert_eq!(event["data"]["outcome"], "approved", "{event}");
    let status = child.wait().await.unwrap();
    assert!(status.success());
}
