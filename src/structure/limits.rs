//! Limits set over and under a display-size operator (`\sum_{k=1}^{n}`, `\int_0^\infty`) are
//! moved beside it as a subscript and a superscript, so the line and math stages read them
//! with the operator instead of as lines of their own.

use super::fractions::centre_y;
use crate::pdf::Glyph;

/// Operators that take limits.
const OPERATORS: &[char] = &[
    '∑', '∏', '∐', '∫', '∮', '⋃', '⋂', '⋀', '⋁', '⨁', '⨂', '⨀', '⨄',
];
/// An operator this much taller than its type is set in display size.
const DISPLAY: f32 = 1.3;
/// A limit is set smaller than the operator's type.
const SCRIPT: f32 = 0.9;
/// How far (in ems of the operator's type) a limit may stand beside, above or below it.
const REACH_EM: f32 = 1.2;

/// Rewrites `glyphs` so each display operator's limits follow it as scripts.
pub fn attach(glyphs: &mut Vec<Glyph>) {
    let mut i = 0;
    while i < glyphs.len() {
        let op = glyphs[i];
        let tall = op.bbox[3] - op.bbox[1];
        if !OPERATORS.contains(&op.c) || tall < DISPLAY * op.size {
            i += 1;
            continue;
        }
        let (top, bottom, mid) = (op.bbox[1], op.bbox[3], centre_y(op.bbox));
        let em = op.size.max(1.0);
        let near_x = |g: &Glyph| {
            let c = (g.bbox[0] + g.bbox[2]) / 2.0;
            c >= op.bbox[0] - 0.5 * em && c <= op.bbox[2] + REACH_EM * em
        };
        let small = |g: &Glyph| g.size < SCRIPT * op.size;
        let upper: Vec<usize> = (0..glyphs.len())
            .filter(|&k| {
                let g = &glyphs[k];
                let c = centre_y(g.bbox);
                k != i && small(g) && near_x(g) && c < mid - 0.25 * tall && c > top - REACH_EM * em
            })
            .collect();
        let lower: Vec<usize> = (0..glyphs.len())
            .filter(|&k| {
                let g = &glyphs[k];
                let c = centre_y(g.bbox);
                k != i
                    && small(g)
                    && near_x(g)
                    && c > mid + 0.25 * tall
                    && c < bottom + REACH_EM * em
            })
            .collect();
        if upper.is_empty() && lower.is_empty() {
            i += 1;
            continue;
        }
        // Lower limit first, then the upper, right after the operator and no further right
        // than they reached (the formula goes on after them).
        let reach = upper
            .iter()
            .chain(&lower)
            .map(|&k| glyphs[k].bbox[2])
            .fold(op.bbox[2] + 0.3 * em, f32::max);
        let mut moved: Vec<Glyph> = Vec::new();
        // Boxes tall enough to overlap one another (one run of the line), centred off the
        // operator's middle so they read as scripts.
        let parts = [
            (&lower, [mid - 0.4 * em, mid + 1.0 * em]),
            (&upper, [mid - 1.0 * em, mid + 0.4 * em]),
        ];
        let count = (lower.len() + upper.len()) as f32;
        let step = (reach - op.bbox[2]) / count.max(1.0);
        let mut x = op.bbox[2];
        for (set, [y0, y1]) in parts {
            for &k in set.iter() {
                let mut g = glyphs[k];
                g.bbox = [x, y0, x + step, y1];
                x += step;
                moved.push(g);
            }
        }
        let mut gone: Vec<usize> = upper.iter().chain(&lower).copied().collect();
        gone.push(i);
        gone.sort_unstable();
        gone.dedup();
        let at = i - gone.iter().filter(|&&k| k < i).count();
        for &k in gone.iter().rev() {
            glyphs.remove(k);
        }
        let mut group = vec![op];
        group.extend(moved);
        let next = at + group.len();
        glyphs.splice(at..at, group);
        i = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyph(c: char, x: f32, y0: f32, y1: f32, size: f32) -> Glyph {
        Glyph::sample(c, [x, y0, x + 0.5 * size, y1], size, true)
    }

    #[test]
    fn limits_over_and_under_a_sum_follow_it() {
        // ∑ from k=1 to n, then k: "n" above, "k=1" below a 14 pt tall sum.
        let mut g = vec![
            glyph('∑', 268.0, 214.0, 228.0, 10.0),
            glyph('n', 272.0, 208.0, 211.5, 7.0),
            glyph('k', 284.0, 217.0, 224.0, 10.0),
            glyph('k', 266.0, 230.0, 235.0, 7.0),
            glyph('=', 270.0, 231.0, 234.0, 7.0),
            glyph('1', 274.0, 230.0, 235.0, 7.0),
        ];
        attach(&mut g);
        let text: String = g.iter().map(|g| g.c).collect();
        assert_eq!(text, "∑k=1nk");
        // each limit now sits beside the operator, inside its height
        assert!(g[1..5]
            .iter()
            .all(|x| x.bbox[1] >= 211.0 && x.bbox[3] <= 231.0));
    }

    #[test]
    fn an_operator_in_text_size_is_left_alone() {
        let mut g = vec![
            glyph('∑', 100.0, 100.0, 110.0, 10.0),
            glyph('i', 106.0, 106.0, 110.0, 7.0),
        ];
        let before: Vec<char> = g.iter().map(|g| g.c).collect();
        attach(&mut g);
        assert_eq!(g.iter().map(|g| g.c).collect::<Vec<_>>(), before);
    }
}
