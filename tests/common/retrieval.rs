//! The retrieval suite every backend must pass (`folio ingest` / `query` / `status` on real
//! fixtures with the real embedding model): the embedded stores in `tests/ingest.rs`, Qdrant
//! in `tests/qdrant.rs`.

use super::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A folder of documents and a data directory in a temporary place.
pub struct Workspace {
    _tmp: tempfile::TempDir,
    pub docs: PathBuf,
    pub data: PathBuf,
    /// Where the stores are: flags every command gets (none for the embedded default).
    pub storage: Vec<String>,
}

/// The embedded stores, or shared engines (`--catalog`, `--qdrant`… flags).
#[derive(Debug, Clone, Default)]
pub struct Backend {
    pub args: Vec<String>,
}

impl Backend {
    pub fn embedded() -> Self {
        Self::default()
    }
}

pub fn workspace(files: &[(&str, &str)]) -> Workspace {
    workspace_on(&Backend::embedded(), files)
}

pub fn workspace_on(backend: &Backend, files: &[(&str, &str)]) -> Workspace {
    let tmp = tempfile::tempdir().expect("tempdir");
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(docs.join("sub")).expect("mkdir");
    for (fixture_path, name) in files {
        std::fs::copy(fixture(fixture_path), docs.join(name)).expect("copy fixture");
    }
    let data = tmp.path().join("data");
    Workspace {
        docs,
        data,
        storage: backend.args.clone(),
        _tmp: tmp,
    }
}

pub fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

pub fn ingest(ws: &Workspace, extra: &[&str]) -> std::process::Output {
    let (docs, data) = (s(&ws.docs), s(&ws.data));
    let mut args = vec!["ingest", &docs, "--data", &data, "--pipeline", "fast"];
    args.extend_from_slice(extra);
    args.extend(ws.storage.iter().map(String::as_str));
    folio(&args)
}

