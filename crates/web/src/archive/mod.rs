//! The learner's lifelong e-archive over HTTP: as JSON under `/api/v1`, as a page, and
//! as PDF and xlsx documents that carry the evidence-log proof of their online totals.

pub mod api;
mod document;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/archive", pages::mine)
        .get("/learners/{id}/archive", pages::page)
        .get("/learners/{id}/archive.xlsx", pages::xlsx)
        .get("/learners/{id}/archive.pdf", pages::pdf)
        .api(routes!(api::get))
}
