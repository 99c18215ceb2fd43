//! Tables set by whitespace alone ("stream" tables: financial statements, bills, data
//! listings) that no layout region covers: consecutive text rows whose phrases line up in two
//! or more right-aligned columns of numbers beside a column of labels.

use super::regions::overlap_of_smaller;
use crate::document::BBox;
use crate::layout::{Region, RegionKind};
use crate::pdf::Glyph;
use crate::table::{is_listed, is_number, phrases, Phrase};

/// Rows with aligned numbers a table needs, its rows of totals included.
const MIN_ROWS: usize = 3;
/// Rows with numbers in several columns a table needs (two item rows of an invoice).
const MIN_NUMERIC_ROWS: usize = 2;
/// Columns of numbers a table needs.
const MIN_COLUMNS: usize = 2;
/// How far the right edges of one column's numbers may differ, in points.
const ALIGN: f32 = 2.5;
/// Share of the numeric rows a column must run through.
const COLUMN_SUPPORT: f32 = 0.5;
/// Largest gap between the rows of one table, in row heights.
const MAX_ROW_GAP: f32 = 2.5;
/// Rows without numbers (group headers, a wrapped label) a table may hold in a row.
const MAX_PLAIN_RUN: usize = 2;
/// Header rows above a table's first row of numbers (group headers, dates, units).
const MAX_HEADER_ROWS: usize = 3;
/// A phrase of this many words is prose, which ends a table.
const PROSE_WORDS: usize = 10;
/// Characters per phrase a table row has at least, on average.
const MIN_MEAN_CHARS: usize = 2;
/// Widest gap, in the phrase's heights, between a number and the group of three digits that
/// continues it (`21 816.00`); cells of two columns lie further apart.
const GROUP_GAP: f32 = 0.6;
/// Confidence given to a table found this way.
const SCORE: f32 = 0.55;

struct Row<'a> {
    bbox: BBox,
    phrases: Vec<&'a Phrase>,
}

impl Row<'_> {
    /// Left and right edges of the numbers after the row's first phrase (its label); none for
    /// a row of single characters (text set sideways crosses the rows one letter at a time).
    /// A number grouped by spaces (`21 816.00`) is one number, not two cells; an item of a list
    /// (`60,`) is none.
    fn numbers(&self) -> Vec<(f32, f32)> {
        let chars: usize = self.phrases.iter().map(|p| p.text.chars().count()).sum();
        if chars < MIN_MEAN_CHARS * self.phrases.len() {
            return Vec::new();
        }
        let mut out: Vec<(f32, f32)> = Vec::new();
        let mut before: Option<&Phrase> = None;
        for p in self.phrases.iter().skip(1) {
            if !is_number(&p.text) || is_listed(&p.text) {
                before = None;
                continue;
            }
            match out.last_mut() {
                Some(last) if before.is_some_and(|q| thousands(q, p)) => last.1 = p.bbox[2],
                _ => out.push((p.bbox[0], p.bbox[2])),
            }
            before = Some(p);
        }
        out
    }

    fn text(&self) -> String {
        let words: Vec<&str> = self.phrases.iter().map(|p| p.text.as_str()).collect();
        words.join(" ")
    }

    fn prose(&self) -> bool {
        self.phrases
            .iter()
            .any(|p| p.text.split_whitespace().count() >= PROSE_WORDS)
    }
}

/// Adds the tables drawn by rules (`ruled`) and those set by whitespace that no table or
/// equation region in `regions` already covers. Columns of aligned numbers are a table even
/// where the layout model saw a figure: such a figure region gives way. A ruled table that a
/// table set by whitespace holds and outgrows is part of it (rules under a few of its
/// columns, such as a balance sheet's totals); otherwise the ruled table stands.
pub fn add_tables(glyphs: &[Glyph], regions: &mut Vec<Region>, ruled: Vec<Region>) {
    let found = tables(glyphs, regions);
    let area = |b: BBox| (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0);
    let ruled: Vec<Region> = ruled
        .into_iter()
        .filter(|r| {
            !found.iter().any(|t| {
                overlap_of_smaller(t.bbox, r.bbox) >= 0.8 && area(t.bbox) >= 1.5 * area(r.bbox)
            })
        })
        .collect();
    let found: Vec<Region> = found
        .into_iter()
        .filter(|t| {
            !ruled
                .iter()
                .any(|r| overlap_of_smaller(r.bbox, t.bbox) >= 0.3)
        })
        .collect();
    let found: Vec<Region> = ruled.into_iter().chain(found).collect();
    regions.retain(|r| {
        r.kind != RegionKind::Figure
            || !found
                .iter()
                .any(|t| overlap_of_smaller(r.bbox, t.bbox) >= 0.5)
    });
    regions.extend(found);
}

