//! A real `folio serve` on 127.0.0.1 with an ephemeral port, for the API tests.

use super::repo;
use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub url: String,
    pub data: PathBuf,
}

impl Server {
    /// Starts `folio serve` on `data` with `extra` arguments and environment, and waits until
    /// it is ready.
    pub fn start(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let server = Self::launch(data, extra, env);
        server.wait_ready();
        server
    }

    /// Starts `folio serve` and returns once it listens (its models may still be loading).
    pub fn launch(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_folio"));
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .current_dir(repo())
            .env_remove("FOLIO_MODELS_DIR")
            .env_remove("FOLIO_API_KEYS")
            .env("FOLIO_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("folio serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server {
            child,
            url,
            data: data.to_path_buf(),
        }
    }

    fn wait_ready(&self) {
        let client = client();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(180) {
            if let Ok(r) = client.get(self.at("/readyz")).send() {
                if r.status() == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server not ready after 180 s");
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Polls a job until it ends; returns its last state.
    pub fn wait_job(&self, id: &str, key: Option<&str>) -> Value {
        let client = client();
        let t = Instant::now();
        loop {
            let mut req = client.get(self.at(&format!("/v1/jobs/{id}")));
            if let Some(k) = key {
                req = req.bearer_auth(k);
            }
            let job: Value = req.send().expect("job").json().expect("job JSON");
            let state = job["state"].as_str().unwrap_or("").to_string();
            if !matches!(state.as_str(), "queued" | "running") {
                return job;
            }
            assert!(
                t.elapsed() < Duration::from_secs(300),
                "job still {state}: {job}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        let t = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "no exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client")
}

/// A multipart form with `file` read from `path`.
pub fn file_form(path: &Path) -> reqwest::blocking::multipart::Form {
    let bytes = std::fs::read(path).expect("fixture");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    reqwest::blocking::multipart::Form::new().part(
        "file",
        reqwest::blocking::multipart::Part::bytes(bytes).file_name(name),
    )
}

impl Server {
    /// Polls a job until a worker holds it (60 s at most); fails at once if it ends first.
    pub fn wait_running(&self, id: &str) {
        let t = Instant::now();
        loop {
            match self.job_state(id).as_str() {
                "running" => return,
                "queued" => {}
                other => panic!("job {id} {other} before it was seen running"),
            }
            assert!(t.elapsed() < Duration::from_secs(60), "job {id} never ran");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A job's state now.
    pub fn job_state(&self, id: &str) -> String {
        let job: Value = client()
            .get(self.at(&format!("/v1/jobs/{id}")))
            .send()
            .expect("job")
            .json()
            .expect("job JSON");
        job["state"].as_str().unwrap_or("").to_string()
    }
}
