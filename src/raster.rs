//! Pixel operations on page images that the model stages share.
//!
//! [`shrink`] scales a page down for a model that sees it whole (the text detector, the page
//! orientation classifier) with a tent filter widened to the reduction, so thin strokes fade
//! instead of vanishing between samples: the `image` crate's `Triangle` filter, which the
//! models' accuracy was measured with, computed with integer weights and one row of sums. On a
//! one-page scan the crate's float version cost as much CPU as the detector model itself and
//! allocated a float copy of the page.

use ::image::RgbImage;

/// Sum of one output pixel's weights along a row (fixed point).
const ROW_ONE: u64 = 1 << 16;
/// Sum of one output row's weights down the columns (fixed point).
const COLUMN_ONE: u32 = 1 << 12;

/// `img` scaled to `width` × `height`: each output pixel is the mean of the source pixels
/// around its centre, weighted by a tent as wide as two output pixels (two source pixels when
/// enlarging, which makes it bilinear interpolation).
pub fn shrink(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (sw, sh) = img.dimensions();
    let (width, height) = (width.max(1), height.max(1));
    if sw == 0 || sh == 0 {
        return RgbImage::new(width, height);
    }
    let across = spans(sw, width, ROW_ONE as u32);
    let down = spans(sh, height, COLUMN_ONE);
    let raw = img.as_raw();
    let row_len = 3 * sw as usize;
    let mut sums = vec![0u32; row_len];
    let mut out = Vec::with_capacity(3 * width as usize * height as usize);
    for span in &down {
        // The output row's source rows, weighted, summed per column.
        sums.fill(0);
        for (k, &wy) in span.weights.iter().enumerate() {
            let row = &raw[(span.first + k) * row_len..][..row_len];
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += wy * v as u32;
            }
        }
        for span in &across {
            let mut px = [0u64; 3];
            for (k, &wx) in span.weights.iter().enumerate() {
                let at = 3 * (span.first + k);
                for (c, p) in px.iter_mut().enumerate() {
                    *p += wx as u64 * sums[at + c] as u64;
                }
            }
            let one = ROW_ONE * COLUMN_ONE as u64;
            out.extend(px.map(|p| ((p + one / 2) / one).min(255) as u8));
        }
    }
    RgbImage::from_raw(width, height, out).unwrap_or_else(|| RgbImage::new(width, height))
}

/// The source pixels under one output pixel and their weights (summing to the fixed-point one).
struct Span {
    first: usize,
    weights: Vec<u32>,
}

/// For each of `to` output pixels along a side of `from` source pixels, the source pixels its
/// tent covers and their weights.
fn spans(from: u32, to: u32, one: u32) -> Vec<Span> {
    let scale = from as f64 / to as f64;
    let radius = scale.max(1.0);
    (0..to)
        .map(|i| {
            let centre = (i as f64 + 0.5) * scale;
            let first = ((centre - radius).floor().max(0.0) as usize).min(from as usize - 1);
            let last = ((centre + radius).ceil() as usize).clamp(first + 1, from as usize);
            let tent: Vec<f64> = (first..last)
                .map(|p| (1.0 - ((p as f64 + 0.5 - centre) / radius).abs()).max(0.0))
                .collect();
            // Never zero: the pixel under the centre is within half a pixel of it.
            let total: f64 = tent.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let mut weights: Vec<u32> = tent
                .iter()
                .map(|t| (t / total * one as f64).round() as u32)
                .collect();
            // Rounding may leave the sum a unit off: the largest weight absorbs it.
            let sum: u32 = weights.iter().sum();
            if let Some(max) = weights.iter_mut().max() {
                *max = (*max + one).saturating_sub(sum);
            }
            Span { first, weights }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::shrink;
    use ::image::{imageops::FilterType, Rgb, RgbImage};

    /// A page-like test image: strokes, edges and gradients.
    fn sample(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            Rgb([
                ((x * 7 + y * 13) % 256) as u8,
                if x % 9 == 0 || y % 11 < 2 { 0 } else { 250 },
                ((x ^ y) * 5 % 256) as u8,
            ])
        })
    }

    #[test]
    fn matches_the_image_crates_triangle_filter() {
        // The reductions the detector and the orientation classifier make, and an enlargement.
        for (from, to) in [
            ((620, 877), (448, 640)),
            ((1240, 1754), (288, 410)),
            ((97, 61), (29, 23)),
            ((40, 30), (64, 48)),
        ] {
            let img = sample(from.0, from.1);
            let ours = shrink(&img, to.0, to.1);
            let theirs = ::image::imageops::resize(&img, to.0, to.1, FilterType::Triangle);
            let worst = ours
                .as_raw()
                .iter()
                .zip(theirs.as_raw())
                .map(|(a, b)| a.abs_diff(*b))
                .max();
            assert!(worst <= Some(2), "{from:?} -> {to:?}: off by {worst:?}");
        }
    }

    #[test]
    fn a_thin_stroke_keeps_its_ink() {
        // A one-pixel black column on white, shrunk 3.3×: its ink spreads, it does not vanish.
        let img = RgbImage::from_fn(100, 10, |x, _| {
            if x == 50 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let small = shrink(&img, 30, 3);
        let ink: u32 = small.pixels().map(|p| 255 - p.0[0] as u32).sum();
        // 255 units of ink in each of 10 rows; the tents of neighbouring output pixels add up
        // to one, so each output pixel holds 1 / ((100 / 30) × (10 / 3)) of what lies under it.
        let expected = 255.0 * 10.0 / ((100.0 / 30.0) * (10.0 / 3.0));
        assert!(
            (ink as f64 - expected).abs() < 4.0,
            "ink {ink}, expected {expected}"
        );
        let darkest = small.pixels().map(|p| p.0[0]).min();
        assert!(darkest < Some(215), "darkest {darkest:?}");
    }

    #[test]
    fn enlarging_and_degenerate_sizes_do_not_panic() {
        let img = RgbImage::from_pixel(3, 2, Rgb([9, 8, 7]));
        assert_eq!(shrink(&img, 7, 5).get_pixel(6, 4).0, [9, 8, 7]);
        assert_eq!(shrink(&img, 0, 0).dimensions(), (1, 1));
        assert_eq!(shrink(&RgbImage::new(0, 0), 4, 4).dimensions(), (4, 4));
    }
}
