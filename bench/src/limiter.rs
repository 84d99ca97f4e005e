//! `jineng-bench limiter-serve PORT [REDIS_URL [SYNC_MS]]`: serves two routes from one binary for
//! bench/run.sh to load with wrk — `/bare` (a route with no work at all, the reference)
//! and `/limited` (the same route plus one rate-limit count per request, keyed by a
//! rotating client address, as the login and SMS routes count). Both pass through the
//! same middleware. The cost of the limiter is `1 - limited / bare` in requests per
//! second, measured in the same run.

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use jineng_limits::Limiter;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Clone)]
struct Counting {
    limiter: Limiter,
    n: Arc<AtomicU64>,
}

/// The same middleware in front of both routes, so the only difference between them is
/// the count itself.
async fn count(State(c): State<Counting>, req: Request, next: Next) -> Response {
    // A thousand different addresses, so the counter store holds many keys.
    let i = c.n.fetch_add(1, Ordering::Relaxed) % 1000;
    let key = format!("bench:10.0.{}.{}", i / 250, i % 250);
    if req.uri().path() == "/limited"
        && let Err(e) = c.limiter.hit(&key, Duration::from_secs(60)).await
    {
        eprintln!("limiter: {e}");
    }
    next.run(req).await
}

pub fn run(port: u16, redis: Option<String>, sync_ms: u64) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let limiter = match redis {
            Some(url) => {
                Limiter::redis_batched(&url, "jineng-bench", Duration::from_millis(sync_ms))
                    .await
                    .map_err(|e| e.to_string())?
            }
            None => Limiter::memory(),
        };
        let counting = Counting {
            limiter,
            n: Arc::new(AtomicU64::new(0)),
        };
        let app = Router::new()
            .route("/bare", get(|| async { "ok" }))
            .route("/limited", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(counting, count));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| e.to_string())?;
        jineng_web::server::serve(listener, app, Default::default(), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    })
}
