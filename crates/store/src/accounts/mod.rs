//! Account tables: users, their role grants, browser sessions and API tokens.

pub mod api_token;
pub mod role_grant;
pub mod session;
pub mod user;
