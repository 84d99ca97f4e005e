//! Background jobs for the system admin: state, attempts, last error, and retry.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/admin/jobs", pages::list)
        .post("/admin/jobs/{id}/retry", pages::retry)
        .api(routes!(api::list))
        .api(routes!(api::retry))
}
