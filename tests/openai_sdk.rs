//! OpenAI's official Python SDK (`openai`, installed by `make test` into `target/pyenv`),
//! unchanged, against a real `folio serve`: models, embeddings, files, batches created,
//! retrieved, listed and cancelled (`tests/openai_sdk.py`). Fails, with how to fix it, when
//! the SDK is not installed.

mod common;

use common::server::Server;
use common::*;
use std::process::Command;

/// The Python that has the SDK: `FOLIO_TEST_PYTHON`, else `target/pyenv/bin/python`.
fn python() -> std::path::PathBuf {
    std::env::var_os("FOLIO_TEST_PYTHON")
        .map(Into::into)
        .unwrap_or_else(|| repo().join("target/pyenv/bin/python"))
}

#[test]
fn the_official_python_sdk_runs_batches_unchanged() {
    let python = python();
    let has_sdk = Command::new(&python)
        .args(["-c", "import openai"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_sdk,
        "{} cannot import openai: run `make test` (it installs the SDK into target/pyenv), \
         or set FOLIO_TEST_PYTHON to a Python that has it",
        python.display()
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let key = "sdk-test-key-0123456789";
    let server = Server::start(&tmp.path().join("data"), &[], &[("FOLIO_API_KEYS", key)]);
    let out = Command::new(&python)
        .arg(repo().join("tests/openai_sdk.py"))
        .arg(&server.url)
        .arg(fixture("docs/outline.pdf"))
        .arg(key)
        .output()
        .expect("python runs");
    assert!(
        out.status.success() && stdout(&out).trim() == "ok",
        "the SDK run failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}
