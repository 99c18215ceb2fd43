//! Tables found from their rules alone, where the layout model did not run (the `fast`
//! pipeline) or saw text or a figure: three or more horizontal rules of one span stacked
//! (booktabs, financial statements), with columns of text between them.

use super::regions::overlap_of_smaller;
use crate::document::BBox;
use crate::layout::{Region, RegionKind};
use crate::pdf::{Glyph, Ruling};

/// Shortest rule that can bound a table, in points.
const MIN_RULE: f32 = 60.0;
/// How far the ends of two rules of one table may differ, in points.
const SPAN_SLACK: f32 = 4.0;
/// Rules a table needs.
const MIN_RULES: usize = 3;
/// Largest gap between consecutive rules of one table, as a share of the page height.
const MAX_RULE_GAP: f32 = 0.35;
/// Words in a row that make it prose rather than a table row.
const PROSE_WORDS: usize = 14;
/// How close to a table's edge (points) text between two of its rules may come from outside:
/// nearer, or across the edge, it is a line wider than the table (the next table's caption),
/// and the rules below belong to another table. Text a column gutter away is not.
const EDGE_CROSSING: f32 = 3.0;
/// Confidence given to a table found this way.
const SCORE: f32 = 0.6;

/// Table regions drawn by rules that no atomic region in `regions` already covers.
pub fn tables(
    rulings: &[Ruling],
    glyphs: &[Glyph],
    regions: &[Region],
    height: f32,
) -> Vec<Region> {
    let mut rules: Vec<BBox> = joined_horizontals(rulings)
        .into_iter()
        .filter(|r| r[2] - r[0] >= MIN_RULE)
        .collect();
    rules.sort_by(|a, b| a[1].total_cmp(&b[1]));
    let mut out: Vec<Region> = Vec::new();
    let mut used = vec![false; rules.len()];
    for i in 0..rules.len() {
        if used[i] {
            continue;
        }
        let mut group = vec![i];
        for j in i + 1..rules.len() {
            let last = rules[*group.last().unwrap_or(&i)];
            let same_span = (rules[j][0] - rules[i][0]).abs() <= SPAN_SLACK
                && (rules[j][2] - rules[i][2]).abs() <= SPAN_SLACK;
            if same_span && crosses_edge(glyphs, rules[i], last[1], rules[j][1]) {
                break;
            }
            if same_span && !used[j] && rules[j][1] - last[1] <= MAX_RULE_GAP * height {
                // Double rules (a few points apart) count once.
                if rules[j][1] - last[1] > 2.5 {
                    group.push(j);
                }
                used[j] = true;
            }
        }
        if group.len() < MIN_RULES {
            continue;
        }
        let (first, last) = (rules[group[0]], rules[group[group.len() - 1]]);
        let bbox = [first[0], first[1], first[2], last[1]];
        let covering: Vec<RegionKind> = regions
            .iter()
            .chain(&out)
            .filter(|r| r.kind.is_atomic() && overlap_of_smaller(r.bbox, bbox) >= 0.5)
            .map(|r| r.kind)
            .collect();
        // A figure gives way to a grid with a header row across it (a form the model took
        // for a picture); a table or equation covering the rules stands.
        let grid = if covering.iter().any(|k| *k != RegionKind::Figure) {
            None
        } else if covering.is_empty() {
            tabular(glyphs, rulings, bbox)
        } else {
            tabular(glyphs, rulings, bbox).filter(heads_a_grid)
        };
        if grid.is_none() {
            continue;
        }
        out.push(Region {
            kind: RegionKind::Table,
            bbox,
            score: SCORE,
        });
    }
    out
}

/// Whether text between heights `top` and `bottom` crosses the left or right end of `rule`
/// (or comes within [`EDGE_CROSSING`] of it from outside).
fn crosses_edge(glyphs: &[Glyph], rule: BBox, top: f32, bottom: f32) -> bool {
    glyphs.iter().any(|g| {
        let cy = (g.bbox[1] + g.bbox[3]) / 2.0;
        let near = |edge: f32| g.bbox[0] < edge + EDGE_CROSSING && g.bbox[2] > edge - EDGE_CROSSING;
        let outside_left = g.bbox[0] < rule[0] && near(rule[0]);
        let outside_right = g.bbox[2] > rule[2] && near(rule[2]);
        cy > top && cy < bottom && (outside_left || outside_right)
    })
}

/// The page's horizontal rulings with collinear pieces that touch joined into one (a row of
/// shaded cells drawn one rectangle per cell is one rule at its top and one at its bottom).
fn joined_horizontals(rulings: &[Ruling]) -> Vec<BBox> {
    let mut pieces: Vec<BBox> = rulings
        .iter()
        .filter(|r| (r[3] - r[1]).abs() < 1.0)
        .copied()
        .collect();
    pieces.sort_by(|a, b| a[1].total_cmp(&b[1]).then(a[0].total_cmp(&b[0])));
    let mut out: Vec<BBox> = Vec::with_capacity(pieces.len());
    for p in pieces {
        let joined = out
            .iter_mut()
            .rev()
            .take_while(|r| p[1] - r[1] <= 0.5)
            .find(|r| p[0] <= r[2] + 1.0 && p[2] >= r[0] - 1.0);
        match joined {
            Some(r) => {
                r[0] = r[0].min(p[0]);
                r[2] = r[2].max(p[2]);
            }
            None => out.push(p),
        }
    }
    out
}

