//! Horizontal rules drawn on a page image (a table's rules, form lines), read from the pixels:
//! what `pdf` reads from a born-digital page's paths, so the structure stage finds ruled
//! tables on scans too, and reads them as tables rather than as columns of loose words.

use super::ink::luma;
use crate::pdf::Ruling;
use ::image::RgbImage;

/// Shortest rule read, in points: a table's rule, not an underlined word or a fraction bar.
const MIN_LENGTH: f32 = 60.0;
/// Thickest rule, in points: thicker is a bar or a filled box.
const MAX_THICKNESS: f32 = 3.0;
/// How much darker than the paper a rule's pixels are (0–255 luminance).
const RULE_CONTRAST: u8 = 96;
/// Most colour a rule's pixels have (max − min channel): tables are ruled in black or grey,
/// while thin coloured strips are a slide theme's or a letterhead's decoration.
const MAX_CHROMA: u8 = 48;
/// Breaks a rule may have (JPEG, a fax's dropouts), in pixels.
const MAX_BREAK: u32 = 2;
/// How far the ends of one rule may wander from pixel row to pixel row, in points.
const END_SLACK: f32 = 2.0;
/// Share of the pixel rows just above and just below a rule (over its length; one row left
/// out on each side for the grey or jagged edge of a scanned or levelled rule) that must be
/// light: a rule is a line on paper, not a slice of a dark band between lines of light text.
const PAPER_BESIDE: f32 = 0.8;
/// Rules kept per page at most.
const MAX_RULES: usize = 2000;

/// A run of rule pixels on one pixel row: [x0, x1) on row y.
#[derive(Clone, Copy)]
struct Run {
    x0: u32,
    x1: u32,
}

/// A rule being read: its first and last pixel rows and its extent.
struct Open {
    top: u32,
    bottom: u32,
    x0: u32,
    x1: u32,
}

/// The page's horizontal rules in points (`points_per_pixel` from the image's resolution),
/// as `[x0, y, x1, y]`; `paper` is the page's paper tone ([`super::ink::paper`]). A page
/// without paper-coloured background gives none.
pub fn horizontal(img: &RgbImage, paper: u8, points_per_pixel: f32) -> Vec<Ruling> {
    if paper < 2 * RULE_CONTRAST || points_per_pixel <= 0.0 {
        return Vec::new();
    }
    let dark = paper - RULE_CONTRAST;
    let px = |pt: f32| (pt / points_per_pixel).round().max(1.0) as u32;
    let (min_len, slack, max_rows) = (px(MIN_LENGTH), px(END_SLACK), px(MAX_THICKNESS));
    let mut open: Vec<Open> = Vec::new();
    let mut out: Vec<Ruling> = Vec::new();
    let (w, h) = img.dimensions();
    let is_dark = |p: &::image::Rgb<u8>| {
        let chroma = p.0.iter().max().unwrap_or(&0) - p.0.iter().min().unwrap_or(&0);
        luma(p) < dark && chroma <= MAX_CHROMA
    };
    // Light share of pixel row `y` between x0 and x1; outside the page counts as paper.
    let light = |y: i64, x0: u32, x1: u32| {
        if y < 0 || y >= i64::from(h) || x1 <= x0 {
            return 1.0;
        }
        let lit = (x0..x1)
            .filter(|&x| luma(img.get_pixel(x, y as u32)) >= dark)
            .count();
        lit as f32 / (x1 - x0) as f32
    };
    let close = |o: Open, out: &mut Vec<Ruling>| {
        let on_paper = light(i64::from(o.top) - 2, o.x0, o.x1) >= PAPER_BESIDE
            && light(i64::from(o.bottom) + 2, o.x0, o.x1) >= PAPER_BESIDE;
        if o.bottom + 1 - o.top <= max_rows && on_paper && out.len() < MAX_RULES {
            let y = (o.top + o.bottom + 1) as f32 / 2.0 * points_per_pixel;
            out.push([
                o.x0 as f32 * points_per_pixel,
                y,
                o.x1 as f32 * points_per_pixel,
                y,
            ]);
        }
    };
    let mut runs: Vec<Run> = Vec::new();
    for (y, row) in (0..h).zip(img.as_raw().chunks_exact(3 * w as usize)) {
        runs.clear();
        let mut start: Option<u32> = None;
        let mut last_dark = 0u32;
        for (x, p) in (0..w).zip(row.chunks_exact(3)) {
            if is_dark(&::image::Rgb([p[0], p[1], p[2]])) {
                if start.is_none() {
                    start = Some(x);
                }
                last_dark = x;
            } else if let Some(s) = start {
                if x - last_dark > MAX_BREAK {
                    if last_dark + 1 - s >= min_len {
                        runs.push(Run {
                            x0: s,
                            x1: last_dark + 1,
                        });
                    }
                    start = None;
                }
            }
        }
        if let Some(s) = start {
            if last_dark + 1 - s >= min_len {
                runs.push(Run {
                    x0: s,
                    x1: last_dark + 1,
                });
            }
        }
        // Continue the rules these runs extend; close those no run extends.
        let mut next: Vec<Open> = Vec::with_capacity(open.len() + runs.len());
        let mut taken = vec![false; runs.len()];
        for o in open.drain(..) {
            let hit = runs.iter().enumerate().position(|(i, r)| {
                !taken[i] && r.x0.abs_diff(o.x0) <= slack && r.x1.abs_diff(o.x1) <= slack
            });
            match hit {
                Some(i) => {
                    taken[i] = true;
                    next.push(Open { bottom: y, ..o });
                }
                None => close(o, &mut out),
            }
        }
        for (r, _) in runs.iter().zip(&taken).filter(|(_, t)| !**t) {
            next.push(Open {
                top: y,
                bottom: y,
                x0: r.x0,
                x1: r.x1,
            });
        }
        open = next;
    }
    for o in open {
        close(o, &mut out);
    }
    merge_edges(out, max_rows as f32 * points_per_pixel)
}

