//! Table structure: rows, columns and cells of a table region, from where its words sit and
//! from the ruling lines drawn around them.
//!
//! Columns come from vertical rulings when the table has them, else from the whitespace
//! gutters that run through every text row. Rows are the text rows, merged between
//! horizontal rulings when the table rules every row, and merged where a row only continues
//! the cells of the row above (wrapped text). A phrase that crosses column gutters spans
//! those columns. The result is HTML-shaped: a spanned cell appears once, with its span.

mod turned;
mod words;

use crate::document::{BBox, Cell, Table};
use crate::pdf::{Glyph, Ruling};
pub use words::{is_listed, is_number, phrases, Phrase};

/// Rulings closer than this (points) are one line.
const SNAP: f32 = 2.0;
/// Narrowest whitespace gutter between text columns, in points.
const MIN_GUTTER: f32 = 3.0;
/// How far outside the region (points) its border rulings may lie.
const MARGIN: f32 = 6.0;

/// The cells of the table drawn in `region` by `glyphs` (those inside it) and `rulings`
/// (the page's); `None` when there is no text to tabulate.
pub fn build(glyphs: &[&Glyph], rulings: &[Ruling], region: BBox) -> Option<Table> {
    if glyphs.is_empty() {
        return None;
    }
    let text_box = glyphs.iter().fold(glyphs[0].bbox, |b, g| union(b, g.bbox));
    let area = [
        region[0].min(text_box[0]) - MARGIN,
        region[1].min(text_box[1]) - MARGIN,
        region[2].max(text_box[2]) + MARGIN,
        region[3].max(text_box[3]) + MARGIN,
    ];
    let verticals = ruled_positions(rulings, area, true, text_box[3] - text_box[1]);
    let horizontals = ruled_positions(rulings, area, false, text_box[2] - text_box[0]);
    let horizontals: Vec<f32> = horizontals.iter().map(|r| r.pos).collect();
    // Glyphs turned a quarter are read along their runs, unless most of the table is turned
    // (a page set sideways, which the structure stage reads as a whole).
    let (turned, upright): (Vec<&Glyph>, Vec<&Glyph>) = glyphs.iter().partition(|g| g.is_turned());
    let phrases = if turned.len() * 2 < glyphs.len() {
        turned::merge(words::phrases(&upright, &verticals), &turned)
    } else {
        words::phrases(glyphs, &verticals)
    };
    if phrases.is_empty() {
        return None;
    }
    let text_rows = phrases.iter().map(|p| p.row).max().unwrap_or(0) + 1;
    // Rulings, plus the whitespace gutters between them (ruled groups of unruled columns).
    let mut separators: Vec<f32> = verticals.iter().map(|r| r.pos).collect();
    for (from, to) in gutters(&phrases, text_rows) {
        if !verticals
            .iter()
            .any(|r| r.pos >= from - SNAP && r.pos <= to + SNAP)
        {
            separators.push((from + to) / 2.0);
        }
    }
    separators.sort_by(f32::total_cmp);
    tracing::debug!(
        rulings = verticals.len(),
        ?separators,
        rows = text_rows,
        "table columns"
    );
    let row_of = rows(&phrases, text_rows, &horizontals, &separators);
    let mut grid = Grid::new(&phrases, &row_of, &separators);
    grid.merge_continuations(&phrases, &row_of, &horizontals);
    grid.drop_empty_columns();
    let header = grid.header_rows(&phrases, &row_of, &horizontals);
    Some(grid.into_table(header))
}

/// A ruling line's position across the table and its extent along it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub pos: f32,
    pub from: f32,
    pub to: f32,
}

