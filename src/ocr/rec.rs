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
/// A space the recogniser rated this likely on a step between two characters is kept.
const SPACE_HINT: f32 = 0.2;
/// CJK characters a line of a Latin page may hold and still be Latin text (misreadings).
const STRAY_CJK: usize = 2;

/// A line image ready for recognition: RGB rows, `width` × [`LINE_HEIGHT`].
pub struct LineImage {
    pub pixels: Vec<[u8; 3]>,
    pub width: u32,
}

impl LineImage {
    /// The line narrowed to `factor` (< 1) of its width, each output pixel the mean of the
    /// source pixels it covers (fractions at its edges); at 1 or more, a copy.
    pub fn narrowed(&self, factor: f32) -> Self {
        let (h, lw) = (LINE_HEIGHT as usize, self.width as usize);
        let nw = ((lw as f32 * factor).round() as usize).clamp(1, lw);
        let scale = lw as f32 / nw as f32;
        let mut pixels = Vec::with_capacity(nw * h);
        for row in self.pixels.chunks_exact(lw.max(1)).take(h) {
            for x in 0..nw {
                let (x0, x1) = (x as f32 * scale, (x + 1) as f32 * scale);
                let mut sum = [0f32; 3];
                let mut sx = x0 as usize;
                while sx < lw && (sx as f32) < x1 {
                    let cover = ((sx + 1) as f32).min(x1) - (sx as f32).max(x0);
                    for (s, &v) in sum.iter_mut().zip(&row[sx]) {
                        *s += v as f32 * cover;
                    }
                    sx += 1;
                }
                // The covers add up to `scale`; the mean is at most 255, and ½ rounds.
                pixels.push(sum.map(|s| (s / scale + 0.5) as u8));
            }
        }
        Self {
            pixels,
            width: nw as u32,
        }
    }

    /// The line turned by 180° (row-major pixels reversed).
    pub fn turned(&self) -> Self {
        let mut pixels = self.pixels.clone();
        pixels.reverse();
        Self {
            pixels,
            width: self.width,
        }
    }
}

/// One recognised character: the text and its centre as a fraction of the line's length.
#[derive(Debug, Clone)]
pub struct RecChar {
    pub text: String,
    pub at: f32,
    /// For a CJK character, the model's best reading outside CJK at that step (empty where
    /// that is nothing): what the character is when the text around it is Latin.
    pub latin: Option<String>,
}

/// A recognised line.
#[derive(Debug, Clone)]
pub struct RecLine {
    pub chars: Vec<RecChar>,
    pub confidence: f32,
}

impl RecLine {
    /// In Latin text, full-width forms become their ASCII counterparts: the recogniser was
    /// trained mostly on Chinese and writes "（", "，" or "：" for Latin punctuation. A line
    /// with CJK text keeps them unless Latin letters outnumber it four to one; a line of
    /// neither (a lone "}，") follows the page (`latin_page`, see [`RecLine::script`]). CJK
    /// characters misread for symbols are given their Latin reading first
    /// ([`RecLine::latin_readings`]), so the line is judged by what remains.
    pub fn latin_forms(&mut self, latin_page: bool) {
        self.latin_readings(latin_page);
        let (latin, cjk) = self.script();
        let narrow_it = if cjk == 0 {
            latin > 0 || latin_page
        } else {
            latin >= 4 * cjk
        };
        if !narrow_it {
            return;
        }
        for ch in &mut self.chars {
            if ch.text.chars().any(is_wide_form) {
                ch.text = ch.text.chars().map(narrow).collect();
            }
        }
    }

    /// The recogniser writes CJK characters for symbols it does not know ("人", "十" or "二"
    /// for math symbols). On a Latin page (`latin_page`) a line's CJK characters give way to
    /// the model's best other reading ([`RecChar::latin`]) where Latin letters outnumber them
    /// four to one or they are at most [`STRAY_CJK`]; a line of Chinese on a Latin page, and
    /// every line of a CJK page, keep them.
    fn latin_readings(&mut self, latin_page: bool) {
        let (latin, cjk) = self.script();
        if !latin_page || cjk == 0 || latin < 4 * cjk && cjk > STRAY_CJK {
            return;
        }
        for ch in &mut self.chars {
            if let Some(alt) = ch.latin.take() {
                ch.text = alt;
            }
        }
        self.chars.retain(|c| !c.text.is_empty());
    }

