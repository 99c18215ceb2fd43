//! The extraction stage graph: source → pages → text → structure → [`Document`].
//!
//! Pages stream: pdfium reads one page at a time on the calling thread and hands its glyphs
//! through a bounded queue to a structure worker, which keeps only the page's blocks. Memory is
//! therefore bounded by the queue, not by the document's length; pdfium's own cache of parsed
//! objects is bounded by reopening the file every [`REOPEN_EVERY`] pages. A per-document
//! deadline is checked between pages.

mod config;
mod pages;

pub use config::{PipelineConfig, BUILTIN, DEFAULT_PIPELINE};
pub use pages::PageRange;

use crate::document::{Document, Metadata, Page, PipelineInfo, SourceInfo, Stats, TextSource};
use crate::error::{Error, Result};
use crate::image::pages as image_pages;
use crate::models::ModelStore;
use crate::pdf::{PdfFile, RawPage};
use crate::source::{MediaType, Source};
use crate::structure::{self, PageLayout, StructureOptions};
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tracing::{debug, info_span, warn};

/// Pages waiting for the structure worker.
const PAGE_QUEUE: usize = 8;
/// Pages read before the PDF is reopened, which frees pdfium's object cache.
const REOPEN_EVERY: usize = 100;
/// Page sizes outside this range (points) are reported as suspicious.
const SANE_SIDE: std::ops::RangeInclusive<f32> = 1.0..=14_400.0;

/// What to extract and how.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    pub pipeline: PipelineConfig,
    pub pages: Option<PageRange>,
    pub password: Option<String>,
    /// Overrides the pipeline's time limit.
    pub timeout: Option<Duration>,
}

impl ExtractOptions {
    pub fn new(pipeline: PipelineConfig) -> Self {
        Self {
            pipeline,
            pages: None,
            password: None,
            timeout: None,
        }
    }

    fn deadline(&self) -> Duration {
        self.timeout
            .unwrap_or_else(|| Duration::from_secs_f64(self.pipeline.limits.timeout_seconds))
    }
}

/// Runs pipelines over sources. Cheap to share; model files are verified on first use.
#[derive(Debug)]
pub struct Extractor {
    models: ModelStore,
}

impl Extractor {
    pub fn new(models: ModelStore) -> Self {
        Self { models }
    }

    pub fn models(&self) -> &ModelStore {
        &self.models
    }

    /// Extracts one document.
    pub fn extract(&self, source: &Source, options: &ExtractOptions) -> Result<Document> {
        let span = info_span!("document", id = %source.document_id(), media_type = source.media_type.mime());
        let _guard = span.enter();
        let started = Instant::now();
        if source.bytes > options.pipeline.limits.max_bytes {
            return Err(Error::TooLarge {
                size: source.bytes,
                limit: options.pipeline.limits.max_bytes,
            });
        }
        let mut run = Run::new(started, options);
        let metadata = match source.media_type {
            MediaType::Pdf => self.extract_pdf(source, options, &mut run)?,
            _ => extract_image(source, options, &mut run)?,
        };
        let blocks = {
            let _s = info_span!("stage", name = "structure").entered();
            let t = Instant::now();
            let blocks = structure::assemble(
                &run.layouts,
                &StructureOptions {
                    furniture_min_pages: options.pipeline.structure.furniture_min_pages,
                },
            );
            run.add_ms("structure", t.elapsed());
            blocks
        };
        let total = started.elapsed();
        let mut models = BTreeMap::new();
        if source.media_type == MediaType::Pdf {
            let pdfium = self.models.entry("pdfium")?;
            models.insert("pdfium".to_string(), format!("sha256:{}", pdfium.sha256));
        }
        let page_count = run.pages.len().max(1) as f32;
        Ok(Document {
            schema_version: crate::document::SCHEMA_VERSION.to_string(),
            id: source.document_id(),
            source: SourceInfo {
                filename: source.filename.clone(),
                media_type: source.media_type.mime().to_string(),
                bytes: source.bytes,
                sha256: source.sha256.clone(),
            },
            metadata,
            pages: run.pages,
            blocks,
            pipeline: PipelineInfo {
                name: options.pipeline.name.clone(),
                version: options.pipeline.version(),
                models,
            },
            stats: Stats {
                pages_per_second: (page_count / total.as_secs_f32().max(1e-6) * 10.0).round()
                    / 10.0,
                total_ms: total.as_millis() as u64,
                stage_ms: run
                    .stage_ms
                    .into_iter()
                    .map(|(k, v)| (k, v.as_millis() as u64))
                    .collect(),
            },
            warnings: run.warnings,
        })
    }

