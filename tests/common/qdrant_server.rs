//! The Qdrant server the `make test-qdrant` tests use: `FOLIO_TEST_QDRANT_URL` (a running
//! server's gRPC URL), else one started here from a `qdrant` binary (`QDRANT_BIN`, or
//! `qdrant` on the PATH, or `~/qdrant-build/bin/qdrant`) on free loopback ports with
//! throwaway storage, stopped when the test process ends. Without either, the tests fail:
//! they never pass without a server.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct QdrantServer {
    /// gRPC, what folio speaks.
    pub url: String,
    /// The server started here (the watchdog stops it).
    _process: Option<std::process::Child>,
}

fn binary() -> Option<PathBuf> {
    if let Some(b) = std::env::var_os("QDRANT_BIN") {
        return Some(PathBuf::from(b));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("qdrant"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join("qdrant-build/bin/qdrant"))
            .filter(|p| p.is_file())
    })
}

/// Whether an HTTP GET of `url` answers 200.
fn ready(http_port: u16) -> bool {
    use std::io::Write as _;
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", http_port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

fn start() -> QdrantServer {
    if let Ok(url) = std::env::var("FOLIO_TEST_QDRANT_URL") {
        return QdrantServer {
            url,
            _process: None,
        };
    }
    let bin = binary().unwrap_or_else(|| {
        panic!(
            "no Qdrant for these tests: set FOLIO_TEST_QDRANT_URL to a running server's gRPC URL \
             (e.g. http://127.0.0.1:6334), or QDRANT_BIN to a qdrant binary (README, \"Scaling out\")"
        )
    });
    let dir = tempfile::Builder::new()
        .prefix("folio-qdrant-")
        .tempdir()
        .expect("tempdir")
        .keep();
    let (http, grpc) = (super::free_port(), super::free_port());
    let log = std::fs::File::create(dir.join("log")).expect("log");
    let child = Command::new(&bin)
        .current_dir(&dir)
        .env("QDRANT__SERVICE__HOST", "127.0.0.1")
        .env("QDRANT__SERVICE__HTTP_PORT", http.to_string())
        .env("QDRANT__SERVICE__GRPC_PORT", grpc.to_string())
        .env("QDRANT__STORAGE__STORAGE_PATH", dir.join("storage"))
        .env("QDRANT__STORAGE__SNAPSHOTS_PATH", dir.join("snapshots"))
        .env("QDRANT__TELEMETRY_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    super::after_this_process(&format!(
        "kill -TERM {q}; sleep 2; kill -9 {q} 2>/dev/null; rm -rf {dir}",
        q = child.id(),
        dir = dir.display(),
    ));
    let t = Instant::now();
    while !ready(http) {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "Qdrant did not become ready: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    QdrantServer {
        url: format!("http://127.0.0.1:{grpc}"),
        _process: Some(child),
    }
}

/// The server of this test binary, started on first use.
pub fn server() -> &'static QdrantServer {
    static SERVER: OnceLock<QdrantServer> = OnceLock::new();
    SERVER.get_or_init(start)
}

/// A collection prefix no other test in this run uses.
pub fn prefix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t{}_{}_",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}
