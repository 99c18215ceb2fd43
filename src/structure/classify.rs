//! Block kinds, heading levels and the section tree, from typography relative to the body text
//! and from the text itself (numbering, bullets, caption labels).

use super::blocks::{starts_item, BULLETS};
use super::furniture::BlockRef;
use super::{PageLayout, ProtoBlock};
use crate::document::{Block, BlockKind, BlockSource, HeadingFrom, TocEntry};
use crate::layout::RegionKind;
use std::collections::HashMap;

/// How a heading got its level.
#[derive(Debug, Clone, Copy)]
enum Level {
    /// Multi-part numbering ("2.3.1") or a chapter word: the depth is the level.
    Numbered(u8),
    /// One-part numbering ("3", "IV.", "B."): level 1 when the document also has multi-part
    /// numbers, otherwise decided by style like unnumbered headings.
    Single,
    /// Decided by style rank.
    ByStyle,
}

struct Draft<'a> {
    proto: &'a ProtoBlock,
    source: BlockSource,
    kind: BlockKind,
    level: Option<Level>,
    confidence: f32,
    text: String,
    toc: Option<TocEntry>,
}

impl Draft<'_> {
    /// Not a heading after all: running text.
    fn demote(&mut self) {
        self.kind = BlockKind::Paragraph;
        self.level = None;
    }
}

/// Classifies every block; `body` is the body text's font size.
pub fn classify(
    pages: &[PageLayout],
    body: f32,
    furniture: &HashMap<BlockRef, (BlockKind, f32)>,
) -> Vec<Block> {
    let mut drafts: Vec<Draft> = Vec::new();
    for (pi, page) in pages.iter().enumerate() {
        let (mut toc, absorbed) = super::toc::detect(page);
        for (bi, proto) in page.blocks.iter().enumerate() {
            if absorbed.contains(&bi) {
                // A table-of-contents page number, now part of its entry.
                continue;
            }
            let fixed = |kind, confidence, text, toc| Draft {
                proto,
                source: page.source,
                kind,
                level: None,
                confidence,
                text,
                toc,
            };
            let mut draft = match (furniture.get(&(pi, bi)), toc.remove(&bi)) {
                (Some(&(kind, confidence)), _) => fixed(kind, confidence, proto.text(), None),
                (None, Some(entry)) => {
                    fixed(BlockKind::TocEntry, 0.85, entry.title.clone(), Some(entry))
                }
                (None, None) => match proto.region {
                    Some((kind, score)) => classify_region(proto, page, body, kind, score),
                    None => classify_one(proto, page, body),
                },
            };
            // Text read from a picture on a page with a text layer (a screenshot's menu bar, a
            // chart's labels) belongs to the picture: never a heading.
            let read_from_picture =
                page.source == BlockSource::Pdf && proto.lines.iter().all(|l| l.ocr);
            if read_from_picture
                && matches!(draft.kind, BlockKind::SectionHeader | BlockKind::Title)
            {
                draft.demote();
            }
            // OCR'd text is only as sure as the recogniser was.
            if let Some(c) = page.ocr_confidence {
                draft.confidence = ((draft.confidence * c) * 100.0).round() / 100.0;
            }
            drafts.push(draft);
        }
    }
    mark_title(&mut drafts, pages, body);
    if pages.len() > 1 {
        demote_cover(&mut drafts);
    }
    demote_repeated(&mut drafts);
    demote_rows(&mut drafts, body);
    list_leads(&mut drafts);
    first_lines(&mut drafts);
    toc_titles(&mut drafts);
    demote_bylines(&mut drafts);
    display_leads(&mut drafts, body);
    figure_labels(&mut drafts, body);
    finish(drafts)
}

/// A "heading" in plain body type (only the layout model took it for one) whose sentence goes
/// on after a display ("Mit dem Befehl" / `\usepackage{…}` / "können … geladen werden") is
/// that sentence's start: the text after the code or formula opens in lower case.
fn display_leads(drafts: &mut [Draft], body: f32) {
    for i in 0..drafts.len().saturating_sub(2) {
        let d = &drafts[i];
        let plain = d.kind == BlockKind::SectionHeader
            && numbering_depth(&d.text).is_none()
            && d.proto.size() < 1.05 * body
            && d.proto.bold() < 0.5;
        if !plain {
            continue;
        }
        let mut after = drafts[i + 1..]
            .iter()
            .take_while(|n| n.proto.page == d.proto.page)
            .filter(|n| !n.kind.is_furniture());
        let display = after
            .next()
            .is_some_and(|n| matches!(n.kind, BlockKind::Code | BlockKind::Formula));
        let goes_on = after.next().is_some_and(|n| {
            n.kind == BlockKind::Paragraph && n.text.chars().next().is_some_and(char::is_lowercase)
        });
        if display && goes_on {
            drafts[i].demote();
        }
    }
}

/// Pages at the front of a document where a list of names is its byline.
const FRONT_PAGES: u32 = 3;

/// The authors' names on the first pages are a byline, not a section, however large the
/// type: in one line ("Till Tantau, Joseph Wright, Vedran Miletić") or one name per block side
/// by side ("Ľudovít Mináč" beside "Zoë Čapek").
fn demote_bylines(drafts: &mut [Draft]) {
    let front = |d: &Draft| d.kind == BlockKind::SectionHeader && d.proto.page <= FRONT_PAGES;
    let names: Vec<usize> = (0..drafts.len())
        .filter(|&i| front(&drafts[i]) && is_name(&drafts[i].text))
        .collect();
    let mut demote: Vec<usize> = (0..drafts.len())
        .filter(|&i| front(&drafts[i]) && is_byline(&drafts[i].text))
        .collect();
    for &i in &names {
        let beside = names.iter().any(|&j| {
            j != i
                && drafts[j].proto.page == drafts[i].proto.page
                && super::lines::v_overlap(drafts[i].proto.bbox, drafts[j].proto.bbox) >= 0.5
        });
        if beside {
            demote.push(i);
        }
    }
    for i in demote {
        drafts[i].demote();
    }
}

/// A personal name: two to four capitalised words or initials ("Anna van der Berg").
fn is_name(text: &str) -> bool {
    const PARTICLES: [&str; 9] = ["van", "von", "de", "der", "den", "da", "di", "du", "le"];
    let words: Vec<&str> = text.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            PARTICLES.contains(w)
                || (w.chars().next().is_some_and(char::is_uppercase)
                    && w.chars()
                        .all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'')))
        })
}

/// Two or more personal names, comma-separated (the last may follow "and", "und", "et", "y",
/// "e" or "&"), each of two to four capitalised words or initials.
fn is_byline(text: &str) -> bool {
    if !text.contains(',') {
        return false;
    }
    const JOINS: [&str; 6] = [" and ", " und ", " et ", " y ", " e ", " & "];
    let mut names = text.to_string();
    for join in JOINS {
        names = names.replace(join, ",");
    }
    let names: Vec<&str> = names.split(',').map(str::trim).collect();
    names.len() >= 2 && names.iter().all(|n| is_name(n))
}

