//! The output model every stage shares: a [`Document`] with its pages and a flat list of
//! [`Block`]s in reading order.
//!
//! Coordinates are PDF points (1/72 inch) with the origin at the top-left corner of the page,
//! as `[x0, y0, x1, y1]`. Image pages are converted from pixels at the image's DPI (72 if the
//! file does not say). The JSON Schema in `schemas/document.schema.json` is generated from these
//! types (`folio schema`), and a test fails when the two drift apart.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the document model; bumped when the JSON shape changes incompatibly.
pub const SCHEMA_VERSION: &str = "1";

/// A bounding box `[x0, y0, x1, y1]` in PDF points, origin top-left, x to the right, y down.
pub type BBox = [f32; 4];

/// One extracted document. Coordinates everywhere are PDF points (1/72 inch), origin at the
/// top-left of the page, `[x0, y0, x1, y1]`; image pages convert pixels at the image's DPI
/// to points (when the file gives none: the DPI that makes the image a paper size its shape
/// matches, else 72 dpi).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Version of this JSON model.
    pub schema_version: String,
    /// `doc_` followed by the first 32 hex digits of the source's SHA-256: same bytes, same id.
    pub id: String,
    pub source: SourceInfo,
    pub metadata: Metadata,
    pub pages: Vec<Page>,
    /// Every block of every page, in reading order.
    pub blocks: Vec<Block>,
    pub pipeline: PipelineInfo,
    pub stats: Stats,
    /// Problems that did not stop extraction (e.g. a page with an absurd size).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Where the document came from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// File name without directories, if known.
    pub filename: Option<String>,
    /// Media type sniffed from the content (not from the file name).
    pub media_type: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
}

/// Document-level metadata, from the PDF's info dictionary where present.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<String>,
    /// Application that created the original document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// Application that produced the PDF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
    /// Creation date, ISO 8601 where the source date could be parsed, else as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Modification date, ISO 8601 where the source date could be parsed, else as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// BCP 47 language tag, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Pages in the source (not only the ones extracted with `--pages`).
    pub page_count: u32,
}

/// Where a page's text came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    /// The PDF's own text layer.
    Pdf,
    /// Optical character recognition.
    Ocr,
    /// Text layer plus OCR of text-bearing images.
    Mixed,
    /// No usable text: no text layer (or a garbage one) and no OCR was run on it.
    None,
}

/// One page as extracted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// 1-based page number in the source.
    pub number: u32,
    /// Width in points, after rotation.
    pub width: f32,
    /// Height in points, after rotation.
    pub height: f32,
    /// Clockwise rotation the viewer applies: 0, 90, 180 or 270.
    pub rotation: u16,
    pub text_source: TextSource,
    /// Mean OCR confidence in `[0, 1]`, for OCR'd pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr_confidence: Option<f32>,
    /// Why the page has no usable text, when `text_source` is `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For image pages: the raster's size and resolution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInfo>,
}

/// Pixel size and resolution of an image page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageInfo {
    pub pixel_width: u32,
    pub pixel_height: u32,
    /// Horizontal and vertical dots per inch.
    pub dpi: [f32; 2],
    /// Whether the resolution came from the file (false: inferred from `paper`, or 72 dpi
    /// assumed where no paper size fits).
    pub dpi_from_file: bool,
    /// Where the file gives no resolution and the image has the shape of a paper size (within
    /// 1 %; A4 and Letter also turned by up to 3° onto a canvas grown to hold them, as a
    /// skewed scan is): that size (`a4`, `letter`, `legal`, `tabloid`), and `dpi` is the
    /// resolution that makes the image that size (a 2,481 × 3,508 px scan: A4 at 300 dpi).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<String>,
}

/// The kind of a block.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Title,
    SectionHeader,
    Paragraph,
    ListItem,
    Table,
    Figure,
    Caption,
    Formula,
    Footnote,
    /// An entry of a bibliography or reference list.
    Reference,
    /// An entry of a table of contents (see [`Block::toc`]); never a heading.
    TocEntry,
    /// The heading of a table of contents or of a list of figures or tables ("Contents"): it
    /// names the entries that follow, not a section of the document.
    TocTitle,
    PageHeader,
    PageFooter,
    /// Line numbers printed in a margin beside the text (a manuscript under review, a
    /// pleading): page furniture, kept out of the text of the lines they number.
    LineNumbers,
    Code,
}

