//! Supervised study over HTTP: open a study session for a lesson, send heartbeats, end
//! it, and the learner's own progress.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/study", pages::mine)
        .post("/lessons/{id}/study", pages::page_open)
        .post("/study-sessions/{id}/beats", pages::page_beat)
        .post("/study-sessions/{id}/end", pages::page_end)
        .post("/study-sessions/{id}/checks/{check}", pages::page_check)
        .api(routes!(api::open))
        .api(routes!(api::beat))
        .api(routes!(api::end))
        .api(routes!(api::check))
        .api(routes!(api::mine))
        .api(routes!(api::settings, api::set_settings))
        .api(routes!(api::tasks, api::publish_task))
        .api(routes!(api::class_study))
        .post("/classes/{id}/study-tasks", pages::publish_task)
        .post("/admin/study-settings", pages::save_settings)
}
