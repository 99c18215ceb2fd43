//! Lines in reading order → blocks: consecutive lines of one column join while they look like
//! one paragraph (same size and style, normal line pitch, aligned, no bullet, no indent after a
//! short line).

use super::lines::{h_overlap, union, v_overlap};
use super::order::Placed;
use super::{Line, ProtoBlock};
use crate::layout::RegionKind;

/// Groups the page's lines, already in reading order, into blocks; a block never crosses a
/// layout region's border (`regions[i]`: the region of line `i`, if any).
pub fn group(
    page: u32,
    lines: Vec<Line>,
    order: &[Placed],
    regions: &[Option<(usize, RegionKind, f32)>],
    atomic: Vec<ProtoBlock>,
) -> Vec<ProtoBlock> {
    let n = lines.len();
    let mut slots: Vec<Option<Line>> = lines.into_iter().map(Some).collect();
    let mut whole: Vec<Option<ProtoBlock>> = atomic.into_iter().map(Some).collect();
    let mut blocks: Vec<ProtoBlock> = Vec::new();
    let mut last_region: Option<usize> = None;
    // A block read whole ends the block before it; the next line starts another.
    let mut after_whole = false;
    for placed in order {
        if let Some(block) = placed
            .line
            .checked_sub(n)
            .and_then(|k| whole.get_mut(k))
            .and_then(Option::take)
        {
            blocks.push(block);
            after_whole = true;
            continue;
        }
        let Some(line) = slots.get_mut(placed.line).and_then(Option::take) else {
            continue;
        };
        let open = !std::mem::take(&mut after_whole);
        let region = regions.get(placed.line).copied().flatten();
        let same_region = last_region == region.map(|r| r.0);
        last_region = region.map(|r| r.0);
        match blocks.last_mut() {
            Some(block)
                if open
                    && same_region
                    && block.column == placed.column
                    && same_row(block, &line) =>
            {
                block.bbox = union(block.bbox, line.bbox);
                if let Some(last) = block.lines.last_mut() {
                    last.absorb(line);
                }
            }
            Some(block)
                if open
                    && same_region
                    && block.column == placed.column
                    && continues(block, &line) =>
            {
                block.bbox = union(block.bbox, line.bbox);
                block.lines.push(line);
            }
            _ => blocks.push(ProtoBlock {
                page,
                bbox: line.bbox,
                column: placed.column,
                lines: vec![line],
                region: region.map(|r| (r.1, r.2)),
                table: None,
                furniture: None,
            }),
        }
    }
    blocks.extend(whole.into_iter().flatten());
    blocks
}

/// Joins a section number standing alone ("2.4.8", "3.", "B.") to the title beside it on the
/// same row, which a wide gap or a change of font set apart into another block.
pub fn join_heading_numbers(blocks: &mut Vec<ProtoBlock>) {
    let mut i = 0;
    while i < blocks.len() {
        let number = &blocks[i];
        let is_number = number.lines.len() == 1
            && number.region.is_none_or(|(k, _)| !k.is_atomic())
            && is_section_number(&number.lines[0].text);
        let title = is_number
            .then(|| {
                let line = &number.lines[0];
                let em = line.size.max(1.0);
                blocks
                    .iter()
                    .enumerate()
                    .filter(|(j, b)| *j != i && b.region == number.region)
                    .filter_map(|(j, b)| b.lines.first().map(|l| (j, l)))
                    .filter(|(_, l)| {
                        let gap = l.bbox[0] - line.bbox[2];
                        v_overlap(line.bbox, l.bbox) >= 0.5
                            && (0.0..=12.0 * em).contains(&gap)
                            && l.size >= 0.9 * line.size
                            && l.text.chars().next().is_some_and(char::is_alphabetic)
                            && l.text.chars().count() <= 120
                    })
                    .min_by(|a, b| a.1.bbox[0].total_cmp(&b.1.bbox[0]))
                    .map(|(j, _)| j)
            })
            .flatten();
        let Some(j) = title else {
            i += 1;
            continue;
        };
        let title = blocks.remove(j);
        let at = if j < i { i - 1 } else { i };
        let number = &mut blocks[at];
        number.bbox = union(number.bbox, title.bbox);
        let mut rest = title.lines.into_iter();
        if let (Some(first), Some(line)) = (rest.next(), number.lines.first_mut()) {
            line.absorb(first);
        }
        number.lines.extend(rest);
        i = at + 1;
    }
}

