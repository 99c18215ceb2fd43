//! Optical character recognition with PP-OCR models through ONNX Runtime: detection of text
//! lines, then recognition of each line, producing positioned glyphs in page points so the
//! structure stage treats OCR'd pages exactly like text-layer pages.

mod det;
mod geometry;
mod ink;
mod line_orientation;
mod orientation;
mod rec;
mod rulings;

use crate::error::{Error, Result};
use crate::models::ModelStore;
use crate::pdf::{Glyph, GlyphStyle, Ruling};
use crate::runtime::{Device, SessionPool};
use ::image::RgbImage;
use det::Detector;
use geometry::{sample_line, Quad};
use line_orientation::LineOrientation;
use orientation::PageOrientation;
use rec::{LineImage, RecLine, Recognizer, LINE_HEIGHT, MAX_WIDTH};
use serde::Deserialize;

/// Manifest name of the page-orientation classifier.
const ORIENTATION: &str = "page_orientation";
/// Manifest name of the text-line orientation classifier.
const LINE_ORIENTATION: &str = "ppocrv5_cls";

/// Which OCR models to run, and how.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OcrSettings {
    /// `ppocrv5` (PP-OCRv5 mobile), `ppocrv6_small` or `ppocrv6_tiny`.
    pub model: String,
    /// Longest side of the image given to the detector, in pixels.
    pub det_max_side: u32,
    /// Lines per recognition batch.
    pub rec_batch: usize,
    /// Intra-op threads per model session.
    pub threads: usize,
    /// Check every line for 0°/180° with the text-line orientation classifier.
    pub line_orientation: bool,
    /// The model whose recogniser reads a page again when the first reading finds it written
    /// in Chinese or Japanese (`ppocrv6_tiny` knows no kana; no recogniser the wheels carry
    /// reads Hangul or Cyrillic); `none` keeps the first.
    #[serde(default = "default_cjk_model")]
    pub cjk_model: String,
}

fn default_cjk_model() -> String {
    "ppocrv6_small".into()
}

impl OcrSettings {
    /// Manifest names of (detector, recogniser, dictionary).
    fn files(&self) -> Result<(&'static str, &'static str, &'static str)> {
        model_files(&self.model)
    }

    /// Manifest names of the CJK recogniser and its dictionary, where it is another model.
    fn cjk_files(&self) -> Result<Option<(&'static str, &'static str)>> {
        if self.cjk_model == "none" || self.cjk_model == self.model {
            return Ok(None);
        }
        let (_, rec, dict) = model_files(&self.cjk_model)?;
        Ok(Some((rec, dict)))
    }
}

/// Manifest names of a model's (detector, recogniser, dictionary).
fn model_files(model: &str) -> Result<(&'static str, &'static str, &'static str)> {
    Ok(match model {
        "ppocrv5" => ("ppocrv5_det", "ppocrv5_rec", "ppocrv5_dict"),
        "ppocrv6_small" => ("ppocrv6_small_det", "ppocrv6_small_rec", "ppocrv6_dict"),
        "ppocrv6_tiny" => ("ppocrv6_tiny_det", "ppocrv6_tiny_rec", "ppocrv6_tiny_dict"),
        other => {
            return Err(Error::Pipeline(format!(
                "unknown OCR model '{other}' (available: ppocrv5, ppocrv6_small, ppocrv6_tiny)"
            )))
        }
    })
}

/// Reads a dictionary file of the manifest.
fn read_dict(models: &ModelStore, name: &str) -> Result<String> {
    let path = models.path(name)?;
    std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })
}

/// The text of one page image.
#[derive(Debug, Clone)]
pub struct OcrPage {
    pub glyphs: Vec<Glyph>,
    /// Horizontal rules drawn on the page (tables, form lines), in page points.
    pub rulings: Vec<Ruling>,
    /// Mean confidence of the recognised lines, if any.
    pub confidence: Option<f32>,
}

/// A loaded OCR engine; share it, sessions are pooled.
pub struct Ocr {
    orientation: PageOrientation,
    line_orientation: Option<LineOrientation>,
    detector: Detector,
    recognizer: Recognizer,
    /// The recogniser for pages written in CJK scripts, if another; its session is built on
    /// the first such page.
    cjk: Option<Recognizer>,
    /// sha256 of each model file used, by manifest name.
    pub models: Vec<(String, String)>,
}

