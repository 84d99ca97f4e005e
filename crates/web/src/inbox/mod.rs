//! The regulator's inbox: what waits for a decision in its region.

pub mod pages;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/inbox", pages::show)
}
