//! From positioned text to document structure: lines, reading order, blocks, block kinds,
//! heading levels and the section tree, running headers and footers, and renderings
//! (Markdown, plain text).
//!
//! Work is split in two so pages can stream: [`analyze_page`] turns one page's glyphs into
//! [`ProtoBlock`]s (the glyphs are then dropped), and [`assemble`] classifies all blocks once
//! document-wide statistics (body font size, repeated page furniture) are known.

mod blocks;
mod captions;
mod classify;
mod fractions;
mod furniture;
mod limits;
mod line_numbers;
mod lines;
mod math;
mod order;
mod orient;
mod outline;
mod regions;
mod render;
mod ruled;
mod stream;
mod table_edges;
mod text;
mod toc;

pub use render::{to_markdown, to_markdown_with, to_text, to_text_with, Render};
pub use text::{join_lines, normalize_into};

use crate::document::{BBox, Block, BlockKind, BlockSource, Table};
use crate::layout::{Region, RegionKind};
use crate::pdf::RawPage;
use std::collections::HashMap;

/// A line fragment with its typography.
#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    pub bbox: BBox,
    /// Median font size in points.
    pub size: f32,
    /// Fractions of glyphs that are bold, italic, monospace.
    pub bold: f32,
    pub italic: f32,
    pub mono: f32,
    pub chars: usize,
    /// Every glyph came from OCR.
    pub ocr: bool,
    /// The gap before the last fragment absorbed into this line (in ems) and that fragment's
    /// length in characters: a page number set far right in a table of contents.
    pub tail_gap: Option<(f32, usize)>,
    /// The line with its formulas as `$…$` LaTeX, when it holds math.
    pub latex: Option<String>,
    /// The whole line is one formula.
    pub all_math: bool,
}

impl Line {
    /// A line without text covering `bbox`, set at `size`: a block read whole, standing in
    /// for it where lines are ordered.
    pub fn placeholder(bbox: BBox, size: f32) -> Line {
        Line {
            text: String::new(),
            bbox,
            size,
            bold: 0.0,
            italic: 0.0,
            mono: 0.0,
            chars: 0,
            ocr: false,
            tail_gap: None,
            latex: None,
            all_math: false,
        }
    }

    /// Whether this is a [`Line::placeholder`]: no text line has no characters.
    pub fn is_placeholder(&self) -> bool {
        self.chars == 0
    }

    /// Appends a fragment further along the same row.
    pub fn absorb(&mut self, other: Line) {
        let (a, b) = (self.chars as f32, other.chars as f32);
        let mix = |x: f32, y: f32| (x * a + y * b) / (a + b).max(1.0);
        self.bold = mix(self.bold, other.bold);
        self.italic = mix(self.italic, other.italic);
        self.mono = mix(self.mono, other.mono);
        if other.chars > self.chars {
            self.size = other.size;
        }
        let em = self.size.max(other.size).max(1.0);
        self.tail_gap = Some((
            (other.bbox[0] - self.bbox[2]) / em,
            other.text.chars().count(),
        ));
        self.chars += other.chars;
        self.ocr = self.ocr && other.ocr;
        self.bbox = lines::union(self.bbox, other.bbox);
        if self.latex.is_some() || other.latex.is_some() {
            let mut latex = self.latex.take().unwrap_or_else(|| self.text.clone());
            latex.push(' ');
            latex.push_str(other.latex.as_deref().unwrap_or(&other.text));
            self.latex = Some(latex);
        }
        // A trailing equation number keeps a display formula whole.
        self.all_math = self.all_math && (other.all_math || is_equation_number(&other.text));
        self.text.push(' ');
        self.text.push_str(&other.text);
    }
}

/// A block before classification.
#[derive(Debug, Clone)]
pub struct ProtoBlock {
    pub page: u32,
    pub bbox: BBox,
    /// Reading-order column the block was found in.
    pub column: u32,
    pub lines: Vec<Line>,
    /// The layout region the block lies in, with the model's score, when layout ran.
    pub region: Option<(RegionKind, f32)>,
    /// Cells, for a table region.
    pub table: Option<Table>,
    /// Page furniture found while the page was analysed (its margin line numbers).
    pub furniture: Option<BlockKind>,
}

