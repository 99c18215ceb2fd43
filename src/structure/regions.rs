//! Layout regions meet text: glyphs inside a table, figure or equation become one block each
//! (a table with its cells), every other line learns which region it lies in, and the atomic
//! blocks are slotted into the page's reading order.

use super::lines::{build_lines, h_overlap};
use super::{order, table_edges, Line, ProtoBlock};
use crate::document::BBox;
use crate::layout::{Region, RegionKind};
use crate::pdf::{Glyph, Ruling};

/// Share of the smaller of two atomic regions that must overlap for them to be one.
const SAME_REGION: f32 = 0.6;
/// A figure with at least this many glyphs, half the page's, is taken for text.
const FIGURE_MAX_GLYPHS: usize = 150;
/// Share of a line's area a region must cover to hold it.
const LINE_INSIDE: f32 = 0.5;

/// Takes the glyphs of the page's tables, figures and equations out of `glyphs` and returns
/// one block per such region, plus the remaining glyphs.
pub fn split_atomic(
    glyphs: Vec<Glyph>,
    regions: &[Region],
    rulings: &[Ruling],
    page: u32,
) -> (Vec<ProtoBlock>, Vec<Glyph>) {
    let mut atomic: Vec<&Region> = Vec::new();
    let mut by_score: Vec<&Region> = regions.iter().filter(|r| r.kind.is_atomic()).collect();
    by_score.sort_by(|a, b| b.score.total_cmp(&a.score));
    for r in by_score {
        if !atomic
            .iter()
            .any(|k| overlap_of_smaller(k.bbox, r.bbox) >= SAME_REGION)
        {
            atomic.push(r);
        }
    }
    if atomic.is_empty() {
        return (Vec::new(), glyphs);
    }
    // Tables grow over column headers set sideways above them, their group headers (which
    // the model may have called a caption) and their rows of totals.
    let atomic: Vec<(Region, f32)> = atomic
        .into_iter()
        .map(|r| {
            let mut grown = *r;
            if r.kind == RegionKind::Table {
                grown.bbox = table_edges::turned_headers(r.bbox, &glyphs);
                grown.bbox = table_edges::group_headers(grown.bbox, &glyphs);
                grown.bbox = table_edges::totals(grown.bbox, &glyphs);
            }
            (grown, r.bbox[1])
        })
        .collect();
    let captions: Vec<&Region> = regions.iter().filter(|r| r.kind.is_caption()).collect();
    let mut buckets: Vec<Vec<Glyph>> = vec![Vec::new(); atomic.len()];
    let mut rest = Vec::with_capacity(glyphs.len());
    for g in glyphs {
        let c = centre(g.bbox);
        let in_caption = captions.iter().any(|r| contains(r.bbox, c, 0.0));
        match atomic.iter().position(|(r, _)| contains(r.bbox, c, 1.0)) {
            Some(i) if !in_caption || c.1 < atomic[i].1 => buckets[i].push(g),
            _ => rest.push(g),
        }
    }
    let total = rest.len() + buckets.iter().map(Vec::len).sum::<usize>();
    let mut blocks = Vec::with_capacity(atomic.len());
    for ((region, _), mut glyphs) in atomic.into_iter().zip(buckets) {
        // A "figure" holding most of a text page is the model misreading an odd page.
        if region.kind == RegionKind::Figure
            && glyphs.len() >= FIGURE_MAX_GLYPHS
            && glyphs.len() * 2 >= total
        {
            rest.extend(glyphs);
            continue;
        }
        if region.kind == RegionKind::Figure {
            // Prose the figure's box swallowed is text of the page, not a chart label.
            let (labels, prose) = split_prose(glyphs);
            rest.extend(prose);
            glyphs = labels;
            if glyphs.is_empty() {
                continue;
            }
        }
        let block = atomic_block(&region, &glyphs, rulings, page);
        // A "table" holding nearly all of a page in cells of phrases is the model boxing a
        // dense page (a reference card in three columns): its text is read as text.
        if region.kind == RegionKind::Table
            && glyphs.len() >= 2 * FIGURE_MAX_GLYPHS
            && glyphs.len() * 5 >= total * 4
            && block.table.as_ref().is_some_and(is_wordy)
        {
            rest.extend(glyphs);
            continue;
        }
        blocks.push(block);
    }
    (blocks, rest)
}

