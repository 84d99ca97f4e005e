//! Paging shared by every list: a bounded request in, a page with its total out.

use crate::error::AppResult;
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, Select};
use serde::Serialize;

/// Most rows one page may hold.
pub const MAX_PER_PAGE: u64 = 200;
/// Highest page number accepted; beyond it a list answers an empty page (no overflow).
pub const MAX_PAGE: u64 = 1_000_000;

/// Which page a caller asks for, already bounded: page ≥ 1, 1 ≤ per_page ≤ 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub fn new(page: Option<u64>, per_page: Option<u64>, default_per_page: u64) -> Self {
        PageRequest {
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
            per_page: per_page.unwrap_or(default_per_page).clamp(1, MAX_PER_PAGE),
        }
    }

    /// The first page of `per_page` rows.
    pub fn first(per_page: u64) -> Self {
        Self::new(None, Some(per_page), per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::new(None, None, 20)
    }
}

/// One page of a list and how many rows the whole list has.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }

    /// How many pages the whole list has (at least one).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// Fetch one page of rows of `q`.
pub(crate) async fn fetch<E, C>(
    db: &C,
    q: Select<E>,
    r: PageRequest,
) -> AppResult<Page<<E as EntityTrait>::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    let p = q.paginate(db, r.per_page);
    let total = p.num_items().await?;
    let items = p.fetch_page(r.page - 1).await?;
    Ok(Page {
        items,
        total,
        page: r.page,
        per_page: r.per_page,
    })
}

/// `column LIKE '%text%'` with the text taken literally: `%`, `_` and `\` typed into a
/// search box match themselves, not every row.
pub(crate) fn contains(column: impl sea_orm::ColumnTrait, text: &str) -> sea_orm::sea_query::Expr {
    like_literal(column, &format!("%{}%", escape_like(text)))
}

/// `column LIKE 'text%'`, the text taken literally.
pub(crate) fn starts_with(
    column: impl sea_orm::ColumnTrait,
    text: &str,
) -> sea_orm::sea_query::Expr {
    like_literal(column, &format!("{}%", escape_like(text)))
}

/// The text taken literally in a LIKE pattern. Control characters are left out: no
/// stored name holds one, SQLite's LIKE stops at a NUL (so `%00` matched every row) and
/// PostgreSQL refuses a NUL in text outright (a server error instead of an answer).
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for ch in text.chars().filter(|c| !c.is_control()) {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

fn like_literal(column: impl sea_orm::ColumnTrait, pattern: &str) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::ExprTrait;
    sea_orm::sea_query::Expr::col(column.as_column_ref())
        .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_bounded() {
        let r = PageRequest::new(Some(0), Some(0), 20);
        assert_eq!((r.page, r.per_page), (1, 1));
        let r = PageRequest::new(Some(u64::MAX), Some(u64::MAX), 20);
        assert_eq!((r.page, r.per_page), (MAX_PAGE, MAX_PER_PAGE));
        assert_eq!(PageRequest::default().per_page, 20);
        let p = Page {
            items: vec![1, 2],
            total: 41,
            page: 1,
            per_page: 20,
        };
        assert_eq!(p.pages(), 3);
        assert_eq!(p.map(|x| x * 2).items, vec![2, 4]);
    }
}
