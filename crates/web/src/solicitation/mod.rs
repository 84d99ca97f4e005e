//! 资源征集 over HTTP: campaigns and their stages, providers' applications with their
//! materials, material review, the roadshow's experts and scores, objections to the
//! public notice, admissions; the public notices at `/notices` need no sign-in.
//! `/api/v1/solicitation…` for the same.

pub mod api;
pub mod pages;

use crate::routes::{Routes, limited};
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/solicitation", pages::list)
        .post("/solicitation", pages::create)
        .get("/solicitation/admissions", pages::admissions)
        .post("/solicitation/admissions/{id}/status", pages::set_admission)
        .get("/solicitation/{id}", pages::campaign)
        .post("/solicitation/{id}", pages::update)
        .post("/solicitation/{id}/stage", pages::advance)
        .get("/solicitation/{id}/results.xlsx", pages::export)
        .page_with(
            Method::POST,
            "/solicitation/{id}/files",
            post(pages::upload_document).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .get("/solicitation/{id}/files/{file}", pages::file)
        .post("/solicitation/{id}/experts", pages::assign_expert)
        .post(
            "/solicitation/{id}/experts/{expert}/remove",
            pages::remove_expert,
        )
        .post("/solicitation/{id}/application", pages::save_application)
        .post("/solicitation/{id}/objections", pages::object)
        .page_with(
            Method::POST,
            "/solicitation/applications/{id}/files",
            post(pages::upload_material).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .post("/solicitation/applications/{id}/review", pages::review)
        .post("/solicitation/applications/{id}/score", pages::score)
        .post("/solicitation/applications/{id}/recuse", pages::recuse)
        .post(
            "/solicitation/applications/{id}/drop",
            pages::drop_application,
        )
        .post("/solicitation/objections/{id}/answer", pages::answer)
        .get("/notices", pages::notices)
        .get("/notices/{id}", pages::notice)
        .api(routes!(api::campaigns, api::create_campaign))
        .api(routes!(api::campaign, api::update_campaign))
        .api(routes!(api::advance))
        .api(limited(
            routes!(api::attach_campaign_file),
            crate::DOCUMENT_LIMIT,
        ))
        .api(routes!(api::file))
        .api(routes!(api::assign_expert))
        .api(routes!(api::remove_expert))
        .api(routes!(api::save_application))
        .api(routes!(api::application))
        .api(routes!(api::submit_application))
        .api(limited(
            routes!(api::attach_material),
            crate::DOCUMENT_LIMIT,
        ))
        .api(routes!(api::review_application))
        .api(routes!(api::score))
        .api(routes!(api::recuse))
        .api(routes!(api::drop_application))
        .api(routes!(api::object))
        .api(routes!(api::answer_objection))
        .api(routes!(api::admissions))
        .api(routes!(api::set_admission))
        .api(routes!(api::my_roadshows))
}
