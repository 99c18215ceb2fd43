//! The extraction stage graph: source → pages → text (text layer or OCR) → structure →
//! [`Document`].
//!
//! Pages stream: pdfium reads (or renders, for OCR) one page at a time on the calling thread
//! and hands its glyphs or bitmap through a bounded queue to a worker that OCRs it when needed
//! and keeps only the page's blocks. Memory is
//! therefore bounded by the queue, not by the document's length; pdfium's own cache of parsed
//! objects is bounded by reopening the file every [`REOPEN_EVERY`] pages. A per-document
//! deadline is checked between pages.

mod config;
mod pages;
mod quality;
mod worker;

pub use config::{OcrConfig, OcrMode, PipelineConfig, BUILTIN, DEFAULT_PIPELINE};
pub use pages::PageRange;

use crate::document::{Document, Metadata, Page, PipelineInfo, SourceInfo, Stats, TextSource};
use crate::error::{Error, Result};
use crate::image::for_each_page;
use crate::layout::{LayoutModel, LayoutSettings};
use crate::models::ModelStore;
use crate::ocr::{Ocr, OcrSettings};
use crate::pdf::{PageRead, PdfFile, RawPage};
use crate::runtime::Device;
use crate::source::{MediaType, Source};
use crate::structure::{self, PageLayout, StructureOptions};
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::{debug, info_span, warn};
use worker::{Bitmap, Job, PageJob, PageResult};

/// Pages waiting for the structure worker.
const PAGE_QUEUE: usize = 4;
/// A page this much covered by one image, with fewer characters than [`STAMP_CHARS`] of
/// text (a page number, a Bates stamp), is a scan and gets OCR'd.
const SCAN_COVER: f32 = 0.6;
const STAMP_CHARS: usize = 64;
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
    /// Overrides the pipeline's time limit (a fixed limit per document, whatever its
    /// length).
    pub timeout: Option<Duration>,
    /// Overrides the pipeline's OCR mode.
    pub ocr: Option<OcrMode>,
    /// Overrides the pipeline's device.
    pub device: Option<Device>,
    /// Lets another thread follow the extraction and cancel it.
    pub progress: Option<Arc<Progress>>,
}

/// Shared between an extraction and whoever watches it: pages read so far, the page count
/// once known, and a cancellation flag checked between pages.
#[derive(Debug, Default)]
pub struct Progress {
    cancelled: AtomicBool,
    pages_done: AtomicU32,
    /// 0 until known.
    pages_total: AtomicU32,
}

impl Progress {
    /// Asks the extraction to stop at the next page; it then fails with [`Error::Cancelled`].
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Pages read so far, and the page count when known.
    pub fn pages(&self) -> (u32, Option<u32>) {
        let total = self.pages_total.load(Ordering::Relaxed);
        (
            self.pages_done.load(Ordering::Relaxed),
            (total > 0).then_some(total),
        )
    }
}

impl ExtractOptions {
    /// Whether the caller asked the extraction to stop.
    pub fn is_cancelled(&self) -> bool {
        self.progress.as_ref().is_some_and(|p| p.is_cancelled())
    }

    pub fn new(pipeline: PipelineConfig) -> Self {
        Self {
            pipeline,
            pages: None,
            password: None,
            timeout: None,
            ocr: None,
            device: None,
            progress: None,
        }
    }

    /// The time limit of a document of `pages` pages (unknown: the base alone).
    pub fn deadline(&self, pages: Option<usize>) -> Duration {
        let limits = &self.pipeline.limits;
        self.timeout.unwrap_or_else(|| {
            Duration::from_secs_f64(
                limits.timeout_seconds + limits.page_seconds * pages.unwrap_or(0) as f64,
            )
        })
    }

    fn device(&self) -> Device {
        self.device.unwrap_or(self.pipeline.device)
    }

    fn ocr_mode(&self) -> OcrMode {
        self.ocr.unwrap_or(self.pipeline.ocr.mode)
    }
}

/// Runs pipelines over sources. Cheap to share; model files are verified and models loaded on
/// first use, once.
#[derive(Debug)]
pub struct Extractor {
    models: ModelStore,
    ocr: Mutex<HashMap<String, Arc<Ocr>>>,
    layout: Mutex<HashMap<String, Arc<LayoutModel>>>,
}

/// The model in `cache` under `key`, loaded by `load` on first use.
fn cached<T>(
    cache: &Mutex<HashMap<String, Arc<T>>>,
    key: String,
    load: impl FnOnce() -> Result<T>,
) -> Result<Arc<T>> {
    let mut models = cache
        .lock()
        .map_err(|_| Error::Pipeline("model cache poisoned".into()))?;
    if let Some(model) = models.get(&key) {
        return Ok(model.clone());
    }
    let model = Arc::new(load()?);
    models.insert(key, model.clone());
    Ok(model)
}

