//! Text recognition (PP-OCR CRNN/SVTR with CTC): line images 48 px high, batched by aspect
//! ratio, decoded greedily into characters with their positions along the line.

use crate::error::{Error, Result};
use crate::runtime::SessionPool;

/// Height of a line image for the recogniser.
pub const LINE_HEIGHT: u32 = 48;
/// Narrowest batch width, as the models were trained (320 / 48 aspect).
const MIN_WIDTH: u32 = 320;
/// Widest line image accepted; longer lines are squeezed.
pub const MAX_WIDTH: u32 = 48 * 40;
/// Lines recognised with less mean confidence are dropped.
const MIN_CONFIDENCE: f32 = 0.5;

/// A line image ready for recognition: RGB rows, `width` × [`LINE_HEIGHT`].
pub struct LineImage {
    pub pixels: Vec<[u8; 3]>,
    pub width: u32,
}

/// One recognised character: the text and its centre as a fraction of the line's length.
#[derive(Debug, Clone)]
pub struct RecChar {
    pub text: String,
    pub at: f32,
}

/// A recognised line.
#[derive(Debug, Clone)]
pub struct RecLine {
    pub chars: Vec<RecChar>,
    pub confidence: f32,
}

pub struct Recognizer {
    pool: SessionPool,
    dict: Vec<String>,
    batch: usize,
}

impl Recognizer {
    /// `dict` holds one symbol per line, as shipped with the model.
    pub fn new(pool: SessionPool, dict_text: &str, batch: usize) -> Self {
        let dict = dict_text
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        Self {
            pool,
            dict,
            batch: batch.max(1),
        }
    }

    /// Recognises every line; `None` where nothing legible was found.
    pub fn recognize(&self, lines: &[LineImage]) -> Result<Vec<Option<RecLine>>> {
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&i| lines[i].width);
        let mut out: Vec<Option<RecLine>> = vec![None; lines.len()];
        for chunk in order.chunks(self.batch) {
            let width = chunk
                .iter()
                .map(|&i| lines[i].width)
                .max()
                .unwrap_or(MIN_WIDTH)
                .max(MIN_WIDTH);
            let (h, w, n) = (LINE_HEIGHT as usize, width as usize, chunk.len());
            let plane = h * w;
            let mut input = vec![0f32; n * 3 * plane];
            for (b, &i) in chunk.iter().enumerate() {
                let line = &lines[i];
                let lw = line.width as usize;
                for y in 0..h {
                    for x in 0..lw {
                        let px = line.pixels[y * lw + x];
                        // BGR, scaled to [-1, 1]; padding stays 0.
                        for (c, v) in [px[2], px[1], px[0]].into_iter().enumerate() {
                            input[b * 3 * plane + c * plane + y * w + x] = v as f32 / 127.5 - 1.0;
                        }
                    }
                }
            }
            let (shape, data) = self.pool.run_f32(&[n, 3, h, w], &input)?;
            if shape.len() != 3 || shape[0] as usize != n {
                return Err(Error::Ocr(format!(
                    "unexpected recogniser output shape {shape:?}"
                )));
            }
            let (steps, classes) = (shape[1] as usize, shape[2] as usize);
            let decoded: Vec<Option<RecLine>> = (0..n)
                .map(|b| {
                    let lw = lines[chunk[b]].width as f32;
                    let probs = &data[b * steps * classes..(b + 1) * steps * classes];
                    self.decode(probs, steps, classes, w as f32 / lw)
                })
                .collect();
            for (&i, line) in chunk.iter().zip(decoded) {
                out[i] = line;
            }
        }
        Ok(out)
    }

    /// Greedy CTC: best class per step, repeats merged, blanks (0) dropped. Class k is
    /// dictionary line k − 1; the class after the dictionary is a space.
    fn decode(&self, probs: &[f32], steps: usize, classes: usize, stretch: f32) -> Option<RecLine> {
        let mut chars = Vec::new();
        let mut scores = Vec::new();
        let mut prev = 0usize;
        for t in 0..steps {
            let row = &probs[t * classes..(t + 1) * classes];
            let (k, p) =
                row.iter().enumerate().fold(
                    (0, f32::MIN),
                    |best, (k, &p)| if p > best.1 { (k, p) } else { best },
                );
            if k != 0 && k != prev {
                let text = match self.dict.get(k - 1) {
                    Some(s) => s.clone(),
                    None => " ".to_string(),
                };
                let at = ((t as f32 + 0.5) / steps as f32 * stretch).min(1.0);
                chars.push(RecChar { text, at });
                scores.push(p);
            }
            prev = k;
        }
        while chars.last().is_some_and(|c| c.text.trim().is_empty()) {
            chars.pop();
            scores.pop();
        }
        if chars.is_empty() {
            return None;
        }
        let confidence = scores.iter().sum::<f32>() / scores.len() as f32;
        (confidence >= MIN_CONFIDENCE).then_some(RecLine { chars, confidence })
    }
}
