//! Running page headers and footers: blocks at the top or bottom of a page whose text (with
//! digits masked) repeats on several pages, and lone page numbers.

use super::PageLayout;
use crate::document::BlockKind;
use std::collections::{HashMap, HashSet};

/// How many blocks from each edge of a page are candidates.
const EDGE_BLOCKS: usize = 2;
/// Candidates must lie within this fraction of the page height from the edge.
const EDGE_ZONE: f32 = 0.15;

/// Where a block is: (index of the page in `pages`, index of the block on the page).
pub type BlockRef = (usize, usize);

/// Blocks found to be page furniture, with their kind and confidence.
pub fn detect(pages: &[PageLayout], min_pages: usize) -> HashMap<BlockRef, (BlockKind, f32)> {
    let min_pages = if pages.len() <= 4 {
        2
    } else {
        min_pages.max(2)
    };
    let mut keys: HashMap<(bool, String), HashSet<usize>> = HashMap::new();
    let mut candidates: Vec<(BlockRef, bool, String)> = Vec::new();
    for (pi, page) in pages.iter().enumerate() {
        for (bi, top) in edge_blocks(page) {
            let key = mask(&page.blocks[bi].text());
            if key.is_empty() {
                continue;
            }
            keys.entry((top, key.clone())).or_default().insert(pi);
            candidates.push(((pi, bi), top, key));
        }
    }
    let mut found = HashMap::new();
    for ((pi, bi), top, key) in candidates {
        let repeats = keys.get(&(top, key.clone())).map_or(0, HashSet::len);
        let text = pages[pi].blocks[bi].text();
        let confidence = if repeats >= min_pages && pages.len() > 1 {
            0.9
        } else if is_page_number(&text) {
            0.85
        } else {
            continue;
        };
        let kind = if top {
            BlockKind::PageHeader
        } else {
            BlockKind::PageFooter
        };
        found.insert((pi, bi), (kind, confidence));
    }
    found
}

/// The top-most and bottom-most blocks of a page that sit near its edges.
fn edge_blocks(page: &PageLayout) -> Vec<(usize, bool)> {
    let mut by_top: Vec<usize> = (0..page.blocks.len()).collect();
    by_top.sort_by(|&a, &b| page.blocks[a].bbox[1].total_cmp(&page.blocks[b].bbox[1]));
    let zone = EDGE_ZONE * page.height;
    let mut out = Vec::new();
    for &i in by_top.iter().take(EDGE_BLOCKS) {
        let b = &page.blocks[i];
        if b.bbox[3] <= zone && b.lines.len() <= 2 {
            out.push((i, true));
        }
    }
    for &i in by_top.iter().rev().take(EDGE_BLOCKS) {
        let b = &page.blocks[i];
        if b.bbox[1] >= page.height - zone
            && b.lines.len() <= 2
            && !out.iter().any(|(j, _)| *j == i)
        {
            out.push((i, false));
        }
    }
    out
}

/// Lower-cased text with every run of digits (and roman numerals standing alone) as `#`.
fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
            continue;
        }
        in_digits = false;
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out.split(' ')
        .map(|w| if is_roman(w) { "#" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

fn is_roman(w: &str) -> bool {
    !w.is_empty() && w.len() <= 6 && w.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l' | 'c'))
}

/// "12", "- 12 -", "Page 3 of 10", "xiv", "3/10".
fn is_page_number(text: &str) -> bool {
    let masked = mask(text);
    let stripped: String = masked
        .split(' ')
        .filter(|w| {
            !matches!(
                *w,
                "page"
                    | "seite"
                    | "p."
                    | "pág."
                    | "стр."
                    | "of"
                    | "von"
                    | "de"
                    | "sur"
                    | "/"
                    | "-"
                    | "–"
                    | "—"
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let s = stripped.trim_matches(|c: char| c == '-' || c == '–' || c == ' ' || c == '/');
    !s.is_empty() && s.split(['/', ' ']).all(|w| w == "#" || w.is_empty()) && text.len() <= 24
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_numbers() {
        assert_eq!(mask("Chapter 3: Basics   12"), "chapter #: basics #");
        assert_eq!(mask("xiv Preface"), "# preface");
    }

    #[test]
    fn page_numbers() {
        assert!(is_page_number("12"));
        assert!(is_page_number("- 7 -"));
        assert!(is_page_number("Page 3 of 10"));
        assert!(is_page_number("xiv"));
        assert!(!is_page_number("Introduction"));
        assert!(!is_page_number("3 Results"));
    }
}