/// Whether a figure's caption lies below the block on its page with no text of several lines
/// between them: the block is then inside that figure's drawing.
fn labels_figure(drafts: &[Draft], i: usize) -> bool {
    let b = drafts[i].proto.bbox;
    let on_page = || page_of(drafts, i).iter();
    let caption = on_page()
        .filter(|d| d.kind == BlockKind::Caption && is_caption(&d.text))
        .map(|d| d.proto.bbox[1])
        .filter(|&top| top >= b[3])
        .min_by(f32::total_cmp);
    let Some(top) = caption else {
        return false;
    };
    !on_page().any(|d| {
        let middle = (d.proto.bbox[1] + d.proto.bbox[3]) / 2.0;
        !d.kind.is_furniture() && d.proto.lines.len() > 1 && middle > b[3] && middle < top
    })
}

/// The drafts on block `i`'s page (drafts come page by page).
fn page_of<'d, 'a>(drafts: &'d [Draft<'a>], i: usize) -> &'d [Draft<'a>] {
    let page = drafts[i].proto.page;
    let start = drafts.partition_point(|d| d.proto.page < page);
    let end = drafts.partition_point(|d| d.proto.page <= page);
    &drafts[start..end]
}

/// Ems a label sits in from the page's text margin.
const LABEL_INDENT_EM: f32 = 2.0;

/// An unnumbered "heading" set in from the page's text margin with a figure's caption coming
/// before any text is a label inside a drawn figure (the sample text of a font demo, a
/// word painted over shapes): sections start at the margin.
fn figure_labels(drafts: &mut [Draft], body: f32) {
    let mut margins: HashMap<u32, f32> = HashMap::new();
    for d in drafts.iter().filter(|d| !d.kind.is_furniture()) {
        let m = margins.entry(d.proto.page).or_insert(f32::MAX);
        *m = m.min(d.proto.bbox[0]);
    }
    for i in 0..drafts.len() {
        let d = &drafts[i];
        let candidate = matches!(d.kind, BlockKind::SectionHeader | BlockKind::Title)
            && numbering_depth(&d.text).is_none()
            && margins
                .get(&d.proto.page)
                .is_some_and(|m| d.proto.bbox[0] > m + LABEL_INDENT_EM * body);
        if candidate && labels_figure(drafts, i) {
            drafts[i].demote();
        }
    }
}

/// Words at most in the heading of a table of contents ("Table des matières", "List of
/// Figures", "Índice de cuadros").
const TOC_TITLE_WORDS: usize = 4;
/// Heights of the title line, at most, between it and the first entry (a book's chapter-style
/// "Contents" stands well above its list).
const TOC_TITLE_GAP: f32 = 8.0;

/// A short unnumbered heading whose page goes on with table-of-contents entries names that
/// list ("Contents", "Inhaltsverzeichnis", "List of Figures"): it is the list's title, not a
/// section of the document.
fn toc_titles(drafts: &mut [Draft]) {
    for i in 0..drafts.len() {
        let d = &drafts[i];
        let candidate = d.kind == BlockKind::SectionHeader
            && numbering_depth(&d.text).is_none()
            && d.text.split_whitespace().count() <= TOC_TITLE_WORDS;
        if !candidate {
            continue;
        }
        let (page, head) = (d.proto.page, d.proto.bbox);
        let next = drafts[i + 1..]
            .iter()
            .take_while(|n| n.proto.page == page)
            .find(|n| !n.kind.is_furniture());
        // The entries start under it, from its left edge.
        let under = |n: &Draft| {
            let height = head[3] - head[1];
            let gap = n.proto.bbox[1] - head[3];
            (0.0..=TOC_TITLE_GAP * height).contains(&gap)
                && (n.proto.bbox[0] - head[0]).abs() <= 2.0 * height
        };
        if next.is_some_and(|n| n.kind == BlockKind::TocEntry && under(n)) {
            drafts[i].kind = BlockKind::TocTitle;
            drafts[i].level = None;
        }
    }
}

/// Headings at least this many to a row are column heads or menu labels.
const ROW_OF_LABELS: usize = 3;
/// Blocks on a row, at most, beside which a body-type heading can stand (three columns).
const ROW_OF_PIECES: usize = 3;
/// Ems between a piece of a broken line and the next piece, at most.
const PIECE_GAP_EM: f32 = 2.0;

/// Three or more "headings" in body type side by side on one row are a table's column heads,
/// a menu bar or a diagram's labels: text, not sections. Larger type side by side is a
/// poster's or a card grid's headings, unless a figure's caption follows before any text of
/// several lines does: then they label that figure.
fn demote_rows(drafts: &mut [Draft], body: f32) {
    let heads: Vec<usize> = (0..drafts.len())
        .filter(|&i| {
            drafts[i].kind == BlockKind::SectionHeader
                && (drafts[i].proto.size() < 1.1 * body || labels_figure(drafts, i))
        })
        .collect();
    let mut demote = Vec::new();
    // Drafts come page by page: compare headings within their page only.
    for page in heads.chunk_by(|&a, &b| drafts[a].proto.page == drafts[b].proto.page) {
        for &i in page {
            let a = drafts[i].proto.bbox;
            let beside = |b: &Draft| super::lines::v_overlap(a, b.proto.bbox) >= 0.5;
            let row = page.iter().filter(|&&j| beside(&drafts[j])).count();
            // A body-type "heading" among several other blocks on its row, the nearest a
            // word space or two away, is a piece of a line (a justified line the layout broke
            // into words): a heading in a three-column page has at most one block per column
            // beside it, a gutter away.
            let size = drafts[i].proto.size();
            let pieces: Vec<&Draft> = page_of(drafts, i)
                .iter()
                .filter(|d| !d.kind.is_furniture() && beside(d))
                .collect();
            let near = pieces.iter().any(|d| {
                let b = d.proto.bbox;
                let gap = (b[0] - a[2]).max(a[0] - b[2]);
                (0.0..PIECE_GAP_EM * size).contains(&gap)
            });
            let broken = size < 1.1 * body && near && pieces.len() > ROW_OF_PIECES;
            if row >= ROW_OF_LABELS || broken {
                demote.push(i);
            }
        }
    }
    for i in demote {
        drafts[i].demote();
    }
}

/// "1. Precision" over a paragraph indented past it is the lead of a numbered list item, not
/// a section: a section's text starts where its heading does (or further left).
fn list_leads(drafts: &mut [Draft]) {
    // The last numbered list item: its number, left edge and page. The next number at the
    // same place is the list's next item even where its text is a single line.
    let mut last: Option<(u32, f32, u32)> = None;
    for i in 1..drafts.len() {
        let head = &drafts[i - 1];
        if head.kind == BlockKind::ListItem {
            if let Some(m) = list_number(&head.text) {
                last = Some((m, head.proto.bbox[0], head.proto.page));
            }
        }
        if head.kind == BlockKind::SectionHeader && matches!(head.level, Some(Level::Single)) {
            let next_item = match (last, list_number(&head.text)) {
                (Some((n, x, page)), Some(m)) => {
                    m == n + 1
                        && (head.proto.bbox[0] - x).abs() <= 2.0
                        && head.proto.page <= page + 1
                }
                _ => false,
            };
            if next_item {
                last = list_number(&head.text).map(|m| (m, head.proto.bbox[0], head.proto.page));
                drafts[i - 1].kind = BlockKind::ListItem;
                drafts[i - 1].level = None;
                continue;
            }
        }
        let (head, next) = (&drafts[i - 1], &drafts[i]);
        let lead = head.kind == BlockKind::SectionHeader
            && matches!(head.level, Some(Level::Single))
            && next.kind == BlockKind::Paragraph
            && next.proto.page == head.proto.page
            && next.proto.lines.len() >= 2
            && next.proto.bbox[0] >= head.proto.bbox[0] + head.proto.size()
            // directly below, in the same column
            && next.proto.bbox[0] < head.proto.bbox[2]
            && next.proto.bbox[1] - head.proto.bbox[3] < 2.0 * head.proto.size();
        if lead {
            last = list_number(&head.text).map(|m| (m, head.proto.bbox[0], head.proto.page));
            drafts[i - 1].kind = BlockKind::ListItem;
            drafts[i - 1].level = None;
        }
    }
}

