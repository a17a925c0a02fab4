//! Page-number pagination (`x-pagination`): read one page, or stream every page or every item.
//!
//! The generated operation says which query parameters carry the page number and size and how
//! to get the items out of a page; the spec says where the body reports "more pages" or the
//! total. Paging stops at the first of: the body's "more pages" flag is false; the pages read
//! cover the reported total; a page comes back empty or shorter than the page size.

use std::collections::VecDeque;

use futures_core::Stream;
use http::{HeaderMap, StatusCode};

use super::call::{CallState, RequestOptions, execute_op};
use super::config::Core;
use super::error::Error;
use super::operation::Operation;

/// Where a paginated body says whether more pages follow (JSON pointers into the whole body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo {
    /// A boolean that is true while more pages follow.
    pub has_next: Option<&'static str>,
    /// The total number of items across all pages.
    pub total: Option<&'static str>,
}

/// A list operation that pages by page number; generated from `x-pagination`.
pub trait Paginated: Operation {
    /// One item of a page.
    type Item: Send + 'static;
    /// Where the body reports more pages or the total.
    const PAGES: PageInfo;
    /// The page this request asks for (1-based).
    fn page(&self) -> u64;
    /// Asks for another page.
    fn set_page(&mut self, page: u64);
    /// The page size in effect (the one set, else the server's documented default).
    fn page_size(&self) -> Option<u64>;
    /// The items of one page's output.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

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

/// Fetches the page `op` asks for (page 1 unless set) with paging metadata.
pub async fn fetch_page<O: Paginated>(op: &O, call: &CallState<'_>) -> Result<Page<O::Item>, Error> {
    fetch(call.core(), op, call.options()).await
}

/// Streams every page, starting at the page `op` asks for; an error ends the stream after it is
/// yielded.
pub fn pages<'a, O: Paginated + 'a>(
    op: O,
    call: CallState<'a>,
) -> impl Stream<Item = Result<Page<O::Item>, Error>> + Send + 'a {
    let (core, options) = (call.core(), call.options().clone());
    futures_util::stream::unfold(Some((core, op, options)), |state| async move {
        let (core, mut op, options) = state?;
        let page = fetch(core, &op, &options).await;
        let next = match &page {
            Ok(p) if p.has_next => {
                op.set_page(p.number.saturating_add(1));
                Some((core, op, options))
            }
            _ => None,
        };
        Some((page, next))
    })
}

/// Streams every item of every page; an error ends the stream after it is yielded.
pub fn items<'a, O: Paginated + 'a>(
    op: O,
    call: CallState<'a>,
) -> impl Stream<Item = Result<O::Item, Error>> + Send + 'a {
    let (core, options) = (call.core(), call.options().clone());
    let start: ItemsState<'a, O> = ItemsState { core, op, options, buffer: VecDeque::new(), more: true };
    futures_util::stream::unfold(start, |mut st| async move {
        loop {
            if let Some(item) = st.buffer.pop_front() {
                return Some((Ok(item), st));
            }
            if !st.more {
                return None;
            }
            match fetch(st.core, &st.op, &st.options).await {
                Ok(page) => {
                    st.more = page.has_next;
                    st.op.set_page(page.number.saturating_add(1));
                    st.buffer.extend(page.items);
                }
                Err(e) => {
                    st.more = false;
                    return Some((Err(e), st));
                }
            }
        }
    })
}

struct ItemsState<'a, O: Paginated> {
    core: &'a Core,
    op: O,
    options: RequestOptions,
    buffer: VecDeque<O::Item>,
    more: bool,
}

/// The paging methods of a generated list builder (`fetch_page`, `pages`, `items`), expanded
/// once per builder so that its docs page shows them with the item type.
#[doc(hidden)]
#[macro_export]
macro_rules! __paginated_builder {
    ($builder:ident, $item:ty) => {
        impl<'a> $builder<'a> {
            /// Fetches the page this request asks for (page 1 unless set) with paging metadata.
            #[inline]
            pub async fn fetch_page(self) -> ::std::result::Result<$crate::Page<$item>, $crate::Error> {
                $crate::__private::fetch_page(&self, &self.call).await
            }

            /// Streams every page, starting at the page this request asks for; an error ends
            /// the stream after it is yielded.
            #[inline]
            pub fn pages(
                self,
            ) -> impl $crate::__private::Stream<Item = ::std::result::Result<$crate::Page<$item>, $crate::Error>> + Send + 'a
            {
                let call = self.call.clone();
                $crate::__private::pages(self, call)
            }

            /// Streams every item of every page; an error ends the stream after it is yielded.
            #[inline]
            pub fn items(self) -> impl $crate::__private::Stream<Item = ::std::result::Result<$item, $crate::Error>> + Send + 'a {
                let call = self.call.clone();
                $crate::__private::items(self, call)
            }
        }
    };
}

async fn fetch<O: Paginated>(core: &Core, op: &O, options: &RequestOptions) -> Result<Page<O::Item>, Error> {
    let number = op.page();
    let size = op.page_size();
    let response = execute_op(core, op, options).await?;
    let body = response.raw_body();
    // The envelope's other members hold the paging facts without parsing the body again; the
    // body is parsed only for a pointer they do not answer (one into the payload, or no envelope).
    let parsed = std::cell::OnceCell::new();
    let at = |p: Option<&str>| {
        let p = p?;
        response.envelope.as_ref().and_then(|e| e.pointer(p)).cloned().or_else(|| {
            parsed.get_or_init(|| serde_json::from_slice::<serde_json::Value>(body).ok()).as_ref()?.pointer(p).cloned()
        })
    };
    let flag = at(O::PAGES.has_next).and_then(|v| v.as_bool());
    let total = at(O::PAGES.total).and_then(|v| v.as_u64());
    let items = O::into_items(response.data);
    let has_next = match (flag, total, size) {
        _ if items.is_empty() => false,
        (Some(flag), _, _) => flag,
        (None, Some(total), Some(size)) => number.saturating_mul(size) < total,
        (None, _, Some(size)) => items.len() as u64 >= size,
        // Without a flag, a total with a size, or a size, only an empty page can end the list.
        (None, _, None) => true,
    };
    Ok(Page {
        number,
        items,
        has_next,
        total,
        status: response.status,
        headers: response.headers,
        request_id: response.request_id,
    })
}
