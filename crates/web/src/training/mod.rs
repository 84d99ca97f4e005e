//! Learners' side of classes: recruiting classes, applications, 我的培训; and the
//! institution's decision on an application.

pub mod api;
pub mod pages;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/training", pages::show)
        .post("/training/classes/{id}/apply", pages::apply)
        .post("/training/applications/{id}/withdraw", pages::withdraw)
        .post("/training/invitations/{org_id}", pages::answer_invitation)
        .post("/applications/{id}/decision", pages::decide)
        .api(routes!(api::recruiting))
        .api(routes!(api::pending, api::apply))
        .api(routes!(api::decide))
        .api(routes!(api::withdraw))
        .api(routes!(api::mine))
        .api(routes!(api::invitations))
        .api(routes!(api::answer_invitation))
}