/// The number of a "12. Encoding"-style item.
fn list_number(text: &str) -> Option<u32> {
    let first = text.split_whitespace().next()?;
    first.strip_suffix('.')?.parse().ok()
}

/// A one-line "heading" that runs to the same right edge as the paragraph set directly below
/// it, at the paragraph's own line spacing, is that paragraph's first line split off (CJK
/// text in mixed fonts breaks this way): a heading that long would wrap onto a second line.
fn first_lines(drafts: &mut [Draft]) {
    // Short labels over a list of equally short ones (a reference card's) line up by chance.
    const LONG_LINE: usize = 40;
    for i in 1..drafts.len() {
        let (head, next) = (&drafts[i - 1], &drafts[i]);
        let (h, n) = (head.proto.bbox, next.proto.bbox);
        let size = head.proto.size();
        let split = head.kind == BlockKind::SectionHeader
            && !matches!(head.level, Some(Level::Numbered(_) | Level::Single))
            && head.proto.lines.len() == 1
            && head.text.chars().count() >= LONG_LINE
            && next.kind == BlockKind::Paragraph
            && next.proto.page == head.proto.page
            && (h[2] - n[2]).abs() <= 0.25 * size
            && (h[0] - n[0]).abs() <= 0.5 * size
            && h[2] - h[0] >= 0.9 * (n[2] - n[0])
            && n[1] - h[3] >= 0.0
            && n[1] - h[3] < 0.6 * size;
        if split {
            drafts[i - 1].demote();
        }
    }
}

/// Characters of text at most on a cover page.
const COVER_CHARS: usize = 600;

/// A cover page (page 1 with little text and no numbered heading) has one heading, its title:
/// the subtitle, authors, institution and date around it are text.
fn demote_cover(drafts: &mut [Draft]) {
    // Drafts come page by page: page 1's are a prefix.
    let n = drafts.iter().take_while(|d| d.proto.page == 1).count();
    let cover = &mut drafts[..n];
    let content = || cover.iter().filter(|d| !d.kind.is_furniture());
    let heads = || content().filter(|d| d.kind == BlockKind::SectionHeader);
    let chars: usize = content().map(|d| d.text.chars().count()).sum();
    let numbered = heads().any(|d| !matches!(d.level, Some(Level::ByStyle) | None));
    if chars > COVER_CHARS || numbered {
        return;
    }
    // Without a title found, the largest headings stand for it.
    let titled = content().any(|d| d.kind == BlockKind::Title);
    let largest = heads().map(|d| d.proto.size()).fold(0.0f32, f32::max);
    for d in cover.iter_mut() {
        if d.kind == BlockKind::SectionHeader && (titled || d.proto.size() < 0.95 * largest) {
            d.demote();
        }
    }
}

/// A heading text that recurs all through a document is a label ("Note", "Parameters",
/// "Returns"), not a section: on three or more separate runs of pages all its occurrences
/// are text. A repeat on the pages right after (a slide's overlays, a continued frame) is
/// text too; the first occurrence stays a heading.
fn demote_repeated(drafts: &mut [Draft]) {
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        if d.kind == BlockKind::SectionHeader && numbering_depth(&d.text).is_none() {
            let key = d.text.split_whitespace().collect::<Vec<_>>().join(" ");
            seen.entry(key.to_lowercase()).or_default().push(i);
        }
    }
    for indices in seen.values().filter(|v| v.len() > 1) {
        let pages: Vec<u32> = indices.iter().map(|&i| drafts[i].proto.page).collect();
        let runs = 1 + pages.windows(2).filter(|w| w[1] > w[0] + 1).count();
        for (k, &i) in indices.iter().enumerate() {
            let repeat = k > 0 && pages[k] == pages[k - 1] + 1;
            if runs >= 3 || repeat {
                drafts[i].demote();
            }
        }
    }
}

fn classify_one<'a>(proto: &'a ProtoBlock, page: &PageLayout, body: f32) -> Draft<'a> {
    let text = proto.text();
    let first_line = proto.lines.first().map(|l| l.text.as_str()).unwrap_or("");
    let draft = |kind, level, confidence, text| Draft {
        proto,
        source: page.source,
        kind,
        level,
        confidence,
        text,
        toc: None,
    };
    if proto.is_display_math() {
        return draft(BlockKind::Formula, None, 0.8, text);
    }
    if is_caption(&text) {
        return draft(BlockKind::Caption, None, 0.85, text);
    }
    if let Some((level, confidence)) = heading(proto, &text, body) {
        return draft(BlockKind::SectionHeader, Some(level), confidence, text);
    }
    if proto.mono() >= 0.8 {
        return draft(BlockKind::Code, None, 0.85, code_text(proto));
    }
    if starts_item(first_line) {
        return draft(BlockKind::ListItem, None, 0.85, strip_bullet(&text));
    }
    let small = proto.size() <= 0.9 * body;
    let low = proto.bbox[1] >= 0.7 * page.height;
    let marker = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '*' | '†' | '‡' | '§' | '¶'));
    if small && low && marker {
        return draft(BlockKind::Footnote, None, 0.7, text);
    }
    draft(BlockKind::Paragraph, None, 0.9, text)
}