impl std::fmt::Debug for Ocr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ocr").field("models", &self.models).finish()
    }
}

impl Ocr {
    /// Loads the models named by `settings` (verified against the manifest).
    pub fn load(models: &ModelStore, settings: &OcrSettings, device: Device) -> Result<Self> {
        let (det, rec, dict) = settings.files()?;
        let dict_text = read_dict(models, dict)?;
        let cjk_files = settings.cjk_files()?;
        let workers = 2;
        // Every OCR model keeps ONNX Runtime's memory arena. Their inputs are capped (the
        // detector's longest side, the line batch's width), so the arena's high-water mark is
        // bounded whatever the document; without it each run page-faults its working memory
        // afresh, which cost a 1-page scan 2.7 CPU s instead of 1.5 (half of it in the kernel).
        let detector = Detector::new(
            SessionPool::with_arena(models, det, device, settings.threads, workers)?,
            settings.det_max_side,
        );
        let recognizer = Recognizer::new(
            SessionPool::with_arena(models, rec, device, settings.threads, workers)?,
            &dict_text,
            settings.rec_batch,
        );
        let orientation = PageOrientation::new(SessionPool::with_arena(
            models,
            ORIENTATION,
            device,
            1,
            workers,
        )?);
        let line_orientation = if settings.line_orientation {
            Some(LineOrientation::new(SessionPool::with_arena(
                models,
                LINE_ORIENTATION,
                device,
                1,
                workers,
            )?))
        } else {
            None
        };
        let cjk = match cjk_files {
            Some((rec, dict)) => Some(
                Recognizer::new(
                    SessionPool::deferred(models, rec, recognizer.pool())?,
                    &read_dict(models, dict)?,
                    settings.rec_batch,
                )
                .narrowing(CJK_NARROWING),
            ),
            None => None,
        };
        let line_model = settings.line_orientation.then_some(LINE_ORIENTATION);
        let hashes = [
            Some(ORIENTATION),
            Some(det),
            line_model,
            Some(rec),
            Some(dict),
            cjk_files.map(|f| f.0),
            cjk_files.map(|f| f.1),
        ]
        .into_iter()
        .flatten()
        .filter_map(|n| models.entry(n).ok())
        .map(|e| (e.name.clone(), format!("sha256:{}", e.sha256)))
        .collect();
        Ok(Self {
            orientation,
            line_orientation,
            detector,
            recognizer,
            cjk,
            models: hashes,
        })
    }

