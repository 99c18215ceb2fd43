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
