//! Pages for people: sign-in, home per role, own account, account administration,
//! the audit trail. Each page's Chinese text lives in its template.

pub mod account;
pub mod admin_users;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod classes;
pub mod export;
pub mod home;
pub mod inbox;
pub mod layout;
pub mod learners;
pub mod occupations;
pub mod orgs;
pub mod teachers;
pub mod training;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/login/totp", get(auth::totp_page).post(auth::totp_submit))
        .route("/logout", post(auth::logout))
        .route("/account", get(account::profile))
        .route(
            "/account/password",
            get(account::password_page).post(account::password_submit),
        )
        .route(
            "/account/totp",
            get(account::totp_page).post(account::totp_submit),
        )
        .route("/account/tokens", post(account::token_create))
        .route("/account/tokens/{id}/revoke", post(account::token_revoke))
        .route("/admin/users", get(admin_users::list))
        .route("/admin/users/export", get(admin_users::export))
        .route(
            "/admin/users/new",
            get(admin_users::new_page).post(admin_users::create),
        )
        .route("/admin/users/{id}", get(admin_users::detail))
        .route("/admin/users/{id}/{action}", post(admin_users::act))
        .route("/audit", get(audit::list))
        .route("/audit/export", get(audit::export))
        .route("/api/docs", get(layout::api_docs))
        .route("/catalogue", get(catalogue::list))
        .route("/catalogue/export", get(catalogue::export))
        .route(
            "/catalogue/new",
            get(catalogue::new_form).post(catalogue::publish),
        )
        .route("/catalogue/{id}/withdraw", post(catalogue::withdraw))
        .route(
            "/declarations",
            get(catalogue::declarations).post(catalogue::declare),
        )
        .route("/declarations/{id}/decision", post(catalogue::decide))
        .route(
            "/register/learner",
            get(learners::register_form).post(learners::register_submit),
        )
        .route(
            "/activate",
            get(learners::activate_form).post(learners::activate_submit),
        )
        .route("/learners", get(learners::list))
        .route("/learners/export", get(learners::export))
        .route(
            "/learners/import",
            get(learners::import_form)
                .post(learners::import_upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/learners/import/template", get(learners::template))
        .route("/learners/import/{id}", get(learners::job))
        .route("/learners/import/{id}/report", get(learners::report))
        .route("/inbox", get(inbox::show))
        .route("/training", get(training::show))
        .route("/training/classes/{id}/apply", post(training::apply))
        .route(
            "/training/applications/{id}/withdraw",
            post(training::withdraw),
        )
        .route("/applications/{id}/decision", post(training::decide))
        .route("/classes", get(classes::list))
        .route("/classes/export", get(classes::export))
        .route("/classes/new", get(classes::new_form).post(classes::open))
        .route("/classes/{id}", get(classes::detail))
        .route("/classes/{id}/learners.xlsx", get(classes::learners_export))
        .route("/classes/{id}/enroll", post(classes::enroll))
        .route("/classes/{id}/actions", post(classes::act))
        .route("/classes/{id}/inspect", post(classes::inspect))
        .route("/classes/{id}/sessions", post(attendance::add))
        .route(
            "/sessions/{id}",
            get(attendance::session).post(attendance::mark),
        )
        .route("/sessions/{id}/qr", get(attendance::qr))
        .route("/teaching", get(attendance::teaching))
        .route(
            "/checkin/{id}",
            get(attendance::checkin_form).post(attendance::checkin),
        )
        .route("/teachers", get(teachers::list).post(teachers::add))
        .route("/teachers/export", get(teachers::export))
        .route("/teachers/{id}/decision", post(teachers::decide))
        .route("/classes/{id}/teachers", post(teachers::book))
        .route("/occupations", get(occupations::show))
        .route("/occupations/work-types", post(occupations::add_work_type))
        .route(
            "/register",
            get(orgs::register_page).post(orgs::register_submit),
        )
        .route("/orgs", get(orgs::list))
        .route("/orgs/export", get(orgs::export))
        .route("/orgs/{id}", get(orgs::detail))
        .route("/orgs/{id}/decision", post(orgs::decide))
        .route(
            "/orgs/{id}/documents",
            post(orgs::upload_document)
                .layer(axum::extract::DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .route("/orgs/{id}/documents/{doc}", get(orgs::document))
        .route(
            "/orgs/{id}/documents/{doc}/remove",
            post(orgs::remove_document),
        )
        .route("/orgs/{id}/annual-review", post(orgs::annual))
        .route(
            "/orgs/{id}/edit",
            get(orgs::edit_page).post(orgs::edit_submit),
        )
}
