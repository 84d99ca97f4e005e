//! The evidence log, read by anyone: the latest signed checkpoint, the verifier key,
//! entries and proofs (no personal data is in the log). Signing a checkpoint on demand is
//! the system admin's; the log's health (witness pushes, runs of the full check) is for
//! regulators and auditors.

pub mod api;
pub mod health;
pub mod pages;
pub mod tiles;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/ledger", pages::show)
        .post("/ledger/verify", pages::check)
        .get("/ledger/health", health::show)
        .post("/ledger/health/verify", health::verify_now)
        .get("/ledger/tiles/checkpoint", tiles::checkpoint)
        .get("/ledger/tiles/tile/{*path}", tiles::tile)
        .api(routes!(api::latest))
        .api(routes!(api::key))
        .api(routes!(api::entry))
        .api(routes!(api::inclusion))
        .api(routes!(api::consistency))
        .api(routes!(api::bundle))
        .api(routes!(api::sign))
        .api(routes!(api::health))
        .api(routes!(api::request_verify))
}