impl ProtoBlock {
    fn chars(&self) -> usize {
        self.lines.iter().map(|l| l.chars).sum::<usize>().max(1)
    }

    fn weighted(&self, f: impl Fn(&Line) -> f32) -> f32 {
        let total = self.chars() as f32;
        self.lines
            .iter()
            .map(|l| f(l) * l.chars as f32)
            .sum::<f32>()
            / total
    }

    /// Character-weighted font size.
    pub fn size(&self) -> f32 {
        self.weighted(|l| l.size)
    }

    pub fn bold(&self) -> f32 {
        self.weighted(|l| l.bold)
    }

    pub fn mono(&self) -> f32 {
        self.weighted(|l| l.mono)
    }

    /// The block's text with lines joined (hyphenated words mended).
    pub fn text(&self) -> String {
        join_lines(self.lines.iter().map(|l| l.text.as_str()))
    }

    /// The block's text with its formulas as `$…$` LaTeX, when it holds math.
    pub fn latex(&self) -> Option<String> {
        self.lines.iter().any(|l| l.latex.is_some()).then(|| {
            join_lines(
                self.lines
                    .iter()
                    .map(|l| l.latex.as_deref().unwrap_or(&l.text)),
            )
        })
    }

    /// Much taller than wide: text set sideways (a margin stamp, a rotated running head).
    pub fn is_sideways(&self) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        self.lines.len() <= 2 && (y1 - y0) > 3.0 * (x1 - x0)
    }

    /// Every line is a formula: a display equation.
    pub fn is_display_math(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(|l| l.all_math)
    }
}

/// "(3)", "(2.14)", "(A.1)": a display equation's number.
pub fn is_equation_number(text: &str) -> bool {
    text.strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .is_some_and(|t| {
            !t.is_empty()
                && t.len() <= 8
                && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
                && t.chars().any(|c| c.is_ascii_digit())
        })
}

/// One page after layout analysis.
#[derive(Debug, Clone)]
pub struct PageLayout {
    pub number: u32,
    pub width: f32,
    pub height: f32,
    pub blocks: Vec<ProtoBlock>,
    /// Characters of prose per font size (in half points), for document statistics.
    pub size_histogram: HashMap<u32, usize>,
    /// Where the page's text came from.
    pub source: BlockSource,
    /// Mean OCR confidence, for OCR'd pages.
    pub ocr_confidence: Option<f32>,
}

