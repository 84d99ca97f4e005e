//! Prometheus metrics at `/metrics` (docs/operations.md, "Metrics and alerts"): requests
//! by route and status with their latencies, counted as they pass; the database pool,
//! the job queue, the study heartbeats in memory and Redis, read when scraped.
//!
//! Not for the public: with a configured token (`JINENG_METRICS_TOKEN`) a scrape must
//! bring it as `Authorization: Bearer …`; without one only a request from this machine
//! that came through no proxy (no `X-Forwarded-For`) is answered. Anyone else gets 404.

use crate::AppState;
use crate::server::Peer;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use subtle::ConstantTimeEq;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    pool: Family<StateLabels, Gauge>,
    jobs: Family<JobLabels, Gauge>,
    study: Family<StateLabels, Gauge>,
    redis_errors: Counter,
    redis_seen: AtomicU64,
    redis_up: Gauge,
    session_views: Family<StateLabels, Counter>,
    session_views_seen: [AtomicU64; 3],
    replica_in_use: Gauge,
    replica_lag: Gauge,
    /// One scrape at a time sets the gauges and writes them out.
    scrape: Mutex<()>,
}

fn latency_histogram() -> Histogram {
    // 1 ms … about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(|| {
        let mut registry = Registry::with_prefix("jineng");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        let pool = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of this node's pool (open, idle)",
            pool.clone(),
        );
        let jobs = Family::<JobLabels, Gauge>::default();
        registry.register(
            "jobs",
            "Background jobs not done, by kind and state (queued, running, failed)",
            jobs.clone(),
        );
        let study = Family::<StateLabels, Gauge>::default();
        registry.register(
            "study_sessions_in_memory",
            "Study sessions this node holds in memory (held; unwritten: heartbeats not yet in the database)",
            study.clone(),
        );
        let redis_errors = Counter::default();
        registry.register(
            "redis_errors",
            "Redis calls of this process that failed",
            redis_errors.clone(),
        );
        let redis_up = Gauge::default();
        registry.register(
            "redis_up",
            "1 when Redis answers, 0 when it does not, -1 without Redis",
            redis_up.clone(),
        );
        let session_views = Family::<StateLabels, Counter>::default();
        registry.register(
            "session_views",
            "Session views read from Redis by this node (hit; miss: read from the database; error)",
            session_views.clone(),
        );
        let replica_in_use = Gauge::default();
        registry.register(
            "db_replica_in_use",
            "1 when lists read from the replica, 0 when it is skipped, -1 without a replica",
            replica_in_use.clone(),
        );
        let replica_lag = Gauge::default();
        registry.register(
            "db_replica_lag_milliseconds",
            "How far the replica was behind at its last probe (-1: unknown or no replica)",
            replica_lag.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            pool,
            jobs,
            study,
            redis_errors,
            redis_seen: AtomicU64::new(0),
            redis_up,
            session_views,
            session_views_seen: Default::default(),
            replica_in_use,
            replica_lag,
            scrape: Mutex::new(()),
        }
    })
}

/// Counts every request the inner router answers, under its route's pattern (never the
/// path as sent, so ids in paths make no new series); unmatched paths are one route.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let m = metrics();
    m.latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: res.status().as_u16(),
        })
        .inc();
    res
}

fn allowed(s: &AppState, headers: &HeaderMap, peer: Option<&Peer>) -> bool {
    match &s.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| bool::from(given.trim().as_bytes().ct_eq(token.as_bytes()))),
        None => {
            peer.is_some_and(|p| p.0.ip().is_loopback())
                && !headers.contains_key("x-forwarded-for")
                && !headers.contains_key("forwarded")
        }
    }
}

pub async fn scrape(State(s): State<AppState>, req: Request) -> Response {
    if !allowed(&s, req.headers(), req.extensions().get::<Peer>()) {
        return crate::http::error::not_found(req).await;
    }
    let g = match s.app.gauges().await {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "metrics: reading the gauges failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let m = metrics();
    let mut text = String::new();
    {
        let _one = m.scrape.lock().unwrap_or_else(|e| e.into_inner());
        for (state, v) in [("open", g.pool_open as i64), ("idle", g.pool_idle as i64)] {
            m.pool
                .get_or_create(&StateLabels {
                    state: state.into(),
                })
                .set(v);
        }
        m.jobs.clear();
        for (kind, state, n) in &g.jobs {
            m.jobs
                .get_or_create(&JobLabels {
                    kind: kind.code().into(),
                    state: state.code().into(),
                })
                .set(*n);
        }
        for (state, v) in [
            ("held", g.study_held as i64),
            ("unwritten", g.study_unwritten as i64),
        ] {
            m.study
                .get_or_create(&StateLabels {
                    state: state.into(),
                })
                .set(v);
        }
        let before = m.redis_seen.swap(g.redis_errors, Ordering::Relaxed);
        m.redis_errors.inc_by(g.redis_errors.saturating_sub(before));
        let (hit, miss, error) = g.session_views;
        for (i, (state, now)) in [("hit", hit), ("miss", miss), ("error", error)]
            .into_iter()
            .enumerate()
        {
            let before = m.session_views_seen[i].swap(now, Ordering::Relaxed);
            m.session_views
                .get_or_create(&StateLabels {
                    state: state.into(),
                })
                .inc_by(now.saturating_sub(before));
        }
        m.redis_up.set(match g.redis_up {
            Some(true) => 1,
            Some(false) => 0,
            None => -1,
        });
        let replica = s.app.replica_state().map(|(r, _)| r);
        m.replica_in_use.set(match replica {
            Some(jineng_app::replica::ReplicaState::InUse { .. }) => 1,
            Some(_) => 0,
            None => -1,
        });
        m.replica_lag.set(
            replica
                .and_then(|r| r.lag_ms())
                .map(|l| i64::try_from(l).unwrap_or(i64::MAX))
                .unwrap_or(-1),
        );
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &m.registry) {
            tracing::error!(error = %e, "metrics: encoding failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let mut res = text.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}
