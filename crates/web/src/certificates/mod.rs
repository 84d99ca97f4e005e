//! Certificates over HTTP: an institution issues its completed class's certificates and
//! prints them in one PDF; a learner downloads theirs; regulators list and revoke; and
//! anyone verifies a number or a scanned QR code without signing in (`/verify`).

pub mod api;
pub mod document;
pub mod pages;
pub mod seal;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/certificates", pages::list)
        .get("/certificates.xlsx", pages::export)
        .get("/certificates/seal", seal::show)
        .post("/certificates/seal", seal::upload)
        .get("/certificates/seal.png", seal::image)
        .post("/certificates/seal/remove", seal::remove)
        .get("/certificates/{id}", pages::detail)
        .get("/certificates/{id}/pdf", pages::pdf)
        .post("/certificates/{id}/revoke", pages::revoke)
        .post("/classes/{id}/certificates", pages::issue)
        .get("/classes/{id}/certificates.pdf", pages::class_pdf)
        .get("/verify", pages::verify_form)
        .get("/verify/{number}", pages::verify)
        .api(routes!(api::list))
        .api(routes!(api::mine))
        .api(routes!(api::get))
        .api(routes!(api::revoke))
        .api(routes!(api::of_class, api::issue))
        .api(routes!(api::verify))
        .api(routes!(seal::api_get, seal::api_put, seal::api_delete))
}
