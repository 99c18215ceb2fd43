//! The `accurate` pipeline's layout stage with the real CDLA model: tables with cells, figures,
//! captions linked to them, references; `fast` runs no layout model.

mod common;

use common::*;
use serde_json::Value;

const REVTEX: &str = "docs/revtex-apssamp.pdf";
const MTCARS: &str = "tables/mtcars-iris.pdf";

fn of_kind<'a>(doc: &'a Value, kind: &str, page: u64) -> Vec<&'a Value> {
    blocks(doc)
        .iter()
        .filter(|b| b["kind"] == kind && b["page"] == page)
        .collect()
}

fn text(b: &Value) -> &str {
    b["text"].as_str().unwrap_or("")
}

/// The table's cells as a full grid (spanned cells repeated as empty strings).
fn grid(table: &Value) -> Vec<Vec<String>> {
    table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let mut out = Vec::new();
            for cell in row.as_array().expect("cells") {
                out.push(cell["text"].as_str().unwrap_or("").to_string());
                for _ in 1..cell["col_span"].as_u64().unwrap_or(1) {
                    out.push(String::new());
                }
            }
            out
        })
        .collect()
}

#[test]
fn layout_finds_the_table_and_the_figure_with_their_captions() {
    let doc = extract_json(&fixture(REVTEX), &["--pages", "4"]);
    assert_eq!(doc["pipeline"]["name"], "accurate");
    assert!(doc["pipeline"]["models"]["layout_cdla"]
        .as_str()
        .unwrap_or("")
        .starts_with("sha256:"));
    // TABLE I: a caption above a two-row table in the left column.
    let tables = of_kind(&doc, "table", 4);
    assert_eq!(tables.len(), 1, "{tables:?}");
    let table = tables[0];
    let cells = grid(&table["table"]);
    assert!(
        cells
            .iter()
            .any(|r| r.join("|") == "Left|Centered|Decimal|Right"),
        "{cells:?}"
    );
    assert!(
        cells.iter().any(|r| r.join("|") == "1|2|3.001|4"),
        "{cells:?}"
    );
    let caption = of_kind(&doc, "caption", 4)
        .into_iter()
        .find(|c| text(c).starts_with("TABLE I."))
        .expect("the table's caption");
    assert_eq!(caption["caption_of"], table["id"]);
    // FIG. 1: the figure (its drawn text is "Test Figure") and its caption below it.
    let figure = of_kind(&doc, "figure", 4)
        .into_iter()
        .find(|f| text(f).contains("Test Figure"))
        .expect("the figure");
    let fig_caption = of_kind(&doc, "caption", 4)
        .into_iter()
        .find(|c| text(c).starts_with("FIG. 1."))
        .expect("the figure's caption");
    assert_eq!(fig_caption["caption_of"], figure["id"]);
    assert!(
        bbox(figure)[3] <= bbox(fig_caption)[1] + 2.0,
        "caption below the figure"
    );
    // Reading order: the table's caption comes before the table.
    let index = |b: &Value| blocks(&doc).iter().position(|x| x["id"] == b["id"]);
    assert!(index(caption) < index(table));
    // Markdown carries the table as a pipe table.
    let md = extract_as(&fixture(REVTEX), "markdown", &["--pages", "4"]);
    assert!(md.contains("| 1 | 2 | 3.001 | 4 |"), "{md}");
}

#[test]
fn a_table_without_rulings_yields_the_expected_cells() {
    let doc = extract_json(&fixture(MTCARS), &["--pages", "1"]);
    let tables = of_kind(&doc, "table", 1);
    assert_eq!(tables.len(), 1);
    let got = grid(&tables[0]["table"]);
    let csv = std::fs::read_to_string(fixture("tables/mtcars-iris.p1.csv")).expect("csv");
    let expected: Vec<Vec<String>> = csv
        .lines()
        .map(|l| {
            l.split(',')
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    assert_eq!(expected.len(), 33);
    assert_eq!(got.len(), expected.len(), "rows: {got:?}");
    let mut same = 0;
    let mut total = 0;
    for (g, e) in got.iter().zip(&expected) {
        for (i, cell) in e.iter().enumerate() {
            total += 1;
            same += usize::from(g.get(i) == Some(cell));
        }
    }
    assert_eq!(same, total, "cells: {got:?}");
    // The header row is marked, the body is not.
    let rows = tables[0]["table"]["rows"].as_array().expect("rows");
    assert!(rows[0]
        .as_array()
        .expect("cells")
        .iter()
        .all(|c| c["header"] == true));
    assert!(rows[1]
        .as_array()
        .expect("cells")
        .iter()
        .all(|c| c["header"] == false));
}

#[test]
fn references_are_one_entry_per_block() {
    let doc = extract_json(&fixture(REVTEX), &["--pages", "7"]);
    let refs = of_kind(&doc, "reference", 7);
    assert!(refs.len() >= 10, "{refs:?}");
    let knuth = refs
        .iter()
        .find(|r| text(r).starts_with("[9] D. E. Knuth"))
        .expect("entry [9]");
    assert!(!text(knuth).contains("[11]"), "{knuth}");
}

#[test]
fn the_fast_pipeline_runs_no_layout_model() {
    let doc = extract_json(&fixture(REVTEX), &["--pages", "4", "--pipeline", "fast"]);
    assert!(doc["pipeline"]["models"].get("layout_cdla").is_none());
    assert!(of_kind(&doc, "figure", 4).is_empty());
    // Table I is found from its geometry alone: aligned columns of numbers.
    let tables = of_kind(&doc, "table", 4);
    assert_eq!(tables.len(), 1, "{tables:?}");
    let cells: Vec<&str> = tables[0]["table"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| r.as_array().expect("cells").iter())
        .filter_map(|c| c["text"].as_str())
        .collect();
    for want in ["Left", "Decimal", "3.001", "400"] {
        assert!(cells.contains(&want), "{want} not in {cells:?}");
    }
    // The text is all there all the same.
    let accurate = extract_json(&fixture(REVTEX), &["--pages", "4"]);
    let words = |d: &Value| {
        let mut w: Vec<String> = all_text(d, None)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        w.sort();
        w
    };
    let (f, a) = (words(&doc), words(&accurate));
    let missing = f.iter().filter(|w| a.binary_search(w).is_err()).count();
    assert!(
        missing * 50 <= f.len(),
        "{missing} of {} words lost",
        f.len()
    );
}
