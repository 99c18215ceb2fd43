//! Qdrant as the chunk index, against a real server (`make test-qdrant`; see
//! `common/qdrant_server.rs` for where the server comes from — without one these tests fail). The
//! retrieval suite the embedded stores pass (`common/retrieval.rs`) passes on Qdrant, with
//! the catalog in SQLite and in PostgreSQL; two servers on one PostgreSQL catalog and one
//! Qdrant share a queue, survive one of them killed mid-job and answer retrieval identically.

mod common;

use common::retrieval::*;
use common::server::client;
use serde_json::{json, Value};

fn qdrant() -> Backend {
    Backend {
        args: vec![
            "--qdrant".into(),
            common::qdrant_server::server().url.clone(),
            "--collection-prefix".into(),
            common::qdrant_server::prefix(),
        ],
    }
}

#[test]
fn the_retrieval_suite_passes_on_qdrant() {
    ingest_query_reingest_change_and_prune(&qdrant());
}

#[test]
fn the_retrieval_suite_passes_on_postgres_and_qdrant() {
    let mut backend = qdrant();
    backend.args.push("--catalog".into());
    backend.args.push(common::pg_cluster::cluster().database());
    ingest_query_reingest_change_and_prune(&backend);
}

#[test]
fn an_ingest_killed_midway_resumes_on_qdrant() {
    an_ingest_killed_midway_resumes_to_consistent_stores(&qdrant());
}

