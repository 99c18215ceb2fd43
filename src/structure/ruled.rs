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
/// Confidence given to a table found this way.
const SCORE: f32 = 0.6;

/// Table regions drawn by rules that no atomic region in `regions` already covers.
pub fn tables(
    rulings: &[Ruling],
    glyphs: &[Glyph],
    regions: &[Region],
    height: f32,
) -> Vec<Region> {
    let mut rules: Vec<BBox> = rulings
        .iter()
        .filter(|r| (r[3] - r[1]).abs() < 1.0 && r[2] - r[0] >= MIN_RULE)
        .copied()
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
        let covered = regions
            .iter()
            .chain(&out)
            .any(|r| r.kind.is_atomic() && overlap_of_smaller(r.bbox, bbox) >= 0.5);
        if covered || !tabular(glyphs, rulings, bbox) {
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

/// Text between the rules reads as a table: at least two rows and two columns, and no row
/// of running prose.
fn tabular(glyphs: &[Glyph], rulings: &[Ruling], bbox: BBox) -> bool {
    let inside: Vec<&Glyph> = glyphs
        .iter()
        .filter(|g| {
            let (x, y) = ((g.bbox[0] + g.bbox[2]) / 2.0, (g.bbox[1] + g.bbox[3]) / 2.0);
            x >= bbox[0] - 1.0 && x <= bbox[2] + 1.0 && y >= bbox[1] && y <= bbox[3]
        })
        .collect();
    if inside.len() < 4 {
        return false;
    }
    let Some(table) = crate::table::build(&inside, rulings, bbox) else {
        return false;
    };
    let cols = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    let prose = table
        .rows
        .iter()
        .flatten()
        .any(|c| c.text.split_whitespace().count() >= PROSE_WORDS);
    table.rows.len() >= 2 && cols >= 2 && !prose
}
