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
/// A smaller gap ends a run when the font changes across it (a margin note beside the text).
const RESTYLED_GAP_EM: f32 = 0.5;
/// Horizontal gap, in ems, that separates two words when pdfium gave no space.
const WORD_GAP_EM: f32 = 0.2;
/// The same for OCR'd glyphs, whose boxes are estimated from the recogniser's time steps.
const OCR_WORD_GAP_EM: f32 = 0.6;

/// Gap between CJK characters, in ems, that still counts as a space.
const CJK_GAP_EM: f32 = 0.6;

/// Han, kana, Hangul, CJK punctuation and full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff | 0xff00..=0xffef)
}

/// Spacing accents that TeX and others draw as separate glyphs over a letter, and the
/// combining mark each stands for.
fn combining(c: char) -> Option<char> {
    Some(match c {
        '\u{a8}' => '\u{308}',
        '\u{b4}' | '\u{2ca}' => '\u{301}',
        '`' | '\u{2cb}' => '\u{300}',
        '\u{2c6}' | '^' => '\u{302}',
        '\u{2dc}' | '~' => '\u{303}',
        '\u{b8}' => '\u{327}',
        '\u{2c7}' => '\u{30c}',
        '\u{2d8}' => '\u{306}',
        '\u{2da}' => '\u{30a}',
        '\u{2dd}' => '\u{30b}',
        '\u{af}' | '\u{2c9}' => '\u{304}',
        '\u{2d9}' => '\u{307}',
        '\u{2db}' => '\u{328}',
        _ => return None,
    })
}

/// Folds a separately drawn accent into the letter it sits on, so "f ¨ur" reads "für": first
/// an accent next to its letter in the stream (before or after it), then an accent the
/// stream put elsewhere (TeX draws capitals' accents after the word) onto the letter it
/// overlaps.
fn attach_accents(glyphs: &[Glyph]) -> Vec<Glyph> {
    let mut out: Vec<Glyph> = Vec::with_capacity(glyphs.len());
    let mut pending: Option<(char, Glyph)> = None;
    for g in glyphs {
        let mut g = *g;
        if let Some(mark) = combining(g.c) {
            if let Some(prev) = out
                .last_mut()
                .filter(|p| p.c.is_alphabetic() && h_overlap(p.bbox, g.bbox) >= 0.5)
            {
                if compose(prev, mark) {
                    continue;
                }
            }
            if let Some((_, held)) = pending.take() {
                out.push(held);
            }
            pending = Some((mark, g));
            continue;
        }
        if let Some((mark, held)) = pending.take() {
            if g.c.is_alphabetic() && h_overlap(held.bbox, g.bbox) >= 0.5 && compose(&mut g, mark) {
                g.space_before = held.space_before || g.space_before;
            } else {
                out.push(held);
            }
        }
        out.push(g);
    }
    if let Some((_, held)) = pending {
        out.push(held);
    }
    attach_stray_accents(out)
}

/// Most stray accents a page is searched for (each is matched against every glyph).
const MAX_STRAY_ACCENTS: usize = 200;

/// Accents left over by the stream pass go onto the letter whose box they overlap most.
fn attach_stray_accents(mut glyphs: Vec<Glyph>) -> Vec<Glyph> {
    let strays: Vec<usize> = (0..glyphs.len())
        .filter(|&i| combining(glyphs[i].c).is_some())
        .collect();
    if strays.is_empty() || strays.len() > MAX_STRAY_ACCENTS {
        return glyphs;
    }
    let mut drop = vec![false; glyphs.len()];
    for i in strays {
        let accent = glyphs[i];
        let Some(mark) = combining(accent.c) else {
            continue;
        };
        let best = (0..glyphs.len())
            .filter(|&j| j != i && !drop[j] && glyphs[j].c.is_alphabetic())
            .map(|j| (j, h_overlap(glyphs[j].bbox, accent.bbox)))
            .filter(|&(j, h)| h >= 0.5 && v_overlap(glyphs[j].bbox, accent.bbox) >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((j, _)) = best {
            if compose(&mut glyphs[j], mark) {
                drop[i] = true;
            }
        }
    }
    glyphs
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(g, _)| g)
        .collect()
}

/// Puts `mark` on `base` when Unicode has the composed letter (a dotless i or j takes the
/// accent as i or j); false when it has none.
fn compose(base: &mut Glyph, mark: char) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let letter = match base.c {
        'ı' => 'i',
        'ȷ' => 'j',
        c => c,
    };
    let mut composed = [letter, mark].into_iter().nfc();
    match (composed.next(), composed.next()) {
        (Some(c), None) => {
            base.c = c;
            true
        }
        _ => false,
    }
}

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

/// A letter this many times the size of the type it starts is a drop cap.
const DROP_CAP_SIZE: f32 = 2.0;

