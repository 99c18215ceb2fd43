//! Pipeline definitions (`pipelines/*.toml`): which stages run and with which settings.
//! The shipped pipelines are compiled in; `--pipeline` also accepts a path to a TOML file.

use crate::error::{Error, Result};
use crate::layout::LayoutSettings;
use crate::ocr::OcrSettings;
use crate::runtime::Device;
use serde::Deserialize;
use std::path::Path;

/// The pipelines that ship with folio, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("accurate", include_str!("../../pipelines/accurate.toml")),
    ("fast", include_str!("../../pipelines/fast.toml")),
    ("ocr", include_str!("../../pipelines/ocr.toml")),
];

/// The pipeline used when none is named.
pub const DEFAULT_PIPELINE: &str = "accurate";

/// A parsed pipeline definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    pub name: String,
    pub revision: u32,
    pub description: String,
    /// Where models run: auto, cpu, cuda or cuda:N.
    pub device: Device,
    /// Pages analysed at once (layout, OCR and structure run on this many worker threads).
    pub workers: usize,
    pub text: TextConfig,
    pub structure: StructureConfig,
    pub layout: LayoutSettings,
    pub ocr: OcrConfig,
    pub limits: LimitsConfig,
}

/// When pages are OCR'd.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OcrMode {
    /// Pages without a usable text layer, and every image.
    Auto,
    /// Every page, ignoring any text layer.
    Always,
    /// No page: textless pages stay marked `text_source: "none"`.
    Never,
}

impl std::str::FromStr for OcrMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(OcrMode::Auto),
            "always" => Ok(OcrMode::Always),
            "never" => Ok(OcrMode::Never),
            other => Err(Error::Pipeline(format!(
                "unknown OCR mode '{other}' (auto, always, never)"
            ))),
        }
    }
}

/// The OCR stage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcrConfig {
    pub mode: OcrMode,
    /// Resolution PDF pages are rendered at for OCR.
    pub dpi: f32,
    /// In `auto` mode, also OCR sizeable images on pages that have a text layer (a scanned
    /// figure or table pasted into a document): such pages become `mixed`.
    pub images_on_text_pages: bool,
    pub engine: OcrSettings,
}

/// When a page's text layer is usable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextConfig {
    pub min_chars: usize,
    pub max_unmapped_ratio: f32,
}

/// Settings of the structure stage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructureConfig {
    pub furniture_min_pages: usize,
    /// Confirm headings and their levels with the PDF's bookmarks, where it has them.
    #[serde(default = "yes")]
    pub use_outline: bool,
}

fn yes() -> bool {
    true
}

/// Resource limits per document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// A document's time limit is this base…
    pub timeout_seconds: f64,
    /// …plus this much per page it has (or per page selected), so long documents fit.
    #[serde(default)]
    pub page_seconds: f64,
    pub max_bytes: u64,
    pub max_pages: u32,
}

impl PipelineConfig {
    /// A shipped pipeline by name, or a pipeline file by path.
    pub fn load(name_or_path: &str) -> Result<Self> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, name_or_path);
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::Pipeline(format!("{name_or_path}: {e}")))?;
            return Self::parse(&text, name_or_path);
        }
        let known: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(Error::Pipeline(format!(
            "unknown pipeline '{name_or_path}' (available: {}; or a path to a .toml file)",
            known.join(", ")
        )))
    }

    fn parse(text: &str, origin: &str) -> Result<Self> {
        let config: Self =
            toml::from_str(text).map_err(|e| Error::Pipeline(format!("{origin}: {e}")))?;
        if !(0.0..=1.0).contains(&config.text.max_unmapped_ratio)
            || config.limits.timeout_seconds <= 0.0
            || config.limits.page_seconds < 0.0
            || !(1..=64).contains(&config.workers)
            || !(0.0..1.0).contains(&config.layout.min_score)
        {
            return Err(Error::Pipeline(format!(
                "{origin}: a setting is out of range"
            )));
        }
        Ok(config)
    }

    /// `folio-version+name.revision`.
    pub fn version(&self) -> String {
        format!(
            "{}+{}.{}",
            env!("CARGO_PKG_VERSION"),
            self.name,
            self.revision
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_pipelines_parse() {
        for (name, _) in BUILTIN {
            let p = PipelineConfig::load(name).expect("builtin pipeline parses");
            assert_eq!(&p.name, name);
        }
        assert!(matches!(
            PipelineConfig::load("nonsense"),
            Err(Error::Pipeline(_))
        ));
    }
}
