//! Table structure on real PDFs through pdfium: column headers set sideways, a group header
//! the layout model calls a caption, rows of totals under a table, rules under a few columns,
//! and a form of shaded rows the model takes for a figure (`fixtures/tables/`).

mod common;

use common::*;
use serde_json::Value;

/// The cell texts of the page's first table, row by row.
fn first_table(doc: &Value) -> Vec<Vec<String>> {
    let table = blocks(doc)
        .iter()
        .find(|b| b["kind"] == "table")
        .unwrap_or_else(|| panic!("no table in {doc}"));
    table["table"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("cells")
                .iter()
                .map(|c| c["text"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .collect()
}

fn row_with<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r.first().is_some_and(|c| c == first))
        .unwrap_or_else(|| panic!("no row {first:?} in {rows:?}"))
}

#[test]
fn column_headers_set_sideways_read_in_their_own_direction() {
    for pipeline in ["fast", "accurate"] {
        let doc = extract_json(
            &fixture("tables/rotated-headers.pdf"),
            &["--pipeline", pipeline],
        );
        let rows = first_table(&doc);
        assert_eq!(
            rows[0],
            [
                "System",
                "Precision",
                "Recall",
                "Macro F1",
                "Latency (ms)",
                "Memory (MiB)"
            ],
            "{pipeline}: {rows:?}"
        );
        assert_eq!(
            row_with(&rows, "Linear classifier"),
            ["Linear classifier", "78.9", "73.5", "76.1", "19", "95"]
        );
        // As plain text a row is its cells separated by tabs, as the page separates them by
        // whitespace: no Markdown pipes the page does not print.
        let text = extract_as(
            &fixture("tables/rotated-headers.pdf"),
            "text",
            &["--pipeline", pipeline],
        );
        assert!(
            text.lines()
                .any(|l| l == "Linear classifier\t78.9\t73.5\t76.1\t19\t95"),
            "{pipeline}: {text}"
        );
        assert!(!text.contains(" | "), "{pipeline}: {text}");
    }
}

#[test]
fn a_group_header_above_the_table_heads_its_columns() {
    for pipeline in ["fast", "accurate"] {
        let doc = extract_json(
            &fixture("tables/balance-sheet.pdf"),
            &["--pipeline", pipeline],
        );
        let table = blocks(&doc)
            .iter()
            .find(|b| b["kind"] == "table")
            .expect("a table");
        let top = &table["table"]["rows"][0];
        let group = top
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| c["text"] == "As of December 31,")
            .unwrap_or_else(|| panic!("{pipeline}: no group header in {top}"));
        assert_eq!(group["col_span"], 2, "{pipeline}: {top}");
        assert_eq!(group["header"], true);
        assert_eq!(table["table"]["rows"][1][1]["text"], "2023");
        assert_eq!(table["table"]["rows"][1][1]["header"], true);
        // Not a second caption.
        let captions: Vec<&Value> = blocks(&doc)
            .iter()
            .filter(|b| b["kind"] == "caption")
            .collect();
        assert!(
            captions.iter().all(|c| c["text"] != "As of December 31,"),
            "{pipeline}: {captions:?}"
        );
        let rows = first_table(&doc);
        let cash = row_with(&rows, "Cash and cash equivalents");
        assert!(
            cash[1].ends_with("2,418") && cash[2].ends_with("1,967"),
            "{pipeline}: {cash:?}"
        );
    }
}

#[test]
fn rows_of_totals_under_a_table_stay_in_it() {
    let doc = extract_json(&fixture("tables/invoice.pdf"), &["--pipeline", "fast"]);
    let rows = first_table(&doc);
    let find = |label: &str| {
        rows.iter()
            .find(|r| r.iter().any(|c| c == label))
            .unwrap_or_else(|| panic!("no row with {label:?} in {rows:?}"))
    };
    assert_eq!(
        find("Subtotal").last().map(String::as_str),
        Some("5,616.00")
    );
    assert_eq!(
        find("Total due (EUR)").last().map(String::as_str),
        Some("6,683.04")
    );
}

#[test]
fn a_form_of_shaded_rows_is_a_table_not_a_figure() {
    let doc = extract_json(
        &fixture("tables/milog-formular.de.pdf"),
        &["--pipeline", "accurate"],
    );
    let rows = first_table(&doc);
    assert_eq!(
        rows[0],
        [
            "Tag",
            "Arbeitsbeginn",
            "Unbezahlte Pause",
            "Arbeitsende",
            "Arbeitsdauer",
            "Bemerkung"
        ]
    );
    let days: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(days.len(), 31, "{days:?}");
    assert_eq!((days[0], days[30]), ("1", "31"));
}
