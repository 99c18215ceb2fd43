//! A throwaway PostgreSQL cluster for the tests: `initdb` and `pg_ctl` from Debian's
//! `postgresql` package (as the unprivileged `postgres` user when the tests run as root), on
//! a free loopback port in a temporary folder; one cluster per test binary, one fresh
//! database per test. A watchdog stops the cluster and removes its folder when the test
//! process ends, however it ends. Like a managed server, it takes TCP connections over TLS
//! only (a self-signed certificate for `localhost`); the tests' own administration goes
//! through its Unix socket.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

pub struct Postgres {
    pub port: u16,
    /// The authority that signed the server's certificate, for `sslrootcert`.
    pub cert: PathBuf,
    /// The folder of its Unix socket.
    socket: PathBuf,
}

/// `initdb`'s folder: the newest installed PostgreSQL.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             apt-get install postgresql (.ci/run installs it)"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL program as a user it accepts.
fn pg_command(program: &std::path::Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start() -> Postgres {
    let bin = bin_dir();
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("folio-pg-")
        .tempdir()
        .expect("tempdir")
        .keep();
    if root {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "cannot hand {} to the postgres user", dir.display());
    }
    let data = dir.join("data");
    let out = pg_command(&bin.join("initdb"), root)
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "folio", "-E", "UTF8", "--no-sync"])
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An authority of its own and, signed by it, a certificate for localhost; TCP over TLS
    // only.
    let out = pg_command(std::path::Path::new("sh"), root)
        .args(["-c", super::CERTIFICATES])
        .current_dir(&data)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "making the test certificates failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
    )
    .expect("pg_hba.conf");
    let port = super::free_port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c ssl=on",
        dir.display()
    );
    let out = pg_command(&bin.join("pg_ctl"), root)
        .arg("-D")
        .arg(&data)
        .args(["-o", &options, "-l"])
        .arg(dir.join("log"))
        .args(["-w", "-t", "60", "start"])
        .stdout(Stdio::null())
        .output()
        .expect("pg_ctl runs");
    assert!(
        out.status.success(),
        "pg_ctl start failed: {} {}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    );
    super::after_this_process(&format!(
        "{runas}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        runas = if root { "runuser -u postgres -- " } else { "" },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    ));
    Postgres {
        port,
        cert: data.join("ca.crt"),
        socket: dir,
    }
}

/// The cluster of this test binary, started on first use.
pub fn cluster() -> &'static Postgres {
    static CLUSTER: OnceLock<Postgres> = OnceLock::new();
    CLUSTER.get_or_init(start)
}

impl Postgres {
    pub fn url(&self, database: &str) -> String {
        format!("postgres://folio@127.0.0.1:{}/{database}", self.port)
    }

    /// A connection for the tests' own looks and changes (through the Unix socket).
    pub fn admin(&self, database: &str) -> postgres::Client {
        let config = format!(
            "host={} port={} user=folio dbname={database}",
            self.socket.display(),
            self.port
        );
        postgres::Client::connect(&config, postgres::NoTls).expect("connect")
    }

    /// A new, empty database; its URL.
    pub fn database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::SeqCst));
        let mut admin = self.admin("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        self.url(&name)
    }
}
