//! Table-of-contents entries: a title, dot leaders (or a wide gap) and a page number. They are
//! never headings; each becomes a `toc_entry` block that names its page label and, where the
//! document holds that heading, the id of the heading it points to.

use super::lines::v_overlap;
use super::{PageLayout, ProtoBlock};
use crate::document::{Block, BlockKind, TocEntry};
use std::collections::{HashMap, HashSet};

/// Leader dots (or ellipses) an entry needs between its title and its page number.
const MIN_LEADERS: usize = 4;

/// How a line was found to be an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Dot leaders between title and page number: an entry on its own.
    Leaders,
    /// Only a wide gap before the page number: an entry where the page has several.
    Gap,
}

/// Splits "1.2 Results . . . . . 17" into ("1.2 Results", "17"). Without leaders, a line
/// whose last word is a page number set apart by a wide gap (`gap_before_last`, in ems) may be
/// one too.
pub fn parse(text: &str, gap_before_last: Option<f32>) -> Option<(String, String, Evidence)> {
    let text = text.trim();
    // The page label: the last run of characters after a space, dot or ellipsis.
    let cut = text
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace() || *c == '.' || *c == '…')
        .map_or(0, |(i, c)| i + c.len_utf8());
    let (head, label) = text.split_at(cut);
    if !is_page_label(label) {
        return None;
    }
    let title_end = head.trim_end_matches(|c: char| c == '.' || c == '…' || c.is_whitespace());
    let leaders = leader_dots(&head[title_end.len()..]);
    let title = title_end.trim();
    if title.is_empty() || !title.chars().any(char::is_alphabetic) {
        return None;
    }
    let evidence = if leaders >= MIN_LEADERS {
        Evidence::Leaders
    } else if gap_before_last.is_some_and(|g| g >= MIN_GAP_EM) && !title.ends_with(['.', ',']) {
        Evidence::Gap
    } else {
        return None;
    };
    Some((title.to_string(), label.to_string(), evidence))
}

/// Gap, in ems, before a page number that sets it apart from its title.
const MIN_GAP_EM: f32 = 2.0;
/// Entries a page needs before those found by a gap alone count.
const MIN_GAP_ENTRIES: usize = 3;

/// "17", "xiv", "A-3".
fn is_page_label(s: &str) -> bool {
    // Cyrillic і and х stand in for Latin i and x in some fonts' roman numerals ("ііі").
    let latin: String = s
        .chars()
        .map(|c| match c {
            'і' => 'i',
            'І' => 'I',
            'х' => 'x',
            'Х' => 'X',
            _ => c,
        })
        .collect();
    let s = latin.as_str();
    let digits = !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit());
    let roman = !s.is_empty()
        && s.len() <= 6
        && (s.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l' | 'c'))
            || s.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C')));
    let appendix = s.len() <= 6
        && s.split_once('-').is_some_and(|(a, b)| {
            a.len() == 1
                && a.chars().all(|c| c.is_ascii_uppercase())
                && !b.is_empty()
                && b.chars().all(|c| c.is_ascii_digit())
        });
    digits || roman || appendix
}

/// A title for comparison: its letters and digits, lower case.
pub(super) fn title_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Points each entry at the heading it names: the first heading after the table of contents
/// whose text, numbering and spacing aside, is the entry's title.
pub fn link(blocks: &mut [Block]) {
    let key = title_key;
    let headings: Vec<(usize, String)> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b.kind, BlockKind::SectionHeader | BlockKind::Title))
        .map(|(i, b)| (i, key(&b.text)))
        .collect();
    for i in 0..blocks.len() {
        let Some(entry) = blocks[i].toc.as_ref() else {
            continue;
        };
        let wanted = key(&entry.title);
        if wanted.is_empty() {
            continue;
        }
        let target = headings
            .iter()
            .find(|(h, k)| *h > i && *k == wanted)
            .map(|(h, _)| blocks[*h].id.clone());
        if let Some(entry) = blocks[i].toc.as_mut() {
            entry.target = target;
        }
    }
}

