//! Cross-cutting HTTP pieces: request context, sessions and CSRF, security headers,
//! error mapping, health checks.

pub mod error;
pub mod files;
pub mod health;
pub mod request;
pub mod security;
pub mod session;