/// Joins a chapter label on a line of its own ("Chapter 1", "Part IV", "Rozdział 2") to the
/// title set below it: book classes put the two apart, and they are one heading.
pub fn join_chapter_labels(blocks: &mut Vec<ProtoBlock>) {
    let mut i = 0;
    while i + 1 < blocks.len() {
        let (label, title) = (&blocks[i], &blocks[i + 1]);
        let free = |b: &ProtoBlock| b.region.is_none_or(|(k, _)| !k.is_atomic());
        let joins = label.lines.len() == 1
            && is_chapter_label(&label.lines[0].text)
            && free(label)
            && free(title)
            && title.lines.len() <= 3
            && title.lines.first().is_some_and(|l| {
                let line = &label.lines[0];
                let gap = l.bbox[1] - line.bbox[3];
                // The label may sit right above the title or at the far side of the page.
                (-0.2 * line.size..=6.0 * line.size.max(l.size)).contains(&gap)
                    && l.size >= 0.6 * line.size
                    && l.text.chars().next().is_some_and(char::is_alphabetic)
            });
        if joins {
            let title = blocks.remove(i + 1);
            let label = &mut blocks[i];
            label.bbox = union(label.bbox, title.bbox);
            label.lines.extend(title.lines);
        }
        i += 1;
    }
}

/// A chapter word and its number, nothing else: "Chapter 1", "CHAPTER 2", "Part IV".
fn is_chapter_label(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [word, number] = words.as_slice() else {
        return false;
    };
    let number = number.trim_end_matches(['.', ':']);
    let roman = |n: &str| n.chars().all(|c| "IVXLCivxlc".contains(c));
    let numbered = !number.is_empty()
        && number.chars().count() <= 6
        && (number.chars().all(|c| c.is_ascii_digit())
            || roman(number)
            || (number.len() == 1 && number.chars().all(|c| c.is_ascii_uppercase())));
    numbered && super::classify::is_chapter(word)
}

/// "2.4.8", "3.", "3", "B.", "IV." alone.
fn is_section_number(text: &str) -> bool {
    let t = text.trim();
    let body = t.strip_suffix('.').unwrap_or(t);
    let parts: Vec<&str> = body.split('.').collect();
    let numeric = |p: &str| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit());
    let letter = |p: &str| p.len() == 1 && p.chars().all(|c| c.is_ascii_uppercase());
    let roman =
        |p: &str| (2..=5).contains(&p.len()) && p.chars().all(|c| matches!(c, 'I' | 'V' | 'X'));
    match parts.as_slice() {
        [one] => numeric(one) || ((letter(one) || roman(one)) && t.ends_with('.')),
        [first, rest @ ..] => {
            (numeric(first) || letter(first)) && rest.len() <= 5 && rest.iter().all(|p| numeric(p))
        }
        [] => false,
    }
}

/// Is `next` the rest of the block's last line (a section number and its title, a label and
/// its value), set apart by a wide space?
fn same_row(block: &ProtoBlock, next: &Line) -> bool {
    let Some(prev) = block.lines.last() else {
        return false;
    };
    let em = prev.size.max(next.size).max(1.0);
    let gap = next.bbox[0] - prev.bbox[2];
    let similar = (prev.size - next.size).abs() <= 0.1 * em;
    v_overlap(prev.bbox, next.bbox) >= 0.5
        && gap >= -0.2 * em
        && gap <= if similar { 4.0 } else { 2.0 } * em
}

/// Does `next` continue the paragraph `block`?
fn continues(block: &ProtoBlock, next: &Line) -> bool {
    let Some(prev) = block.lines.last() else {
        return false;
    };
    let em = prev.size.max(next.size).max(1.0);
    // Same size and kind of type.
    if (prev.size - next.size).abs() > 0.15 * em {
        return false;
    }
    if (prev.mono >= 0.8) != (next.mono >= 0.8) || (prev.bold >= 0.8) != (next.bold >= 0.8) {
        return false;
    }
    // Directly below, at a normal line pitch.
    let pitch = next.bbox[3] - prev.bbox[3];
    if pitch <= 0.0 || pitch > 1.55 * em {
        return false;
    }
    // In the same column: overlapping horizontally and not far off to one side.
    if h_overlap(block.bbox, next.bbox) < 0.3 && h_overlap(prev.bbox, next.bbox) < 0.3 {
        return false;
    }
    if (starts_item(&next.text) || starts_reference(&next.text)) && prev.mono < 0.8 {
        return false;
    }
    // Each table-of-contents entry is a block of its own.
    if super::toc::parse(&prev.text, None).is_some() {
        return false;
    }
    // A short line followed by an indented one ends a paragraph.
    let right = block.bbox[2];
    let short = prev.bbox[2] < right - 2.0 * em;
    let indented = next.bbox[0] > prev.bbox[0] + 0.8 * em;
    if short && indented && prev.mono < 0.8 {
        return false;
    }
    // A short line ending a sentence, followed by a line at the same margin, ends one too.
    let ends_sentence = prev.text.ends_with(['.', ':', '!', '?', '。']);
    let aligned = (next.bbox[0] - block.bbox[0]).abs() < 0.5 * em;
    if short && ends_sentence && aligned && prev.bbox[2] < right - 0.25 * (right - block.bbox[0]) {
        return false;
    }
    true
}

