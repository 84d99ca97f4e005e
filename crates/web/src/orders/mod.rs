//! Course orders over HTTP: a class's 课程订购, the order list and an order's page, the
//! operator's refund decisions, the sandbox gateway's cashier, and `/api/v1/…` for the
//! same plus the channel's notification endpoint.

pub mod api;
pub mod pages;
pub mod reconcile;

use crate::routes::{Routes, limited};
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
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
        .get("/settlements", pages::settlements)
        .post("/settlements", pages::draw_settlement)
        .get("/settlements/{id}", pages::settlement)
        .get("/settlements/{id}/statement.xlsx", pages::export_settlement)
        .post("/settlements/{id}/confirm", pages::confirm_settlement)
        .post("/settlements/{id}/dispute", pages::dispute_settlement)
        .post("/settlements/{id}/redraw", pages::redraw_settlement)
        .post("/settlements/{id}/payout", pages::payout_settlement)
        .post("/order-settings", pages::save_rules)
        .get("/reconciliations", reconcile::list)
        .post("/reconciliations", reconcile::request)
        .get("/reconciliations/{id}", reconcile::detail)
        .post(
            "/reconciliation-differences/{id}/resolve",
            reconcile::resolve,
        )
        .get("/invoices", pages::invoices)
        .post("/orders/{id}/invoices", pages::request_invoice)
        .page_with(
            Method::POST,
            "/invoices/{id}/issue",
            post(pages::issue_invoice).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .page_with(
            Method::POST,
            "/invoices/{id}/reverse",
            post(pages::reverse_invoice).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .post("/invoices/{id}/reject", pages::reject_invoice)
        .get("/invoices/{id}/file", pages::invoice_file)
        .get("/invoices/{id}/red-file", pages::invoice_red_file)
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
        .api(routes!(api::invoices))
        .api(routes!(api::request_invoice))
        .api(limited(routes!(api::issue_invoice), crate::DOCUMENT_LIMIT))
        .api(limited(
            routes!(api::reverse_invoice),
            crate::DOCUMENT_LIMIT,
        ))
        .api(routes!(api::reject_invoice))
        .api(routes!(api::invoice_file))
        .api(routes!(api::invoice_red_file))
        .api(routes!(api::settlements, api::draw_settlement))
        .api(routes!(api::settlement))
        .api(routes!(api::confirm_settlement))
        .api(routes!(api::dispute_settlement))
        .api(routes!(api::redraw_settlement))
        .api(routes!(api::payout_settlement))
        .api(routes!(api::order_rules, api::set_order_rules))
        .api(routes!(reconcile::api_list, reconcile::api_request))
        .api(routes!(reconcile::api_detail))
        .api(routes!(reconcile::api_resolve))
}
