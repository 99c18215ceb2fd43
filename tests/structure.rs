//! The structure stage on a generated page with known ground truth (`fixtures/docs/structure.pdf`,
//! from `structure.tex`): composed accents, table-of-contents entries that are not headings,
//! numbered heading levels, math as LaTeX, and furniture that occurs on one page only; and
//! headings confirmed by a PDF's bookmarks (`fixtures/docs/outline.pdf`).

mod common;

use common::*;
use serde_json::Value;

const DOC: &str = "docs/structure.pdf";

fn texts<'a>(doc: &'a Value, kind: &str) -> Vec<&'a Value> {
    blocks(doc).iter().filter(|b| b["kind"] == kind).collect()
}

fn text(b: &Value) -> String {
    collapse(b["text"].as_str().unwrap_or(""))
}

#[test]
fn accents_drawn_as_separate_glyphs_are_composed() {
    for pipeline in ["fast", "accurate"] {
        let out = collapse(&extract_as(
            &fixture(DOC),
            "text",
            &["--pages", "1", "--pipeline", pipeline],
        ));
        for name in ["Ľudovít", "Mináč", "Zoë", "Čapek", "François Bézier"] {
            assert!(out.contains(name), "{pipeline}: {name} missing in {out}");
        }
    }
}

#[test]
fn table_of_contents_entries_are_not_headings() {
    for pipeline in ["fast", "accurate"] {
        let doc = extract_json(&fixture(DOC), &["--pipeline", pipeline]);
        let entries = texts(&doc, "toc_entry");
        let titles: Vec<String> = entries.iter().map(|b| text(b)).collect();
        // "Contents" titles the entries; it heads no section of the document.
        let contents: Vec<String> = texts(&doc, "toc_title").iter().map(|b| text(b)).collect();
        assert_eq!(contents, vec!["Contents"], "{pipeline}");
        // The authors' names beside each other under the title are a byline, not headings.
        for h in texts(&doc, "section_header") {
            let t = text(h);
            assert!(
                !["Contents", "Zoë Čapek", "Ľudovít Mináč"].contains(&t.as_str()),
                "{pipeline}: {t} as a heading"
            );
        }
        for want in ["1.1 Background", "2.1.1 Collection", "2 Method"] {
            assert!(titles.iter().any(|t| t == want), "{pipeline}: {titles:?}");
        }
        let background = entries
            .iter()
            .find(|b| text(b) == "1.1 Background")
            .expect("entry");
        assert_eq!(background["toc"]["page"], "1", "{pipeline}");
        // The entry points at the heading it names, which comes after the contents.
        let target = background["toc"]["target"].as_str().expect("a target");
        let heading = blocks(&doc)
            .iter()
            .find(|b| b["id"] == target)
            .expect("target block");
        assert_eq!(heading["kind"], "section_header", "{pipeline}");
        assert_eq!(text(heading), "1.1 Background", "{pipeline}");
        assert_eq!(heading["page"], 1, "{pipeline}");
        for h in texts(&doc, "section_header") {
            let t = text(h);
            assert!(
                !t.contains(". . ."),
                "{pipeline}: leader line as heading: {t}"
            );
        }
        // Each heading appears once as a heading (the contents do not repeat it).
        let collection: Vec<&Value> = texts(&doc, "section_header")
            .into_iter()
            .filter(|h| text(h) == "2.1.1 Collection")
            .collect();
        assert_eq!(collection.len(), 1, "{pipeline}");
        // Plain text gives the entries' titles; with everything on the page, their page labels.
        let args = ["--pipeline", pipeline, "--pages", "1"];
        let plain = extract_as(&fixture(DOC), "text", &args);
        assert!(plain.lines().any(|l| l == "1.1 Background"), "{plain}");
        let all = extract_as(
            &fixture(DOC),
            "text",
            &[&args[..], &["--furniture"]].concat(),
        );
        assert!(all.lines().any(|l| l == "1.1 Background 1"), "{all}");
    }
}

#[test]
fn numbered_siblings_share_a_level() {
    let doc = extract_json(&fixture(DOC), &["--pipeline", "fast"]);
    let level = |t: &str| {
        texts(&doc, "section_header")
            .into_iter()
            .find(|h| text(h) == t)
            .unwrap_or_else(|| panic!("no heading {t}"))["level"]
            .clone()
    };
    assert_eq!(level("1 Introduction"), 1);
    assert_eq!(level("1.1 Background"), 2);
    assert_eq!(level("2.1.1 Collection"), 3);
    assert_eq!(level("2.1.2 Cleaning"), 3);
}

