//! Text-line orientation (0° or 180°): a small classifier flags detected lines that look
//! upside down on an otherwise upright page. It only looks at lines the recogniser read with
//! doubt, and it is not trusted alone: a flagged line is read both ways and the reading the
//! recogniser is surer of wins (see `Ocr::turn_upside_down`).

use super::rec::{LineImage, LINE_HEIGHT};
use crate::error::{Error, Result};
use crate::runtime::SessionPool;

/// The classifier's input width.
const WIDTH: usize = 192;
/// Lines per classifier run.
const BATCH: usize = 16;
/// A line is turned only when the classifier is this sure it is upside down.
const MIN_SCORE: f32 = 0.9;

pub struct LineOrientation {
    pool: SessionPool,
}

impl LineOrientation {
    pub fn new(pool: SessionPool) -> Self {
        Self { pool }
    }

    /// Which lines the classifier finds upside down.
    pub fn upside_down(&self, lines: &[&LineImage]) -> Result<Vec<bool>> {
        let h = LINE_HEIGHT as usize;
        let plane = h * WIDTH;
        let mut flagged = Vec::with_capacity(lines.len());
        for chunk in lines.chunks(BATCH) {
            let n = chunk.len();
            let mut input = vec![0f32; n * 3 * plane];
            for (b, line) in chunk.iter().enumerate() {
                let lw = line.width as usize;
                // Squeeze long lines to the classifier's width; short ones are padded with 0.
                let w = lw.min(WIDTH);
                for y in 0..h {
                    for x in 0..w {
                        let sx = if lw > WIDTH { x * lw / WIDTH } else { x };
                        let px = line.pixels[y * lw + sx];
                        for (c, v) in [px[2], px[1], px[0]].into_iter().enumerate() {
                            input[b * 3 * plane + c * plane + y * WIDTH + x] =
                                v as f32 / 127.5 - 1.0;
                        }
                    }
                }
            }
            let (shape, scores) = self.pool.run_f32(&[n, 3, h, WIDTH], &input)?;
            if scores.len() != n * 2 {
                return Err(Error::Ocr(format!(
                    "line orientation model returned shape {shape:?} for {n} lines"
                )));
            }
            flagged.extend((0..n).map(|b| scores[b * 2 + 1] > MIN_SCORE));
        }
        Ok(flagged)
    }
}
