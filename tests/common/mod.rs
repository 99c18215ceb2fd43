//! Helpers shared by the integration tests: run the real `folio` binary (real pdfium from
//! `models/`) and validate what it prints against the committed JSON Schema.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("fixtures").join(rel)
}

/// Runs `folio` with `args` from the repository root.
pub fn folio(args: &[&str]) -> Output {
    folio_env(args, &[])
}

pub fn folio_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_folio"));
    cmd.args(args)
        .current_dir(repo())
        .env_remove("FOLIO_MODELS_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("folio runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `folio extract FILE ARGS…` must succeed; returns its stdout.
fn extract_ok(file: &Path, args: &[&str]) -> Vec<u8> {
    let path = file.to_string_lossy().into_owned();
    let mut all = vec!["extract", path.as_str()];
    all.extend_from_slice(args);
    let out = folio(&all);
    assert!(
        out.status.success(),
        "folio {all:?} failed: {}",
        stderr(&out)
    );
    out.stdout
}

/// `folio extract FILE ARGS…` as JSON, validated against the schema.
pub fn extract_json(file: &Path, args: &[&str]) -> Value {
    let doc: Value = serde_json::from_slice(&extract_ok(file, args)).expect("stdout is JSON");
    assert_valid(&doc);
    doc
}

/// `folio extract FILE --format F ARGS…`; returns stdout.
pub fn extract_as(file: &Path, format: &str, args: &[&str]) -> String {
    let mut all = vec!["--format", format];
    all.extend_from_slice(args);
    String::from_utf8_lossy(&extract_ok(file, &all)).into_owned()
}

/// Fails unless `doc` validates against `schemas/document.schema.json`.
pub fn assert_valid(doc: &Value) {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(repo().join("schemas/document.schema.json"))
            .expect("schema file");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "document violates the schema: {errors:?}"
    );
}

/// Whitespace runs collapsed to one space.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn blocks(doc: &Value) -> &Vec<Value> {
    doc["blocks"].as_array().expect("blocks array")
}

/// A block's `bbox` as numbers.
pub fn bbox(block: &Value) -> Vec<f64> {
    block["bbox"]
        .as_array()
        .expect("bbox")
        .iter()
        .filter_map(|v| v.as_f64())
        .collect()
}

/// The text of every block (of page `page`, if given), joined by spaces.
pub fn all_text(doc: &Value, page: Option<u64>) -> String {
    blocks(doc)
        .iter()
        .filter(|b| page.is_none_or(|p| b["page"].as_u64() == Some(p)))
        .filter_map(|b| b["text"].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first block whose text, whitespace collapsed, equals `text`.
pub fn block_with_text<'a>(doc: &'a Value, page: u64, text: &str) -> Option<&'a Value> {
    blocks(doc).iter().find(|b| {
        b["page"].as_u64() == Some(page) && collapse(b["text"].as_str().unwrap_or("")) == text
    })
}

/// Text normalised the way the team's score.py does: NFKC, whitespace collapsed.
pub fn normalized(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    collapse(&s.nfkc().collect::<String>())
}

/// Character error rate: edit distance / reference length, after [`normalized`].
pub fn cer(hyp: &str, reference: &str) -> f64 {
    let (h, r): (Vec<char>, Vec<char>) = (
        normalized(hyp).chars().collect(),
        normalized(reference).chars().collect(),
    );
    let mut prev: Vec<usize> = (0..=r.len()).collect();
    for (i, hc) in h.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, rc) in r.iter().enumerate() {
            cur.push(
                (prev[j + 1] + 1)
                    .min(cur[j] + 1)
                    .min(prev[j] + usize::from(hc != rc)),
            );
        }
        prev = cur;
    }
    prev[r.len()] as f64 / r.len().max(1) as f64
}

/// Bag-of-words F1 over lower-cased words, as score.py computes it.
pub fn bow_f1(hyp: &str, reference: &str) -> f64 {
    use std::collections::HashMap;
    let bag = |s: &str| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for w in normalized(s)
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
        {
            *m.entry(w.to_string()).or_insert(0) += 1;
        }
        m
    };
    let (h, r) = (bag(hyp), bag(reference));
    let common: usize = h
        .iter()
        .map(|(w, n)| (*n).min(*r.get(w).unwrap_or(&0)))
        .sum();
    let (hn, rn): (usize, usize) = (h.values().sum(), r.values().sum());
    if common == 0 {
        return 0.0;
    }
    let (p, rc) = (common as f64 / hn as f64, common as f64 / rn as f64);
    2.0 * p * rc / (p + rc)
}
/// Makes, in the current directory, an authority of its own (`ca.crt`, `ca.key`) and,
/// signed by it, a certificate for the name localhost (`server.crt`, `server.key`).
pub const CERTIFICATES: &str = "set -e
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=folio-test-ca \
        -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
        -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile server.ext -out server.crt 2>/dev/null
    chmod 600 server.key";

pub mod batches;
pub mod pg_cluster;
pub mod qdrant_server;
pub mod retrieval;
pub mod server;
pub mod two_servers;
pub mod webdriver;

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Runs `cleanup` (a shell script) once this test process has ended, however it ends: for
/// servers the tests start and must not outlive them.
pub fn after_this_process(cleanup: &str) {
    let script = format!(
        "while kill -0 {} 2>/dev/null; do sleep 1; done; {cleanup}",
        std::process::id()
    );
    let watchdog = Command::new("setsid")
        .args(["-f", "sh", "-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the watchdog starts");
    assert!(watchdog.success(), "the watchdog did not start");
}

/// Reads one HTTP request from `stream`, answers 200 and returns its JSON body (`Null` when
/// it is not JSON): a callback receiver's whole job.
pub fn answer_post(stream: std::net::TcpStream) -> Value {
    use std::io::{BufRead as _, Read as _, Write as _};
    let mut reader = std::io::BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let _ = reader
        .get_mut()
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}