/// A block inside a layout region: the region's kind decides, typography refines (heading
/// levels, lists and code inside text regions).
fn classify_region<'a>(
    proto: &'a ProtoBlock,
    page: &PageLayout,
    body: f32,
    kind: RegionKind,
    score: f32,
) -> Draft<'a> {
    let draft = |kind, level, text| Draft {
        proto,
        source: page.source,
        kind,
        level,
        confidence: (score * 100.0).round() / 100.0,
        text,
        toc: None,
    };
    let text = || proto.text();
    match kind {
        RegionKind::Table => draft(
            BlockKind::Table,
            None,
            proto
                .table
                .as_ref()
                .map(crate::table::to_text)
                .unwrap_or_else(text),
        ),
        RegionKind::Figure => draft(BlockKind::Figure, None, text()),
        RegionKind::Equation => {
            let t = text();
            // A numbered heading ("3.1. Tables") the model took for an equation stays one.
            match heading(proto, &t, body) {
                Some((level @ (Level::Numbered(_) | Level::Single), _)) if mostly_words(&t) => {
                    draft(BlockKind::SectionHeader, Some(level), t)
                }
                _ => draft(BlockKind::Formula, None, t),
            }
        }
        RegionKind::FigureCaption | RegionKind::TableCaption => {
            let t = text();
            // A numbered heading the model took for a caption stays a heading.
            match heading(proto, &t, body) {
                Some((level @ (Level::Numbered(_) | Level::Single), _)) if !is_caption(&t) => {
                    draft(BlockKind::SectionHeader, Some(level), t)
                }
                _ => draft(BlockKind::Caption, None, t),
            }
        }
        // Running headers and footers are set small; large type at the top is a title.
        RegionKind::Header | RegionKind::Footer if proto.size() > 1.1 * body => {
            classify_one(proto, page, body)
        }
        RegionKind::Header => draft(BlockKind::PageHeader, None, text()),
        RegionKind::Footer => draft(BlockKind::PageFooter, None, text()),
        RegionKind::Reference => {
            let t = text();
            if looks_like_reference(&t) {
                draft(BlockKind::Reference, None, t)
            } else {
                classify_one(proto, page, body)
            }
        }
        RegionKind::Title => {
            let t = text();
            if t.chars().count() > 200 || proto.lines.len() > 3 {
                return classify_one(proto, page, body);
            }
            // A sentence is not a title, whatever the model saw.
            let sentence = ends_sentence(&t)
                && (t.split_whitespace().count() > 5
                    || t.chars().filter(|&c| super::lines::is_cjk(c)).count() > 5);
            // A run of words in plain body type is no title, whatever the model saw.
            let plain = heading(proto, &t, body).is_none()
                && numbering_depth(&t).is_none()
                && t.split_whitespace().count() > 6
                && proto.size() < 1.05 * body
                && proto.bold() < 0.5;
            if sentence || plain || never_heading(proto, &t) {
                return classify_one(proto, page, body);
            }
            let level = heading(proto, &t, body).map_or_else(|| level_of(&t), |(level, _)| level);
            draft(BlockKind::SectionHeader, Some(level), t)
        }
        RegionKind::Text => {
            let mut d = classify_one(proto, page, body);
            d.confidence = d.confidence.max(score).min(1.0);
            d
        }
    }
}

/// Ends as a sentence or clause does, in Latin or CJK punctuation.
fn ends_sentence(text: &str) -> bool {
    unquoted(text).ends_with(['.', ':', ',', ';', '．', '。', '：', '，', '、', '；'])
}

/// The text without the closing quotes and brackets after its last punctuation
/// ("«Pulse la tecla “x”.»" ends in a full stop).
fn unquoted(text: &str) -> &str {
    text.trim_end()
        .trim_end_matches(['»', '”', '"', '’', '\'', ')', '」', '』'])
}

/// A bibliography entry: opens with a label ("[12]", "12.", "(Smith 2001)") or cites a year.
fn looks_like_reference(text: &str) -> bool {
    let labelled = text.starts_with('[')
        || text.split_whitespace().next().is_some_and(|w| {
            w.trim_end_matches(['.', ')'])
                .chars()
                .all(|c| c.is_ascii_digit())
        });
    let year = text.as_bytes().windows(4).any(|w| {
        (w.starts_with(b"19") || w.starts_with(b"20")) && w.iter().all(u8::is_ascii_digit)
    });
    labelled || year
}

/// Is this block a heading, and how sure are we?
fn heading(proto: &ProtoBlock, text: &str, body: f32) -> Option<(Level, f32)> {
    let chars = text.chars().count();
    if chars == 0 || chars > 200 || proto.lines.len() > 3 || !text.chars().any(char::is_alphabetic)
    {
        return None;
    }
    if text.ends_with([',', ';', '，', '、', '；']) || proto.mono() >= 0.8 {
        return None;
    }
    if never_heading(proto, text) {
        return None;
    }
    let numbered = numbering_depth(text);
    let larger = proto.size() >= 1.1 * body - 0.1;
    let bold = proto.bold() >= 0.85;
    let short =
        chars <= 120 && proto.lines.len() <= 2 && !unquoted(text).ends_with(['.', '．', '。', '!']);
    let level = level_of(text);
    if larger && (short || numbered.is_some()) {
        return Some((level, if numbered.is_some() { 0.9 } else { 0.8 }));
    }
    if bold && (short || numbered.is_some()) {
        return Some((level, if numbered.is_some() { 0.85 } else { 0.7 }));
    }
    // Journal styles set numbered headings in body size: in capitals ("1. INTRODUCTION") or
    // italics ("3.1. Tables") on a short line of their own.
    let one_short_line = proto.lines.len() == 1 && chars <= 80 && !text.ends_with(['.', ':']);
    let italic = proto.weighted(|l| l.italic) >= 0.8;
    if numbered.is_some() && one_short_line && (capitals(text) || italic) && mostly_words(text) {
        return Some((level, 0.7));
    }
    None
}

/// Text that is no heading whatever its type (or the layout model's region): a bullet item,
/// sideways text (a margin label, a rotated running head), a caption and, unless numbered,
/// code or markup, a line broken mid-word, a lead-in ending in a colon ("The program is
/// called like this:" introduces what follows; a heading names it), an index letter, a date,
/// version or other line that reads as page furniture (roman page numbers too), a line opening
/// as a label or aside, and an unnumbered line that opens in lower case as a sentence or a path
/// does.
fn never_heading(proto: &ProtoBlock, text: &str) -> bool {
    starts_with_bullet(text)
        || proto.is_sideways()
        || is_caption(text)
        || super::furniture::reads_as_date_or_page_number(text)
        || opens_as_label(text)
        || (numbering_depth(text).is_none()
            && (looks_like_code(text)
                || opens_lowercase(text)
                || holds_cjk_sentence_end(text)
                || text.ends_with('-')
                || text.ends_with([':', '：'])
                || !has_word(text)
                || super::furniture::reads_as_furniture(text)))
}

/// Opens as a label or an aside, as no heading does: a parenthesis or bracket ("(2.5,1) in
/// inches", "(Reference: While)") or a number with a colon ("0: well she hit …", "2.5: and
/// …": a diagram's tick labels). None of the corpus's 3,887 outline entries opens so.
fn opens_as_label(text: &str) -> bool {
    let t = text.trim_start();
    if t.starts_with(['(', '[']) {
        return true;
    }
    let first = t.split_whitespace().next().unwrap_or("");
    first.len() > 1
        && first.ends_with(':')
        && first
            .trim_end_matches(':')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
}

/// Opens in lower case and reads as running text, not a title: three words or more ("and she
/// made 50 million …", "by Tobias Oetiker"), a sentence's end ("in the preamble."), a call or
/// a path ("canvas.skew(alpha, beta)", "tex/jlreq"). A name set in lower case ("lilypond
/// aufrufen", "abnTeX2") stays a candidate. Measured on the outline benchmark's tune documents:
/// 11 false headings of this shape, no true one.
fn opens_lowercase(text: &str) -> bool {
    let t = text.trim();
    if !t.chars().next().is_some_and(char::is_lowercase) {
        return false;
    }
    t.split_whitespace().count() >= 3
        || t.ends_with(['.', '!', '?', '。', '．'])
        || t.contains(['(', '/'])
        || t.split_whitespace().any(is_file_name)
}