impl Extractor {
    /// The verified model files (pdfium among them).
    pub fn models(&self) -> &ModelStore {
        &self.models
    }

    pub fn new(models: ModelStore) -> Self {
        Self {
            models,
            ocr: Mutex::new(HashMap::new()),
            layout: Mutex::new(HashMap::new()),
        }
    }

    /// The OCR engine for `settings`, loaded on first use.
    pub fn ocr_engine(&self, settings: &OcrSettings, device: Device) -> Result<Arc<Ocr>> {
        cached(&self.ocr, format!("{settings:?}@{device}"), || {
            Ocr::load(&self.models, settings, device)
        })
    }

    /// The layout model for `settings`, loaded on first use.
    pub fn layout_model(
        &self,
        settings: &LayoutSettings,
        device: Device,
        workers: usize,
    ) -> Result<Arc<LayoutModel>> {
        cached(
            &self.layout,
            format!("{settings:?}@{device}x{workers}"),
            || LayoutModel::load(&self.models, settings, device, workers),
        )
    }

    /// Loads, now, everything `pipeline` will use (pdfium, OCR, layout), so that a server is
    /// ready when it says so and a missing model fails at start-up rather than on a request.
    pub fn warm_up(&self, pipeline: &PipelineConfig) -> Result<()> {
        crate::pdf::library(&self.models)?;
        if pipeline.ocr.mode != OcrMode::Never {
            self.ocr_engine(&pipeline.ocr.engine, pipeline.device)?;
        }
        if pipeline.layout.enabled {
            self.layout_model(&pipeline.layout, pipeline.device, pipeline.workers)?;
        }
        Ok(())
    }

    /// The pipeline's OCR engine, its load time booked to the document.
    fn load_ocr(&self, options: &ExtractOptions, run: &mut Run) -> Result<Arc<Ocr>> {
        let t = Instant::now();
        let engine = self.ocr_engine(&options.pipeline.ocr.engine, options.device())?;
        run.add_ms("ocr_load", t.elapsed());
        run.record_ocr_models(&engine);
        Ok(engine)
    }

    /// The pipeline's layout model, when it runs one, its load time booked to the document.
    fn load_layout(
        &self,
        options: &ExtractOptions,
        run: &mut Run,
    ) -> Result<Option<Arc<LayoutModel>>> {
        let settings = &options.pipeline.layout;
        if !settings.enabled {
            return Ok(None);
        }
        let t = Instant::now();
        let model = self.layout_model(settings, options.device(), options.pipeline.workers)?;
        run.add_ms("layout_load", t.elapsed());
        run.models.insert(
            crate::layout::MODEL.to_string(),
            format!("sha256:{}", model.sha256),
        );
        Ok(Some(model))
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
            _ => self.extract_image(source, options, &mut run)?,
        };
        let blocks = {
            let _s = info_span!("stage", name = "structure").entered();
            let t = Instant::now();
            let blocks = structure::assemble(
                &run.layouts,
                &StructureOptions {
                    furniture_min_pages: options.pipeline.structure.furniture_min_pages,
                    outline: std::mem::take(&mut run.outline),
                },
            );
            run.add_ms("structure", t.elapsed());
            blocks
        };
        let total = started.elapsed();
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
                models: run.models,
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
        let pdfium_entry = self.models.entry("pdfium")?;
        run.models.insert(
            "pdfium".to_string(),
            format!("sha256:{}", pdfium_entry.sha256),
        );
        let t = Instant::now();
        let password = options.password.as_deref();
        let mut file = PdfFile::open(pdfium, source, password)?;
        let metadata = file.metadata();
        if options.pipeline.structure.use_outline {
            run.outline = file.outline();
        }
        let numbers = select_pages(metadata.page_count, options)?;
        run.set_page_count(numbers.len(), options);
        if let Some(p) = &options.progress {
            p.pages_total.store(numbers.len() as u32, Ordering::Relaxed);
        }
        run.add_ms("pdf", t.elapsed());

