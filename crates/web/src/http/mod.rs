//! Cross-cutting HTTP pieces: request context, sessions and CSRF, security headers,
//! error mapping, health checks.

pub mod api;
pub mod error;
pub mod export;
pub mod files;
pub mod form;
pub mod health;
pub mod layout;
pub mod metrics;
pub mod replica;
pub mod request;
pub mod schema;
pub mod security;
pub mod session;