/// A CJK full stop after a word with more text following: a sentence ends inside the line
/// ("コマンドを使用します．これらが…"), as no heading's does.
fn holds_cjk_sentence_end(text: &str) -> bool {
    let chars: Vec<char> = text.trim().chars().collect();
    chars
        .windows(3)
        .any(|w| matches!(w[1], '。' | '．') && super::lines::is_cjk(w[0]) && !w[2].is_whitespace())
}

/// "foo.tex", "setup.py": a name, a dot and a short extension in lower case.
fn is_file_name(word: &str) -> bool {
    word.rsplit_once('.').is_some_and(|(name, ext)| {
        name.chars().last().is_some_and(char::is_alphanumeric)
            && (1..=4).contains(&ext.chars().count())
            && ext.chars().all(|c| c.is_ascii_lowercase())
    })
}

/// The level numbering gives: "2.3.1" → 3, "Chapter 4" → 1, "IV." → single, else by style.
fn level_of(text: &str) -> Level {
    match numbering_depth(text) {
        Some(1) if !is_chapter(text) => Level::Single,
        Some(n) => Level::Numbered(n),
        None => Level::ByStyle,
    }
}

/// Letters, most of them upper case (the numbering aside).
fn capitals(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    letters.len() >= 3 && upper * 5 >= letters.len() * 4
}

/// Words rather than symbols: most characters are letters or spaces.
fn mostly_words(text: &str) -> bool {
    let n = text.chars().count().max(1);
    let wordy = text
        .chars()
        .filter(|c| c.is_alphabetic() || c.is_whitespace())
        .count();
    wordy * 10 >= n * 7
}

/// Opens with a bullet character ("• item", "•*.tfm"; a dash or star only before a space).
fn starts_with_bullet(text: &str) -> bool {
    let mut chars = text.chars();
    let (first, second) = (chars.next(), chars.next());
    match first {
        Some('-' | '–' | '—' | '*' | '·') => second.is_some_and(char::is_whitespace),
        Some(c) => BULLETS.contains(&c),
        None => false,
    }
}

/// Markup or code: backslash commands, braces, assignments, arrows.
fn looks_like_code(text: &str) -> bool {
    text.contains(['\\', '{', '}', '=', '$', '<', '>', ';'])
        || text.contains("[]")
        || text.trim_start().starts_with('@')
}

/// A word of three letters or more (or any CJK text): not an index letter or a lone label.
fn has_word(text: &str) -> bool {
    text.chars().any(super::lines::is_cjk)
        || text
            .split(|c: char| !c.is_alphabetic())
            .any(|w| w.chars().count() >= 3)
}

/// "2.3.1 Title" → 3; "Chapter 4 …", "Appendix B …" → 1; "A.2 …" → 2.
fn numbering_depth(text: &str) -> Option<u8> {
    let mut words = text.split_whitespace();
    let first = words.next()?;
    let rest: Vec<&str> = words.collect();
    if !rest.iter().any(|w| w.chars().any(char::is_alphabetic)) {
        return None;
    }
    if is_chapter(first) {
        return Some(1);
    }
    let token = first.trim_end_matches(['.', ':']);
    let parts: Vec<&str> = token.split('.').collect();
    if parts.is_empty() || parts.len() > 6 {
        return None;
    }
    let numeric = |p: &str| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit());
    let letter = |p: &str| p.len() == 1 && p.chars().all(|c| c.is_ascii_uppercase());
    let roman =
        |p: &str| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| matches!(c, 'I' | 'V' | 'X'));
    let ok = parts
        .iter()
        .enumerate()
        .all(|(i, p)| numeric(p) || (i == 0 && (letter(p) || roman(p))));
    if !ok || (parts.len() == 1 && !numeric(parts[0]) && !first.ends_with('.')) {
        return None;
    }
    Some(parts.len() as u8)
}

/// Does the text start with a word like "Chapter" or "Appendix"?
pub(super) fn is_chapter(text: &str) -> bool {
    const CHAPTER: &[&str] = &[
        "chapter",
        "appendix",
        "part",
        "kapitel",
        "anhang",
        "chapitre",
        "annexe",
        "capítulo",
        "capitolo",
        "apéndice",
        "rozdział",
        "глава",
        "розділ",
        "bölüm",
        "lesson",
    ];
    let first = text.split_whitespace().next().unwrap_or("").to_lowercase();
    CHAPTER.contains(&first.as_str())
}

const CAPTION_LABELS: &[&str] = &[
    "figure",
    "fig.",
    "table",
    "tab.",
    "listing",
    "algorithm",
    "abbildung",
    "abb.",
    "tabelle",
    "tableau",
    "figura",
    "tabla",
    "tabela",
    "rysunek",
    "tablica",
    "şekil",
    "tablo",
    "рисунок",
    "рис.",
    "таблица",
    "图",
    "図",
    "表",
];

/// "Figure 3: …", "Table II. …", "FIG. 2. …", "図 1 …".
pub(super) fn is_caption(text: &str) -> bool {
    let mut words = text.split_whitespace();
    let (Some(label), Some(number)) = (words.next(), words.next()) else {
        return false;
    };
    if !CAPTION_LABELS.contains(&label.to_lowercase().as_str()) {
        return false;
    }
    let digits = number.trim_end_matches(['.', ':', ')', '—', '-']);
    // "3", "2.4", "2-1" (chapter-figure), "IV", "A.1"
    let numbered = !digits.is_empty()
        && digits
            .chars()
            .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-') || c.is_ascii_uppercase());
    let separated = number.ends_with(['.', ':'])
        || words
            .next()
            .is_some_and(|w| matches!(w, ":" | "—" | "-" | "–"));
    numbered && (separated || text.split_whitespace().count() <= 12)
}

