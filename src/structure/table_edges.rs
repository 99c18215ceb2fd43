//! A table's box grown over the rows its detector left out: group headers just above it, over
//! the data columns rather than the first (`As of December 31,` over `2023  2022`, `Year Ended
//! December 31` over three years), which the layout model often calls a caption; and rows of
//! totals under it (`Subtotal`, `VAT 19%`, `Total due`) set apart by a short rule.

use super::captions::named_kind;
use super::lines::{build_lines, union, v_overlap};
use super::Line;
use crate::document::BBox;
use crate::pdf::Glyph;

/// Most group-header lines taken above one table (`Three Months Ended` / `September 30,`).
const MAX_LINES: usize = 2;
/// Most words a group header has.
const MAX_WORDS: usize = 8;

/// `table` grown upwards over the group headers among the page's `glyphs`.
pub fn group_headers(table: BBox, glyphs: &[Glyph]) -> BBox {
    let width = (table[2] - table[0]).max(1.0);
    let centre_x = |b: BBox| (b[0] + b[2]) / 2.0;
    let centre_y = |b: BBox| (b[1] + b[3]) / 2.0;
    let body_size = median_size(glyphs.iter().filter(|g| {
        let (x, y) = (centre_x(g.bbox), centre_y(g.bbox));
        x >= table[0] && x <= table[2] && y >= table[1] && y <= table[3]
    }));
    let Some(body_size) = body_size else {
        return table;
    };
    let mut out = table;
    for _ in 0..MAX_LINES {
        let band: Vec<Glyph> = glyphs
            .iter()
            .filter(|g| {
                let (x, y) = (centre_x(g.bbox), centre_y(g.bbox));
                x >= table[0] && x <= table[2] && y < out[1] && y > out[1] - 3.0 * body_size
            })
            .cloned()
            .collect();
        let lines = build_lines(&band);
        let Some(line) = lines.iter().max_by(|a, b| a.bbox[3].total_cmp(&b.bbox[3])) else {
            break;
        };
        let height = (line.bbox[3] - line.bbox[1]).max(1.0);
        let row_alone = lines
            .iter()
            .all(|o| std::ptr::eq(o, line) || o.bbox[3] < line.bbox[1] + 0.5 * height);
        let is_group_header = row_alone
            && out[1] - line.bbox[3] <= height
            && line.bbox[0] >= table[0] + 0.3 * width
            && centre_x(line.bbox) > centre_x(table) + 0.05 * width
            && line.bbox[2] <= table[2] + height
            && line.size <= 1.2 * body_size
            && line.text.split_whitespace().count() <= MAX_WORDS
            && named_kind(&line.text).is_none();
        if !is_group_header {
            break;
        }
        out[1] = line.bbox[1] - 0.5;
    }
    out
}

/// Most rows of totals taken under a table's last rule.
const MAX_TOTALS: usize = 6;

/// `bbox` grown down over the rows of totals set under the last rule (`Subtotal`, `VAT 19%`,
/// `Total due`): rows inside the table's width, each ending in a number flush with the table's
/// right-most column, one under the other, with nothing beside them outside the table.
pub fn totals(bbox: BBox, glyphs: &[Glyph]) -> BBox {
    let centre_y = |b: BBox| (b[1] + b[3]) / 2.0;
    let inside: Vec<&Glyph> = glyphs
        .iter()
        .filter(|g| {
            let (x, y) = ((g.bbox[0] + g.bbox[2]) / 2.0, centre_y(g.bbox));
            x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3]
        })
        .collect();
    let Some(edge) = inside.iter().map(|g| g.bbox[2]).max_by(f32::total_cmp) else {
        return bbox;
    };
    let size = inside.iter().map(|g| g.size).fold(0.0, f32::max).max(1.0);
    let below: Vec<Glyph> = glyphs
        .iter()
        .filter(|g| {
            centre_y(g.bbox) > bbox[3]
                && centre_y(g.bbox) < bbox[3] + 2.5 * size * MAX_TOTALS as f32
        })
        .cloned()
        .collect();
    let mut rows: Vec<(BBox, Vec<Line>)> = Vec::new();
    let mut lines = build_lines(&below);
    lines.sort_by(|a, b| a.bbox[1].total_cmp(&b.bbox[1]));
    for line in lines {
        match rows.last_mut() {
            Some((row, members)) if v_overlap(*row, line.bbox) >= 0.5 => {
                *row = union(*row, line.bbox);
                members.push(line);
            }
            _ => rows.push((line.bbox, vec![line])),
        }
    }
    let mut out = bbox;
    for (row, mut members) in rows.into_iter().take(MAX_TOTALS) {
        members.sort_by(|a, b| a.bbox[0].total_cmp(&b.bbox[0]));
        let height = (row[3] - row[1]).max(1.0);
        let last_word = members
            .last()
            .and_then(|l| l.text.split_whitespace().last().map(str::to_string));
        let words: usize = members
            .iter()
            .map(|l| l.text.split_whitespace().count())
            .sum();
        let total = row[1] - out[3] <= 1.2 * height
            && row[0] >= bbox[0] - 1.0
            && row[2] <= bbox[2] + 1.0
            && (row[2] - edge).abs() <= 3.0
            && words <= 8
            && last_word.is_some_and(|w| crate::table::is_number(&w));
        if !total {
            break;
        }
        out[3] = row[3] + 0.5;
    }
    out
}