/// One rule for each found more than once: the jagged edge rows of a rule (skewed, levelled,
/// JPEG'd) are runs of their own, read as rules beside it. Of rules within `thickness` of each
/// other that overlap along most of the shorter one, the longest stays.
fn merge_edges(mut rules: Vec<Ruling>, thickness: f32) -> Vec<Ruling> {
    rules.sort_by(|a, b| (b[2] - b[0]).total_cmp(&(a[2] - a[0])));
    let mut kept: Vec<Ruling> = Vec::with_capacity(rules.len());
    for r in rules {
        let beside = kept.iter().any(|k| {
            let overlap = r[2].min(k[2]) - r[0].max(k[0]);
            (r[1] - k[1]).abs() <= thickness && overlap >= 0.5 * (r[2] - r[0])
        });
        if !beside {
            kept.push(r);
        }
    }
    kept.sort_by(|a, b| a[1].total_cmp(&b[1]).then(a[0].total_cmp(&b[0])));
    kept
}

#[cfg(test)]
mod tests {
    use super::super::ink::paper;
    use super::*;
    use ::image::Rgb;

    /// A 150-dpi page (0.48 pt per pixel) with `boxes` painted dark.
    fn page(boxes: &[[u32; 4]]) -> RgbImage {
        RgbImage::from_fn(1200, 1600, |x, y| {
            let dark = boxes
                .iter()
                .any(|&[x0, y0, x1, y1]| (x0..x1).contains(&x) && (y0..y1).contains(&y));
            Rgb(if dark { [30; 3] } else { [240; 3] })
        })
    }

    #[test]
    fn a_tables_rules_are_read_and_bars_text_and_short_strokes_are_not() {
        let ppp = 0.48;
        let img = page(&[
            // Three rules of one table (the top one thicker, booktabs-style), one with a gap.
            [300, 200, 900, 203],
            [300, 260, 600, 262],
            [602, 260, 900, 262],
            [300, 400, 900, 403],
            // A black bar, a row of "letters", a short underline.
            [100, 800, 1100, 840],
            [100, 1000, 110, 1020],
            [115, 1000, 125, 1020],
            [100, 1200, 180, 1202],
        ]);
        let rules = horizontal(&img, paper(&img), ppp);
        assert_eq!(rules.len(), 3, "{rules:?}");
        for (rule, y) in rules.iter().zip([201.5, 261.0, 401.5]) {
            assert!((rule[0] - 300.0 * ppp).abs() < 1.0, "{rule:?}");
            assert!((rule[2] - 900.0 * ppp).abs() < 1.0, "{rule:?}");
            assert!(
                (rule[1] - y * ppp).abs() < 0.5 && rule[1] == rule[3],
                "{rule:?}"
            );
        }
    }

    #[test]
    fn a_dark_band_with_light_text_in_it_has_no_rules() {
        // A slide's black title band, 30 px high, with a line of white "letters" inside
        // leaving three dark rows above and below them.
        let mut img = page(&[[0, 100, 1200, 130]]);
        for x in (100..1100).filter(|x| x % 12 < 8) {
            for y in 103..127 {
                img.put_pixel(x, y, Rgb([250; 3]));
            }
        }
        assert!(horizontal(&img, paper(&img), 0.48).is_empty());
    }

    #[test]
    fn coloured_strips_are_decoration_not_rules() {
        let mut img = page(&[]);
        for x in 100..1100 {
            for y in 100..103 {
                img.put_pixel(x, y, Rgb([30, 40, 160]));
            }
        }
        assert!(horizontal(&img, paper(&img), 0.48).is_empty());
    }

    #[test]
    fn a_page_without_paper_has_no_rules() {
        let img = RgbImage::from_pixel(400, 400, Rgb([20, 20, 20]));
        assert!(horizontal(&img, paper(&img), 0.48).is_empty());
    }
}
