//! Course orders over HTTP: a class's 课程订购, the order list and an order's page, the
//! operator's refund decisions, the sandbox gateway's cashier, and `/api/v1/…` for the
//! same plus the channel's notification endpoint.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/orders", pages::list)
        .get("/orders.xlsx", pages::export)
        .get("/classes/{id}/orders", pages::class)
        .post("/classes/{id}/orders", pages::create)
        .post("/classes/{id}/seats/assign", pages::assign)
        .get("/orders/{id}", pages::detail)
        .post("/orders/{id}/pay", pages::pay)
        .post("/orders/{id}/close", pages::close)
        .post("/orders/{id}/refunds", pages::request_refund)
        .post("/refunds/{id}/approve", pages::approve_refund)
        .post("/refunds/{id}/reject", pages::reject_refund)
        .get("/sandbox/pay/{trade_no}", pages::cashier)
        .post("/sandbox/pay/{trade_no}", pages::cashier_pay)
        .api(routes!(api::offers))
        .api(routes!(api::create))
        .api(routes!(api::list))
        .api(routes!(api::get))
        .api(routes!(api::pay))
        .api(routes!(api::close))
        .api(routes!(api::request_refund))
        .api(routes!(api::pending_refunds))
        .api(routes!(api::decide_refund))
        .api(routes!(api::assign_seats))
        .api(routes!(api::notify_sandbox))
}
