//! Whole-page orientation (0/90/180/270 degrees) of a scan, from a small classifier that looks
//! at the page scaled down to 256 px on its short side (centre 224 × 224).

use crate::error::{Error, Result};
use crate::runtime::SessionPool;
use ::image::RgbImage;

const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];
/// Below this score the page is left as it is.
const MIN_SCORE: f32 = 0.85;

pub struct PageOrientation {
    pool: SessionPool,
}

impl PageOrientation {
    pub fn new(pool: SessionPool) -> Self {
        Self { pool }
    }

    /// How far the page is turned clockwise from upright: 0, 90, 180 or 270.
    pub fn classify(&self, img: &RgbImage) -> Result<u16> {
        let (w, h) = img.dimensions();
        let scale = 256.0 / w.min(h).max(1) as f32;
        let (sw, sh) = (
            ((w as f32 * scale).round() as u32).max(224),
            ((h as f32 * scale).round() as u32).max(224),
        );
        let small = crate::raster::shrink(img, sw, sh);
        let (left, top) = ((sw - 224) / 2, (sh - 224) / 2);
        let plane = 224 * 224;
        let mut input = vec![0f32; 3 * plane];
        for y in 0..224u32 {
            for x in 0..224u32 {
                let px = small.get_pixel(left + x, top + y).0;
                let i = (y * 224 + x) as usize;
                for (c, v) in [px[2], px[1], px[0]].into_iter().enumerate() {
                    input[c * plane + i] = (v as f32 / 255.0 - MEAN[c]) / STD[c];
                }
            }
        }
        let (_, probs) = self.pool.run_f32(&[1, 3, 224, 224], &input)?;
        if probs.len() != 4 {
            return Err(Error::Ocr(format!(
                "orientation model returned {} scores, expected 4",
                probs.len()
            )));
        }
        let probs = softmax_if_needed(probs);
        let (best, score) =
            probs
                .iter()
                .enumerate()
                .fold((0, f32::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b });
        Ok(if score >= MIN_SCORE {
            best as u16 * 90
        } else {
            0
        })
    }
}

fn softmax_if_needed(v: Vec<f32>) -> Vec<f32> {
    let sum: f32 = v.iter().sum();
    if v.iter().all(|p| *p >= 0.0) && (sum - 1.0).abs() < 1e-3 {
        return v;
    }
    let max = v.iter().copied().fold(f32::MIN, f32::max);
    let exp: Vec<f32> = v.iter().map(|p| (p - max).exp()).collect();
    let total: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / total).collect()
}