    /// Reads `img`; `points_per_pixel` converts its pixels to page points (72 / dpi).
    pub fn read(&self, img: &RgbImage, points_per_pixel: f32) -> Result<OcrPage> {
        if img.width() < 8 || img.height() < 8 {
            return Ok(OcrPage {
                glyphs: Vec::new(),
                rulings: Vec::new(),
                confidence: None,
            });
        }
        // A page scanned sideways or upside down is read upright; boxes are mapped back. The
        // orientation classifier looks at the detector's copy of the page: one reduction of
        // the full image, not two.
        let scaled = self.detector.scaled(img);
        let turned = self.orientation.classify(&scaled)?;
        let (w, h) = (img.width() as f32, img.height() as f32);
        let (upright, scaled) = match turned {
            90 => (
                Some(::image::imageops::rotate270(img)),
                ::image::imageops::rotate270(&scaled),
            ),
            180 => (
                Some(::image::imageops::rotate180(img)),
                ::image::imageops::rotate180(&scaled),
            ),
            270 => (
                Some(::image::imageops::rotate90(img)),
                ::image::imageops::rotate90(&scaled),
            ),
            _ => (None, scaled),
        };
        let view = upright.as_ref().unwrap_or(img);
        let back = move |[x, y]: [f32; 2]| match turned {
            90 => [w - y, x],
            180 => [w - x, h - y],
            270 => [y, h - x],
            _ => [x, y],
        };
        let quads: Vec<Quad> = self
            .detector
            .detect(&scaled, view.dimensions())?
            .into_iter()
            .map(|(q, _)| q)
            .collect();
        drop(scaled);
        let lines: Vec<LineImage> = quads
            .iter()
            .map(|q| {
                let (pixels, width) = sample_line(view, q, LINE_HEIGHT, MAX_WIDTH);
                LineImage { pixels, width }
            })
            .collect();
        let (recognizer, mut recognized) = self.recognize_in_script(&lines)?;
        if let Some(classifier) = &self.line_orientation {
            self.turn_upside_down(recognizer, classifier, &lines, &mut recognized)?;
        }
        let (latin, cjk) = script_counts(&recognized);
        let deskew = Deskew::estimate(&quads, view.width() as f32, view.height() as f32);
        let latin_page = latin >= 4 * cjk;
        let typeset = recognized.iter().flatten().any(RecLine::has_curly_quote);
        let mut glyphs = Vec::new();
        let mut confidences = Vec::new();
        for (quad, line) in quads.iter().zip(recognized) {
            if let Some(mut line) = line {
                line.latin_forms(latin_page);
                line.curly_quotes(typeset);
                tracing::trace!(
                    confidence = line.confidence,
                    text = %line.chars.iter().map(|c| c.text.as_str()).collect::<String>(),
                    "ocr line"
                );
                confidences.push(line.confidence);
                glyphs.extend(line_glyphs(
                    &deskew.apply(quad),
                    &line,
                    points_per_pixel,
                    &back,
                ));
            }
        }
        let confidence = (!confidences.is_empty())
            .then(|| confidences.iter().sum::<f32>() / confidences.len() as f32);
        // Rules are read on a page that needed no turning (a turned page's would need turning
        // with it); a skewed page's are read on the page levelled as its lines are, where they
        // are straight runs of pixels again.
        let rulings = match turned {
            0 => {
                let paper = ink::paper(img);
                if deskew.is_level() {
                    rulings::horizontal(img, paper, points_per_pixel)
                } else {
                    rulings::horizontal(&deskew.image(img, paper), paper, points_per_pixel)
                }
            }
            _ => Vec::new(),
        };
        Ok(OcrPage {
            glyphs,
            rulings,
            confidence,
        })
    }
}

impl Ocr {
    /// Recognises every line with the recogniser for the page's script, which is also returned.
    /// A sample of lines read first tells the script: a page mostly in CJK characters is read
    /// with the CJK recogniser (the main one may lack its characters: kana), any other with the
    /// main one, the sample's readings kept. Where the whole reading shows what the sample
    /// missed, the page is read again. On a CJK page, lines the main recogniser reads as plain
    /// ASCII with confidence (commands, URLs, numbers) keep that reading: the CJK recogniser
    /// costs five times as much per line.
    fn recognize_in_script(
        &self,
        lines: &[LineImage],
    ) -> Result<(&Recognizer, Vec<Option<RecLine>>)> {
        let Some(cjk_reader) = &self.cjk else {
            return Ok((&self.recognizer, self.recognizer.recognize(lines)?));
        };
        let n = lines.len();
        let step = n.div_ceil(SCRIPT_SAMPLE).max(1);
        let (sample, rest): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % step == 0);
        let mut all = vec![None; n];
        let sampled = self.recognizer.recognize_some(lines, &sample)?;
        let (latin, cjk) = script_counts(&sampled);
        let ascii = sampled
            .iter()
            .filter(|l| l.as_ref().is_some_and(|l| l.plain_ascii(KEEP_ASCII)))
            .count();
        for (&i, line) in sample.iter().zip(sampled) {
            all[i] = line;
        }
        let latin_sample = !cjk_page(latin, cjk);
        // The rest is read by the main recogniser where the page looks Latin, or where enough
        // of a CJK page's lines are plain ASCII that reading them all cheaply first and only
        // the others again costs less than reading all of them with the CJK recogniser.
        if latin_sample || ascii as f32 >= MIXED_SHARE * sample.len() as f32 {
            for (&i, line) in rest
                .iter()
                .zip(self.recognizer.recognize_some(lines, &rest)?)
            {
                all[i] = line;
            }
            let (latin, cjk) = script_counts(&all);
            if latin_sample && !cjk_page(latin, cjk) {
                return Ok((&self.recognizer, all));
            }
        }
        let again: Vec<usize> = (0..n)
            .filter(|&i| all[i].as_ref().is_none_or(|l| !l.plain_ascii(KEEP_ASCII)))
            .collect();
        tracing::debug!(
            lines = n,
            again = again.len(),
            "CJK page: read with the CJK recogniser"
        );
        for (&i, line) in again.iter().zip(cjk_reader.recognize_some(lines, &again)?) {
            all[i] = line;
        }
        Ok((cjk_reader, all))
    }

    /// Reads the doubtful lines the classifier flags as upside down once more, turned, and keeps
    /// that reading where the recogniser is clearly surer of it: the classifier alone turned
    /// good lines into garbage ("u)ewret (x)ere8t" for "lgamma(r) lgamma(n").
    fn turn_upside_down(
        &self,
        recognizer: &Recognizer,
        classifier: &LineOrientation,
        lines: &[LineImage],
        recognized: &mut [Option<RecLine>],
    ) -> Result<()> {
        // A line read upright with confidence is upright: only the others are looked at.
        let doubtful: Vec<usize> = (0..lines.len())
            .filter(|&i| {
                recognized[i]
                    .as_ref()
                    .is_none_or(|l| l.confidence < SURE_UPRIGHT)
            })
            .collect();
        if doubtful.is_empty() {
            return Ok(());
        }
        let images: Vec<&LineImage> = doubtful.iter().map(|&i| &lines[i]).collect();
        let flagged: Vec<usize> = classifier
            .upside_down(&images)?
            .into_iter()
            .zip(&doubtful)
            .filter_map(|(f, &i)| f.then_some(i))
            .collect();
        if flagged.is_empty() {
            return Ok(());
        }
        let turned: Vec<LineImage> = flagged.iter().map(|&i| lines[i].turned()).collect();
        let readings = recognizer.recognize(&turned)?;
        let mut kept = 0;
        for (&i, reading) in flagged.iter().zip(readings) {
            let upright = recognized[i].as_ref().map_or(0.0, |l| l.confidence);
            if reading
                .as_ref()
                .is_some_and(|r| r.confidence > upright + TURN_MARGIN)
            {
                recognized[i] = reading;
                kept += 1;
            }
        }
        tracing::debug!(
            flagged = flagged.len(),
            kept,
            "upside-down lines read both ways"
        );
        Ok(())
    }
}