/// Table regions set by whitespace that no table or equation region in `regions` covers.
fn tables(glyphs: &[Glyph], regions: &[Region]) -> Vec<Region> {
    // A table needs MIN_NUMERIC_ROWS rows of MIN_COLUMNS numbers and a number in each of its
    // other rows: most prose pages have too few digits to hold one, and skip the page-wide
    // phrase pass (it runs in `fast` too).
    let digits = glyphs.iter().filter(|g| g.c.is_ascii_digit()).count();
    if digits < MIN_NUMERIC_ROWS * MIN_COLUMNS + MIN_ROWS - MIN_NUMERIC_ROWS {
        return Vec::new();
    }
    let refs: Vec<&Glyph> = glyphs.iter().filter(|g| !g.c.is_whitespace()).collect();
    let all = phrases(&refs, &[]);
    let mut rows: Vec<Row> = Vec::new();
    for p in &all {
        match rows.last_mut() {
            Some(r) if r.phrases[0].row == p.row => {
                r.bbox = super::lines::union(r.bbox, p.bbox);
                r.phrases.push(p);
            }
            _ => rows.push(Row {
                bbox: p.bbox,
                phrases: vec![p],
            }),
        }
    }
    let mut out: Vec<Region> = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let end = run_end(&rows, start);
        for bbox in table_boxes(&rows[start..end]) {
            let covered = regions.iter().chain(&out).any(|r| {
                matches!(r.kind, RegionKind::Table | RegionKind::Equation)
                    && overlap_of_smaller(r.bbox, bbox) >= 0.3
            });
            if !covered {
                out.push(Region {
                    kind: RegionKind::Table,
                    bbox,
                    score: SCORE,
                });
            }
        }
        start = end;
    }
    out
}

/// The end (exclusive) of the run of rows from `start` that could hold tables: rows close
/// below one another, no prose.
fn run_end(rows: &[Row], start: usize) -> usize {
    let mut end = start + 1;
    while end < rows.len() && !rows[end].prose() && !rows[start].prose() {
        let (prev, row) = (&rows[end - 1], &rows[end]);
        let height = (prev.bbox[3] - prev.bbox[1]).max(1.0);
        if row.bbox[1] - prev.bbox[3] > MAX_ROW_GAP * height {
            break;
        }
        end += 1;
    }
    end
}

/// The tables a run of rows holds: stretches of rows with numbers (at most a few rows
/// without between them) whose numbers line up in enough columns, each from the header rows
/// just above its first row of numbers to its last row of totals.
fn table_boxes(rows: &[Row]) -> Vec<BBox> {
    let numbers: Vec<Vec<(f32, f32)>> = rows.iter().map(Row::numbers).collect();
    let numeric: Vec<usize> = (0..rows.len())
        .filter(|&i| numbers[i].len() >= MIN_COLUMNS)
        .collect();
    let mut out = Vec::new();
    let mut from = 0;
    let mut floor = 0;
    for k in 0..numeric.len() {
        let last = k + 1 == numeric.len() || numeric[k + 1] - numeric[k] > MAX_PLAIN_RUN + 1;
        if !last {
            continue;
        }
        let stretch = &numeric[from..=k];
        let found = table_box(rows, &numbers, stretch, floor);
        floor = numeric[k] + 1;
        if let Some((bbox, last)) = found {
            out.push(bbox);
            floor = floor.max(last + 1);
        }
        from = k + 1;
    }
    out
}

