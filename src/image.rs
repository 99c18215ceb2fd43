//! Raster input: PNG, JPEG, TIFF (every page of a multi-page file), WebP and BMP, decoded with
//! the `image` and `tiff` crates into pages with pixel size, resolution and EXIF orientation.
//!
//! Pages are decoded one at a time and handed to a callback, so a long multi-page TIFF never
//! holds more than one page's pixels.

use crate::document::ImageInfo;
use crate::error::{Error, Result};
use crate::source::MediaType;
use ::image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;

/// Largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 30_000;
/// Largest decoded size accepted, in bytes.
pub const MAX_ALLOC: u64 = 1 << 30;

/// One page of an image file.
#[derive(Debug, Clone)]
pub struct ImagePage {
    pub info: ImageInfo,
}

impl ImagePage {
    /// Page size in points: pixels at the image's DPI.
    pub fn size_points(&self) -> (f32, f32) {
        let [dx, dy] = self.info.dpi;
        (
            self.info.pixel_width as f32 * 72.0 / dx,
            self.info.pixel_height as f32 * 72.0 / dy,
        )
    }
}

/// Decodes every page of an image file in turn and hands it, with its pixels, to `each`.
/// Returns the number of pages.
pub fn for_each_page(
    bytes: &[u8],
    media_type: MediaType,
    mut each: impl FnMut(ImagePage, RgbImage) -> Result<()>,
) -> Result<usize> {
    match media_type {
        MediaType::Tiff => tiff_pages(bytes, &mut each),
        MediaType::Png => single(bytes, ImageFormat::Png, png_dpi(bytes), &mut each),
        MediaType::Jpeg => single(bytes, ImageFormat::Jpeg, jpeg_dpi(bytes), &mut each),
        MediaType::Bmp => single(bytes, ImageFormat::Bmp, bmp_dpi(bytes), &mut each),
        MediaType::Webp => single(bytes, ImageFormat::WebP, None, &mut each),
        MediaType::Pdf => Err(Error::BadImage("a PDF is not an image".into())),
    }
}

type Each<'a> = &'a mut dyn FnMut(ImagePage, RgbImage) -> Result<()>;

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_ALLOC);
    l
}

