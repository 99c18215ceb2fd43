//! `folio ingest` / `folio query` / `folio status` on real fixtures with the real embedding
//! model, tantivy and SQLite: passages come back on the right page, re-runs do no work,
//! changed and deleted files are handled, a killed ingest leaves consistent stores (the
//! suite in `common/retrieval.rs`, which Qdrant passes too), failing files and symbolic
//! links.

mod common;

use common::retrieval::*;
use common::*;
use std::path::Path;

#[test]
fn ingest_query_reingest_change_and_prune_embedded() {
    ingest_query_reingest_change_and_prune(&Backend::embedded());
}

#[test]
fn an_ingest_killed_midway_resumes_to_consistent_stores_embedded() {
    an_ingest_killed_midway_resumes_to_consistent_stores(&Backend::embedded());
}

#[test]
fn a_failing_file_is_reported_and_the_rest_are_indexed() {
    let ws = workspace(&[
        ("docs/koma-brief.de.pdf", "brief.pdf"),
        ("bad/truncated.pdf", "broken.pdf"),
    ]);
    let out = ingest(&ws, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("1 indexed") && err.contains("1 failed"),
        "{err}"
    );
    assert!(err.contains("broken.pdf"), "{err}");
    assert_top(
        &query(&ws, "Kapitän Hook", &["--mode", "keyword"]),
        "brief.pdf",
        1,
        "Kapitän Hook",
    );
    status(&ws);
}

#[test]
fn a_folder_of_links_is_ingested_and_skips_are_counted_by_reason() {
    // Documents kept elsewhere, and a folder holding only symbolic links to them: to each
    // file, twice to one, to a folder, to nothing, and back to itself (a loop).
    let ws = workspace(&[]);
    let elsewhere = ws.docs.parent().expect("tmp").join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("letters")).expect("mkdir");
    std::fs::copy(
        fixture("tables/mtcars-iris.pdf"),
        elsewhere.join("cars.pdf"),
    )
    .expect("copy");
    std::fs::copy(
        fixture("docs/koma-brief.de.pdf"),
        elsewhere.join("letters/brief.pdf"),
    )
    .expect("copy");
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, ws.docs.join(name)).expect("symlink");
    };
    link(&elsewhere.join("cars.pdf"), "cars.pdf");
    link(&elsewhere.join("cars.pdf"), "same-cars.pdf");
    link(&elsewhere.join("letters"), "letters");
    link(&elsewhere.join("moved.pdf"), "moved.pdf");
    link(&ws.docs, "loop");
    std::fs::write(ws.docs.join(".DS_Store"), b"x").expect("write");

    let out = ingest(&ws, &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("2 indexed, 0 unchanged, 0 not documents, 0 failed"),
        "{err}"
    );
    assert!(
        err.contains(
            "skipped: 1 hidden, 1 broken links, 1 folders reached twice (link loops), \
             1 files reached twice (links)"
        ),
        "{err}"
    );
    assert_top(
        &query(&ws, "Kapitän Hook", &["--mode", "keyword"]),
        "brief.pdf",
        1,
        "Kapitän Hook",
    );
    assert_eq!(status(&ws)["documents"], 2);
}
