//! Generations of the embedded index, with the real binary, models and stores: a server
//! started by a build with another model or analysis than its index's keeps answering from
//! the old generation while it builds the new one in the background, then switches; a data
//! directory from before generations is taken over; an interrupted build is discarded; and
//! `folio reindex` switches while readers pinned to the old generation still get answers
//! during its grace period.

mod common;

use common::retrieval::*;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The documents of these tests (the scan is left out: OCR would only add time).
const DOCS: &[(&str, &str)] = &[
    ("tables/mtcars-iris.pdf", "cars.pdf"),
    ("docs/koma-brief.de.pdf", "brief.pdf"),
    ("docs/revtex-apssamp.pdf", "sub/paper.pdf"),
];
const QUESTION: &str = "Kapitän Hook Totenkopfinsel";
const ANSWER: &str = "Kapitän Hook";

fn live(data: &Path) -> String {
    std::fs::read_to_string(data.join("index").join("live"))
        .expect("index/live")
        .trim()
        .to_string()
}

fn generation_dir(data: &Path, name: &str) -> PathBuf {
    data.join("index").join(name)
}

/// Says that another embedding model wrote the live generation, as a build with a new model
/// would find it.
fn written_by_another_model(data: &Path) {
    let path = generation_dir(data, &live(data)).join("generation.json");
    std::fs::write(&path, r#"{"embedding":"an-older-model"}"#).expect("generation.json");
}

fn ingested(files: &[(&str, &str)], extra: &[&str]) -> Workspace {
    let ws = workspace(files);
    let out = ingest(&ws, extra);
    assert!(out.status.success(), "{}", stderr(&out));
    ws
}

fn query_generation(ws: &Workspace, generation: Option<&str>) -> Option<Value> {
    let data = s(&ws.data);
    let mut args = vec!["query", QUESTION, "--data", &data, "--json"];
    if let Some(g) = generation {
        args.extend(["--generation", g]);
    }
    let out = folio(&args);
    out.status
        .success()
        .then(|| serde_json::from_str(&stdout(&out)).expect("JSON"))
}

#[test]
fn a_server_builds_the_new_generation_while_the_old_one_answers() {
    // Small chunks: ~500 of them, so embedding them anew takes seconds.
    let ws = ingested(DOCS, &["--chunk-tokens", "48", "--overlap-tokens", "8"]);
    let old = live(&ws.data);
    written_by_another_model(&ws.data);
    let config = ws.data.join("serve.toml");
    std::fs::write(&config, "generation_grace_seconds = 4\n").expect("config");
    let server = server::Server::start(&ws.data, &["--config", &s(&config)], &[]);
    let url = server.at("/v1/retrieve");
    let asking = keep_asking(&url, QUESTION, ANSWER);

    // Wait for the switch, then look at once: the old generation still answers when pinned.
    let t = Instant::now();
    while live(&ws.data) == old {
        assert!(t.elapsed() < Duration::from_secs(120), "no switch");
        std::thread::sleep(Duration::from_millis(50));
    }
    let new = live(&ws.data);
    let switched = Instant::now();
    assert!(
        pinned_answers(&url, QUESTION, &old),
        "{old} during its grace"
    );
    // The server writes the data directory: a reindex beside it is told so.
    let refused = folio(&["reindex", "--data", &s(&ws.data)]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("being written by another folio process"),
        "{}",
        stderr(&refused)
    );
    std::thread::sleep(Duration::from_millis(300));
    let (seen, answers) = asking.stop();
    assert_eq!(
        seen,
        vec![old.clone(), new.clone()],
        "after {answers} answers"
    );

    // After the grace period the old generation is gone from searches and from the disk.
    std::thread::sleep(Duration::from_secs(5).saturating_sub(switched.elapsed()));
    let t = Instant::now();
    while generation_dir(&ws.data, &old).exists() && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!generation_dir(&ws.data, &old).exists());
    assert!(!pinned_answers(&url, QUESTION, &old));
    assert!(pinned_answers(&url, QUESTION, &new));
    let st = status(&ws);
    assert_eq!(st["consistent"], true, "{st}");
    assert_eq!(
        std::fs::read_to_string(generation_dir(&ws.data, &new).join("generation.json"))
            .expect("generation.json"),
        r#"{"embedding":"minilm_l6_v2"}"#
    );
}