pub fn query(ws: &Workspace, text: &str, extra: &[&str]) -> Vec<Value> {
    let data = s(&ws.data);
    let mut args = vec!["query", text, "--data", &data, "--json"];
    if !extra.contains(&"--top-k") {
        args.extend_from_slice(&["--top-k", "5"]);
    }
    args.extend_from_slice(extra);
    args.extend(ws.storage.iter().map(String::as_str));
    let out = folio(&args);
    assert!(out.status.success(), "query failed: {}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("query JSON");
    v["results"].as_array().expect("results").clone()
}

pub fn status(ws: &Workspace) -> Value {
    let data = s(&ws.data);
    let mut args = vec!["status", "--data", &data];
    args.extend(ws.storage.iter().map(String::as_str));
    let out = folio(&args);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("status JSON");
    assert!(out.status.success(), "stores disagree: {v}");
    v
}

/// The first result is from `filename`, its chunk on `page` and holding `text`.
pub fn assert_top(results: &[Value], filename: &str, page: u64, text: &str) {
    let top = results
        .first()
        .unwrap_or_else(|| panic!("no results for {text:?}"));
    assert_eq!(top["document"]["filename"], filename, "{top}");
    let pages: Vec<u64> = top["chunk"]["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert!(pages.contains(&page), "pages {pages:?}: {top}");
    assert!(
        collapse(top["chunk"]["text"].as_str().unwrap_or("")).contains(text),
        "{top}"
    );
    assert!(top["document"]["path"]
        .as_str()
        .unwrap_or("")
        .ends_with(filename));
}

pub const FILES: &[(&str, &str)] = &[
    ("tables/mtcars-iris.pdf", "cars.pdf"),
    ("docs/koma-brief.de.pdf", "brief.pdf"),
    ("docs/revtex-apssamp.pdf", "sub/paper.pdf"),
    (
        "images/reportlab-userguide_p0044_150dpi.png",
        "sub/scan.png",
    ),
];

/// Known passages on their pages by keyword, vector and hybrid search; filters; a re-run
/// does no work; a changed file replaces its chunks; a pruned one loses them.
pub fn ingest_query_reingest_change_and_prune(backend: &Backend) {
    let ws = workspace_on(backend, FILES);
    std::fs::write(ws.docs.join("notes.txt"), "not a document").expect("write");
    let out = ingest(&ws, &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("4 indexed, 0 unchanged, 1 not documents, 0 failed"),
        "{err}"
    );
    let st = status(&ws);
    assert_eq!(st["documents"], 4);
    assert!(st["chunks"]["catalog"].as_u64().unwrap_or(0) >= 10, "{st}");

    // Keyword, vector and hybrid retrieval find known passages on their pages.
    assert_top(
        &query(&ws, "Cadillac Fleetwood", &["--mode", "keyword"]),
        "cars.pdf",
        1,
        "Cadillac Fleetwood",
    );
    assert_top(
        &query(&ws, "Kapitän Hook Totenkopfinsel", &["--mode", "hybrid"]),
        "brief.pdf",
        1,
        "Kapitän Hook",
    );
    assert_top(
        &query(
            &ws,
            "How do I close a path so the figure ends where it started?",
            &["--mode", "vector"],
        ),
        "scan.png",
        1,
        "close",
    );
    // A caption's words find it on its page among the first three (by BM25: in a chunk that
    // is mostly other text, the vector ranking of a short phrase varies with chunk bounds).
    let table = query(
        &ws,
        "single column of a twocolumn layout",
        &["--mode", "keyword"],
    );
    assert!(
        table.iter().take(3).any(|r| {
            r["document"]["filename"] == "paper.pdf"
                && r["chunk"]["pages"]
                    .as_array()
                    .is_some_and(|p| p.contains(&Value::from(4)))
                && r["chunk"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("TABLE I.")
        }),
        "{table:?}"
    );

    // Filters: by media type, path prefix and document id.
    let images = query(&ws, "close path figure", &["--media-type", "image/png"]);
    assert!(!images.is_empty());
    assert!(images
        .iter()
        .all(|r| r["document"]["filename"] == "scan.png"));
    // A path prefix: a folder, the same ending with '/' (Qdrant matches that itself), and
    // part of a file name.
    let sub = s(&ws.docs.join("sub"));
    for (prefix, files) in [
        (sub.clone(), vec!["paper.pdf", "scan.png"]),
        (format!("{sub}/"), vec!["paper.pdf", "scan.png"]),
        (format!("{sub}/pa"), vec!["paper.pdf"]),
        (format!("{}/none/", s(&ws.docs)), vec![]),
    ] {
        let under = query(
            &ws,
            "table figure path",
            &["--path-prefix", &prefix, "--top-k", "50"],
        );
        let mut found: Vec<&str> = under
            .iter()
            .filter_map(|r| r["document"]["filename"].as_str())
            .collect();
        found.sort();
        found.dedup();
        assert_eq!(found, files, "under {prefix}");
    }
    // Metadata fields (ignoring case; numbers as written) and media types together.
    let letter = [
        "--meta",
        "created=2018-03-12T18:55:07+01:00",
        "--meta",
        "page_count=3",
        "--top-k",
        "50",
    ];
    let tex = query(&ws, "Kapitän Hook table", &letter);
    let files: Vec<&str> = tex
        .iter()
        .filter_map(|r| r["document"]["filename"].as_str())
        .collect();
    assert!(
        !files.is_empty() && files.iter().all(|f| *f == "brief.pdf"),
        "{files:?}"
    );
    let none = ["--meta", "creator=tex", "--media-type", "image/png"];
    assert!(query(&ws, "Kapitän Hook", &none).is_empty());
    let cars_id = query(&ws, "Cadillac Fleetwood", &["--mode", "keyword"])[0]["document"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let only = query(&ws, "Hook", &["--document", &cars_id, "--mode", "keyword"]);
    assert!(only.iter().all(|r| r["document"]["id"] == cars_id.as_str()));

    // A second run does no work.
    let again = ingest(&ws, &[]);
    assert!(
        stderr(&again).contains("0 indexed, 4 unchanged"),
        "{}",
        stderr(&again)
    );
    assert_eq!(status(&ws)["chunks"], st["chunks"]);

    // A changed file replaces its chunks.
    std::fs::copy(fixture("docs/mixed.pdf"), ws.docs.join("cars.pdf")).expect("overwrite");
    let changed = ingest(&ws, &[]);
    assert!(
        stderr(&changed).contains("1 indexed, 3 unchanged"),
        "{}",
        stderr(&changed)
    );
    assert!(query(&ws, "Cadillac Fleetwood", &["--mode", "keyword"])
        .iter()
        .all(|r| r["document"]["filename"] != "cars.pdf"));
    assert_top(
        &query(
            &ws,
            "Typed line above the scanned figure",
            &["--mode", "keyword"],
        ),
        "cars.pdf",
        1,
        "Typed line above the scanned figure.",
    );
    assert_eq!(status(&ws)["documents"], 4);

    // A file moved to another folder: its document is found under the new folder only.
    std::fs::create_dir_all(ws.docs.join("moved")).expect("mkdir");
    std::fs::rename(ws.docs.join("brief.pdf"), ws.docs.join("moved/brief.pdf")).expect("move");
    let moved = ingest(&ws, &["--prune"]);
    assert!(stderr(&moved).contains("0 indexed"), "{}", stderr(&moved));
    let folder = |name: &str| format!("{}/", s(&ws.docs.join(name)));
    let hook = |prefix: &str| {
        query(
            &ws,
            "Kapitän Hook",
            &["--path-prefix", prefix, "--mode", "keyword"],
        )
    };
    assert!(!hook(&folder("moved")).is_empty());
    assert!(hook(&folder("sub")).is_empty());

    // --prune forgets a deleted file and its chunks.
    std::fs::remove_file(ws.docs.join("moved/brief.pdf")).expect("remove");
    let pruned = ingest(&ws, &["--prune"]);
    assert!(stderr(&pruned).contains("1 pruned"), "{}", stderr(&pruned));
    assert!(query(&ws, "Kapitän Hook", &["--mode", "keyword"]).is_empty());
    assert_eq!(status(&ws)["documents"], 3);
}

/// An ingest killed with -9 midway leaves stores that agree, and a re-run completes them
/// with every chunk once.
pub fn an_ingest_killed_midway_resumes_to_consistent_stores(backend: &Backend) {
    let ws = workspace_on(
        backend,
        &[
            ("docs/koma-brief.de.pdf", "a-brief.pdf"),
            ("docs/quantum-template.pdf", "b-template.pdf"),
            ("docs/R-data.pdf", "c-manual.pdf"),
        ],
    );
    let (docs, data) = (s(&ws.docs), s(&ws.data));
    let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["ingest", &docs, "--data", &data, "--pipeline", "fast"])
        .args(&ws.storage)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ingest");
    // Long enough to store the short documents and be inside the 41-page manual.
    std::thread::sleep(std::time::Duration::from_millis(5000));
    child.kill().expect("kill -9");
    let _ = child.wait();
    // The stores agree even before the re-run (recovery on open).
    status(&ws);
    let out = ingest(&ws, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let st = status(&ws);
    assert_eq!(st["documents"], 3, "{st}");
    // Every chunk exactly once: ids are unique across a broad query.
    let results = query(
        &ws,
        "data import export R",
        &["--top-k", "50", "--mode", "keyword"],
    );
    let mut ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r["chunk"]["id"].as_str())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate chunks after resume");
    assert_top(
        &query(&ws, "Kapitän Hook", &["--mode", "keyword"]),
        "a-brief.pdf",
        1,
        "Kapitän Hook",
    );
}

/// Searches a server's `/v1/retrieve` without pause until stopped, asserting that every
/// answer succeeds and finds `expect` first (never an error, never empty), and recording the
/// index generations that answered, in order.
pub struct Asking {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(Vec<String>, usize)>,
}

pub fn keep_asking(url: &str, query: &str, expect: &str) -> Asking {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (flag, url, query, expect) = (
        stop.clone(),
        url.to_string(),
        query.to_string(),
        expect.to_string(),
    );
    let thread = std::thread::spawn(move || {
        let mut seen: Vec<String> = Vec::new();
        let mut answers = 0;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            let r = server::client()
                .post(&url)
                .json(&serde_json::json!({"query": query, "top_k": 3}))
                .send()
                .expect("retrieve");
            assert_eq!(r.status(), 200);
            let body: Value = r.json().expect("JSON");
            let results = body["results"].as_array().expect("results");
            assert!(!results.is_empty(), "an empty answer during the reindex");
            let first = results[0]["chunk"]["text"].as_str().unwrap_or("");
            assert!(first.contains(&expect), "{first:?}");
            let generation = body["generation"].as_str().unwrap_or("").to_string();
            if seen.last() != Some(&generation) {
                seen.push(generation);
            }
            answers += 1;
        }
        (seen, answers)
    });
    Asking { stop, thread }
}

impl Asking {
    /// Stops asking: the generations that answered, in order, and how many answers came.
    pub fn stop(self) -> (Vec<String>, usize) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().expect("the searches never failed")
    }
}

/// Whether a search pinned to `generation` succeeds.
pub fn pinned_answers(url: &str, query: &str, generation: &str) -> bool {
    let r = server::client()
        .post(url)
        .json(&serde_json::json!({"query": query, "generation": generation}))
        .send()
        .expect("retrieve");
    r.status().is_success()
}