impl BlockKind {
    /// Page furniture (running headers, footers, margin line numbers) rather than content.
    pub fn is_furniture(self) -> bool {
        matches!(
            self,
            BlockKind::PageHeader | BlockKind::PageFooter | BlockKind::LineNumbers
        )
    }
}

/// How a block's text was obtained.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum BlockSource {
    Pdf,
    Ocr,
}

/// A unit of content on one page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// `b` followed by the block's index in reading order.
    pub id: String,
    /// 1-based page number.
    pub page: u32,
    pub kind: BlockKind,
    pub bbox: BBox,
    /// The block's text; a table's is a row per line, cells separated by tabs (its structure
    /// is in `table`).
    pub text: String,
    /// Confidence in `[0, 1]` of the block's kind and text.
    pub confidence: f32,
    pub source: BlockSource,
    /// Heading level, 1 = top; section headers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// Id of the enclosing section header, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Cells, for tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Table>,
    /// For captions: the id of the table or figure they describe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption_of: Option<String>,
    /// Math as LaTeX: for a formula, its LaTeX (no delimiters); for a block of text with
    /// inline math, the text with each formula in `$…$`. Absent when the block holds no math
    /// that was read from math fonts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latex: Option<String>,
    /// For table-of-contents entries: the title, page label and the heading it points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toc: Option<TocEntry>,
    /// For section headers: what decided that the block is a heading and its level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_from: Option<HeadingFrom>,
    /// For list items opened by a bullet: the bullet as printed (`•`, `–`, `▪`), which `text`
    /// leaves out. An enumerator (`1.`, `(a)`) stays in `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// The evidence behind a heading and its level.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum HeadingFrom {
    /// An entry of the PDF's own outline (bookmarks) names it on its page; the level is the
    /// entry's depth.
    Outline,
    /// Its numbering ("2.3.1", "Chapter 4"), typography confirming.
    Numbering,
    /// Its typography (size, weight, case) ranked against the document's other headings.
    Typography,
}

/// One entry of a table of contents.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TocEntry {
    /// The entry's title, numbering included, without leaders and page number.
    pub title: String,
    /// The page label printed with it ("17", "xiv").
    pub page: String,
    /// Id of the heading block the entry names, when the document holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A table's cells, row by row.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
}

/// One table cell.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub text: String,
    pub bbox: BBox,
    pub row_span: u32,
    pub col_span: u32,
    pub header: bool,
}

/// Which pipeline produced the document.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PipelineInfo {
    pub name: String,
    /// folio version and pipeline revision, e.g. `0.1.0+fast.1`.
    pub version: String,
    /// Model name → `sha256:…` of every model file the pipeline used.
    pub models: BTreeMap<String, String>,
}

/// Where the time went.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    pub pages_per_second: f32,
    pub total_ms: u64,
    /// Milliseconds spent in each stage (e.g. `pdf`, `structure`).
    pub stage_ms: BTreeMap<String, u64>,
}

/// The JSON Schema of [`Document`], as committed in `schemas/document.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Document);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}

/// A retrieval unit: consecutive content of one section, bounded in tokens, with where it
/// came from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Chunk {
    /// `<document id>:<index>`: the same document always gives the same ids.
    pub id: String,
    pub document_id: String,
    /// Position of the chunk in the document, from 0.
    pub index: u32,
    pub text: String,
    /// Titles of the enclosing sections, outermost first.
    pub headings: Vec<String>,
    /// Pages the chunk's blocks are on, ascending.
    pub pages: Vec<u32>,
    /// Ids of the blocks the text comes from.
    pub block_ids: Vec<String>,
    /// Boxes of those blocks (a split block's box is the whole block's).
    pub boxes: Vec<PageBox>,
    /// Length in the embedding model's tokens.
    pub tokens: u32,
}

/// A box on a page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PageBox {
    pub page: u32,
    pub bbox: BBox,
}