    /// Typographic quotes the recogniser reads as straight ones (at text size `”` and `"`,
    /// `’` and `'` differ by a few pixels of curl): a `"` closing a `“` opened on the line
    /// becomes `”`, a `'` closing a `‘` becomes `’`, and where the page's typography is curly
    /// (`typeset`: a curly quote was read somewhere on it) an apostrophe between two letters
    /// becomes `’` ("don’t"). Tune pages at 300 dpi: the recogniser gave 0 of 70 closing `”`
    /// and 31 of 96 `’` between letters, where 4 of 100 such apostrophes were straight in print.
    pub fn curly_quotes(&mut self, typeset: bool) {
        let letter = |c: Option<&RecChar>| {
            c.is_some_and(|c| !c.text.is_empty() && c.text.chars().all(char::is_alphabetic))
        };
        // Whether a curly double or single quote is open on the line.
        let (mut double, mut single) = (false, false);
        for i in 0..self.chars.len() {
            let between_letters =
                i > 0 && letter(self.chars.get(i - 1)) && letter(self.chars.get(i + 1));
            let curled = match self.chars[i].text.as_str() {
                "“" => {
                    double = true;
                    None
                }
                "”" => {
                    double = false;
                    None
                }
                "‘" => {
                    single = true;
                    None
                }
                "’" if !between_letters => {
                    single = false;
                    None
                }
                "\"" if double => {
                    double = false;
                    Some("”")
                }
                "'" if typeset && between_letters => Some("’"),
                "'" if single => {
                    single = false;
                    Some("’")
                }
                _ => None,
            };
            if let Some(c) = curled {
                self.chars[i].text = c.to_string();
            }
        }
    }

    /// Whether the line holds a curly quote (`“`, `”`, `‘` or `’`).
    pub fn has_curly_quote(&self) -> bool {
        self.chars
            .iter()
            .any(|c| c.text.contains(['“', '”', '‘', '’']))
    }

    /// Whether the line is printable ASCII only, read with at least `confidence`.
    pub fn plain_ascii(&self, confidence: f32) -> bool {
        self.confidence >= confidence
            && self
                .chars
                .iter()
                .all(|c| c.text.chars().all(|ch| ch.is_ascii_graphic() || ch == ' '))
    }

    /// Latin letters and CJK characters in the line.
    pub fn script(&self) -> (usize, usize) {
        let (mut latin, mut cjk) = (0usize, 0usize);
        for c in self.chars.iter().flat_map(|c| c.text.chars()) {
            if c.is_ascii_alphabetic() {
                latin += 1;
            } else if crate::index::is_cjk(c) {
                cjk += 1;
            }
        }
        (latin, cjk)
    }
}

fn is_wide_form(c: char) -> bool {
    matches!(c as u32, 0xff01..=0xff5e | 0x3000..=0x3002 | 0x3008..=0x300b)
}

/// The Latin form of a full-width character: ASCII for the full-width block and the
/// ideographic space, comma and full stop; the mathematical angle brackets (`⟨arg⟩`, as
/// LaTeX manuals print them) and guillemets for the CJK angle brackets the recogniser reads.
fn narrow(c: char) -> char {
    match c as u32 {
        0xff01..=0xff5e => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        0x3000 => ' ',
        0x3001 => ',',
        0x3002 => '.',
        0x3008 => '⟨',
        0x3009 => '⟩',
        0x300a => '«',
        0x300b => '»',
        _ => c,
    }
}

pub struct Recognizer {
    pool: SessionPool,
    dict: Vec<String>,
    /// Whether each class (blank first, then the dictionary) is a CJK character.
    cjk: Vec<bool>,
    /// The class of `l`, see [`letters_for_ones`].
    ell: Option<usize>,
    batch: usize,
    /// Width of the line images given to the model, as a fraction of their own (1: as they are).
    narrowing: f32,
}

impl Recognizer {
    /// `dict` holds one symbol per line, as shipped with the model.
    pub fn new(pool: SessionPool, dict_text: &str, batch: usize) -> Self {
        let dict: Vec<String> = dict_text
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        let cjk = std::iter::once(false)
            .chain(dict.iter().map(|d| d.chars().any(crate::index::is_cjk)))
            .collect();
        Self {
            pool,
            ell: ell_class(&dict),
            dict,
            cjk,
            batch: batch.max(1),
            narrowing: 1.0,
        }
    }

