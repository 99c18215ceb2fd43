//! The document outline (bookmarks): titles, depths and target pages, read once per document
//! so the structure stage can confirm headings against what the author declared.

use pdfium_render::prelude::*;

/// Entries read at most: an outline is a navigation aid, not content, and a damaged one may
/// loop.
const MAX_ENTRIES: usize = 20_000;
/// Nesting read at most.
const MAX_DEPTH: u8 = 16;

/// One bookmark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineEntry {
    pub title: String,
    /// 1 = a top-level bookmark.
    pub depth: u8,
    /// 1-based page the bookmark points to, when it points into this document.
    pub page: Option<u32>,
}

/// Every bookmark in document order (depth first).
pub(super) fn read(doc: &PdfDocument) -> Vec<OutlineEntry> {
    let mut out = Vec::new();
    let mut stack: Vec<(PdfBookmark, u8)> = Vec::new();
    if let Some(root) = doc.bookmarks().root() {
        stack.push((root, 1));
    }
    // Siblings are pushed as they are reached, so the walk stays depth first and bounded.
    while let Some((mark, depth)) = stack.pop() {
        if out.len() >= MAX_ENTRIES {
            break;
        }
        if let Some(next) = mark.next_sibling() {
            stack.push((next, depth));
        }
        if depth < MAX_DEPTH {
            if let Some(child) = mark.first_child() {
                stack.push((child, depth + 1));
            }
        }
        let title = mark
            .title()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        out.push(OutlineEntry {
            title,
            depth,
            page: target_page(&mark),
        });
    }
    out
}

/// The page a bookmark opens, from its destination or its go-to action.
fn target_page(mark: &PdfBookmark) -> Option<u32> {
    let index = match mark.destination() {
        Some(dest) => dest.page_index().ok(),
        None => mark.action().and_then(|a| {
            a.as_local_destination_action()
                .and_then(|l| l.destination().ok())
                .and_then(|d| d.page_index().ok())
        }),
    }?;
    u32::try_from(index).ok().map(|i| i + 1)
}
