//! Fractions on born-digital pages: a numerator and a denominator set over and under a short
//! horizontal rule (TeX's fraction bar) are moved onto the bar's row between three marker
//! glyphs, so the line and math stages read them as one formula: `\frac{…}{…}` in LaTeX,
//! `(…)/(…)` in linear text.

use crate::document::BBox;
use crate::pdf::{Glyph, Ruling};

/// Markers: `\frac{`, `}{` and `}` (private-use characters no text layer keeps).
pub const OPEN: char = '\u{E000}';
pub const OVER: char = '\u{E001}';
pub const CLOSE: char = '\u{E002}';
/// Marker: the end of the bar over a root's radicand.
pub const ROOT_END: char = '\u{E003}';

/// Thickest rule that is a fraction bar, in points.
const MAX_THICKNESS: f32 = 1.5;
/// Shortest and longest fraction bar, in points.
const MIN_WIDTH: f32 = 3.0;
const MAX_WIDTH: f32 = 300.0;
/// A numerator's lowest glyphs sit this close above the bar (a denominator's top below it),
/// in ems of their type.
const NEAR_EM: f32 = 0.7;
/// Text this close beside the bar's ends on the numerator's or denominator's rows means the
/// rule underlines a line of text, in ems.
const BESIDE_EM: f32 = 1.5;

/// Marks where the bar over each root's radicand ends (TeX draws it as a rule from the top
/// of the root sign), so the radicand is what the bar covers, not just the next word.
pub fn mark_roots(glyphs: &mut Vec<Glyph>, rulings: &[Ruling]) {
    let mut i = 0;
    while i < glyphs.len() {
        let root = glyphs[i];
        i += 1;
        if root.c != '√' || !root.style.math {
            continue;
        }
        let em = root.size.max(1.0);
        let Some(bar) = rulings.iter().find(|r| {
            (r[3] - r[1]).abs() <= MAX_THICKNESS
                && (r[0] - root.bbox[2]).abs() <= 0.3 * em
                // at the sign's top (its box may be the font's, taller than the ink)
                && centre_y(**r) >= root.bbox[1] - 0.3 * em
                && centre_y(**r) <= centre_y(root.bbox)
                && r[2] - r[0] >= 0.3 * em
        }) else {
            continue;
        };
        // The last glyph under the bar, in stream order.
        let under = |g: &Glyph| {
            let c = centre_x(g.bbox);
            c >= bar[0] && c <= bar[2] && centre_y(g.bbox) > bar[1] && g.bbox[1] < root.bbox[3]
        };
        let Some(last) = (i..glyphs.len()).filter(|&k| under(&glyphs[k])).max() else {
            continue;
        };
        let mut end = glyphs[last];
        end.c = ROOT_END;
        end.bbox[0] = end.bbox[2];
        end.bbox[2] += 0.1 * em;
        end.style.math = true;
        end.space_before = false;
        glyphs.insert(last + 1, end);
    }
}

/// Rewrites `glyphs` so each fraction reads along its bar's row.
pub fn inline(glyphs: &mut Vec<Glyph>, rulings: &[Ruling]) {
    let mut bars: Vec<BBox> = rulings
        .iter()
        .filter(|r| {
            let (w, h) = (r[2] - r[0], (r[3] - r[1]).abs());
            h <= MAX_THICKNESS && (MIN_WIDTH..=MAX_WIDTH).contains(&w)
        })
        .copied()
        .collect();
    if bars.is_empty() || !glyphs.iter().any(|g| g.style.math) {
        return;
    }
    // Inner fractions first: an outer bar then takes the inner one's row as a whole.
    bars.sort_by(|a, b| (a[2] - a[0]).total_cmp(&(b[2] - b[0])));
    for bar in bars {
        if let Some(parts) = find(glyphs, bar) {
            rebuild(glyphs, bar, parts);
        }
    }
}

struct Parts {
    numerator: Vec<usize>,
    denominator: Vec<usize>,
    /// The row the fraction sits on: centre, and the glyph after which it goes in the stream.
    axis: f32,
    after: Option<usize>,
}

/// Leftmost and rightmost x of the glyphs `set` indexes.
fn extent(glyphs: &[Glyph], set: &[usize]) -> (f32, f32) {
    set.iter().fold((f32::MAX, f32::MIN), |(x0, x1), &i| {
        (x0.min(glyphs[i].bbox[0]), x1.max(glyphs[i].bbox[2]))
    })
}

fn centre_x(b: BBox) -> f32 {
    (b[0] + b[2]) / 2.0
}

pub(super) fn centre_y(b: BBox) -> f32 {
    (b[1] + b[3]) / 2.0
}

