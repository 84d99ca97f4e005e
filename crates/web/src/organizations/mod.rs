//! Institutions and enterprises: registration, review, sanctions, annual reviews and
//! registration documents.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use crate::routes::limited;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/register", pages::register_page)
        .post("/register", pages::register_submit)
        .get("/orgs", pages::list)
        .get("/orgs/export", pages::export)
        .get("/orgs/{id}", pages::detail)
        .post("/orgs/{id}/decision", pages::decide)
        .page_with(
            Method::POST,
            "/orgs/{id}/documents",
            post(pages::upload_document).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .get("/orgs/{id}/documents/{doc}", pages::document)
        .post("/orgs/{id}/documents/{doc}/remove", pages::remove_document)
        .post("/orgs/{id}/annual-review", pages::annual)
        .get("/orgs/{id}/edit", pages::edit_page)
        .post("/orgs/{id}/edit", pages::edit_submit)
        .api(routes!(api::register))
        .api(routes!(api::list))
        .api(routes!(api::get))
        .api(routes!(api::decide))
        .api(routes!(api::resubmit))
        .api(routes!(api::versions))
        .api(routes!(api::annual_review))
        .api(limited(
            routes!(api::documents, api::upload_document),
            crate::DOCUMENT_LIMIT,
        ))
        .api(routes!(api::document, api::remove_document))
}
