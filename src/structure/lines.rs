//! Glyphs → words → line fragments.
//!
//! A *run* is a stretch of glyphs, in pdfium's order, that continue one another on the same
//! baseline (or down a vertical line). Runs on the same baseline that nearly touch are merged
//! into a [`Line`]. A gap wider than about one em starts a new fragment, so the two halves of a
//! line that crosses a column gutter or a table's cell boundary stay apart for the XY-cut.

use super::text::normalize_into;
use super::Line;
use crate::document::BBox;
use crate::pdf::Glyph;

/// Horizontal gap, in ems, that ends a run (and so a line fragment).
const FRAGMENT_GAP_EM: f32 = 1.0;
/// Horizontal gap, in ems, that separates two words when pdfium gave no space.
const WORD_GAP_EM: f32 = 0.2;

struct Run {
    glyphs: Vec<Glyph>,
    bbox: BBox,
    vertical: bool,
}

impl Run {
    fn new(g: Glyph) -> Self {
        Self {
            bbox: g.bbox,
            glyphs: vec![g],
            vertical: false,
        }
    }

    fn push(&mut self, g: Glyph) {
        self.bbox = union(self.bbox, g.bbox);
        self.glyphs.push(g);
    }

    fn size(&self) -> f32 {
        self.glyphs.iter().map(|g| g.size).fold(0.0, f32::max)
    }
}

/// Builds line fragments from one page's glyphs.
pub fn build_lines(glyphs: &[Glyph]) -> Vec<Line> {
    let runs = runs(glyphs);
    merge_runs(runs)
        .into_iter()
        .filter_map(|r| to_line(&r))
        .collect()
}

fn runs(glyphs: &[Glyph]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for g in glyphs.iter().copied() {
        if let Some(run) = runs.last_mut() {
            let Some(p) = run.glyphs.last().copied() else {
                continue;
            };
            if is_duplicate(&p, &g) {
                continue;
            }
            let em = p.size.max(g.size).max(1.0);
            let horizontal = v_overlap(p.bbox, g.bbox) >= 0.5
                && g.bbox[0] >= p.bbox[0] - 0.3 * em
                && g.bbox[0] - p.bbox[2] <= FRAGMENT_GAP_EM * em;
            let vertical_step = h_overlap(p.bbox, g.bbox) >= 0.5
                && v_overlap(p.bbox, g.bbox) < 0.5
                && (g.bbox[1] - p.bbox[3])
                    .abs()
                    .min((p.bbox[1] - g.bbox[3]).abs())
                    <= 0.6 * em;
            if horizontal && !run.vertical {
                run.push(g);
                continue;
            }
            if vertical_step && (run.vertical || run.glyphs.len() == 1) {
                run.vertical = true;
                run.push(g);
                continue;
            }
        }
        runs.push(Run::new(g));
    }
    runs
}

/// Some producers draw each glyph twice (fake bold, shadows): same char at nearly the same place.
fn is_duplicate(p: &Glyph, g: &Glyph) -> bool {
    p.c == g.c
        && (p.bbox[0] - g.bbox[0]).abs() < 0.15 * p.size.max(1.0)
        && (p.bbox[1] - g.bbox[1]).abs() < 0.15 * p.size.max(1.0)
}

/// Joins horizontal runs that continue each other on the same baseline (pdfium sometimes
/// reports a line in several pieces: font changes, superscripts, out-of-order objects).
fn merge_runs(mut runs: Vec<Run>) -> Vec<Run> {
    runs.sort_by(|a, b| a.bbox[0].total_cmp(&b.bbox[0]));
    let mut lines: Vec<Run> = Vec::new();
    for run in runs {
        let target = if run.vertical {
            None
        } else {
            lines.iter_mut().rev().find(|l| {
                let em = l.size().max(run.size()).max(1.0);
                let gap = run.bbox[0] - l.bbox[2];
                !l.vertical
                    && v_overlap(l.bbox, run.bbox) >= 0.6
                    && gap <= FRAGMENT_GAP_EM * em
                    && gap >= -0.3 * em
            })
        };
        match target {
            Some(line) => {
                let mut first = true;
                for mut g in run.glyphs {
                    if first {
                        g.space_before = g.space_before || g.bbox[0] - line.bbox[2] > 0.05 * g.size;
                        first = false;
                    }
                    line.push(g);
                }
            }
            None => lines.push(run),
        }
    }
    lines
}

fn to_line(run: &Run) -> Option<Line> {
    let mut raw = String::with_capacity(run.glyphs.len() + 8);
    let (mut bold, mut italic, mut mono, mut sizes) = (0usize, 0usize, 0usize, Vec::new());
    let mut prev: Option<&Glyph> = None;
    for g in &run.glyphs {
        if let Some(p) = prev {
            let em = g.size.max(p.size).max(1.0);
            let gap = if run.vertical {
                g.bbox[1] - p.bbox[3]
            } else {
                g.bbox[0] - p.bbox[2]
            };
            if g.space_before || gap > WORD_GAP_EM * em {
                raw.push(' ');
            }
        }
        raw.push(g.c);
        bold += g.style.bold as usize;
        italic += g.style.italic as usize;
        mono += g.style.mono as usize;
        sizes.push(g.size);
        prev = Some(g);
    }
    let mut text = String::with_capacity(raw.len());
    normalize_into(&raw, &mut text);
    let text = text.trim().to_string();
    if text.is_empty() {
        return None;
    }
    let n = run.glyphs.len() as f32;
    sizes.sort_by(f32::total_cmp);
    let font = dominant(run.glyphs.iter().map(|g| g.font));
    Some(Line {
        text,
        bbox: run.bbox,
        size: sizes[sizes.len() / 2],
        bold: bold as f32 / n,
        italic: italic as f32 / n,
        mono: mono as f32 / n,
        chars: run.glyphs.len(),
        font,
    })
}

fn dominant(items: impl Iterator<Item = u16>) -> u16 {
    let mut counts: Vec<(u16, usize)> = Vec::new();
    for f in items {
        match counts.iter_mut().find(|(k, _)| *k == f) {
            Some((_, c)) => *c += 1,
            None => counts.push((f, 1)),
        }
    }
    counts
        .iter()
        .max_by_key(|(_, c)| *c)
        .map(|(k, _)| *k)
        .unwrap_or(0)
}

/// Union of two boxes.
pub fn union(a: BBox, b: BBox) -> BBox {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

/// Vertical overlap as a fraction of the shorter box's height.
pub fn v_overlap(a: BBox, b: BBox) -> f32 {
    let inter = a[3].min(b[3]) - a[1].max(b[1]);
    let h = (a[3] - a[1]).min(b[3] - b[1]).max(1e-3);
    (inter / h).max(0.0)
}

/// Horizontal overlap as a fraction of the narrower box's width.
pub fn h_overlap(a: BBox, b: BBox) -> f32 {
    let inter = a[2].min(b[2]) - a[0].max(b[0]);
    let w = (a[2] - a[0]).min(b[2] - b[0]).max(1e-3);
    (inter / w).max(0.0)
}