/// The vertical (x positions) or horizontal (y) rulings inside `area`, snapped together,
/// whose total length covers at least half of `span`.
fn ruled_positions(rulings: &[Ruling], area: BBox, vertical: bool, span: f32) -> Vec<Rule> {
    let mut found: Vec<(Rule, f32)> = rulings
        .iter()
        .filter(|r| (r[0] == r[2]) == vertical)
        .filter(|r| r[0] >= area[0] && r[2] <= area[2] && r[1] >= area[1] && r[3] <= area[3])
        .map(|r| {
            let rule = if vertical {
                Rule {
                    pos: r[0],
                    from: r[1],
                    to: r[3],
                }
            } else {
                Rule {
                    pos: r[1],
                    from: r[0],
                    to: r[2],
                }
            };
            (rule, rule.to - rule.from)
        })
        .collect();
    found.sort_by(|a, b| a.0.pos.total_cmp(&b.0.pos));
    let mut clusters: Vec<(Rule, f32)> = Vec::new();
    for (rule, len) in found {
        match clusters.last_mut() {
            Some((c, l)) if rule.pos - c.pos <= SNAP => {
                c.from = c.from.min(rule.from);
                c.to = c.to.max(rule.to);
                *l += len;
            }
            _ => clusters.push((rule, len)),
        }
    }
    clusters
        .into_iter()
        .filter(|(_, len)| *len >= 0.5 * span)
        .map(|(rule, _)| rule)
        .collect()
}