    /// Reads lines narrowed to `factor` of their width: less to compute, and a recogniser
    /// trained on lines squeezed to a fixed width may read square CJK characters better so.
    pub fn narrowing(self, factor: f32) -> Self {
        Self {
            narrowing: factor,
            ..self
        }
    }

    /// The sessions this recogniser runs on.
    pub fn pool(&self) -> &SessionPool {
        &self.pool
    }

    /// Recognises every line; `None` where nothing legible was found.
    pub fn recognize(&self, lines: &[LineImage]) -> Result<Vec<Option<RecLine>>> {
        self.recognize_some(lines, &(0..lines.len()).collect::<Vec<_>>())
    }

    /// Recognises the lines at `which`, in that order; `None` where nothing legible was found.
    pub fn recognize_some(
        &self,
        lines: &[LineImage],
        which: &[usize],
    ) -> Result<Vec<Option<RecLine>>> {
        let narrowed: Vec<LineImage>;
        let (lines, which): (&[LineImage], Vec<usize>) = if self.narrowing < 1.0 {
            narrowed = which
                .iter()
                .map(|&i| lines[i].narrowed(self.narrowing))
                .collect();
            (&narrowed, (0..which.len()).collect())
        } else {
            (lines, which.to_vec())
        };
        let mut order: Vec<usize> = (0..which.len()).collect();
        order.sort_by_key(|&k| lines[which[k]].width);
        let mut out: Vec<Option<RecLine>> = vec![None; which.len()];
        for slots in order.chunks(self.batch) {
            let chunk: Vec<usize> = slots.iter().map(|&k| which[k]).collect();
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
            let decoded = self
                .pool
                .run_f32_then(&[n, 3, h, w], &input, |shape, data| {
                    if shape.len() != 3 || shape[0] as usize != n {
                        return Err(Error::Ocr(format!(
                            "unexpected recogniser output shape {shape:?}"
                        )));
                    }
                    let (steps, classes) = (shape[1] as usize, shape[2] as usize);
                    if data.len() < n * steps * classes {
                        return Err(Error::Ocr(format!(
                            "recogniser returned {} values for shape {shape:?}",
                            data.len()
                        )));
                    }
                    Ok((0..n)
                        .map(|b| {
                            let lw = lines[chunk[b]].width as f32;
                            let probs = &data[b * steps * classes..(b + 1) * steps * classes];
                            decode(
                                &self.dict,
                                &self.cjk,
                                self.ell,
                                probs,
                                steps,
                                classes,
                                w as f32 / lw,
                            )
                        })
                        .collect::<Vec<Option<RecLine>>>())
                })?;
            for (&k, line) in slots.iter().zip(decoded) {
                out[k] = line;
            }
        }
        Ok(out)
    }
}

/// Greedy CTC: best class per step, repeats merged, blanks (0) dropped. Class k is
/// dictionary line k − 1; the class after the dictionary is a space. Between two
/// characters the model may see a space it does not commit to (narrow spaces in code
/// and formulas: `sq <- function` read as `sq<-function`): where the space class came
/// close on a step of the gap, a space is kept where one can stand ([`space_fits`]).
fn decode(
    dict: &[String],
    cjk: &[bool],
    ell: Option<usize>,
    probs: &[f32],
    steps: usize,
    classes: usize,
    stretch: f32,
) -> Option<RecLine> {
    let mut chars: Vec<RecChar> = Vec::new();
    // The step each character was read on.
    let mut read_on: Vec<usize> = Vec::new();
    // The `1`s the model nearly read as `l` (indices into `chars`).
    let mut near_ells: Vec<usize> = Vec::new();
    let mut scores = Vec::new();
    let mut prev = 0usize;
    let space = classes.saturating_sub(1);
    // The most likely the space class was on a step since the last character.
    let mut space_hint = 0f32;
    for t in 0..steps {
        let row = &probs[t * classes..(t + 1) * classes];
        let (k, p) = argmax(row);
        let at = ((t as f32 + 0.5) / steps as f32 * stretch).min(1.0);
        if k != 0 && k != prev {
            let text = match dict.get(k - 1) {
                Some(s) => s.clone(),
                None => " ".to_string(),
            };
            let before = chars.last().and_then(|c| c.text.chars().last());
            let fits = before
                .zip(text.chars().next())
                .is_some_and(|(b, a)| !b.is_whitespace() && space_fits(b, a));
            if k != space && fits && space_hint >= SPACE_HINT {
                // Not scored: the line's confidence is its characters'.
                chars.push(RecChar {
                    text: " ".to_string(),
                    at,
                    latin: None,
                });
                read_on.push(t);
            }
            if text == "1"
                && ell
                    .and_then(|e| row.get(e))
                    .is_some_and(|&p| p >= ELL_FOR_ONE)
            {
                near_ells.push(chars.len());
            }
            let latin = cjk
                .get(k)
                .copied()
                .unwrap_or(false)
                .then(|| best_outside(row, cjk, dict, space));
            chars.push(RecChar { text, at, latin });
            read_on.push(t);
            scores.push(p);
            space_hint = 0.0;
        } else if k == 0 {
            space_hint = space_hint.max(row.get(space).copied().unwrap_or(0.0));
        }
        prev = k;
    }
    letters_for_ones(&mut chars, &near_ells);
    space_after_separators(&mut chars, &read_on);
    while chars.last().is_some_and(|c| c.text.trim().is_empty()) {
        chars.pop();
    }
    if chars.is_empty() || scores.is_empty() {
        return None;
    }
    let confidence = scores.iter().sum::<f32>() / scores.len() as f32;
    (confidence >= MIN_CONFIDENCE).then_some(RecLine { chars, confidence })
}

