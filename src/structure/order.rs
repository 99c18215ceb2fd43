//! Reading order by recursive XY-cut over line fragments.
//!
//! A region is cut vertically along a whitespace gutter when both sides are real text columns
//! (each at least a fifth of the region wide, and a side of one line only where it shares a
//! row with the other side: a label beside its entry, not a form's heading set between two
//! of its rows; a gutter under 1.5 ems only between sides of 8 lines or more, since a short
//! run of such gaps is a tab stop inside rows); otherwise it is cut
//! horizontally into strips at every whitespace row. Consecutive strips that together still have
//! a column gutter are merged back before recursing, so a full-width title above two columns
//! is read first and the columns are then read one after the other, even where both columns
//! happen to have a paragraph break at the same height — unless a blank band over an em tall
//! lies between them (a letter's body below its reference row, a CV's next entry). A gutter
//! through a dense region may be crossed by one line in 25 that sits amid both columns (a
//! reference card row the recogniser read across two columns). Tables and figures, read as
//! blocks of their own, stand in the cut as one tall line each, so they are read where they
//! stand among the columns and strips, unless that would change the order of the lines.

use super::Line;
use crate::document::BBox;

/// A line's place in reading order and the column it was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub line: usize,
    pub column: u32,
}

/// Orders the lines of one page.
pub fn reading_order(lines: &[Line]) -> Vec<Placed> {
    let mut out = Vec::with_capacity(lines.len());
    let mut next_column = 1;
    let all: Vec<usize> = (0..lines.len()).collect();
    cut(lines, all, 0, &mut next_column, &mut out, 0);
    out
}

/// Orders the lines of one page and, among them, `obstacles`: the boxes of blocks read whole
/// (tables, figures) with their text size. Entries with `line >= lines.len()` are obstacles,
/// `line - lines.len()` their index.
///
/// Each obstacle first takes part in the cut as one tall line, so it is read where it stands
/// among the page's columns and strips: a table of totals at the right, above a note at the
/// left, is read before the note. That order is kept only where it reads the lines as the cut
/// without obstacles does: a box the table finder drew across a page's column gutter would
/// otherwise take the columns apart. There each obstacle goes before the first line, in the
/// lines' own order, that lies under its top edge and shares its horizontal extent.
pub fn reading_order_around(lines: &[Line], obstacles: &[(BBox, f32)]) -> Vec<Placed> {
    let base = reading_order(lines);
    if obstacles.is_empty() {
        return base;
    }
    let n = lines.len();
    let mut all = lines.to_vec();
    all.extend(
        obstacles
            .iter()
            .map(|&(bbox, size)| Line::placeholder(bbox, size)),
    );
    let around = reading_order(&all);
    let same_lines = around
        .iter()
        .filter(|p| p.line < n)
        .map(|p| p.line)
        .eq(base.iter().map(|p| p.line));
    if same_lines {
        // The lines keep the columns they were read in without the obstacles.
        let mut column = vec![0; n];
        for p in &base {
            column[p.line] = p.column;
        }
        return around
            .into_iter()
            .map(|p| Placed {
                column: column.get(p.line).copied().unwrap_or(p.column),
                ..p
            })
            .collect();
    }
    let mut order = base;
    let mut by_top: Vec<usize> = (0..obstacles.len()).collect();
    by_top.sort_by(|&a, &b| obstacles[a].0[1].total_cmp(&obstacles[b].0[1]));
    for k in by_top {
        let bbox = obstacles[k].0;
        let at = order
            .iter()
            .position(|p| {
                p.line < n
                    && super::lines::h_overlap(lines[p.line].bbox, bbox) > 0.0
                    && lines[p.line].bbox[1] >= bbox[1]
            })
            .unwrap_or(order.len());
        order.insert(
            at,
            Placed {
                line: n + k,
                column: 0,
            },
        );
    }
    order
}

