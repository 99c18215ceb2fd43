//! Text detection (PP-OCR DB): a probability map of "text here", binarised, split into
//! connected regions, each fitted with a minimum-area rectangle and grown back to the line's
//! full extent.

use super::geometry::{convex_hull, expand, min_area_rect, order, Point, Quad};
use crate::error::{Error, Result};
use crate::runtime::SessionPool;
use ::image::{imageops::FilterType, RgbImage};

/// Probability above which a pixel is text.
const BIN_THRESH: f32 = 0.3;
/// Mean probability a region needs to count as a line.
const BOX_THRESH: f32 = 0.5;
/// Growth of a region, relative to area / perimeter.
const UNCLIP_RATIO: f32 = 1.6;
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

pub struct Detector {
    pool: SessionPool,
    max_side: u32,
}

impl Detector {
    pub fn new(pool: SessionPool, max_side: u32) -> Self {
        Self {
            pool,
            max_side: max_side.max(64),
        }
    }

    /// `img` scaled for the detector: longest side at most `max_side`, sides multiples of 32.
    pub fn scaled(&self, img: &RgbImage) -> RgbImage {
        let (w, h) = img.dimensions();
        let ratio = (self.max_side as f32 / w.max(h) as f32).min(1.0);
        let round32 = |v: u32| (((v as f32 * ratio) / 32.0).round() as u32 * 32).max(32);
        ::image::imageops::resize(img, round32(w), round32(h), FilterType::Triangle)
    }

    /// Text lines of an image `w` × `h` pixels, found on `resized` (from [`Detector::scaled`],
    /// turned like the image if it was), in the image's pixels, top to bottom.
    pub fn detect(&self, resized: &RgbImage, (w, h): (u32, u32)) -> Result<Vec<(Quad, f32)>> {
        let (rw, rh) = resized.dimensions();
        let plane = (rw * rh) as usize;
        let mut input = vec![0f32; 3 * plane];
        for (i, px) in resized.pixels().enumerate() {
            // The models were trained on BGR images.
            for (c, &v) in [px.0[2], px.0[1], px.0[0]].iter().enumerate() {
                input[c * plane + i] = (v as f32 / 255.0 - MEAN[c]) / STD[c];
            }
        }
        let (_, prob) = self
            .pool
            .run_f32(&[1, 3, rh as usize, rw as usize], &input)?;
        if prob.len() != plane {
            return Err(Error::Ocr(format!(
                "detector returned {} values for a {rw}×{rh} map",
                prob.len()
            )));
        }
        let (sx, sy) = (w as f32 / rw as f32, h as f32 / rh as f32);
        let mut lines: Vec<(Quad, f32)> = regions(&prob, rw as usize, rh as usize)
            .into_iter()
            .map(|(q, score)| (Quad(q.0.map(|p| [p[0] * sx, p[1] * sy])), score))
            .collect();
        lines.sort_by(|a, b| {
            let (ba, bb) = (a.0.bounds(), b.0.bounds());
            ba[1].total_cmp(&bb[1]).then(ba[0].total_cmp(&bb[0]))
        });
        Ok(lines)
    }
}

/// Connected text regions of the probability map as rectangles with their mean score.
fn regions(prob: &[f32], w: usize, h: usize) -> Vec<(Quad, f32)> {
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || prob[start] <= BIN_THRESH {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut sum, mut count) = (0f32, 0usize);
        let mut extent: std::collections::HashMap<usize, (usize, usize)> =
            std::collections::HashMap::new();
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            sum += prob[i];
            count += 1;
            let e = extent.entry(y).or_insert((x, x));
            e.0 = e.0.min(x);
            e.1 = e.1.max(x);
            for (dx, dy) in [
                (-1i64, 0i64),
                (1, 0),
                (0, -1),
                (0, 1),
                (-1, -1),
                (1, -1),
                (-1, 1),
                (1, 1),
            ] {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if !seen[j] && prob[j] > BIN_THRESH {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        if count < 4 || sum / (count as f32) < BOX_THRESH {
            continue;
        }
        let mut pts: Vec<Point> = Vec::with_capacity(extent.len() * 4);
        for (&y, &(x0, x1)) in &extent {
            let (y0, y1, xa, xb) = (y as f32, y as f32 + 1.0, x0 as f32, x1 as f32 + 1.0);
            pts.extend([[xa, y0], [xb, y0], [xa, y1], [xb, y1]]);
        }
        let hull = convex_hull(pts);
        let Some((corners, short, long)) = min_area_rect(&hull) else {
            continue;
        };
        if short < 3.0 {
            continue;
        }
        let distance = short * long * UNCLIP_RATIO / (2.0 * (short + long));
        if short + 2.0 * distance < 5.0 {
            continue;
        }
        out.push((order(expand(corners, distance)), sum / count as f32));
    }
    out
}
