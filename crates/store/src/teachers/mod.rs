//! Teachers: one row per person (found by ID number), linked to the institutions they
//! teach for (each link reviewed by the institution's regulator), and booked into classes.

pub mod booking;
pub mod link;
pub mod teacher;
