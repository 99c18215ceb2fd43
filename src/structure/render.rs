//! Renderings of a [`Document`]: Markdown for people and LLMs, plain text in reading order.

use crate::document::{Block, BlockKind, Document};

/// What a rendering holds besides the body text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Render {
    /// Also page furniture (running headers, footers, page numbers, stamps) and, in plain
    /// text, the page labels of table-of-contents entries: everything printed on the page,
    /// as `pdftotext` gives it. Off by default: furniture is noise in chunks and prompts.
    pub furniture: bool,
}

impl Render {
    fn keeps(self, block: &Block) -> bool {
        self.furniture || !block.kind.is_furniture()
    }
}

/// Markdown: headings by level, lists, fenced code, pipe tables; page headers and footers left out.
pub fn to_markdown(doc: &Document) -> String {
    to_markdown_with(doc, Render::default())
}

/// [`to_markdown`], with what `render` asks for besides the body.
pub fn to_markdown_with(doc: &Document, render: Render) -> String {
    let mut out = String::new();
    for block in doc.blocks.iter().filter(|b| render.keeps(b)) {
        let text = block.text.trim();
        if text.is_empty() && block.table.is_none() && block.kind != BlockKind::Figure {
            continue;
        }
        match block.kind {
            BlockKind::Title => push_para(&mut out, &format!("# {}", one_line(text))),
            BlockKind::SectionHeader => {
                let hashes = "#".repeat(usize::from(block.level.unwrap_or(1)).clamp(1, 5) + 1);
                push_para(&mut out, &format!("{hashes} {}", one_line(text)));
            }
            BlockKind::ListItem => push_list_item(&mut out, block),
            BlockKind::TocEntry => push_toc_entry(&mut out, block),
            // Shown as the heading it looks like; in JSON it heads no section.
            BlockKind::TocTitle => push_para(&mut out, &format!("## {}", one_line(text))),
            BlockKind::Code => push_para(&mut out, &format!("```\n{text}\n```")),
            BlockKind::Caption => push_para(&mut out, &format!("*{}*", one_line(with_math(block)))),
            BlockKind::Formula => {
                let tex = block.latex.as_deref().unwrap_or(text);
                push_para(&mut out, &format!("$$\n{tex}\n$$"))
            }
            // A figure's own text is chart labels and the like: one compact line under the
            // marker, so it stays searchable without reading as prose.
            BlockKind::Figure if text.is_empty() => push_para(&mut out, "<!-- figure -->"),
            BlockKind::Figure => push_para(&mut out, &format!("<!-- figure -->\n{}", escape(text))),
            BlockKind::Table => match &block.table {
                Some(table) => push_para(&mut out, &crate::table::to_markdown(table)),
                None => push_para(&mut out, &escape(text)),
            },
            _ => push_para(&mut out, &escape(with_math(block))),
        }
    }
    out
}

/// The block's text with inline formulas as `$…$` where it has them.
fn with_math(block: &Block) -> &str {
    block.latex.as_deref().unwrap_or(&block.text).trim()
}

/// Plain text in reading order, blank lines between blocks and a form feed between pages.
/// Page furniture (running headers, footers, page numbers) is left out, as in Markdown; the
/// JSON keeps it.
pub fn to_text(doc: &Document) -> String {
    to_text_with(doc, Render::default())
}

/// [`to_text`], with what `render` asks for besides the body.
pub fn to_text_with(doc: &Document, render: Render) -> String {
    let mut out = String::new();
    let mut page = None;
    for block in doc.blocks.iter().filter(|b| render.keeps(b)) {
        if page.is_some_and(|p| p != block.page) {
            out.push('\u{c}');
        } else if page.is_some() {
            out.push('\n');
        }
        page = Some(block.page);
        // A bulleted item is printed with its bullet, as on the page.
        if let Some(marker) = block
            .marker
            .as_deref()
            .filter(|_| block.kind == BlockKind::ListItem)
        {
            out.push_str(marker);
            out.push(' ');
        }
        out.push_str(block.text.trim_end());
        if let Some(entry) = block.toc.as_ref().filter(|_| render.furniture) {
            out.push(' ');
            out.push_str(&entry.page);
        }
        out.push('\n');
    }
    out
}

fn push_para(out: &mut String, text: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(text);
    out.push('\n');
}

fn push_list_item(out: &mut String, block: &Block) {
    let text = one_line(with_math(block));
    let enumerated = text
        .split_whitespace()
        .next()
        .is_some_and(|t| t.ends_with(['.', ')']) && t.len() <= 6);
    let item = if enumerated {
        text
    } else {
        format!("- {text}")
    };
    push_item(out, &item);
}

/// A table-of-contents entry as a list line with its page label: "- 2.1 Results … 17".
fn push_toc_entry(out: &mut String, block: &Block) {
    let text = one_line(block.text.trim());
    match &block.toc {
        Some(entry) => push_item(out, &format!("- {text} … {}", entry.page)),
        None => push_item(out, &format!("- {text}")),
    }
}

/// Consecutive items form one list: no blank line between them.
fn push_item(out: &mut String, item: &str) {
    if out.ends_with('\n') && last_was_item(out) {
        out.push_str(item);
        out.push('\n');
    } else {
        push_para(out, item);
    }
}

fn last_was_item(out: &str) -> bool {
    let last = out.trim_end_matches('\n').rsplit('\n').next().unwrap_or("");
    last.starts_with("- ")
        || last
            .split_whitespace()
            .next()
            .is_some_and(|t| t.ends_with(['.', ')']) && t.len() <= 6)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Keeps paragraph text from turning into Markdown syntax by accident.
fn escape(text: &str) -> String {
    let t = one_line(text);
    match t.chars().next() {
        Some('#' | '>' | '|') => format!("\\{t}"),
        _ => t,
    }
}
