//! Headings confirmed by the PDF's own outline (bookmarks): a bookmark names a heading on
//! the page it opens, so the block with that title on that page is a heading at the
//! bookmark's depth, whatever its typography said. Blocks so confirmed say so in
//! [`Block::heading_from`]. Headings no bookmark names stay headings (outlines often stop
//! above the deepest level) but rank below the outline's deepest level.

use super::toc::title_key;
use crate::document::{Block, BlockKind, HeadingFrom};
use crate::pdf::OutlineEntry;
use std::collections::HashMap;

/// Longest text a bookmark can confirm as a heading.
const MAX_CHARS: usize = 200;

/// Confirms or promotes the blocks the outline names and re-links the section tree.
pub fn confirm(blocks: &mut [Block], outline: &[OutlineEntry]) {
    if outline.is_empty() {
        return;
    }
    // One root bookmark over everything is the document itself: its children are level 1.
    let roots = outline.iter().filter(|e| e.depth == 1).count();
    let shift = u8::from(roots == 1 && outline.len() > 1);
    let mut used = vec![false; blocks.len()];
    // Blocks by page, so a long outline over a long document stays linear.
    let mut on_page: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, b) in blocks.iter().enumerate() {
        on_page.entry(b.page).or_default().push(i);
    }
    for entry in outline {
        let (Some(page), Some(level)) = (entry.page, entry.depth.checked_sub(shift)) else {
            continue;
        };
        if level == 0 {
            continue;
        }
        let candidates = on_page.get(&page).map(Vec::as_slice).unwrap_or_default();
        let Some(&i) = candidates
            .iter()
            .find(|&&i| !used[i] && names(&blocks[i], &entry.title))
        else {
            continue;
        };
        used[i] = true;
        let b = &mut blocks[i];
        if b.kind == BlockKind::Title {
            continue;
        }
        b.kind = BlockKind::SectionHeader;
        b.level = Some(level.min(6));
        b.heading_from = Some(HeadingFrom::Outline);
        b.confidence = b.confidence.max(0.95);
    }
    // Where the outline holds, a heading it leaves out sits below its deepest level: the
    // outline would list a section of that rank.
    let confirmed = || {
        blocks
            .iter()
            .filter(|b| b.heading_from == Some(HeadingFrom::Outline))
    };
    if confirmed().count() >= MIN_CONFIRMED {
        let below = confirmed().filter_map(|b| b.level).max().unwrap_or(0) + 1;
        for b in blocks.iter_mut() {
            // Numbering ranks a heading as surely as the outline would.
            if b.kind == BlockKind::SectionHeader && b.heading_from == Some(HeadingFrom::Typography)
            {
                b.level = b.level.map(|l| l.max(below).min(6));
            }
        }
    }
    super::classify::link_parents(blocks);
}

/// Headings the outline must confirm before it ranks the others.
const MIN_CONFIRMED: usize = 3;

/// Does the block's text name the bookmark's title (numbering, case and spacing aside)?
fn names(block: &Block, title: &str) -> bool {
    let candidate = matches!(
        block.kind,
        BlockKind::SectionHeader
            | BlockKind::Title
            | BlockKind::Paragraph
            | BlockKind::ListItem
            | BlockKind::Formula
    );
    if !candidate || block.text.chars().count() > MAX_CHARS {
        return false;
    }
    let same = |a: &str, b: &str| {
        let (a, b) = (key(a), key(b));
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        // One may be cut short: a bookmark truncated, a heading with a trailing mark.
        !short.is_empty()
            && (short == long
                || (long.contains(short.as_str())
                    && short.chars().count() * 5 >= long.chars().count() * 4))
    };
    same(&block.text, title) || same(strip_numbering(&block.text), strip_numbering(title))
}

/// Letters and digits, lower case, without diacritics (outlines often lose them).
fn key(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    title_key(
        &s.nfd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .collect::<String>(),
    )
}

