//! Offline assessment over HTTP: a class's score sheet (考评成绩表) for its institution,
//! its booked teachers and regulators; the two-person submit and confirm; the Excel
//! export; and a learner's published results.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/classes/{id}/assessment", pages::sheet)
        .post("/classes/{id}/assessment", pages::save)
        .get("/classes/{id}/assessment.xlsx", pages::export)
        .post("/classes/{id}/assessment/submit", pages::submit)
        .post("/classes/{id}/assessment/confirm", pages::confirm)
        .post("/classes/{id}/assessment/return", pages::send_back)
        .api(routes!(api::sheet, api::save))
        .api(routes!(api::submit))
        .api(routes!(api::confirm))
        .api(routes!(api::send_back))
        .api(routes!(api::mine))
}