/// How likely the model must have found an `l` where it read a `1` inside a word for the word
/// to take the `l`. On the tune pages' lines, such `1`s the truth has as `l` (`acmsmal1`,
/// `fil1`, `\d@1larbegin`, `boo1`) had an `l` at 0.2–0.49; true `1`s in words (`expr1`, a
/// footnote mark after `bibliography`) at most 0.08.
const ELL_FOR_ONE: f32 = 0.15;
/// Letters a word needs around its `1`s for them to be read as `l`s: `x1`, `c1`, `r1` are
/// names with a digit.
const ELL_WORD_LETTERS: usize = 3;

/// The class of `l` in a recogniser's dictionary (class k is dictionary line k − 1).
fn ell_class(dict: &[String]) -> Option<usize> {
    dict.iter().position(|d| d == "l").map(|k| k + 1)
}

/// Reads as `l` each `1` at `near_ells` (read where the model nearly read an `l`) that stands
/// in a word of letters: the recogniser, trained on Chinese text, confuses the two in code and
/// LaTeX names (`acmsmal1`, `boo1`). Only in words of at least [`ELL_WORD_LETTERS`] letters
/// with no other digit; each word is judged as read, before any of its `1`s changes.
fn letters_for_ones(chars: &mut [RecChar], near_ells: &[usize]) {
    let in_word = |c: &RecChar| c.text.chars().all(|c| c.is_ascii_alphanumeric());
    let letters: Vec<usize> = near_ells
        .iter()
        .copied()
        .filter(|&i| {
            let start = chars[..i]
                .iter()
                .rposition(|c| !in_word(c))
                .map_or(0, |k| k + 1);
            let end = chars[i..]
                .iter()
                .position(|c| !in_word(c))
                .map_or(chars.len(), |k| i + k);
            let word = &chars[start..end];
            let letters = word
                .iter()
                .filter(|c| c.text.chars().all(char::is_alphabetic))
                .count();
            let only_ones = word
                .iter()
                .all(|c| c.text == "1" || !c.text.chars().any(|c| c.is_ascii_digit()));
            letters >= ELL_WORD_LETTERS && only_ones
        })
        .collect();
    for i in letters {
        chars[i].text = "l".to_string();
    }
}

/// Steps between a separator and what follows it, at and above which a space stands there
/// (the steps of a line 48 px high are 8 px): on the tune pages' lines, a comma and the digit
/// after it are 1–2 steps apart in prose numbers (`1,000`, `[0,1]`) and 4–6 in code lists set
/// in a typewriter face (`c(60, 49, 40)`), whose space the model neither reads nor hints at.
const SEPARATOR_GAP: usize = 4;
/// ... and at least this many times the line's usual distance between neighbouring characters
/// (its median), so that a wide face's letters do not read as spaced.
const SEPARATOR_PITCHES: f32 = 1.3;

