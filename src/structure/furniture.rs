//! Page furniture: blocks at the top or bottom of a page whose text (with digits masked)
//! repeats on several pages, and, on any page (a one-page document too), edge blocks in body
//! type or smaller that read like furniture: page numbers, dates, URLs and DOIs, journal,
//! volume and issue lines, revision and part numbers, copyright lines, download stamps.

use super::{PageLayout, ProtoBlock};
use crate::document::BlockKind;
use std::collections::{HashMap, HashSet};

/// How many blocks from each edge of a page are candidates.
const EDGE_BLOCKS: usize = 2;
/// Candidates must lie within this fraction of the page height from the edge (TeX's default
/// margins on A4 put the footer 18 % up from the bottom).
const EDGE_ZONE: f32 = 0.2;
/// How many blocks from each edge are read for furniture by their text: a footer row may hold
/// a page number, a date and a stamp side by side.
const CONTENT_BLOCKS: usize = 4;

/// Where a block is: (index of the page in `pages`, index of the block on the page).
pub type BlockRef = (usize, usize);

/// Blocks found to be page furniture, with their kind and confidence; `body` is the body
/// text's font size.
pub fn detect(
    pages: &[PageLayout],
    min_pages: usize,
    body: f32,
) -> HashMap<BlockRef, (BlockKind, f32)> {
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
    for (pi, page) in pages.iter().enumerate() {
        for (bi, block) in page.blocks.iter().enumerate() {
            if let Some(kind) = block.furniture {
                found.insert((pi, bi), (kind, 0.9));
            }
        }
    }
    for ((pi, bi), top, key) in candidates {
        if found.contains_key(&(pi, bi)) {
            continue;
        }
        let repeats = keys.get(&(top, key.clone())).map_or(0, HashSet::len);
        let text = pages[pi].blocks[bi].text();
        let confidence = if repeats >= min_pages && pages.len() > 1 {
            0.9
        } else if stands_as_page_number(&pages[pi], bi, &text) {
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
    for (pi, page) in pages.iter().enumerate() {
        let by_top = by_top(page);
        let n = by_top.len();
        let mut outermost: Vec<usize> = by_top.iter().take(CONTENT_BLOCKS).copied().collect();
        outermost.extend(
            by_top
                .iter()
                .skip(n.saturating_sub(CONTENT_BLOCKS).max(CONTENT_BLOCKS)),
        );
        for bi in 0..page.blocks.len() {
            if found.contains_key(&(pi, bi)) {
                continue;
            }
            if let Some(kind) = furniture_by_content(page, bi, body, outermost.contains(&bi)) {
                found.insert((pi, bi), (kind, 0.8));
            }
        }
        // The rest of a header or footer row ("Journal of X" beside "Volume 8 | Issue 3").
        let rows: Vec<(BlockKind, [f32; 4])> = found
            .iter()
            .filter(|((p, _), (kind, _))| {
                *p == pi && matches!(kind, BlockKind::PageHeader | BlockKind::PageFooter)
            })
            .map(|((_, b), (kind, _))| (*kind, page.blocks[*b].bbox))
            .collect();
        for &bi in &outermost {
            let block = &page.blocks[bi];
            if found.contains_key(&(pi, bi))
                || block.lines.len() > 1
                || block.size() > 1.05 * body + 0.1
            {
                continue;
            }
            if let Some((kind, _)) = rows
                .iter()
                .find(|(_, b)| super::lines::v_overlap(*b, block.bbox) >= 0.5)
            {
                found.insert((pi, bi), (*kind, 0.7));
            }
        }
    }
    found
}

/// Share of the page width from the left or right edge where sideways stamps sit.
const SIDE_ZONE: f32 = 0.1;

/// A block near an edge (one of the page's `outermost` blocks, or set sideways in a side
/// margin), in type no larger than the body text, whose text is furniture.
fn furniture_by_content(
    page: &PageLayout,
    index: usize,
    body: f32,
    outermost: bool,
) -> Option<BlockKind> {
    let block = &page.blocks[index];
    if block.lines.len() > 2 || block.size() > 1.05 * body + 0.1 {
        return None;
    }
    if block.region.is_some_and(|(k, _)| k.is_atomic()) {
        return None;
    }
    let [x0, y0, x1, y1] = block.bbox;
    let top = outermost && y1 <= EDGE_ZONE * page.height;
    let bottom = outermost && y0 >= (1.0 - EDGE_ZONE) * page.height;
    let sideways = block.is_sideways()
        && (x1 <= SIDE_ZONE * page.width || x0 >= (1.0 - SIDE_ZONE) * page.width);
    if !(top || bottom || sideways) {
        return None;
    }
    let text = block.text();
    if !(stands_as_page_number(page, index, &text) || reads_as_furniture(&text)) {
        return None;
    }
    Some(if bottom {
        BlockKind::PageFooter
    } else {
        BlockKind::PageHeader
    })
}

/// Length of a line that can be furniture by a weak sign (a numbered volume, a URL, a date).
const SHORT_LINE: usize = 100;
/// The first entries of [`STAMPS`] mark furniture however long the line is.
const STRONG_STAMPS: usize = 8;

/// Words that mark a line as publication furniture wherever they occur in it.
const STAMPS: &[&str] = &[
    "downloaded from",
    "doi:",
    "doi.org/",
    "arxiv:",
    "issn",
    "isbn",
    "©",
    "all rights reserved",
    "copyright",
    "preprint",
    "accepted in",
    "accepted for publication",
    "published in",
    "published by",
    "published under",
    "submitted to",
    "licensed under",
    "proceedings of",
    "journal of",
    "generated by",
    "registered office",
    "vat id",
    "vat no",
    "ust-idnr",
    "company number",
    "registered in",
    "p/n",
    "part number",
    "printed in",
    "confidential",
    "for personal use",
];

/// Words that mark furniture when a number follows them: "Volume 8", "Issue 3", "Rev. 2.4".
const NUMBERED: &[&str] = &[
    "vol", "volume", "issue", "no", "nr", "number", "revision", "rev", "version", "ver", "release",
    "pp", "jahrgang", "heft", "band", "tome", "numéro", "año", "anno",
];

const MONTHS: &[&str] = &[
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "januar",
    "februar",
    "märz",
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// Text that is furniture by what it says: a stamp word, a numbered volume/issue/revision, a
/// URL standing alone, or only a date.
pub(super) fn reads_as_furniture(text: &str) -> bool {
    let lower = text.to_lowercase();
    // A long line is furniture only by an unmistakable stamp; a short one by any sign.
    let long = lower.chars().count() > SHORT_LINE;
    let stamps = if long {
        &STAMPS[..STRONG_STAMPS]
    } else {
        STAMPS
    };
    if stamps.iter().any(|s| lower.contains(s)) {
        return true;
    }
    if long {
        return false;
    }
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | ',' | '/' | '·' | '•'))
        .filter(|w| !w.is_empty())
        .collect();
    let numbered = words.windows(2).any(|w| {
        NUMBERED.contains(&w[0].trim_matches(|c: char| !c.is_alphanumeric()))
            && w[1].chars().next().is_some_and(|c| c.is_ascii_digit())
    });
    if numbered {
        return true;
    }
    let url =
        |w: &str| w.starts_with("http://") || w.starts_with("https://") || w.starts_with("www.");
    if lower.split_whitespace().any(url) && words.len() <= 8 {
        return true;
    }
    is_date(&words)
}

/// Only a date ("8. April 2018", "15 February 2006") or a page number ("iii", "12"), which
/// a heading never is, numbered or not.
pub(super) fn reads_as_date_or_page_number(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    is_date(&words) || is_page_number(text)
}

/// Only a date: "10 June 2019", "June 10, 2019", "2019-06-10", "10.06.2019".
fn is_date(words: &[&str]) -> bool {
    if words.is_empty() || words.len() > 4 {
        return false;
    }
    let numeric = |w: &str| {
        let parts: Vec<&str> = w.split(['-', '.', '/']).filter(|p| !p.is_empty()).collect();
        parts.len() == 3 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
    };
    if words.len() == 1 {
        return numeric(words[0]);
    }
    let month = words
        .iter()
        .any(|w| MONTHS.contains(&w.trim_end_matches(['.', ','])));
    let year = words.iter().any(|w| {
        let d = w.trim_end_matches(['.', ',']);
        d.len() == 4 && d.chars().all(|c| c.is_ascii_digit())
    });
    let rest_numeric = words.iter().all(|w| {
        let w = w.trim_end_matches(['.', ',']);
        // "19th", "1er", "3." count as day numbers
        let day = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        MONTHS.contains(&w) || (!day.is_empty() && day.chars().all(|c| c.is_ascii_digit()))
    });
    month && year && rest_numeric
}

/// The top-most and bottom-most blocks of a page that sit near its edges.
fn edge_blocks(page: &PageLayout) -> Vec<(usize, bool)> {
    let by_top = by_top(page);
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

/// Other number-only blocks a number at the edge must have in line with it (under or over it)
/// to be one of a column of numbers rather than the page number.
const NUMBER_COLUMN: usize = 2;

/// Block `i` (its `text`) reads as a page number and stands alone, not one of a column of
/// numbers: the page labels of a table of contents, the line numbers of a draft. Such a column
/// starts or ends at the page's edge too (OCR'd pages, where labels are blocks of their own,
/// show it most).
fn stands_as_page_number(page: &PageLayout, i: usize, text: &str) -> bool {
    is_page_number(text) && !in_number_column(page, i)
}

fn in_number_column(page: &PageLayout, i: usize) -> bool {
    let b = &page.blocks[i];
    let em = b.size().max(1.0);
    let in_line =
        |o: &ProtoBlock| (o.bbox[2] - b.bbox[2]).abs() <= em || (o.bbox[0] - b.bbox[0]).abs() <= em;
    page.blocks
        .iter()
        .enumerate()
        .filter(|&(j, o)| j != i && in_line(o) && is_page_number(&o.text()))
        .count()
        >= NUMBER_COLUMN
}

/// The page's block indices, top edge first; blocks already known as furniture (margin line
/// numbers, which run the page's height) are not among them.
fn by_top(page: &PageLayout) -> Vec<usize> {
    let mut order: Vec<usize> = (0..page.blocks.len())
        .filter(|&i| page.blocks[i].furniture.is_none())
        .collect();
    order.sort_by(|&a, &b| page.blocks[a].bbox[1].total_cmp(&page.blocks[b].bbox[1]));
    order
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

/// Lower-case roman numerals; TeX's Cyrillic fonts give the "i" of a Ukrainian book's front
/// matter ("ііі") as the Cyrillic letter і.
fn is_roman(w: &str) -> bool {
    !w.is_empty()
        && w.chars().count() <= 6
        && w.chars()
            .all(|c| matches!(c, 'i' | 'v' | 'x' | 'l' | 'c' | 'і'))
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
    use crate::pdf::{Glyph, RawPage};

    /// A page of `lines`: text, left edge and top, in 10 pt type, 5 pt per character.
    fn page(lines: &[(&str, f32, f32)]) -> PageLayout {
        let glyphs = lines
            .iter()
            .flat_map(|&(text, x, y)| Glyph::line(text, x, y))
            .collect();
        crate::structure::analyze_page(RawPage::sample(1, glyphs), &[])
    }

    fn furniture(page: &PageLayout) -> Vec<String> {
        let mut found: Vec<String> = detect(std::slice::from_ref(page), 3, 10.0)
            .keys()
            .map(|&(_, b)| page.blocks[b].text())
            .collect();
        found.sort();
        found
    }

    #[test]
    fn a_column_of_page_labels_is_no_page_number() {
        // A contents page whose labels stand apart from their titles (as OCR reads them): the
        // first row sits at the top edge, yet "35" is a label, not the page number.
        let rows = [
            ("Customising the installer", "35"),
            ("Contributing to the project", "37"),
            ("Reporting bugs", "39"),
            ("Coding style", "41"),
        ];
        let mut lines = Vec::new();
        for (i, (title, label)) in rows.iter().enumerate() {
            let y = 60.0 + 40.0 * i as f32;
            lines.push((*title, 72.0, y));
            lines.push((*label, 540.0 - 5.0 * label.len() as f32, y));
        }
        assert!(furniture(&page(&lines)).is_empty());
        // The same top row alone above prose: "35" is the page number, its row furniture.
        let mut lines = vec![lines[0], lines[1]];
        let prose = "Body text of the page runs on and on across the measure here";
        for i in 0..8 {
            lines.push((prose, 72.0, 300.0 + 12.0 * i as f32));
        }
        assert_eq!(
            furniture(&page(&lines)),
            ["35", "Customising the installer"]
        );
    }

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

    #[test]
    fn furniture_by_its_text() {
        for t in [
            "Volume 8 | Issue 3",
            "Revision 2.4",
            "P/N 0123-4567",
            "10 June 2019",
            "June 10, 2019",
            "2019-06-10",
            "Downloaded from http://example.org/x on 3 May 2020",
            "https://example.org/paper",
            "© 2021 The Authors",
            "J. Foo Stud. Vol. 12, No. 4, pp. 33–51",
            "$Revision: 2.00 $",
            "Generated by Doxygen 1.9.4",
            "19th September 2004",
            "Release 4.12.1, 2022-10-20",
        ] {
            assert!(reads_as_furniture(t), "{t}");
        }
        for t in [
            "Introduction",
            "The results in June were better than in May.",
            "3 Results",
            "We thank the reviewers for their comments on an earlier draft.",
        ] {
            assert!(!reads_as_furniture(t), "{t}");
        }
    }
}
