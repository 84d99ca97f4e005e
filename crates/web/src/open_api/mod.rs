//! The open API for course platforms over HTTP: the signed gateway at `/open/v1`, the
//! provider's keys, webhook, event log and sales at `/api/v1/provider-api/…`, and the
//! page `/provider-api`.

pub mod api;
pub mod gateway;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/provider-api", pages::index)
        .post("/provider-api/keys", pages::create_key)
        .post("/provider-api/keys/{id}/revoke", pages::revoke_key)
        .post("/provider-api/webhook", pages::set_webhook)
        .post("/provider-api/webhook/remove", pages::remove_webhook)
        .post("/provider-api/events/{id}/replay", pages::replay)
        .api(routes!(api::keys, api::create_key))
        .api(routes!(api::revoke_key))
        .api(routes!(api::webhook, api::set_webhook, api::remove_webhook))
        .api(routes!(api::events))
        .api(routes!(api::event))
        .api(routes!(api::replay))
        .api(routes!(api::sales))
}
