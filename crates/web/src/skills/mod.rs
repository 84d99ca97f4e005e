//! Skill-level certificates over HTTP: the list (regulators, organisations, a learner's
//! own), the import of an appraisal organisation's result sheet with its template, and
//! the refused rows as a sheet to fix.

pub mod api;
pub mod pages;

use crate::routes::{Routes, limited};
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/skill-certificates", pages::list)
        .get("/skill-certificates.xlsx", pages::export)
        .get("/skill-certificates/template.xlsx", pages::template)
        .page_with(
            Method::POST,
            "/skill-certificates/import",
            post(pages::import).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .api(routes!(api::list))
        .api(routes!(api::mine))
        .api(limited(routes!(api::import), crate::UPLOAD_LIMIT))
}
