//! Line numbers printed in a margin beside the text (manuscripts under review, preprints,
//! pleadings): a column of counting numbers, one beside each line, smaller than the text and
//! alone in their strip of the page. Left in the text flow they break every paragraph at
//! every line ("… can be numbered 131 for reference …"); they are taken out before lines are
//! built and kept as page furniture, one block per column.

use super::lines::{build_lines, union, v_overlap};
use super::ProtoBlock;
use crate::document::{BBox, BlockKind};
use crate::pdf::Glyph;

/// Fewest numbers that make a column of line numbers.
const MIN_NUMBERS: usize = 5;
/// Share of consecutive numbers (top to bottom) that must step by the column's common step.
const IN_STEP: f32 = 0.75;
/// Steps a numbered column counts in (every line, every other, every fifth, every tenth).
const STEPS: [u32; 4] = [1, 2, 5, 10];
/// Numbers no larger than this share of the text beside them: line numbers are set small.
/// Row numbers of a table are set like its cells, and are not taken.
const SMALLER: f32 = 0.9;
/// Edges of right-aligned (or left-aligned) numbers agree within this share of their size.
const ALIGNED: f32 = 0.6;
/// Digits of one number are at most this far apart (share of their size).
const DIGIT_GAP: f32 = 0.4;
/// The strip the column stands in, widened on each side by this share of the numbers' size,
/// holds nothing else on the whole page.
const STRIP_PAD: f32 = 0.5;
/// At most one misread number (other characters in the strip) for this many read right.
const MISREAD: usize = 8;
/// A misread number is no longer than this.
const MISREAD_CHARS: usize = 5;

/// One number: its glyphs (indices into the page's glyphs), value, box and size.
struct Number {
    glyphs: Vec<usize>,
    value: u32,
    bbox: BBox,
    size: f32,
}

/// Takes a page's margin line numbers out of its glyphs, returning the rest and one block of
/// furniture for each column of numbers (none where the page has no such column).
pub fn split(glyphs: Vec<Glyph>, page: u32) -> (Vec<Glyph>, Vec<ProtoBlock>) {
    let candidates = aligned_numbers(&glyphs);
    if candidates.len() < MIN_NUMBERS {
        return (glyphs, Vec::new()); // most pages: no row index built
    }
    let rows = Rows::new(&glyphs);
    let numbers: Vec<Number> = candidates
        .into_iter()
        .filter(|n| alone_on_row(&glyphs, &rows, n))
        .collect();
    if numbers.len() < MIN_NUMBERS {
        return (glyphs, Vec::new());
    }
    // The column each glyph was taken into, if any.
    let mut owner: Vec<Option<usize>> = vec![None; glyphs.len()];
    let mut found = 0;
    for right in [true, false] {
        for column in columns(&numbers, right) {
            let free = |n: &usize| numbers[*n].glyphs.iter().all(|&g| owner[g].is_none());
            if !column.iter().all(free)
                || !counts(&numbers, &column)
                || !smaller_than_beside(&glyphs, &rows, &numbers, &column)
            {
                continue;
            }
            if let Some(misread) = alone_in_strip(&glyphs, &rows, &numbers, &column) {
                let ours = column
                    .iter()
                    .flat_map(|&n| numbers[n].glyphs.iter().copied());
                for g in ours.chain(misread) {
                    owner[g] = Some(found);
                }
                found += 1;
            }
        }
    }
    if found == 0 {
        return (glyphs, Vec::new());
    }
    let mut columns: Vec<Vec<Glyph>> = vec![Vec::new(); found];
    let mut rest = Vec::with_capacity(glyphs.len());
    for (g, owner) in glyphs.into_iter().zip(owner) {
        match owner {
            Some(c) => columns[c].push(g),
            None => rest.push(g),
        }
    }
    let blocks = columns
        .iter()
        .filter_map(|glyphs| column_block(glyphs, page))
        .collect();
    (rest, blocks)
}

/// One column's numbers as a furniture block, top to bottom.
fn column_block(glyphs: &[Glyph], page: u32) -> Option<ProtoBlock> {
    let mut lines = build_lines(glyphs);
    lines.sort_by(|a, b| a.bbox[1].total_cmp(&b.bbox[1]));
    let first = lines.first()?.bbox;
    Some(ProtoBlock {
        page,
        bbox: lines.iter().fold(first, |b, l| union(b, l.bbox)),
        column: 0,
        lines,
        region: None,
        table: None,
        furniture: Some(BlockKind::LineNumbers),
    })
}

