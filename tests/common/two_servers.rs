//! Two `folio serve` processes sharing one catalog work through one job queue (used by
//! `tests/shared_queue.rs` on PostgreSQL and by `tests/qdrant.rs` with Qdrant as well).

use super::fixture;
use super::server::{client, Server};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts the callbacks each job id receives.
fn callback_counter() -> (u16, Arc<Mutex<HashMap<String, usize>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let counts = Arc::new(Mutex::new(HashMap::new()));
    let seen = counts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let body = super::answer_post(stream);
            if let Some(id) = body["job"]["id"].as_str() {
                *seen
                    .lock()
                    .expect("lock")
                    .entry(id.to_string())
                    .or_default() += 1;
            }
        }
    });
    (port, counts)
}

fn job(server: &Server, id: &str) -> Value {
    client()
        .get(server.at(&format!("/v1/jobs/{id}")))
        .send()
        .expect("job")
        .json()
        .expect("job JSON")
}

/// Posts `file` to `server` without waiting, made a document of its own by a comment after
/// its end (`copy`); the job id.
fn post(
    server: &Server,
    file: &str,
    query: &str,
    callback: Option<u16>,
    index: bool,
    copy: usize,
) -> String {
    let path = fixture(file);
    let mut bytes = std::fs::read(&path).expect("fixture");
    bytes.extend_from_slice(format!("\n%copy {copy}\n").as_bytes());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut form = reqwest::blocking::multipart::Form::new().part(
        "file",
        reqwest::blocking::multipart::Part::bytes(bytes).file_name(name),
    );
    if let Some(port) = callback {
        form = form.text("callback_url", format!("http://127.0.0.1:{port}/done"));
    }
    let r = client()
        .post(server.at(&format!("/v1/documents?wait=0&index={index}&{query}")))
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status(), 202, "{:?}", r.text());
    let body: Value = r.json().expect("JSON");
    body["job"]["id"].as_str().expect("id").to_string()
}

/// Whether `job` runs on the server process `pid`.
fn runs_on(job: &Value, pid: u32) -> bool {
    job["state"] == "running"
        && job["worker"]
            .as_str()
            .is_some_and(|w| w.contains(&format!(":{pid}:")))
}

/// Two `folio serve` on one catalog (`storage`: the `[storage]` lines naming the shared
/// engines). A cancellation asked of one server stops the job the other runs; twenty uploads
/// spread over both (indexed when `index`) all succeed exactly once, with one callback each,
/// though one server is killed with -9 while it runs one of them. Returns the servers (the
/// killed one restarted) for the caller's own checks, and the job ids.
pub fn two_servers_share_one_queue(
    storage: &str,
    index: bool,
) -> (tempfile::TempDir, Server, Server, Vec<String>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("folio.toml");
    std::fs::write(
        &config,
        format!(
            "job_lease_seconds = 2.0\n[limits]\nconcurrent_jobs = 1\nqueue_length = 64\n[storage]\n{storage}\n"
        ),
    )
    .expect("config");
    let config = config.to_string_lossy().into_owned();
    let a = Server::start(&tmp.path().join("a"), &["--config", &config], &[]);
    let b = Server::start(&tmp.path().join("b"), &["--config", &config], &[]);
    let (port, callbacks) = callback_counter();

    // A cancellation asked of one server stops the job wherever it runs.
    let slow = post(
        &a,
        "docs/quantum-template.pdf",
        "pipeline=ocr",
        None,
        false,
        0,
    );
    let t = Instant::now();
    let running_on_a = loop {
        let j = job(&b, &slow);
        if runs_on(&j, a.child.id()) {
            break true;
        }
        if runs_on(&j, b.child.id()) {
            break false;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "never ran: {j}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let other = if running_on_a { &b } else { &a };
    let r = client()
        .delete(other.at(&format!("/v1/jobs/{slow}")))
        .send()
        .expect("cancel");
    assert_eq!(r.status(), 200);
    let ended = other.wait_job(&slow, None);
    assert_eq!(ended["state"], "cancelled", "{ended}");

    // Twenty uploads spread over both servers, each with its own callback.
    let files = [
        ("docs/scan_only.pdf", "pipeline=ocr"),
        ("docs/mixed.pdf", "pipeline=fast"),
        ("docs/structure.pdf", "pipeline=fast"),
        ("docs/stamped_scan.pdf", "pipeline=ocr"),
        ("docs/koma-brief.de.pdf", "pipeline=fast"),
    ];
    let ids: Vec<String> = (0..20)
        .map(|i| {
            let (file, query) = files[i % files.len()];
            let server = if i % 2 == 0 { &a } else { &b };
            post(server, file, query, Some(port), index, i)
        })
        .collect();

    // Kill A (-9) while it runs one of them.
    let t = Instant::now();
    let victim = 'found: loop {
        for id in &ids {
            let j = job(&b, id);
            if runs_on(&j, a.child.id()) {
                break 'found id.clone();
            }
        }
        assert!(t.elapsed() < Duration::from_secs(120), "A never ran a job");
    };
    let mut a = a;
    a.child.kill().expect("kill -9");
    a.child.wait().expect("reaped");

    // B finishes everything, the victim included once its lease ran out.
    let mut workers = HashMap::new();
    for id in &ids {
        let j = b.wait_job(id, None);
        assert_eq!(j["state"], "succeeded", "{j}");
        *workers
            .entry(j["worker"].as_str().unwrap_or("").to_string())
            .or_insert(0) += 1;
        let r = client()
            .get(b.at(&format!("/v1/jobs/{id}/document")))
            .send()
            .expect("document");
        assert_eq!(r.status(), 200, "{id}");
    }
    let victim_end = job(&b, &victim);
    assert!(
        victim_end["worker"]
            .as_str()
            .is_some_and(|w| w.contains(&format!(":{}:", b.child.id()))),
        "the killed server's job was finished by the other: {victim_end}"
    );
    let t = Instant::now();
    loop {
        let counts = callbacks.lock().expect("lock").clone();
        if ids.iter().all(|id| counts.contains_key(id)) {
            for id in &ids {
                assert_eq!(counts[id], 1, "one callback for {id}");
            }
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "callbacks missing: {} of 20",
            counts.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // A restarted A joins again, and both answer the same about every job.
    let a = Server::start(&tmp.path().join("a"), &["--config", &config], &[]);
    for id in &ids {
        let (x, y) = (job(&a, id), job(&b, id));
        assert_eq!((&x["state"], &x["worker"]), (&y["state"], &y["worker"]));
    }
    let metrics = client()
        .get(b.at("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    assert!(
        metrics.contains("folio_jobs{state=\"succeeded\"} 20"),
        "{metrics}"
    );
    (tmp, a, b, ids)
}