fn single(bytes: &[u8], format: ImageFormat, dpi: Option<[f32; 2]>, each: Each) -> Result<usize> {
    let bad = |e: ::image::ImageError| Error::BadImage(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(bad)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(::image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(bad)?;
    img.apply_orientation(orientation);
    each(page(img.width(), img.height(), dpi), img.into_rgb8())?;
    Ok(1)
}

fn page(width: u32, height: u32, dpi: Option<[f32; 2]>) -> ImagePage {
    let valid = dpi.filter(|[x, y]| (10.0..=10_000.0).contains(x) && (10.0..=10_000.0).contains(y));
    let paper = valid.is_none().then(|| paper_size(width, height)).flatten();
    let dpi = valid.or(paper.map(|(_, d)| [d, d])).unwrap_or([72.0, 72.0]);
    ImagePage {
        info: ImageInfo {
            pixel_width: width,
            pixel_height: height,
            dpi,
            dpi_from_file: valid.is_some(),
            paper: paper.map(|(name, _)| name.to_string()),
        },
    }
}

/// Paper sizes a page scan without a resolution is matched against: name, sides in inches,
/// and whether it is scanned often enough to be looked for askew too (each skewed shape
/// allowed makes more odd page sizes look like paper). ISO A and B sizes share one shape
/// (1 : √2): A4 stands for them all.
const PAPER: &[(&str, f32, f32, bool)] = &[
    ("a4", 8.268, 11.693, true),
    ("letter", 8.5, 11.0, true),
    ("legal", 8.5, 14.0, false),
    ("tabloid", 11.0, 17.0, false),
];
/// A scan fed in askew may be this many degrees off, on a canvas grown to hold it.
const PAPER_MAX_SKEW_DEG: f32 = 3.0;
/// How far an image's shape may stray from the paper's (turned by its skew): pixel
/// rounding and a scanner's crop. A 4 : 3 photo is no paper: Letter would need it 3 % longer,
/// and A4 turned by 3° is still 1.3 % longer.
const PAPER_SHAPE_TOLERANCE: f32 = 0.01;
/// Resolutions a page is plausibly scanned or rendered at.
const PAPER_DPI: std::ops::RangeInclusive<f32> = 50.0..=1200.0;
/// Common resolutions an estimate within 2 % is taken to be.
const COMMON_DPI: &[f32] = &[72.0, 96.0, 100.0, 150.0, 200.0, 240.0, 300.0, 400.0, 600.0];

/// The paper size a page image of `width` × `height` pixels has the shape of, and the
/// resolution that makes it that size. Without it a 300-dpi scan would be read as a page
/// four times too large, and every measure in points (gaps, alignment, margins) with it.
/// A page turned by θ on a canvas grown to hold it is `s·cos θ + l·sin θ` by
/// `s·sin θ + l·cos θ`: the skew that best explains the shape is searched in 0.1° steps.
fn paper_size(width: u32, height: u32) -> Option<(&'static str, f32)> {
    let (short, long) = (width.min(height) as f32, width.max(height) as f32);
    if short < 1.0 {
        return None;
    }
    let shape = short / long;
    let steps = (PAPER_MAX_SKEW_DEG * 10.0) as u32;
    let (error, name, dpi) = PAPER
        .iter()
        .flat_map(|&(name, s, l, askew)| {
            (0..=if askew { steps } else { 0 }).map(move |tenth| {
                let (sin, cos) = (tenth as f32 / 10.0).to_radians().sin_cos();
                let (across, along) = (s * cos + l * sin, s * sin + l * cos);
                let error = (shape / (across / along) - 1.0).abs();
                (error, name, long / along)
            })
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    if error > PAPER_SHAPE_TOLERANCE || !PAPER_DPI.contains(&dpi) {
        return None;
    }
    let dpi = COMMON_DPI
        .iter()
        .copied()
        .find(|c| (dpi / c - 1.0).abs() <= 0.02)
        .unwrap_or(dpi);
    Some((name, dpi))
}

fn tiff_pages(bytes: &[u8], each: Each) -> Result<usize> {
    use tiff::decoder::{ifd::Value, Decoder};
    use tiff::tags::Tag;
    let bad = |e: tiff::TiffError| Error::BadImage(e.to_string());
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = MAX_ALLOC as usize;
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(bad)?
        .with_limits(limits);
    let mut count = 0;
    loop {
        let (w, h) = decoder.dimensions().map_err(bad)?;
        if w > MAX_SIDE || h > MAX_SIDE {
            return Err(Error::BadImage(format!(
                "page {} is {w}×{h} pixels, over {MAX_SIDE}",
                count + 1
            )));
        }
        let rational = |v: Option<Value>| match v {
            Some(Value::Rational(n, d)) if d != 0 => Some(n as f32 / d as f32),
            Some(Value::Unsigned(n)) => Some(n as f32),
            _ => None,
        };
        let xres = rational(decoder.find_tag(Tag::XResolution).ok().flatten());
        let yres = rational(decoder.find_tag(Tag::YResolution).ok().flatten());
        let unit = decoder
            .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
            .ok()
            .flatten()
            .unwrap_or(2);
        let scale = match unit {
            3 => Some(2.54),
            2 => Some(1.0),
            _ => None,
        };
        let dpi = match (xres, yres, scale) {
            (Some(x), Some(y), Some(s)) => Some([x * s, y * s]),
            (Some(x), None, Some(s)) => Some([x * s, x * s]),
            _ => None,
        };
        let color = decoder.colortype().map_err(bad)?;
        let data = decoder.read_image().map_err(bad)?;
        let pixels = tiff_rgb(data, color, w, h).ok_or_else(|| {
            Error::BadImage(format!(
                "page {}: unsupported TIFF colour type {color:?}",
                count + 1
            ))
        })?;
        count += 1;
        each(page(w, h, dpi), pixels)?;
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(bad)?;
    }
    Ok(count)
}

/// 8-bit grey, grey+alpha, RGB and RGBA (and 16-bit, scaled down) TIFF pixels as RGB.
fn tiff_rgb(
    data: tiff::decoder::DecodingResult,
    color: tiff::ColorType,
    w: u32,
    h: u32,
) -> Option<RgbImage> {
    use tiff::decoder::DecodingResult;
    let samples: Vec<u8> = match data {
        DecodingResult::U8(v) => v,
        DecodingResult::U16(v) => v.into_iter().map(|x| (x >> 8) as u8).collect(),
        _ => return None,
    };
    let channels = match color {
        tiff::ColorType::Gray(_) => 1,
        tiff::ColorType::GrayA(_) => 2,
        tiff::ColorType::RGB(_) => 3,
        tiff::ColorType::RGBA(_) => 4,
        _ => return None,
    };
    let n = (w as usize) * (h as usize);
    if samples.len() < n * channels {
        return None;
    }
    let mut rgb = Vec::with_capacity(n * 3);
    for px in samples.chunks_exact(channels).take(n) {
        match channels {
            1 | 2 => rgb.extend([px[0], px[0], px[0]]),
            _ => rgb.extend([px[0], px[1], px[2]]),
        }
    }
    RgbImage::from_raw(w, h, rgb)
}

/// PNG `pHYs` chunk (pixels per metre).
fn png_dpi(bytes: &[u8]) -> Option<[f32; 2]> {
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = bytes.get(at + 4..at + 8)?;
        if kind == b"pHYs" {
            let d = bytes.get(at + 8..at + 17)?;
            let x = u32::from_be_bytes(d[0..4].try_into().ok()?) as f32;
            let y = u32::from_be_bytes(d[4..8].try_into().ok()?) as f32;
            return (d[8] == 1).then_some([x * 0.0254, y * 0.0254]);
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return None;
        }
        at = at.checked_add(12)?.checked_add(len)?;
    }
    None
}

/// JPEG JFIF `APP0` density.
fn jpeg_dpi(bytes: &[u8]) -> Option<[f32; 2]> {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xff {
            return None;
        }
        let marker = bytes[at + 1];
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        if marker == 0xe0 {
            let d = bytes.get(at + 4..at + 4 + len.saturating_sub(2))?;
            if d.len() >= 12 && &d[..5] == b"JFIF\0" {
                let unit = d[7];
                let x = u16::from_be_bytes([d[8], d[9]]) as f32;
                let y = u16::from_be_bytes([d[10], d[11]]) as f32;
                return match unit {
                    1 => Some([x, y]),
                    2 => Some([x * 2.54, y * 2.54]),
                    _ => None,
                };
            }
        }
        if marker == 0xda {
            return None;
        }
        at += 2 + len;
    }
    None
}

/// BMP info header pixels per metre.
fn bmp_dpi(bytes: &[u8]) -> Option<[f32; 2]> {
    let x = i32::from_le_bytes(bytes.get(38..42)?.try_into().ok()?);
    let y = i32::from_le_bytes(bytes.get(42..46)?.try_into().ok()?);
    (x > 0 && y > 0).then_some([x as f32 * 0.0254, y as f32 * 0.0254])
}
