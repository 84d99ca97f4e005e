//! The training-project catalogue (培训项目目录) regulators publish, and the occupations
//! an institution declares it trains (培训工种申报).

pub mod declaration;
pub mod project;
