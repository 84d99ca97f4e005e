//! Read-your-own-writes with a read replica: a successful write leaves a short-lived
//! cookie, and a request that carries it reads from the primary (`jineng_app::replica`).
//! The cookie lives as long as the replica may lag, so once it is gone the replica holds
//! the write. Without a replica nothing is set or read.

use super::session::{Jar, append_cookie, cookie, is_unsafe};
use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

pub async fn read_your_writes(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let Some((_, max_lag)) = s.app.replica_state() else {
        return next.run(req).await;
    };
    let secure = s.app.security.secure_cookies;
    let wrote = CookieJar::from_headers(req.headers())
        .get(Jar::Wrote.name(secure))
        .is_some();
    let writes = is_unsafe(req.method());
    let mut res = if wrote {
        jineng_app::replica::primary_only(next.run(req)).await
    } else {
        next.run(req).await
    };
    if writes && (res.status().is_success() || res.status().is_redirection()) {
        let mut c = cookie(Jar::Wrote, "1".into(), secure);
        // Whole seconds, rounded up, and one more for the probe's own second.
        let secs = max_lag.as_millis().div_ceil(1000) as i64 + 1;
        c.set_max_age(cookie::time::Duration::seconds(secs));
        append_cookie(&mut res, &c);
    }
    res
}