/// Puts a space after a comma or semicolon read far from the character after it, as code set
/// in a typewriter face has (`c(60, 49, 40)` was read `c(60,49,40)`: the model neither emits
/// nor hints at the space, but the characters' steps show the empty cell). Only between Latin
/// characters: full-width commas in CJK text take no space.
fn space_after_separators(chars: &mut Vec<RecChar>, read_on: &[usize]) {
    if !chars.iter().any(is_separator) {
        return;
    }
    let mut gaps: Vec<usize> = chars
        .windows(2)
        .zip(read_on.windows(2))
        .filter(|(c, _)| c.iter().all(|c| c.text != " "))
        .map(|(_, t)| t[1] - t[0])
        .collect();
    if gaps.len() < 4 {
        return;
    }
    gaps.sort_unstable();
    let pitch = gaps[gaps.len() / 2] as f32;
    let mut spaced = Vec::with_capacity(chars.len() + 4);
    for (i, c) in chars.drain(..).enumerate() {
        // `spaced` holds the characters before `i` (and the spaces put in): i ≥ 1.
        if let Some(prev) = spaced.last() {
            let gap = read_on[i] - read_on[i - 1];
            let before_sep = spaced.len().checked_sub(2).and_then(|k| spaced.get(k));
            if separates(before_sep, prev, &c)
                && gap >= SEPARATOR_GAP
                && gap as f32 >= SEPARATOR_PITCHES * pitch
            {
                let at = (prev.at + c.at) / 2.0;
                spaced.push(RecChar {
                    text: " ".to_string(),
                    at,
                    latin: None,
                });
            }
        }
        spaced.push(c);
    }
    *chars = spaced;
}

/// Whether `sep` is a comma or semicolon between Latin text (`before`, `after`) that would take
/// a space after it: a letter, digit, quote, opening bracket, sign or backslash follows.
fn separates(before: Option<&RecChar>, sep: &RecChar, after: &RecChar) -> bool {
    let ascii = |c: &RecChar| c.text.chars().all(|c| c.is_ascii_graphic());
    let follows = after.text.chars().next().is_some_and(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '"' | '\'' | '(' | '[' | '{' | '-' | '+' | '\\')
    });
    is_separator(sep) && follows && ascii(after) && before.is_some_and(ascii)
}

/// A comma or semicolon, as ASCII or in its full-width form.
fn is_separator(c: &RecChar) -> bool {
    matches!(c.text.as_str(), "," | ";" | "，" | "；")
}

/// Whether a space the model only hinted at can stand between `before` and `after`. Not
/// before closing punctuation (`write .table`, `ff .`), after an opening bracket
/// (`\end{ teaserfigure}`), before an opening bracket that follows a word or a bracket
/// (`\usepackage [x] {y}`, `factor ()`), nor between a full stop and a lower-case letter
/// (`write. table`, `ifthen. pdf`): the hint rises beside the wide side bearings of such marks
/// in code and URLs. Tune pages, hinted spaces checked against the truth (4 characters on
/// each side): these cases were 118 wrong and 3 right; the other hints (`, "nsw"`,
/// `a “quote”`, `CRED: LU96`) are mostly right and stay.
fn space_fits(before: char, after: char) -> bool {
    let closing = matches!(after, '.' | ',' | ':' | ';' | ')' | ']' | '}');
    let opened = matches!(before, '(' | '[' | '{');
    let call = matches!(after, '(' | '[' | '{')
        && (before.is_alphanumeric() || matches!(before, ')' | ']' | '}'));
    let dotted = before == '.' && after.is_lowercase();
    !(closing || opened || call || dotted)
}

/// The text of the best class of `row` that is not a CJK character: empty for the blank,
/// a space for the space class.
fn best_outside(row: &[f32], cjk: &[bool], dict: &[String], space: usize) -> String {
    let best = row
        .iter()
        .enumerate()
        .filter(|(k, _)| !cjk.get(*k).copied().unwrap_or(false))
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(k, _)| k);
    match best {
        0 => String::new(),
        k if k == space => " ".to_string(),
        k => dict.get(k - 1).cloned().unwrap_or_default(),
    }
}