/// The title without a leading number or chapter label: "2.3 Results" → "Results",
/// "Chapter 4 Methods" → "Methods", "B. Proofs" → "Proofs".
fn strip_numbering(title: &str) -> &str {
    let mut rest = title.trim_start();
    for _ in 0..2 {
        let Some((first, tail)) = rest.split_once(char::is_whitespace) else {
            break;
        };
        let token = first.trim_end_matches(['.', ':', ')']);
        let number = !token.is_empty()
            && (token.chars().any(|c| c.is_ascii_digit())
                && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
                || token.chars().all(|c| "IVXLCivxlc".contains(c))
                || (token.chars().count() == 1 && first.ends_with(['.', ')'])));
        if number || super::classify::is_chapter(first) {
            rest = tail.trim_start();
        } else {
            break;
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::BlockSource;

    fn block(id: &str, page: u32, kind: BlockKind, text: &str) -> Block {
        Block {
            id: id.to_string(),
            page,
            kind,
            bbox: [0.0, 0.0, 10.0, 10.0],
            text: text.to_string(),
            confidence: 0.8,
            source: BlockSource::Pdf,
            level: (kind == BlockKind::SectionHeader).then_some(3),
            parent: None,
            table: None,
            caption_of: None,
            latex: None,
            toc: None,
            heading_from: None,
            marker: None,
        }
    }

    fn entry(title: &str, depth: u8, page: u32) -> OutlineEntry {
        OutlineEntry {
            title: title.to_string(),
            depth,
            page: Some(page),
        }
    }

    #[test]
    fn bookmarks_confirm_levels_and_promote_plain_titles() {
        let mut blocks = vec![
            block("b1", 1, BlockKind::Paragraph, "Background"),
            block("b2", 1, BlockKind::Paragraph, "Some text about Background."),
            block("b3", 2, BlockKind::SectionHeader, "2 Methods"),
            block("b4", 2, BlockKind::SectionHeader, "Sampling plan"),
            block("b5", 2, BlockKind::Paragraph, "We sampled."),
            Block {
                heading_from: Some(HeadingFrom::Typography),
                ..block("b6", 2, BlockKind::SectionHeader, "Parameters")
            },
            block(
                "b7",
                2,
                BlockKind::Paragraph,
                "Über die Rückkehr der langen Titel",
            ),
        ];
        let outline = [
            entry("Background", 1, 1),
            entry("Methods", 1, 2),
            entry("2.1 Sampling Plan", 2, 2),
            // outlines lose diacritics and cut long titles short
            entry("Uber die Ruckkehr der langen", 2, 2),
            // a bookmark on another page confirms nothing here
            entry("We sampled.", 1, 3),
        ];
        confirm(&mut blocks, &outline);
        assert_eq!(blocks[0].kind, BlockKind::SectionHeader);
        assert_eq!(blocks[0].level, Some(1));
        assert_eq!(blocks[0].heading_from, Some(HeadingFrom::Outline));
        assert_eq!(blocks[1].kind, BlockKind::Paragraph);
        assert_eq!(blocks[2].level, Some(1));
        assert_eq!(blocks[3].level, Some(2));
        assert_eq!(blocks[3].parent.as_deref(), Some("b3"));
        assert_eq!(blocks[4].kind, BlockKind::Paragraph);
        assert_eq!(blocks[4].parent.as_deref(), Some("b4"));
        // not in the outline: a heading still, below the outline's deepest level
        assert_eq!(blocks[5].heading_from, Some(HeadingFrom::Typography));
        assert_eq!(blocks[5].kind, BlockKind::SectionHeader);
        assert_eq!(blocks[5].level, Some(3));
        assert_eq!(blocks[5].parent.as_deref(), Some("b4"));
        assert_eq!(blocks[6].kind, BlockKind::SectionHeader);
        assert_eq!(blocks[6].level, Some(2));
    }

    #[test]
    fn a_single_root_bookmark_is_the_document() {
        let mut blocks = vec![
            block("b1", 1, BlockKind::Title, "Manual"),
            block("b2", 1, BlockKind::Paragraph, "Install"),
        ];
        confirm(
            &mut blocks,
            &[entry("Manual", 1, 1), entry("Install", 2, 1)],
        );
        assert_eq!(blocks[0].kind, BlockKind::Title);
        assert_eq!(blocks[1].level, Some(1));
    }

    #[test]
    fn numbering_aside() {
        assert_eq!(strip_numbering("2.3 Results"), "Results");
        assert_eq!(strip_numbering("Chapter 4 Methods"), "Methods");
        assert_eq!(strip_numbering("B. Proofs"), "Proofs");
        assert_eq!(strip_numbering("IV. Discussion"), "Discussion");
        assert_eq!(strip_numbering("Results"), "Results");
    }
}
