//! The OpenAI-style Files and Batches APIs against a real `folio serve`: files up and down,
//! batches of documents, embeddings and retrieval run to their output and error files,
//! validation errors with line numbers, limits, cancellation, a kill -9 in the middle (no
//! line lost or written twice), a single upload that does not wait behind a batch, the
//! completion webhook, and `/v1/models`.

mod common;

use common::batches::*;
use common::server::{client, Server};
use common::*;
use reqwest::blocking::multipart::{Form, Part};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

fn config(dir: &Path, body: &str) -> String {
    let path = dir.join("server.toml");
    std::fs::write(&path, body).expect("config");
    path.to_string_lossy().into_owned()
}

/// Files up, listed, fetched, downloaded and deleted; batches of embeddings, documents and
/// retrieval run to their files; a bad input fails with its line numbers; limits answer
/// 400 and 413; the webhook hears the end; `/v1/models` lists the model and pipelines.
#[test]
fn files_and_batches_of_every_endpoint() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = config(
        tmp.path(),
        "[limits]\nmax_batch_lines = 20\nmax_batch_input_bytes = 100000\n",
    );
    let server = Server::start(&tmp.path().join("data"), &["--config", &cfg], &[]);

    // /v1/models, as OpenAI clients list them first.
    let models: Value = client()
        .get(server.at("/v1/models"))
        .send()
        .expect("models")
        .json()
        .expect("JSON");
    assert_eq!(models["object"], "list");
    let ids: Vec<&str> = models["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"all-MiniLM-L6-v2") && ids.contains(&"accurate") && ids.contains(&"fast"),
        "{ids:?}"
    );
    let one: Value = client()
        .get(server.at("/v1/models/all-MiniLM-L6-v2"))
        .send()
        .expect("model")
        .json()
        .expect("JSON");
    assert_eq!(
        (one["object"].as_str(), one["kind"].as_str()),
        (Some("model"), Some("embedding"))
    );
    assert_eq!(
        client()
            .get(server.at("/v1/models/gpt-4"))
            .send()
            .expect("model")
            .status(),
        404
    );

    // Files: up, described, listed newest first, downloaded byte for byte, deleted.
    let pdf = std::fs::read(fixture("docs/outline.pdf")).expect("fixture");
    let doc = put_file(&server, "outline.pdf", pdf.clone(), "user_data");
    assert_eq!(
        (doc["object"].as_str(), doc["purpose"].as_str()),
        (Some("file"), Some("user_data"))
    );
    assert_eq!(doc["bytes"].as_u64(), Some(pdf.len() as u64));
    let doc_id = doc["id"].as_str().expect("id").to_string();
    let got: Value = client()
        .get(server.at(&format!("/v1/files/{doc_id}")))
        .send()
        .expect("get")
        .json()
        .expect("JSON");
    assert_eq!(got["filename"], "outline.pdf");
    let bytes = client()
        .get(server.at(&format!("/v1/files/{doc_id}/content")))
        .send()
        .expect("content")
        .bytes()
        .expect("bytes");
    assert_eq!(bytes.as_ref(), pdf.as_slice());
    let scratch = put_file(&server, "scratch.jsonl", b"{}\n".to_vec(), "batch");
    let listed: Value = client()
        .get(server.at("/v1/files?limit=1"))
        .send()
        .expect("list")
        .json()
        .expect("JSON");
    assert_eq!(listed["data"][0]["id"], scratch["id"], "newest first");
    assert_eq!(listed["has_more"], true);
    let next: Value = client()
        .get(server.at(&format!(
            "/v1/files?limit=1&after={}",
            listed["last_id"].as_str().expect("cursor")
        )))
        .send()
        .expect("list")
        .json()
        .expect("JSON");
    assert_eq!(next["data"][0]["id"].as_str(), Some(doc_id.as_str()));
    let scratch_id = scratch["id"].as_str().expect("id");
    let deleted: Value = client()
        .delete(server.at(&format!("/v1/files/{scratch_id}")))
        .send()
        .expect("delete")
        .json()
        .expect("JSON");
    assert_eq!(deleted["deleted"], true);
    assert_eq!(
        client()
            .get(server.at(&format!("/v1/files/{scratch_id}")))
            .send()
            .expect("get")
            .status(),
        404
    );
    let bad_purpose = client()
        .post(server.at("/v1/files"))
        .multipart(
            Form::new()
                .text("purpose", "fine-tune")
                .part("file", Part::bytes(b"x".to_vec()).file_name("x")),
        )
        .send()
        .expect("upload");
    assert_eq!(bad_purpose.status(), 400);

    // A webhook receiver for the documents batch.
    let (port, heard) = callback_listener();

    // Embeddings: two good lines and one the model refuses (its own line in the error file).
    let input = jsonl(
        "/v1/embeddings",
        &[
            (
                "e1".into(),
                json!({"input": "the first text", "model": "all-MiniLM-L6-v2"}),
            ),
            ("e2".into(), json!({"input": ["two", "texts"]})),
            (
                "e3".into(),
                json!({"input": "x", "model": "text-embedding-3-small"}),
            ),
        ],
    );
    let input_id = put_file_id(&server, "emb.jsonl", input, "batch");
    let created: Value = create_batch(
        &server,
        &input_id,
        "/v1/embeddings",
        json!({"metadata": {"team": "search"}}),
    )
    .json()
    .expect("JSON");
    assert_eq!(created["object"], "batch");
    assert_eq!(created["status"], "validating");
    assert_eq!(created["metadata"]["team"], "search");
    let done = wait_batch(&server, created["id"].as_str().expect("id"));
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        done["request_counts"],
        json!({"total": 3, "completed": 2, "failed": 1})
    );
    for key in [
        "in_progress_at",
        "finalizing_at",
        "completed_at",
        "expires_at",
    ] {
        assert!(done[key].as_i64().is_some(), "{key} in {done}");
    }
    let lines = outcomes(&server, &done);
    assert_eq!(lines["e1"]["response"]["status_code"], 200);
    assert_eq!(
        lines["e1"]["response"]["body"]["data"][0]["embedding"]
            .as_array()
            .map(Vec::len),
        Some(384)
    );
    assert_eq!(
        lines["e2"]["response"]["body"]["data"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(lines["e3"]["response"]["status_code"], 422);
    assert_eq!(
        lines["e3"]["response"]["body"]["error"]["code"],
        "model_not_found"
    );
    let output = file_lines(&server, done["output_file_id"].as_str().expect("output"));
    assert_eq!(
        output
            .iter()
            .map(|l| l["custom_id"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["e1", "e2"],
        "line order"
    );

    // Documents: the user_data file extracted and indexed, the line's body the Document.
    let input = jsonl(
        "/v1/documents",
        &[
            ("d1".into(), json!({"file_id": doc_id, "pipeline": "fast"})),
            (
                "d2".into(),
                json!({"file_id": doc_id, "pipeline": "fast", "index": false}),
            ),
        ],
    );
    let input_id = put_file_id(&server, "docs.jsonl", input, "batch");
    let created: Value = create_batch(
        &server,
        &input_id,
        "/v1/documents",
        json!({"callback_url": format!("http://127.0.0.1:{port}/hook")}),
    )
    .json()
    .expect("JSON");
    let done = wait_batch(&server, created["id"].as_str().expect("id"));
    assert_eq!(
        done["request_counts"],
        json!({"total": 2, "completed": 2, "failed": 0}),
        "{done}"
    );
    let lines = outcomes(&server, &done);
    let document = &lines["d1"]["response"]["body"];
    assert!(
        document["id"]
            .as_str()
            .is_some_and(|d| d.starts_with("doc_")),
        "{document}"
    );
    assert!(!document["blocks"].as_array().expect("blocks").is_empty());
    let hook = heard
        .recv_timeout(Duration::from_secs(30))
        .expect("the webhook");
    assert_eq!(
        (hook["id"].clone(), hook["status"].as_str()),
        (created["id"].clone(), Some("completed"))
    );

    // Retrieval over what the batch indexed.
    let input = jsonl(
        "/v1/retrieve",
        &[(
            "r1".into(),
            json!({"query": "sampling plan weather", "top_k": 3, "mode": "keyword"}),
        )],
    );
    let input_id = put_file_id(&server, "q.jsonl", input, "batch");
    let created: Value = create_batch(&server, &input_id, "/v1/retrieve", json!({}))
        .json()
        .expect("JSON");
    let done = wait_batch(&server, created["id"].as_str().expect("id"));
    let lines = outcomes(&server, &done);
    let hit = &lines["r1"]["response"]["body"]["results"][0];
    assert_eq!(hit["document"]["id"], document["id"], "{}", lines["r1"]);

    // An invalid input fails validation with each bad line's number.
    let mut bad = jsonl("/v1/embeddings", &[("ok".into(), json!({"input": "x"}))]);
    bad.extend_from_slice(b"not json\n");
    bad.extend_from_slice(
        json!({"custom_id": "ok", "method": "POST", "url": "/v1/embeddings", "body": {}})
            .to_string()
            .as_bytes(),
    );
    bad.extend_from_slice(b"\n");
    bad.extend_from_slice(
        json!({"custom_id": "u", "method": "POST", "url": "/v1/retrieve", "body": {}})
            .to_string()
            .as_bytes(),
    );
    let input_id = put_file_id(&server, "bad.jsonl", bad, "batch");
    let created: Value = create_batch(&server, &input_id, "/v1/embeddings", json!({}))
        .json()
        .expect("JSON");
    let failed = wait_batch(&server, created["id"].as_str().expect("id"));
    assert_eq!(failed["status"], "failed");
    let errors: Vec<(String, u64)> = failed["errors"]["data"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap_or("").to_string(),
                e["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("invalid_json_line".to_string(), 2),
            ("duplicate_custom_id".into(), 3),
            ("mismatched_endpoint".into(), 4)
        ]
    );

    // Limits: too many lines is a 400, a larger input a 413, a wrong file purpose a 400.
    let many: Vec<(String, Value)> = (0..21)
        .map(|i| (format!("l{i}"), json!({"input": "x"})))
        .collect();
    let input_id = put_file_id(
        &server,
        "many.jsonl",
        jsonl("/v1/embeddings", &many),
        "batch",
    );
    assert_eq!(
        create_batch(&server, &input_id, "/v1/embeddings", json!({})).status(),
        400
    );
    let huge = client()
        .post(server.at("/v1/files"))
        .multipart(Form::new().text("purpose", "batch").part(
            "file",
            Part::bytes(vec![b' '; 100_001]).file_name("big.jsonl"),
        ))
        .send()
        .expect("upload");
    assert_eq!(huge.status(), 413);
    assert_eq!(
        create_batch(&server, &doc_id, "/v1/embeddings", json!({})).status(),
        400
    );
    assert_eq!(
        create_batch(&server, "file-nope", "/v1/embeddings", json!({})).status(),
        404
    );
    assert_eq!(
        create_batch(&server, &input_id, "/v1/chat/completions", json!({})).status(),
        400
    );

    // The list, newest first.
    let listed: Value = client()
        .get(server.at("/v1/batches?limit=2"))
        .send()
        .expect("list")
        .json()
        .expect("JSON");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed["data"][0]["id"], created["id"]);
}

/// One HTTP server on a free port that hands each POSTed JSON body to the receiver.
fn callback_listener() -> (u16, std::sync::mpsc::Receiver<Value>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if tx.send(answer_post(stream)).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

/// A batch of slow lines: a single upload made meanwhile is answered before the batch
/// ends; a cancel ends the batch with every line once (those that never ran as
/// `batch_cancelled`); a kill -9 in the middle of another loses and repeats no line.
#[test]
fn batches_share_the_workers_stop_on_cancel_and_survive_a_kill() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &[], &[]);
    let pdf = std::fs::read(fixture("docs/R-data.pdf")).expect("fixture");
    let file_id = put_file_id(&server, "R-data.pdf", pdf, "user_data");
    let lines: Vec<(String, Value)> = (1..=8)
        .map(|i| {
            (
                format!("line-{i}"),
                json!({"file_id": file_id, "pipeline": "accurate", "index": false}),
            )
        })
        .collect();
    let input_id = put_file_id(
        &server,
        "slow.jsonl",
        jsonl("/v1/documents", &lines),
        "batch",
    );

    // Fair share: an upload made while the batch runs does not wait for it.
    let b: Value = create_batch(&server, &input_id, "/v1/documents", json!({}))
        .json()
        .expect("JSON");
    let id = b["id"].as_str().expect("id").to_string();
    let t = Instant::now();
    while batch(&server, &id)["status"] != "in_progress" {
        assert!(t.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = client()
        .post(server.at("/v1/documents?pipeline=fast&wait=120"))
        .multipart(common::server::file_form(&fixture("docs/outline.pdf")))
        .send()
        .expect("upload");
    assert_eq!(r.status(), 200, "the upload was answered within its wait");
    let during = batch(&server, &id);
    assert_eq!(
        during["status"], "in_progress",
        "the batch still runs: {during}"
    );
    assert!(during["request_counts"]["completed"].as_u64().unwrap_or(0) < 8);

    // Cancel: it ends promptly, every line once.
    let cancelled: Value = client()
        .post(server.at(&format!("/v1/batches/{id}/cancel")))
        .send()
        .expect("cancel")
        .json()
        .expect("JSON");
    assert!(
        matches!(
            cancelled["status"].as_str(),
            Some("cancelling" | "cancelled")
        ),
        "{cancelled}"
    );
    let t = Instant::now();
    let ended = wait_batch(&server, &id);
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "cancel took {:?}",
        t.elapsed()
    );
    assert_eq!(ended["status"], "cancelled");
    let all = outcomes(&server, &ended);
    assert_eq!(all.len(), 8, "every line once");
    assert!(
        all.values()
            .any(|l| l["error"]["code"] == "batch_cancelled"),
        "{all:?}"
    );
    let again = client()
        .post(server.at(&format!("/v1/batches/{id}/cancel")))
        .send()
        .expect("cancel");
    assert_eq!(again.status(), 409);

    // kill -9 in the middle of a batch: the restarted server finishes it, no line twice.
    let b: Value = create_batch(&server, &input_id, "/v1/documents", json!({}))
        .json()
        .expect("JSON");
    let id = b["id"].as_str().expect("id").to_string();
    let t = Instant::now();
    while batch(&server, &id)["request_counts"]["completed"]
        .as_u64()
        .unwrap_or(0)
        < 2
    {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "{}",
            batch(&server, &id)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut server = server;
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    drop(server);
    let server = Server::start(&data, &[], &[]);
    let ended = wait_batch(&server, &id);
    assert_eq!(ended["status"], "completed", "{ended}");
    assert_eq!(
        ended["request_counts"],
        json!({"total": 8, "completed": 8, "failed": 0})
    );
    let all = outcomes(&server, &ended);
    assert_eq!(all.keys().cloned().collect::<Vec<_>>(), {
        let mut ids: Vec<String> = (1..=8).map(|i| format!("line-{i}")).collect();
        ids.sort();
        ids
    });
    let output = file_lines(&server, ended["output_file_id"].as_str().expect("output"));
    let order: Vec<&str> = output
        .iter()
        .filter_map(|l| l["custom_id"].as_str())
        .collect();
    assert_eq!(
        order,
        (1..=8)
            .map(|i| format!("line-{i}"))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
}

/// A batch past its completion window ends `expired`: lines that ran keep their answers,
/// the rest are in the error file as `batch_expired`.
#[test]
fn a_batch_past_its_window_expires_with_what_it_finished() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = config(tmp.path(), "batch_window_seconds = 3.0\n");
    let server = Server::start(&tmp.path().join("data"), &["--config", &cfg], &[]);
    let pdf = std::fs::read(fixture("docs/R-data.pdf")).expect("fixture");
    let file_id = put_file_id(&server, "R-data.pdf", pdf, "user_data");
    let mut lines: Vec<(String, Value)> = vec![(
        "quick".into(),
        json!({"file_id": file_id, "pipeline": "fast", "index": false}),
    )];
    lines.extend((1..=30).map(|i| {
        (
            format!("slow-{i}"),
            json!({"file_id": file_id, "pipeline": "ocr", "index": false}),
        )
    }));
    let input_id = put_file_id(&server, "in.jsonl", jsonl("/v1/documents", &lines), "batch");
    let b: Value = create_batch(&server, &input_id, "/v1/documents", json!({}))
        .json()
        .expect("JSON");
    let ended = wait_batch(&server, b["id"].as_str().expect("id"));
    assert_eq!(ended["status"], "expired", "{ended}");
    assert!(ended["expired_at"].as_i64().is_some());
    let all = outcomes(&server, &ended);
    assert_eq!(all.len(), 31, "every line once");
    assert_eq!(all["quick"]["response"]["status_code"], 200);
    assert_eq!(all["slow-30"]["error"]["code"], "batch_expired");
    assert_eq!(ended["request_counts"]["total"], 31);
}
