//! Bad input gets one clear `error: FILE: reason` line and a non-zero exit: never a panic,
//! never a hang.

mod common;
use common::*;

/// Runs `folio extract` and returns (success, stderr).
fn run(file: &str, extra: &[&str]) -> (bool, String) {
    let path = fixture(file).to_string_lossy().into_owned();
    let mut args = vec!["extract", path.as_str()];
    args.extend_from_slice(extra);
    let out = folio(&args);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{file} panicked: {err}");
    (out.status.success(), err)
}

fn assert_error(file: &str, extra: &[&str], reason: &str) {
    let (ok, err) = run(file, extra);
    assert!(!ok, "{file} should fail");
    let path = fixture(file).display().to_string();
    let line = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(line.starts_with(&format!("error: {path}: ")), "{line}");
    assert!(line.contains(reason), "expected '{reason}' in '{line}'");
}

#[test]
fn empty_file() {
    assert_error("bad/empty.pdf", &[], "empty file");
}

#[test]
fn truncated_pdfs() {
    assert_error("bad/truncated.pdf", &[], "not a readable PDF");
    // Only the tail is missing: a clean error or a valid document, never a crash.
    let (ok, err) = run("bad/truncated_tail.pdf", &[]);
    if !ok {
        assert!(
            err.contains("error: ") && err.contains("not a readable PDF"),
            "{err}"
        );
    }
}

#[test]
fn random_bytes_and_text() {
    assert_error("bad/random.bin", &[], "unsupported file type");
    assert_error("bad/make_bad.py", &[], "unsupported file type");
}

#[test]
fn a_pdf_named_png_is_read_as_a_pdf() {
    let doc = extract_json(&fixture("bad/pdf_named.png"), &[]);
    assert_eq!(doc["source"]["media_type"], "application/pdf");
    assert_eq!(doc["metadata"]["page_count"], 3);
    assert!(blocks(&doc)
        .iter()
        .any(|b| b["text"].as_str().unwrap_or("").contains("Kapitän Hook")));
}

#[test]
fn encrypted_pdf_needs_the_right_password() {
    assert_error("bad/encrypted.pdf", &[], "password is required");
    assert_error(
        "bad/encrypted.pdf",
        &["--password", "not-it"],
        "wrong password",
    );
    let doc = extract_json(&fixture("bad/encrypted.pdf"), &["--password", "folio-user"]);
    assert!(blocks(&doc)
        .iter()
        .any(|b| b["text"].as_str().unwrap_or("").contains("Kapitän Hook")));
}

#[test]
fn zero_pages() {
    assert_error("bad/zero_pages.pdf", &[], "no pages");
}

#[test]
fn absurd_page_sizes_are_reported_not_fatal() {
    for (file, line) in [
        ("bad/huge_page.pdf", "Folio huge page test line."),
        ("bad/zero_size_page.pdf", "Folio zero size page test line."),
    ] {
        let doc = extract_json(&fixture(file), &[]);
        let warnings = doc["warnings"].as_array().expect("warnings");
        assert!(
            warnings
                .iter()
                .any(|w| w.as_str().unwrap_or("").contains("unusual page size")),
            "{file}"
        );
        assert!(blocks(&doc).iter().any(|b| b["text"] == line), "{file}");
    }
}

#[test]
fn truncated_image() {
    assert_error("bad/truncated.png", &[], "not a readable image");
}

#[test]
fn missing_file_and_directory() {
    assert_error("bad/does-not-exist.pdf", &[], "cannot read");
    assert_error("bad", &[], "unsupported file type");
}

#[test]
fn bad_arguments() {
    assert_error("docs/R-data.pdf", &["--pages", "50"], "out of range");
    assert_error("docs/R-data.pdf", &["--pages", "x-2"], "invalid page range");
    assert_error(
        "docs/R-data.pdf",
        &["--pipeline", "nonsense"],
        "unknown pipeline",
    );
}

#[test]
fn time_limit() {
    assert_error("docs/R-data.pdf", &["--timeout", "0.000001"], "time limit");
}

#[test]
fn missing_or_damaged_runtime_says_how_to_fix_it() {
    let file = fixture("docs/revtex-apssamp.pdf")
        .to_string_lossy()
        .into_owned();
    let empty = tempfile::tempdir().expect("tempdir");
    let out = folio_env(
        &["extract", &file],
        &[("FOLIO_MODELS_DIR", &empty.path().to_string_lossy())],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("not found") && err.contains("models/fetch"),
        "{err}"
    );

    let damaged = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(damaged.path().join("lib")).expect("mkdir");
    std::fs::write(damaged.path().join("lib/libpdfium.so"), b"not a library").expect("write");
    let out = folio_env(
        &["extract", &file],
        &[("FOLIO_MODELS_DIR", &damaged.path().to_string_lossy())],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("sha256") && err.contains("models/fetch"),
        "{err}"
    );
}
