//! The library's error type: one enum, each variant a failure a user can act on.

use std::path::PathBuf;

/// Everything that can go wrong while extracting a document.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("empty file")]
    Empty,
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("unsupported file type ({0}); folio reads PDF, PNG, JPEG, TIFF, WebP and BMP")]
    UnsupportedType(String),
    #[error("not a readable PDF: {0}")]
    BadPdf(String),
    #[error("encrypted PDF: a password is required (--password; the API's `password` field)")]
    PasswordRequired,
    #[error("encrypted PDF: wrong password")]
    WrongPassword,
    #[error("document has no pages")]
    NoPages,
    #[error("not a readable image: {0}")]
    BadImage(String),
    #[error("invalid page range '{0}': expected e.g. 1-3,5,8-")]
    BadPageRange(String),
    #[error("page {page} is out of range: the document has {count} pages")]
    PageOutOfRange { page: u32, count: u32 },
    #[error("{pages} pages selected, over the limit of {limit} pages (select fewer pages)")]
    TooManyPages { pages: u32, limit: u32 },
    #[error("time limit of {seconds:.1} s exceeded after {pages_done} of {pages} pages (raise it with --timeout, or the pipeline's [limits] timeout_seconds and page_seconds)")]
    Timeout {
        seconds: f64,
        pages_done: usize,
        pages: usize,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("{what} is missing or damaged ({detail}); run `models/fetch` (or `make run`), or set FOLIO_MODELS_DIR to a folder fetched by it")]
    Model { what: String, detail: String },
    #[error("ONNX Runtime: {0}")]
    Runtime(String),
    #[error("OCR: {0}")]
    Ocr(String),
    #[error("layout: {0}")]
    Layout(String),
    #[error("embedding: {0}")]
    Embed(String),
    #[error("index: {0}")]
    Index(String),
    #[error("{0} is being written by another folio process (an ingest or `folio serve`; one writer at a time)")]
    Busy(PathBuf),
    #[error("catalog: {0}")]
    Catalog(String),
    #[error("pipeline: {0}")]
    Pipeline(String),
    #[error("pdfium: {0}")]
    Pdfium(String),
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
