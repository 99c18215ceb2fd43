//! Reading order by recursive XY-cut over line fragments.
//!
//! A region is cut vertically along a whitespace gutter when both sides are real text columns
//! (each at least a fifth of the region wide); otherwise it is cut
//! horizontally into strips at every whitespace row. Consecutive strips that together still have
//! a column gutter are merged back before recursing, so a full-width title above two columns
//! is read first and the columns are then read one after the other, even where both columns
//! happen to have a paragraph break at the same height.

use super::Line;

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

/// Vertical extent used to separate strips: the middle of the line, since loose glyph boxes of
/// consecutive lines overlap a little.
fn core_y(l: &Line) -> (f32, f32) {
    let h = l.bbox[3] - l.bbox[1];
    (l.bbox[1] + 0.25 * h, l.bbox[3] - 0.25 * h)
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
    if let Some(x) = column_gutter(lines, &ids, true) {
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
        match column_gutter(lines, &only, false) {
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
/// heights), two strips hold too few lines to show a gutter: the strip after them decides.
fn merge_columned(lines: &[Line], strips: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut strips = strips.into_iter().peekable();
    while let Some(strip) = strips.next() {
        if let Some(last) = out.last_mut() {
            let mut union = last.clone();
            union.extend_from_slice(&strip);
            let columned = column_gutter(lines, &union, true).is_some()
                || union.len() < 3
                    && strips.peek().is_some_and(|next| {
                        let mut three = union.clone();
                        three.extend_from_slice(next);
                        column_gutter(lines, &three, true).is_some()
                    });
            if columned {
                *last = union;
                continue;
            }
        }
        out.push(strip);
    }
    out
}

/// The x position of the widest vertical whitespace gutter through all `ids`, if there is one.
/// `strict` demands real text columns: both sides at least a fifth of the region's width, and
/// at least three lines in all.
fn column_gutter(lines: &[Line], ids: &[usize], strict: bool) -> Option<f32> {
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
    let mut sizes: Vec<f32> = ids.iter().map(|&i| lines[i].size).collect();
    sizes.sort_by(f32::total_cmp);
    let em = sizes[sizes.len() / 2].max(1.0);
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
                left_w >= 0.2 * width
                    && right_w >= 0.2 * width
                    && n_left >= 1
                    && n_right >= 1
                    && ids.len() >= 3
            };
            if ok && best.is_none_or(|(g, _)| gap > g) {
                best = Some((gap, x));
            }
        }
        reach = reach.max(s.1);
    }
    best.map(|(_, x)| x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, x0: f32, y0: f32, x1: f32) -> Line {
        Line {
            text: text.into(),
            bbox: [x0, y0, x1, y0 + 10.0],
            size: 10.0,
            bold: 0.0,
            italic: 0.0,
            mono: 0.0,
            chars: text.chars().count(),
            ocr: false,
            tail_gap: None,
            latex: None,
            all_math: false,
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
        let order: Vec<&str> = reading_order(&lines)
            .iter()
            .map(|p| lines[p.line].text.as_str())
            .collect();
        assert_eq!(
            order,
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
}
