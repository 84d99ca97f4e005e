//! Training classes: opening, enrolment, filing, the class's life and inspections.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/classes", pages::list)
        .get("/classes/export", pages::export)
        .get("/classes/new", pages::new_form)
        .post("/classes/new", pages::open)
        .get("/classes/{id}", pages::detail)
        .get("/classes/{id}/learners.xlsx", pages::learners_export)
        .post("/classes/{id}/enroll", pages::enroll)
        .post("/classes/{id}/actions", pages::act)
        .post("/classes/{id}/inspect", pages::inspect)
        .api(routes!(api::list, api::open))
        .api(routes!(api::get))
        .api(routes!(api::enroll))
        .api(routes!(api::act))
        .api(routes!(api::inspections, api::inspect))
}
