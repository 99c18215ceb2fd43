//! Math on born-digital pages: stretches of a line set in math fonts (with the digits,
//! operators and smaller script glyphs around them) become LaTeX, superscripts and subscripts
//! read from each glyph's size and height against the line's own text.
//!
//! Each line gets two renderings: a readable linear text (`x^2 + y_1`, `e^(iπ) + 1 = 0`) for
//! plain text and chunks, and the same line with each formula as `$…$` for Markdown and the
//! JSON's `latex`.

use super::fractions;
use crate::pdf::Glyph;
use unicode_normalization::UnicodeNormalization;

/// A glyph this much smaller than the line's type is a script when it sits off the baseline.
const SCRIPT_SIZE: f32 = 0.9;
/// Offset of a script glyph's centre from the line's centre, in ems of the line's type.
const SUPER_SHIFT: f32 = -0.1;
const SUB_SHIFT: f32 = 0.08;

/// A line's text in both renderings; `None` when it holds no math.
pub struct Rendered {
    pub text: String,
    pub latex: String,
    /// The whole line is one formula.
    pub all_math: bool,
}

/// Renders the glyphs of one line (`spaced[i]`: a space precedes glyph `i`; `size`: the
/// line's median font size).
pub fn render(glyphs: &[Glyph], spaced: &[bool], size: f32) -> Option<Rendered> {
    if !glyphs.iter().any(|g| g.style.math) {
        return None;
    }
    let spans = spans(glyphs, spaced, size);
    if spans.is_empty() {
        return None;
    }
    let levels = levels(glyphs, size);
    // The line as alternating stretches of text and formulas.
    let mut segments: Vec<(usize, usize, bool)> = Vec::with_capacity(2 * spans.len() + 1);
    let mut at = 0;
    for &(start, end) in &spans {
        if at < start {
            segments.push((at, start, false));
        }
        segments.push((start, end, true));
        at = end;
    }
    if at < glyphs.len() {
        segments.push((at, glyphs.len(), false));
    }
    let (mut text, mut latex) = (String::new(), String::new());
    for (start, end, math) in segments {
        if spaced[start] && start > 0 {
            text.push(' ');
            latex.push(' ');
        }
        let (g, sp, lv) = (
            &glyphs[start..end],
            &spaced[start..end],
            &levels[start..end],
        );
        if math {
            text.push_str(&linear(g, sp, lv));
            latex.push('$');
            latex.push_str(&to_latex(g, sp, lv));
            latex.push('$');
        } else {
            for (i, glyph) in g.iter().enumerate() {
                if sp[i] && i > 0 {
                    text.push(' ');
                    latex.push(' ');
                }
                text.push(glyph.c);
                latex.push(glyph.c);
            }
        }
    }
    // One formula, give or take the punctuation after it.
    let all_math = spans.len() == 1
        && spans[0].0 == 0
        && glyphs[spans[0].1..].iter().all(|g| ",.;:".contains(g.c));
    Some(Rendered {
        text,
        latex,
        all_math,
    })
}

/// Characters that belong to a formula next to math-font glyphs.
fn mathy(c: char) -> bool {
    c.is_ascii_digit()
        || "+-=()[]{}<>/|*'!^_.,:;".contains(c)
        || latex_of(c).is_some()
        || ('\u{391}'..='\u{3c9}').contains(&c)
}