/// Moves each drop cap (a large initial letter beside the top lines of its paragraph) into
/// its paragraph's first line, just before the glyph it starts, so "W" + "ater utilities"
/// reads "Water utilities" and the large letter does not split the column.
fn fold_drop_caps(mut glyphs: Vec<Glyph>) -> Vec<Glyph> {
    if glyphs.len() < 20 {
        return glyphs;
    }
    let mut sizes: Vec<f32> = glyphs.iter().map(|g| g.size).collect();
    let mid = sizes.len() / 2;
    let body = sizes.select_nth_unstable_by(mid, f32::total_cmp).1.max(1.0);
    let caps: Vec<BBox> = (0..glyphs.len())
        .filter(|&i| glyphs[i].c.is_alphabetic() && glyphs[i].size >= DROP_CAP_SIZE * body)
        .filter(|&i| {
            // Alone in its size: no other large glyph right next to it.
            let d = glyphs[i];
            !glyphs.iter().enumerate().any(|(j, g)| {
                j != i
                    && g.size >= 0.6 * d.size
                    && v_overlap(g.bbox, d.bbox) >= 0.5
                    && (g.bbox[0] - d.bbox[2])
                        .abs()
                        .min((d.bbox[0] - g.bbox[2]).abs())
                        < 0.5 * d.size
            })
        })
        .map(|i| glyphs[i].bbox)
        .collect();
    for cap in caps {
        // Found again by its box: folding an earlier cap moved glyphs in the stream.
        let Some(i) = glyphs
            .iter()
            .position(|g| g.bbox == cap && g.size >= DROP_CAP_SIZE * body)
        else {
            continue;
        };
        let d = glyphs[i];
        // The first glyph of the paragraph: right of the cap, on its top line.
        let next = (0..glyphs.len())
            .filter(|&j| {
                let g = glyphs[j];
                j != i
                    && g.size < 0.6 * d.size
                    && g.bbox[0] >= d.bbox[2] - 0.1 * d.size
                    && g.bbox[0] - d.bbox[2] <= 1.5 * g.size
                    && g.bbox[1] <= d.bbox[1] + 0.5 * (d.bbox[3] - d.bbox[1])
                    && g.bbox[3] >= d.bbox[1]
            })
            .min_by(|&a, &b| {
                let key = |g: &Glyph| (g.bbox[1], g.bbox[0]);
                key(&glyphs[a])
                    .partial_cmp(&key(&glyphs[b]))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        let Some(j) = next else {
            continue;
        };
        let g = glyphs[j];
        let width = 0.6 * g.size;
        glyphs[i] = Glyph {
            bbox: [g.bbox[0] - width, g.bbox[1], g.bbox[0], g.bbox[3]],
            size: g.size,
            style: g.style,
            font: g.font,
            ..d
        };
        glyphs[j].space_before = false;
        // Place the cap right before its glyph in the stream, where runs are built.
        let cap = glyphs.remove(i);
        let at = if i < j { j - 1 } else { j };
        glyphs.insert(at, cap);
    }
    glyphs
}

/// Builds line fragments from one page's glyphs.
pub fn build_lines(glyphs: &[Glyph]) -> Vec<Line> {
    let glyphs = fold_drop_caps(attach_accents(glyphs));
    let runs = runs(&glyphs);
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
            let em = p.size.max(g.size).max(1.0);
            let gap = g.bbox[0] - p.bbox[2];
            let restyled = p.font != g.font || (p.size - g.size).abs() > 0.1 * em;
            let horizontal = v_overlap(p.bbox, g.bbox) >= 0.5
                && g.bbox[0] >= p.bbox[0] - 0.3 * em
                && gap <= FRAGMENT_GAP_EM * em
                && !(restyled && gap > RESTYLED_GAP_EM * em);
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
    let mut spaced = Vec::with_capacity(run.glyphs.len());
    let (mut bold, mut italic, mut mono, mut sizes) = (0usize, 0usize, 0usize, Vec::new());
    let mut prev: Option<&Glyph> = None;
    for g in &run.glyphs {
        spaced.push(prev.is_some_and(|p| space_between(p, g, run.vertical)));
        bold += g.style.bold as usize;
        italic += g.style.italic as usize;
        mono += g.style.mono as usize;
        sizes.push(g.size);
        prev = Some(g);
    }
    sizes.sort_by(f32::total_cmp);
    let size = sizes[sizes.len() / 2];
    let math = (!run.vertical)
        .then(|| super::math::render(&run.glyphs, &spaced, size))
        .flatten();
    let raw = match &math {
        Some(m) => m.text.clone(),
        None => {
            let mut raw = String::with_capacity(run.glyphs.len() + 8);
            for (g, &space) in run.glyphs.iter().zip(&spaced) {
                if space {
                    raw.push(' ');
                }
                raw.push(g.c);
            }
            raw
        }
    };
    let clean = |raw: &str| {
        let mut text = String::with_capacity(raw.len());
        normalize_into(raw, &mut text);
        text.trim().to_string()
    };
    let text = clean(&raw);
    if text.is_empty() {
        return None;
    }
    let n = run.glyphs.len() as f32;
    Some(Line {
        text,
        bbox: run.bbox,
        size,
        bold: bold as f32 / n,
        italic: italic as f32 / n,
        mono: mono as f32 / n,
        chars: run.glyphs.len(),
        ocr: run.glyphs.iter().all(|g| g.estimated),
        tail_gap: None,
        latex: math.as_ref().map(|m| clean(&m.latex)),
        all_math: math.is_some_and(|m| m.all_math),
    })
}

/// Does a word space separate glyph `g` from the glyph `p` before it on the line?
fn space_between(p: &Glyph, g: &Glyph, vertical: bool) -> bool {
    let em = g.size.max(p.size).max(1.0);
    let gap = if vertical {
        g.bbox[1] - p.bbox[3]
    } else {
        g.bbox[0] - p.bbox[2]
    };
    // Scripts without word spaces (CJK) get a space only at a clear gap.
    if is_cjk(p.c) && is_cjk(g.c) {
        gap > CJK_GAP_EM * em
    } else if is_cjk(p.c) || is_cjk(g.c) {
        // Japanese sets Latin words apart from kana/kanji by about a quarter em.
        g.space_before || gap > 0.15 * em
    } else {
        let word_gap = if g.estimated {
            OCR_WORD_GAP_EM
        } else {
            WORD_GAP_EM
        };
        g.space_before || gap > word_gap * em
    }
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