/// Does this line open a bibliography entry: `[12]`, `[Knu97]`?
fn starts_reference(text: &str) -> bool {
    text.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .is_some_and(|(label, _)| {
            (1..=12).contains(&label.len())
                && label.chars().all(|c| c.is_alphanumeric() || c == '+')
        })
}

/// Bullets that open a list item.
pub const BULLETS: &[char] = &[
    '•', '◦', '▪', '▫', '‣', '●', '○', '■', '□', '►', '▸', '➢', '✓', '✔', '❖', '⁃', '∙', '·', '–',
    '—', '-', '*',
];

/// Does this line open a list item: a bullet, or an enumerator like `1.`, `(a)`, `iv)`?
pub fn starts_item(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if BULLETS.contains(&first) {
        return chars.next().is_some_and(char::is_whitespace);
    }
    let token: &str = text.split_whitespace().next().unwrap_or("");
    if token.len() == text.len() || token.chars().count() > 6 {
        return false;
    }
    let inner = token.trim_start_matches('(');
    let Some(body) = inner.strip_suffix(['.', ')']) else {
        return false;
    };
    if body.is_empty() || (inner.len() == token.len() && token.ends_with('.') && body.contains('.'))
    {
        return false;
    }
    let numeric = body.chars().all(|c| c.is_ascii_digit()) && body.len() <= 3;
    let letter = body.len() == 1 && body.chars().all(|c| c.is_ascii_lowercase());
    let roman = body.chars().all(|c| matches!(c, 'i' | 'v' | 'x')) && body.len() <= 4;
    numeric || letter || roman
}

#[cfg(test)]
mod tests {
    use super::starts_item;

    #[test]
    fn a_block_read_whole_ends_the_paragraph_above_it_and_takes_no_line_below() {
        use super::{Line, Placed, ProtoBlock, RegionKind};
        let line = |text: &str, y: f32| Line {
            text: text.into(),
            chars: text.len(),
            ..Line::placeholder([20.0, y, 300.0, y + 10.0], 10.0)
        };
        let table = ProtoBlock {
            page: 1,
            bbox: [20.0, 112.0, 300.0, 122.0],
            column: 0,
            lines: vec![line("a row of cells", 112.0)],
            region: Some((RegionKind::Table, 1.0)),
            table: None,
            furniture: None,
        };
        let lines = vec![
            line("text above the table", 100.0),
            line("and below it", 124.0),
        ];
        let order: Vec<Placed> = [0, 2, 1]
            .into_iter()
            .map(|line| Placed { line, column: 0 })
            .collect();
        let blocks = super::group(1, lines, &order, &[], vec![table]);
        let texts: Vec<&str> = blocks.iter().map(|b| b.lines[0].text.as_str()).collect();
        assert_eq!(
            texts,
            ["text above the table", "a row of cells", "and below it"]
        );
        assert!(blocks.iter().all(|b| b.lines.len() == 1));
    }

    #[test]
    fn section_numbers() {
        use super::is_section_number;
        for t in ["2.4.8", "3.", "3", "B.", "IV.", "A.2"] {
            assert!(is_section_number(t), "{t}");
        }
        for t in ["B", "1,5", "12.5%", "Intro", "1234"] {
            assert!(!is_section_number(t), "{t}");
        }
    }

    #[test]
    fn recognises_list_markers() {
        assert!(starts_item("• first point"));
        assert!(starts_item("1. Install it"));
        assert!(starts_item("(a) the case"));
        assert!(starts_item("iv) roman"));
        assert!(!starts_item("1.2 Section"));
        assert!(!starts_item("The end."));
        assert!(!starts_item("-5 degrees"));
    }
}
