//! Province question banks over HTTP: the list with the new-bank and shared-import forms,
//! a bank's page (questions, add, import from xlsx, retire, export as xlsx and as the
//! shared document), and `/api/v1/banks…` for the same.

pub mod api;
pub mod pages;

use crate::routes::{Routes, limited};
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/banks", pages::list)
        .post("/banks", pages::create)
        .page_with(
            Method::POST,
            "/banks/import",
            post(pages::import_shared).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .get("/banks/{id}", pages::detail)
        .post("/banks/{id}/questions", pages::add)
        .page_with(
            Method::POST,
            "/banks/{id}/questions/import",
            post(pages::import_sheet).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .post("/banks/{id}/questions/{question}/retire", pages::retire)
        .get("/banks/{id}/questions.xlsx", pages::export_sheet)
        .get("/banks/{id}/shared.json", pages::export_shared)
        .api(routes!(api::list, api::create))
        .api(routes!(api::get))
        .api(routes!(api::add))
        .api(routes!(api::retire))
        .api(limited(routes!(api::import_sheet), crate::DOCUMENT_LIMIT))
        .api(routes!(api::document))
        .api(limited(routes!(api::import_document), crate::UPLOAD_LIMIT))
        .api(routes!(api::for_class))
}
