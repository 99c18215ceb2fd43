//! Images are sniffed by content and decoded into pages with pixel size and resolution.

mod common;
use common::*;

/// Geometry only: OCR is off here (tests/ocr.rs reads the text).
fn pages(file: &str) -> Vec<serde_json::Value> {
    let doc = extract_json(&fixture(file), &["--ocr", "never"]);
    doc["pages"].as_array().expect("pages").clone()
}

fn check(page: &serde_json::Value, px: (u64, u64), dpi: f64, from_file: bool) {
    let img = &page["image"];
    assert_eq!(img["pixel_width"], px.0, "{page}");
    assert_eq!(img["pixel_height"], px.1, "{page}");
    assert_eq!(img["dpi_from_file"], from_file, "{page}");
    let got = img["dpi"][0].as_f64().expect("dpi");
    assert!((got - dpi).abs() < 0.1, "dpi {got} != {dpi}");
    // Page size in points = pixels at the image's DPI.
    let width = page["width"].as_f64().expect("width");
    assert!((width - px.0 as f64 * 72.0 / got).abs() < 0.1, "{page}");
    assert_eq!(page["text_source"], "none");
}

#[test]
fn png_with_dpi() {
    let p = pages("images/reportlab-userguide_p0044_150dpi.png");
    assert_eq!(p.len(), 1);
    check(&p[0], (1241, 1754), 149.987, true);
}

#[test]
fn jpeg_with_jfif_density() {
    let p = pages("images/maximabook_p0051_150dpi.jpg");
    check(&p[0], (1275, 1650), 150.0, true);
}

#[test]
fn multi_page_tiff() {
    let p = pages("images/two_pages_150dpi.tiff");
    assert_eq!(p.len(), 2);
    check(&p[0], (1240, 1755), 150.0, true);
    check(&p[1], (1241, 1754), 150.0, true);
    assert_eq!(p[1]["number"], 2);
    let only_second = extract_json(
        &fixture("images/two_pages_150dpi.tiff"),
        &["--pages", "2", "--ocr", "never"],
    );
    assert_eq!(only_second["pages"].as_array().map(Vec::len), Some(1));
    assert_eq!(only_second["metadata"]["page_count"], 2);
}

#[test]
fn webp_without_dpi_is_read_as_the_paper_its_shape_matches() {
    // 1,275 × 1,650 px is US Letter at 150 dpi: the page is 612 × 792 pt, not 1,275 × 1,650.
    let p = pages("images/amc-sample-exam_p0010_150dpi.webp");
    check(&p[0], (1275, 1650), 150.0, false);
    assert_eq!(p[0]["image"]["paper"], "letter");
}

/// Writes a blank `w` × `h` PNG without a resolution to a temporary file.
fn blank_png(name: &str, w: u32, h: u32) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("folio-{}-{name}.png", std::process::id()));
    image::RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]))
        .save(&path)
        .expect("write png");
    path
}

#[test]
fn images_without_dpi_get_a_paper_size_only_where_their_shape_fits() {
    for (name, (w, h), dpi, paper) in [
        // A4 at 300 dpi, and the same page rotated 2° onto a larger canvas.
        ("a4", (2481, 3508), 300.0, Some("a4")),
        ("a4-skewed", (2602, 3592), 300.0, Some("a4")),
        ("legal-landscape", (1400, 850), 100.0, Some("legal")),
        // A slide and a 4:3 photo are no paper: 72 dpi assumed.
        ("slide", (1280, 720), 72.0, None),
        ("photo", (4032, 3024), 72.0, None),
        // A thumbnail of A4 shape would be 20 dpi: not a scan.
        ("thumbnail", (170, 240), 72.0, None),
    ] {
        let path = blank_png(name, w, h);
        let doc = extract_json(&path, &["--ocr", "never"]);
        let _ = std::fs::remove_file(&path);
        let page = &doc["pages"][0];
        let got = page["image"]["dpi"][0].as_f64().expect("dpi");
        assert!((got - dpi).abs() < 0.5, "{name}: dpi {got} != {dpi}");
        assert_eq!(page["image"]["dpi_from_file"], false, "{name}");
        assert_eq!(page["image"]["paper"].as_str(), paper, "{name}");
    }
}

#[test]
fn bmp_with_pixels_per_metre() {
    let p = pages("images/bfh-beamer-slides_p0001_100dpi.bmp");
    check(&p[0], (630, 355), 100.0, true);
}

#[test]
fn media_types_are_sniffed() {
    for (file, mime) in [
        ("images/reportlab-userguide_p0044_150dpi.png", "image/png"),
        ("images/maximabook_p0051_150dpi.jpg", "image/jpeg"),
        ("images/two_pages_150dpi.tiff", "image/tiff"),
        ("images/amc-sample-exam_p0010_150dpi.webp", "image/webp"),
        ("images/bfh-beamer-slides_p0001_100dpi.bmp", "image/bmp"),
    ] {
        let doc = extract_json(&fixture(file), &["--ocr", "never"]);
        assert_eq!(doc["source"]["media_type"], mime, "{file}");
    }
}
