//! How `folio serve` starts and stops: HTTPS with a certificate made here (and swapped by
//! SIGHUP), plain HTTP refused beyond loopback, a SIGTERM obeyed within `shutdown_seconds`
//! while a request waits on a long document; and `folio ingest --timeout`.

mod common;

use common::server::Server;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A certificate authority and a localhost certificate it signed, in `dir`.
fn certificates(dir: &Path) {
    std::fs::create_dir_all(dir).expect("dir");
    let out = Command::new("sh")
        .args(["-c", CERTIFICATES])
        .current_dir(dir)
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A client that trusts only the authority in `dir`.
fn trusting(dir: &Path) -> reqwest::blocking::Client {
    let pem = std::fs::read(dir.join("ca.crt")).expect("ca");
    reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .tls_built_in_root_certs(false)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

#[test]
fn https_with_a_certificate_swapped_on_sighup() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (first, second, live) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("live"),
    );
    certificates(&first);
    certificates(&second);
    std::fs::create_dir_all(&live).expect("dir");
    for f in ["server.crt", "server.key"] {
        std::fs::copy(first.join(f), live.join(f)).expect("copy");
    }
    let (cert, key) = (live.join("server.crt"), live.join("server.key"));
    let server = Server::launch(
        &tmp.path().join("data"),
        &[
            "--tls-cert",
            &cert.to_string_lossy(),
            "--tls-key",
            &key.to_string_lossy(),
        ],
        &[],
    );
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    // The certificate names localhost.
    let at = |path: &str| server.at(path).replacen("127.0.0.1", "localhost", 1);
    let t = Instant::now();
    let client = trusting(&first);
    loop {
        match client.get(at("/readyz")).send() {
            Ok(r) if r.status() == 200 => break,
            _ => assert!(
                t.elapsed() < Duration::from_secs(180),
                "not ready over HTTPS"
            ),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let models: serde_json::Value = client
        .get(at("/v1/models"))
        .send()
        .expect("models")
        .json()
        .expect("JSON");
    assert_eq!(models["object"], "list");
    // Plain HTTP on the TLS port gets nowhere.
    let plain = server.url.replacen("https://", "http://", 1);
    let r = common::server::client()
        .get(format!("{plain}/healthz"))
        .send();
    assert!(
        r.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP answered"
    );
    // A client that trusts another authority is refused.
    assert!(trusting(&second).get(at("/healthz")).send().is_err());

    // New files, SIGHUP: new connections get the new certificate, without a restart.
    for f in ["server.crt", "server.key"] {
        std::fs::copy(second.join(f), live.join(f)).expect("copy");
    }
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("kill")
        .success());
    let t = Instant::now();
    while trusting(&second).get(at("/healthz")).send().is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the certificate was not swapped"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        trusting(&first).get(at("/healthz")).send().is_err(),
        "the old one is gone"
    );
    assert!(server.terminate().success());
}

#[test]
fn plain_http_beyond_loopback_needs_a_proxy_in_front() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let serve = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_folio"));
        cmd.args(["serve", "--addr", "0.0.0.0:0", "--data"])
            .arg(&data)
            .args(extra)
            .current_dir(repo())
            .env("FOLIO_API_KEYS", "a-key-of-sixteen-chars")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let refused = serve(&[]).output().expect("runs");
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("refusing plain HTTP") && why.contains("--behind-proxy"),
        "{why}"
    );
    let mut proxied = serve(&["--behind-proxy"]).spawn().expect("starts");
    let mut line = String::new();
    use std::io::BufRead as _;
    std::io::BufReader::new(proxied.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    let _ = proxied.kill();
    let _ = proxied.wait();
}

/// SIGTERM while a client waits (up to 300 s) on a document that takes minutes: the client
/// gets its 202 at once, the process is gone within `shutdown_seconds` (1 s here, while an
/// OCR page may take longer), and the job is
/// queued again for the next start.
#[test]
fn sigterm_ends_the_server_within_its_bound() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = tmp.path().join("server.toml");
    std::fs::write(&cfg, "shutdown_seconds = 1.0\n").expect("config");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &["--config", &cfg.to_string_lossy()], &[]);
    let url = server.at("/v1/documents?pipeline=ocr&wait=300");
    let waiting = std::thread::spawn(move || {
        let r = common::server::client()
            .post(url)
            .multipart(common::server::file_form(&fixture("docs/R-data.pdf")))
            .send()
            .expect("upload");
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().expect("JSON");
        (status, body)
    });
    // Let the job start.
    std::thread::sleep(Duration::from_secs(3));
    let t = Instant::now();
    let status = server.terminate();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(5), "stopping took {took:?}");
    assert!(status.success(), "{status}");
    let (code, body) = waiting.join().expect("the waiting client");
    assert_eq!(code, 202, "{body}");
    let job = body["job"]["id"].as_str().expect("job id").to_string();
    let server = Server::start(&data, &["--config", &cfg.to_string_lossy()], &[]);
    let state = server.job_state(&job);
    assert!(matches!(state.as_str(), "queued" | "running"), "{state}");
}

#[test]
fn ingest_timeout_says_how_far_it_got() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let out = folio(&[
        "ingest",
        "--pipeline",
        "ocr",
        "--timeout",
        "2",
        "--data",
        &data.to_string_lossy(),
        &fixture("docs/R-data.pdf").to_string_lossy(),
    ]);
    assert!(!out.status.success());
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains("time limit of 2.0 s exceeded after") && text.contains(" pages"),
        "{text}"
    );
}