/// Table-of-contents entries of a page: blocks of one or two lines that end in a page
/// number after leaders, after a wide gap, or beside a lone page number on the same row (then
/// that number's block is `absorbed` into the entry), or, on a page of entries, that end in a
/// page number flush with theirs. Entries found without leaders count only where the page has
/// at least three of them.
pub fn detect(page: &PageLayout) -> (HashMap<usize, TocEntry>, HashSet<usize>) {
    let eligible =
        |b: &ProtoBlock| b.lines.len() <= 2 && b.region.is_none_or(|(k, _)| !k.is_atomic());
    let mut found: HashMap<usize, (TocEntry, Evidence)> = HashMap::new();
    let mut absorbed: HashSet<usize> = HashSet::new();
    for (i, b) in page.blocks.iter().enumerate().filter(|(_, b)| eligible(b)) {
        let last = b.lines.last();
        let text = b.text();
        let gap = last.and_then(|l| l.tail_gap).and_then(|(gap, chars)| {
            let tail = text.rsplit(char::is_whitespace).next().unwrap_or("");
            (tail.chars().count() == chars).then_some(gap)
        });
        if let Some((title, label, evidence)) = parse(&text, gap) {
            found.insert(i, (entry(title, label), evidence));
        }
    }
    // A title whose page number (with or without its leaders) is a block of its own, further
    // along the same row.
    for (n, number) in page.blocks.iter().enumerate() {
        let text = number.text();
        let (label, leaders) = strip_leaders(&text);
        if number.lines.len() != 1 || !is_page_label(label) {
            continue;
        }
        let evidence = if leaders >= MIN_LEADERS {
            Evidence::Leaders
        } else {
            Evidence::Gap
        };
        let title = page
            .blocks
            .iter()
            .enumerate()
            .filter(|(i, b)| *i != n && eligible(b) && !found.contains_key(i))
            .filter_map(|(i, b)| b.lines.last().map(|l| (i, b, l)))
            .filter(|(_, _, l)| v_overlap(l.bbox, number.bbox) >= 0.5 && l.bbox[2] < number.bbox[0])
            .max_by(|a, b| a.2.bbox[2].total_cmp(&b.2.bbox[2]));
        if let Some((i, b, _)) = title {
            let text = b.text();
            if text.chars().any(char::is_alphabetic) && !text.ends_with(['.', ',']) {
                found.insert(i, (entry(text, label.to_string()), evidence));
                absorbed.insert(n);
            }
        }
    }
    aligned(page, &eligible, &mut found, &absorbed);
    // Entries by a gap alone need company: others like them, or entries with leaders.
    if found.len() < MIN_GAP_ENTRIES {
        found.retain(|_, (_, e)| *e == Evidence::Leaders);
        absorbed.clear();
    }
    (
        found.into_iter().map(|(i, (e, _))| (i, e)).collect(),
        absorbed,
    )
}

/// How far, in points, a page number may end from where the page's other entries end theirs.
const ALIGN_TOLERANCE: f32 = 2.0;

/// On a page of entries, a line ending in a page number flush with theirs is one too, even
/// where its title runs so long that the gap before the number is narrow.
fn aligned(
    page: &PageLayout,
    eligible: &impl Fn(&ProtoBlock) -> bool,
    found: &mut HashMap<usize, (TocEntry, Evidence)>,
    absorbed: &HashSet<usize>,
) {
    let mut ends: Vec<f32> = found
        .keys()
        .filter_map(|&i| page.blocks[i].lines.last().map(|l| l.bbox[2]))
        .chain(absorbed.iter().map(|&n| page.blocks[n].bbox[2]))
        .collect();
    if ends.len() < MIN_GAP_ENTRIES {
        return;
    }
    ends.sort_by(f32::total_cmp);
    let end = ends[ends.len() / 2];
    let flush = ends
        .iter()
        .filter(|e| (*e - end).abs() <= ALIGN_TOLERANCE)
        .count();
    if 2 * flush < ends.len() {
        return;
    }
    for (i, b) in page.blocks.iter().enumerate() {
        if found.contains_key(&i) || absorbed.contains(&i) || !eligible(b) {
            continue;
        }
        let Some(last) = b.lines.last() else { continue };
        if (last.bbox[2] - end).abs() > ALIGN_TOLERANCE {
            continue;
        }
        // Alignment stands in for the wide gap.
        if let Some((title, label, _)) = parse(&b.text(), Some(MIN_GAP_EM)) {
            found.insert(i, (entry(title, label), Evidence::Gap));
        }
    }
}

/// "  . . . . 73" → ("73", 4): the page label and the leader dots before it.
fn strip_leaders(text: &str) -> (&str, usize) {
    let label = text
        .trim()
        .trim_start_matches(|c: char| c == '.' || c == '…' || c.is_whitespace());
    (label, leader_dots(text))
}

/// Leader dots in `text`, an ellipsis counting two.
fn leader_dots(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '.' => 1,
            '…' => 2,
            _ => 0,
        })
        .sum()
}

fn entry(title: String, page: String) -> TocEntry {
    TocEntry {
        title,
        page,
        target: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_with_leaders() {
        assert_eq!(
            parse("1 Introduction . . . . . . . 3", None),
            Some(("1 Introduction".into(), "3".into(), Evidence::Leaders))
        );
        assert_eq!(
            parse("2.4 Reading files.........17", None),
            Some(("2.4 Reading files".into(), "17".into(), Evidence::Leaders))
        );
        assert_eq!(
            parse("Preface …… xiv", None),
            Some(("Preface".into(), "xiv".into(), Evidence::Leaders))
        );
        assert_eq!(
            parse("Appendix A Tables . . . . A-3", None),
            Some(("Appendix A Tables".into(), "A-3".into(), Evidence::Leaders))
        );
        assert_eq!(
            parse("Prefacio XIV", Some(6.0)),
            Some(("Prefacio".into(), "XIV".into(), Evidence::Gap))
        );
        assert_eq!(
            parse("Подяка ііі", Some(6.0)),
            Some(("Подяка".into(), "ііі".into(), Evidence::Gap))
        );
        assert_eq!(
            parse("Results 12", Some(6.0)),
            Some(("Results".into(), "12".into(), Evidence::Gap))
        );
    }

    #[test]
    fn leaders_on_their_own() {
        assert_eq!(strip_leaders(". . . . . . 73"), ("73", 6));
        assert_eq!(strip_leaders("xiv"), ("xiv", 0));
        assert_eq!(strip_leaders("……12"), ("12", 4));
    }

    #[test]
    fn prose_is_not_an_entry() {
        assert_eq!(parse("There were 12", None), None);
        assert_eq!(parse("Wait... 3", None), None);
        assert_eq!(parse("The value is 3.", None), None);
        assert_eq!(parse(". . . . 3", None), None);
    }
}