/// Lines, reading order and blocks of one page, found in the frame where its text runs left
/// to right. The glyphs are consumed. `regions` are the page's layout regions (none when the
/// pipeline runs no layout model): blocks then break at region borders and carry the
/// region's kind, and tables, figures and equations become one block each.
pub fn analyze_page(raw: RawPage, regions: &[Region]) -> PageLayout {
    // Body text is prose: code listings and formulas say nothing of its size, unless the
    // page has nothing else.
    let prose = |g: &&crate::pdf::Glyph| !g.style.mono && !g.style.math;
    let only_code = !raw.glyphs.iter().any(|g| prose(&g));
    let mut size_histogram = HashMap::new();
    for g in raw.glyphs.iter().filter(|g| only_code || prose(g)) {
        *size_histogram.entry(size_key(g.size)).or_insert(0) += 1;
    }
    let orientation = orient::Orientation::detect(&raw.glyphs, raw.width, raw.height);
    let mut glyphs = raw.glyphs;
    if orientation == orient::Orientation::Horizontal {
        fractions::mark_roots(&mut glyphs, &raw.rulings);
        fractions::inline(&mut glyphs, &raw.rulings);
        limits::attach(&mut glyphs);
    }
    // Layout regions are found on the page as displayed; sideways text is analysed without them.
    let regions = if orientation == orient::Orientation::Horizontal {
        regions
    } else {
        &[]
    };
    // Margin line numbers come out first: beside every line they would join its text, and
    // their column beside the text would read as a table.
    let mut numbers = Vec::new();
    if orientation == orient::Orientation::Horizontal {
        (glyphs, numbers) = line_numbers::split(glyphs, raw.number);
    }
    // Tables drawn with rules, or set by whitespace alone, that the layout model did not see
    // (or did not run for).
    let ruled = ruled::tables(&raw.rulings, &glyphs, regions, raw.height);
    let mut regions: Vec<Region> = regions.to_vec();
    stream::add_tables(&glyphs, &mut regions, ruled);
    let regions = regions.as_slice();
    let (mut atomic, rest) = regions::split_atomic(glyphs, regions, &raw.rulings, raw.number);
    glyphs = rest;
    if orientation != orient::Orientation::Horizontal {
        for g in &mut glyphs {
            g.bbox = orientation.forward(g.bbox);
        }
        for b in &mut atomic {
            b.bbox = orientation.forward(b.bbox);
            for l in &mut b.lines {
                l.bbox = orientation.forward(l.bbox);
            }
        }
    }
    let lines = lines::build_lines(&glyphs);
    drop(glyphs);
    // Tables and figures are read where they stand among the lines (see
    // `order::reading_order_around`).
    let obstacles: Vec<(BBox, f32)> = atomic
        .iter()
        .map(|b| {
            (
                b.bbox,
                text_size(&b.lines).unwrap_or_else(|| text_size(&lines).unwrap_or(10.0)),
            )
        })
        .collect();
    let placed = order::reading_order_around(&lines, &obstacles);
    let line_regions = regions::of_lines(&lines, regions);
    let mut blocks = blocks::group(raw.number, lines, &placed, &line_regions, atomic);
    blocks::join_heading_numbers(&mut blocks);
    blocks::join_chapter_labels(&mut blocks);
    if orientation != orient::Orientation::Horizontal {
        for b in &mut blocks {
            b.bbox = orientation.back(b.bbox);
            for l in &mut b.lines {
                l.bbox = orientation.back(l.bbox);
            }
        }
    }
    blocks.extend(numbers);
    PageLayout {
        number: raw.number,
        width: raw.width,
        height: raw.height,
        blocks,
        size_histogram,
        source: BlockSource::Pdf,
        ocr_confidence: None,
    }
}

/// The median text size of `lines`, if any.
fn text_size<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Option<f32> {
    let mut sizes: Vec<f32> = lines.into_iter().map(|l| l.size).collect();
    sizes.sort_by(f32::total_cmp);
    sizes.get(sizes.len() / 2).copied()
}

fn size_key(size: f32) -> u32 {
    (size * 2.0).round().clamp(0.0, 100_000.0) as u32
}

/// Document-level settings and inputs of the structure stage.
#[derive(Debug, Clone, Default)]
pub struct StructureOptions {
    /// Pages a top/bottom line must repeat on to count as a running header or footer.
    pub furniture_min_pages: usize,
    /// The PDF's bookmarks, which confirm headings and their levels (empty: none).
    pub outline: Vec<crate::pdf::OutlineEntry>,
}

/// Classifies every block of the document and returns them in reading order with ids,
/// kinds, heading levels and parents.
pub fn assemble(pages: &[PageLayout], options: &StructureOptions) -> Vec<Block> {
    let body = body_size(pages);
    let furniture = furniture::detect(pages, options.furniture_min_pages, body);
    let mut blocks = classify::classify(pages, body, &furniture);
    captions::link(&mut blocks);
    outline::confirm(&mut blocks, &options.outline);
    toc::link(&mut blocks);
    blocks
}

/// The most common font size, weighted by characters: the body text's size.
fn body_size(pages: &[PageLayout]) -> f32 {
    let mut total: HashMap<u32, usize> = HashMap::new();
    for p in pages {
        for (k, v) in &p.size_histogram {
            *total.entry(*k).or_insert(0) += v;
        }
    }
    total
        .into_iter()
        .max_by_key(|&(k, v)| (v, k))
        .map(|(k, _)| k as f32 / 2.0)
        .filter(|s| *s > 0.0)
        .unwrap_or(10.0)
}
