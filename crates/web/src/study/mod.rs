//! Supervised study over HTTP: open a study session for a lesson, send heartbeats, end
//! it, and the learner's own progress.

pub mod api;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.api(routes!(api::open))
        .api(routes!(api::beat))
        .api(routes!(api::end))
        .api(routes!(api::mine))
}