/// The glyphs over and under `bar`, if they make a fraction.
fn find(glyphs: &[Glyph], bar: BBox) -> Option<Parts> {
    let y = centre_y(bar);
    let within = |g: &Glyph| {
        let c = centre_x(g.bbox);
        c >= bar[0] - 1.0 && c <= bar[2] + 1.0
    };
    // The glyphs sitting right on the bar and hanging right under it.
    let on: Vec<usize> = (0..glyphs.len())
        .filter(|&i| {
            let g = &glyphs[i];
            within(g) && (0.0..=NEAR_EM * g.size).contains(&(y - g.bbox[3]))
        })
        .collect();
    let under: Vec<usize> = (0..glyphs.len())
        .filter(|&i| {
            let g = &glyphs[i];
            within(g) && (0.0..=NEAR_EM * g.size).contains(&(g.bbox[1] - y))
        })
        .collect();
    if on.is_empty() || under.is_empty() {
        return None;
    }
    let em = |set: &[usize]| set.iter().map(|&i| glyphs[i].size).fold(0.0f32, f32::max);
    let top = on
        .iter()
        .map(|&i| glyphs[i].bbox[1])
        .fold(f32::MAX, f32::min)
        - 0.5 * em(&on);
    let bottom = under
        .iter()
        .map(|&i| glyphs[i].bbox[3])
        .fold(f32::MIN, f32::max)
        + 0.5 * em(&under);
    let numerator: Vec<usize> = (0..glyphs.len())
        .filter(|&i| within(&glyphs[i]) && (top..y).contains(&centre_y(glyphs[i].bbox)))
        .collect();
    let denominator: Vec<usize> = (0..glyphs.len())
        .filter(|&i| within(&glyphs[i]) && (y..bottom).contains(&centre_y(glyphs[i].bbox)))
        .collect();
    let all = || numerator.iter().chain(&denominator).map(|&i| &glyphs[i]);
    if !all().any(|g| g.style.math) {
        return None;
    }
    // An underline has the rest of its line beside it; a fraction bar stands clear.
    let size = em(&numerator).max(em(&denominator)).max(1.0);
    let beside = glyphs.iter().any(|g| {
        let c = centre_y(g.bbox);
        let row = (top..y).contains(&c) || (y..bottom).contains(&c);
        let near = (g.bbox[2] <= bar[0] && bar[0] - g.bbox[2] < BESIDE_EM * size)
            || (g.bbox[0] >= bar[2] && g.bbox[0] - bar[2] < BESIDE_EM * size);
        row && near && !(g.bbox[1] <= y && g.bbox[3] >= y)
    });
    // Numerator and denominator are centred on the bar.
    let centred = |set: &[usize]| {
        let (x0, x1) = extent(glyphs, set);
        ((x0 + x1) / 2.0 - centre_x(bar)).abs() <= 0.25 * (bar[2] - bar[0]) + 2.0
    };
    if beside || !centred(&numerator) || !centred(&denominator) {
        return None;
    }
    // The formula's own row crosses the bar's height beside it ("x =" before the fraction).
    let row: Vec<usize> = (0..glyphs.len())
        .filter(|&i| {
            let g = &glyphs[i];
            g.bbox[1] <= y
                && g.bbox[3] >= y
                && (g.bbox[2] <= bar[0] + 1.0 || g.bbox[0] >= bar[2] - 1.0)
                && (g.bbox[0] - bar[2]).max(bar[0] - g.bbox[2]) < 3.0 * size
        })
        .collect();
    let axis = if row.is_empty() {
        y
    } else {
        row.iter().map(|&i| centre_y(glyphs[i].bbox)).sum::<f32>() / row.len() as f32
    };
    let after = row
        .iter()
        .copied()
        .filter(|&i| glyphs[i].bbox[2] <= bar[0] + 1.0)
        .max_by(|&a, &b| glyphs[a].bbox[2].total_cmp(&glyphs[b].bbox[2]));
    Some(Parts {
        numerator,
        denominator,
        axis,
        after,
    })
}

