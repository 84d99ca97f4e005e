//! The regulator's inbox: what waits for a decision in its region, by kind.

use crate::AppState;
use crate::http::error::PageError;
use crate::http::layout::Layout;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use jineng_app::inbox::InboxItem;

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    layout: Layout,
    items: Vec<InboxItem>,
    total: u64,
}

pub async fn show(State(s): State<AppState>, u: PageUser) -> Result<InboxPage, PageError> {
    let items = s.app.inbox().counts(&u.principal).await?;
    let total = items.iter().map(|i| i.count).sum();
    Ok(InboxPage {
        layout: Layout::new("待办审核", &u, "/inbox"),
        items,
        total,
    })
}