/// Vertical extent used to separate strips: the middle of the line, since loose glyph boxes of
/// consecutive lines overlap a little; a block read whole (a placeholder) holds its whole
/// height, so lines beside its top row share its strip.
fn core_y(l: &Line) -> (f32, f32) {
    let h = l.bbox[3] - l.bbox[1];
    let inset = if l.is_placeholder() { 0.0 } else { 0.25 * h };
    (l.bbox[1] + inset, l.bbox[3] - inset)
}

fn cut(
    lines: &[Line],
    ids: Vec<usize>,
    column: u32,
    next: &mut u32,
    out: &mut Vec<Placed>,
    depth: u32,
) {
    if ids.len() <= 1 || depth > 64 {
        emit_sorted(lines, ids, column, out);
        return;
    }
    if let Some(x) = column_gutter(lines, &ids, Split::Columns) {
        let (left, right): (Vec<usize>, Vec<usize>) =
            ids.into_iter().partition(|&i| centre_x(&lines[i]) < x);
        for side in [left, right] {
            let col = *next;
            *next += 1;
            cut(lines, side, col, next, out, depth + 1);
        }
        return;
    }
    let strips = strips(lines, ids);
    if strips.len() == 1 {
        let only = strips.into_iter().next().unwrap_or_default();
        match column_gutter(lines, &only, Split::Row) {
            Some(x) => {
                let (left, right): (Vec<usize>, Vec<usize>) =
                    only.into_iter().partition(|&i| centre_x(&lines[i]) < x);
                cut(lines, left, column, next, out, depth + 1);
                cut(lines, right, column, next, out, depth + 1);
            }
            None => emit_sorted(lines, only, column, out),
        }
        return;
    }
    for group in merge_columned(lines, strips) {
        cut(lines, group, column, next, out, depth + 1);
    }
}

/// Emits lines top to bottom, and left to right within a row. Rows are built first, so the
/// sort key is a total order (an "overlaps" comparison would not be).
fn emit_sorted(lines: &[Line], mut ids: Vec<usize>, column: u32, out: &mut Vec<Placed>) {
    ids.sort_by(|&a, &b| centre_y(&lines[a]).total_cmp(&centre_y(&lines[b])));
    let mut rows: Vec<(crate::document::BBox, Vec<usize>)> = Vec::new();
    for i in ids {
        let b = lines[i].bbox;
        match rows.last_mut() {
            Some((row, members)) if super::lines::v_overlap(*row, b) >= 0.5 => {
                *row = super::lines::union(*row, b);
                members.push(i);
            }
            _ => rows.push((b, vec![i])),
        }
    }
    for (_, mut members) in rows {
        members.sort_by(|&a, &b| lines[a].bbox[0].total_cmp(&lines[b].bbox[0]));
        out.extend(members.into_iter().map(|line| Placed { line, column }));
    }
}

fn centre_y(l: &Line) -> f32 {
    (l.bbox[1] + l.bbox[3]) / 2.0
}

fn centre_x(l: &Line) -> f32 {
    (l.bbox[0] + l.bbox[2]) / 2.0
}

/// Splits at every whitespace row, top to bottom.
fn strips(lines: &[Line], mut ids: Vec<usize>) -> Vec<Vec<usize>> {
    ids.sort_by(|&a, &b| core_y(&lines[a]).0.total_cmp(&core_y(&lines[b]).0));
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut bottom = f32::NEG_INFINITY;
    for i in ids {
        let (top, bot) = core_y(&lines[i]);
        match out.last_mut() {
            Some(strip) if top < bottom => strip.push(i),
            _ => out.push(vec![i]),
        }
        bottom = bottom.max(bot);
    }
    out
}