/// Mean words per filled cell at which a column's cells read as phrases, not data.
const WORDY_CELL: f32 = 4.0;

/// Three or more columns, each of phrases: the page's own text columns, not a table (a key
/// column beside descriptions, or columns of figures, are data).
fn is_wordy(table: &crate::document::Table) -> bool {
    let mut columns: Vec<(usize, usize)> = Vec::new(); // (filled cells, words)
    for row in &table.rows {
        let mut c = 0;
        for cell in row {
            if columns.len() <= c {
                columns.resize(c + 1, (0, 0));
            }
            if !cell.text.is_empty() {
                columns[c].0 += 1;
                columns[c].1 += cell.text.split_whitespace().count();
            }
            c += cell.col_span.max(1) as usize;
        }
    }
    let filled: Vec<&(usize, usize)> = columns.iter().filter(|(n, _)| *n > 0).collect();
    filled.len() >= 3
        && filled
            .iter()
            .all(|(n, words)| *words as f32 >= WORDY_CELL * *n as f32)
}

/// Words a line needs to be read as prose rather than a label.
const PROSE_WORDS: usize = 5;
/// Characters of a line that is prose on its own, without a neighbouring prose line.
const PROSE_ALONE_CHARS: usize = 50;

/// Splits a figure's glyphs into chart labels and prose: horizontal lines of several words,
/// mostly letters, that are either long or stacked with another such line (a paragraph).
fn split_prose(glyphs: Vec<Glyph>) -> (Vec<Glyph>, Vec<Glyph>) {
    let lines = build_lines(&glyphs);
    let candidate = |l: &Line| {
        let letters = l.text.chars().filter(|c| c.is_alphabetic()).count();
        let horizontal = l.bbox[2] - l.bbox[0] > l.bbox[3] - l.bbox[1];
        horizontal
            && l.text.split_whitespace().count() >= PROSE_WORDS
            && letters * 10 >= l.text.chars().count() * 6
    };
    let stacked = |a: &Line, b: &Line| {
        let em = a.size.max(b.size).max(1.0);
        let pitch = (b.bbox[3] - a.bbox[3]).abs();
        pitch > 0.0 && pitch <= 1.8 * em && h_overlap(a.bbox, b.bbox) >= 0.5
    };
    let prose: Vec<BBox> = lines
        .iter()
        .filter(|l| candidate(l))
        .filter(|l| {
            l.chars >= PROSE_ALONE_CHARS
                || lines
                    .iter()
                    .any(|o| !std::ptr::eq(*l, o) && candidate(o) && stacked(l, o))
        })
        .map(|l| l.bbox)
        .collect();
    if prose.is_empty() {
        return (glyphs, Vec::new());
    }
    glyphs
        .into_iter()
        .partition(|g| !prose.iter().any(|b| contains(*b, centre(g.bbox), 0.0)))
}

fn atomic_block(region: &Region, glyphs: &[Glyph], rulings: &[Ruling], page: u32) -> ProtoBlock {
    let lines = build_lines(glyphs);
    let ordered: Vec<Line> = {
        let placed = order::reading_order(&lines);
        let mut slots: Vec<Option<Line>> = lines.into_iter().map(Some).collect();
        placed
            .iter()
            .filter_map(|p| slots.get_mut(p.line).and_then(Option::take))
            .collect()
    };
    let mut kind = region.kind;
    let table = match kind {
        RegionKind::Table | RegionKind::Figure if !glyphs.is_empty() => {
            let refs: Vec<&Glyph> = glyphs.iter().collect();
            let table = crate::table::build(&refs, rulings, region.bbox);
            // A "figure" whose text fills a grid is a table the model mistook.
            if kind == RegionKind::Figure && table.as_ref().is_some_and(is_full_grid) {
                kind = RegionKind::Table;
            }
            table.filter(|_| kind == RegionKind::Table)
        }
        _ => None,
    };
    let bbox = ordered
        .iter()
        .fold(region.bbox, |b, l| super::lines::union(b, l.bbox));
    ProtoBlock {
        page,
        bbox,
        column: 0,
        lines: ordered,
        region: Some((kind, region.score)),
        table,
        furniture: None,
    }
}