/// Monospace lines keep their line breaks and relative indentation.
fn code_text(proto: &ProtoBlock) -> String {
    let left = proto
        .lines
        .iter()
        .map(|l| l.bbox[0])
        .fold(f32::MAX, f32::min);
    let mut widths: Vec<f32> = proto
        .lines
        .iter()
        .filter(|l| l.chars > 0)
        .map(|l| (l.bbox[2] - l.bbox[0]) / l.text.chars().count().max(1) as f32)
        .collect();
    widths.sort_by(f32::total_cmp);
    let cw = widths
        .get(widths.len() / 2)
        .copied()
        .unwrap_or(6.0)
        .max(1.0);
    proto
        .lines
        .iter()
        .map(|l| {
            let indent = ((l.bbox[0] - left) / cw).round().clamp(0.0, 40.0) as usize;
            format!("{}{}", " ".repeat(indent), l.text)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bullet that opens `text`, if one does.
fn bullet(text: &str) -> Option<char> {
    text.chars().next().filter(|c| BULLETS.contains(c))
}

fn strip_bullet(text: &str) -> String {
    match bullet(text) {
        Some(c) => text[c.len_utf8()..].trim_start().to_string(),
        None => text.to_string(),
    }
}

/// The largest heading near the top of page 1, well above body size, is the document title;
/// directly following blocks in the same size continue it.
fn mark_title(drafts: &mut [Draft], pages: &[PageLayout], body: f32) {
    let Some(first) = pages.first().filter(|p| p.number == 1) else {
        return;
    };
    let on_first = |d: &Draft| d.proto.page == 1 && d.kind == BlockKind::SectionHeader;
    let largest_other = |skip: usize| {
        drafts
            .iter()
            .enumerate()
            .filter(|(i, d)| *i != skip && on_first(d))
            .map(|(_, d)| d.proto.size())
            .fold(0.0f32, f32::max)
    };
    let Some((index, size)) = drafts
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            on_first(d) && !matches!(d.level, Some(Level::Numbered(_) | Level::Single))
        })
        .filter(|(_, d)| d.proto.bbox[1] < 0.6 * first.height && d.proto.size() >= 1.15 * body)
        .map(|(i, d)| (i, d.proto.size()))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    else {
        return;
    };
    // The title stands out: larger than every other heading on the page (bar its own lines).
    let rival = largest_other(index);
    if rival >= size * 0.98
        && !drafts
            .get(index + 1)
            .is_some_and(|d| on_first(d) && (d.proto.size() - size).abs() <= 0.05 * size)
    {
        return;
    }
    drafts[index].kind = BlockKind::Title;
    drafts[index].level = None;
    let mut next = index + 1;
    while next < drafts.len() {
        let d = &drafts[next];
        let same = d.proto.page == 1
            && d.kind == BlockKind::SectionHeader
            && (d.proto.size() - size).abs() <= 0.05 * size;
        if !same {
            break;
        }
        let extra = std::mem::take(&mut drafts[next].text);
        let title = &mut drafts[index];
        title.text = format!("{} {}", title.text, extra);
        drafts[next].kind = BlockKind::Title;
        next += 1;
    }
}

/// A heading's typographic rank key: size in half points, then emphasis.
fn style_key(d: &Draft) -> (i32, u8) {
    let letters: Vec<char> = d.text.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| !c.is_lowercase()).count();
    let caps = letters.len() >= 3 && upper * 5 >= letters.len() * 4;
    let bold = d.proto.bold() >= 0.5;
    let italic = d.proto.lines.iter().map(|l| l.italic).sum::<f32>()
        / d.proto.lines.len().max(1) as f32
        >= 0.5;
    let emphasis = match (bold, caps, italic) {
        (true, true, _) => 4,
        (true, false, false) => 3,
        (true, false, true) => 2,
        (false, true, _) => 1,
        _ => 0,
    };
    ((d.proto.size() * 2.0).round() as i32, emphasis)
}

/// Heading levels (numbering first, then typographic rank calibrated on numbered headings),
/// ids and parents.
fn finish(drafts: Vec<Draft>) -> Vec<Block> {
    let headings = || drafts.iter().filter(|d| d.kind == BlockKind::SectionHeader);
    let multi_part = headings().any(|d| matches!(d.level, Some(Level::Numbered(n)) if n >= 2));
    // Numbered headings teach which level each style stands for.
    let mut votes: HashMap<(i32, u8), HashMap<u8, usize>> = HashMap::new();
    let mut keys: Vec<(i32, u8)> = Vec::new();
    for d in headings() {
        let k = style_key(d);
        if !keys.contains(&k) {
            keys.push(k);
        }
        let numbered = match d.level {
            // Chapter words ("Appendix A") say nothing about the style of other levels.
            Some(Level::Numbered(n)) if n >= 2 || !is_chapter(&d.text) => Some(n),
            Some(Level::Single) if multi_part => Some(1),
            _ => None,
        };
        if let Some(n) = numbered {
            *votes.entry(k).or_default().entry(n).or_insert(0) += 1;
        }
    }
    let voted = |k: &(i32, u8)| -> Option<u8> {
        votes
            .get(k)
            .and_then(|v| v.iter().max_by_key(|(l, c)| (**c, std::cmp::Reverse(**l))))
            .map(|(&level, _)| level)
    };
    // An unnumbered style sits below every numbered style that outranks it, and below the
    // unnumbered styles between them: an unnumbered sub-sub-section never rises above its
    // numbered parent.
    let by_style = |k: (i32, u8)| -> u8 {
        if let Some(level) = voted(&k) {
            return level;
        }
        let above = keys.iter().filter(|&&other| other > k);
        let anchor = above
            .clone()
            .filter_map(|o| voted(o).map(|l| (*o, l)))
            .min_by_key(|(o, _)| *o);
        match anchor {
            Some((o, level)) => {
                let between = above.filter(|&&x| x < o && voted(&x).is_none()).count() as u8;
                level.saturating_add(between).saturating_add(1)
            }
            None => above.count() as u8 + 1,
        }
    };

    let mut blocks: Vec<Block> = Vec::with_capacity(drafts.len());
    let mut title_index: Option<usize> = None;
    for d in drafts {
        if d.kind == BlockKind::Title && d.text.is_empty() {
            // Continuation merged into the title: widen the title's box.
            if let Some(t) = title_index.and_then(|i| blocks.get_mut(i)) {
                t.bbox = super::lines::union(t.bbox, d.proto.bbox);
            }
            continue;
        }
        let id = format!("b{}", blocks.len() + 1);
        let (level, heading_from) = match (d.kind, d.level) {
            (BlockKind::SectionHeader, Some(Level::Numbered(n))) => {
                (Some(n.clamp(1, 6)), Some(HeadingFrom::Numbering))
            }
            (BlockKind::SectionHeader, Some(Level::Single)) if multi_part => {
                (Some(1), Some(HeadingFrom::Numbering))
            }
            (BlockKind::SectionHeader, _) => (
                Some(by_style(style_key(&d)).clamp(1, 6)),
                Some(HeadingFrom::Typography),
            ),
            _ => (None, None),
        };
        if d.kind == BlockKind::Title {
            title_index = Some(blocks.len());
        }
        let latex = latex_of(&d);
        blocks.push(Block {
            id,
            page: d.proto.page,
            kind: d.kind,
            bbox: round_box(d.proto.bbox),
            text: d.text,
            confidence: d.confidence,
            source: if d.proto.lines.iter().filter(|l| l.ocr).count() * 2 > d.proto.lines.len() {
                BlockSource::Ocr
            } else {
                d.source
            },
            level,
            parent: None,
            table: d.proto.table.clone(),
            caption_of: None,
            latex,
            toc: d.toc,
            heading_from,
            marker: (d.kind == BlockKind::ListItem)
                .then(|| d.proto.lines.first().and_then(|l| bullet(&l.text)))
                .flatten()
                .map(String::from),
        });
    }
    link_parents(&mut blocks);
    blocks
}

/// Each block's parent: the nearest section header before it of a higher level (a heading's)
/// or of any level (other content's). Titles and page furniture stand outside the tree.
pub(super) fn link_parents(blocks: &mut [Block]) {
    let mut sections: Vec<(u8, String)> = Vec::new();
    for b in blocks.iter_mut() {
        b.parent = if b.kind.is_furniture() || b.kind == BlockKind::Title {
            None
        } else if let Some(l) = b.level {
            while sections.last().is_some_and(|(sl, _)| *sl >= l) {
                sections.pop();
            }
            let parent = sections.last().map(|(_, id)| id.clone());
            sections.push((l, b.id.clone()));
            parent
        } else {
            sections.last().map(|(_, id)| id.clone())
        };
    }
}