/// The page's whole numbers that could be line numbers: runs of upright ASCII digits side by
/// side (in the order the page gives its characters), lined up with at least
/// [`MIN_NUMBERS`] - 1 others at one edge.
fn aligned_numbers(glyphs: &[Glyph]) -> Vec<Number> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut open = false;
    for (i, g) in glyphs.iter().enumerate() {
        if !g.c.is_ascii_digit() || g.turn != 0 {
            open = false;
            continue;
        }
        let follows = open
            && runs.last().and_then(|r| r.last()).is_some_and(|&p| {
                let p = &glyphs[p];
                let gap = g.bbox[0] - p.bbox[2];
                v_overlap(p.bbox, g.bbox) >= 0.5
                    && gap >= -0.2 * p.size
                    && gap <= DIGIT_GAP * p.size.max(g.size)
            });
        match runs.last_mut() {
            Some(run) if follows => run.push(i),
            _ => runs.push(vec![i]),
        }
        open = true;
    }
    let all: Vec<Number> = runs
        .into_iter()
        .filter(|run| run.len() <= 5)
        .filter_map(|run| {
            let text: String = run.iter().map(|&i| glyphs[i].c).collect();
            let value: u32 = text.parse().ok().filter(|&v| v > 0)?;
            let first = &glyphs[run[0]];
            let bbox = run
                .iter()
                .fold(first.bbox, |b, &i| union(b, glyphs[i].bbox));
            let mut sizes: Vec<f32> = run.iter().map(|&i| glyphs[i].size).collect();
            sizes.sort_by(f32::total_cmp);
            let size = sizes[sizes.len() / 2];
            Some(Number {
                glyphs: run,
                value,
                bbox,
                size,
            })
        })
        .collect();
    let mut aligned = vec![false; all.len()];
    for right in [true, false] {
        for n in columns(&all, right).into_iter().flatten() {
            aligned[n] = true;
        }
    }
    all.into_iter()
        .zip(aligned)
        .filter_map(|(n, aligned)| aligned.then_some(n))
        .collect()
}

/// The page's visible glyphs by their top edge, to find those on a row quickly.
struct Rows {
    order: Vec<usize>,
    tops: Vec<f32>,
    tallest: f32,
}

impl Rows {
    fn new(glyphs: &[Glyph]) -> Self {
        let mut order: Vec<usize> = (0..glyphs.len())
            .filter(|&i| !glyphs[i].c.is_whitespace())
            .collect();
        order.sort_by(|&a, &b| glyphs[a].bbox[1].total_cmp(&glyphs[b].bbox[1]));
        let tops = order.iter().map(|&i| glyphs[i].bbox[1]).collect();
        let tallest = order
            .iter()
            .map(|&i| glyphs[i].bbox[3] - glyphs[i].bbox[1])
            .fold(0.0, f32::max);
        Rows {
            order,
            tops,
            tallest,
        }
    }

    /// Visible glyphs that may overlap `b` vertically.
    fn near(&self, b: BBox) -> &[usize] {
        let from = self.tops.partition_point(|&t| t < b[1] - self.tallest);
        let to = self.tops.partition_point(|&t| t <= b[3]);
        &self.order[from..to.max(from)]
    }
}

/// No other character within a digit's gap of the number on its row: a number, not part of a
/// word ("x2", "v1.3", "12:30").
fn alone_on_row(glyphs: &[Glyph], rows: &Rows, n: &Number) -> bool {
    let reach = DIGIT_GAP * n.size;
    !rows.near(n.bbox).iter().any(|&i| {
        let g = &glyphs[i];
        !n.glyphs.contains(&i)
            && v_overlap(g.bbox, n.bbox) >= 0.5
            && g.bbox[2] >= n.bbox[0] - reach
            && g.bbox[0] <= n.bbox[2] + reach
    })
}

/// Numbers whose right (or left) edges line up, each group sorted top to bottom.
fn columns(numbers: &[Number], right: bool) -> Vec<Vec<usize>> {
    let edge = |n: &Number| if right { n.bbox[2] } else { n.bbox[0] };
    let mut order: Vec<usize> = (0..numbers.len()).collect();
    order.sort_by(|&a, &b| edge(&numbers[a]).total_cmp(&edge(&numbers[b])));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for n in order {
        let x = edge(&numbers[n]);
        match groups.last_mut() {
            Some(group)
                if group.last().is_some_and(|&p| {
                    x - edge(&numbers[p]) <= ALIGNED * numbers[p].size.max(numbers[n].size)
                }) =>
            {
                group.push(n)
            }
            _ => groups.push(vec![n]),
        }
    }
    groups.retain(|g| g.len() >= MIN_NUMBERS);
    for g in &mut groups {
        g.sort_by(|&a, &b| numbers[a].bbox[1].total_cmp(&numbers[b].bbox[1]));
    }
    groups
}

