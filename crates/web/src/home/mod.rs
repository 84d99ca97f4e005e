//! The home page of each role.

pub mod pages;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/", pages::home)
}