/// Merges consecutive strips whose union still has a column gutter. Where two columns'
/// lines alternate (one line per strip, as on a slide whose columns are set at different
/// heights), two strips hold too few lines to show a gutter, and three hold one line of a
/// column between two rows of the other, which is no column yet: the strips after them
/// decide.
fn merge_columned(lines: &[Line], mut strips: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for k in 0..strips.len() {
        // Taken, not cloned: the look-ahead below reads only the strips after it.
        let strip = std::mem::take(&mut strips[k]);
        if let Some(last) = out.last_mut() {
            if apart(lines, last, &strip) {
                out.push(strip);
                continue;
            }
            let mut union = last.clone();
            union.extend_from_slice(&strip);
            let columned = column_gutter(lines, &union, Split::Columns).is_some() || {
                // Too few lines yet, one line of a side between the other's rows, or a
                // narrow gutter between short sides: the next strips decide, as long as they
                // leave it undecided.
                let pending = |ids: &[usize]| {
                    ids.len() < 3 || column_gutter(lines, ids, Split::LoneLine).is_some()
                };
                let mut ahead = union.clone();
                let mut found = false;
                // Columns behind a narrow gutter show themselves only once they are tall.
                let look = if column_gutter(lines, &union, Split::ShortColumns).is_some() {
                    MIN_LINES_BESIDE_NARROW_GUTTER
                } else {
                    LOOK_AHEAD
                };
                for next in strips[k + 1..].iter().take(look) {
                    if !pending(&ahead) {
                        break;
                    }
                    ahead.extend_from_slice(next);
                    if column_gutter(lines, &ahead, Split::Columns).is_some() {
                        found = true;
                        break;
                    }
                }
                found
            };
            if columned {
                *last = union;
                continue;
            }
        }
        out.push(strip);
    }
    out
}

/// Strips looked at past two of one line each to tell alternating columns.
const LOOK_AHEAD: usize = 2;

/// Whether a blank band taller than [`APART_EMS`] separates `strip` from the group above it:
/// the next section (a letter's body below its reference row, a CV's next entry), not more
/// of the columns above, which run on at their own line spacing.
fn apart(lines: &[Line], above: &[usize], strip: &[usize]) -> bool {
    let bottom = above
        .iter()
        .map(|&i| lines[i].bbox[3])
        .fold(f32::MIN, f32::max);
    let top = strip
        .iter()
        .map(|&i| lines[i].bbox[1])
        .fold(f32::MAX, f32::min);
    let ids: Vec<usize> = above.iter().chain(strip).copied().collect();
    top - bottom > APART_EMS * median_size(lines, &ids)
}

/// Blank band, in ems of the text's median size, that ends a run of columns. Column text has
/// its lines under a third of an em apart and its paragraphs about one: where both columns of
/// a two-column page break at one height, they still read on. Measured on the OCR set's tune
/// part (1.5 and 2 ems kept letters' and CVs' sections together less often).
const APART_EMS: f32 = 1.0;

fn median_size(lines: &[Line], ids: &[usize]) -> f32 {
    super::text_size(ids.iter().map(|&i| &lines[i]))
        .unwrap_or(1.0)
        .max(1.0)
}

/// Share of a region's width each side of a real column gutter spans.
const MIN_COLUMN_SHARE: f32 = 0.2;

/// A gutter narrower than this, in ems, is a column gutter only between tall columns
/// ([`MIN_LINES_BESIDE_NARROW_GUTTER`] lines on each side): a short run of such gaps is a tab
/// stop inside rows — a code listing's aligned comments or values, a label beside its value —
/// read across. Two-column pages keep gutters of one to two ems, and a skewed scan's lines
/// narrow them further, so the width alone cannot tell. Measured on the OCR set's tune part
/// (1.5 ems and 8 lines: CER −0.0005 / −0.0009 / −0.0004, 29 images better, 15 worse; 1.5
/// ems alone lost skewed papers' columns).
const NARROW_GUTTER_EMS: f32 = 1.5;
/// Lines each side of a narrow gutter needs to be a column, see [`NARROW_GUTTER_EMS`].
const MIN_LINES_BESIDE_NARROW_GUTTER: usize = 8;

