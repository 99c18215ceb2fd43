//! Ink and paper on a page image: the luminance of a pixel and the tone of the paper, shared
//! by the detector's crop and the reading of drawn rules.

use ::image::{Rgb, RgbImage};

/// Luminance 0–255 (Rec. 601 weights, integer).
pub fn luma(p: &Rgb<u8>) -> u8 {
    ((77 * p.0[0] as u32 + 150 * p.0[1] as u32 + 29 * p.0[2] as u32) >> 8) as u8
}

/// The paper's tone: the brightest luminance that, with everything brighter, covers at least
/// 5 % of the page (so a few white specks do not count, and a grey page is grey).
pub fn paper(img: &RgbImage) -> u8 {
    let mut histogram = [0u32; 256];
    for p in img.pixels() {
        histogram[luma(p) as usize] += 1;
    }
    let total = u64::from(img.width()) * u64::from(img.height());
    let mut brighter = 0u64;
    for v in (0..256).rev() {
        brighter += u64::from(histogram[v]);
        if brighter * 20 >= total {
            return v as u8;
        }
    }
    0
}