#[test]
fn math_becomes_latex() {
    for pipeline in ["fast", "accurate"] {
        let args = ["--pages", "1", "--pipeline", pipeline];
        let doc = extract_json(&fixture(DOC), &args);
        let formulas = texts(&doc, "formula");
        let latex: Vec<&str> = formulas
            .iter()
            .filter_map(|b| b["latex"].as_str())
            .collect();
        assert!(
            latex.iter().any(|l| l.contains("e^{i\\pi} + 1 = 0")),
            "{pipeline}: {latex:?}"
        );
        assert!(
            latex.iter().any(|l| l.contains("a^2 + b^2 = c^2")),
            "{pipeline}: {latex:?}"
        );
        // A fraction drawn over a rule, read along its bar.
        assert!(
            latex.contains(&"\\frac{a + b}{c} = \\sqrt{x}"),
            "{pipeline}: {latex:?}"
        );
        // Never a heading made of a flattened formula.
        for h in texts(&doc, "section_header") {
            assert!(!text(h).contains('='), "{pipeline}: {}", text(h));
        }
        let md = extract_as(&fixture(DOC), "markdown", &args);
        assert!(md.contains("$$\ne^{i\\pi} + 1 = 0\n$$"), "{pipeline}: {md}");
        assert!(md.contains("$x^2 + y_1$"), "{pipeline}: {md}");
        assert!(md.contains("$\\alpha \\leq \\beta$"), "{pipeline}: {md}");
        // Plain text keeps a readable linear form.
        let plain = collapse(&extract_as(&fixture(DOC), "text", &args));
        assert!(plain.contains("x^2 + y_1"), "{pipeline}: {plain}");
        assert!(plain.contains("e^(iπ) + 1 = 0"), "{pipeline}: {plain}");
        assert!(plain.contains("(a + b)/(c)"), "{pipeline}: {plain}");
    }
}

#[test]
fn furniture_that_occurs_once_is_left_out() {
    for pipeline in ["fast", "accurate"] {
        let args = ["--pages", "2", "--pipeline", pipeline];
        let doc = extract_json(&fixture(DOC), &args);
        let furniture: Vec<String> = blocks(&doc)
            .iter()
            .filter(|b| b["kind"] == "page_header" || b["kind"] == "page_footer")
            .map(text)
            .collect();
        let all = furniture.join(" | ");
        for want in [
            "Journal of Applied Examples",
            "Volume 8 | Issue 3",
            "Downloaded from http://example.org/jae on 10 June 2019",
        ] {
            assert!(
                all.contains(want),
                "{pipeline}: {want} not furniture: {all}"
            );
        }
        assert!(furniture.iter().any(|t| t == "2"), "{pipeline}: {all}");
        for format in ["markdown", "text"] {
            let out = extract_as(&fixture(DOC), format, &args);
            for gone in ["Journal of Applied", "Issue 3", "Downloaded from"] {
                assert!(!out.contains(gone), "{pipeline} {format}: {out}");
            }
            assert!(
                out.contains("2.1.1 Collection"),
                "{pipeline} {format}: {out}"
            );
            assert!(
                !out.lines().any(|l| l.trim() == "2"),
                "{pipeline} {format}: page number kept: {out}"
            );
        }
    }
}

/// `fixtures/docs/outline.pdf` (from `make_outline.py`): bookmarks name "Background", set in
/// plain body type, and put "Sampling plan" under "Methods" although both share one style.
#[test]
fn the_outline_confirms_headings_and_their_levels() {
    let file = fixture("docs/outline.pdf");
    let find = |doc: &Value, t: &str| -> Value {
        blocks(doc)
            .iter()
            .find(|b| text(b) == t)
            .cloned()
            .unwrap_or_else(|| panic!("no block {t:?}"))
    };
    for pipeline in ["fast", "accurate"] {
        let doc = extract_json(&file, &["--pipeline", pipeline]);
        let background = find(&doc, "Background");
        assert_eq!(background["kind"], "section_header", "{pipeline}");
        assert_eq!(background["level"], 1, "{pipeline}");
        assert_eq!(background["heading_from"], "outline", "{pipeline}");
        let methods = find(&doc, "Methods");
        let sampling = find(&doc, "Sampling plan");
        assert_eq!(sampling["level"], 2, "{pipeline}");
        assert_eq!(sampling["parent"], methods["id"], "{pipeline}");
        // In no bookmark: a heading by its type, ranked below the outline's levels.
        let weather = find(&doc, "Notes on weather");
        assert_eq!(weather["kind"], "section_header", "{pipeline}");
        assert_eq!(weather["heading_from"], "typography", "{pipeline}");
        assert_eq!(weather["parent"], find(&doc, "Results")["id"], "{pipeline}");
    }
    // With the outline switched off, plain body type is no heading.
    let dir = tempfile::tempdir().expect("tempdir");
    let fast = std::fs::read_to_string(repo().join("pipelines/fast.toml")).expect("fast.toml");
    let off = dir.path().join("no-outline.toml");
    std::fs::write(
        &off,
        fast.replace("use_outline = true", "use_outline = false"),
    )
    .expect("write");
    let doc = extract_json(&file, &["--pipeline", off.to_str().expect("utf-8 path")]);
    let background = find(&doc, "Background");
    assert_eq!(background["kind"], "paragraph");
    assert!(background.get("heading_from").is_none());
}
