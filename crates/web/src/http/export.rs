//! Exports read a scoped list page by page through the same use case the page shows, so
//! an export never holds more than the caller may see.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jineng_app::AppResult;
use jineng_app::page::{Page, PageRequest};

/// Rows fetched per call while exporting.
pub const EXPORT_PAGE: u64 = 200;
/// The most rows one export holds.
pub const MAX_EXPORT_ROWS: usize = 100_000;

/// Every row of a paged list (at most `MAX_EXPORT_ROWS`), fetching page 1, 2, … until a
/// short page.
pub async fn every_page<T, F, Fut>(mut fetch: F) -> AppResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = AppResult<Page<T>>>,
{
    let mut all = Vec::new();
    for page in 1.. {
        let p = fetch(PageRequest::new(Some(page), Some(EXPORT_PAGE), EXPORT_PAGE)).await?;
        let short = (p.items.len() as u64) < EXPORT_PAGE;
        all.extend(p.items);
        if short || all.len() >= MAX_EXPORT_ROWS {
            break;
        }
    }
    all.truncate(MAX_EXPORT_ROWS);
    Ok(all)
}

/// An xlsx workbook as a download.
pub fn xlsx_response(bytes: Vec<u8>, filename: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