    fn extract_pdf(
        &self,
        source: &Source,
        options: &ExtractOptions,
        run: &mut Run,
    ) -> Result<Metadata> {
        let _stage = info_span!("stage", name = "pdf").entered();
        let pdfium = crate::pdf::library(&self.models)?;
        let t = Instant::now();
        let password = options.password.as_deref();
        let mut file = PdfFile::open(pdfium, source, password)?;
        let metadata = file.metadata();
        let numbers = select_pages(metadata.page_count, options)?;
        run.add_ms("pdf", t.elapsed());

        let text_cfg = &options.pipeline.text;
        let (tx, rx) = mpsc::sync_channel::<RawPage>(PAGE_QUEUE);
        let layouts = std::thread::scope(|scope| -> Result<Vec<(PageLayout, Duration)>> {
            let worker = scope.spawn(move || {
                rx.into_iter()
                    .map(|raw| {
                        let t = Instant::now();
                        let layout = structure::analyze_page(raw);
                        (layout, t.elapsed())
                    })
                    .collect::<Vec<_>>()
            });
            let read = (|| -> Result<()> {
                for (i, &number) in numbers.iter().enumerate() {
                    run.check_deadline()?;
                    let t = Instant::now();
                    if i > 0 && i % REOPEN_EVERY == 0 {
                        // pdfium keeps every object it has parsed until the document closes.
                        file = PdfFile::open(pdfium, source, password)?;
                    }
                    let raw = file.page(number)?;
                    run.add_ms("pdf", t.elapsed());
                    let page =
                        run.page_from_raw(&raw, text_cfg.min_chars, text_cfg.max_unmapped_ratio);
                    let usable = page.text_source == TextSource::Pdf;
                    run.pages.push(page);
                    let raw = if usable {
                        raw
                    } else {
                        RawPage {
                            glyphs: Vec::new(),
                            ..raw
                        }
                    };
                    if tx.send(raw).is_err() {
                        break;
                    }
                }
                Ok(())
            })();
            drop(tx);
            let layouts = worker
                .join()
                .map_err(|_| Error::Pipeline("the structure worker failed".into()))?;
            read.map(|_| layouts)
        })?;
        for (layout, took) in layouts {
            run.add_ms("structure", took);
            run.layouts.push(layout);
        }
        debug!(pages = numbers.len(), "text layer read");
        Ok(metadata)
    }
}

fn select_pages(count: u32, options: &ExtractOptions) -> Result<Vec<u32>> {
    if count == 0 {
        return Err(Error::NoPages);
    }
    let numbers = match &options.pages {
        Some(range) => range.resolve(count)?,
        None => (1..=count).collect(),
    };
    let max = options.pipeline.limits.max_pages;
    if numbers.len() as u64 > u64::from(max) {
        return Err(Error::Pipeline(format!(
            "{} pages selected, over the pipeline's limit of {max} (use --pages)",
            numbers.len()
        )));
    }
    Ok(numbers)
}

fn extract_image(source: &Source, options: &ExtractOptions, run: &mut Run) -> Result<Metadata> {
    let _s = info_span!("stage", name = "image").entered();
    let t = Instant::now();
    let bytes = source.read_all()?;
    let decoded = image_pages(&bytes, source.media_type)?;
    let numbers = select_pages(decoded.len() as u32, options)?;
    for number in &numbers {
        let Some(img) = decoded.get(*number as usize - 1) else {
            continue;
        };
        let (width, height) = img.size_points();
        run.pages.push(Page {
            number: *number,
            width: round2(width),
            height: round2(height),
            rotation: 0,
            text_source: TextSource::None,
            ocr_confidence: None,
            note: Some(
                "image page: its text needs OCR, which the fast pipeline does not run".into(),
            ),
            image: Some(img.info.clone()),
        });
        run.layouts.push(PageLayout {
            number: *number,
            width,
            height,
            blocks: Vec::new(),
            size_histogram: Default::default(),
        });
    }
    run.add_ms("image", t.elapsed());
    Ok(Metadata {
        page_count: decoded.len() as u32,
        ..Metadata::default()
    })
}

/// Per-document bookkeeping while the stages run.
struct Run {
    started: Instant,
    limit: Duration,
    pages: Vec<Page>,
    layouts: Vec<PageLayout>,
    stage_ms: BTreeMap<String, Duration>,
    warnings: Vec<String>,
}

impl Run {
    fn new(started: Instant, options: &ExtractOptions) -> Self {
        Self {
            started,
            limit: options.deadline(),
            pages: Vec::new(),
            layouts: Vec::new(),
            stage_ms: BTreeMap::new(),
            warnings: Vec::new(),
        }
    }

    fn add_ms(&mut self, stage: &str, d: Duration) {
        *self.stage_ms.entry(stage.to_string()).or_default() += d;
    }

    fn check_deadline(&self) -> Result<()> {
        if self.started.elapsed() > self.limit {
            return Err(Error::Timeout(self.limit.as_secs_f64()));
        }
        Ok(())
    }

    /// The page entry for a PDF page, judging whether its text layer is usable.
    fn page_from_raw(&mut self, raw: &RawPage, min_chars: usize, max_unmapped: f32) -> Page {
        if !SANE_SIDE.contains(&raw.width) || !SANE_SIDE.contains(&raw.height) {
            let msg = format!(
                "page {}: unusual page size {:.0}×{:.0} pt",
                raw.number, raw.width, raw.height
            );
            warn!("{msg}");
            self.warnings.push(msg);
        }
        let mapped = raw.glyphs.len();
        let total = mapped + raw.unmapped;
        let unmapped_ratio = if total == 0 {
            0.0
        } else {
            raw.unmapped as f32 / total as f32
        };
        let note = if mapped == 0 && raw.unmapped == 0 {
            Some("no text layer: the page needs OCR".to_string())
        } else if unmapped_ratio > max_unmapped {
            Some(format!(
                "text layer unusable: {:.0}% of characters have no Unicode mapping; the page needs OCR",
                unmapped_ratio * 100.0
            ))
        } else if mapped < min_chars {
            Some(format!(
                "text layer has only {mapped} characters: the page needs OCR"
            ))
        } else {
            None
        };
        let usable = note.is_none();
        Page {
            number: raw.number,
            width: round2(raw.width),
            height: round2(raw.height),
            rotation: raw.rotation,
            text_source: if usable {
                TextSource::Pdf
            } else {
                TextSource::None
            },
            ocr_confidence: None,
            note,
            image: None,
        }
    }
}

fn round2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}
