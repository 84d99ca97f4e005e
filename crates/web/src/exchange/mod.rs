//! Data exchange with the provincial integrated platform (signed machine requests).

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/admin/exchange", pages::list)
        .post("/admin/exchange", pages::create)
        .post("/admin/exchange/{id}/revoke", pages::revoke)
        .api(routes!(api::pull))
}
