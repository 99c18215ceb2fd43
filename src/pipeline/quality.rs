//! Is a page's text layer real text? Broken fonts (a Type 3 font without a Unicode map, a
//! re-encoded font) and bad OCR layers from other tools give text that maps to Unicode but
//! reads as symbol soup or consonant strings; such pages are OCR'd instead.

use crate::pdf::Glyph;

/// Fewest glyphs the judgement needs.
const MIN_GLYPHS: usize = 40;
/// A layer with more than this share of ASCII punctuation and symbols, and less than
/// `MIN_LETTERS` of letters, is soup (code has as many symbols, but words between them).
const MAX_SYMBOLS: f32 = 0.45;
const MIN_LETTERS: f32 = 0.2;
/// Fewest Latin words the vowel test needs, and the share without a vowel that condemns.
const MIN_WORDS: usize = 20;
const MAX_VOWELLESS: f32 = 0.5;

/// Why the layer looks garbled, if it does.
pub fn garbled(glyphs: &[Glyph]) -> Option<String> {
    if glyphs.len() < MIN_GLYPHS {
        return None;
    }
    // Dot leaders and rules (tables of contents, indexes, forms) are not soup.
    let counted: Vec<char> = glyphs
        .iter()
        .map(|g| g.c)
        .filter(|c| !matches!(c, '.' | '·' | '_' | '-' | '…' | '─'))
        .collect();
    if counted.len() < MIN_GLYPHS {
        return None;
    }
    let symbols = counted.iter().filter(|c| c.is_ascii_punctuation()).count();
    let letters = counted.iter().filter(|c| c.is_alphabetic()).count();
    let ratio = symbols as f32 / counted.len() as f32;
    if ratio > MAX_SYMBOLS && (letters as f32) < MIN_LETTERS * counted.len() as f32 {
        return Some(format!(
            "text layer looks garbled: {:.0}% of its characters are punctuation or symbols",
            ratio * 100.0
        ));
    }
    let (mut words, mut vowelless) = (0usize, 0usize);
    let mut word = String::new();
    let mut finish = |word: &mut String| {
        let latin = word.chars().count() >= 4 && word.chars().all(is_latin_letter);
        if latin {
            words += 1;
            vowelless += usize::from(!word.chars().any(is_vowel));
        }
        word.clear();
    };
    for g in glyphs {
        if g.space_before || !g.c.is_alphanumeric() {
            finish(&mut word);
        }
        if g.c.is_alphanumeric() {
            word.push(g.c);
        }
    }
    finish(&mut word);
    let share = vowelless as f32 / words.max(1) as f32;
    (words >= MIN_WORDS && share > MAX_VOWELLESS).then(|| {
        format!(
            "text layer looks garbled: {:.0}% of its words have no vowel",
            share * 100.0
        )
    })
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(&c) && c.is_alphabetic()
}

fn is_vowel(c: char) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let base = std::iter::once(c).nfd().next().unwrap_or(c);
    matches!(base.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::GlyphStyle;

    fn glyphs(text: &str) -> Vec<Glyph> {
        let mut space = false;
        let mut out = Vec::new();
        for c in text.chars() {
            if c == ' ' {
                space = true;
                continue;
            }
            out.push(Glyph {
                c,
                bbox: [0.0; 4],
                size: 10.0,
                style: GlyphStyle::default(),
                font: 0,
                space_before: std::mem::take(&mut space),
                estimated: false,
                turn: 0,
            });
        }
        out
    }

    #[test]
    fn real_text_passes_and_soup_does_not() {
        let prose = "The quick brown fox jumps over the lazy dog while the cat sleeps. ".repeat(4);
        assert!(garbled(&glyphs(&prose)).is_none());
        let code = "fn main() { let x = vec![1, 2, 3]; println!(\"{x:?}\"); } ".repeat(4);
        assert!(garbled(&glyphs(&code)).is_none());
        let german = "Schwarzwälder Kirschtorte schmeckt würzig und frisch ".repeat(5);
        assert!(garbled(&glyphs(&german)).is_none());
        assert!(garbled(&glyphs(&"!&+(-#/%*".repeat(10))).is_some());
        let consonants = "Tkrw pfzq brtl mnsk zxcv ".repeat(6);
        assert!(garbled(&glyphs(&consonants)).is_some());
    }
}