/// Width at which the CJK recogniser reads a line, as a fraction of the line's own. PP-OCRv6
/// small read the tune part's 12 Japanese images better narrowed (mean CER 0.098 as they
/// are; 0.093, 0.092, 0.094, 0.100 at ¾, ⅔, 0.6, ½) and in less time (clean 150: CPU −13,
/// −20, −27 % at ¾, ⅔, 0.6). Latin lines read by the tiny recogniser only lose by it (a fifth
/// of the tune images, 44: CER 0.127 → 0.128 at 0.9, 0.130 at 0.8).
const CJK_NARROWING: f32 = 2.0 / 3.0;

/// Lines read first to tell a page's script.
const SCRIPT_SAMPLE: usize = 12;
/// Share of a CJK page's sampled lines read as plain ASCII above which all its lines are read
/// by the main recogniser first: at a fifth of the CJK recogniser's cost per line, that pays
/// when more than a fifth of the lines need nothing more.
const MIXED_SHARE: f32 = 0.25;

/// Confidence at which a line of a CJK page read as plain ASCII by the main recogniser keeps
/// that reading instead of being read again by the CJK one.
const KEEP_ASCII: f32 = 0.95;

/// Latin letters and CJK characters among the recognised lines.
fn script_counts(lines: &[Option<RecLine>]) -> (usize, usize) {
    lines
        .iter()
        .flatten()
        .map(RecLine::script)
        .fold((0, 0), |(a, b), (l, c)| (a + l, b + c))
}

/// A page is written in a CJK script when at least a quarter of its letters are CJK
/// characters (and there are a few lines' worth): an English page quoting a few ideographs
/// is not, a Japanese page with LaTeX commands in it is.
fn cjk_page(latin: usize, cjk: usize) -> bool {
    cjk >= 20 && 3 * cjk >= latin
}

/// How much surer the recogniser must be of a turned reading to keep it.
const TURN_MARGIN: f32 = 0.05;
/// A line read upright with at least this confidence is not checked for 180°.
const SURE_UPRIGHT: f32 = 0.9;

