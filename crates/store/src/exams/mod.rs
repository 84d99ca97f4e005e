//! Exams: what a class is examined on and by which rule, each learner's attempts (the
//! paper drawn for it and the seed it was drawn with) and the answers saved as given.

pub mod answer;
pub mod attempt;
pub mod exam;
