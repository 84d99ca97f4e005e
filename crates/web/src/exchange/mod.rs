//! Data exchange with the provincial integrated platform (signed machine requests).

pub mod api;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.api(routes!(api::pull))
}
