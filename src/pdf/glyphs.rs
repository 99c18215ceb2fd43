//! One page's text layer as [`Glyph`]s in page-display coordinates (points, origin top-left,
//! rotation applied), in the order pdfium reports them.

use crate::document::BBox;
use crate::error::{Error, Result};
use pdfium_render::prelude::*;

/// Typographic flags of a glyph's font.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GlyphStyle {
    pub bold: bool,
    pub italic: bool,
    pub mono: bool,
    /// A math font (TeX's math italic, symbols and extension fonts, OpenType math fonts).
    pub math: bool,
}

/// One character of the text layer.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    pub c: char,
    pub bbox: BBox,
    /// Effective font size in points.
    pub size: f32,
    pub style: GlyphStyle,
    /// Index of the font in [`RawPage::fonts`].
    pub font: u16,
    /// A whitespace or line break (real or inserted by pdfium) precedes this glyph.
    pub space_before: bool,
    /// The box is estimated (OCR), not exact: gaps between boxes say less about spaces.
    pub estimated: bool,
    /// Quarter turns the glyph is drawn at, counter-clockwise: 0 upright, 1 read upwards,
    /// 2 upside down, 3 read downwards (a table's rotated column headers, a margin stamp).
    pub turn: u8,
}

impl Glyph {
    /// Drawn a quarter turn from upright (read upwards or downwards).
    pub fn is_turned(&self) -> bool {
        self.turn % 2 == 1
    }
}

/// Quarter turns counter-clockwise of a glyph whose angle pdfium gives as `degrees`, which it
/// measures clockwise (text rotated to read upwards comes back as 270).
fn quarter_turns(degrees: f32) -> u8 {
    if !degrees.is_finite() {
        return 0;
    }
    ((-degrees / 90.0).round().rem_euclid(4.0)) as u8
}

#[cfg(test)]
impl Glyph {
    /// One line of text for unit tests: glyphs from `(x, y)`, 10 pt, 5 pt per character, a
    /// space before each word.
    pub fn line(text: &str, x: f32, y: f32) -> Vec<Self> {
        text.chars()
            .enumerate()
            .filter(|(_, c)| *c != ' ')
            .map(|(i, c)| {
                let x0 = x + 5.0 * i as f32;
                let mut g = Glyph::sample(c, [x0, y, x0 + 4.5, y + 10.0], 10.0, false);
                g.space_before = i > 0 && text.chars().nth(i - 1) == Some(' ');
                g
            })
            .collect()
    }

    /// A glyph for unit tests: `c` in `bbox`, set in `size` points, in a math font or not.
    pub fn sample(c: char, bbox: BBox, size: f32, math: bool) -> Self {
        Glyph {
            c,
            bbox,
            size,
            style: GlyphStyle {
                math,
                ..GlyphStyle::default()
            },
            font: 0,
            space_before: false,
            estimated: false,
            turn: 0,
        }
    }
}

#[cfg(test)]
impl RawPage {
    /// A US Letter page of `glyphs` for unit tests, its text in one font ("Body").
    pub fn sample(number: u32, glyphs: Vec<Glyph>) -> Self {
        RawPage {
            number,
            width: 612.0,
            height: 792.0,
            rotation: 0,
            glyphs,
            fonts: vec!["Body".into()],
            unmapped: 0,
            has_images: false,
            image_regions: Vec::new(),
            image_cover: 0.0,
            rulings: Vec::new(),
        }
    }
}

/// A page's geometry and text layer, before any structure.
#[derive(Debug, Clone)]
pub struct RawPage {
    pub number: u32,
    pub width: f32,
    pub height: f32,
    pub rotation: u16,
    pub glyphs: Vec<Glyph>,
    /// Font names, indexed by [`Glyph::font`].
    pub fonts: Vec<String>,
    /// Characters pdfium could not map to Unicode (U+FFFD, private use, controls).
    pub unmapped: usize,
    /// The page draws images (or forms that may hold them): pixels that OCR could read.
    /// Only looked at on pages with (almost) no text layer, or when image regions are wanted.
    pub has_images: bool,
    /// Boxes of sizeable images with no text layer over them (display coordinates), when asked
    /// for: candidates for OCR on a page that otherwise has text.
    pub image_regions: Vec<BBox>,
    /// Share of the page covered by its largest image (pages with sparse text only): a scan
    /// with a few stamped words is still a scan.
    pub image_cover: f32,
    /// Horizontal and vertical rules drawn on the page (table borders), when asked for.
    pub rulings: Vec<super::rulings::Ruling>,
}