/// A formula's LaTeX without delimiters or equation number; a text block's text with inline
/// `$…$`.
fn latex_of(d: &Draft) -> Option<String> {
    let latex = d.proto.latex()?;
    match d.kind {
        BlockKind::Formula => {}
        BlockKind::ListItem => return Some(strip_bullet(&latex)),
        _ => return Some(latex),
    }
    let parts: Vec<String> = d
        .proto
        .lines
        .iter()
        .map(|l| {
            let t = l.latex.as_deref().unwrap_or(&l.text);
            let t = match t.rsplit_once(' ') {
                Some((head, tail)) if super::is_equation_number(tail) => head,
                _ => t,
            };
            t.replace('$', "").trim().to_string()
        })
        .filter(|t| !t.is_empty())
        .collect();
    Some(parts.join(" "))
}

fn round_box(b: crate::document::BBox) -> crate::document::BBox {
    b.map(|v| (v * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::{Glyph, RawPage};

    /// One line of text at `(x, y)`: `size` pt type, 0.5 em per character; `read` marks
    /// glyphs that OCR estimated.
    fn line(out: &mut Vec<Glyph>, s: &str, (x, y): (f32, f32), size: f32, read: bool) {
        for (i, c) in s.chars().enumerate() {
            let x0 = x + 0.5 * size * i as f32;
            let mut g = Glyph::sample(c, [x0, y, x0 + 0.5 * size, y + size], size, false);
            g.space_before = c == ' ';
            g.estimated = read;
            out.push(g);
        }
    }

    /// Body text: `n` lines of 10 pt prose from `y`, each `chars` characters wide.
    fn prose(out: &mut Vec<Glyph>, y: f32, n: usize, chars: usize) {
        let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do ";
        for i in 0..n {
            let text: String = words.chars().cycle().skip(7 * i).take(chars).collect();
            line(
                out,
                text.trim_end(),
                (72.0, y + 12.0 * i as f32),
                10.0,
                false,
            );
        }
    }

    /// Classifies one page made of `glyphs`, its text read from `source`.
    fn blocks(glyphs: Vec<Glyph>, source: BlockSource) -> Vec<Block> {
        blocks_in(glyphs, source, &[])
    }

    /// [`blocks`], with the layout model's `regions` on the page.
    fn blocks_in(
        glyphs: Vec<Glyph>,
        source: BlockSource,
        regions: &[crate::layout::Region],
    ) -> Vec<Block> {
        let mut page = crate::structure::analyze_page(RawPage::sample(2, glyphs), regions);
        page.source = source;
        classify(&[page], 10.0, &HashMap::new())
    }

    fn headings(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter(|b| b.kind == BlockKind::SectionHeader)
            .map(|b| b.text.as_str())
            .collect()
    }

    #[test]
    fn a_contents_heading_titles_its_entries() {
        let mut g = Vec::new();
        line(&mut g, "Contents", (72.0, 100.0), 14.0, false);
        // Entries of 40 characters: title, leaders, page number.
        for (i, (title, page)) in [
            ("1 Introduction", "1"),
            ("2 Methods", "4"),
            ("3 Results", "9"),
        ]
        .iter()
        .enumerate()
        {
            let leaders = ".".repeat(40 - title.len() - page.len() - 2);
            let entry = format!("{title} {leaders} {page}");
            line(&mut g, &entry, (72.0, 130.0 + 14.0 * i as f32), 10.0, false);
        }
        // A title so long that its page number, flush with the others', follows a gap of one
        // space.
        let long = "4 Conclusions, Limits and Future Work 12";
        assert_eq!(long.len(), 40);
        line(&mut g, long, (72.0, 172.0), 10.0, false);
        let out = blocks(g, BlockSource::Pdf);
        let kind_of = |t: &str| out.iter().find(|b| b.text.starts_with(t)).map(|b| b.kind);
        assert_eq!(kind_of("Contents"), Some(BlockKind::TocTitle), "{out:?}");
        assert_eq!(
            kind_of("4 Conclusions"),
            Some(BlockKind::TocEntry),
            "{out:?}"
        );
        assert!(headings(&out).is_empty(), "{out:?}");
    }

    #[test]
    fn labels_over_a_figure_caption_are_not_headings() {
        let mut g = Vec::new();
        prose(&mut g, 72.0, 3, 80);
        // Three labels in larger type, set in from the margin, inside a drawing.
        for (x, label) in [
            (150.0, "Default"),
            (260.0, "Round cap"),
            (390.0, "Square cap"),
        ] {
            line(&mut g, label, (x, 200.0), 14.0, false);
        }
        line(
            &mut g,
            "Figure 2: line cap settings",
            (200.0, 300.0),
            10.0,
            false,
        );
        // A heading at the margin with its text under it stays one.
        line(&mut g, "Line join settings", (72.0, 340.0), 14.0, false);
        prose(&mut g, 362.0, 3, 80);
        let out = blocks(g, BlockSource::Pdf);
        assert_eq!(headings(&out), vec!["Line join settings"], "{out:?}");
    }

    #[test]
    fn a_sentence_going_on_after_code_is_no_heading() {
        let mut g = Vec::new();
        prose(&mut g, 72.0, 3, 80);
        line(&mut g, "With the command", (72.0, 120.0), 10.0, false);
        let start = g.len();
        line(
            &mut g,
            "usepackage[options]{name}",
            (90.0, 140.0),
            10.0,
            false,
        );
        for glyph in &mut g[start..] {
            glyph.style.mono = true;
        }
        line(
            &mut g,
            "packages are loaded in the preamble to change the layout of the class.",
            (72.0, 160.0),
            10.0,
            false,
        );
        line(
            &mut g,
            "the class itself stays as it was, and so do the fonts.",
            (72.0, 172.0),
            10.0,
            false,
        );
        // The layout model took the lead-in for a heading.
        let regions = [crate::layout::Region {
            kind: RegionKind::Title,
            bbox: [70.0, 118.0, 160.0, 132.0],
            score: 0.9,
        }];
        let out = blocks_in(g, BlockSource::Pdf, &regions);
        assert!(
            out.iter()
                .any(|b| b.text == "With the command" && b.kind == BlockKind::Paragraph),
            "{out:?}"
        );
    }

    #[test]
    fn a_word_of_a_broken_line_is_no_heading() {
        let mut g = Vec::new();
        prose(&mut g, 72.0, 3, 80);
        // A justified line whose stretched spaces split it into pieces, one of them bold.
        let pieces = [
            ("Further", 72.0, false),
            ("details", 122.0, false),
            ("Using and", 172.0, true),
            ("Developing", 232.0, true),
            ("packages", 297.0, false),
            ("here:", 352.0, false),
        ];
        for (text, x, bold) in pieces {
            let start = g.len();
            line(&mut g, text, (x, 120.0), 10.0, false);
            for glyph in &mut g[start..] {
                glyph.style.bold = bold;
            }
        }
        prose(&mut g, 134.0, 3, 80);
        let out = blocks(g, BlockSource::Pdf);
        assert!(out.iter().any(|b| b.text == "Using and"), "{out:?}");
        assert!(headings(&out).is_empty(), "{out:?}");
    }

    #[test]
    fn bylines() {
        assert!(is_byline("Till Tantau, Joseph Wright, Vedran Miletić"));
        assert!(is_byline("Hubert Partl, Irene Hyna and Elisabeth Schlegl"));
        assert!(is_byline("J. R. Smith, Anna van der Berg"));
        assert!(!is_byline("Lists, Tables and Figures"));
        assert!(!is_byline("Maxwell Equations and Lorentz Force"));
        assert!(!is_byline("2.1 Results, Discussion"));
    }

    #[test]
    fn cjk_sentences() {
        assert!(holds_cjk_sentence_end(
            "コマンドを使用します．これらがすんだ後に"
        ));
        assert!(!holds_cjk_sentence_end("2.4.4 省略記号（. . . ）"));
        assert!(!holds_cjk_sentence_end("はじめに。"));
    }

    #[test]
    fn file_names() {
        assert!(is_file_name("foo.tex"));
        assert!(is_file_name("setup.py"));
        assert!(!is_file_name("etc."));
        assert!(!is_file_name("v2.0"));
        assert!(!opens_lowercase("lilypond aufrufen"));
        assert!(opens_lowercase("latex foo.tex"));
    }

    #[test]
    fn text_read_from_a_picture_on_a_text_page_is_no_heading() {
        let page = |read| {
            let mut g = Vec::new();
            prose(&mut g, 100.0, 6, 80);
            line(&mut g, "File Edit Options", (90.0, 240.0), 16.0, read);
            prose(&mut g, 300.0, 6, 80);
            g
        };
        // Drawn as text, it is a heading; read by OCR from a screenshot, it is the picture's.
        assert_eq!(
            headings(&blocks(page(false), BlockSource::Pdf)),
            ["File Edit Options"]
        );
        assert!(headings(&blocks(page(true), BlockSource::Pdf)).is_empty());
        // On a scanned page everything is OCR'd, and headings stay headings.
        assert_eq!(
            headings(&blocks(page(true), BlockSource::Ocr)),
            ["File Edit Options"]
        );
    }

    #[test]
    fn a_numbered_list_item_of_one_line_follows_its_siblings() {
        // R-data p9: "1. Precision" leads an indented paragraph of several lines, so it is a
        // list item; "2. Header line" leads one line only and was taken for a section.
        let mut g = Vec::new();
        prose(&mut g, 40.0, 4, 80);
        line(&mut g, "1. Precision", (90.0, 100.0), 12.0, false);
        let body = "most conversions of real numbers are done to full precision here";
        line(&mut g, body, (110.0, 120.0), 10.0, false);
        line(&mut g, body, (110.0, 132.0), 10.0, false);
        line(&mut g, "2. Header line", (90.0, 160.0), 12.0, false);
        line(&mut g, body, (110.0, 180.0), 10.0, false);
        prose(&mut g, 220.0, 4, 80);
        let out = blocks(g, BlockSource::Pdf);
        assert!(headings(&out).is_empty(), "{:?}", headings(&out));
        let items: Vec<&str> = out
            .iter()
            .filter(|b| b.kind == BlockKind::ListItem)
            .map(|b| b.text.as_str())
            .collect();
        assert!(
            items.iter().any(|t| t.starts_with("2. Header line")),
            "{items:?}"
        );
    }

    #[test]
    fn a_split_off_first_line_is_no_heading() {
        let mut g = Vec::new();
        prose(&mut g, 100.0, 4, 80);
        // 12 pt over 80 characters of 10 pt: as wide as the paragraph lines.
        let first: String = "provided are the class file and the font metrics for it which "
            .chars()
            .cycle()
            .take(67)
            .collect();
        line(&mut g, first.trim_end(), (72.0, 160.0), 12.0, false);
        prose(&mut g, 177.0, 3, 80);
        assert!(headings(&blocks(g, BlockSource::Pdf)).is_empty());
    }

    #[test]
    fn a_lead_in_ending_in_a_colon_is_no_title_whatever_the_model_saw() {
        let page = |text: &str| {
            let mut g = Vec::new();
            prose(&mut g, 100.0, 6, 80);
            line(&mut g, text, (72.0, 200.0), 12.0, false);
            prose(&mut g, 230.0, 6, 80);
            g
        };
        let title = [crate::layout::Region {
            kind: RegionKind::Title,
            bbox: [70.0, 198.0, 420.0, 214.0],
            score: 0.9,
        }];
        let read = |text: &str| blocks_in(page(text), BlockSource::Pdf, &title);
        assert_eq!(
            headings(&read("Optionen auf der Kommandozeile")),
            ["Optionen auf der Kommandozeile"]
        );
        assert!(headings(&read("Das Programm wird folgendermaßen aufgerufen:")).is_empty());
        assert_eq!(headings(&read("2.4 Beispiele:")), ["2.4 Beispiele:"]);
    }

    #[test]
    fn a_sentence_in_cjk_is_no_title() {
        assert!(ends_sentence("クラスオプションです．"));
        assert!(ends_sentence("これは文です。"));
        assert!(!ends_sentence("インストール"));
    }

    #[test]
    fn lower_case_running_text_and_roman_page_numbers_are_no_headings() {
        for text in [
            "and she made 50 million when Hugh Hefner bought up the rights now",
            "by Tobias Oetiker",
            "in the preamble.",
            "canvas.skew(alpha, beta)",
            "tex/jlreq",
        ] {
            assert!(opens_lowercase(text), "{text}");
        }
        for text in [
            "lilypond aufrufen",
            "abnTeX2",
            "Introduction",
            "iPhone apps",
        ] {
            assert!(!opens_lowercase(text), "{text}");
        }
        for text in [
            "(2.5,1) in inches",
            "(Reference: While)",
            "0: well she hit Net Solutions",
        ] {
            assert!(opens_as_label(text), "{text}");
        }
        for text in [
            "2.5 Tables",
            "1. Introduction",
            "Step 1: set up",
            "10:30 meeting",
        ] {
            assert!(!opens_as_label(text), "{text}");
        }
        let page_number = super::super::furniture::reads_as_date_or_page_number;
        assert!(page_number("iii") && page_number("xiv") && page_number("ііі"));
        assert!(!page_number("mix") && !page_number("Vivid") && !page_number(""));
    }

    #[test]
    fn numbering() {
        assert_eq!(numbering_depth("2.3.1 Reading files"), Some(3));
        assert_eq!(numbering_depth("1 Introduction"), Some(1));
        assert_eq!(numbering_depth("A.2 Extra material"), Some(2));
        assert_eq!(numbering_depth("Chapter 4 Basics"), Some(1));
        assert_eq!(numbering_depth("2019 was a year"), None);
        assert_eq!(numbering_depth("Introduction"), None);
        assert_eq!(numbering_depth("A note"), None);
    }

    #[test]
    fn captions() {
        assert!(is_caption("Figure 3: The pipeline"));
        assert!(is_caption("TABLE II. Results"));
        assert!(is_caption("FIG. 1. A plot"));
        assert!(!is_caption("Table 1 shows that the results of the experiment were better than expected in all cases"));
    }
}