/// The first class with the highest score, and that score. Scores are compared by a key that
/// orders every finite float as its value does (sign-magnitude bits turned into two's
/// complement), so the scan over the ~7,000 classes of a step is a plain integer maximum the
/// compiler vectorises; a float `fold` keeping the index was 2.5 % of a page's CPU. Scores are
/// a softmax's, so never NaN: a check for one measured 2 % of a page (it stops the
/// vectorising), and a NaN would simply count as the highest score.
fn argmax(row: &[f32]) -> (usize, f32) {
    let key = |p: f32| {
        let b = p.to_bits() as i32;
        b ^ ((b >> 31) as u32 >> 1) as i32
    };
    let best = row.iter().fold(i32::MIN, |m, &p| m.max(key(p)));
    match row.iter().position(|&p| key(p) == best) {
        Some(k) => (k, row[k]),
        None => (0, f32::MIN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> RecLine {
        RecLine {
            chars: text
                .chars()
                .map(|c| RecChar {
                    text: c.to_string(),
                    at: 0.0,
                    latin: None,
                })
                .collect(),
            confidence: 0.9,
        }
    }

    fn text(line: &RecLine) -> String {
        line.chars.iter().map(|c| c.text.as_str()).collect()
    }

    /// A dictionary of these entries.
    fn dict_of(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    /// What `decode` reads from `probs`, rows of `classes` scores (no CJK class; the `l` class
    /// where the dictionary has one, as the recogniser finds it).
    fn read_rows(dict: &[String], probs: &[f32], classes: usize) -> Option<String> {
        let cjk = vec![false; classes];
        let steps = probs.len() / classes;
        decode(dict, &cjk, ell_class(dict), probs, steps, classes, 1.0).map(|l| text(&l))
    }

    /// The class of the dictionary entry `c` begins with (the blank where none does).
    fn class_of(dict: &[String], c: char) -> usize {
        dict.iter()
            .position(|d| d.starts_with(c))
            .map_or(0, |k| k + 1)
    }

    /// CTC steps over the classes blank, "a", "b" and space: each step names its most likely
    /// class and how likely the space class is.
    fn steps(seq: &[(usize, f32)]) -> Vec<f32> {
        steps_of(seq, 4)
    }

    /// CTC rows over `classes` classes, the last the space: each step names its most likely
    /// class and how likely the space class is.
    fn steps_of(seq: &[(usize, f32)], classes: usize) -> Vec<f32> {
        seq.iter()
            .flat_map(|&(k, space)| {
                let mut row = vec![0.0f32; classes];
                row[classes - 1] = space;
                row[k] = (1.0 - space).max(row[k]);
                row
            })
            .collect()
    }

    #[test]
    fn straight_quotes_become_curly_where_the_print_is() {
        let curled = |text: &str, typeset: bool| {
            let mut l = line(text);
            l.curly_quotes(typeset);
            self::text(&l)
        };
        assert_eq!(
            curled("the “real\" one, don't", true),
            "the “real” one, don’t"
        );
        // Without a curly quote on the page an apostrophe stays as read; a closing quote
        // after an opening curly one is curly all the same.
        assert_eq!(
            curled("the “real\" one, don't", false),
            "the “real” one, don't"
        );
        // Code and straight quotes stay: no opening curly quote, no letters on both sides.
        assert_eq!(
            curled("cat(\"Your balance\") c'4 'x'", true),
            "cat(\"Your balance\") c'4 'x'"
        );
        assert_eq!(curled("l'été d'Ελλάδα", true), "l’été d’Ελλάδα");
        assert_eq!(
            curled("free ‘express' versions, ‘it's' and 'x'", true),
            "free ‘express’ versions, ‘it’s’ and 'x'"
        );
        assert!(line("it’s").has_curly_quote() && !line("it's \"x\"").has_curly_quote());
    }

    #[test]
    fn a_narrowed_line_keeps_its_ink_where_it_was() {
        // 30 px wide: white, a black bar over columns 12..18, white.
        let width = 30;
        let pixels = (0..LINE_HEIGHT * width)
            .map(|i| {
                if (12..18).contains(&(i % width)) {
                    [0; 3]
                } else {
                    [255; 3]
                }
            })
            .collect();
        let line = LineImage { pixels, width };
        let narrow = line.narrowed(2.0 / 3.0);
        assert_eq!(narrow.width, 20);
        assert_eq!(narrow.pixels.len(), (20 * LINE_HEIGHT) as usize);
        let row: Vec<u8> = narrow.pixels[..20].iter().map(|p| p[0]).collect();
        // Columns 12..18 of 30 are 8..12 of 20: black there, white away from the bar.
        assert!(row[8..12].iter().all(|&v| v == 0), "{row:?}");
        assert!(
            row[..7].iter().chain(&row[13..]).all(|&v| v == 255),
            "{row:?}"
        );
        // Every row alike, and the ink's share unchanged (6 of 30, 4 of 20).
        assert!(narrow.pixels.chunks(20).all(|r| r == &narrow.pixels[..20]));
        let ink: u32 = row.iter().map(|&v| 255 - v as u32).sum();
        assert_eq!(ink, 4 * 255);
        // Widening is not narrowing: the line comes back as it was.
        let same = line.narrowed(1.0);
        assert_eq!((same.width, &same.pixels), (line.width, &line.pixels));
    }

    #[test]
    fn argmax_takes_the_first_highest_score_of_probabilities_or_logits() {
        assert_eq!(argmax(&[0.1, 0.7, 0.2, 0.7]), (1, 0.7));
        assert_eq!(argmax(&[-3.0, -0.5, -7.25, -0.5001]), (1, -0.5));
        assert_eq!(argmax(&[-1.0, 0.0, -0.0, 2.5e-30]), (3, 2.5e-30));
        assert_eq!(argmax(&[f32::MIN, f32::MAX, 1.0]), (1, f32::MAX));
        assert_eq!(argmax(&[]), (0, f32::MIN));
    }

    #[test]
    fn a_space_the_model_nearly_saw_is_kept() {
        let dict = dict_of(&["a", "b"]);
        let read = |seq: &[(usize, f32)]| read_rows(&dict, &steps(seq), 4);
        // a, blank (space at 0.3), b: "a b"
        assert_eq!(
            read(&[(1, 0.0), (0, 0.3), (2, 0.0)]).as_deref(),
            Some("a b")
        );
        // a, blank (space at 0.05), b: "ab"
        assert_eq!(
            read(&[(1, 0.0), (0, 0.05), (2, 0.0)]).as_deref(),
            Some("ab")
        );
        // an emitted space is one space, not two
        assert_eq!(
            read(&[(1, 0.0), (3, 0.9), (0, 0.4), (2, 0.0)]).as_deref(),
            Some("a b")
        );
    }

    #[test]
    fn a_hinted_space_is_dropped_where_code_and_prose_put_none() {
        let dict = dict_of(&["w", "t", ".", "[", "x", "]", ",", "\"", "T"]);
        let space = dict.len() + 1;
        let read = |s: &str| {
            // Each character, then a blank on which the space class came to 0.3.
            let seq: Vec<(usize, f32)> = s
                .chars()
                .flat_map(|c| [(class_of(&dict, c), 0.0), (0, 0.3)])
                .collect();
            read_rows(&dict, &steps_of(&seq, space + 1), space + 1)
        };
        // Before a full stop, after one before a lower-case letter, before and inside brackets.
        assert_eq!(read("w.t").as_deref(), Some("w.t"));
        assert_eq!(read("w[x]").as_deref(), Some("w[x]"));
        // Where prose or code puts a space, the hint keeps it.
        assert_eq!(read("w,\"t").as_deref(), Some("w, \" t"));
        assert_eq!(read("w.T").as_deref(), Some("w. T"));
        assert_eq!(read("wt").as_deref(), Some("w t"));
    }

    #[test]
    fn a_separator_read_far_from_what_follows_takes_a_space() {
        let dict = dict_of(&["c", "(", "6", "0", ",", "4", "9", ")", "1", "日", "，"]);
        let classes = dict.len() + 2;
        // Each character, then as many blank steps as given.
        let read = |s: &[(&str, usize)]| {
            let seq: Vec<(usize, f32)> = s
                .iter()
                .flat_map(|&(c, blanks)| {
                    let k = c.chars().next().map_or(0, |c| class_of(&dict, c));
                    std::iter::once((k, 0.0)).chain(std::iter::repeat_n((0, 0.0), blanks))
                })
                .collect();
            read_rows(&dict, &steps_of(&seq, classes), classes)
        };
        fn evenly(s: &str, after_comma: usize) -> Vec<(&str, usize)> {
            let blanks = |c| {
                if matches!(c, "," | "，") {
                    after_comma
                } else {
                    1
                }
            };
            s.split(' ').map(|c| (c, blanks(c))).collect()
        }
        // Code in a typewriter face: the comma's cell and the space's, 5 steps.
        let code = evenly("c ( 6 0 , 4 9 , 6 0 )", 4);
        assert_eq!(read(&code).as_deref(), Some("c(60, 49, 60)"));
        // A number in prose: its comma as close as any other character.
        assert_eq!(read(&evenly("1 , 0 0 0", 1)).as_deref(), Some("1,000"));
        assert_eq!(
            read(&evenly("c ( 6 0 , 4 9 )", 2)).as_deref(),
            Some("c(60,49)")
        );
        // A full-width comma between Latin characters too; not after a CJK character.
        assert_eq!(
            read(&evenly("6 0 ， 4 9 )", 4)).as_deref(),
            Some("60， 49)")
        );
        assert_eq!(
            read(&evenly("6 日 ， 4 9 )", 4)).as_deref(),
            Some("6日，49)")
        );
    }

    #[test]
    fn a_one_the_model_nearly_read_as_l_inside_a_word_is_an_l() {
        let dict = dict_of(&["a", "c", "m", "s", "l", "1", "x", "2", " "]);
        let classes = dict.len() + 1;
        // Each character on a step of its own, then a blank; a `1` with `l` at `ell`.
        let read = |s: &str, ell: f32| {
            let mut probs = Vec::new();
            for c in s.chars() {
                let mut row = vec![0.0f32; classes];
                row[class_of(&dict, c)] = 0.6;
                if c == '1' {
                    row[class_of(&dict, 'l')] = ell;
                }
                probs.extend(row);
                let mut blank = vec![0.0f32; classes];
                blank[0] = 1.0;
                probs.extend(blank);
            }
            read_rows(&dict, &probs, classes)
        };
        assert_eq!(read("acmsmal1", 0.35).as_deref(), Some("acmsmall"));
        // The model sure of its `1`; a name with a digit; a number.
        assert_eq!(read("acmsmal1", 0.05).as_deref(), Some("acmsmal1"));
        assert_eq!(read("x1 c1", 0.35).as_deref(), Some("x1 c1"));
        assert_eq!(read("mass21", 0.35).as_deref(), Some("mass21"));
        assert_eq!(read("11", 0.35).as_deref(), Some("11"));
    }

    #[test]
    fn full_width_punctuation_in_latin_text_is_narrowed() {
        let narrowed = |s: &str, latin_page: bool| {
            let mut l = line(s);
            l.latin_forms(latin_page);
            text(&l)
        };
        assert_eq!(narrowed("sq（x，y）： see 2。", false), "sq(x,y): see 2.");
        assert_eq!(
            narrowed("\\date{〈JJ/MM〉} 《texte》", false),
            "\\date{⟨JJ/MM⟩} «texte»"
        );
        // Japanese keeps its punctuation.
        assert_eq!(
            narrowed("クラスファイル（jlreq）です。", false),
            "クラスファイル（jlreq）です。"
        );
        // A line of punctuation alone goes with its page.
        assert_eq!(narrowed("}，", true), "},");
        assert_eq!(narrowed("（1）", false), "（1）");
        assert_eq!(narrowed("《雪国》を読む。", false), "《雪国》を読む。");
    }

    #[test]
    fn cjk_misreadings_on_a_latin_page_take_the_models_latin_reading() {
        let mut misread = line("人 \\prec 十 +");
        for (ch, alt) in misread
            .chars
            .iter_mut()
            .zip(["≺", "", "", "", "", "", "", "", "+"])
        {
            if crate::index::is_cjk(ch.text.chars().next().unwrap_or(' ')) {
                ch.latin = Some(alt.to_string());
            }
        }
        let cjk_page = {
            let mut l = misread.clone();
            l.latin_forms(false);
            text(&l)
        };
        assert_eq!(cjk_page, "人 \\prec 十 +");
        misread.latin_forms(true);
        assert_eq!(text(&misread), "≺ \\prec + +");
        // Chinese on a Latin page stays Chinese.
        let mut chinese = line("雪国を読む");
        for ch in &mut chinese.chars {
            ch.latin = Some("x".to_string());
        }
        chinese.latin_forms(true);
        assert_eq!(text(&chinese), "雪国を読む");
        // A line left Latin is then narrowed as one.
        let mut mixed = line("十 （x）");
        mixed.chars[0].latin = Some("+".to_string());
        mixed.latin_forms(true);
        assert_eq!(text(&mixed), "+ (x)");
    }
}