/// What a vertical gutter must split a region into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Split {
    /// Real text columns: both sides at least [`MIN_COLUMN_SHARE`] of the region's width,
    /// three lines in all, and a side of one line only beside a line of the other side.
    Columns,
    /// As `Columns`, but a side may be one line between the other side's rows: the first
    /// line of a column whose lines alternate with the other's, until more strips show it;
    /// and a narrow gutter needs no tall sides yet.
    LoneLine,
    /// As `Columns`, but a narrow gutter needs no tall sides yet: the first rows of two
    /// columns, until more strips show them tall (or not).
    ShortColumns,
    /// Any gap over half an em: the parts of one row.
    Row,
}

/// The x position of the widest vertical whitespace gutter through all `ids` that makes the
/// `split` asked for, if there is one.
fn column_gutter(lines: &[Line], ids: &[usize], split: Split) -> Option<f32> {
    let strict = split != Split::Row;
    if ids.len() < 2 {
        return None;
    }
    let mut spans: Vec<(f32, f32)> = ids
        .iter()
        .map(|&i| (lines[i].bbox[0], lines[i].bbox[2]))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (left, right) = (
        spans[0].0,
        spans.iter().map(|s| s.1).fold(f32::MIN, f32::max),
    );
    let width = (right - left).max(1.0);
    let em = median_size(lines, ids);
    let min_gap = if strict { 0.9 * em } else { 0.5 * em };

    let mut best: Option<(f32, f32)> = None; // (gap width, x)
    let mut reach = spans[0].1;
    for s in &spans[1..] {
        let gap = s.0 - reach;
        if gap >= min_gap {
            let x = reach + gap / 2.0;
            let ok = !strict || {
                let left_w = reach - left;
                let right_w = right - s.0;
                let n_left = ids.iter().filter(|&&i| centre_x(&lines[i]) < x).count();
                let n_right = ids.len() - n_left;
                left_w >= MIN_COLUMN_SHARE * width
                    && right_w >= MIN_COLUMN_SHARE * width
                    && n_left >= 1
                    && n_right >= 1
                    && ids.len() >= 3
                    && (matches!(split, Split::LoneLine | Split::ShortColumns)
                        || gap >= NARROW_GUTTER_EMS * em
                        || n_left.min(n_right) >= MIN_LINES_BESIDE_NARROW_GUTTER)
                    && (split == Split::LoneLine || n_left > 1 || beside(lines, ids, x, true))
                    && (split == Split::LoneLine || n_right > 1 || beside(lines, ids, x, false))
            };
            if ok && best.is_none_or(|(g, _)| gap > g) {
                best = Some((gap, x));
            }
        }
        reach = reach.max(s.1);
    }
    match best {
        Some((_, x)) => Some(x),
        None if strict => crossed_gutter(lines, ids, left, width, min_gap, em),
        None => None,
    }
}

/// Whether the one line on the `left` (or right) of `x` shares a row with a line of the other
/// side: a label beside its entry. A line alone on its side between the other side's rows (a
/// form's centred `Datos del cliente` between `FACTURA` and `Razón social`) is no column.
fn beside(lines: &[Line], ids: &[usize], x: f32, left: bool) -> bool {
    let on_left = |i: usize| centre_x(&lines[i]) < x;
    let Some(&one) = ids.iter().find(|&&i| on_left(i) == left) else {
        return false;
    };
    let (top, bottom) = core_y(&lines[one]);
    ids.iter().any(|&i| {
        let (t, b) = core_y(&lines[i]);
        on_left(i) != left && t < bottom && b > top
    })
}

/// Lines per line allowed to cross a column gutter: one in [`CROSSING_PER`], so a dense
/// reference card whose recogniser read one row across two columns as one line still has
/// its columns.
const CROSSING_PER: usize = 25;

