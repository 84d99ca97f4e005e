//! The audit trail: search and export.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/audit", pages::list)
        .get("/audit/export", pages::export)
        .api(routes!(api::search))
}
