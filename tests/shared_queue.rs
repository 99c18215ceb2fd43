//! Two `folio serve` processes sharing one PostgreSQL catalog (a throwaway cluster) work
//! through one job queue: uploads to either are run by whichever worker is free, a
//! cancellation asked of one server stops a job the other runs, and a server killed with -9
//! mid-job loses its lease to the other, which runs the job again: every job ends
//! `succeeded` exactly once, with exactly one callback (`common/two_servers.rs`).

mod common;

#[test]
fn two_servers_share_one_queue_and_a_killed_one_loses_its_jobs_to_the_other() {
    let url = common::pg_cluster::cluster().database();
    common::two_servers::two_servers_share_one_queue(&format!("catalog = \"{url}\""), false);
}

/// Two `folio ingest` over one folder at once, on one PostgreSQL catalog: they split the
/// files, and none is extracted twice.
#[test]
fn two_ingests_over_one_folder_split_the_files() {
    use common::retrieval::*;
    let url = common::pg_cluster::cluster().database();
    let files = [
        ("tables/mtcars-iris.pdf", "cars.pdf"),
        ("docs/koma-brief.de.pdf", "brief.pdf"),
        ("docs/revtex-apssamp.pdf", "paper.pdf"),
        ("docs/structure.pdf", "structure.pdf"),
        ("docs/mixed.pdf", "mixed.pdf"),
        ("docs/quantum-template.pdf", "template.pdf"),
    ];
    let ws = workspace(&files);
    let runs: Vec<_> = ["a", "b"]
        .iter()
        .map(|name| {
            std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
                .args(["ingest", &s(&ws.docs), "--pipeline", "fast", "--data"])
                .arg(ws.data.join(name))
                .args(["--catalog", &url])
                .current_dir(common::repo())
                .env_remove("FOLIO_MODELS_DIR")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("ingest starts")
        })
        .collect();
    let mut indexed = 0;
    for run in runs {
        let out = run.wait_with_output().expect("ingest ends");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
        let n: usize = err
            .split(" indexed")
            .next()
            .and_then(|head| head.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no summary: {err}"));
        indexed += n;
    }
    assert_eq!(indexed, files.len(), "every file extracted exactly once");
}

/// A batch on two servers sharing one PostgreSQL catalog: both servers' workers run its
/// lines; one is killed with -9 midway; the other finishes the batch, and the output has
/// every line exactly once, in line order.
#[test]
fn two_servers_share_a_batch_and_a_killed_one_loses_no_line() {
    use common::batches::*;
    use common::server::{client, Server};
    use serde_json::{json, Value};
    use std::time::{Duration, Instant};
    let url = common::pg_cluster::cluster().database();
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = tmp.path().join("server.toml");
    std::fs::write(&cfg, format!("[storage]\ncatalog = \"{url}\"\n")).expect("config");
    let cfg = cfg.to_string_lossy().into_owned();
    let a = Server::start(&tmp.path().join("a"), &["--config", &cfg], &[]);
    let b = Server::start(&tmp.path().join("b"), &["--config", &cfg], &[]);
    let pdf = std::fs::read(common::fixture("docs/R-data.pdf")).expect("fixture");
    let file_id = put_file_id(&a, "R-data.pdf", pdf, "user_data");
    let lines: Vec<(String, Value)> = (1..=10)
        .map(|i| {
            (
                format!("line-{i}"),
                json!({"file_id": file_id, "pipeline": "accurate", "index": false}),
            )
        })
        .collect();
    let input = put_file_id(&a, "in.jsonl", jsonl("/v1/documents", &lines), "batch");
    let created: Value = create_batch(&a, &input, "/v1/documents", json!({}))
        .json()
        .expect("JSON");
    let id = created["id"].as_str().expect("id").to_string();
    // Both servers take lines.
    let workers = |server: &Server| -> Vec<String> {
        (1..=10)
            .filter_map(|n| {
                let job: Value = client()
                    .get(server.at(&format!("/v1/jobs/{id}_line{n}")))
                    .send()
                    .ok()?
                    .json()
                    .ok()?;
                job["worker"].as_str().map(String::from)
            })
            .collect()
    };
    let (pid_a, pid_b) = (format!(":{}:", a.child.id()), format!(":{}:", b.child.id()));
    let t = Instant::now();
    loop {
        let seen = workers(&b);
        if seen.iter().any(|w| w.contains(&pid_a)) && seen.iter().any(|w| w.contains(&pid_b)) {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "{seen:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut a = a;
    a.child.kill().expect("kill -9");
    let _ = a.child.wait();
    let ended = wait_batch(&b, &id);
    assert_eq!(ended["status"], "completed", "{ended}");
    assert_eq!(
        ended["request_counts"],
        json!({"total": 10, "completed": 10, "failed": 0})
    );
    let output = file_lines(&b, ended["output_file_id"].as_str().expect("output"));
    let order: Vec<String> = output
        .iter()
        .filter_map(|l| l["custom_id"].as_str().map(String::from))
        .collect();
    assert_eq!(
        order,
        (1..=10).map(|i| format!("line-{i}")).collect::<Vec<_>>()
    );
}