/// A column gutter that a few lines cross, each with lines of both columns above and below
/// it (so a title over the columns, or a footer under them, is never one of them: those are
/// read by cutting the page into strips). Crossing lines go to the side of their centre.
fn crossed_gutter(
    lines: &[Line],
    ids: &[usize],
    left: f32,
    width: f32,
    min_gap: f32,
    em: f32,
) -> Option<f32> {
    let allowed = ids.len() / CROSSING_PER;
    if allowed == 0 {
        return None;
    }
    const BINS: usize = 400;
    let bin = width / BINS as f32;
    let to_bin = |x: f32| (((x - left) / bin).floor().max(0.0) as usize).min(BINS - 1);
    let mut cover = vec![0usize; BINS];
    for &i in ids {
        let [x0, _, x1, _] = lines[i].bbox;
        for c in &mut cover[to_bin(x0)..=to_bin(x1)] {
            *c += 1;
        }
    }
    let mut best: Option<(f32, f32)> = None; // (gap width, x)
    let mut start = None;
    for b in 0..=BINS {
        let open = cover.get(b).is_some_and(|&c| c <= allowed);
        match (open, start) {
            (true, None) => start = Some(b),
            (false, Some(a)) => {
                start = None;
                let gap = (b - a) as f32 * bin;
                let x = left + (a + b) as f32 * bin / 2.0;
                if gap >= min_gap
                    && best.is_none_or(|(g, _)| gap > g)
                    && columns_beside(lines, ids, x, left, width, em, allowed)
                {
                    best = Some((gap, x));
                }
            }
            _ => {}
        }
    }
    best.map(|(_, x)| x)
}

/// How far, in ems, the nearest lines of a column may be above and below a line crossing it.
const NEAR_EMS: f32 = 2.5;

