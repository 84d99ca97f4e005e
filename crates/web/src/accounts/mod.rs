//! Accounts: sign-in and sign-out, the signed-in person's own account (password, second
//! factor, API tokens), account administration, and `/me`.

pub mod api;
pub mod me;
pub mod pages;
pub mod profile;
pub mod sign_in;

use crate::routes::Routes;
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/login", sign_in::login_page)
        .post("/login", sign_in::login_submit)
        .get("/login/totp", sign_in::totp_page)
        .post("/login/totp", sign_in::totp_submit)
        .post("/logout", sign_in::logout)
        .get("/account", profile::profile)
        .get("/account/password", profile::password_page)
        .post("/account/password", profile::password_submit)
        .get("/account/totp", profile::totp_page)
        .post("/account/totp", profile::totp_submit)
        .post("/account/totp/start", profile::totp_start)
        .post("/account/tokens", profile::token_create)
        .post("/account/tokens/{id}/revoke", profile::token_revoke)
        .get("/admin/users", pages::list)
        .get("/admin/users/export", pages::export)
        .get("/admin/users/new", pages::new_page)
        .post("/admin/users/new", pages::create)
        .get("/admin/users/{id}", pages::detail)
        .post("/admin/users/{id}/{action}", pages::act)
        .api(routes!(me::me))
        .api(routes!(me::regions))
        .api(routes!(api::list, api::create))
        .api(routes!(api::get))
        .api(routes!(api::grant))
        .api(routes!(api::revoke))
        .api(routes!(api::set_status))
        .api(routes!(api::unlock))
}
