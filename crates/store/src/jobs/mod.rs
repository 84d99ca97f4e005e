//! Background jobs, stored so that a restart or another node picks them up.

pub mod job;