        let mode = options.ocr_mode();
        let ocr_cfg = &options.pipeline.ocr;
        let text_cfg = &options.pipeline.text;
        let layout = self.load_layout(options, run)?;
        let want = PageRead {
            image_regions: mode == OcrMode::Auto && ocr_cfg.images_on_text_pages,
            // Rules bound tables in every pipeline (`fast` finds ruled tables without layout).
            rulings: true,
        };
        let mut engine: Option<Arc<Ocr>> = None;
        let cancelled = || options.is_cancelled();
        let results = worker::run_pages(options.pipeline.workers, PAGE_QUEUE, &cancelled, |tx| {
            for (index, &number) in numbers.iter().enumerate() {
                run.check_deadline()?;
                let t = Instant::now();
                if index > 0 && index % REOPEN_EVERY == 0 {
                    // pdfium keeps every object it has parsed until the document closes.
                    file = PdfFile::open(pdfium, source, password)?;
                }
                let raw = file.page(number, want)?;
                let page = run.page_from_raw(&raw, text_cfg.min_chars, text_cfg.max_unmapped_ratio);
                let usable = page.text_source == TextSource::Pdf;
                let renderable = raw.width >= 1.0 && raw.height >= 1.0;
                let wants_ocr = renderable
                    && match mode {
                        OcrMode::Always => true,
                        // A page with no text and nothing but vector art has nothing to read.
                        OcrMode::Auto => !usable && raw.has_images,
                        OcrMode::Never => false,
                    };
                let mixed = renderable && !wants_ocr && usable && !raw.image_regions.is_empty();
                run.pages.push(page);
                run.page_read();
                let raw = if usable && !wants_ocr {
                    raw
                } else {
                    RawPage {
                        glyphs: Vec::new(),
                        ..raw
                    }
                };
                let render = |dpi: f32| -> Result<Bitmap> {
                    let (image, points_per_pixel) = file.render(number, dpi)?;
                    Ok(Bitmap {
                        image,
                        points_per_pixel,
                    })
                };
                let page = if wants_ocr || mixed {
                    let bitmap = render(ocr_cfg.dpi)?;
                    if mixed {
                        PageJob::Mixed(raw, bitmap)
                    } else {
                        PageJob::Image(raw, bitmap)
                    }
                } else if layout.is_some() && renderable && usable {
                    let dpi = LayoutModel::render_dpi(raw.width, raw.height);
                    PageJob::Text(raw, Some(render(dpi)?))
                } else {
                    PageJob::Text(raw, None)
                };
                run.add_ms("pdf", t.elapsed());
                let ocr = match (&page, &engine) {
                    (PageJob::Text(..), _) => None,
                    (_, Some(e)) => Some(e.clone()),
                    (_, None) => Some(engine.insert(self.load_ocr(options, run)?).clone()),
                };
                let job = Job {
                    index,
                    page,
                    ocr,
                    layout: layout.clone(),
                };
                if tx.send(job).is_err() {
                    break;
                }
            }
            Ok(())
        })?;
        run.absorb(results);
        debug!(pages = numbers.len(), "text layer read");
        Ok(metadata)
    }

    fn extract_image(
        &self,
        source: &Source,
        options: &ExtractOptions,
        run: &mut Run,
    ) -> Result<Metadata> {
        let _s = info_span!("stage", name = "image").entered();
        let bytes = source.read_all()?;
        let engine = match options.ocr_mode() {
            OcrMode::Never => None,
            _ => Some(self.load_ocr(options, run)?),
        };
        let layout = self.load_layout(options, run)?;
        let mut number = 0u32;
        let mut count = 0usize;
        let t = Instant::now();
        let cancelled = || options.is_cancelled();
        let results = worker::run_pages(options.pipeline.workers, PAGE_QUEUE, &cancelled, |tx| {
            count = for_each_page(&bytes, source.media_type, |img, pixels| {
                number += 1;
                if let Some(range) = &options.pages {
                    // Ranges are checked against the real page count once it is known.
                    if !range.contains(number) {
                        return Ok(());
                    }
                }
                // The page count of an image file is known only at its end.
                run.set_page_count(run.pages.len() + 1, options);
                run.check_deadline()?;
                let (width, height) = img.size_points();
                run.pages.push(Page {
                    number,
                    width: round2(width),
                    height: round2(height),
                    rotation: 0,
                    text_source: TextSource::None,
                    ocr_confidence: None,
                    note: Some("image page: OCR is off (--ocr never)".into()),
                    image: Some(img.info.clone()),
                });
                run.page_read();
                let raw = RawPage {
                    number,
                    width,
                    height,
                    rotation: 0,
                    glyphs: Vec::new(),
                    fonts: vec!["ocr".into()],
                    unmapped: 0,
                    has_images: true,
                    image_regions: Vec::new(),
                    image_cover: 1.0,
                    rulings: Vec::new(),
                };
                let bitmap = Bitmap {
                    image: pixels,
                    points_per_pixel: 72.0 / img.info.dpi[0],
                };
                let page = match &engine {
                    Some(_) => PageJob::Image(raw, bitmap),
                    None => PageJob::Text(raw, Some(bitmap)),
                };
                let job = Job {
                    index: run.pages.len() - 1,
                    page,
                    ocr: engine.clone(),
                    layout: layout.clone(),
                };
                tx.send(job)
                    .map_err(|_| Error::Pipeline("the page workers stopped".into()))
            })?;
            Ok(())
        })?;
        run.absorb(results);
        run.add_ms(
            "image",
            t.elapsed()
                .saturating_sub(run.stage("ocr") + run.stage("structure") + run.stage("layout")),
        );
        if let Some(range) = &options.pages {
            range.resolve(count as u32)?;
        }
        if count == 0 {
            return Err(Error::NoPages);
        }
        Ok(Metadata {
            page_count: count as u32,
            ..Metadata::default()
        })
    }
}

