//! Page layout detection: the CDLA PicoDet model finds typed regions (text, title, figure,
//! table, captions, headers, footers, references, equations) on a rendered page. The
//! structure stage then assigns text to these regions.
//!
//! The model takes the page stretched to 608×800 and returns, for each of four strides, class
//! scores and box-side distributions per grid cell; boxes are decoded here and non-maximum
//! suppression is applied per class (the graph has none).

mod decode;

use crate::document::BBox;
use crate::error::{Error, Result};
use crate::models::ModelStore;
use crate::runtime::{Device, SessionPool};
use ::image::{imageops::FilterType, RgbImage};
use serde::Deserialize;

/// Manifest name of the layout model.
pub const MODEL: &str = "layout_cdla";
/// The model's fixed input size.
const INPUT_W: u32 = 608;
const INPUT_H: u32 = 800;
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

/// What a layout region holds, in the model's class order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegionKind {
    Text,
    Title,
    Figure,
    FigureCaption,
    Table,
    TableCaption,
    Header,
    Footer,
    Reference,
    Equation,
}

impl RegionKind {
    pub const ALL: [RegionKind; 10] = [
        RegionKind::Text,
        RegionKind::Title,
        RegionKind::Figure,
        RegionKind::FigureCaption,
        RegionKind::Table,
        RegionKind::TableCaption,
        RegionKind::Header,
        RegionKind::Footer,
        RegionKind::Reference,
        RegionKind::Equation,
    ];

    /// Regions whose text is one unit, not paragraphs: tables, figures, equations.
    pub fn is_atomic(self) -> bool {
        matches!(
            self,
            RegionKind::Table | RegionKind::Figure | RegionKind::Equation
        )
    }

    pub fn is_caption(self) -> bool {
        matches!(self, RegionKind::FigureCaption | RegionKind::TableCaption)
    }
}

/// One detected region, in page points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub kind: RegionKind,
    pub bbox: BBox,
    pub score: f32,
}

/// Settings of the layout stage.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayoutSettings {
    /// Run the layout model on every page.
    pub enabled: bool,
    /// Lowest class score a region needs.
    pub min_score: f32,
    /// ONNX Runtime intra-op threads per session.
    pub threads: usize,
}

/// A loaded layout model; share it, sessions are pooled.
pub struct LayoutModel {
    pool: SessionPool,
    min_score: f32,
    /// sha256 of the model file.
    pub sha256: String,
}

impl std::fmt::Debug for LayoutModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayoutModel").finish()
    }
}

impl LayoutModel {
    /// Loads the model (verified against the manifest); `workers` sessions at most.
    pub fn load(
        models: &ModelStore,
        settings: &LayoutSettings,
        device: Device,
        workers: usize,
    ) -> Result<Self> {
        let pool = SessionPool::new(models, MODEL, device, settings.threads, workers)?;
        Ok(Self {
            pool,
            min_score: settings.min_score,
            sha256: models.entry(MODEL)?.sha256.clone(),
        })
    }

    /// The DPI to render a page of `height` points at so the model sees it at about its
    /// native resolution.
    pub fn render_dpi(width: f32, height: f32) -> f32 {
        let scale = (INPUT_H as f32 / height.max(1.0)).max(INPUT_W as f32 / width.max(1.0));
        (scale * 72.0).clamp(24.0, 150.0)
    }

    /// Regions on `img`, a rendering of a page where one pixel is `points_per_pixel` points.
    pub fn detect(&self, img: &RgbImage, points_per_pixel: f32) -> Result<Vec<Region>> {
        let (w, h) = img.dimensions();
        if w < 8 || h < 8 {
            return Ok(Vec::new());
        }
        let resized = ::image::imageops::resize(img, INPUT_W, INPUT_H, FilterType::Triangle);
        let plane = (INPUT_W * INPUT_H) as usize;
        let mut input = vec![0f32; 3 * plane];
        for (i, px) in resized.pixels().enumerate() {
            // Trained on BGR images.
            for (c, &v) in [px.0[2], px.0[1], px.0[0]].iter().enumerate() {
                input[c * plane + i] = (v as f32 / 255.0 - MEAN[c]) / STD[c];
            }
        }
        drop(resized);
        let outputs = self
            .pool
            .run_f32_all(&[1, 3, INPUT_H as usize, INPUT_W as usize], &input)?;
        let boxes = decode::decode(&outputs, INPUT_W, INPUT_H, self.min_score)
            .map_err(|e| Error::Layout(format!("{MODEL}: {e}")))?;
        let (sx, sy) = (
            w as f32 / INPUT_W as f32 * points_per_pixel,
            h as f32 / INPUT_H as f32 * points_per_pixel,
        );
        Ok(boxes
            .into_iter()
            .map(|d| Region {
                kind: RegionKind::ALL[d.class],
                bbox: [
                    d.bbox[0] * sx,
                    d.bbox[1] * sy,
                    d.bbox[2] * sx,
                    d.bbox[3] * sy,
                ],
                score: d.score,
            })
            .collect())
    }
}