/// Stretches `[start, end)` of glyphs that form formulas: they hold a math-font glyph and grow
/// over neighbouring digits, operators and script-size glyphs, never over words in text type.
fn spans(glyphs: &[Glyph], spaced: &[bool], size: f32) -> Vec<(usize, usize)> {
    let joins = |g: &Glyph| g.style.math || mathy(g.c) || g.size < SCRIPT_SIZE * size;
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < glyphs.len() {
        if !glyphs[i].style.math {
            i += 1;
            continue;
        }
        let mut start = i;
        // Leftwards only within the word (a coefficient "2x"), or over an operator.
        while start > 0
            && joins(&glyphs[start - 1])
            && (!spaced[start] || !glyphs[start - 1].c.is_alphanumeric())
            && out.last().is_none_or(|&(_, e)| e < start)
        {
            start -= 1;
        }
        let mut end = i + 1;
        while end < glyphs.len() && joins(&glyphs[end]) {
            end += 1;
        }
        // Sentence punctuation and unmatched brackets at the edges stay text.
        while end > start + 1 && ",.;:".contains(glyphs[end - 1].c) {
            end -= 1;
        }
        let balance = |s: usize, e: usize| {
            let opens = glyphs[s..e].iter().filter(|g| "([{".contains(g.c)).count();
            let closes = glyphs[s..e].iter().filter(|g| ")]}".contains(g.c)).count();
            opens as i32 - closes as i32
        };
        while end > start + 1 && balance(start, end) < 0 && ")]}".contains(glyphs[end - 1].c) {
            end -= 1;
        }
        while start + 1 < end && balance(start, end) > 0 && "([{".contains(glyphs[start].c) {
            start += 1;
        }
        // A lone math-font period or comma is punctuation, not a formula.
        let substance = glyphs[start..end]
            .iter()
            .any(|g| g.style.math && !",.;:".contains(g.c));
        if substance {
            out.push((start, end));
        }
        i = end.max(i + 1);
    }
    out
}

/// Script level of each glyph: 1 superscript, -1 subscript, 0 on the baseline.
fn levels(glyphs: &[Glyph], size: f32) -> Vec<i8> {
    let centre = |g: &Glyph| (g.bbox[1] + g.bbox[3]) / 2.0;
    let mut base: Vec<f32> = glyphs
        .iter()
        .filter(|g| g.size >= SCRIPT_SIZE * size)
        .map(centre)
        .collect();
    base.sort_by(f32::total_cmp);
    let Some(&mid) = base.get(base.len() / 2) else {
        return vec![0; glyphs.len()];
    };
    let em = size.max(1.0);
    let mut levels: Vec<i8> = glyphs
        .iter()
        .map(|g| {
            if g.size >= SCRIPT_SIZE * size {
                return 0;
            }
            let shift = (centre(g) - mid) / em;
            if shift < SUPER_SHIFT {
                1
            } else if shift > SUB_SHIFT {
                -1
            } else {
                0
            }
        })
        .collect();
    // A superscript's own superscript: smaller again and raised above the one before it.
    for i in 1..glyphs.len() {
        let (prev, g) = (&glyphs[i - 1], &glyphs[i]);
        let raised = centre(g) < centre(prev) - 0.15 * prev.size;
        if levels[i] == 1
            && matches!(levels[i - 1], 1 | NESTED)
            && (g.size <= 0.85 * prev.size || levels[i - 1] == NESTED)
            && (raised || levels[i - 1] == NESTED)
            && g.size < 0.8 * SCRIPT_SIZE * size
        {
            levels[i] = NESTED;
        }
    }
    levels
}

/// Script level of a superscript's superscript.
const NESTED: i8 = 2;

