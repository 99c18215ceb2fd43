//! Text detection (PP-OCR DB): a probability map of "text here", binarised, split into
//! connected regions, each fitted with a minimum-area rectangle and grown back to the line's
//! full extent.

use super::geometry::{convex_hull, expand, min_area_rect, order, Point, Quad};
use super::ink::{luma, paper};
use crate::error::{Error, Result};
use crate::runtime::SessionPool;
use ::image::RgbImage;

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
        crate::raster::shrink(img, round32(w), round32(h))
    }

    /// Text lines of an image `w` × `h` pixels, found on `resized` (from [`Detector::scaled`],
    /// turned like the image if it was), in the image's pixels, top to bottom.
    pub fn detect(&self, resized: &RgbImage, (w, h): (u32, u32)) -> Result<Vec<(Quad, f32)>> {
        let (rw, rh) = resized.dimensions();
        let (sx, sy) = (w as f32 / rw as f32, h as f32 / rh as f32);
        // The model runs on the part of the page that has ink: blank margins are a third of
        // a typical page and cost as much to run through the model as text does.
        let crop = content_box(resized);
        let cropped;
        let (view, [ox, oy]) = match crop {
            Some([x, y, cw, ch]) => {
                cropped = ::image::imageops::crop_imm(resized, x, y, cw, ch).to_image();
                (&cropped, [x as f32, y as f32])
            }
            None => (resized, [0.0, 0.0]),
        };
        let (vw, vh) = view.dimensions();
        let plane = (vw * vh) as usize;
        let mut input = vec![0f32; 3 * plane];
        for (i, px) in view.pixels().enumerate() {
            // The models were trained on BGR images.
            for (c, &v) in [px.0[2], px.0[1], px.0[0]].iter().enumerate() {
                input[c * plane + i] = (v as f32 / 255.0 - MEAN[c]) / STD[c];
            }
        }
        let mut lines: Vec<(Quad, f32)> =
            self.pool
                .run_f32_then(&[1, 3, vh as usize, vw as usize], &input, |_, prob| {
                    if prob.len() != plane {
                        return Err(Error::Ocr(format!(
                            "detector returned {} values for a {vw}×{vh} map",
                            prob.len()
                        )));
                    }
                    Ok(regions(prob, vw as usize, vh as usize)
                        .into_iter()
                        .map(|(q, score)| {
                            let to_image = |p: Point| [(p[0] + ox) * sx, (p[1] + oy) * sy];
                            (Quad(q.0.map(to_image)), score)
                        })
                        .collect())
                })?;
        lines.sort_by(|a, b| {
            let (ba, bb) = (a.0.bounds(), b.0.bounds());
            ba[1].total_cmp(&bb[1]).then(ba[0].total_cmp(&bb[0]))
        });
        Ok(lines)
    }
}

/// Blank border kept around the ink, in the detector's pixels: the model sees a line's
/// surroundings, and a border as wide as a few lines keeps what it sees unchanged.
const CONTENT_PAD: u32 = 32;
/// How much darker than the paper a pixel must be to count as ink (0–255 luminance): well
/// above scan noise after the reduction, well below faint grey print.
const INK_CONTRAST: u8 = 48;
/// Pixels of ink a row or column needs: lone specks (dust, fax noise) do not stretch the box.
const INK_MIN: u32 = 2;

/// The part of the detector's copy of a page worth running the model on, as x, y, width,
/// height: every row and column holding ink, padded, in multiples of 32 px. `None` where
/// that is (nearly) the whole page anyway, or where the page has no paper-coloured background to
/// tell ink from (a photograph, light text on a dark ground).
fn content_box(img: &RgbImage) -> Option<[u32; 4]> {
    let (w, h) = img.dimensions();
    let paper = paper(img);
    if paper < 2 * INK_CONTRAST {
        return None;
    }
    let ink = paper - INK_CONTRAST;
    let (mut rows, mut cols) = (vec![0u32; h as usize], vec![0u32; w as usize]);
    for (x, y, p) in img.enumerate_pixels() {
        if luma(p) < ink {
            rows[y as usize] += 1;
            cols[x as usize] += 1;
        }
    }
    let span = |counts: &[u32], len: u32| -> Option<(u32, u32)> {
        let first = counts.iter().position(|&c| c >= INK_MIN)? as u32;
        let last = counts.iter().rposition(|&c| c >= INK_MIN)? as u32;
        let start = first.saturating_sub(CONTENT_PAD);
        let size = (last + 1 + CONTENT_PAD).min(len) - start;
        // Whole multiples of 32 (the model's stride), moved back inside the page if need be.
        let size = (size.div_ceil(32) * 32).min(len);
        Some((start.min(len - size), size))
    };
    let (x, cw) = span(&cols, w)?;
    let (y, ch) = span(&rows, h)?;
    // The copy costs a millisecond; below 5 % saved it is not worth making.
    (u64::from(cw) * u64::from(ch) * 20 < u64::from(w) * u64::from(h) * 19)
        .then_some([x, y, cw, ch])
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

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::Rgb;

    fn page(paper: u8, ink: &[[u32; 4]]) -> RgbImage {
        RgbImage::from_fn(640, 960, |x, y| {
            let inked = ink
                .iter()
                .any(|&[x0, y0, x1, y1]| (x0..x1).contains(&x) && (y0..y1).contains(&y));
            Rgb(if inked { [20; 3] } else { [paper; 3] })
        })
    }

    #[test]
    fn the_model_runs_on_the_ink_and_its_border_only() {
        // A text block and a page number, 100-odd pixels inside the margins.
        let img = page(235, &[[150, 120, 480, 700], [300, 820, 340, 836]]);
        let [x, y, w, h] = content_box(&img).expect("margins worth cropping");
        assert!(x <= 150 - CONTENT_PAD && y <= 120 - CONTENT_PAD, "{x} {y}");
        assert!(
            x + w >= 480 + CONTENT_PAD && y + h >= 836 + CONTENT_PAD,
            "{w} {h}"
        );
        assert_eq!((w % 32, h % 32), (0, 0));
        assert!(w < 640 && h < 960);
    }

    #[test]
    fn specks_pages_full_of_ink_and_dark_pages_are_not_cropped() {
        // Text reaching the edges: nothing to save.
        assert_eq!(content_box(&page(255, &[[10, 10, 630, 950]])), None);
        // Lone specks in the margins do not count, so the box is the text's.
        let specks = page(
            255,
            &[[5, 5, 6, 6], [630, 950, 631, 951], [200, 300, 400, 500]],
        );
        let [x, y, _, _] = content_box(&specks).expect("specks ignored");
        assert!(x > 100 && y > 200, "{x} {y}");
        // Light text on a dark ground: no paper to tell ink from.
        assert_eq!(content_box(&page(30, &[])), None);
        // A blank page.
        assert_eq!(content_box(&page(255, &[])), None);
    }
}