/// `table` grown upwards over column headers set sideways just above it (each a vertical run
/// of turned glyphs whose foot is within an em and a half of the table's top).
pub fn turned_headers(table: BBox, glyphs: &[Glyph]) -> BBox {
    let mut runs: Vec<BBox> = Vec::new();
    let mut turned: Vec<&Glyph> = glyphs
        .iter()
        .filter(|g| {
            let x = (g.bbox[0] + g.bbox[2]) / 2.0;
            g.is_turned() && x >= table[0] && x <= table[2] && g.bbox[1] < table[1]
        })
        .collect();
    // From the bottom up, so each run grows from its foot.
    turned.sort_by(|a, b| b.bbox[3].total_cmp(&a.bbox[3]));
    for g in turned {
        let em = g.size.max(1.0);
        let run = runs.iter_mut().find(|r| {
            let overlap = g.bbox[2].min(r[2]) - g.bbox[0].max(r[0]);
            overlap >= 0.5 * (g.bbox[2] - g.bbox[0]).min(r[2] - r[0]) && r[1] - g.bbox[3] <= em
        });
        match run {
            Some(r) => *r = union(*r, g.bbox),
            None if table[1] - g.bbox[3] <= 1.5 * em => runs.push(g.bbox),
            None => {}
        }
    }
    match runs.iter().map(|r| r[1]).min_by(f32::total_cmp) {
        Some(top) if top < table[1] => [table[0], top - 0.5, table[2], table[3]],
        _ => table,
    }
}

fn median_size<'a>(glyphs: impl Iterator<Item = &'a Glyph>) -> Option<f32> {
    let mut sizes: Vec<f32> = glyphs.map(|g| g.size).collect();
    sizes.sort_by(f32::total_cmp);
    sizes.get(sizes.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_over_the_data_columns_joins_the_table_and_a_caption_does_not() {
        // Table box from y 100: labels at x 50, numbers at x 250 and 320.
        let mut glyphs = Glyph::line("Table 5: Balance sheets", 50.0, 70.0);
        glyphs.extend(Glyph::line("As of December 31,", 250.0, 86.0));
        glyphs.extend(Glyph::line("(in millions)", 50.0, 101.0));
        glyphs.extend(Glyph::line("2023", 250.0, 101.0));
        glyphs.extend(Glyph::line("2022", 320.0, 101.0));
        glyphs.extend(Glyph::line("Cash", 50.0, 115.0));
        glyphs.extend(Glyph::line("2,418", 250.0, 115.0));
        glyphs.extend(Glyph::line("1,967", 320.0, 115.0));
        let table = [48.0, 100.0, 345.0, 126.0];
        let grown = group_headers(table, &glyphs);
        assert!(grown[1] < 86.0 && grown[1] > 80.0, "{grown:?}");

        // A caption or a paragraph line starting at the table's left edge stays out.
        let mut glyphs = Glyph::line("Balance sheets of the group", 50.0, 86.0);
        glyphs.extend(Glyph::line("2023", 250.0, 101.0));
        glyphs.extend(Glyph::line("Cash", 50.0, 115.0));
        glyphs.extend(Glyph::line("2,418", 250.0, 115.0));
        assert_eq!(group_headers(table, &glyphs), table);

        // So does a caption without a label, centred over the table.
        let mut glyphs = Glyph::line("Balance sheets", 162.0, 86.0);
        glyphs.extend(Glyph::line("2023", 250.0, 101.0));
        glyphs.extend(Glyph::line("Cash", 50.0, 115.0));
        glyphs.extend(Glyph::line("2,418", 250.0, 115.0));
        assert_eq!(group_headers(table, &glyphs), table);
    }

    #[test]
    fn rows_of_totals_under_a_table_belong_to_it() {
        // Labels at x 50, amounts flush right at x 322.5; the table box ends at y 126.
        let mut glyphs = Glyph::line("Cash", 50.0, 101.0);
        glyphs.extend(Glyph::line("2,418", 300.0, 101.0));
        glyphs.extend(Glyph::line("Goodwill", 50.0, 115.0));
        glyphs.extend(Glyph::line("1,448", 300.0, 115.0));
        glyphs.extend(Glyph::line("Subtotal", 200.0, 130.0));
        glyphs.extend(Glyph::line("3,866", 300.0, 130.0));
        glyphs.extend(Glyph::line("Total due (EUR)", 170.0, 144.0));
        glyphs.extend(Glyph::line("4,600", 300.0, 144.0));
        // The paragraph after it stays out.
        glyphs.extend(Glyph::line(
            "The amounts are due within thirty days of the invoice date 2024",
            50.0,
            170.0,
        ));
        let table = [48.0, 100.0, 325.0, 126.0];
        let grown = totals(table, &glyphs);
        assert!(grown[3] > 154.0 && grown[3] < 160.0, "{grown:?}");
    }

    #[test]
    fn column_headers_set_sideways_above_a_table_belong_to_it() {
        let table = [48.0, 100.0, 345.0, 140.0];
        let mut glyphs = Glyph::line("2,418", 250.0, 115.0);
        // `Precision` turned to read upwards, its foot 2 pt above the table.
        glyphs.extend("Precision".chars().enumerate().map(|(i, c)| {
            let y1 = 98.0 - 6.0 * i as f32;
            let mut g = Glyph::sample(c, [250.0, y1 - 6.0, 260.0, y1], 10.0, false);
            g.turn = 1;
            g
        }));
        let grown = turned_headers(table, &glyphs);
        assert!(grown[1] < 45.0 && grown[1] > 40.0, "{grown:?}");
        // Upright text above stays out.
        assert_eq!(
            turned_headers(table, &Glyph::line("Precision", 250.0, 88.0)),
            table
        );
    }
}