/// The box of one stretch of numeric rows, if its numbers line up in enough columns, and its
/// last row; header rows above it are taken down to row `floor`. `numbers` are each row's.
fn table_box(
    rows: &[Row],
    numbers: &[Vec<(f32, f32)>],
    numeric: &[usize],
    floor: usize,
) -> Option<(BBox, usize)> {
    if numeric.len() < MIN_NUMERIC_ROWS {
        return None;
    }
    let spans: Vec<(f32, f32)> = numeric
        .iter()
        .flat_map(|&i| numbers[i].iter().copied())
        .collect();
    let columns = columns(&spans, numeric.len());
    if columns.len() < MIN_COLUMNS {
        return None;
    }
    // Header rows, up to the table's caption or the end of a sentence (a caption's last line).
    let mut first = numeric[0];
    while first > floor && numeric[0] - first < MAX_HEADER_ROWS {
        let above = rows[first - 1].text();
        if super::classify::is_caption(&above) || above.ends_with('.') {
            break;
        }
        first -= 1;
    }
    let (last, totals) = totals(numbers, numeric[numeric.len() - 1], &columns);
    if numeric.len() + totals < MIN_ROWS {
        return None;
    }
    let mut bbox = rows[first].bbox;
    for r in &rows[first..=last] {
        bbox = super::lines::union(bbox, r.bbox);
    }
    Some((bbox, last))
}

/// The last row of a table whose last row with numbers in several columns is `last`: rows of
/// totals under it (`Subtotal  24 750.00`, `VAT (0.0%)  0.00`) whose `numbers` all end on the
/// table's `columns`, with at most a few rows without numbers between; and how many rows of
/// totals there are.
fn totals(numbers: &[Vec<(f32, f32)>], mut last: usize, columns: &[(f32, f32)]) -> (usize, usize) {
    let on_column = |right: f32| {
        columns
            .iter()
            .any(|&(a, b)| right >= a - ALIGN && right <= b + ALIGN)
    };
    let mut count = 0;
    let mut j = last + 1;
    while j < numbers.len() && j - last <= MAX_PLAIN_RUN + 1 {
        if !numbers[j].is_empty() {
            if !numbers[j].iter().all(|n| on_column(n.1)) {
                break;
            }
            last = j;
            count += 1;
        }
        j += 1;
    }
    (last, count)
}

/// Whether `next` continues the number `before` as a group of thousands: `before` ends in one
/// to three digits after a space or a sign, `next` is three digits (and decimals), close by.
fn thousands(before: &Phrase, next: &Phrase) -> bool {
    let head = before
        .text
        .rsplit(' ')
        .next()
        .unwrap_or("")
        .trim_start_matches(['+', '-', '(', '$', '€', '£']);
    let digits = next.text.get(..3).unwrap_or("");
    let decimals = next.text.get(3..).unwrap_or("");
    let gap = next.bbox[0] - before.bbox[2];
    let height = (next.bbox[3] - next.bbox[1]).max(1.0);
    (1..=3).contains(&head.len())
        && head.bytes().all(|b| b.is_ascii_digit())
        && digits.len() == 3
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (decimals.is_empty()
            || decimals.len() <= 3
                && decimals.starts_with(['.', ','])
                && decimals[1..].bytes().all(|b| b.is_ascii_digit()))
        && gap <= GROUP_GAP * height
}