#[test]
fn a_data_directory_from_before_generations_is_taken_over() {
    let ws = ingested(&DOCS[1..2], &[]);
    let name = live(&ws.data);
    let answer = query_generation(&ws, None).expect("answers");
    // Put the stores where folio kept them before generations.
    for part in ["keyword", "vectors"] {
        std::fs::rename(
            generation_dir(&ws.data, &name).join(part),
            ws.data.join(part),
        )
        .expect("move");
    }
    std::fs::remove_dir_all(ws.data.join("index")).expect("rm index");

    // Readers search it where it is, under its analysis's name.
    let legacy = query_generation(&ws, None).expect("answers from the old layout");
    assert_eq!(legacy["generation"], "minilm_l6_v2_a3_0");
    assert_eq!(legacy["results"], answer["results"]);
    // The first writer moves it into a generation; nothing is lost.
    let st = status(&ws);
    assert_eq!(st["consistent"], true, "{st}");
    assert_eq!(live(&ws.data), "minilm_l6_v2_a3_0");
    assert!(!ws.data.join("keyword").exists() && !ws.data.join("vectors").exists());
    let moved = query_generation(&ws, None).expect("answers");
    assert_eq!(moved["results"], answer["results"]);

    // A move cut short (named live, the vectors moved, the keyword index not yet, and a
    // reader meanwhile made an empty one in its place) is finished by the next writer.
    let generation = generation_dir(&ws.data, "minilm_l6_v2_a3_0");
    std::fs::rename(generation.join("keyword"), ws.data.join("keyword")).expect("back");
    std::fs::create_dir_all(generation.join("keyword")).expect("empty");
    let st = status(&ws);
    assert_eq!(st["consistent"], true, "{st}");
    assert!(!ws.data.join("keyword").exists());
    let finished = query_generation(&ws, None).expect("answers");
    assert_eq!(finished["results"], answer["results"]);
}

#[test]
fn an_interrupted_build_is_discarded_and_reindex_keeps_the_old_one_for_pinned_readers() {
    let ws = ingested(&DOCS[1..2], &[]);
    let old = live(&ws.data);
    // A build cut short: a half-made generation named as the next one.
    let half = generation_dir(&ws.data, "minilm_l6_v2_a3_1");
    std::fs::create_dir_all(half.join("keyword")).expect("mkdir");
    std::fs::write(ws.data.join("index").join("next"), "minilm_l6_v2_a3_1").expect("next");
    let st = status(&ws);
    assert_eq!(st["consistent"], true, "{st}");
    assert!(!half.exists() && !ws.data.join("index").join("next").exists());
    assert_eq!(live(&ws.data), old);

    // `folio reindex` with no server: a new generation goes live; readers pinned to the old
    // one are answered until its grace period ends, then told it is gone.
    let data = s(&ws.data);
    let mut reindex = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["reindex", "--data", &data, "--grace-seconds", "6"])
        .current_dir(repo())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("reindex");
    let t = Instant::now();
    while live(&ws.data) == old {
        assert!(t.elapsed() < Duration::from_secs(60), "no switch");
        std::thread::sleep(Duration::from_millis(50));
    }
    let new = live(&ws.data);
    let answered = query_generation(&ws, None).expect("answers");
    assert_eq!(answered["generation"], new.as_str());
    let pinned = query_generation(&ws, Some(&old)).expect("the old one, pinned, in its grace");
    assert_eq!(pinned["generation"], old.as_str());
    assert_eq!(pinned["results"], answered["results"]);
    assert!(reindex.wait().expect("reindex").success());
    assert!(query_generation(&ws, Some(&old)).is_none());
    assert!(!generation_dir(&ws.data, &old).exists());
    assert_eq!(status(&ws)["consistent"], true);
}
