//! The Files and Batches APIs as a test client calls them (`tests/batches.rs`,
//! `tests/shared_queue.rs`).

use super::server::{client, Server};
use reqwest::blocking::multipart::{Form, Part};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// `POST /v1/files`: the new file's id.
pub fn put_file_id(server: &Server, name: &str, bytes: Vec<u8>, purpose: &str) -> String {
    put_file(server, name, bytes, purpose)["id"]
        .as_str()
        .expect("file id")
        .to_string()
}

/// `POST /v1/files`: the file object.
pub fn put_file(server: &Server, name: &str, bytes: Vec<u8>, purpose: &str) -> Value {
    let form = Form::new()
        .text("purpose", purpose.to_string())
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    let r = client()
        .post(server.at("/v1/files"))
        .multipart(form)
        .send()
        .expect("file upload");
    assert_eq!(r.status(), 200, "file upload");
    r.json().expect("file JSON")
}

/// A JSONL batch input of `(custom_id, body)` lines for `url`.
pub fn jsonl(url: &str, lines: &[(String, Value)]) -> Vec<u8> {
    let mut out = String::new();
    for (id, body) in lines {
        out.push_str(
            &json!({"custom_id": id, "method": "POST", "url": url, "body": body}).to_string(),
        );
        out.push('\n');
    }
    out.into_bytes()
}

pub fn create_batch(
    server: &Server,
    input: &str,
    endpoint: &str,
    extra: Value,
) -> reqwest::blocking::Response {
    let mut body =
        json!({"input_file_id": input, "endpoint": endpoint, "completion_window": "24h"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    client()
        .post(server.at("/v1/batches"))
        .json(&body)
        .send()
        .expect("create batch")
}

pub fn batch(server: &Server, id: &str) -> Value {
    client()
        .get(server.at(&format!("/v1/batches/{id}")))
        .send()
        .expect("batch")
        .json()
        .expect("batch JSON")
}

/// Polls a batch until it has ended.
pub fn wait_batch(server: &Server, id: &str) -> Value {
    let t = Instant::now();
    loop {
        let b = batch(server, id);
        if matches!(
            b["status"].as_str(),
            Some("completed" | "failed" | "cancelled" | "expired")
        ) {
            return b;
        }
        assert!(t.elapsed() < Duration::from_secs(600), "batch still {b}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The lines of a file's content, parsed.
pub fn file_lines(server: &Server, id: &str) -> Vec<Value> {
    let r = client()
        .get(server.at(&format!("/v1/files/{id}/content")))
        .send()
        .expect("content");
    assert_eq!(r.status(), 200);
    r.text()
        .expect("text")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Output and error lines by custom_id (each must appear once in all).
pub fn outcomes(server: &Server, b: &Value) -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    for key in ["output_file_id", "error_file_id"] {
        if let Some(id) = b[key].as_str() {
            for line in file_lines(server, id) {
                let custom = line["custom_id"].as_str().expect("custom_id").to_string();
                assert!(all.insert(custom.clone(), line).is_none(), "{custom} twice");
            }
        }
    }
    all
}
