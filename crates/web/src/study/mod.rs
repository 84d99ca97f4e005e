//! Supervised study over HTTP: open a study session for a lesson, send heartbeats, end
//! it, and the learner's own progress.

pub mod api;
pub mod pages;
pub mod supervision;

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
        .api(routes!(supervision::record))
        .api(routes!(supervision::spot_checks, supervision::draw))
        .api(routes!(supervision::verdict))
        .api(routes!(supervision::acknowledge))
        .api(routes!(supervision::anomalies))
        .get(
            "/classes/{id}/learners/{user_id}/study",
            supervision::record_page,
        )
        .get("/classes/{id}/study.xlsx", supervision::export)
        .post("/classes/{id}/spot-checks", supervision::draw_page)
        .post("/spot-checks/{id}/verdict", supervision::verdict_page)
        .post(
            "/spot-checks/{id}/acknowledgement",
            supervision::acknowledge_page,
        )
        .get("/supervision", supervision::supervision_page)
        .post("/classes/{id}/study-tasks", pages::publish_task)
        .post("/admin/study-settings", pages::save_settings)
}
