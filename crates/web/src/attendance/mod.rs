//! Offline attendance: sessions, the rotating sign-in QR code, check-in, marking, and
//! a teacher's classes.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.post("/classes/{id}/sessions", pages::add)
        .get("/sessions/{id}", pages::session)
        .post("/sessions/{id}", pages::mark)
        .get("/sessions/{id}/qr", pages::qr)
        .get("/teaching", pages::teaching)
        .get("/checkin/{id}", pages::checkin_form)
        .post("/checkin/{id}", pages::checkin)
        .api(routes!(api::list, api::add))
        .api(routes!(api::sheet, api::mark))
        .api(routes!(api::checkin))
}