/// Small page skew (a scan fed in at an angle), measured from the detected lines and undone
/// around the page centre so lines come out level for the structure stage.
struct Deskew {
    cos: f32,
    sin: f32,
    centre: [f32; 2],
}

impl Deskew {
    /// The median angle of clearly horizontal lines, if it is between 0.2 and 10 degrees.
    fn estimate(quads: &[Quad], width: f32, height: f32) -> Self {
        let mut angles: Vec<f32> = quads
            .iter()
            .filter(|q| q.width() > 3.0 * q.height())
            .map(|q| {
                let [tl, tr, ..] = q.0;
                (tr[1] - tl[1]).atan2(tr[0] - tl[0])
            })
            .collect();
        angles.sort_by(f32::total_cmp);
        let angle = angles.get(angles.len() / 2).copied().unwrap_or(0.0);
        let angle = if (0.2f32.to_radians()..10f32.to_radians()).contains(&angle.abs()) {
            angle
        } else {
            0.0
        };
        Self::by(angle, width, height)
    }

    /// Levels a page whose lines rise by `angle` radians (y down).
    fn by(angle: f32, width: f32, height: f32) -> Self {
        Self {
            cos: (-angle).cos(),
            sin: (-angle).sin(),
            centre: [width / 2.0, height / 2.0],
        }
    }

    fn is_level(&self) -> bool {
        self.sin == 0.0
    }

    /// The page image levelled as [`Deskew::apply`] levels boxes (nearest pixel), `paper`
    /// (the page's tone) where the turn brings in what lay outside the image.
    fn image(&self, img: &RgbImage, paper: u8) -> RgbImage {
        let fill = ::image::Rgb([paper; 3]);
        let (w, h) = img.dimensions();
        let [cx, cy] = self.centre;
        // `apply` turns by −angle about the centre; each levelled pixel comes from +angle.
        let (cos, sin) = (self.cos, -self.sin);
        RgbImage::from_fn(w, h, |x, y| {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let (sx, sy) = (cx + dx * cos - dy * sin, cy + dx * sin + dy * cos);
            if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
                *img.get_pixel(sx as u32, sy as u32)
            } else {
                fill
            }
        })
    }

    fn apply(&self, q: &Quad) -> Quad {
        let [cx, cy] = self.centre;
        Quad(q.0.map(|[x, y]| {
            let (dx, dy) = (x - cx, y - cy);
            [
                cx + dx * self.cos - dy * self.sin,
                cy + dx * self.sin + dy * self.cos,
            ]
        }))
    }
}

/// How far a character's box reaches from its centre, in typical character pitches: wide
/// letters next to narrow ones still touch (CTC centres wander by a third of a pitch), a
/// gap of more than about 1.6 pitches shows.
const GLYPH_REACH: f32 = 0.8;

