//! Teachers (师资): entered by institutions, approved into the pool, booked into classes.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/teachers", pages::list)
        .post("/teachers", pages::add)
        .get("/teachers/export", pages::export)
        .post("/teachers/{id}/decision", pages::decide)
        .get("/teachers/{id}", pages::detail)
        .post("/teachers/{id}/qualifications", pages::qualify)
        .post("/classes/{id}/teachers", pages::book)
        .api(routes!(api::list, api::add))
        .api(routes!(api::decide))
        .api(routes!(api::book))
        .api(routes!(api::qualifications, api::qualify))
        .api(routes!(api::my_qualifications))
}