/// At least 3 rows and 2 columns, and 80% of the cells filled: a table, not chart labels.
fn is_full_grid(table: &crate::document::Table) -> bool {
    let cols = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    let cells: usize = table.rows.iter().map(Vec::len).sum();
    let filled = table
        .rows
        .iter()
        .flatten()
        .filter(|c| !c.text.is_empty())
        .count();
    table.rows.len() >= 3 && cols >= 2 && filled * 5 >= cells * 4
}

/// For each line, the text-bearing region (not table, figure or equation) that holds it:
/// (index in `regions`, kind, score).
pub fn of_lines(lines: &[Line], regions: &[Region]) -> Vec<Option<(usize, RegionKind, f32)>> {
    if regions.is_empty() {
        return Vec::new();
    }
    lines
        .iter()
        .map(|line| {
            let area = box_area(line.bbox).max(1e-3);
            regions
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.kind.is_atomic())
                .filter(|(_, r)| intersection(r.bbox, line.bbox) / area >= LINE_INSIDE)
                .max_by(|a, b| a.1.score.total_cmp(&b.1.score))
                .map(|(i, r)| (i, r.kind, r.score))
        })
        .collect()
}

fn centre(b: BBox) -> (f32, f32) {
    ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
}

fn contains(b: BBox, (x, y): (f32, f32), pad: f32) -> bool {
    x >= b[0] - pad && x <= b[2] + pad && y >= b[1] - pad && y <= b[3] + pad
}

fn box_area(b: BBox) -> f32 {
    (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0)
}

fn intersection(a: BBox, b: BBox) -> f32 {
    box_area([
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    ])
}

pub(super) fn overlap_of_smaller(a: BBox, b: BBox) -> f32 {
    intersection(a, b) / box_area(a).min(box_area(b)).max(1e-3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_under_a_chart_leaves_the_figure_and_labels_stay() {
        let mut glyphs = Glyph::line("Revenue", 100.0, 100.0);
        glyphs.extend(Glyph::line("2019", 100.0, 200.0));
        glyphs.extend(Glyph::line("2020", 200.0, 200.0));
        glyphs.extend(Glyph::line(
            "The chart shows how revenue grew in both",
            100.0,
            240.0,
        ));
        glyphs.extend(Glyph::line(
            "years, and the text goes on below it.",
            100.0,
            252.0,
        ));
        let (labels, prose) = split_prose(glyphs);
        let text = |g: &[Glyph]| g.iter().map(|g| g.c).collect::<String>();
        assert_eq!(text(&labels), "Revenue20192020");
        assert!(
            text(&prose).starts_with("Thechartshows"),
            "{}",
            text(&prose)
        );
        assert!(text(&prose).ends_with("belowit."), "{}", text(&prose));
    }

    #[test]
    fn a_table_box_over_a_whole_dense_page_is_read_as_text() {
        let region = |bbox| Region {
            kind: RegionKind::Table,
            bbox,
            score: 0.9,
        };
        let mut wordy = Vec::new();
        let mut data = Vec::new();
        for r in 0..20 {
            let y = 50.0 + 14.0 * r as f32;
            wordy.extend(Glyph::line("loop over partitions of n", 50.0, y));
            wordy.extend(Glyph::line("evaluate seq until it is zero", 220.0, y));
            wordy.extend(Glyph::line("time in ms since startup", 400.0, y));
            data.extend(Glyph::line("Mazda RX4 Wag", 50.0, y));
            data.extend(Glyph::line("21.0", 300.0, y));
            data.extend(Glyph::line("160.0", 360.0, y));
            data.extend(Glyph::line("110", 420.0, y));
        }
        let n = wordy.len();
        let (blocks, rest) = split_atomic(wordy, &[region([40.0, 40.0, 500.0, 340.0])], &[], 1);
        assert!(blocks.is_empty() && rest.len() == n);

        let (blocks, _) = split_atomic(data, &[region([40.0, 40.0, 500.0, 340.0])], &[], 1);
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].table.is_some());

        // Keys beside their descriptions are a table too, however long the descriptions.
        let mut keys = Vec::new();
        for r in 0..20 {
            let y = 50.0 + 14.0 * r as f32;
            keys.extend(Glyph::line("C-c C-e", 50.0, y));
            keys.extend(Glyph::line(
                "send the current cell to Maxima and show",
                150.0,
                y,
            ));
        }
        let (blocks, _) = split_atomic(keys, &[region([40.0, 40.0, 500.0, 340.0])], &[], 1);
        assert!(blocks.len() == 1 && blocks[0].table.is_some());
    }
}
