//! Learners: self-registration with an SMS code, activation of imported accounts, the
//! scoped learner list, and bulk import.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use crate::routes::limited;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/register/learner", pages::register_form)
        .post("/register/learner", pages::register_submit)
        .get("/activate", pages::activate_form)
        .post("/activate", pages::activate_submit)
        .get("/learners", pages::list)
        .get("/learners/export", pages::export)
        .get("/learners/import", pages::import_form)
        .page_with(
            Method::POST,
            "/learners/import",
            post(pages::import_upload).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .get("/learners/import/template", pages::template)
        .get("/learners/import/{id}", pages::job)
        .get("/learners/import/{id}/report", pages::report)
        .api(routes!(api::send_code))
        .api(routes!(api::register))
        .api(routes!(api::list))
        .api(routes!(api::get))
        .api(limited(routes!(api::import), crate::UPLOAD_LIMIT))
        .api(routes!(api::import_status))
}
