//! `folio serve` as a client sees it: a real server on 127.0.0.1 (ephemeral port) with the
//! real models and stores, and a real HTTP client. Uploads, the job life cycle across a
//! crash and a graceful stop, retrieval, embeddings, auth, every error status, OpenAPI and
//! metrics.

mod common;

use common::server::{client, file_form, Server};
use common::*;
use reqwest::blocking::multipart::{Form, Part};
use serde_json::{json, Value};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

fn config(dir: &Path, body: &str) -> String {
    let path = dir.join("server.toml");
    std::fs::write(&path, body).expect("config");
    path.to_string_lossy().into_owned()
}

fn upload(server: &Server, path: &str, query: &str) -> reqwest::blocking::Response {
    client()
        .post(server.at(&format!("/v1/documents?{query}")))
        .multipart(file_form(&fixture(path)))
        .send()
        .expect("upload")
}

fn retrieve(server: &Server, body: Value) -> Vec<Value> {
    let r = client()
        .post(server.at("/v1/retrieve"))
        .json(&body)
        .send()
        .expect("retrieve");
    assert_eq!(r.status(), 200, "{body}");
    let v: Value = r.json().expect("JSON");
    v["results"].as_array().expect("results").clone()
}

fn error_code(r: reqwest::blocking::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().expect("error JSON");
    (
        status,
        v["error"]["code"].as_str().unwrap_or("").to_string(),
        v["error"]["message"].as_str().unwrap_or("").to_string(),
    )
}

