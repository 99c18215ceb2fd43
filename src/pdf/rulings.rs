//! Ruling lines drawn on a page (table borders and rules): the straight horizontal and
//! vertical segments of its path objects, in page-display coordinates.

use super::glyphs::Frame;
use crate::document::BBox;
use pdfium_render::prelude::*;

/// Shortest segment that counts as a ruling, in points.
const MIN_LENGTH: f32 = 4.0;
/// How far from axis-aligned a ruling may lean, in points over its length.
const MAX_LEAN: f32 = 1.0;
/// Paths with more segments than this are drawings (charts, glyph outlines), not rules.
const MAX_SEGMENTS: u32 = 400;
/// Rulings kept per page at most.
const MAX_RULINGS: usize = 5000;

/// A horizontal or vertical ruling, as a degenerate box: `[x0, y, x1, y]` or `[x, y0, x, y1]`.
pub type Ruling = BBox;

/// The page's horizontal and vertical rulings.
pub(super) fn read(page: &PdfPage, frame: &Frame) -> Vec<Ruling> {
    let mut out = Vec::new();
    for object in page.objects().iter() {
        if out.len() >= MAX_RULINGS {
            break;
        }
        let Some(path) = object.as_path_object() else {
            continue;
        };
        let segments = path.segments();
        if segments.len() > MAX_SEGMENTS {
            continue;
        }
        let Ok(matrix) = path.matrix() else {
            continue;
        };
        let mut start: Option<(f32, f32)> = None;
        let mut at: Option<(f32, f32)> = None;
        for segment in segments.transform(matrix).iter() {
            let (x, y) = segment.point();
            let p = frame.point(x.value, y.value);
            match segment.segment_type() {
                PdfPathSegmentType::MoveTo => {
                    start = Some(p);
                    at = Some(p);
                    continue;
                }
                PdfPathSegmentType::LineTo => {
                    if let Some(a) = at {
                        push_axis_aligned(&mut out, a, p);
                    }
                }
                _ => {}
            }
            at = Some(p);
            if segment.is_close() {
                if let Some(s) = start {
                    push_axis_aligned(&mut out, p, s);
                    at = Some(s);
                }
            }
        }
    }
    out
}

fn push_axis_aligned(out: &mut Vec<Ruling>, a: (f32, f32), b: (f32, f32)) {
    let (dx, dy) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
    if dx >= MIN_LENGTH && dy <= MAX_LEAN {
        let y = (a.1 + b.1) / 2.0;
        out.push([a.0.min(b.0), y, a.0.max(b.0), y]);
    } else if dy >= MIN_LENGTH && dx <= MAX_LEAN {
        let x = (a.0 + b.0) / 2.0;
        out.push([x, a.1.min(b.1), x, a.1.max(b.1)]);
    }
}
