//! The training-project catalogue and institutions' occupation declarations.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/catalogue", pages::list)
        .get("/catalogue/export", pages::export)
        .get("/catalogue/new", pages::new_form)
        .post("/catalogue/new", pages::publish)
        .post("/catalogue/{id}/withdraw", pages::withdraw)
        .get("/declarations", pages::declarations)
        .post("/declarations", pages::declare)
        .post("/declarations/{id}/decision", pages::decide)
        .api(routes!(api::list, api::publish))
        .api(routes!(api::withdraw))
        .api(routes!(api::declarations))
        .api(routes!(api::decide))
        .api(routes!(api::declare))
}