/// Marks a page as OCR'd, wholly or in part (when it was).
fn apply_ocr(page: &mut Page, ocr: Option<(TextSource, Option<f32>)>) {
    if let Some((source, confidence)) = ocr {
        page.text_source = source;
        page.ocr_confidence = confidence.map(|c| (c * 1000.0).round() / 1000.0);
        page.note = confidence
            .is_none()
            .then(|| "OCR found no text".to_string());
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
        return Err(Error::TooManyPages {
            pages: numbers.len() as u32,
            limit: max,
        });
    }
    Ok(numbers)
}

/// Per-document bookkeeping while the stages run.
struct Run {
    started: Instant,
    limit: Duration,
    /// Pages to read, once known.
    page_count: Option<usize>,
    progress: Option<Arc<Progress>>,
    pages: Vec<Page>,
    layouts: Vec<PageLayout>,
    /// The PDF's bookmarks, when the structure stage is to use them.
    outline: Vec<crate::pdf::OutlineEntry>,
    stage_ms: BTreeMap<String, Duration>,
    warnings: Vec<String>,
    models: BTreeMap<String, String>,
}

impl Run {
    fn new(started: Instant, options: &ExtractOptions) -> Self {
        Self {
            started,
            limit: options.deadline(None),
            page_count: None,
            progress: options.progress.clone(),
            pages: Vec::new(),
            layouts: Vec::new(),
            outline: Vec::new(),
            stage_ms: BTreeMap::new(),
            warnings: Vec::new(),
            models: BTreeMap::new(),
        }
    }

    fn page_read(&self) {
        if let Some(p) = &self.progress {
            p.pages_done.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn add_ms(&mut self, stage: &str, d: Duration) {
        *self.stage_ms.entry(stage.to_string()).or_default() += d;
    }

    fn stage(&self, name: &str) -> Duration {
        self.stage_ms.get(name).copied().unwrap_or_default()
    }

    /// Takes in the workers' results, in page order: OCR marks, stage times, page layouts.
    fn absorb(&mut self, results: Vec<PageResult>) {
        for result in results {
            if let Some(page) = self.pages.get_mut(result.index) {
                apply_ocr(page, result.ocr_confidence);
            }
            self.add_ms("layout", result.times.layout);
            self.add_ms("ocr", result.times.ocr);
            self.add_ms("structure", result.times.structure);
            self.layouts.push(result.layout);
        }
    }

    fn record_ocr_models(&mut self, engine: &Ocr) {
        for (name, hash) in &engine.models {
            self.models.insert(name.clone(), hash.clone());
        }
    }

    /// The document has `n` pages to read: its time limit grows with them.
    fn set_page_count(&mut self, n: usize, options: &ExtractOptions) {
        self.page_count = Some(n);
        self.limit = options.deadline(Some(n));
    }

    fn check_deadline(&self) -> Result<()> {
        if self.progress.as_ref().is_some_and(|p| p.is_cancelled()) {
            return Err(Error::Cancelled);
        }
        if self.started.elapsed() > self.limit {
            return Err(Error::Timeout {
                seconds: self.limit.as_secs_f64(),
                pages_done: self.pages.len(),
                pages: self.page_count.unwrap_or(self.pages.len()),
            });
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
        let note = if mapped == 0 && raw.unmapped == 0 && !raw.has_images {
            Some("blank page: no text and no images".to_string())
        } else if mapped == 0 && raw.unmapped == 0 {
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
        } else if let Some(why) = quality::garbled(&raw.glyphs) {
            Some(format!("{why}; the page needs OCR"))
        } else if mapped < STAMP_CHARS && raw.image_cover >= SCAN_COVER {
            Some(format!(
                "a {:.0}% page image with only {mapped} characters of text over it: a scan, the page needs OCR",
                raw.image_cover * 100.0
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