/// The formula as LaTeX: scripts in `^{…}` / `_{…}`, symbols as commands, a root over the
/// token after it.
fn to_latex(glyphs: &[Glyph], spaced: &[bool], levels: &[i8]) -> String {
    let mut out = String::new();
    let mut level = 0i8;
    let mut group = String::new();
    let mut sqrt_open = false;
    let mut barred = false;
    // Where the radicand of the last root sign starts, and glyphs already written as a root's
    // index ("∛": TeX sets the 3 small after the sign).
    let mut radicand_at = usize::MAX;
    let mut skip_to = 0;
    let flush = |out: &mut String, group: &mut String, level: i8| {
        let g = group.trim();
        if level != 0 && !g.is_empty() {
            if out.ends_with(' ') {
                out.pop();
            }
            out.push(if level > 0 { '^' } else { '_' });
            if g.chars().count() == 1 {
                out.push_str(g);
            } else {
                out.push('{');
                out.push_str(g);
                out.push('}');
            }
        }
        group.clear();
    };
    for (i, g) in glyphs.iter().enumerate() {
        if i < skip_to {
            continue;
        }
        // A script of a superscript ("e^{-x^2}") nests inside its group.
        if level == NESTED && levels[i] != NESTED {
            group.push('}');
            level = 1;
        }
        if levels[i] == NESTED && level == 1 {
            group.push_str("^{");
            level = NESTED;
        } else if levels[i] != level {
            flush(&mut out, &mut group, level);
            level = levels[i];
        }
        let target = if level == 0 { &mut out } else { &mut group };
        // The radicand: the word right after the root sign (TeX leaves a gap under the bar).
        let radicand_start = i == radicand_at;
        // The end of the bar over the radicand, where the page drew one.
        if g.c == fractions::ROOT_END {
            if sqrt_open {
                target.push('}');
                sqrt_open = false;
            }
            continue;
        }
        // Without a bar: a script belongs to the radicand's last glyph, and the root closes
        // on the baseline only.
        if sqrt_open
            && !barred
            && level == 0
            && !(g.c.is_alphanumeric() && (radicand_start || !spaced[i]))
        {
            target.push('}');
            sqrt_open = false;
        }
        if spaced[i] && i > 0 && level == 0 && !radicand_start && !target.ends_with([' ', '{']) {
            target.push(' ');
        }
        if g.c == '√' {
            // A small index right after the sign, back on the baseline after it: √[n]{…}.
            let raised = |k: usize| levels[k] > levels[i] && glyphs[k].c.is_alphanumeric();
            let end = (i + 1..glyphs.len())
                .find(|&k| !raised(k))
                .unwrap_or(glyphs.len());
            target.push_str("\\sqrt");
            let indexed = end > i + 1 && end < glyphs.len() && levels[end] == levels[i];
            if indexed {
                target.push('[');
                target.extend(glyphs[i + 1..end].iter().map(|g| g.c));
                target.push(']');
                skip_to = end;
            }
            target.push('{');
            radicand_at = if indexed { end } else { i + 1 };
            sqrt_open = true;
            barred = glyphs[i + 1..]
                .iter()
                .take_while(|g| g.c != '√')
                .any(|g| g.c == fractions::ROOT_END);
            continue;
        }
        push_symbol(target, g.c);
    }
    if sqrt_open {
        if level == 0 { &mut out } else { &mut group }.push('}');
    }
    if level == NESTED {
        group.push('}');
        level = 1;
    }
    flush(&mut out, &mut group, level);
    out.trim().to_string()
}

/// Appends one character as LaTeX (commands end in a space, so a letter after one stays apart).
fn push_symbol(out: &mut String, c: char) {
    let c = plain(c);
    match latex_of(c) {
        Some(cmd) => out.push_str(cmd),
        None => out.push(c),
    }
}

/// Appends one character of linear text: a fraction as `(…)/(…)`.
fn push_linear(out: &mut String, c: char) {
    match c {
        fractions::OPEN => out.push('('),
        fractions::OVER => out.push_str(")/("),
        fractions::CLOSE => out.push(')'),
        fractions::ROOT_END => {}
        c => out.push(plain(c)),
    }
}

/// Mathematical alphanumerics (𝑥, 𝐀) as plain letters.
fn plain(c: char) -> char {
    if ('\u{1d400}'..='\u{1d7ff}').contains(&c) {
        let folded: String = c.to_string().nfkc().collect();
        let mut n = folded.chars();
        if let (Some(p), None) = (n.next(), n.next()) {
            return p;
        }
    }
    c
}

