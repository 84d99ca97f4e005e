//! Account tables: users, their role grants, browser sessions, API tokens, and the
//! counts of failed proofs of a secret.

pub mod api_token;
pub mod role_grant;
pub mod secret_attempt;
pub mod session;
pub mod user;
