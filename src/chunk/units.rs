//! Blocks → sections (runs of content under one heading path) → units the packer never splits:
//! sentences, code lines, and table pieces (rows that fit together, header rows repeated,
//! the caption on the first piece).

use super::TokenCount;
use crate::document::{Block, BlockKind, Document};
use std::collections::HashMap;

/// The smallest piece of a chunk.
#[derive(Debug, Clone)]
pub struct Unit {
    pub text: String,
    pub tokens: usize,
    /// Index of the block in the document.
    pub block: usize,
    /// A sentence (runs on after the previous one; may be repeated as overlap).
    pub sentence: bool,
    /// Repeated from the previous chunk as overlap.
    pub carried: bool,
    /// Other blocks whose text the unit holds (a table's caption).
    pub also: Vec<usize>,
}

/// Content under one heading path.
pub struct Section {
    pub headings: Vec<String>,
    pub units: Vec<Unit>,
}

/// The document's sections with their units; `budget` (less the section's heading path)
/// bounds a unit where it can be split.
pub fn sections(doc: &Document, counter: &dyn TokenCount, budget: usize) -> Vec<Section> {
    let index: HashMap<&str, usize> = doc
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    // Captions travel with what they describe.
    let mut captions: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, b) in doc.blocks.iter().enumerate() {
        if let Some(target) = b.caption_of.as_deref().and_then(|t| index.get(t)) {
            captions.entry(*target).or_default().push(i);
        }
    }
    let mut path: Vec<(u8, String)> = Vec::new();
    let mut out: Vec<Section> = Vec::new();
    let mut units: Vec<Unit> = Vec::new();
    let flush = |path: &[(u8, String)], units: &mut Vec<Unit>, out: &mut Vec<Section>| {
        if !units.is_empty() {
            out.push(Section {
                headings: path.iter().map(|(_, t)| t.clone()).collect(),
                units: std::mem::take(units),
            });
        }
    };
    // The budget left for text under the current heading path.
    let mut room = budget;
    for (i, block) in doc.blocks.iter().enumerate() {
        match block.kind {
            kind if kind.is_furniture() => {}
            BlockKind::Title | BlockKind::SectionHeader => {
                flush(&path, &mut units, &mut out);
                let level = if block.kind == BlockKind::Title {
                    0
                } else {
                    block.level.unwrap_or(1)
                };
                path.retain(|(l, _)| *l < level);
                path.push((level, one_line(&block.text)));
                let headings: Vec<String> = path.iter().map(|(_, t)| t.clone()).collect();
                room = super::text_budget(&headings, counter, budget);
            }
            BlockKind::Caption if block.caption_of.is_some() => {}
            BlockKind::Table | BlockKind::Figure => {
                let caption: Vec<(usize, String)> = captions
                    .get(&i)
                    .map(|c| {
                        c.iter()
                            .map(|&ci| (ci, one_line(&doc.blocks[ci].text)))
                            .collect()
                    })
                    .unwrap_or_default();
                units.extend(table_units(i, block, &caption, counter, room));
            }
            BlockKind::Code => {
                for line in block.text.lines().filter(|l| !l.trim().is_empty()) {
                    units.extend(bounded(i, line, false, counter, room));
                }
            }
            _ => {
                for sentence in sentences(&block.text) {
                    units.extend(bounded(i, &sentence, true, counter, room));
                }
            }
        }
    }
    flush(&path, &mut units, &mut out);
    out
}

