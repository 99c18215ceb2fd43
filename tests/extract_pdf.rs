//! `folio extract` on real PDFs from the corpus: text, order, structure, formats.

mod common;
use common::*;
use serde_json::Value;

const R_DATA: &str = "docs/R-data.pdf";
const REVTEX: &str = "docs/revtex-apssamp.pdf";
const AMC_MANUAL: &str = "docs/amc-manual.fr.pdf";

#[test]
fn known_sentences_come_out_in_order() {
    let text = collapse(&extract_as(&fixture(R_DATA), "text", &["--pages", "7"]));
    let sentences = [
        "Reading data into a statistical system for analysis and exporting the results to some other system for report writing can be frustrating tasks that can take far more time than the statistical analysis itself, even though most readers will find the latter far more appealing.",
        "Unless otherwise stated, everything described in this manual is (at least in principle) available on all platforms running R.",
        "The easiest form of data to import into R is a simple text file, and this will often be acceptable for problems of small or medium scale.",
    ];
    let positions: Vec<usize> = sentences
        .iter()
        .map(|s| {
            text.find(s)
                .unwrap_or_else(|| panic!("missing sentence: {s}\nin: {text}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order: {positions:?}"
    );
}

#[test]
fn manual_headings_have_levels_and_parents() {
    let doc = extract_json(&fixture(R_DATA), &[]);
    let expected = [
        (7, "1 Introduction", 1),
        (7, "1.1 Imports", 2),
        (8, "1.1.1 Encodings", 3),
        (8, "1.2 Export to text files", 2),
        (21, "4 Relational databases", 1),
        (21, "4.1 Why use a database?", 2),
        (22, "4.2.1 SQL queries", 3),
    ];
    for (page, text, level) in expected {
        let b = block_with_text(&doc, page, text)
            .unwrap_or_else(|| panic!("no block '{text}' on page {page}"));
        assert_eq!(b["kind"], "section_header", "{text}");
        assert_eq!(b["level"], level, "{text}");
    }
    // The section tree: 1.1.1 sits under 1.1, which sits under 1.
    let id_of = |page, text| block_with_text(&doc, page, text).map(|b| b["id"].clone());
    let encodings = block_with_text(&doc, 8, "1.1.1 Encodings").expect("1.1.1");
    assert_eq!(Some(encodings["parent"].clone()), id_of(7, "1.1 Imports"));
    let imports = block_with_text(&doc, 7, "1.1 Imports").expect("1.1");
    assert_eq!(Some(imports["parent"].clone()), id_of(7, "1 Introduction"));
    // Printed R output in monospace is code, not a run of numbered headings.
    for b in blocks(&doc).iter().filter(|b| b["page"] == 27) {
        let t = b["text"].as_str().unwrap_or("");
        if t.contains("Colorado") {
            assert_ne!(b["kind"], "section_header", "{t}");
        }
    }
}

#[test]
fn two_column_paper_reads_left_column_first() {
    let text = collapse(&extract_as(&fixture(REVTEX), "text", &["--pages", "2"]));
    let left = text
        .find("note that optional arguments to the key change the")
        .expect("left column's last paragraph");
    let right = text
        .find("By default, citations are numerical")
        .expect("right column's first sentence");
    assert!(left < right, "right column came first");
    // "reference" is hyphenated across two lines in the PDF; it comes out whole.
    assert!(
        text.contains("the key change the reference in the bibliography"),
        "{text}"
    );
}

#[test]
fn running_headers_and_footers_are_flagged() {
    let doc = extract_json(&fixture(R_DATA), &[]);
    for page in 8..=11 {
        let b = block_with_text(&doc, page, "Chapter 1: Introduction").expect("running header");
        assert_eq!(b["kind"], "page_header", "page {page}");
    }
    let quantum = extract_json(&fixture("docs/quantum-template.pdf"), &[]);
    let footer =
        "Accepted in Quantum 2017-05-09, click title to verify. Published under CC-BY 4.0.";
    for page in 1..=5 {
        let b = blocks(&quantum)
            .iter()
            .find(|b| {
                b["page"] == page && collapse(b["text"].as_str().unwrap_or("")).contains(footer)
            })
            .unwrap_or_else(|| panic!("footer missing on page {page}"));
        assert_eq!(b["kind"], "page_footer", "page {page}");
    }
    // Markdown and text leave page furniture out, unless asked for everything on the page.
    for format in ["markdown", "text"] {
        let body = extract_as(&fixture(R_DATA), format, &["--pages", "8-9"]);
        assert!(!body.contains("Chapter 1: Introduction"), "{body}");
        let all = extract_as(&fixture(R_DATA), format, &["--pages", "8-9", "--furniture"]);
        assert_eq!(all.matches("Chapter 1: Introduction").count(), 2, "{all}");
    }
}

#[test]
fn line_numbers_beside_a_listing_are_furniture_not_code() {
    // amc-manual.fr p23: a LaTeX listing whose lines are numbered 1, 2, 3 … in the margin.
    // Each number used to start its line's text ("1 \documentclass…") or stand as a
    // paragraph of its own; copied code kept them.
    let doc = extract_json(&fixture(AMC_MANUAL), &["--pages", "23"]);
    let numbers: Vec<&Value> = blocks(&doc)
        .iter()
        .filter(|b| b["kind"] == "line_numbers")
        .collect();
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    let text = collapse(numbers[0]["text"].as_str().unwrap_or(""));
    assert!(text.starts_with("1 2 3 4 5 6 7 8 9 10 11 12"), "{text}");
    let listing = extract_as(&fixture(AMC_MANUAL), "text", &["--pages", "23"]);
    assert!(
        listing.contains("\\documentclass[a4paper]{article}"),
        "{listing}"
    );
    for line in listing.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        assert!(
            !(first.parse::<u32>().is_ok() && line.contains('\\')),
            "a numbered code line: {line}"
        );
    }
    let all = extract_as(
        &fixture(AMC_MANUAL),
        "text",
        &["--pages", "23", "--furniture"],
    );
    assert!(collapse(&all).contains("1 2 3 4 5 6 7 8 9 10"), "{all}");
}

#[test]
fn document_and_page_metadata() {
    let doc = extract_json(&fixture(R_DATA), &["--pages", "1-3"]);
    assert_eq!(doc["metadata"]["page_count"], 41);
    assert_eq!(doc["metadata"]["producer"], "pdfTeX-1.40.24");
    assert_eq!(doc["metadata"]["created"], "2023-01-20T16:49:27Z");
    assert_eq!(doc["source"]["media_type"], "application/pdf");
    let sha = doc["source"]["sha256"].as_str().expect("sha256");
    assert_eq!(doc["id"], format!("doc_{}", &sha[..32]));
    let pages = doc["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 3);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p["number"], i as u64 + 1);
        assert_eq!(p["width"], 612.0);
        assert_eq!(p["height"], 792.0);
        assert_eq!(p["rotation"], 0);
        assert_eq!(p["text_source"], "pdf");
    }
    assert!(blocks(&doc)
        .iter()
        .all(|b| (1..=3).contains(&b["page"].as_u64().unwrap_or(0))));
    let title = blocks(&doc)
        .iter()
        .find(|b| b["kind"] == "title")
        .expect("a title");
    assert_eq!(title["text"], "R Data Import/Export");
    // Every box lies on its page.
    for b in blocks(&doc) {
        let bbox = bbox(b);
        assert!(
            bbox[0] <= bbox[2] && bbox[1] <= bbox[3] && bbox[0] >= 0.0 && bbox[3] <= 792.0,
            "{b}"
        );
    }
}

#[test]
fn unicode_is_clean_in_german_and_japanese() {
    // Every block, the sender line the layout model calls a page header included.
    let de = collapse(&all_text(
        &extract_json(&fixture("docs/koma-brief.de.pdf"), &[]),
        None,
    ));
    for s in [
        "Kapitän Hook, Bucht der Totenkopfinsel, Nimmerland",
        "sehnsüchtig darauf",
        "zum Fraß vorzuwerfen",
        "12. März 2018",
        "In freundlichster Feindschaft",
    ] {
        assert!(de.contains(s), "missing '{s}'");
    }
    let ja = extract_json(&fixture("docs/jlreq.ja.pdf"), &["--pages", "1"]);
    for heading in ["1 これは何？", "2 提供されるもの", "3 インストール"] {
        let b = block_with_text(&ja, 1, heading).unwrap_or_else(|| panic!("no heading {heading}"));
        assert_eq!(b["kind"], "section_header", "{heading}");
    }
    let all = all_text(&ja, None);
    let squeezed: String = all.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        squeezed.contains("それに必要なJFMの組み合わせです．"),
        "{all}"
    );
    // No spaces wedged between Japanese characters.
    assert!(all.contains("日本語組版処理の要件の実装を試みる"), "{all}");
    for text in [&de, &all] {
        assert!(
            !text.contains('\u{fffd}') && !text.contains('\u{fb01}') && !text.contains('\u{fb02}')
        );
    }
}

#[test]
fn markdown_renders_headings_lists_and_code() {
    let md = extract_as(&fixture(R_DATA), "markdown", &["--pages", "1-27"]);
    assert!(md.contains("\n## 1 Introduction\n"), "{md}");
    assert!(md.contains("\n### 1.1 Imports\n"));
    assert!(md.contains("\n#### 1.1.1 Encodings\n"));
    assert!(
        md.starts_with("# R Data Import/Export"),
        "{}",
        &md[..200.min(md.len())]
    );
    assert!(md.contains("```\n"), "code blocks are fenced");
}

#[test]
fn two_column_paper_structure() {
    let doc = extract_json(&fixture(REVTEX), &[]);
    let title = blocks(&doc)
        .iter()
        .find(|b| b["kind"] == "title")
        .expect("title");
    assert!(title["text"]
        .as_str()
        .unwrap_or("")
        .starts_with("Manuscript Title"));
    let h1 = blocks(&doc)
        .iter()
        .find(|b| {
            b["text"]
                .as_str()
                .unwrap_or("")
                .starts_with("I. FIRST-LEVEL HEADING")
        })
        .expect("first-level heading");
    let h2 = blocks(&doc)
        .iter()
        .find(|b| b["text"] == "A. Second-level heading: Formatting")
        .expect("second-level heading");
    assert_eq!(h1["kind"], "section_header");
    assert_eq!(h2["kind"], "section_header");
    assert!(h1["level"].as_u64() < h2["level"].as_u64(), "{h1} {h2}");
    let caption = blocks(&doc)
        .iter()
        .find(|b| b["kind"] == "caption")
        .expect("a figure or table caption");
    assert!(caption["text"]
        .as_str()
        .unwrap_or("")
        .to_lowercase()
        .starts_with(['f', 't']));
}

#[test]
fn stats_and_pipeline_are_recorded() {
    let doc = extract_json(&fixture(REVTEX), &["--pipeline", "fast"]);
    assert_eq!(doc["pipeline"]["name"], "fast");
    assert!(doc["pipeline"]["models"]["pdfium"]
        .as_str()
        .unwrap_or("")
        .starts_with("sha256:"));
    assert!(doc["stats"]["stage_ms"]["pdf"].is_u64());
    assert!(doc["stats"]["pages_per_second"].as_f64().unwrap_or(0.0) > 0.0);
}

#[test]
fn rotated_page_reads_like_the_upright_one() {
    let upright = collapse(&all_text(
        &extract_json(&fixture("docs/koma-brief.de.pdf"), &["--pages", "1"]),
        None,
    ));
    let doc = extract_json(&fixture("docs/rotated90.pdf"), &[]);
    assert_eq!(doc["pages"][0]["rotation"], 90);
    assert_eq!(collapse(&all_text(&doc, None)), upright);
    // Boxes are in the displayed (rotated) page: the first line now runs down the right side.
    let first = &blocks(&doc)[0]["bbox"];
    let (w, h) = (
        first[2].as_f64().unwrap_or(0.0) - first[0].as_f64().unwrap_or(0.0),
        first[3].as_f64().unwrap_or(0.0) - first[1].as_f64().unwrap_or(0.0),
    );
    assert!(h > 3.0 * w, "first block should be tall and thin: {first}");
    assert!(
        first[0].as_f64().unwrap_or(0.0) > 400.0,
        "and on the right: {first}"
    );
}

#[test]
fn a_page_without_text_layer_is_marked_when_ocr_is_off() {
    let doc = extract_json(&fixture("docs/scan_only.pdf"), &["--ocr", "never"]);
    let page = &doc["pages"][0];
    assert_eq!(page["text_source"], "none");
    assert!(
        page["note"].as_str().unwrap_or("").contains("OCR"),
        "{page}"
    );
    assert!(blocks(&doc).is_empty());
}
