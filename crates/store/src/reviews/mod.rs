//! The history of review decisions: every approval or return of a registration,
//! declaration, teacher or class filing, with its reason and reviewer.

pub mod decision;