/// A table (or figure) as pieces of whole rows within `budget`, each starting with the header
/// rows; the caption leads the first piece.
fn table_units(
    i: usize,
    block: &Block,
    caption: &[(usize, String)],
    counter: &dyn TokenCount,
    budget: usize,
) -> Vec<Unit> {
    let caption_text = caption
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let rows: Vec<(String, bool)> = match &block.table {
        Some(table) => table
            .rows
            .iter()
            .map(|r| (crate::table::row_text(r), r.iter().any(|c| c.header)))
            .filter(|(t, _)| !t.is_empty())
            .collect(),
        None => block
            .text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| (l.to_string(), false))
            .collect(),
    };
    let header: Vec<&str> = rows
        .iter()
        .take_while(|(_, h)| *h)
        .map(|(t, _)| t.as_str())
        .collect();
    let header_text = header.join("\n");
    let header_tokens = if header.is_empty() {
        0
    } else {
        counter.count(&header_text)
    };
    let body = &rows[header.len()..];
    let mut out: Vec<Unit> = Vec::new();
    let caption_blocks: Vec<usize> = caption.iter().map(|(c, _)| *c).collect();
    let start = |first: bool| {
        let mut parts: Vec<&str> = Vec::new();
        if first && !caption_text.is_empty() {
            parts.push(&caption_text);
        }
        if !header_text.is_empty() {
            parts.push(&header_text);
        }
        parts.join("\n")
    };
    let mut text = start(true);
    let mut tokens = if text.is_empty() {
        0
    } else {
        counter.count(&text)
    };
    let mut rows_in = 0;
    for (row, _) in body {
        let t = counter.count(row);
        if rows_in > 0 && tokens + t > budget {
            let also = if out.is_empty() {
                caption_blocks.clone()
            } else {
                Vec::new()
            };
            out.push(unit(i, std::mem::take(&mut text), tokens, also));
            text = start(false);
            tokens = header_tokens;
            rows_in = 0;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(row);
        tokens += t;
        rows_in += 1;
    }
    if !text.is_empty() {
        let also = if out.is_empty() {
            caption_blocks
        } else {
            Vec::new()
        };
        out.push(unit(i, text, tokens, also));
    }
    out
}

fn unit(block: usize, text: String, tokens: usize, also: Vec<usize>) -> Unit {
    Unit {
        also,
        ..piece(block, text, tokens, false)
    }
}

/// A unit of one block's own text.
fn piece(block: usize, text: String, tokens: usize, sentence: bool) -> Unit {
    Unit {
        text,
        tokens,
        block,
        sentence,
        carried: false,
        also: Vec::new(),
    }
}

/// `text` as one unit, or, when longer than `budget`, as windows of whole words that fit.
fn bounded(
    block: usize,
    text: &str,
    sentence: bool,
    counter: &dyn TokenCount,
    budget: usize,
) -> Vec<Unit> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let tokens = counter.count(text);
    if tokens <= budget {
        return vec![piece(block, text.to_string(), tokens, sentence)];
    }
    // Too long even alone: windows of whole words (no longer a sentence of its own).
    let mut out = Vec::new();
    let mut window: Vec<&str> = Vec::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let t = counter.count(word).max(1);
        if used + t > budget && !window.is_empty() {
            out.push(piece(block, window.join(" "), used, false));
            window.clear();
            used = 0;
        }
        window.push(word);
        used += t;
    }
    if !window.is_empty() {
        out.push(piece(block, window.join(" "), used, false));
    }
    out
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "fig", "figs", "eq", "eqs", "ref", "refs", "vs", "cf", "no", "vol", "pp",
    "dr", "mr", "mrs", "ms", "prof", "st", "sec", "ch", "al", "approx", "resp", "z.b", "bzw",
    "usw", "ca", "vgl",
];

/// Splits text into sentences: after `.`, `!`, `?` (and their CJK forms) followed by a space
/// and a capital, digit, quote or bracket, unless the word before is an abbreviation or a
/// single letter; CJK full stops end a sentence outright.
pub fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let cjk_end = matches!(c, '。' | '！' | '？');
        let latin_end = matches!(c, '.' | '!' | '?')
            && chars.get(i + 1).is_some_and(|n| n.is_whitespace())
            && chars[i + 1..]
                .iter()
                .find(|n| !n.is_whitespace())
                .is_some_and(|n| {
                    n.is_uppercase() || n.is_ascii_digit() || matches!(n, '"' | '“' | '(' | '[')
                })
            && !(c == '.' && abbreviation_before(&chars[start..i]));
        if cjk_end || latin_end {
            let s: String = chars[start..=i].iter().collect();
            if !s.trim().is_empty() {
                out.push(s.trim().to_string());
            }
            start = i + 1;
        }
        i += 1;
    }
    let rest: String = chars[start..].iter().collect();
    if !rest.trim().is_empty() {
        out.push(rest.trim().to_string());
    }
    out
}

fn abbreviation_before(chars: &[char]) -> bool {
    let word: String = chars
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let word = word.trim_start_matches(['(', '[', '"', '“']).to_lowercase();
    word.chars().count() == 1 || ABBREVIATIONS.contains(&word.as_str())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