/// Uploads on the synchronous path, deduplication, retrieval in every mode and with
/// filters, listing, Markdown, embeddings equal to the library's, deletion, the OpenAPI
/// document and metrics.
#[test]
fn upload_retrieve_embed_list_and_delete() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&tmp.path().join("data"), &[], &[]);

    let r = upload(&server, "docs/koma-brief.de.pdf", "pipeline=fast");
    assert_eq!(r.status(), 200);
    let brief: Value = r.json().expect("document JSON");
    assert_valid(&brief);
    let brief_id = brief["id"].as_str().expect("id").to_string();
    assert_eq!(brief["source"]["filename"], "koma-brief.de.pdf");

    // A raw body works too; identical bytes are answered from the store.
    let r = client()
        .post(server.at("/v1/documents?pipeline=fast"))
        .header("content-type", "application/pdf")
        .body(std::fs::read(fixture("docs/koma-brief.de.pdf")).expect("fixture"))
        .send()
        .expect("raw upload");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("x-folio-cached")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = r.json().expect("JSON");
    assert_eq!(again["id"], brief_id.as_str());

    let r = upload(&server, "tables/mtcars-iris.pdf", "pipeline=fast");
    assert_eq!(r.status(), 200);
    let cars: Value = r.json().expect("JSON");
    let cars_id = cars["id"].as_str().expect("id").to_string();

    // Known passages come back on the right page in every mode.
    for mode in ["hybrid", "vector", "keyword"] {
        let results = retrieve(
            &server,
            json!({"query": "Kapitän Hook Totenkopfinsel", "mode": mode, "top_k": 3}),
        );
        let top = results
            .first()
            .unwrap_or_else(|| panic!("no {mode} results"));
        assert_eq!(top["document"]["id"], brief_id.as_str(), "{mode}: {top}");
        assert_eq!(top["document"]["filename"], "koma-brief.de.pdf");
        assert!(top["chunk"]["pages"]
            .as_array()
            .expect("pages")
            .contains(&json!(1)));
        assert!(collapse(top["chunk"]["text"].as_str().unwrap_or("")).contains("Kapitän Hook"));
        assert!(!top["chunk"]["boxes"].as_array().expect("boxes").is_empty());
    }
    let results = retrieve(
        &server,
        json!({"query": "Cadillac Fleetwood", "mode": "keyword"}),
    );
    assert_eq!(results[0]["document"]["id"], cars_id.as_str());
    // Filters.
    let only_cars = retrieve(
        &server,
        json!({"query": "Kapitän Hook", "filter": {"document_ids": [cars_id]}}),
    );
    assert!(!only_cars.is_empty());
    assert!(only_cars
        .iter()
        .all(|r| r["document"]["id"] == cars_id.as_str()));
    assert!(retrieve(
        &server,
        json!({"query": "Kapitän Hook", "filter": {"media_types": ["image/png"]}})
    )
    .is_empty());

    // Listing, a page at a time.
    let page: Value = client()
        .get(server.at("/v1/documents?limit=1"))
        .send()
        .expect("list")
        .json()
        .expect("JSON");
    assert_eq!(page["documents"].as_array().map(Vec::len), Some(1));
    let next = page["next"].as_str().expect("a next page");
    let rest: Value = client()
        .get(server.at(&format!("/v1/documents?limit=10&after={next}")))
        .send()
        .expect("list")
        .json()
        .expect("JSON");
    let mut ids: Vec<String> = page["documents"]
        .as_array()
        .into_iter()
        .chain(rest["documents"].as_array())
        .flatten()
        .filter_map(|d| d["id"].as_str().map(String::from))
        .collect();
    ids.sort();
    let mut want = vec![brief_id.clone(), cars_id.clone()];
    want.sort();
    assert_eq!(ids, want);
    assert!(rest["next"].is_null());

    let r = client()
        .get(server.at(&format!("/v1/documents/{brief_id}")))
        .send()
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_valid(&r.json::<Value>().expect("JSON"));
    let md = client()
        .get(server.at(&format!("/v1/documents/{brief_id}/markdown")))
        .send()
        .expect("markdown");
    assert!(md
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/markdown")));
    assert!(collapse(&md.text().expect("text")).contains("Kapitän Hook"));

    // Embeddings: OpenAI's shape, the library's own numbers.
    let texts = ["Kapitän Hook", "Cadillac Fleetwood has 8 cylinders"];
    let r: Value = client()
        .post(server.at("/v1/embeddings"))
        .json(&json!({"input": texts, "model": "all-MiniLM-L6-v2"}))
        .send()
        .expect("embeddings")
        .json()
        .expect("JSON");
    assert_eq!(r["object"], "list");
    assert!(r["usage"]["prompt_tokens"].as_u64().unwrap_or(0) > 4);
    let models = folio::models::ModelStore::at(repo().join("models")).expect("models");
    let embedder =
        folio::embed::Embedder::load(&models, folio::runtime::Device::Cpu, 1).expect("embedder");
    let ours = embedder.embed(&texts).expect("embed");
    for (i, item) in r["data"].as_array().expect("data").iter().enumerate() {
        assert_eq!(item["index"], i);
        let served: Vec<f64> = item["embedding"]
            .as_array()
            .expect("floats")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert_eq!(served.len(), folio::embed::DIM);
        let diff = served
            .iter()
            .zip(&ours[i])
            .map(|(a, b)| (a - f64::from(*b)).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-5, "embedding {i} differs by {diff}");
    }
    let r: Value = client()
        .post(server.at("/v1/embeddings"))
        .json(&json!({"input": "Kapitän Hook", "encoding_format": "base64"}))
        .send()
        .expect("embeddings")
        .json()
        .expect("JSON");
    let b64 = r["data"][0]["embedding"].as_str().expect("base64 string");
    assert_eq!(b64.len(), (folio::embed::DIM * 4).div_ceil(3) * 4);

    // Deletion removes the document and its chunks everywhere.
    let r = client()
        .delete(server.at(&format!("/v1/documents/{cars_id}")))
        .send()
        .expect("delete");
    assert_eq!(r.status(), 204);
    let r = client()
        .get(server.at(&format!("/v1/documents/{cars_id}")))
        .send()
        .expect("get");
    assert_eq!(r.status(), 404);
    assert!(retrieve(
        &server,
        json!({"query": "Cadillac Fleetwood", "mode": "keyword", "top_k": 10})
    )
    .iter()
    .all(|r| r["document"]["id"] != cars_id.as_str()));
    let r = client()
        .delete(server.at(&format!("/v1/documents/{cars_id}")))
        .send()
        .expect("delete");
    assert_eq!(r.status(), 404);

    // Every route in the OpenAPI document exists, and every route we serve is in it.
    let doc: Value = client()
        .get(server.at("/openapi.json"))
        .send()
        .expect("openapi")
        .json()
        .expect("JSON");
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/v1/documents", &["get", "post"][..]),
        ("/v1/documents/{id}", &["get", "delete"]),
        ("/v1/documents/{id}/markdown", &["get"]),
        ("/v1/jobs/{id}", &["get", "delete"]),
        ("/v1/jobs/{id}/document", &["get"]),
        ("/v1/retrieve", &["post"]),
        ("/v1/embeddings", &["post"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
        ("/metrics", &["get"]),
        ("/openapi.json", &["get"]),
    ] {
        for m in methods {
            assert!(
                paths[path].get(m).is_some(),
                "{m} {path} missing in OpenAPI"
            );
        }
    }
    for (path, methods) in paths {
        for method in methods.as_object().expect("methods").keys() {
            let url = server.at(&path.replace("{id}", "nope"));
            let req = match method.as_str() {
                "get" => client().get(url),
                "post" => client()
                    .post(url)
                    .header("content-type", "application/json")
                    .body("{}"),
                "delete" => client().delete(url),
                other => panic!("unexpected method {other}"),
            };
            let r = req.send().expect("request");
            assert_ne!(r.status(), 405, "{method} {path}");
            if r.status() == 404 {
                let (_, _, message) = error_code(r);
                assert_ne!(message, "route not found", "{method} {path}");
            }
        }
    }
    assert!(doc["components"]["schemas"]["Document"]["properties"]["blocks"].is_object());

    let metrics = client()
        .get(server.at("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    for needle in [
        "folio_http_requests_total{method=\"POST\",route=\"/v1/documents\",status=\"200\"}",
        "folio_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/retrieve\"",
        "folio_pages_processed_total",
        "folio_stage_seconds_total{stage=\"embed\"}",
        "folio_queue_depth 0",
        "folio_jobs{state=\"succeeded\"} 2",
    ] {
        assert!(metrics.contains(needle), "{needle} not in\n{metrics}");
    }
}

/// 400, 404, 413, 415, 422, 429 and 500, each with `{"error": {"code", "message"}}`; a
/// cancelled job; an upload that waits for nothing gets a job to follow.
#[test]
fn errors_limits_and_cancellation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = config(
        tmp.path(),
        "[limits]\nmax_upload_bytes = 1000000\nmax_pages = 30\nconcurrent_jobs = 1\nqueue_length = 1\n",
    );
    let data = tmp.path().join("data");
    let server = Server::start(&data, &["--config", &cfg], &[]);

    // 400: an empty file, malformed JSON.
    let empty = Form::new().part("file", Part::bytes(Vec::new()).file_name("empty.pdf"));
    let r = client()
        .post(server.at("/v1/documents"))
        .multipart(empty)
        .send()
        .expect("post");
    assert_eq!(error_code(r).0, 400);
    let r = client()
        .post(server.at("/v1/retrieve"))
        .header("content-type", "application/json")
        .body("{\"query\": ")
        .send()
        .expect("post");
    assert_eq!(error_code(r).0, 400);
    // 404.
    for path in ["/v1/documents/doc_0000", "/v1/jobs/job_0000", "/v1/nothing"] {
        let r = client().get(server.at(path)).send().expect("get");
        assert_eq!(error_code(r).1, "not_found", "{path}");
    }
    // 413, answered from the headers: not a byte of the body has been sent.
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "POST /v1/documents HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/pdf\r\ncontent-length: 1500000\r\n\r\n"
    )
    .expect("headers");
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("status line");
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
    // 415: not a document, by declared type or by content.
    let r = client()
        .post(server.at("/v1/documents"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .expect("post");
    assert_eq!(error_code(r).0, 415);
    let r = upload(&server, "bad/random.bin", "");
    assert_eq!(error_code(r).1, "unsupported_media_type");
    // 422: encrypted without the password; a bad top_k; an unknown pipeline.
    let r = upload(&server, "bad/encrypted.pdf", "pipeline=fast");
    let (status, code, message) = error_code(r);
    assert_eq!(
        (status, code.as_str()),
        (422, "password_required"),
        "{message}"
    );
    let form = file_form(&fixture("bad/encrypted.pdf")).text("password", "folio-user");
    let r = client()
        .post(server.at("/v1/documents?pipeline=fast"))
        .multipart(form)
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    let r = client()
        .post(server.at("/v1/retrieve"))
        .json(&json!({"query": "x", "top_k": 0}))
        .send()
        .expect("post");
    assert_eq!(error_code(r).0, 422);
    let r = upload(&server, "docs/mixed.pdf", "pipeline=nope");
    assert_eq!(error_code(r).0, 422);
    let r = upload(&server, "docs/R-data.pdf", "pipeline=fast");
    assert_eq!(error_code(r).1, "too_many_pages");

    // A slow job occupies the one worker, a second waits in the one queue slot, a third is
    // turned away with Retry-After.
    let first = upload(&server, "docs/quantum-template.pdf", "pipeline=ocr&wait=0");
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("location").is_some());
    let first: Value = first.json().expect("JSON");
    let first_id = first["job"]["id"].as_str().expect("id").to_string();
    server.wait_running(&first_id);
    // The same bytes again while they are worked on: the same job, no new work.
    let dup = upload(&server, "docs/quantum-template.pdf", "pipeline=ocr&wait=0");
    assert_eq!(dup.status(), 202);
    assert_eq!(
        dup.json::<Value>().expect("JSON")["job"]["id"],
        first_id.as_str()
    );
    let second = upload(&server, "docs/scan_only.pdf", "pipeline=ocr&wait=0");
    assert_eq!(second.status(), 202);
    let second: Value = second.json().expect("JSON");
    let second_id = second["job"]["id"].as_str().expect("id").to_string();
    let third = upload(&server, "docs/stamped_scan.pdf", "pipeline=ocr&wait=0");
    assert_eq!(third.status(), 429);
    assert!(third.headers().get("retry-after").is_some());
    assert_eq!(error_code(third).1, "queue_full");

    // Cancelling: the queued job never runs; the running one stops.
    let r: Value = client()
        .delete(server.at(&format!("/v1/jobs/{second_id}")))
        .send()
        .expect("cancel")
        .json()
        .expect("JSON");
    assert_eq!(r["state"], "cancelled");
    client()
        .delete(server.at(&format!("/v1/jobs/{first_id}")))
        .send()
        .expect("cancel");
    let job = server.wait_job(&first_id, None);
    assert_eq!(job["state"], "cancelled", "{job}");
    let r = client()
        .get(server.at(&format!("/v1/jobs/{first_id}/document")))
        .send()
        .expect("get");
    assert_eq!(r.status(), 404);
    let r = client()
        .delete(server.at(&format!("/v1/jobs/{first_id}")))
        .send()
        .expect("cancel");
    assert_eq!(error_code(r).0, 409);

    // 500: the upload a waiting request depends on vanishes from disk (a failing disk); the
    // answer says so without internals.
    let slow = upload(&server, "docs/quantum-template.pdf", "pipeline=ocr&wait=0");
    assert_eq!(slow.status(), 202);
    let slow_id = slow.json::<Value>().expect("JSON")["job"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    // The second upload may only queue once the worker holds the slow job (queue_length 1):
    // posted before the claim, it is refused with 429 and never reaches the disk.
    server.wait_running(&slow_id);
    let url = server.at("/v1/documents?pipeline=ocr&wait=120");
    let waiting = std::thread::spawn(move || {
        client()
            .post(url)
            .multipart(file_form(&fixture("docs/scan_only.pdf")))
            .send()
            .expect("post")
    });
    let uploads = data.join("uploads");
    let t = Instant::now();
    'found: loop {
        for entry in std::fs::read_dir(&uploads).expect("uploads").flatten() {
            if entry.file_name().to_string_lossy() != slow_id {
                std::fs::remove_file(entry.path()).expect("remove upload");
                break 'found;
            }
        }
        assert!(t.elapsed() < Duration::from_secs(30), "no second upload");
        std::thread::sleep(Duration::from_millis(5));
    }
    client()
        .delete(server.at(&format!("/v1/jobs/{slow_id}")))
        .send()
        .expect("cancel");
    let (status, code, message) = error_code(waiting.join().expect("thread"));
    assert_eq!((status, code.as_str()), (500, "internal"));
    assert!(!message.contains("uploads"), "{message}");
}

/// Accepts one HTTP request on a loopback port; returns the port and the body it received.
fn callback_listener() -> (u16, std::sync::mpsc::Receiver<Value>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            let _ = tx.send(answer_post(stream));
        }
    });
    (port, rx)
}