/// Column gutters (left, right) from the whitespace through the table's full rows: rows with at
/// least the median number of phrases, so spanning group headers, titles, notes and wrapped
/// lines (rows with fewer, wider phrases) do not hide the body's columns.
fn gutters(phrases: &[Phrase], text_rows: usize) -> Vec<(f32, f32)> {
    let mut per_row = vec![0usize; text_rows];
    for p in phrases {
        per_row[p.row] += 1;
    }
    let mut counts: Vec<usize> = per_row.iter().copied().filter(|&n| n > 0).collect();
    counts.sort_unstable();
    let median = counts.get(counts.len() / 2).copied().unwrap_or(0);
    let blocking: Vec<&Phrase> = phrases
        .iter()
        .filter(|p| median < 2 || per_row[p.row] >= median)
        .collect();
    let allowed = 0;
    let (Some(left), Some(right)) = (
        blocking.iter().map(|p| p.bbox[0]).min_by(f32::total_cmp),
        blocking.iter().map(|p| p.bbox[2]).max_by(f32::total_cmp),
    ) else {
        return Vec::new();
    };
    const BIN: f32 = 0.5;
    let bins = (((right - left) / BIN).ceil() as usize).clamp(1, 20_000);
    let mut cover: Vec<Vec<usize>> = vec![Vec::new(); bins];
    for p in &blocking {
        let a = (((p.bbox[0] - left) / BIN).floor() as usize).min(bins - 1);
        let b = (((p.bbox[2] - left) / BIN).ceil() as usize).min(bins);
        for rows in &mut cover[a..b] {
            if rows.last() != Some(&p.row) {
                rows.push(p.row);
            }
        }
    }
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, rows) in cover.iter().enumerate() {
        let open = rows.len() <= allowed;
        match (open, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if (i - s) as f32 * BIN >= MIN_GUTTER {
                    out.push((left + s as f32 * BIN, left + i as f32 * BIN));
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The table row of each text row: text rows between consecutive horizontal rulings form one
/// row when the table rules (nearly) every row; otherwise each text row is a row. Text rows
/// that are each a record of figures (a label in the first column and a number) stay rows
/// even between rulings: a financial statement rules groups of records, not wrapped cells.
fn rows(
    phrases: &[Phrase],
    text_rows: usize,
    horizontals: &[f32],
    separators: &[f32],
) -> Vec<usize> {
    let mut centre = vec![(0f32, 0usize); text_rows];
    let mut labelled = vec![false; text_rows];
    let mut numbered = vec![false; text_rows];
    for p in phrases {
        centre[p.row].0 += (p.bbox[1] + p.bbox[3]) / 2.0;
        centre[p.row].1 += 1;
        labelled[p.row] |= !separators.iter().any(|&s| s < p.bbox[0] + 0.5);
        numbered[p.row] |= is_number(&p.text);
    }
    let ys: Vec<f32> = centre.iter().map(|(s, n)| s / (*n).max(1) as f32).collect();
    let inner = horizontals
        .iter()
        .filter(|&&h| ys.iter().any(|&y| y < h) && ys.iter().any(|&y| y > h))
        .count();
    if !(text_rows >= 2 && inner * 2 >= text_rows.saturating_sub(1) && inner > 0) {
        return (0..text_rows).collect();
    }
    // Bands of text rows between rulings.
    let mut band = vec![0usize; text_rows];
    for t in 1..text_rows {
        let ruled = horizontals.iter().any(|&h| h > ys[t - 1] && h < ys[t]);
        band[t] = band[t - 1] + usize::from(ruled);
    }
    let bands = band.last().map_or(0, |b| b + 1);
    let mut records = vec![true; bands];
    for t in 0..text_rows {
        records[band[t]] &= labelled[t] && numbered[t];
    }
    let mut out = Vec::with_capacity(text_rows);
    let mut row = 0;
    for t in 0..text_rows {
        if t > 0 && (band[t] != band[t - 1] || records[band[t]]) {
            row += 1;
        }
        out.push(row);
    }
    out
}

/// Cells being filled: text and box per (row, column), and spans.
struct Grid {
    columns: usize,
    cells: Vec<Vec<Option<GridCell>>>,
}

#[derive(Debug, Clone)]
struct GridCell {
    text: String,
    bbox: BBox,
    col_span: usize,
}

impl Grid {
    fn new(phrases: &[Phrase], row_of: &[usize], separators: &[f32]) -> Self {
        let columns = separators.len() + 1;
        let rows = row_of.iter().max().map_or(0, |r| r + 1);
        let mut cells: Vec<Vec<Option<GridCell>>> = vec![vec![None; columns]; rows];
        let column_at = |x: f32| separators.iter().filter(|&&s| s < x).count();
        for p in phrases {
            let row = row_of[p.row];
            let first = column_at(p.bbox[0] + 0.5);
            let last = column_at(p.bbox[2] - 0.5).max(first);
            match &mut cells[row][first] {
                Some(cell) => {
                    cell.text.push(' ');
                    cell.text.push_str(&p.text);
                    cell.bbox = union(cell.bbox, p.bbox);
                    cell.col_span = cell.col_span.max(last - first + 1);
                }
                slot => {
                    *slot = Some(GridCell {
                        text: p.text.clone(),
                        bbox: p.bbox,
                        col_span: last - first + 1,
                    })
                }
            }
        }
        // A span only stands where the cells it covers are empty.
        for row in &mut cells {
            for c in 0..columns {
                let span = row[c].as_ref().map_or(1, |cell| cell.col_span);
                let mut reach = 1;
                while reach < span && c + reach < columns && row[c + reach].is_none() {
                    reach += 1;
                }
                if let Some(cell) = &mut row[c] {
                    cell.col_span = reach;
                }
            }
        }
        Self { columns, cells }
    }

    /// Merges a row into the one above when it only continues some of its cells (wrapped
    /// text): its first cell is empty, it fills at most half as many cells, each under a
    /// filled cell, and no ruling separates the two.
    fn merge_continuations(&mut self, phrases: &[Phrase], row_of: &[usize], horizontals: &[f32]) {
        let mut bottom = vec![f32::MIN; self.cells.len()];
        let mut top = vec![f32::MAX; self.cells.len()];
        for p in phrases {
            let r = row_of[p.row];
            bottom[r] = bottom[r].max(p.bbox[3]);
            top[r] = top[r].min(p.bbox[1]);
        }
        let mut r = 1;
        while r < self.cells.len() {
            let (above, this) = (&self.cells[r - 1], &self.cells[r]);
            let filled = |row: &Vec<Option<GridCell>>| row.iter().flatten().count();
            let continues = this[0].is_none()
                && this
                    .iter()
                    .enumerate()
                    .all(|(c, cell)| cell.is_none() || above.get(c).is_some_and(Option::is_some))
                && filled(this) * 2 <= filled(above)
                && filled(this) > 0
                && !horizontals
                    .iter()
                    .any(|&h| h > bottom[r - 1] - 1.0 && h < top[r] + 1.0)
                && top[r] - bottom[r - 1] < 0.5 * (bottom[r - 1] - top[r - 1]).max(1.0);
            if !continues {
                r += 1;
                continue;
            }
            let this = self.cells.remove(r);
            bottom.remove(r);
            top.remove(r);
            for (c, cell) in this.into_iter().enumerate() {
                if let (Some(cell), Some(Some(target))) = (cell, self.cells[r - 1].get_mut(c)) {
                    target.text.push(' ');
                    target.text.push_str(&cell.text);
                    target.bbox = union(target.bbox, cell.bbox);
                }
            }
        }
    }

    /// Removes columns no cell starts in (a ruling at the table's edge makes one).
    fn drop_empty_columns(&mut self) {
        let mut c = 0;
        while c < self.columns {
            let used = self.cells.iter().any(|row| row[c].is_some());
            let spanned = self.cells.iter().any(|row| {
                row[..c]
                    .iter()
                    .enumerate()
                    .any(|(i, cell)| cell.as_ref().is_some_and(|x| i + x.col_span > c))
            });
            if used || self.columns == 1 {
                c += 1;
                continue;
            }
            for row in &mut self.cells {
                for (i, cell) in row[..c].iter_mut().enumerate() {
                    if let Some(x) = cell {
                        if spanned && i + x.col_span > c {
                            x.col_span -= 1;
                        }
                    }
                }
                row.remove(c);
            }
            self.columns -= 1;
        }
    }

    /// How many leading rows are headers: a first row that heads the second (above a ruling
    /// under it, bold over a non-bold body, or words over numbers), and above it a group row
    /// (`As of December 31,` spanning the year columns) when the first row is one.
    fn header_rows(&self, phrases: &[Phrase], row_of: &[usize], horizontals: &[f32]) -> usize {
        let group = self.cells.len() >= 3 && self.is_group_row(0);
        let first = usize::from(group);
        usize::from(self.heads(first, phrases, row_of, horizontals)) + first
    }

    /// A row of spanning labels over the columns, its first column empty.
    fn is_group_row(&self, r: usize) -> bool {
        let row = &self.cells[r];
        let filled = |row: &Vec<Option<GridCell>>| row.iter().flatten().count();
        row[0].is_none()
            && row.iter().flatten().any(|c| c.col_span > 1)
            && row.iter().flatten().all(|c| !is_number(&c.text))
            && self
                .cells
                .get(r + 1)
                .is_some_and(|next| filled(next) > filled(row))
    }

    /// Whether row `r` heads row `r + 1`.
    fn heads(&self, r: usize, phrases: &[Phrase], row_of: &[usize], horizontals: &[f32]) -> bool {
        if self.cells.len() < r + 2 {
            return false;
        }
        let (mut bottom0, mut top1) = (f32::MIN, f32::MAX);
        let mut bold = [(0f32, 0usize); 2];
        for p in phrases {
            let k = row_of[p.row];
            if k == r {
                bottom0 = bottom0.max(p.bbox[3]);
                bold[0].0 += p.bold;
                bold[0].1 += 1;
            } else if k == r + 1 {
                top1 = top1.min(p.bbox[1]);
                bold[1].0 += p.bold;
                bold[1].1 += 1;
            }
        }
        let ruled = horizontals
            .iter()
            .any(|&h| h >= bottom0 - 1.0 && h <= top1 + 1.0);
        let mean = |(s, n): (f32, usize)| s / n.max(1) as f32;
        let bold_head = mean(bold[0]) >= 0.6 && mean(bold[1]) < 0.3;
        let numeric = |row: &Vec<Option<GridCell>>| {
            row.iter().flatten().filter(|c| is_number(&c.text)).count()
        };
        let words_over_numbers = numeric(&self.cells[r]) == 0 && numeric(&self.cells[r + 1]) > 0;
        ruled || bold_head || words_over_numbers
    }

    fn into_table(self, header: usize) -> Table {
        let columns = self.columns;
        let rows = self
            .cells
            .into_iter()
            .enumerate()
            .map(|(r, row)| {
                let mut out = Vec::with_capacity(columns);
                let mut c = 0;
                let mut slots = row.into_iter();
                while c < columns {
                    let cell = slots.next().flatten();
                    let span = cell.as_ref().map_or(1, |x| x.col_span.max(1));
                    let (text, bbox) = cell.map_or((String::new(), [0.0; 4]), |x| (x.text, x.bbox));
                    out.push(Cell {
                        text,
                        bbox: bbox.map(|v| (v * 100.0).round() / 100.0),
                        row_span: 1,
                        col_span: span as u32,
                        header: r < header,
                    });
                    for _ in 1..span {
                        slots.next();
                    }
                    c += span;
                }
                out
            })
            .collect();
        Table { rows }
    }
}

fn union(a: BBox, b: BBox) -> BBox {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

/// The table as a Markdown pipe table (spanned cells repeat as empty cells); the header row
/// is the first row, or an empty one when the table has none.
pub fn to_markdown(table: &Table) -> String {
    let width = table
        .rows
        .iter()
        .map(|r| r.iter().map(|c| c.col_span.max(1) as usize).sum::<usize>())
        .max()
        .unwrap_or(0);
    if width == 0 {
        return String::new();
    }
    let line = |row: &[Cell]| {
        let mut cells: Vec<String> = Vec::with_capacity(width);
        for c in row {
            cells.push(c.text.replace('|', "\\|").replace('\n', " "));
            for _ in 1..c.col_span.max(1) {
                cells.push(String::new());
            }
        }
        cells.resize(width, String::new());
        format!("| {} |", cells.join(" | "))
    };
    let has_header = table
        .rows
        .first()
        .is_some_and(|r| r.iter().any(|c| c.header));
    let mut out = Vec::with_capacity(table.rows.len() + 2);
    let body = if has_header {
        out.push(line(&table.rows[0]));
        &table.rows[1..]
    } else {
        out.push(format!("|{}", " |".repeat(width)));
        &table.rows[..]
    };
    out.push(format!("|{}", " --- |".repeat(width)));
    out.extend(body.iter().map(|r| line(r)));
    out.join("\n")
}

/// One row as plain text: its cells separated by tabs, as whitespace separates them on the
/// page (empty cells kept, so columns stay aligned; trailing ones dropped), each cell on one
/// line.
pub fn row_text(row: &[Cell]) -> String {
    let cells: Vec<String> = row
        .iter()
        .map(|c| c.text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let used = cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    cells[..used].join("\t")
}

/// The table as plain text for search and `--format text`: a row per line ([`row_text`]).
/// Markdown's pipes belong to [`to_markdown`]: in plain text they would be characters the
/// page does not print, and tokens that cost an embedder's budget.
pub fn to_text(table: &Table) -> String {
    table
        .rows
        .iter()
        .map(|r| row_text(r))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::GlyphStyle;

    fn glyphs(rows: &[(&str, f32, f32)]) -> Vec<Glyph> {
        // (text, x, y): 5 pt wide glyphs of size 10.
        let mut out = Vec::new();
        for &(text, x, y) in rows {
            for (i, c) in text.chars().enumerate() {
                if c == ' ' {
                    continue;
                }
                let x0 = x + 5.0 * i as f32;
                out.push(Glyph {
                    c,
                    bbox: [x0, y, x0 + 4.5, y + 8.0],
                    size: 10.0,
                    style: GlyphStyle::default(),
                    font: 0,
                    space_before: i > 0 && text.as_bytes()[i - 1] == b' ',
                    estimated: false,
                    turn: 0,
                });
            }
        }
        out
    }

    #[test]
    fn columns_from_gutters_and_a_header() {
        let g = glyphs(&[
            ("Name", 0.0, 0.0),
            ("Count", 100.0, 0.0),
            ("Mazda RX4", 0.0, 12.0),
            ("21.0", 100.0, 12.0),
            ("Datsun 710", 0.0, 24.0),
            ("22.8", 100.0, 24.0),
        ]);
        let refs: Vec<&Glyph> = g.iter().collect();
        let table = build(&refs, &[], [0.0, 0.0, 130.0, 32.0]).expect("a table");
        let texts: Vec<Vec<&str>> = table
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            vec![
                vec!["Name", "Count"],
                vec!["Mazda RX4", "21.0"],
                vec!["Datsun 710", "22.8"]
            ]
        );
        assert!(table.rows[0][0].header && !table.rows[1][0].header);
        let md = to_markdown(&table);
        assert!(md.starts_with("| Name | Count |\n| --- | --- |\n| Mazda RX4 | 21.0 |"));
        assert_eq!(
            to_text(&table),
            "Name\tCount\nMazda RX4\t21.0\nDatsun 710\t22.8"
        );
    }

    #[test]
    fn plain_text_rows_keep_inner_empty_cells_and_put_a_cell_on_one_line() {
        let cell = |text: &str| Cell {
            text: text.into(),
            bbox: [0.0; 4],
            row_span: 1,
            col_span: 1,
            header: false,
        };
        let table = Table {
            rows: vec![
                vec![cell("Total"), cell(""), cell("12\n500"), cell("")],
                vec![cell(""), cell("")],
                vec![cell("a  b"), cell("c")],
            ],
        };
        assert_eq!(row_text(&table.rows[0]), "Total\t\t12 500");
        assert_eq!(to_text(&table), "Total\t\t12 500\na b\tc");
    }

    #[test]
    fn a_wide_label_spans_columns_and_wrapped_text_joins_its_row() {
        let g = glyphs(&[
            ("Totals for the year", 0.0, 0.0),
            ("a", 0.0, 12.0),
            ("1", 60.0, 12.0),
            ("2", 140.0, 12.0),
            ("b", 0.0, 24.0),
            ("3", 60.0, 24.0),
            ("long", 140.0, 24.0),
            ("text", 140.0, 32.5),
        ]);
        let refs: Vec<&Glyph> = g.iter().collect();
        let table = build(&refs, &[], [0.0, 0.0, 170.0, 45.0]).expect("a table");
        assert_eq!(table.rows.len(), 3, "{table:?}");
        assert_eq!(table.rows[0][0].text, "Totals for the year");
        assert_eq!(table.rows[0][0].col_span, 2);
        assert_eq!(table.rows[2][2].text, "long text");
    }

    #[test]
    fn records_of_figures_between_group_rulings_stay_rows_and_a_group_header_heads() {
        // A statement: a group header, the years, then groups of records ruled apart.
        let g = glyphs(&[
            ("Year Ended", 60.0, 0.0),
            ("2023", 60.0, 12.0),
            ("2022", 120.0, 12.0),
            ("Revenue", 0.0, 26.0),
            ("1,284", 60.0, 26.0),
            ("1,102", 120.0, 26.0),
            ("Cost", 0.0, 38.0),
            ("(612)", 60.0, 38.0),
            ("(538)", 120.0, 38.0),
            ("Gross", 0.0, 52.0),
            ("672", 60.0, 52.0),
            ("563", 120.0, 52.0),
            ("Margin", 0.0, 64.0),
            ("52.4%", 60.0, 64.0),
            ("51.1%", 120.0, 64.0),
        ]);
        let refs: Vec<&Glyph> = g.iter().collect();
        // Rules under the group header (its columns only), under the years and between groups.
        let rulings = vec![
            [55.0, 10.0, 150.0, 10.0],
            [0.0, 23.0, 150.0, 23.0],
            [0.0, 49.0, 150.0, 49.0],
        ];
        let table = build(&refs, &rulings, [0.0, 0.0, 150.0, 74.0]).expect("a table");
        let texts: Vec<Vec<&str>> = table
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(texts.len(), 6, "{texts:?}");
        assert_eq!(texts[3], vec!["Cost", "(612)", "(538)"]);
        assert_eq!(table.rows[0][1].text, "Year Ended");
        assert_eq!(table.rows[0][1].col_span, 2);
        assert!(table.rows[1][1].header && !table.rows[2][1].header);
    }
}