/// The formula as readable linear text: `x^2`, `e^(iπ)`, `y_1`.
fn linear(glyphs: &[Glyph], spaced: &[bool], levels: &[i8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < glyphs.len() {
        if spaced[i] && i > 0 && levels[i] == 0 && !out.ends_with([' ', '(']) {
            out.push(' ');
        }
        if levels[i] == 0 {
            push_linear(&mut out, glyphs[i].c);
            i += 1;
            continue;
        }
        let level = levels[i];
        let mut j = i;
        let mut group = String::new();
        while j < glyphs.len() && (levels[j] == level || (level == 1 && levels[j] == NESTED)) {
            if levels[j] == NESTED && (j == i || levels[j - 1] != NESTED) {
                group.push('^');
            }
            push_linear(&mut group, glyphs[j].c);
            j += 1;
        }
        out.push(if level > 0 { '^' } else { '_' });
        if group.chars().count() == 1 {
            out.push_str(&group);
        } else {
            out.push('(');
            out.push_str(&group);
            out.push(')');
        }
        i = j;
    }
    out
}

/// LaTeX for a symbol that is not typed as itself.
fn latex_of(c: char) -> Option<&'static str> {
    Some(match c {
        fractions::OPEN => "\\frac{",
        fractions::OVER => "}{",
        fractions::CLOSE => "}",
        fractions::ROOT_END => "",
        'α' => "\\alpha ",
        'β' => "\\beta ",
        'γ' => "\\gamma ",
        'δ' => "\\delta ",
        'ε' | 'ϵ' => "\\epsilon ",
        'ζ' => "\\zeta ",
        'η' => "\\eta ",
        'θ' | 'ϑ' => "\\theta ",
        'ι' => "\\iota ",
        'κ' => "\\kappa ",
        'λ' => "\\lambda ",
        'μ' => "\\mu ",
        'ν' => "\\nu ",
        'ξ' => "\\xi ",
        'π' => "\\pi ",
        'ρ' => "\\rho ",
        'σ' => "\\sigma ",
        'τ' => "\\tau ",
        'υ' => "\\upsilon ",
        'φ' | 'ϕ' => "\\phi ",
        'χ' => "\\chi ",
        'ψ' => "\\psi ",
        'ω' => "\\omega ",
        'Γ' => "\\Gamma ",
        'Δ' => "\\Delta ",
        'Θ' => "\\Theta ",
        'Λ' => "\\Lambda ",
        'Ξ' => "\\Xi ",
        'Π' => "\\Pi ",
        'Σ' => "\\Sigma ",
        'Φ' => "\\Phi ",
        'Ψ' => "\\Psi ",
        'Ω' => "\\Omega ",
        '≤' => "\\leq ",
        '≥' => "\\geq ",
        '≠' => "\\neq ",
        '≈' => "\\approx ",
        '≡' => "\\equiv ",
        '∼' => "\\sim ",
        '±' => "\\pm ",
        '∓' => "\\mp ",
        '×' => "\\times ",
        '÷' => "\\div ",
        '·' | '⋅' => "\\cdot ",
        '−' => "-",
        '∗' => "*",
        '→' => "\\to ",
        '←' => "\\leftarrow ",
        '⇒' => "\\Rightarrow ",
        '⇔' => "\\Leftrightarrow ",
        '↔' => "\\leftrightarrow ",
        '∈' => "\\in ",
        '∉' => "\\notin ",
        '⊂' => "\\subset ",
        '⊆' => "\\subseteq ",
        '∪' => "\\cup ",
        '∩' => "\\cap ",
        '∅' => "\\emptyset ",
        '∞' => "\\infty ",
        '∂' => "\\partial ",
        '∇' => "\\nabla ",
        '∑' => "\\sum ",
        '∏' => "\\prod ",
        '∫' => "\\int ",
        '∮' => "\\oint ",
        '⋃' => "\\bigcup ",
        '⋂' => "\\bigcap ",
        '⋀' => "\\bigwedge ",
        '⋁' => "\\bigvee ",
        '∐' => "\\coprod ",
        '⨁' => "\\bigoplus ",
        '⨂' => "\\bigotimes ",
        '⨀' => "\\bigodot ",
        '⨄' => "\\biguplus ",
        '√' => "\\sqrt",
        '∀' => "\\forall ",
        '∃' => "\\exists ",
        '¬' => "\\neg ",
        '∧' => "\\wedge ",
        '∨' => "\\vee ",
        '′' => "'",
        'ℓ' => "\\ell ",
        'ℏ' => "\\hbar ",
        '⟨' => "\\langle ",
        '⟩' => "\\rangle ",
        '…' => "\\ldots ",
        '⋯' => "\\cdots ",
        '∝' => "\\propto ",
        '⊥' => "\\perp ",
        '∥' => "\\parallel ",
        '∘' => "\\circ ",
        '⊗' => "\\otimes ",
        '⊕' => "\\oplus ",
        'ℝ' => "\\mathbb{R}",
        'ℕ' => "\\mathbb{N}",
        'ℤ' => "\\mathbb{Z}",
        'ℚ' => "\\mathbb{Q}",
        'ℂ' => "\\mathbb{C}",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs laid out left to right: (char, size, vertical shift in points, math font).
    fn glyphs(spec: &[(char, f32, f32, bool)]) -> Vec<Glyph> {
        let mut x = 0.0;
        spec.iter()
            .map(|&(c, size, dy, math)| {
                let bbox = [
                    x,
                    100.0 - size + dy,
                    x + 0.5 * size,
                    100.0 + 0.25 * size + dy,
                ];
                let g = Glyph::sample(c, bbox, size, math);
                x += 0.5 * size;
                g
            })
            .collect()
    }

    #[test]
    fn scripts_become_latex_and_linear_text() {
        // e^{iπ} + 1 = 0 at 10 pt, the exponent at 7 pt raised 3.6 pt.
        let g = glyphs(&[
            ('e', 10.0, 0.0, true),
            ('i', 7.0, -3.6, true),
            ('π', 7.0, -3.6, true),
            ('+', 10.0, 0.0, false),
            ('1', 10.0, 0.0, false),
            ('=', 10.0, 0.0, false),
            ('0', 10.0, 0.0, false),
        ]);
        let spaced = [false, false, false, true, true, true, true];
        let r = render(&g, &spaced, 10.0).expect("math");
        assert_eq!(r.latex, "$e^{i\\pi} + 1 = 0$");
        assert_eq!(r.text, "e^(iπ) + 1 = 0");
        assert!(r.all_math);
    }

    #[test]
    fn inline_math_stays_inside_its_sentence() {
        // "so x2 + y1, then" with x, y in math italic, 2 raised and 1 lowered.
        let g = glyphs(&[
            ('s', 10.0, 0.0, false),
            ('o', 10.0, 0.0, false),
            ('x', 10.0, 0.0, true),
            ('2', 7.0, -3.6, false),
            ('+', 10.0, 0.0, false),
            ('y', 10.0, 0.0, true),
            ('1', 7.0, 1.5, false),
            (',', 10.0, 0.0, false),
            ('t', 10.0, 0.0, false),
        ]);
        let spaced = [false, false, true, false, true, true, false, false, true];
        let r = render(&g, &spaced, 10.0).expect("math");
        assert_eq!(r.latex, "so $x^2 + y_1$, t");
        assert_eq!(r.text, "so x^2 + y_1, t");
        assert!(!r.all_math);
    }

    #[test]
    fn a_root_with_an_index() {
        // ∛27 = 3: TeX sets the small 3 right after the root sign.
        let g = glyphs(&[
            ('√', 10.0, 0.0, true),
            ('3', 6.0, -3.0, false),
            ('2', 10.0, 0.0, false),
            ('7', 10.0, 0.0, false),
            ('=', 10.0, 0.0, false),
            ('3', 10.0, 0.0, false),
        ]);
        let spaced = [false, false, false, false, true, true];
        let r = render(&g, &spaced, 10.0).expect("math");
        assert_eq!(r.latex, "$\\sqrt[3]{27} = 3$");
    }

    #[test]
    fn a_radicand_keeps_its_exponent() {
        // √b² − 4: the 2 set small and raised right after b, spaced by the text layer.
        let g = glyphs(&[
            ('√', 10.0, 0.0, true),
            ('b', 10.0, 0.0, true),
            ('2', 7.0, -3.6, false),
            ('−', 10.0, 0.0, true),
            ('4', 10.0, 0.0, false),
        ]);
        let spaced = [false, false, true, true, true];
        let r = render(&g, &spaced, 10.0).expect("math");
        assert_eq!(r.latex, "$\\sqrt{b^2} - 4$");
    }

    #[test]
    fn a_superscript_of_a_superscript_nests() {
        // e^{-x^2}: "-x" at 7 pt raised, "2" at 5 pt raised further.
        let g = glyphs(&[
            ('e', 10.0, 0.0, true),
            ('−', 7.0, -3.6, true),
            ('x', 7.0, -3.6, true),
            ('2', 5.0, -6.0, false),
            ('+', 10.0, 0.0, false),
            ('1', 10.0, 0.0, false),
        ]);
        let spaced = [false, false, false, false, true, true];
        let r = render(&g, &spaced, 10.0).expect("math");
        assert_eq!(r.latex, "$e^{-x^{2}} + 1$");
        assert_eq!(r.text, "e^(−x^2) + 1");
    }

    #[test]
    fn text_without_math_fonts_is_left_alone() {
        let g = glyphs(&[('a', 10.0, 0.0, false), ('2', 7.0, -3.6, false)]);
        assert!(render(&g, &[false, false], 10.0).is_none());
    }
}