/// Read top to bottom the numbers count up by one common step (allowing a few misread).
fn counts(numbers: &[Number], column: &[usize]) -> bool {
    let values: Vec<u32> = column.iter().map(|&n| numbers[n].value).collect();
    let pairs = values.len() - 1;
    STEPS.iter().any(|&step| {
        let in_step = values.windows(2).filter(|w| w[1] == w[0] + step).count();
        in_step as f32 >= IN_STEP * pairs as f32
    })
}

/// The numbers are set smaller than the text on their rows (median over the column).
fn smaller_than_beside(
    glyphs: &[Glyph],
    rows: &Rows,
    numbers: &[Number],
    column: &[usize],
) -> bool {
    let mut ratios: Vec<f32> = column
        .iter()
        .filter_map(|&n| {
            let n = &numbers[n];
            let mut beside: Vec<f32> = rows
                .near(n.bbox)
                .iter()
                .filter(|&&i| {
                    let g = &glyphs[i];
                    !n.glyphs.contains(&i)
                        && g.c.is_alphanumeric()
                        && v_overlap(g.bbox, n.bbox) >= 0.5
                })
                .map(|&i| glyphs[i].size)
                .collect();
            if beside.is_empty() {
                return None;
            }
            beside.sort_by(f32::total_cmp);
            Some(n.size / beside[beside.len() / 2].max(0.1))
        })
        .collect();
    if ratios.len() < MIN_NUMBERS {
        return false;
    }
    ratios.sort_by(f32::total_cmp);
    ratios[ratios.len() / 2] <= SMALLER
}