/// What to read of a page besides its text layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageRead {
    /// Sizeable images with no text over them (candidates for OCR on a text page).
    pub image_regions: bool,
    /// Ruling lines (for table structure).
    pub rulings: bool,
}

/// Maps user-space points to display space: crop-box origin, y flipped, rotation applied.
pub(super) struct Frame {
    left: f32,
    top: f32,
    w0: f32,
    h0: f32,
    rotation: u16,
}

impl Frame {
    pub(super) fn point(&self, x: f32, y: f32) -> (f32, f32) {
        let (u, v) = (x - self.left, self.top - y);
        match self.rotation {
            90 => (self.h0 - v, u),
            180 => (self.w0 - u, self.h0 - v),
            270 => (v, self.w0 - u),
            _ => (u, v),
        }
    }

    fn rect(&self, r: &PdfRect) -> BBox {
        let (ax, ay) = self.point(r.left().value, r.top().value);
        let (bx, by) = self.point(r.right().value, r.bottom().value);
        [ax.min(bx), ay.min(by), ax.max(bx), ay.max(by)]
    }

    fn display_size(&self) -> (f32, f32) {
        if self.rotation % 180 == 90 {
            (self.h0, self.w0)
        } else {
            (self.w0, self.h0)
        }
    }
}

/// Smallest image region worth OCR, as a fraction of the page area.
const MIN_REGION_AREA: f32 = 0.03;
/// Pages with fewer glyphs than this have their images looked at.
const SPARSE_TEXT: usize = 200;

pub(super) fn read_page(page: &PdfPage, number: u32, want: PageRead) -> Result<RawPage> {
    let want_regions = want.image_regions;
    let rotation = match page.rotation() {
        Ok(PdfPageRenderRotation::Degrees90) => 90,
        Ok(PdfPageRenderRotation::Degrees180) => 180,
        Ok(PdfPageRenderRotation::Degrees270) => 270,
        _ => 0,
    };
    let bounds = page
        .boundaries()
        .crop()
        .or_else(|_| page.boundaries().media())
        .map(|b| b.bounds)
        .ok();
    let frame = match bounds {
        Some(b) => Frame {
            left: b.left().value,
            top: b.top().value,
            w0: (b.right().value - b.left().value).abs(),
            h0: (b.top().value - b.bottom().value).abs(),
            rotation,
        },
        None => {
            let (w, h) = (page.width().value, page.height().value);
            let (w0, h0) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
            Frame {
                left: 0.0,
                top: h0,
                w0,
                h0,
                rotation,
            }
        }
    };
    let (width, height) = frame.display_size();
    let text = page
        .text()
        .map_err(|e| Error::BadPdf(format!("page {number}: text layer unreadable: {e}")))?;

    let mut glyphs = Vec::new();
    let mut fonts: Vec<String> = Vec::new();
    let mut styles: Vec<GlyphStyle> = Vec::new();
    let mut unmapped = 0;
    let mut space_pending = false;
    // Per font: TeX's math extension font, whose big operators come through as letters.
    let mut extension: Vec<bool> = Vec::new();
    for ch in text.chars().iter() {
        let Some(mut c) = ch.unicode_char() else {
            unmapped += 1;
            continue;
        };
        // pdfium reports a hyphen that ends a line as U+0002; a soft hyphen is only drawn there.
        if c == '\u{2}' || c == '\u{ad}' {
            c = '-';
        }
        if c.is_whitespace() || c == '\u{0}' {
            space_pending = true;
            continue;
        }
        if c == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(&c) || c.is_control() {
            unmapped += 1;
            continue;
        }
        let Ok(rect) = ch.loose_bounds() else {
            continue;
        };
        let bbox = frame.rect(&rect);
        // Text outside the visible page (clipped away by the crop box) is not content; a
        // degenerate page box clips nothing.
        let clipped = width >= 1.0 && height >= 1.0;
        if clipped && (bbox[2] < 0.0 || bbox[0] > width || bbox[3] < 0.0 || bbox[1] > height) {
            continue;
        }
        if !bbox.iter().all(|v| v.is_finite())
            || bbox[2] - bbox[0] <= 0.0 && bbox[3] - bbox[1] <= 0.0
        {
            continue;
        }
        let name = ch.font_name();
        let font = match fonts.iter().rposition(|f| *f == name) {
            Some(i) => i,
            None => {
                styles.push(style_of(&name, &ch));
                extension.push(name.to_lowercase().contains("cmex"));
                fonts.push(name);
                fonts.len() - 1
            }
        };
        if extension[font] {
            c = big_operator(c);
        }
        let mut size = ch.scaled_font_size().value.abs();
        if !(0.5..=2000.0).contains(&size) {
            size = ch.unscaled_font_size().value.abs();
        }
        if !(0.5..=2000.0).contains(&size) {
            size = (bbox[3] - bbox[1]).min(bbox[2] - bbox[0]).max(1.0);
        }
        glyphs.push(Glyph {
            c,
            bbox,
            size,
            style: styles[font],
            font: font.min(u16::MAX as usize) as u16,
            space_before: std::mem::take(&mut space_pending),
            estimated: false,
            turn: ch.angle_degrees().map_or(0, quarter_turns),
        });
    }
    let (mut has_images, mut image_regions) = (false, Vec::new());
    if glyphs.len() < SPARSE_TEXT || want_regions {
        for object in page.objects().iter() {
            match object.object_type() {
                PdfPageObjectType::Image => {
                    has_images = true;
                    if let Ok(quad) = object.bounds() {
                        image_regions.push(frame.rect(&quad.to_rect()));
                    }
                }
                PdfPageObjectType::XObjectForm | PdfPageObjectType::Shading => has_images = true,
                _ => {}
            }
        }
    }
    let page_area = (width * height).max(1.0);
    let image_cover = image_regions
        .iter()
        .map(|r: &BBox| {
            ((r[2].min(width) - r[0].max(0.0)).max(0.0)
                * (r[3].min(height) - r[1].max(0.0)).max(0.0))
                / page_area
        })
        .fold(0.0f32, f32::max);
    if !want_regions {
        image_regions.clear();
    }
    image_regions.retain(|r| {
        let area = (r[2] - r[0]) * (r[3] - r[1]);
        let covered = glyphs.iter().filter(|g| {
            let (cx, cy) = ((g.bbox[0] + g.bbox[2]) / 2.0, (g.bbox[1] + g.bbox[3]) / 2.0);
            cx >= r[0] && cx <= r[2] && cy >= r[1] && cy <= r[3]
        });
        area >= MIN_REGION_AREA * page_area && covered.count() < 3
    });
    Ok(RawPage {
        number,
        width,
        height,
        rotation,
        glyphs,
        fonts,
        unmapped,
        has_images,
        image_regions,
        image_cover,
        rulings: if want.rulings {
            super::rulings::read(page, &frame)
        } else {
            Vec::new()
        },
    })
}

