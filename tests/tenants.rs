//! Tenants on one real `folio serve`: every route of the OpenAPI document, called by one
//! tenant with another's ids, answers 404 (or a listing without them); the same bytes
//! uploaded by two tenants are stored once and deleted per tenant; storage limits; the
//! admin key for operations; keys rotated by SIGHUP without a restart.

mod common;

use common::server::{client, file_form, Server};
use common::*;
use reqwest::blocking::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

const KEY_A: &str = "team-a-key-0123456789";
const KEY_B: &str = "team-b-key-0123456789";
const KEY_C: &str = "team-c-key-0123456789";
const ADMIN: &str = "admin-key-0123456789ab";

fn settings(a_key: &str) -> String {
    format!(
        r#"admin_keys = ["{ADMIN}"]
[[tenants]]
name = "team-a"
keys = ["{a_key}"]
[[tenants]]
name = "team-b"
keys = ["{KEY_B}"]
[[tenants]]
name = "team-c"
keys = ["{KEY_C}"]
limits = {{ storage_bytes = 1000 }}
"#
    )
}

fn call(
    server: &Server,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::blocking::Response {
    let mut request = client().request(method, server.at(path)).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().expect("request")
}

fn json_of(r: reqwest::blocking::Response) -> Value {
    let status = r.status();
    let text = r.text().expect("body");
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

fn upload(server: &Server, key: &str, fixture_path: &str) -> Value {
    json_of(
        client()
            .post(server.at("/v1/documents?pipeline=fast"))
            .bearer_auth(key)
            .multipart(file_form(&fixture(fixture_path)))
            .send()
            .expect("upload"),
    )
}

fn put_file(server: &Server, key: &str, bytes: Vec<u8>, purpose: &str) -> Value {
    let form = Form::new()
        .text("purpose", purpose.to_string())
        .part("file", Part::bytes(bytes).file_name("f.jsonl"));
    json_of(
        client()
            .post(server.at("/v1/files"))
            .bearer_auth(key)
            .multipart(form)
            .send()
            .expect("file"),
    )
}

fn doc_ids(server: &Server, key: &str) -> Vec<String> {
    let list = json_of(call(server, key, Method::GET, "/v1/documents", None));
    list["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|d| d["id"].as_str().map(String::from))
        .collect()
}

fn hits(server: &Server, key: &str, query: &str) -> Vec<String> {
    let found = json_of(call(
        server,
        key,
        Method::POST,
        "/v1/retrieve",
        Some(json!({"query": query, "mode": "keyword", "top_k": 10})),
    ));
    found["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["document"]["id"].as_str().map(String::from))
        .collect()
}

#[test]
fn tenants_see_only_their_own() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = tmp.path().join("server.toml");
    std::fs::write(&cfg, settings(KEY_A)).expect("config");
    let cfg = cfg.to_string_lossy().into_owned();
    // A folder ingested for team A from the command line, before the server starts.
    let data = tmp.path().join("data");
    let brief = fixture("docs/koma-brief.de.pdf");
    let ingest = |tenant: &str| {
        folio(&[
            "ingest",
            "--pipeline",
            "fast",
            "--tenant",
            tenant,
            "--data",
            &data.to_string_lossy(),
            &brief.to_string_lossy(),
        ])
    };
    assert!(!ingest("Team A!").status.success(), "a bad tenant name");
    let out = ingest("team-a");
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(&data, &["--config", &cfg], &[]);
    let ingested = doc_ids(&server, KEY_A);
    assert_eq!(ingested.len(), 1, "team A sees its ingested file");
    assert!(doc_ids(&server, KEY_B).is_empty(), "team B does not");
    let ingested_id = ingested[0].clone();

    // Team A's things: a document (with its job), a file, a batch.
    let doc = upload(&server, KEY_A, "docs/outline.pdf");
    let doc_id = doc["id"].as_str().expect("id").to_string();
    let accepted = json_of(
        client()
            .post(server.at("/v1/documents?pipeline=fast&wait=0&index=false"))
            .bearer_auth(KEY_A)
            .multipart(file_form(&fixture("docs/mixed.pdf")))
            .send()
            .expect("upload"),
    );
    let job_id = accepted["job"]["id"].as_str().expect("job").to_string();
    let line = json!({"custom_id": "x", "method": "POST", "url": "/v1/embeddings", "body": {"input": "x"}});
    let file = put_file(&server, KEY_A, format!("{line}\n").into_bytes(), "batch");
    let file_id = file["id"].as_str().expect("id").to_string();
    let batch = json_of(call(
        &server,
        KEY_A,
        Method::POST,
        "/v1/batches",
        Some(
            json!({"input_file_id": file_id, "endpoint": "/v1/embeddings", "completion_window": "24h"}),
        ),
    ));
    let batch_id = batch["id"].as_str().expect("id").to_string();
    assert!(hits(&server, KEY_A, "sampling plan").contains(&doc_id));

    assert!(doc_ids(&server, KEY_A).contains(&ingested_id));
    // Team B, with team A's ids, on every route of the OpenAPI document.
    let openapi = json_of(
        client()
            .get(server.at("/openapi.json"))
            .send()
            .expect("openapi"),
    );
    let mut covered = BTreeSet::new();
    let id_for = |path: &str| -> Option<&str> {
        match path {
            p if p.starts_with("/v1/documents/") => Some(&doc_id),
            p if p.starts_with("/v1/jobs/") => Some(&job_id),
            p if p.starts_with("/v1/files/") => Some(&file_id),
            p if p.starts_with("/v1/batches/") => Some(&batch_id),
            _ => None,
        }
    };
    for (path, item) in openapi["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            let route = format!("{} {path}", method.to_uppercase());
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            match (path.as_str(), id_for(path)) {
                (p, Some(id)) => {
                    let concrete = p.replace("{id}", id).replace("{n}", "1");
                    let r = call(&server, KEY_B, m, &concrete, None);
                    assert_eq!(r.status(), 404, "{route} with team A's id");
                    let body: Value = r.json().expect("error JSON");
                    assert!(
                        !body.to_string().contains("team-a"),
                        "{route} says nothing of A: {body}"
                    );
                }
                ("/v1/documents", None) if m == Method::GET => {
                    assert!(doc_ids(&server, KEY_B).is_empty(), "{route}");
                }
                ("/v1/documents", None) => {} // uploads: below, the same bytes from B
                ("/v1/files", None) if m == Method::GET => {
                    let list = json_of(call(&server, KEY_B, m, path, None));
                    assert_eq!(list["data"], json!([]), "{route}");
                }
                ("/v1/files", None) => {} // B's own upload: below
                ("/v1/batches", None) if m == Method::GET => {
                    let list = json_of(call(&server, KEY_B, m, path, None));
                    assert_eq!(list["data"], json!([]), "{route}");
                }
                ("/v1/batches", None) => {
                    let r = call(
                        &server,
                        KEY_B,
                        m,
                        path,
                        Some(json!({"input_file_id": file_id,
                        "endpoint": "/v1/embeddings", "completion_window": "24h"})),
                    );
                    assert_eq!(r.status(), 404, "{route} with A's input file");
                }
                ("/v1/retrieve", None) => {
                    assert!(hits(&server, KEY_B, "sampling plan").is_empty(), "{route}");
                }
                ("/v1/embeddings" | "/v1/models" | "/v1/models/{id}", None) => {} // no tenant data
                ("/healthz" | "/readyz" | "/openapi.json" | "/metrics", None) => {}
                _ => panic!("{route}: not covered by this test; say what tenant B may see of it"),
            }
            covered.insert(route);
        }
    }
    assert!(covered.len() >= 20, "{covered:?}");

    // The same bytes from team B: stored once, listed and deleted per tenant.
    let again = upload(&server, KEY_B, "docs/outline.pdf");
    assert_eq!(again["id"].as_str(), Some(doc_id.as_str()));
    assert_eq!(doc_ids(&server, KEY_B), vec![doc_id.clone()]);
    assert!(hits(&server, KEY_B, "sampling plan").contains(&doc_id));
    let r = call(
        &server,
        KEY_A,
        Method::DELETE,
        &format!("/v1/documents/{doc_id}"),
        None,
    );
    assert_eq!(r.status(), 204);
    assert_eq!(
        call(
            &server,
            KEY_A,
            Method::GET,
            &format!("/v1/documents/{doc_id}"),
            None
        )
        .status(),
        404
    );
    assert!(hits(&server, KEY_A, "sampling plan").is_empty());
    assert_eq!(
        call(
            &server,
            KEY_B,
            Method::GET,
            &format!("/v1/documents/{doc_id}"),
            None
        )
        .status(),
        200
    );
    assert!(
        hits(&server, KEY_B, "sampling plan").contains(&doc_id),
        "B keeps it"
    );
    assert_eq!(
        call(
            &server,
            KEY_B,
            Method::DELETE,
            &format!("/v1/documents/{doc_id}"),
            None
        )
        .status(),
        204
    );
    assert_eq!(
        call(
            &server,
            KEY_B,
            Method::DELETE,
            &format!("/v1/documents/{doc_id}"),
            None
        )
        .status(),
        404
    );

    // A storage limit: team C may keep 1000 bytes.
    let r = client()
        .post(server.at("/v1/documents?pipeline=fast"))
        .bearer_auth(KEY_C)
        .multipart(file_form(&fixture("docs/outline.pdf")))
        .send()
        .expect("upload");
    assert_eq!(r.status(), 413);
    let body: Value = r.json().expect("JSON");
    assert_eq!(body["error"]["code"], "storage_quota");

    // Operations need the admin key; the admin key acts for a tenant it names.
    assert_eq!(
        call(&server, KEY_A, Method::GET, "/metrics", None).status(),
        403
    );
    assert_eq!(
        call(&server, ADMIN, Method::GET, "/metrics", None).status(),
        200
    );
    let as_a = client()
        .get(server.at(&format!("/v1/files/{file_id}")))
        .bearer_auth(ADMIN)
        .header("x-folio-tenant", "team-a")
        .send()
        .expect("admin");
    assert_eq!(as_a.status(), 200);

    // Keys rotate on SIGHUP: the old one stops working, the new one works, nothing restarts.
    let rotated = "team-a-new-key-0123456789";
    std::fs::write(&cfg, settings(rotated)).expect("config");
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("kill")
        .success());
    let t = Instant::now();
    while call(&server, KEY_A, Method::GET, "/v1/files", None).status() != 401 {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the old key still works"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let list = json_of(call(&server, rotated, Method::GET, "/v1/files", None));
    let ids: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&file_id.as_str()), "same tenant, same files");
}
