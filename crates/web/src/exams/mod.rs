//! Exams over HTTP: an institution publishes an exam to its class and reads the results;
//! a learner starts an attempt, saves answers as they go and hands it in.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/exams", pages::mine)
        .post("/exams/{id}/start", pages::start)
        .get("/exam-attempts/{id}", pages::attempt)
        .post("/exam-attempts/{id}/answers", pages::save)
        .post("/exam-attempts/{id}/submit", pages::submit)
        .post("/classes/{id}/exams", pages::publish)
        .get("/exams/{id}/results", pages::results)
        .get("/exams/{id}/results.xlsx", pages::export)
        .post("/exams/{id}/withdraw", pages::withdraw)
        .api(routes!(api::mine))
        .api(routes!(api::of_class, api::publish))
        .api(routes!(api::results))
        .api(routes!(api::withdraw))
        .api(routes!(api::start))
        .api(routes!(api::attempt))
        .api(routes!(api::save))
        .api(routes!(api::submit))
}
