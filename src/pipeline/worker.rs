//! The per-page work: layout detection, OCR (wholly or of image regions) and the page's
//! structure, run by a few worker threads fed through a bounded queue.

use crate::document::{BlockSource, TextSource};
use crate::error::{Error, Result};
use crate::layout::{LayoutModel, Region};
use crate::ocr::Ocr;
use crate::pdf::{Glyph, RawPage};
use crate::structure::{self, PageLayout};
use ::image::RgbImage;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A rendering of a page and the page points one of its pixels covers.
pub struct Bitmap {
    pub image: RgbImage,
    pub points_per_pixel: f32,
}

/// What to do with one page.
pub enum PageJob {
    /// The page's own text layer; the bitmap, when present, is for the layout model.
    Text(RawPage, Option<Bitmap>),
    /// A rendered page (or image) to OCR; `RawPage` carries its geometry.
    Image(RawPage, Bitmap),
    /// A page with a text layer whose image regions are OCR'd too.
    Mixed(RawPage, Bitmap),
}

/// A page and the models it needs.
pub struct Job {
    /// Position in the document's page order.
    pub index: usize,
    pub page: PageJob,
    pub ocr: Option<Arc<Ocr>>,
    pub layout: Option<Arc<LayoutModel>>,
}

/// What a worker made of a page.
pub struct PageResult {
    pub index: usize,
    pub layout: PageLayout,
    /// For pages that were OCR'd (wholly or in part): their text source and OCR confidence.
    pub ocr_confidence: Option<(TextSource, Option<f32>)>,
    pub times: StageTimes,
}

/// Time one page spent in each model and analysis stage.
#[derive(Debug, Default, Clone, Copy)]
pub struct StageTimes {
    pub layout: Duration,
    pub ocr: Duration,
    pub structure: Duration,
}

/// Runs `workers` threads over the jobs `feed` sends, in `scope`; returns the results in page
/// order once `feed` is done and the queue is drained. `feed`'s error wins over a worker's.
/// Once `cancelled` says so, workers take no further page (pages already read wait in the
/// queue; a cancelled document should not cost their OCR).
pub fn run_pages(
    workers: usize,
    queue: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
    feed: impl FnOnce(&SyncSender<Job>) -> Result<()>,
) -> Result<Vec<PageResult>> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(queue);
    let rx = Mutex::new(rx);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| scope.spawn(|| drain(&rx, cancelled)))
            .collect();
        let fed = feed(&tx);
        drop(tx);
        let mut results = Vec::new();
        let mut failure = None;
        for h in handles {
            match h.join() {
                Ok(Ok(mut r)) => results.append(&mut r),
                Ok(Err(e)) => failure = failure.or(Some(e)),
                Err(_) => {
                    failure = failure.or(Some(Error::Pipeline("a page worker failed".into())))
                }
            }
        }
        fed?;
        if let Some(e) = failure {
            return Err(e);
        }
        results.sort_by_key(|r| r.index);
        Ok(results)
    })
}

/// One worker: takes jobs until the queue closes; stops at the first failure (the feeder
/// then sees the queue close).
fn drain(
    rx: &Mutex<Receiver<Job>>,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<Vec<PageResult>> {
    let mut out = Vec::new();
    loop {
        let job = {
            let guard = rx
                .lock()
                .map_err(|_| Error::Pipeline("page queue poisoned".into()))?;
            guard.recv()
        };
        let Ok(job) = job else {
            return Ok(out);
        };
        if cancelled() {
            return Err(Error::Cancelled);
        }
        out.push(process(job)?);
    }
}

/// Layout (when asked), OCR (when asked) and structure of one page.
pub fn process(job: Job) -> Result<PageResult> {
    let mut times = StageTimes::default();
    let regions = |bitmap: Option<&Bitmap>, times: &mut StageTimes| -> Result<Vec<Region>> {
        match (&job.layout, bitmap) {
            (Some(model), Some(b)) => {
                let t = Instant::now();
                let regions = model.detect(&b.image, b.points_per_pixel)?;
                times.layout = t.elapsed();
                Ok(regions)
            }
            _ => Ok(Vec::new()),
        }
    };
    let (raw, regions, source, confidence) = match (job.page, &job.ocr) {
        (PageJob::Image(mut raw, bitmap), Some(engine)) => {
            let regions = regions(Some(&bitmap), &mut times)?;
            let t = Instant::now();
            let read = engine.read(&bitmap.image, bitmap.points_per_pixel)?;
            drop(bitmap);
            times.ocr = t.elapsed();
            raw.glyphs = read.glyphs;
            raw.rulings = read.rulings;
            raw.fonts = vec!["ocr".into()];
            let ocr = Some((TextSource::Ocr, read.confidence));
            (raw, regions, BlockSource::Ocr, ocr)
        }
        (PageJob::Mixed(mut raw, bitmap), Some(engine)) => {
            let regions = regions(Some(&bitmap), &mut times)?;
            let t = Instant::now();
            let confidence = ocr_image_regions(&mut raw, &bitmap, engine)?;
            drop(bitmap);
            times.ocr = t.elapsed();
            let ocr = confidence.map(|c| (TextSource::Mixed, Some(c)));
            (raw, regions, BlockSource::Pdf, ocr)
        }
        (PageJob::Text(raw, bitmap), _) => {
            let regions = regions(bitmap.as_ref(), &mut times)?;
            (raw, regions, BlockSource::Pdf, None)
        }
        (PageJob::Image(raw, _) | PageJob::Mixed(raw, _), None) => {
            (raw, Vec::new(), BlockSource::Pdf, None)
        }
    };
    let t = Instant::now();
    let mut layout = structure::analyze_page(raw, &regions);
    times.structure = t.elapsed();
    layout.source = source;
    if source == BlockSource::Ocr {
        layout.ocr_confidence = confidence.and_then(|(_, c)| c);
    }
    Ok(PageResult {
        index: job.index,
        layout,
        ocr_confidence: confidence,
        times,
    })
}

/// OCRs the page's image regions into its glyphs; returns their mean confidence.
fn ocr_image_regions(raw: &mut RawPage, bitmap: &Bitmap, engine: &Ocr) -> Result<Option<f32>> {
    let (image, ppp) = (&bitmap.image, bitmap.points_per_pixel);
    let mut confidences = Vec::new();
    for region in std::mem::take(&mut raw.image_regions) {
        let px = region.map(|v| (v / ppp).max(0.0) as u32);
        let (x0, y0) = (px[0].min(image.width()), px[1].min(image.height()));
        let (x1, y1) = (px[2].min(image.width()), px[3].min(image.height()));
        if x1 <= x0 + 8 || y1 <= y0 + 8 {
            continue;
        }
        let crop = ::image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
        let read = engine.read(&crop, ppp)?;
        let (dx, dy) = (x0 as f32 * ppp, y0 as f32 * ppp);
        raw.glyphs.extend(read.glyphs.into_iter().map(|g| Glyph {
            bbox: [
                g.bbox[0] + dx,
                g.bbox[1] + dy,
                g.bbox[2] + dx,
                g.bbox[3] + dy,
            ],
            ..g
        }));
        confidences.extend(read.confidence);
    }
    Ok((!confidences.is_empty())
        .then(|| confidences.iter().sum::<f32>() / confidences.len() as f32))
}
