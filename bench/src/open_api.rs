//! `jineng-bench open-api [SECONDS] [EVENTS]`: the open API for course platforms.
//!
//! 1. Signed requests per second against the same route with a bearer token, in the same
//!    run on the same server: `GET /open/v1/courses` (key lookup, secret decryption,
//!    HMAC, nonce insert, per-key count, standing) and `GET /api/v1/courses` (token
//!    lookup), 16 clients each, SECONDS per round, two rounds each, alternated. Target:
//!    signed / bearer ≥ 0.8.
//! 2. Webhook delivery of EVENTS events (default 10,000; listing changes of one package,
//!    made through the real use case) to a receiver on loopback that answers 500 to 30 %
//!    of the posts it gets: every event must be delivered, and the receiver must see each
//!    event id (deduplicated) exactly once among its successful posts; time to drain and
//!    the delay per event (created → delivered).
//!
//! SQLite in a temporary file by default; `JINENG_BENCH_DATABASE_URL` for PostgreSQL.

use crate::heartbeats::{client, scratch, serve};
use axum::http::StatusCode;
use jineng_app::context::RequestCtx;
use jineng_app::{App, Principal, SecurityConfig};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn ctx() -> RequestCtx {
    RequestCtx::internal("bench", "jineng-bench open-api")
}

async fn platform(url: &str, files: &std::path::Path) -> Result<App, String> {
    let db = jineng_store::connect(url, 8).await.map_err(err)?;
    jineng_store::migrate::run(&db).await.map_err(err)?;
    let (k, b, a) = jineng_app::crypto::pii::Keyring::generate();
    let keyring = jineng_app::crypto::pii::Keyring::from_config(&k, &b, &a).map_err(err)?;
    let mut security = SecurityConfig {
        argon2_memory_kib: 64,
        argon2_iterations: 1,
        webhooks_to_private_addresses: true,
        ..SecurityConfig::default()
    };
    // The per-key limit would be the thing measured otherwise.
    security.rate_limits.open_api_per_key_minute = u64::MAX / 2;
    let app = App::new(
        db,
        security,
        keyring,
        Arc::new(jineng_app::SystemClock),
        jineng_files::Files::local(files).map_err(err)?,
    );
    app.seed_reference().await.map_err(err)?;
    jineng_demo::accounts(&app).await.map_err(err)?;
    jineng_demo::courses_with(&app, jineng_demo::Media::LeftOut)
        .await
        .map_err(err)?;
    jineng_demo::solicitation(&app).await.map_err(err)?;
    Ok(app)
}

async fn principal(app: &App, username: &str) -> Result<Principal, String> {
    let id = app
        .accounts()
        .user_id_by_login(username)
        .await
        .map_err(err)?
        .ok_or("no such demo account")?;
    app.accounts().principal_of(&id).await.map_err(err)
}

