//! Page-number pagination (`x-pagination`): read one page, or stream every page or every item.
//!
//! The generated operation says which query parameters carry the page number and size and how
//! to get the items out of a page; the spec says where the body reports "more pages" or the
//! total. Paging stops at the first of: the body's "more pages" flag is false; the pages read
//! cover the reported total; a page comes back empty or shorter than the page size.

use std::collections::VecDeque;

use crate::error::Error;
use crate::paginate::Page;

use super::call::{CallState, send};
use super::operation::Operation;

/// The stream a list builder's `pages` and `items` return: boxed, so that it is `Unpin` and
/// `next().await` works on it without pinning.
pub type BoxStream<'a, T> = std::pin::Pin<Box<dyn futures_core::Stream<Item = T> + Send + 'a>>;

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

/// Fetches the page `op` asks for (page 1 unless set) with paging metadata.
pub async fn fetch_page<O: Paginated>(op: &O, call: &CallState<'_>) -> Result<Page<O::Item>, Error> {
    fetch(op, call).await
}

/// Streams every page, starting at the page `op` asks for; an error ends the stream after it is
/// yielded.
pub fn pages<'a, O: Paginated + 'a>(op: O, call: CallState<'a>) -> BoxStream<'a, Result<Page<O::Item>, Error>> {
    Box::pin(futures_util::stream::unfold(Some((op, call)), |state| async move {
        let (mut op, call) = state?;
        let page = fetch(&op, &call).await;
        let next = match &page {
            Ok(p) if p.has_next => {
                op.set_page(p.number.saturating_add(1));
                Some((op, call))
            }
            _ => None,
        };
        Some((page, next))
    }))
}

/// Streams every item of every page; an error ends the stream after it is yielded.
pub fn items<'a, O: Paginated + 'a>(op: O, call: CallState<'a>) -> BoxStream<'a, Result<O::Item, Error>> {
    let start: ItemsState<'a, O> = ItemsState { call, op, buffer: VecDeque::new(), more: true };
    Box::pin(futures_util::stream::unfold(start, |mut st| async move {
        loop {
            if let Some(item) = st.buffer.pop_front() {
                return Some((Ok(item), st));
            }
            if !st.more {
                return None;
            }
            match fetch(&st.op, &st.call).await {
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
    }))
}

async fn fetch<O: Paginated>(op: &O, call: &CallState<'_>) -> Result<Page<O::Item>, Error> {
    let number = op.page();
    let size = op.page_size();
    let response = send(op, call).await?;
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

struct ItemsState<'a, O: Paginated> {
    call: CallState<'a>,
    op: O,
    buffer: VecDeque<O::Item>,
    more: bool,
}
