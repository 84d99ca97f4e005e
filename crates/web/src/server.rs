//! Serving the router on a socket. Our own accept loop instead of `axum::serve`, for
//! what a platform on the open internet needs: a client must send its request headers
//! within `header_read` (no holding a connection open with half a request), the body may
//! not stall longer than `BODY_IDLE_SECONDS` between chunks (set in `router`), and
//! shutting down lets requests in flight finish.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use jineng_core::net::{Net, client_address};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::Service;

/// Seconds a request body may go without a chunk.
pub const BODY_IDLE_SECONDS: u64 = 30;

/// How long the server waits for clients.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To send the request line and headers.
    pub header_read: Duration,
    /// For requests in flight to finish after shutdown begins.
    pub drain: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(10),
            drain: Duration::from_secs(30),
        }
    }
}

/// The connection's own peer (a reverse proxy, when there is one). `ConnectInfo` holds
/// the client's address as `serve_with` determined it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Serve until `shutdown` resolves, then drain; every peer is a client.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    t: Timeouts,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_with(listener, router, t, Arc::from(Vec::new()), shutdown).await
}

/// Serve behind reverse proxies: a request from one of `trusted` is from the client its
/// `X-Forwarded-For` names (`jineng_core::net::client_address`), in the one place every
/// later reader of the address (rate limits, allowlists, audit, logs) takes it from.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    t: Timeouts,
    trusted: Arc<[Net]>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(t.header_read);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let trusted = trusted.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let client = if trusted.is_empty() {
                addr
            } else {
                let forwarded: Vec<&str> = req
                    .headers()
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                let ip = client_address(addr.ip(), &forwarded, &trusted);
                SocketAddr::new(ip, if ip == addr.ip() { addr.port() } else { 0 })
            };
            req.extensions_mut().insert(Peer(addr));
            req.extensions_mut().insert(ConnectInfo(client));
            router.clone().call(req.map(axum::body::Body::new))
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    tracing::info!("shutting down: letting requests in flight finish");
    if tokio::time::timeout(t.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not finish in time");
    }
    Ok(())
}