/// Requests per second of `n` clients calling `send` for `secs`.
async fn rate<F, Fut>(n: usize, secs: u64, send: F) -> Result<f64, String>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let send = Arc::new(send);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (send, done, failed) = (send.clone(), done.clone(), failed.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    if send().await {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(err)?;
    }
    let f = failed.load(Ordering::Relaxed);
    if f > 0 {
        return Err(format!("{f} requests failed"));
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

pub fn run(secs: u64, events: usize) -> Result<(), String> {
    crate::block_on(async move {
        let (dir, url) = scratch("open-api")?;
        let t0 = Instant::now();
        let app = platform(&url, &dir.join("files")).await?;
        let provider = principal(&app, "provider").await?;
        let key = app
            .open_api()
            .create_key(&provider, &ctx(), "基准测试", "")
            .await
            .map_err(err)?;
        let (_, token) = app
            .accounts()
            .create_token(
                &provider,
                &ctx(),
                "基准测试",
                None,
                jineng_core::accounts::TokenScope::Full,
            )
            .await
            .map_err(err)?;
        let base = serve(&app).await?;
        let http = client()?;
        eprintln!("demo province loaded ({:.1}s)", t0.elapsed().as_secs_f64());

        // 1. Signed against bearer.
        let bearer = {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            move || {
                let (http, base, token) = (http.clone(), base.clone(), token.clone());
                async move {
                    match http
                        .get(format!("{base}/api/v1/courses?per_page=20"))
                        .bearer_auth(&token)
                        .send()
                        .await
                    {
                        Ok(r) => r.status() == StatusCode::OK && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            }
        };
        let signed = {
            let (http, base) = (http.clone(), base.clone());
            let (id, secret) = (key.key.id.clone(), key.secret.clone());
            move || {
                let (http, base, id, secret) =
                    (http.clone(), base.clone(), id.clone(), secret.clone());
                async move {
                    let path = "/open/v1/courses?per_page=20";
                    let ts = chrono::Utc::now().timestamp().to_string();
                    let nonce = uuid::Uuid::now_v7().simple().to_string();
                    let text = jineng_app::exchange::string_to_sign("GET", path, &ts, &nonce, b"");
                    let Some(sig) = jineng_app::exchange::sign(&secret, &text) else {
                        return false;
                    };
                    match http
                        .get(format!("{base}{path}"))
                        .header("x-key-id", &id)
                        .header("x-timestamp", ts)
                        .header("x-nonce", nonce)
                        .header("x-signature", sig)
                        .send()
                        .await
                    {
                        Ok(r) => r.status() == StatusCode::OK && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            }
        };
        let bearer = Arc::new(bearer);
        let signed = Arc::new(signed);
        let (mut b, mut s) = (Vec::new(), Vec::new());
        for _ in 0..2 {
            let f = bearer.clone();
            b.push(rate(16, secs, move || f()).await?);
            let f = signed.clone();
            s.push(rate(16, secs, move || f()).await?);
        }
        let (b, s) = (b.iter().sum::<f64>() / 2.0, s.iter().sum::<f64>() / 2.0);
        println!(
            "open API: bearer {b:.0} req/s, signed {s:.0} req/s, ratio {:.2} (target ≥ 0.80)",
            s / b
        );

        // 2. Webhooks to a receiver that fails 30 % of posts.
        let seen: Arc<Mutex<(u64, u64, HashSet<String>)>> = Arc::default();
        let receiver = {
            let seen = seen.clone();
            axum::Router::new().route(
                "/hook",
                axum::routing::post(move |h: axum::http::HeaderMap| {
                    let seen = seen.clone();
                    async move {
                        let id = h
                            .get("x-jineng-event-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        let Ok(mut g) = seen.lock() else {
                            return StatusCode::INTERNAL_SERVER_ERROR;
                        };
                        g.0 += 1;
                        // A fixed pseudo-random 30 % of posts fail.
                        if g.0.wrapping_mul(2_654_435_761) % 100 < 30 {
                            g.1 += 1;
                            return StatusCode::INTERNAL_SERVER_ERROR;
                        }
                        g.2.insert(id);
                        StatusCode::NO_CONTENT
                    }
                }),
            )
        };
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(err)?;
        let hook = format!("http://{}/hook", l.local_addr().map_err(err)?);
        tokio::spawn(async move { axum::serve(l, receiver).await });
        app.open_api()
            .set_endpoint(&provider, &ctx(), &hook, false)
            .await
            .map_err(err)?;
        let listed = {
            use jineng_store::courses::package;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            package::Entity::find()
                .filter(package::Column::OrgId.eq(provider.grants[0].org_id.clone()))
                .filter(package::Column::Listing.eq(jineng_core::courses::ListingStatus::Listed))
                .one(&app.db)
                .await
                .map_err(err)?
                .ok_or("the demo provider has no listed package")?
                .id
        };
        let op = principal(&app, "operator").await?;
        let _workers = app.start_workers(4);
        let t1 = Instant::now();
        for i in 0..events {
            let action = if i % 2 == 0 {
                jineng_core::courses::ListingAction::Delist
            } else {
                jineng_core::courses::ListingAction::Relist
            };
            app.courses()
                .set_listing(&op, &ctx(), &listed, action, "基准测试：上下架")
                .await
                .map_err(err)?;
        }
        let made = t1.elapsed();
        eprintln!(
            "{events} listing changes made ({:.1}s); draining",
            made.as_secs_f64()
        );
        let org = provider.grants[0].org_id.clone().unwrap_or_default();
        loop {
            use jineng_store::open_api::event;
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            let left = event::Entity::find()
                .filter(event::Column::OrgId.eq(org.clone()))
                .filter(event::Column::DeliveredAt.is_null())
                .count(&app.db)
                .await
                .map_err(err)?;
            let given_up = event::Entity::find()
                .filter(event::Column::OrgId.eq(org.clone()))
                .filter(event::Column::DeliveredAt.is_null())
                .filter(
                    event::Column::Attempts.gte(jineng_app::open_api::webhooks::DELIVERY_ATTEMPTS),
                )
                .count(&app.db)
                .await
                .map_err(err)?;
            if left == given_up {
                if given_up > 0 {
                    eprintln!("{given_up} events given up after every attempt failed");
                }
                break;
            }
            if t1.elapsed() > Duration::from_secs(3600) {
                return Err(format!("{left} events still undelivered after an hour"));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let drained = t1.elapsed();
        let delays: Vec<Duration> = {
            use jineng_store::open_api::event;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            event::Entity::find()
                .filter(event::Column::OrgId.eq(org.clone()))
                .all(&app.db)
                .await
                .map_err(err)?
                .into_iter()
                .filter_map(|e| (e.delivered_at? - e.created_at).to_std().ok())
                .collect()
        };
        let (posts, failures, distinct) = {
            let g = seen.lock().map_err(err)?;
            (g.0, g.1, g.2.len())
        };
        println!(
            "webhooks: {events} events, {posts} posts ({failures} answered 500), {distinct} distinct ids seen by the receiver, {} delivered; drained in {:.1}s (changes made in {:.1}s); delay per event p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            delays.len(),
            drained.as_secs_f64(),
            made.as_secs_f64(),
            crate::percentile_ms(delays.clone(), 0.5),
            crate::percentile_ms(delays.clone(), 0.99),
            crate::percentile_ms(delays, 1.0),
        );
        println!(
            "webhooks: {} successful posts for {distinct} distinct events ({} repeated deliveries, which the receiver drops by id)",
            posts - failures,
            (posts - failures).saturating_sub(distinct as u64)
        );
        if distinct != events {
            return Err(format!(
                "the receiver saw {distinct} distinct events, expected {events}"
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
}