/// Bold, italic and monospace from the font's name, weight and descriptor flags. TeX and
/// other embedded fonts rarely set the flags, so the name decides most cases.
/// TeX's math extension font (cmex) carries no Unicode map in many PDFs, so its big
/// operators read as the letters at their code points ("Z" for a display ∫, "P" for ∑).
fn big_operator(c: char) -> char {
    match c {
        'H' | 'I' => '∮',
        'J' | 'K' => '⨀',
        'L' | 'M' => '⨁',
        'N' | 'O' => '⨂',
        'P' | 'X' => '∑',
        'Q' | 'Y' => '∏',
        'R' | 'Z' => '∫',
        'S' | '[' => '⋃',
        'T' | '\\' => '⋂',
        'U' | ']' => '⨄',
        'V' | '^' => '⋀',
        'W' | '_' => '⋁',
        '`' | 'a' => '∐',
        'p' | 'q' | 'r' | 's' => '√',
        other => other,
    }
}

fn style_of(name: &str, ch: &PdfPageTextChar) -> GlyphStyle {
    let base = name.rsplit('+').next().unwrap_or(name).to_ascii_lowercase();
    let has = |keys: &[&str]| keys.iter().any(|k| base.contains(k));
    let weight_bold = matches!(
        ch.font_weight(),
        Some(
            PdfFontWeight::Weight600
                | PdfFontWeight::Weight700Bold
                | PdfFontWeight::Weight800
                | PdfFontWeight::Weight900
        )
    );
    GlyphStyle {
        bold: weight_bold
            || has(&[
                "bold", "black", "heavy", "semibold", "demi", "cmbx", "cmb10", "-bd", "bx10",
                "bx12",
            ]),
        italic: ch.font_is_italic() || has(&["italic", "oblique", "cmti", "cmsl", "-it"]),
        mono: ch.font_is_fixed_pitch()
            || has(&[
                "mono",
                "courier",
                "cmtt",
                "typewriter",
                "consol",
                "menlo",
                "inconsolata",
                "sftt",
                "lmtt",
                "txtt",
                "beramono",
                "dejavusansm",
            ]),
        math: has(&[
            "cmmi", "cmsy", "cmex", "cmbsy", "msam", "msbm", "lmmi", "lmsy", "lmex", "txmi",
            "txsy", "txex", "pxmi", "pxsy", "pxex", "eufm", "rsfs", "stixmath", "math", "symbol",
        ]),
    }
}