/// A grid of at least three rows and three columns whose first row fills every column.
fn heads_a_grid(table: &crate::document::Table) -> bool {
    let columns: usize = table
        .rows
        .first()
        .map_or(0, |r| r.iter().map(|c| c.col_span as usize).sum());
    table.rows.len() >= 3
        && columns >= 3
        && table
            .rows
            .first()
            .is_some_and(|r| r.iter().all(|c| !c.text.is_empty() && c.col_span == 1))
}

/// Text between the rules reads as a table: at least two rows and two columns, and no row
/// of running prose.
fn tabular(glyphs: &[Glyph], rulings: &[Ruling], bbox: BBox) -> Option<crate::document::Table> {
    let inside: Vec<&Glyph> = glyphs
        .iter()
        .filter(|g| {
            let (x, y) = ((g.bbox[0] + g.bbox[2]) / 2.0, (g.bbox[1] + g.bbox[3]) / 2.0);
            x >= bbox[0] - 1.0 && x <= bbox[2] + 1.0 && y >= bbox[1] && y <= bbox[3]
        })
        .collect();
    if inside.len() < 4 {
        return None;
    }
    let table = crate::table::build(&inside, rulings, bbox)?;
    let cols = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    let prose = table
        .rows
        .iter()
        .flatten()
        .any(|c| c.text.split_whitespace().count() >= PROSE_WORDS);
    (table.rows.len() >= 2 && cols >= 2 && !prose).then_some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word of `n` glyphs of 5 pt from x on the line at y.
    fn word(x: f32, y: f32, n: usize) -> Vec<Glyph> {
        (0..n)
            .map(|i| {
                let x0 = x + 5.0 * i as f32;
                Glyph::sample('a', [x0, y - 8.0, x0 + 5.0, y], 10.0, false)
            })
            .collect()
    }

    /// A 3 × 2 table between rules at `top`, `top + 14` and `top + 60`, columns at x 120 and 300.
    fn table(top: f32) -> (Vec<Ruling>, Vec<Glyph>) {
        let rules = vec![
            [100.0, top, 400.0, top],
            [100.0, top + 14.0, 400.0, top + 14.0],
            [100.0, top + 60.0, 400.0, top + 60.0],
        ];
        let mut glyphs = Vec::new();
        for y in [top + 11.0, top + 28.0, top + 42.0, top + 56.0] {
            glyphs.extend(word(120.0, y, 4));
            glyphs.extend(word(300.0, y, 3));
        }
        (rules, glyphs)
    }

    #[test]
    fn two_tables_of_one_width_under_a_wide_caption_stay_two() {
        let (mut rules, mut glyphs) = table(100.0);
        let (second_rules, second_glyphs) = table(200.0);
        rules.extend(second_rules);
        glyphs.extend(second_glyphs);
        // The second table's caption, wider than the tables, between them.
        glyphs.extend(word(80.0, 185.0, 70));
        let found = tables(&rules, &glyphs, &[], 792.0);
        let boxes: Vec<BBox> = found.iter().map(|r| r.bbox).collect();
        assert_eq!(
            boxes,
            vec![[100.0, 100.0, 400.0, 160.0], [100.0, 200.0, 400.0, 260.0]]
        );
    }

    #[test]
    fn a_form_of_shaded_cells_under_a_figure_box_is_a_table() {
        // Header row between rules at 100 and 114; rows of three cells, every other row
        // shaded with one rectangle per cell (rulings at each cell's top and bottom).
        let mut rules: Vec<Ruling> =
            vec![[100.0, 100.0, 400.0, 100.0], [100.0, 114.0, 400.0, 114.0]];
        let mut glyphs = Vec::new();
        for (x, n) in [(110.0, 3), (200.0, 6), (300.0, 5)] {
            glyphs.extend(word(x, 111.0, n));
        }
        for r in 0..8 {
            let top = 114.0 + 14.0 * r as f32;
            glyphs.extend(word(110.0, top + 11.0, 1));
            if r % 2 == 0 {
                for (x0, x1) in [(100.0, 180.0), (180.0, 280.0), (280.0, 400.0)] {
                    rules.push([x0, top, x1, top]);
                    rules.push([x0, top + 14.0, x1, top + 14.0]);
                }
            }
        }
        rules.push([100.0, 226.0, 400.0, 226.0]);
        let figure = Region {
            kind: RegionKind::Figure,
            bbox: [90.0, 90.0, 410.0, 240.0],
            score: 0.8,
        };
        let found = tables(&rules, &glyphs, &[figure], 792.0);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].bbox[3] >= 226.0, "{:?}", found[0].bbox);

        // Without a header row across the grid (a chart's gridlines with axis labels) the
        // figure stands.
        let labels: Vec<Glyph> = glyphs
            .iter()
            .filter(|g| g.bbox[1] > 105.0)
            .cloned()
            .chain((0..8).flat_map(|r| word(300.0, 125.0 + 14.0 * r as f32, 2)))
            .collect();
        assert!(tables(&rules, &labels, &[figure], 792.0).is_empty());
    }

    #[test]
    fn text_a_gutter_away_does_not_split_a_table() {
        let (rules, mut glyphs) = table(100.0);
        // The other column of a two-column page, 20 pt right of the table.
        for y in [111.0, 128.0, 142.0, 156.0] {
            glyphs.extend(word(420.0, y, 20));
        }
        let found = tables(&rules, &glyphs, &[], 792.0);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].bbox, [100.0, 100.0, 400.0, 160.0]);
    }
}