/// Columns among the `numbers` (left and right edges) of `rows` numeric rows, each as the
/// range its numbers' right edges fall in: right edges that line up within [`ALIGN`] in
/// enough of the rows (two at least), and a gutter no number crosses between one column and
/// the next. Without the gutter, two edges are pieces of one column of text (a letter
/// footer's phone numbers, `+49 800 0000000` over `+49 171 00000000`, whose digit groups
/// happen to end together), not two columns of figures.
fn columns(numbers: &[(f32, f32)], rows: usize) -> Vec<(f32, f32)> {
    let mut spans = numbers.to_vec();
    spans.sort_by(|a, b| a.1.total_cmp(&b.1));
    // (leftmost start, first right edge, last right edge) of each aligned edge, left to right.
    let mut found: Vec<(f32, f32, f32)> = Vec::new();
    let mut i = 0;
    while i < spans.len() {
        let mut j = i;
        while j + 1 < spans.len() && spans[j + 1].1 - spans[i].1 <= ALIGN {
            j += 1;
        }
        let support = j + 1 - i;
        if support >= 2 && support as f32 >= COLUMN_SUPPORT * rows as f32 {
            let left = spans[i..=j].iter().map(|s| s.0).fold(f32::MAX, f32::min);
            found.push((left, spans[i].1, spans[j].1));
        }
        i = j + 1;
    }
    let gutter = |from: f32, to: f32| {
        let mut covered: Vec<(f32, f32)> = spans
            .iter()
            .filter(|s| s.0 < to && s.1 > from)
            .map(|s| (s.0.max(from), s.1.min(to)))
            .collect();
        covered.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut reach = from;
        for (a, b) in covered {
            if a > reach {
                return true;
            }
            reach = reach.max(b);
        }
        reach < to
    };
    let mut out: Vec<(f32, f32)> = Vec::new();
    let mut previous: Option<(f32, f32, f32)> = None;
    for edge in found {
        match (previous, out.last_mut()) {
            (Some(p), Some(column)) if !gutter(p.2, edge.0) => column.1 = edge.2,
            _ => out.push((edge.1, edge.2)),
        }
        previous = Some(edge);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text as glyphs from `(x, y)`, 10 pt, 5 pt per character.
    fn text(out: &mut Vec<Glyph>, s: &str, x: f32, y: f32) {
        for (i, c) in s.chars().enumerate() {
            let x0 = x + 5.0 * i as f32;
            let mut g = Glyph::sample(c, [x0, y, x0 + 5.0, y + 10.0], 10.0, false);
            g.space_before = c == ' ';
            out.push(g);
        }
    }

    /// A number right-aligned at `right`.
    fn number(out: &mut Vec<Glyph>, s: &str, right: f32, y: f32) {
        text(out, s, right - 5.0 * s.chars().count() as f32, y);
    }

    #[test]
    fn aligned_columns_of_numbers_are_a_table() {
        let mut g = Vec::new();
        text(&mut g, "Year ended", 300.0, 100.0);
        number(&mut g, "2024", 300.0, 114.0);
        number(&mut g, "2023", 380.0, 114.0);
        for (i, (label, a, b)) in [
            ("Product sales", "412,870", "(1,024)"),
            ("Services", "96,311", "88,402"),
            ("Total revenue", "509,181", "87,378"),
        ]
        .into_iter()
        .enumerate()
        {
            let y = 128.0 + 14.0 * i as f32;
            text(&mut g, label, 72.0, y);
            number(&mut g, a, 300.0, y);
            number(&mut g, b, 380.0, y);
        }
        let found = tables(&g, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        let b = found[0].bbox;
        assert!(
            b[0] <= 72.0 && b[2] >= 380.0 && b[1] <= 100.0 && b[3] >= 166.0,
            "{b:?}"
        );
    }

    #[test]
    fn a_list_of_numbers_in_code_is_no_table() {
        // R code in a typewriter face: the numbers of a vector line up from row to row, but
        // each is an item of a list, followed by its comma and a word space.
        let mut g = Vec::new();
        for (i, row) in [
            "> incomes <- c(60, 49, 40, 61, 64, 60, 59, 54,",
            "               61, 61, 61, 58, 51, 48, 65, 49,",
            "               59, 46, 58, 43, 55, 41, 47, 50)",
        ]
        .into_iter()
        .enumerate()
        {
            text(&mut g, row, 72.0, 100.0 + 14.0 * i as f32);
        }
        let found = tables(&g, &[]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn rules_under_some_columns_do_not_cut_the_table_down_to_them() {
        let mut g = Vec::new();
        for (i, (label, a, b)) in [
            ("Cash", "2,418", "1,967"),
            ("Inventories", "734", "689"),
            ("Goodwill", "1,448", "1,448"),
            ("Total assets", "9,607", "8,927"),
        ]
        .into_iter()
        .enumerate()
        {
            let y = 100.0 + 14.0 * i as f32;
            text(&mut g, label, 72.0, y);
            number(&mut g, a, 300.0, y);
            number(&mut g, b, 380.0, y);
        }
        // A table found from rules drawn under the two number columns only.
        let ruled = Region {
            kind: RegionKind::Table,
            bbox: [260.0, 98.0, 382.0, 156.0],
            score: 0.6,
        };
        let mut regions = Vec::new();
        add_tables(&g, &mut regions, vec![ruled]);
        assert_eq!(regions.len(), 1, "{regions:?}");
        assert!(regions[0].bbox[0] <= 72.0, "{:?}", regions[0].bbox);

        // A ruled table that is the whole table stands.
        let whole = Region {
            bbox: [70.0, 98.0, 382.0, 156.0],
            ..ruled
        };
        let mut regions = Vec::new();
        add_tables(&g, &mut regions, vec![whole]);
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].bbox, whole.bbox);
    }

    #[test]
    fn a_contents_page_is_no_table() {
        // section numbers at the left and one column of page numbers
        let mut g = Vec::new();
        for (i, (n, t, p)) in [
            ("1.1", "Background", "3"),
            ("1.2", "Scope", "5"),
            ("1.3", "Terms", "8"),
            ("1.4", "Layout", "13"),
        ]
        .into_iter()
        .enumerate()
        {
            let y = 100.0 + 14.0 * i as f32;
            text(&mut g, n, 72.0, y);
            text(&mut g, t, 100.0, y);
            number(&mut g, p, 500.0, y);
        }
        assert!(tables(&g, &[]).is_empty());
    }

    #[test]
    fn digit_groups_of_one_column_of_text_are_no_table() {
        // A letter's footer: phone numbers under one another, whose digit groups happen to
        // end at two common edges; the first row's `800` runs on between them, so the two
        // edges are one column of text, not two columns of figures.
        let rows = [
            (
                "Freecall:",
                [("+49", 277.0), ("800", 297.0), ("0000000", 316.0)],
            ),
            (
                "Mobil:",
                [("+49", 270.0), ("171", 290.0), ("00000000", 310.0)],
            ),
            (
                "Fax:",
                [("+49", 260.0), ("0000", 285.0), ("000-0000", 310.0)],
            ),
        ];
        // The footer with its digit groups moved `shift` further apart, one group from the next.
        let footer = |shift: f32| {
            let mut g = Vec::new();
            for (i, (label, groups)) in rows.into_iter().enumerate() {
                let y = 100.0 + 14.0 * i as f32;
                text(&mut g, label, 200.0, y);
                for (k, (digits, x)) in groups.into_iter().enumerate() {
                    text(&mut g, digits, x + shift * k as f32, y);
                }
            }
            g
        };
        assert!(tables(&footer(0.0), &[]).is_empty());
        // Moved apart by a gutter, the same groups are two columns of figures.
        let apart = footer(40.0);
        assert_eq!(tables(&apart, &[]).len(), 1);
    }

    #[test]
    fn two_item_rows_and_their_totals_are_a_table() {
        // An invoice: two items, then totals that have a number in the amount column only.
        let mut g = Vec::new();
        text(&mut g, "Activity", 72.0, 100.0);
        text(&mut g, "Amount", 410.0, 100.0);
        for (i, (label, rate, count, amount)) in [
            ("Analysis", "2750.00", "6", "16500.00"),
            ("Negotiation", "2750.00", "3", "8250.00"),
        ]
        .into_iter()
        .enumerate()
        {
            let y = 114.0 + 14.0 * i as f32;
            text(&mut g, label, 72.0, y);
            number(&mut g, rate, 300.0, y);
            number(&mut g, count, 340.0, y);
            number(&mut g, amount, 440.0, y);
        }
        for (i, label) in ["Subtotal", "VAT", "Total"].into_iter().enumerate() {
            let y = 142.0 + 14.0 * i as f32;
            text(&mut g, label, 72.0, y);
            number(&mut g, "24750.00", 440.0, y);
        }
        // Under the totals, a line whose number is not in the amount column ends the table.
        text(&mut g, "Due within", 72.0, 184.0);
        number(&mut g, "30", 180.0, 184.0);
        let found = tables(&g, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        let b = found[0].bbox;
        assert!(b[1] <= 100.0 && b[3] >= 180.0 && b[3] < 184.0, "{b:?}");
    }

    #[test]
    fn a_number_grouped_by_spaces_is_one_number() {
        let phrase = |text: &str, x0: f32, x1: f32| Phrase {
            text: text.into(),
            bbox: [x0, 100.0, x1, 110.0],
            bold: 0.0,
            row: 0,
        };
        let sixteen = phrase("16", 390.0, 400.0);
        assert!(thousands(&sixteen, &phrase("500.00", 404.0, 434.0)));
        assert!(thousands(
            &phrase("+49", 380.0, 395.0),
            &phrase("800", 399.0, 414.0)
        ));
        // Further apart: two cells. Not three digits, or after decimals: two numbers.
        assert!(!thousands(&sixteen, &phrase("500.00", 420.0, 450.0)));
        assert!(!thousands(&sixteen, &phrase("5000", 404.0, 424.0)));
        assert!(!thousands(
            &phrase("2.50", 380.0, 400.0),
            &phrase("120", 404.0, 419.0)
        ));
        assert!(!thousands(&sixteen, &phrase("€12", 404.0, 419.0)));
    }
}
