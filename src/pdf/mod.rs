//! PDF input through pdfium: opening (passwords, damage), metadata, page geometry and the
//! text layer as positioned glyphs with font information.
//!
//! pdfium is bound once per process from the fetched `libpdfium.so` (see [`crate::models`]).
//! It is not thread-safe; pdfium-render serialises every call, so one document is read by one
//! thread and the CPU-heavy structure analysis runs elsewhere.

mod glyphs;
mod metadata;
mod outline;
mod rulings;

pub use glyphs::{Glyph, GlyphStyle, PageRead, RawPage};
pub use outline::OutlineEntry;
pub use rulings::Ruling;

use crate::document::Metadata;
use crate::error::{Error, Result};
use crate::models::ModelStore;
use crate::source::{Content, Source};
use pdfium_render::prelude::*;
use std::sync::OnceLock;

static PDFIUM: OnceLock<std::result::Result<Pdfium, String>> = OnceLock::new();

/// The process-wide pdfium binding, loaded from the verified library on first use.
pub fn library(models: &ModelStore) -> Result<&'static Pdfium> {
    let bound = PDFIUM.get_or_init(|| {
        let path = models.path("pdfium").map_err(|e| e.to_string())?;
        Pdfium::bind_to_library(&path)
            .map(Pdfium::new)
            .map_err(|e| format!("cannot load {}: {e}", path.display()))
    });
    bound.as_ref().map_err(|e| Error::Pdfium(e.clone()))
}

/// An open PDF.
pub struct PdfFile {
    doc: PdfDocument<'static>,
}

impl PdfFile {
    /// Opens the source, with `password` for encrypted files.
    pub fn open(pdfium: &'static Pdfium, source: &Source, password: Option<&str>) -> Result<Self> {
        let loaded = match &source.content {
            Content::File(path) => pdfium.load_pdf_from_file(path, password),
            Content::Memory(bytes) => pdfium.load_pdf_from_byte_vec(bytes.to_vec(), password),
        };
        let doc = loaded.map_err(|e| open_error(e, password.is_some()))?;
        Ok(Self { doc })
    }

    pub fn page_count(&self) -> u32 {
        self.doc.pages().len().max(0) as u32
    }

    pub fn metadata(&self) -> Metadata {
        metadata::read(&self.doc, self.page_count())
    }

    /// The bookmarks, in document order; empty when the file has none.
    pub fn outline(&self) -> Vec<OutlineEntry> {
        outline::read(&self.doc)
    }

    /// Page `number` (1-based).
    fn load(&self, number: u32) -> Result<PdfPage<'_>> {
        let index = PdfPageIndex::try_from(number.saturating_sub(1)).map_err(|_| {
            Error::PageOutOfRange {
                page: number,
                count: self.page_count(),
            }
        })?;
        self.doc
            .pages()
            .get(index)
            .map_err(|e| Error::BadPdf(format!("page {number}: {e}")))
    }

    /// Reads the text layer of page `number` (1-based), and what else `want` asks for.
    pub fn page(&self, number: u32, want: PageRead) -> Result<RawPage> {
        glyphs::read_page(&self.load(number)?, number, want)
    }
}

/// Largest rendered side in pixels: absurd page sizes must not allocate absurd bitmaps.
pub const MAX_RENDER_SIDE: f32 = 8000.0;

impl PdfFile {
    /// Renders page `number` at `dpi` (less if the page is huge); returns the RGB image and
    /// the page points per pixel.
    pub fn render(&self, number: u32, dpi: f32) -> Result<(::image::RgbImage, f32)> {
        let page = self.load(number)?;
        let (w, h) = (page.width().value, page.height().value);
        if !(w >= 1.0 && h >= 1.0) {
            return Err(Error::BadPdf(format!(
                "page {number} has no area to render"
            )));
        }
        let scale = (dpi / 72.0).min(MAX_RENDER_SIDE / w.max(h));
        let config = PdfRenderConfig::new()
            .scale_page_by_factor(scale)
            .set_maximum_width(MAX_RENDER_SIDE as i32)
            .set_maximum_height(MAX_RENDER_SIDE as i32)
            .render_form_data(true);
        let bitmap = page
            .render_with_config(&config)
            .map_err(|e| Error::BadPdf(format!("page {number}: cannot render: {e}")))?;
        let image = bitmap
            .as_image()
            .map_err(|e| Error::BadPdf(format!("page {number}: cannot render: {e}")))?
            .into_rgb8();
        let points_per_pixel = w / image.width().max(1) as f32;
        Ok((image, points_per_pixel))
    }
}

fn open_error(e: PdfiumError, had_password: bool) -> Error {
    match e {
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
            if had_password {
                Error::WrongPassword
            } else {
                Error::PasswordRequired
            }
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::FormatError) => {
            Error::BadPdf("damaged or truncated file structure".into())
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::SecurityError) => {
            Error::BadPdf("unsupported security handler".into())
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::FileError) => {
            Error::BadPdf("file not found or could not be opened".into())
        }
        other => Error::BadPdf(other.to_string()),
    }
}