/// Nothing but the column's numbers stands in its strip, from the top of the page to the
/// bottom: the numbers are in a margin, not the first column of a table or list. OCR may have
/// misread a few of them ("1.55" for 155, "60E" for 309): short runs of characters inside the
/// strip with nothing close beside them, up to one for every [`MISREAD`] numbers, are theirs
/// and returned.
fn alone_in_strip(
    glyphs: &[Glyph],
    rows: &Rows,
    numbers: &[Number],
    column: &[usize],
) -> Option<Vec<usize>> {
    let size = column.iter().map(|&n| numbers[n].size).fold(0.0, f32::max);
    let [x0, _, x1, _] = column.iter().map(|&n| numbers[n].bbox).reduce(union)?;
    let (x0, x1) = (x0 - STRIP_PAD * size, x1 + STRIP_PAD * size);
    let ours = |i: usize| column.iter().any(|&n| numbers[n].glyphs.contains(&i));
    // Runs of other characters in the strip, one per row.
    let mut runs: Vec<(BBox, Vec<usize>)> = Vec::new();
    for (i, g) in glyphs.iter().enumerate() {
        if g.c.is_whitespace() || g.bbox[2] <= x0 || g.bbox[0] >= x1 || ours(i) {
            continue;
        }
        if g.bbox[0] < x0 || g.bbox[2] > x1 {
            return None; // text running into the strip
        }
        match runs.iter_mut().find(|(b, _)| v_overlap(*b, g.bbox) >= 0.5) {
            Some((b, run)) => {
                *b = union(*b, g.bbox);
                run.push(i);
            }
            None => runs.push((g.bbox, vec![i])),
        }
    }
    if runs.len() * MISREAD > column.len() {
        return None;
    }
    let mut misread = Vec::new();
    for (b, run) in runs {
        let crowded = rows.near(b).iter().any(|&i| {
            let g = &glyphs[i];
            !run.contains(&i)
                && v_overlap(g.bbox, b) >= 0.5
                && g.bbox[0] >= b[2]
                && g.bbox[0] - b[2] < size
        });
        if run.len() > MISREAD_CHARS || crowded {
            return None;
        }
        misread.extend(run);
    }
    Some(misread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::RawPage;

    const PROSE: [&str; 4] = [
        "Floats are items that can not be split over a page and",
        "they have captions; figures and tables are the most",
        "common of them but authors can define their own kinds",
        "of them too, numbered on their own as well.",
    ];

    /// `n` in 7 pt digits, right edge at `right`, on the row whose top is `y`.
    fn number(n: u32, right: f32, y: f32) -> Vec<Glyph> {
        let text = n.to_string();
        let x = right - 3.5 * text.len() as f32;
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                let x0 = x + 3.5 * i as f32;
                Glyph::sample(c, [x0, y + 2.0, x0 + 3.2, y + 9.0], 7.0, false)
            })
            .collect()
    }

    /// `count` lines of prose at x = 72, 12 pt apart, each numbered (from 129) by `label`.
    fn numbered_lines(count: u32, label: impl Fn(u32, f32) -> Vec<Glyph>) -> Vec<Glyph> {
        let mut glyphs = Vec::new();
        for i in 0..count {
            let y = 100.0 + 12.0 * i as f32;
            glyphs.extend(label(129 + i, y));
            glyphs.extend(Glyph::line(PROSE[i as usize % 4], 72.0, y));
        }
        glyphs
    }

    fn numbered(label: impl Fn(u32, f32) -> Vec<Glyph>) -> Vec<Glyph> {
        numbered_lines(12, label)
    }

    fn texts(glyphs: Vec<Glyph>) -> Vec<(Option<BlockKind>, String)> {
        let page = crate::structure::analyze_page(RawPage::sample(1, glyphs), &[]);
        page.blocks
            .iter()
            .map(|b| (b.furniture, b.text()))
            .collect()
    }

    #[test]
    fn margin_line_numbers_leave_the_text_and_become_furniture() {
        let blocks = texts(numbered(|n, y| number(n, 60.0, y)));
        let prose: Vec<&str> = blocks
            .iter()
            .filter(|(f, _)| f.is_none())
            .map(|(_, t)| t.as_str())
            .collect();
        assert!(!prose.is_empty());
        for text in &prose {
            assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
        }
        let numbers: Vec<&str> = blocks
            .iter()
            .filter(|(f, _)| *f == Some(BlockKind::LineNumbers))
            .map(|(_, t)| t.as_str())
            .collect();
        let all: Vec<String> = (129..141).map(|n| n.to_string()).collect();
        assert_eq!(numbers, [all.join(" ")]);
        // Printed every fifth line, they are line numbers all the same.
        let fifths = |n, y| {
            if n % 5 == 0 {
                number(n, 60.0, y)
            } else {
                Vec::new()
            }
        };
        let blocks = texts(numbered_lines(30, fifths));
        let numbers = blocks.iter().find(|(f, _)| f.is_some());
        assert_eq!(
            numbers.map(|(_, t)| t.as_str()),
            Some("130 135 140 145 150 155")
        );
        // Three of them are too few to tell.
        let blocks = texts(numbered_lines(12, fifths));
        assert!(blocks.iter().all(|(f, _)| f.is_none()));
    }

    #[test]
    fn each_column_of_a_two_column_page_keeps_its_own_numbers() {
        // Numbers right-aligned left of the left column and left-aligned right of the right
        // one, as a two-column manuscript sets them in its outer margins.
        let mut glyphs = Vec::new();
        for i in 0..12u32 {
            let y = 100.0 + 12.0 * i as f32;
            glyphs.extend(number(1 + i, 60.0, y));
            glyphs.extend(Glyph::line("the left column runs on", 72.0, y));
            glyphs.extend(Glyph::line("the right one here too", 320.0, y));
            let right = number(13 + i, 0.0, y);
            let shift = 440.0 - right[0].bbox[0];
            glyphs.extend(right.into_iter().map(|mut g| {
                g.bbox[0] += shift;
                g.bbox[2] += shift;
                g
            }));
        }
        let numbers: Vec<String> = texts(glyphs)
            .into_iter()
            .filter(|(f, _)| f.is_some())
            .map(|(_, t)| t)
            .collect();
        let column = |from: u32| (from..from + 12).map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(numbers, [column(1).join(" "), column(13).join(" ")]);
    }

    #[test]
    fn a_misread_number_in_the_column_goes_with_it() {
        let glyphs = numbered(|n, y| {
            if n != 133 {
                return number(n, 60.0, y);
            }
            // OCR read "1.33": a dot between the digits.
            let at = |c, x0: f32, w| Glyph::sample(c, [x0, y + 2.0, x0 + w, y + 9.0], 7.0, false);
            vec![
                at('1', 49.0, 3.2),
                at('.', 52.3, 1.0),
                at('3', 53.5, 3.2),
                at('3', 57.0, 3.2),
            ]
        });
        let blocks = texts(glyphs);
        assert!(blocks
            .iter()
            .filter(|(f, _)| f.is_none())
            .all(|(_, t)| !t.contains('3')));
    }

    #[test]
    fn row_numbers_of_a_table_or_numbers_in_the_text_stay() {
        // Set like the text beside them: the first column of a table.
        let body_size = texts(numbered(|n, y| Glyph::line(&n.to_string(), 40.0, y)));
        assert!(body_size.iter().all(|(f, _)| f.is_none()));
        // Small, but with a heading above them set in their strip: the numbers are in the
        // text column (a list's or a listing's).
        let mut glyphs = numbered(|n, y| number(n, 60.0, y));
        glyphs.extend(Glyph::line("Results", 40.0, 60.0));
        let blocks = texts(glyphs);
        assert!(blocks.iter().all(|(f, _)| f.is_none()));
        // Counting down, or not counting at all: no line numbers.
        let blocks = texts(numbered(|n, y| number(400 - 3 * n, 60.0, y)));
        assert!(blocks.iter().all(|(f, _)| f.is_none()));
    }
}