#[test]
fn an_unreachable_qdrant_is_one_clear_line_at_once() {
    let port = common::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let ws = workspace_on(
        &Backend {
            args: vec!["--qdrant".into(), url],
        },
        &[],
    );
    let t = std::time::Instant::now();
    let out = ingest(&ws, &[]);
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(err.contains("cannot reach Qdrant at"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(t.elapsed() < std::time::Duration::from_secs(30), "no hang");
    // And a real server answers (so this test never passes without one).
    let ws = workspace_on(&qdrant(), &[]);
    let out = ingest(&ws, &[]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let st = status(&ws);
    assert!(
        st["index"].as_str().unwrap_or("").starts_with("qdrant "),
        "{st}"
    );
}

#[test]
fn two_servers_on_postgres_and_qdrant_share_the_work_and_answer_alike() {
    let catalog = common::pg_cluster::cluster().database();
    let storage = format!(
        "catalog = \"{catalog}\"\nqdrant = \"{}\"\ncollection_prefix = \"{}\"",
        common::qdrant_server::server().url,
        common::qdrant_server::prefix()
    );
    let (_tmp, a, b, _ids) = common::two_servers::two_servers_share_one_queue(&storage, true);
    for question in [
        "Kapitän Hook Totenkopfinsel",
        "Typed line above the scanned figure",
        "scanned page text",
    ] {
        // Copies of one file are different documents with equal chunks and equal scores:
        // ties are ranked by chunk id, the same on every server.
        let ask = |server: &common::server::Server| -> Vec<(String, String)> {
            let r: Value = client()
                .post(server.at("/v1/retrieve"))
                .json(&json!({"query": question, "top_k": 5}))
                .send()
                .expect("retrieve")
                .json()
                .expect("JSON");
            r["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|h| {
                    (
                        h["chunk"]["id"].as_str().unwrap_or("").to_string(),
                        format!("{:.4}", h["score"].as_f64().unwrap_or(0.0)),
                    )
                })
                .collect()
        };
        let (x, y) = (ask(&a), ask(&b));
        assert!(!x.is_empty(), "nothing found for {question:?}");
        assert_eq!(x, y, "both servers answer {question:?} alike");
    }
}

/// `folio reindex` builds a new generation while a server answers searches: every search
/// answers (no error, no empty result), from the old generation and then the new one; the
/// old one is dropped after its grace period.
#[test]
fn searches_keep_answering_while_a_reindex_builds_and_switches() {
    let mut backend = qdrant();
    backend.args.push("--catalog".into());
    backend.args.push(common::pg_cluster::cluster().database());
    let ws = workspace_on(&backend, FILES);
    let out = ingest(&ws, &[]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let server = common::server::Server::start(
        &ws.data,
        &ws.storage.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    let url = server.at("/v1/retrieve");
    let asking = keep_asking(&url, "Kapitän Hook Totenkopfinsel", "Kapitän Hook");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let data = s(&ws.data);
    let mut args = vec!["reindex", "--data", &data, "--grace-seconds", "1"];
    args.extend(ws.storage.iter().map(String::as_str));
    let out = common::folio(&args);
    assert!(out.status.success(), "{}", common::stderr(&out));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (seen, answers) = asking.stop();
    assert!(answers > 10, "only {answers} searches");
    assert_eq!(seen.len(), 2, "old generation, then the new one: {seen:?}");
    let st = status(&ws);
    assert!(
        st["index"].as_str().unwrap_or("").contains(&seen[1]),
        "{st}"
    );
    // The old generation is gone after its grace period: pinning it fails, the new one answers.
    assert!(!pinned_answers(&url, "Kapitän Hook", &seen[0]));
    assert!(pinned_answers(&url, "Kapitän Hook", &seen[1]));
}

/// With the catalog in the data directory and the chunks in Qdrant, one process writes a
/// data directory at a time (as with the embedded stores): a second is refused, not let in
/// to take the first one's documents in flight for a crash's leftovers.
#[test]
fn one_writer_per_data_directory_with_qdrant_too() {
    let ws = workspace_on(&qdrant(), &[("docs/koma-brief.de.pdf", "brief.pdf")]);
    let server = common::server::Server::start(
        &ws.data,
        &ws.storage.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    let out = ingest(&ws, &[]);
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(
        err.contains("being written by another folio process"),
        "{err}"
    );
    drop(server);
    let out = ingest(&ws, &[]);
    assert!(out.status.success(), "{}", common::stderr(&out));
}

/// Every point carries what filters match on its document (media type, paths, their folders,
/// metadata) under payload indexes, so Qdrant applies those filters itself; a moved file's
/// folders follow it.
#[test]
fn points_carry_the_filter_fields_under_payload_indexes() {
    use qdrant_client::qdrant::{Condition, Filter, ScrollPointsBuilder};
    let backend = qdrant();
    let prefix = backend.args[3].clone();
    let ws = workspace_on(&backend, &[("docs/koma-brief.de.pdf", "sub/brief.pdf")]);
    let out = ingest(&ws, &[]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let chunks = status(&ws)["chunks"]["catalog"].as_u64().expect("chunks");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let qdrant = qdrant_client::Qdrant::from_url(&common::qdrant_server::server().url)
        .skip_compatibility_check()
        .build()
        .expect("client");
    let alias = format!("{prefix}chunks");
    let in_folder = |folder: String| -> Vec<Value> {
        let request = ScrollPointsBuilder::new(&alias)
            .filter(Filter::must([Condition::matches("folders", folder)]))
            .with_payload(true)
            .limit(1000);
        let found = runtime.block_on(qdrant.scroll(request)).expect("scroll");
        found
            .result
            .into_iter()
            .map(|p| {
                let map: serde_json::Map<String, Value> = p
                    .payload
                    .into_iter()
                    .map(|(k, v)| (k, Value::from(v.to_string())))
                    .collect();
                Value::Object(map)
            })
            .collect()
    };
    let sub = format!("{}/", s(&ws.docs.join("sub")));
    let points = in_folder(sub.clone());
    assert_eq!(points.len() as u64, chunks);
    let first = &points[0];
    for (field, expected) in [
        ("media_type", "application/pdf"),
        ("paths", "brief.pdf"),
        ("meta", "2018-03-12t18:55:07+01:00"),
    ] {
        let value = first[field].as_str().unwrap_or("");
        assert!(value.contains(expected), "{field}: {value}");
    }
    let info = runtime
        .block_on(qdrant.collection_info(&alias))
        .expect("collection info")
        .result
        .expect("info");
    for field in [
        "document_id",
        "language",
        "media_type",
        "paths",
        "folders",
        "meta.created",
        "meta.page_count",
    ] {
        assert!(
            info.payload_schema.contains_key(field),
            "no index on {field}: {:?}",
            info.payload_schema.keys()
        );
    }

    // Moved to another folder: the points follow.
    std::fs::create_dir_all(ws.docs.join("moved")).expect("mkdir");
    std::fs::rename(
        ws.docs.join("sub/brief.pdf"),
        ws.docs.join("moved/brief.pdf"),
    )
    .expect("move");
    let out = ingest(&ws, &["--prune"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(in_folder(sub).is_empty());
    assert_eq!(
        in_folder(format!("{}/", s(&ws.docs.join("moved")))).len() as u64,
        chunks
    );
}
