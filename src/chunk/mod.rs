//! Layout-aware chunking: a document's blocks, in reading order, become retrieval chunks that
//! follow the section tree (each carries its heading path), are bounded in the embedding
//! model's tokens, split paragraphs only between sentences (unless one sentence alone is too
//! long), split tables only between rows (repeating the header rows), and keep captions with
//! their table or figure. Page headers and footers are left out.

mod units;

use crate::document::{Chunk, Document, PageBox};
use units::Unit;

/// Counts tokens as the embedding model will see them (without its special tokens).
pub trait TokenCount {
    fn count(&self, text: &str) -> usize;
}

/// Chunk size settings.
#[derive(Debug, Clone, Copy)]
pub struct ChunkOptions {
    /// Most tokens in a chunk, the model's special tokens included.
    pub max_tokens: usize,
    /// Tokens of trailing sentences repeated at the start of the next chunk of the same section.
    pub overlap_tokens: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            overlap_tokens: 32,
        }
    }
}

/// The text a chunk is embedded as: its heading path, then its text.
pub fn embedding_text(chunk: &Chunk) -> String {
    if chunk.headings.is_empty() {
        chunk.text.clone()
    } else {
        format!("{}\n{}", chunk.headings.join(" › "), chunk.text)
    }
}

/// Tokens left for the text of a section's chunks once the heading path, embedded with each
/// of them ([`embedding_text`]), is counted; at least half of `budget` however long the path.
fn text_budget(headings: &[String], counter: &dyn TokenCount, budget: usize) -> usize {
    if headings.is_empty() {
        return budget;
    }
    let path = counter.count(&headings.join(" › "));
    budget.saturating_sub(path).max(budget / 2)
}

/// Special tokens the model adds to every input ([CLS], [SEP]).
const SPECIAL: usize = 2;

/// The chunks of `doc`.
pub fn chunk(doc: &Document, counter: &dyn TokenCount, options: ChunkOptions) -> Vec<Chunk> {
    let budget = options.max_tokens.saturating_sub(SPECIAL).max(16);
    let sections = units::sections(doc, counter, budget);
    let mut out: Vec<Chunk> = Vec::new();
    for section in sections {
        let budget = text_budget(&section.headings, counter, budget);
        let mut current: Vec<Unit> = Vec::new();
        let mut tokens = 0usize;
        for unit in section.units {
            if tokens + unit.tokens > budget && !current.is_empty() {
                let carried = overlap(
                    &current,
                    options.overlap_tokens,
                    budget - unit.tokens.min(budget),
                );
                emit(
                    doc,
                    &section.headings,
                    std::mem::take(&mut current),
                    &mut out,
                );
                tokens = carried.iter().map(|u| u.tokens).sum();
                current = carried;
            }
            tokens += unit.tokens;
            current.push(unit);
        }
        if current.iter().any(|u| !u.carried) {
            emit(doc, &section.headings, current, &mut out);
        }
    }
    out
}

/// The trailing sentences of `units` (not table rows) worth at most `overlap` tokens, and no
/// more than `room`, marked as carried over.
fn overlap(units: &[Unit], overlap: usize, room: usize) -> Vec<Unit> {
    let mut carried = Vec::new();
    let mut tokens = 0;
    for unit in units.iter().rev() {
        if !unit.sentence || tokens + unit.tokens > overlap.min(room) {
            break;
        }
        tokens += unit.tokens;
        carried.push(Unit {
            carried: true,
            ..unit.clone()
        });
    }
    carried.reverse();
    carried
}

fn emit(doc: &Document, headings: &[String], units: Vec<Unit>, out: &mut Vec<Chunk>) {
    let index = out.len() as u32;
    let mut text = String::new();
    let mut block_ids: Vec<String> = Vec::new();
    let mut pages: Vec<u32> = Vec::new();
    let mut boxes: Vec<PageBox> = Vec::new();
    let mut previous_block: Option<usize> = None;
    for unit in &units {
        if !text.is_empty() {
            // Sentences of one block run on; rows, lines and new blocks start a line.
            let same = previous_block == Some(unit.block);
            text.push(if same && unit.sentence { ' ' } else { '\n' });
        }
        text.push_str(&unit.text);
        for &b in unit.also.iter().chain(std::iter::once(&unit.block)) {
            let block = &doc.blocks[b];
            if !block_ids.contains(&block.id) {
                block_ids.push(block.id.clone());
                boxes.push(PageBox {
                    page: block.page,
                    bbox: block.bbox,
                });
            }
            if !pages.contains(&block.page) {
                pages.push(block.page);
            }
        }
        previous_block = Some(unit.block);
    }
    pages.sort_unstable();
    let tokens = units.iter().map(|u| u.tokens).sum::<usize>() + SPECIAL;
    out.push(Chunk {
        id: format!("{}:{index}", doc.id),
        document_id: doc.id.clone(),
        index,
        text,
        headings: headings.to_vec(),
        pages,
        block_ids,
        boxes,
        tokens: tokens as u32,
    });
}

#[cfg(test)]
mod tests;