/// Places each recognised character on the line: boxes run from midpoint to midpoint between
/// neighbouring character centres, but no further from a centre than [`GLYPH_REACH`] times
/// the line's typical character pitch, so a wide gap inside a detected line (a column gutter
/// the detector bridged, the gap between a label and its value) stays a gap that the
/// structure stage splits at. Spaces become word breaks.
fn line_glyphs(
    quad: &Quad,
    line: &RecLine,
    scale: f32,
    back: &dyn Fn([f32; 2]) -> [f32; 2],
) -> Vec<Glyph> {
    let (origin, along, across) = quad.frame();
    let height = (across[0].powi(2) + across[1].powi(2)).sqrt() * scale;
    // The detector's box is grown around the ink; the font size is about 3/4 of it.
    let size = (height * 0.75).max(1.0);
    let centres: Vec<f32> = line.chars.iter().map(|c| c.at).collect();
    let n = centres.len();
    let mut pitches: Vec<f32> = centres.windows(2).map(|w| w[1] - w[0]).collect();
    let step = if pitches.is_empty() {
        0.5
    } else {
        let mid = pitches.len() / 2;
        *pitches.select_nth_unstable_by(mid, f32::total_cmp).1
    };
    let reach = GLYPH_REACH * step;
    let mut out = Vec::with_capacity(n);
    let mut space = false;
    for (i, ch) in line.chars.iter().enumerate() {
        if ch.text.trim().is_empty() {
            space = true;
            continue;
        }
        let left = if i == 0 {
            centres[0] - step / 2.0
        } else {
            ((centres[i - 1] + centres[i]) / 2.0).max(centres[i] - reach)
        };
        let right = if i + 1 == n {
            centres[i] + step / 2.0
        } else {
            ((centres[i] + centres[i + 1]) / 2.0).min(centres[i] + reach)
        };
        let (left, right) = (left.clamp(0.0, 1.0), right.clamp(0.0, 1.0));
        let at = |f: f32, g: f32| {
            let [x, y] = back([
                origin[0] + along[0] * f + across[0] * g,
                origin[1] + along[1] * f + across[1] * g,
            ]);
            [x * scale, y * scale]
        };
        let corners = [at(left, 0.0), at(right, 0.0), at(right, 1.0), at(left, 1.0)];
        let bbox = Quad(corners).bounds();
        for c in ch.text.chars() {
            out.push(Glyph {
                c,
                bbox,
                size,
                style: GlyphStyle::default(),
                font: 0,
                space_before: std::mem::take(&mut space),
                estimated: true,
                turn: 0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{cjk_page, line_glyphs, rulings, Deskew, Quad};
    use crate::ocr::rec::{RecChar, RecLine};

    #[test]
    fn a_skewed_page_has_its_rules_read_level() {
        // A 150-dpi page with a 2-px rule 900 px long rising by 1.5°: 24 px from end to end,
        // no straight run of pixels as long as a rule.
        let angle = -1.5f32.to_radians();
        let img = ::image::RgbImage::from_fn(1200, 1600, |x, y| {
            let on_rule = (150..1050).contains(&x) && {
                let centre = 800.0 + (x as f32 - 600.0) * angle.tan();
                (y as f32 - centre).abs() <= 1.0
            };
            ::image::Rgb(if on_rule { [20; 3] } else { [245; 3] })
        });
        let ppp = 72.0 / 150.0;
        assert!(rulings::horizontal(&img, 245, ppp).is_empty());
        let level = Deskew::by(angle, 1200.0, 1600.0);
        let rules = rulings::horizontal(&level.image(&img, 245), 245, ppp);
        assert_eq!(rules.len(), 1, "{rules:?}");
        let [x0, y0, x1, _] = rules[0];
        assert!((x1 - x0 - 900.0 * ppp).abs() < 4.0, "{x0} {x1}");
        // Levelled about the page centre, through which the rule passes: it stays at 800 px.
        assert!((y0 - 800.0 * ppp).abs() < 2.0, "{y0}");
    }

    #[test]
    fn a_gap_inside_a_detected_line_stays_a_gap() {
        // "ab" and "cd" on one 400 x 20 px line, 12 px per character, 240 px apart: a label
        // and its value the detector read as one line.
        let at = [0.10, 0.13, 0.73, 0.76];
        let line = RecLine {
            chars: "abcd"
                .chars()
                .zip(at)
                .map(|(c, at)| RecChar {
                    text: c.to_string(),
                    at,
                    latin: None,
                })
                .collect(),
            confidence: 0.9,
        };
        let quad = Quad([[0.0, 0.0], [400.0, 0.0], [400.0, 20.0], [0.0, 20.0]]);
        let glyphs = line_glyphs(&quad, &line, 1.0, &|p| p);
        let (b, c) = (glyphs[1].bbox, glyphs[2].bbox);
        // Each box reaches 0.8 pitch (9.6 px) from its centre, not halfway across the gap.
        assert!(b[2] <= 52.0 + 9.7, "{b:?}");
        assert!(c[0] >= 292.0 - 9.7, "{c:?}");
        assert!(c[0] - b[2] > 200.0);
        // Neighbours within a word still touch.
        assert!((glyphs[1].bbox[0] - glyphs[0].bbox[2]).abs() < 1e-3);
    }

    #[test]
    fn a_page_is_cjk_when_a_quarter_of_its_letters_are() {
        // Counts as the tiny recogniser gave them: jlreq.ja p5 at 300 dpi (Han read for kana
        // included), an English manual page quoting a few ideographs, a short label.
        assert!(cjk_page(180, 533));
        assert!(cjk_page(300, 100));
        assert!(!cjk_page(1800, 8));
        assert!(!cjk_page(400, 130));
        assert!(!cjk_page(0, 12));
    }
}
