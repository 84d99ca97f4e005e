//! The 2022 occupation classification and the work types under it.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/occupations", pages::show)
        .post("/occupations/work-types", pages::add_work_type)
        .api(routes!(api::list))
        .api(routes!(api::get))
        .api(routes!(api::add_work_type))
}