/// Moves the numerator and denominator onto the axis between markers, in stream order after
/// the row's glyph left of the bar.
fn rebuild(glyphs: &mut Vec<Glyph>, bar: BBox, parts: Parts) {
    let width = bar[2] - bar[0];
    let size = parts
        .numerator
        .iter()
        .chain(&parts.denominator)
        .map(|&i| glyphs[i].size)
        .fold(0.0f32, f32::max)
        .max(1.0);
    let template = glyphs[parts.numerator[0]];
    let marker = |c: char, x0: f32, x1: f32| Glyph {
        c,
        bbox: [x0, parts.axis - size / 2.0, x1, parts.axis + size / 2.0],
        size,
        style: crate::pdf::GlyphStyle {
            math: true,
            ..template.style
        },
        font: template.font,
        space_before: false,
        estimated: false,
        turn: 0,
    };
    // Each part keeps its glyphs' relative positions, squeezed into its share of the bar.
    let place = |set: &[usize], from: f32, to: f32| -> Vec<Glyph> {
        let (x0, x1) = extent(glyphs, set);
        let scale = (to - from) / (x1 - x0).max(1e-3);
        let base = set
            .iter()
            .filter(|&&i| glyphs[i].size >= 0.9 * size)
            .map(|&i| centre_y(glyphs[i].bbox))
            .next()
            .unwrap_or_else(|| centre_y(glyphs[set[0]].bbox));
        set.iter()
            .map(|&i| {
                let mut g = glyphs[i];
                let dy = parts.axis - base;
                g.bbox = [
                    from + (g.bbox[0] - x0) * scale,
                    g.bbox[1] + dy,
                    from + (g.bbox[2] - x0) * scale,
                    g.bbox[3] + dy,
                ];
                g
            })
            .collect()
    };
    let x = |share: f32| bar[0] + share * width;
    let mut group = vec![marker(OPEN, x(0.0), x(0.04))];
    group.extend(place(&parts.numerator, x(0.05), x(0.47)));
    group.push(marker(OVER, x(0.48), x(0.52)));
    group.extend(place(&parts.denominator, x(0.53), x(0.95)));
    group.push(marker(CLOSE, x(0.96), x(1.0)));
    let mut moved: Vec<usize> = parts
        .numerator
        .iter()
        .chain(&parts.denominator)
        .copied()
        .collect();
    moved.sort_unstable();
    moved.dedup();
    let at = match parts.after {
        Some(a) => a + 1 - moved.iter().filter(|&&m| m < a).count(),
        None => moved[0],
    };
    for &m in moved.iter().rev() {
        glyphs.remove(m);
    }
    let at = at.min(glyphs.len());
    glyphs.splice(at..at, group);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyph(c: char, x: f32, y: f32, math: bool) -> Glyph {
        Glyph::sample(c, [x, y, x + 5.0, y + 10.0], 10.0, math)
    }

    #[test]
    fn numerator_and_denominator_move_onto_the_bar_row() {
        // x = 1/n: "x =" on the axis at y 95..105, "1" over and "n" under a bar at y 100.
        let mut g = vec![
            glyph('1', 62.0, 88.0, false),
            glyph('x', 40.0, 95.0, true),
            glyph('=', 48.0, 95.0, false),
            glyph('n', 62.0, 101.5, true),
        ];
        inline(&mut g, &[[60.0, 99.8, 69.0, 100.2]]);
        let text: String = g.iter().map(|g| g.c).collect();
        assert_eq!(text, format!("x={OPEN}1{OVER}n{CLOSE}"));
        assert!(g
            .iter()
            .all(|g| (g.bbox[1] + g.bbox[3]) / 2.0 - 100.0 < 0.5));
    }

    #[test]
    fn a_root_ends_where_its_bar_ends() {
        // √(b − c) with the bar from the sign's top right over "b − c", then "+ d".
        let mut g = vec![
            glyph('√', 40.0, 90.0, true),
            glyph('b', 46.0, 92.0, true),
            glyph('−', 52.0, 92.0, false),
            glyph('c', 58.0, 92.0, true),
            glyph('+', 66.0, 92.0, false),
            glyph('d', 72.0, 92.0, true),
        ];
        mark_roots(&mut g, &[[45.0, 90.5, 63.5, 90.5]]);
        let text: String = g.iter().map(|g| g.c).collect();
        assert_eq!(text, format!("√b−c{ROOT_END}+d"));
    }

    #[test]
    fn an_underlined_word_is_no_fraction() {
        // "see here" over "next line", with "here" underlined.
        let mut g = Vec::new();
        for (i, c) in "see here".chars().enumerate() {
            g.push(glyph(c, 40.0 + 5.0 * i as f32, 88.0, i == 0));
        }
        for (i, c) in "next line".chars().enumerate() {
            g.push(glyph(c, 40.0 + 5.0 * i as f32, 101.0, false));
        }
        let before: String = g.iter().map(|g| g.c).collect();
        inline(&mut g, &[[60.0, 99.8, 80.0, 100.2]]);
        assert_eq!(g.iter().map(|g| g.c).collect::<String>(), before);
    }
}
