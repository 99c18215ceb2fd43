//! Tables set by whitespace alone ("stream" tables: financial statements, bills, data
//! listings) that no layout region covers: consecutive text rows whose phrases line up in two
//! or more right-aligned columns of numbers beside a column of labels.

use super::regions::overlap_of_smaller;
use crate::document::BBox;
use crate::layout::{Region, RegionKind};
use crate::pdf::Glyph;
use crate::table::{is_number, phrases, Phrase};

/// Rows with aligned numbers a table needs.
const MIN_ROWS: usize = 3;
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
/// Confidence given to a table found this way.
const SCORE: f32 = 0.55;

struct Row<'a> {
    bbox: BBox,
    phrases: Vec<&'a Phrase>,
}

impl Row<'_> {
    /// Right edges of the numbers after the row's first phrase (its label); none for a row
    /// of single characters (text set sideways crosses the rows one letter at a time).
    fn number_edges(&self) -> Vec<f32> {
        let chars: usize = self.phrases.iter().map(|p| p.text.chars().count()).sum();
        if chars < MIN_MEAN_CHARS * self.phrases.len() {
            return Vec::new();
        }
        self.phrases
            .iter()
            .skip(1)
            .filter(|p| is_number(&p.text))
            .map(|p| p.bbox[2])
            .collect()
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
    // A table needs MIN_ROWS rows of MIN_COLUMNS numbers: most prose pages have too few
    // digits to hold one, and skip the page-wide phrase pass (it runs in `fast` too).
    let digits = glyphs.iter().filter(|g| g.c.is_ascii_digit()).count();
    if digits < MIN_ROWS * MIN_COLUMNS {
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
/// just above its first row of numbers to its last.
fn table_boxes(rows: &[Row]) -> Vec<BBox> {
    let numeric: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].number_edges().len() >= MIN_COLUMNS)
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
        if let Some(bbox) = table_box(rows, stretch, floor) {
            out.push(bbox);
        }
        floor = numeric[k] + 1;
        from = k + 1;
    }
    out
}

/// The box of one stretch of numeric rows, if its numbers line up in enough columns; header
/// rows above it are taken down to row `floor`.
fn table_box(rows: &[Row], numeric: &[usize], floor: usize) -> Option<BBox> {
    if numeric.len() < MIN_ROWS {
        return None;
    }
    let mut edges: Vec<f32> = numeric
        .iter()
        .flat_map(|&i| rows[i].number_edges())
        .collect();
    edges.sort_by(f32::total_cmp);
    let mut columns = 0;
    let mut i = 0;
    while i < edges.len() {
        let mut j = i;
        while j + 1 < edges.len() && edges[j + 1] - edges[i] <= ALIGN {
            j += 1;
        }
        if (j + 1 - i) as f32 >= COLUMN_SUPPORT * numeric.len() as f32 {
            columns += 1;
        }
        i = j + 1;
    }
    if columns < MIN_COLUMNS {
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
    let last = numeric[numeric.len() - 1];
    let mut bbox = rows[first].bbox;
    for r in &rows[first..=last] {
        bbox = super::lines::union(bbox, r.bbox);
    }
    Some(bbox)
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
}