/// A job accepted with 202 is not lost: killed mid-job (-9), the server finishes it after a
/// restart and calls back; stopped with SIGTERM, it exits cleanly and the next start
/// finishes the job.
#[test]
fn jobs_survive_a_crash_and_a_graceful_stop() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let (port, callback) = callback_listener();
    let mut server = Server::start(&data, &[], &[]);
    let form = file_form(&fixture("docs/quantum-template.pdf"))
        .text("pipeline", "ocr")
        .text("callback_url", format!("http://127.0.0.1:{port}/done"));
    let r = client()
        .post(server.at("/v1/documents?wait=0"))
        .multipart(form)
        .send()
        .expect("post");
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().expect("JSON")["job"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let t = Instant::now();
    loop {
        let job: Value = client()
            .get(server.at(&format!("/v1/jobs/{id}")))
            .send()
            .expect("job")
            .json()
            .expect("JSON");
        if job["state"] == "running" && job["pages_done"].as_u64().unwrap_or(0) >= 1 {
            assert_eq!(job["pages_total"], 5);
            break;
        }
        assert_ne!(job["state"], "succeeded", "finished before the crash");
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "never started: {job}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    drop(server);
    // An upload whose job was never recorded (killed in between) is cleared on start.
    let stray = data.join("uploads").join("job_stray");
    std::fs::write(&stray, b"%PDF-").expect("stray upload");

    let server = Server::start(&data, &[], &[]);
    assert!(!stray.exists(), "stray upload kept");
    let job = server.wait_job(&id, None);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["pages_done"], 5);
    let doc: Value = client()
        .get(server.at(&format!("/v1/jobs/{id}/document")))
        .send()
        .expect("document")
        .json()
        .expect("JSON");
    assert_valid(&doc);
    assert_eq!(doc["pages"].as_array().map(Vec::len), Some(5));
    let called = callback
        .recv_timeout(Duration::from_secs(30))
        .expect("callback POSTed");
    assert_eq!(called["job"]["id"], id.as_str());
    assert_eq!(called["job"]["state"], "succeeded");
    assert_eq!(called["document"]["id"], doc["id"]);

    // SIGTERM while a job runs: a clean exit, and the job is done after the next start.
    let r = upload(&server, "docs/revtex-apssamp.pdf", "pipeline=ocr&wait=0");
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().expect("JSON")["job"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    server.wait_running(&id);
    let status = server.terminate();
    assert!(status.success(), "exit after SIGTERM: {status}");
    let server = Server::start(&data, &[], &[]);
    let job = server.wait_job(&id, None);
    assert_eq!(job["state"], "succeeded", "{job}");
}

/// API keys: required when configured; the health routes stay open; a server without keys
/// refuses to listen beyond loopback unless told it is on purpose.
#[test]
fn api_keys_and_the_loopback_rule() {
    const KEY: &str = "test-key-0123456789abcdef";
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&tmp.path().join("data"), &[], &[("FOLIO_API_KEYS", KEY)]);
    let r = client()
        .get(server.at("/v1/documents"))
        .send()
        .expect("get");
    assert!(r.headers().get("www-authenticate").is_some());
    assert_eq!(
        error_code(r),
        (401, "unauthorized".into(), error_code_message())
    );
    let r = client()
        .get(server.at("/v1/documents"))
        .bearer_auth("wrong-key-0123456789abcdef")
        .send()
        .expect("get");
    assert_eq!(r.status(), 401);
    let r = client()
        .get(server.at("/v1/documents"))
        .bearer_auth(KEY)
        .send()
        .expect("get");
    assert_eq!(r.status(), 200);
    let r = client()
        .post(server.at("/v1/retrieve"))
        .bearer_auth(KEY)
        .json(&json!({"query": "anything", "mode": "keyword"}))
        .send()
        .expect("post");
    assert_eq!(r.status(), 200);
    for open in ["/healthz", "/readyz", "/openapi.json"] {
        assert_eq!(
            client().get(server.at(open)).send().expect("get").status(),
            200
        );
    }
    let metrics = client()
        .get(server.at("/metrics"))
        .bearer_auth(KEY)
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    assert!(
        metrics.contains(
            "folio_http_requests_total{method=\"GET\",route=\"/v1/documents\",status=\"401\"} 2"
        ),
        "{metrics}"
    );
    drop(server);

    let out = folio(&[
        "serve",
        "--addr",
        "0.0.0.0:0",
        "--data",
        &tmp.path().join("open").to_string_lossy(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("refusing to listen"),
        "{}",
        stderr(&out)
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            "serve",
            "--addr",
            "0.0.0.0:0",
            "--insecure-no-auth",
            "--data",
        ])
        .arg(tmp.path().join("open"))
        .current_dir(repo())
        .env_remove("FOLIO_API_KEYS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
}

fn error_code_message() -> String {
    "a valid API key is required: Authorization: Bearer KEY".into()
}