/// Whether `x` splits `ids` into two real columns (each [`MIN_COLUMN_SHARE`] of the width,
/// text on both sides) crossed by at most `allowed` lines, each amid both columns' lines.
fn columns_beside(
    lines: &[Line],
    ids: &[usize],
    x: f32,
    left: f32,
    width: f32,
    em: f32,
    allowed: usize,
) -> bool {
    let crosses = |i: usize| lines[i].bbox[0] < x && lines[i].bbox[2] > x;
    let (crossing, clear): (Vec<usize>, Vec<usize>) = ids.iter().partition(|&&i| crosses(i));
    if crossing.is_empty() || crossing.len() > allowed {
        return false;
    }
    let (l, r): (Vec<usize>, Vec<usize>) = clear.iter().partition(|&&i| centre_x(&lines[i]) < x);
    let reach_l = l.iter().map(|&i| lines[i].bbox[2]).fold(f32::MIN, f32::max);
    let start_r = r.iter().map(|&i| lines[i].bbox[0]).fold(f32::MAX, f32::min);
    let right = left + width;
    if l.len() < 3
        || r.len() < 3
        || reach_l - left < MIN_COLUMN_SHARE * width
        || right - start_r < MIN_COLUMN_SHARE * width
    {
        return false;
    }
    // Both columns run on through the crossing row: each has a line within a few ems above
    // it and below it.
    let near = |c: usize, side: &[usize], below: bool| {
        side.iter().any(|&i| {
            let d = centre_y(&lines[i]) - centre_y(&lines[c]);
            (if below { d } else { -d }) > 0.0 && d.abs() <= NEAR_EMS * em
        })
    };
    let inside = |c: usize, side: &[usize]| near(c, side, false) && near(c, side, true);
    crossing.iter().all(|&c| inside(c, &l) && inside(c, &r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, x0: f32, y0: f32, x1: f32) -> Line {
        Line {
            text: text.into(),
            chars: text.chars().count(),
            ..Line::placeholder([x0, y0, x1, y0 + 10.0], 10.0)
        }
    }

    #[test]
    fn columns_whose_lines_alternate_are_read_one_after_the_other() {
        // A slide: bullets on the left, a block on the right set half a line lower, so each
        // whitespace strip holds one line.
        let lines = vec![
            line("title", 20.0, 70.0, 330.0),
            line("left one", 20.0, 100.0, 150.0),
            line("right one", 190.0, 112.0, 330.0),
            line("left two", 20.0, 124.0, 150.0),
            line("right two", 190.0, 136.0, 330.0),
            line("left three", 20.0, 148.0, 150.0),
            line("right three", 190.0, 160.0, 330.0),
            line("footer", 20.0, 200.0, 330.0),
        ];
        assert_eq!(
            texts(&lines),
            [
                "title",
                "left one",
                "left two",
                "left three",
                "right one",
                "right two",
                "right three",
                "footer"
            ]
        );
    }

    /// The order of `lines` and `obstacles` (named `#0`, `#1`, ...).
    fn texts_around(lines: &[Line], obstacles: &[(BBox, f32)]) -> Vec<String> {
        reading_order_around(lines, obstacles)
            .iter()
            .map(|p| match lines.get(p.line) {
                Some(l) => l.text.clone(),
                None => format!("#{}", p.line - lines.len()),
            })
            .collect()
    }

    #[test]
    fn a_table_above_a_note_at_the_other_side_is_read_before_the_note() {
        // An invoice: under the items, its totals at the right; below them, a note and the
        // form's number at the left; then a row across the page. The note's column begins
        // below the totals: no column beside them.
        let lines = vec![
            line("items", 20.0, 60.0, 330.0),
            line("a long description", 20.0, 200.0, 120.0),
            line("the final note", 20.0, 214.0, 110.0),
            line("FORMA LIBRE", 20.0, 240.0, 90.0),
            line("No CONTROL", 20.0, 254.0, 90.0),
            line("left of the last row", 20.0, 280.0, 140.0),
            line("right of the last row", 200.0, 280.0, 330.0),
        ];
        let totals = ([200.0, 80.0, 330.0, 190.0], 10.0);
        assert_eq!(
            texts_around(&lines, &[totals]),
            [
                "items",
                "#0",
                "a long description",
                "the final note",
                "FORMA LIBRE",
                "No CONTROL",
                "left of the last row",
                "right of the last row"
            ]
        );
    }

    #[test]
    fn a_table_in_the_right_column_is_read_in_that_column() {
        let mut lines = vec![line("title", 20.0, 70.0, 330.0)];
        for k in 0..8 {
            let y = 100.0 + 12.0 * k as f32;
            lines.push(line(&format!("left {k}"), 20.0, y, 160.0));
        }
        for k in 0..3 {
            let y = 100.0 + 12.0 * k as f32;
            lines.push(line(&format!("right {k}"), 190.0, y, 330.0));
        }
        lines.push(line("right after", 190.0, 182.0, 330.0));
        let table = ([190.0, 138.0, 330.0, 176.0], 10.0);
        let order = texts_around(&lines, &[table]);
        assert_eq!(order[..2], ["title", "left 0"]);
        assert_eq!(
            order[9..],
            ["right 0", "right 1", "right 2", "#0", "right after"]
        );
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        texts_around(lines, &[])
    }

    #[test]
    fn a_section_a_blank_band_below_is_not_read_into_the_columns_above() {
        // A letter: a reference row of label / value columns, then, well below it, the
        // subject and body at the left margin. Merged with the row, the subject and salutation
        // would be read between its columns.
        let lines = vec![
            line("your reference", 20.0, 100.0, 95.0),
            line("date", 260.0, 100.0, 330.0),
            line("EM", 20.0, 112.0, 40.0),
            line("30 June", 260.0, 112.0, 330.0),
            line("subject", 20.0, 150.0, 120.0),
            line("dear madam", 20.0, 170.0, 110.0),
            line("a body line that runs across the page", 20.0, 190.0, 330.0),
        ];
        assert_eq!(
            texts(&lines),
            [
                "your reference",
                "EM",
                "date",
                "30 June",
                "subject",
                "dear madam",
                "a body line that runs across the page"
            ]
        );
    }

    #[test]
    fn one_line_read_across_the_gutter_leaves_dense_columns_columns() {
        // A reference card: two columns of 15 lines each; the recogniser read row 8 of both
        // as one line across the gutter.
        let mut lines = Vec::new();
        for row in 0..15 {
            let y = 100.0 + 12.0 * row as f32;
            if row == 7 {
                lines.push(line("left 7 right 7", 20.0, y, 300.0));
                continue;
            }
            lines.push(line(&format!("left {row}"), 20.0, y, 150.0));
            lines.push(line(&format!("right {row}"), 180.0, y, 300.0));
        }
        let order = texts(&lines);
        let first_right = order
            .iter()
            .position(|t| t.starts_with("right"))
            .unwrap_or(0);
        assert!(
            order[..first_right].iter().all(|t| t.starts_with("left")),
            "{order:?}"
        );
        assert_eq!(first_right, 15, "{order:?}");
        // Without the crossing line there is no doubt either; with a title over the columns
        // the title is read first (the crossing line must sit amid both columns).
        let mut titled = lines.clone();
        titled.insert(0, line("a title over both columns", 20.0, 70.0, 300.0));
        assert_eq!(texts(&titled)[0], "a title over both columns");
    }

    #[test]
    fn a_short_run_of_narrow_gaps_is_read_across_and_tall_columns_down() {
        // Four rows of code whose strings hold runs of spaces that line up 1.2 ems right of the
        // longest line (R-intro p57: `cat(amount, "deposited.   Your balance is", total)`
        // was read as two columns, its halves pages apart): read row by row.
        let mut listing = Vec::new();
        for row in 0..4 {
            let y = 100.0 + 12.0 * row as f32;
            listing.push(line(&format!("command {row}"), 20.0, y, 150.0));
            listing.push(line(&format!("value {row}"), 162.0, y, 240.0));
        }
        assert_eq!(
            texts(&listing),
            [
                "command 0",
                "value 0",
                "command 1",
                "value 1",
                "command 2",
                "value 2",
                "command 3",
                "value 3"
            ]
        );
        // The same gutter between two columns of ten lines, under a title: columns.
        let mut page = vec![line("a title over both columns", 20.0, 70.0, 300.0)];
        for row in 0..10 {
            let y = 100.0 + 12.0 * row as f32;
            page.push(line(&format!("left {row}"), 20.0, y, 150.0));
            page.push(line(&format!("right {row}"), 162.0, y, 300.0));
        }
        let order = texts(&page);
        assert_eq!(order[0], "a title over both columns");
        assert!(
            order[1..11].iter().all(|t| t.starts_with("left")),
            "{order:?}"
        );
    }

    #[test]
    fn a_line_alone_between_the_rows_of_a_form_is_no_column() {
        // An invoice's header: the number left and the date right on one row, the centred
        // heading of the customer box under them, then the box's rows. The heading shares
        // no row with either side, so it is not a column of its own read after the rows.
        let lines = vec![
            line("RIF: V-87.654.321-0", 394.0, 100.0, 481.0),
            line("FACTURA Nº 000001", 29.0, 114.0, 187.0),
            line("Fecha de emisión: 02-07-2022", 401.0, 114.0, 585.0),
            line("Datos del cliente", 271.0, 128.0, 347.0),
            line("Razón social: Ayala San Vicente", 38.0, 142.0, 245.0),
            line("R.I.F.: Y-12.345.678-9", 453.0, 142.0, 578.0),
            line("Persona de contacto: Jacinto", 38.0, 156.0, 200.0),
        ];
        let order = texts(&lines);
        let at = |s: &str| order.iter().position(|t| t.starts_with(s)).unwrap_or(99);
        assert!(at("FACTURA") < at("Datos"), "{order:?}");
        assert!(at("Datos") < at("Razón"), "{order:?}");
        assert!(at("Razón") < at("Persona"), "{order:?}");
        // A label beside the first line of its entry is still a column of its own.
        let cv = vec![
            line("2010-2014", 20.0, 100.0, 80.0),
            line("Engineer at a firm that builds", 120.0, 100.0, 330.0),
            line("bridges and tunnels across", 120.0, 114.0, 330.0),
            line("the whole of the country", 120.0, 128.0, 330.0),
        ];
        assert_eq!(texts(&cv)[1], "Engineer at a firm that builds");
    }
}
