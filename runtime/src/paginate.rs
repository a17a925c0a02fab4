//! One page of a paginated list (`x-pagination`), as `fetch_page` and `pages` give it.

use http::{HeaderMap, StatusCode};

/// One page of a paginated list.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page number (1-based).
    pub number: u64,
    /// The items.
    pub items: Vec<T>,
    /// Whether another page follows (from the body, or inferred from the total or a short page).
    pub has_next: bool,
    /// The total number of items, when the body reports it.
    pub total: Option<u64>,
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The server's request id.
    pub request_id: Option<String>,
}
