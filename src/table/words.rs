//! Glyphs inside a table region → text rows → words → phrases (the runs of words a cell holds).

use super::Rule;
use crate::document::BBox;
use crate::pdf::Glyph;
use crate::structure::normalize_into;

/// A run of words set close together on one text row: a cell's content, or part of it.
#[derive(Debug, Clone)]
pub struct Phrase {
    pub text: String,
    pub bbox: BBox,
    /// Fraction of glyphs that are bold.
    pub bold: f32,
    /// Index of the text row.
    pub row: usize,
}

/// Words further apart than this (in ems) belong to different phrases.
const PHRASE_GAP_EM: f32 = 0.6;
/// Same for OCR'd glyphs, whose boxes are estimated.
const OCR_PHRASE_GAP_EM: f32 = 0.9;
/// Two numbers further apart than this are two cells.
const NUMBER_GAP_EM: f32 = 0.3;
/// A word space, in ems (text layer, OCR).
const WORD_GAP_EM: f32 = 0.2;
const OCR_WORD_GAP_EM: f32 = 0.45;

struct Word<'a> {
    glyphs: Vec<&'a Glyph>,
    text: String,
    bbox: BBox,
}

/// Phrases of `glyphs`, split wherever a vertical ruling passes between two words; rows top
/// to bottom, phrases left to right.
pub fn phrases(glyphs: &[&Glyph], rules: &[Rule]) -> Vec<Phrase> {
    let mut out = Vec::new();
    for (row, members) in text_rows(glyphs).into_iter().enumerate() {
        let mut current: Vec<Word> = Vec::new();
        for word in words(members) {
            if let Some(p) = current.last() {
                let em = size(p).max(size(&word)).max(1.0);
                let gap = word.bbox[0] - p.bbox[2];
                let estimated = word.glyphs.iter().any(|g| g.estimated);
                let limit = if estimated {
                    OCR_PHRASE_GAP_EM
                } else {
                    PHRASE_GAP_EM
                };
                let y = (word.bbox[1] + word.bbox[3]) / 2.0;
                let ruled = rules.iter().any(|r| {
                    r.pos > p.bbox[2] - 1.0
                        && r.pos < word.bbox[0] + 1.0
                        && y >= r.from
                        && y <= r.to
                });
                let numbers = gap > NUMBER_GAP_EM * em
                    && is_number(&p.text)
                    && !is_listed(&p.text)
                    && is_number(&word.text);
                if gap > limit * em || ruled || numbers {
                    out.extend(phrase(&current, row));
                    current.clear();
                }
            }
            current.push(word);
        }
        out.extend(phrase(&current, row));
    }
    out
}

fn size(w: &Word) -> f32 {
    w.glyphs.iter().map(|g| g.size).fold(0.0, f32::max)
}

/// The row's glyphs, left to right, split into words at spaces.
fn words(mut members: Vec<&Glyph>) -> Vec<Word<'_>> {
    members.sort_by(|a, b| a.bbox[0].total_cmp(&b.bbox[0]));
    let mut out: Vec<Word> = Vec::new();
    for g in members {
        let split = out.last().and_then(|w| w.glyphs.last()).is_none_or(|p| {
            let em = p.size.max(g.size).max(1.0);
            let word_gap = if g.estimated {
                OCR_WORD_GAP_EM
            } else {
                WORD_GAP_EM
            };
            g.space_before || g.bbox[0] - p.bbox[2] > word_gap * em
        });
        match out.last_mut() {
            Some(w) if !split => {
                w.glyphs.push(g);
                w.text.push(g.c);
                w.bbox = super::union(w.bbox, g.bbox);
            }
            _ => out.push(Word {
                glyphs: vec![g],
                text: g.c.to_string(),
                bbox: g.bbox,
            }),
        }
    }
    out
}

/// Glyphs grouped into rows by vertical overlap, top to bottom.
fn text_rows<'a>(glyphs: &[&'a Glyph]) -> Vec<Vec<&'a Glyph>> {
    let mut sorted: Vec<&Glyph> = glyphs.to_vec();
    sorted.sort_by(|a, b| centre_y(a.bbox).total_cmp(&centre_y(b.bbox)));
    let mut rows: Vec<(f32, f32, Vec<&Glyph>)> = Vec::new();
    for g in sorted {
        let c = centre_y(g.bbox);
        match rows.last_mut() {
            Some((top, bottom, members)) if c <= *bottom && c >= *top => {
                members.push(g);
            }
            _ => {
                let h = (g.bbox[3] - g.bbox[1]).max(1.0);
                rows.push((c - 0.35 * h, c + 0.35 * h, vec![g]));
            }
        }
    }
    rows.into_iter().map(|(_, _, m)| m).collect()
}

fn centre_y(b: BBox) -> f32 {
    (b[1] + b[3]) / 2.0
}

fn phrase(words: &[Word], row: usize) -> Option<Phrase> {
    let first = words.first()?;
    let raw = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let bbox = words
        .iter()
        .fold(first.bbox, |b, w| super::union(b, w.bbox));
    let glyphs = words.iter().map(|w| w.glyphs.len()).sum::<usize>().max(1);
    let bold = words
        .iter()
        .flat_map(|w| &w.glyphs)
        .filter(|g| g.style.bold)
        .count();
    let mut text = String::with_capacity(raw.len());
    normalize_into(&raw, &mut text);
    let text = text.trim().to_string();
    (!text.is_empty()).then(|| Phrase {
        text,
        bbox,
        bold: bold as f32 / glyphs as f32,
        row,
    })
}

/// A list goes on after this text (it ends in a comma or semicolon): a number so set is an
/// item of a list (`c(60, 49, 40)`), not a cell of its own.
pub fn is_listed(text: &str) -> bool {
    text.ends_with([',', ';'])
}

/// A number as tables print them: digits with separators, signs, units and percentages.
pub fn is_number(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    digits > 0 && letters <= 2 && digits >= letters * 2
}
