//! PicoDet post-processing: grid cells → boxes (distribution-focal regression), then per-class
//! non-maximum suppression.

/// Classes the model knows.
const CLASSES: usize = 10;
/// Bins of each box side's distance distribution.
const BINS: usize = 8;
const STRIDES: [usize; 4] = [8, 16, 32, 64];
const NMS_IOU: f32 = 0.5;
const MAX_PER_CLASS: usize = 100;

/// A decoded detection in model-input pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub class: usize,
    pub bbox: [f32; 4],
    pub score: f32,
}

/// Decodes the model's outputs (scores `[1,N,10]` and distributions `[1,N,32]` per stride, in
/// any order) for an input of `w`×`h` pixels.
pub fn decode(
    outputs: &[(Vec<i64>, Vec<f32>)],
    w: u32,
    h: u32,
    min_score: f32,
) -> Result<Vec<Detection>, String> {
    let cells = |s: usize| (w as usize).div_ceil(s) * (h as usize).div_ceil(s);
    let mut candidates: Vec<Detection> = Vec::new();
    for stride in STRIDES {
        let n = cells(stride);
        let find = |last: usize| {
            outputs.iter().find(|(shape, data)| {
                shape.last() == Some(&(last as i64)) && data.len() == n * last
            })
        };
        let (Some((_, scores)), Some((_, dists))) = (find(CLASSES), find(4 * BINS)) else {
            return Err(format!(
                "unexpected outputs: no scores/boxes for stride {stride} ({n} cells)"
            ));
        };
        let cols = (w as usize).div_ceil(stride);
        for cell in 0..n {
            let row_scores = &scores[cell * CLASSES..(cell + 1) * CLASSES];
            let (cx, cy) = (
                ((cell % cols) as f32 + 0.5) * stride as f32,
                ((cell / cols) as f32 + 0.5) * stride as f32,
            );
            let mut sides: Option<[f32; 4]> = None;
            for (class, &score) in row_scores.iter().enumerate() {
                if score <= min_score {
                    continue;
                }
                let d = *sides.get_or_insert_with(|| {
                    let dist = &dists[cell * 4 * BINS..(cell + 1) * 4 * BINS];
                    [0, 1, 2, 3].map(|side| expected(&dist[side * BINS..(side + 1) * BINS]))
                });
                let s = stride as f32;
                candidates.push(Detection {
                    class,
                    bbox: [
                        (cx - d[0] * s).max(0.0),
                        (cy - d[1] * s).max(0.0),
                        (cx + d[2] * s).min(w as f32),
                        (cy + d[3] * s).min(h as f32),
                    ],
                    score,
                });
            }
        }
    }
    Ok(nms(candidates))
}

/// Expected bin index under the softmax of `logits`.
fn expected(logits: &[f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let (mut sum, mut weighted) = (0f32, 0f32);
    for (i, &l) in logits.iter().enumerate() {
        let e = (l - max).exp();
        sum += e;
        weighted += e * i as f32;
    }
    if sum > 0.0 {
        weighted / sum
    } else {
        0.0
    }
}

fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let area = |r: [f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

/// Greedy per-class non-maximum suppression, best first.
fn nms(mut candidates: Vec<Detection>) -> Vec<Detection> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    let mut per_class = [0usize; CLASSES];
    for c in candidates {
        if per_class[c.class] >= MAX_PER_CLASS {
            continue;
        }
        if kept
            .iter()
            .any(|k| k.class == c.class && iou(k.bbox, c.bbox) > NMS_IOU)
        {
            continue;
        }
        per_class[c.class] += 1;
        kept.push(c);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppresses_overlaps_within_a_class_only() {
        let d = |class, x0: f32, score| Detection {
            class,
            bbox: [x0, 0.0, x0 + 10.0, 10.0],
            score,
        };
        let kept = nms(vec![
            d(0, 0.0, 0.6),
            d(0, 1.0, 0.9),
            d(1, 1.0, 0.8),
            d(0, 50.0, 0.7),
        ]);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0], d(0, 1.0, 0.9));
        assert!(kept.contains(&d(1, 1.0, 0.8)));
        assert!(!kept.contains(&d(0, 0.0, 0.6)));
    }

    #[test]
    fn distribution_expectation() {
        assert!((expected(&[0.0, 0.0, 100.0, 0.0]) - 2.0).abs() < 1e-3);
        let uniform = expected(&[1.0; 8]);
        assert!((uniform - 3.5).abs() < 1e-3);
    }
}
