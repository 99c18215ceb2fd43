//! The catalog on PostgreSQL, shared by every folio process that names the same database:
//! a small pool of connections, the schema applied on open (numbered migrations, one process
//! at a time under an advisory lock), TLS as the URL's `sslmode` asks ([`super::pg_tls`]), and
//! clear one-line errors when the server cannot be reached, is too old, or holds a newer
//! schema than this build knows.

use super::db::{Row, Value};
use crate::error::{Error, Result};
use crate::storage::off_async;
use postgres::types::{IsNull, ToSql, Type};
use postgres::Client;
use std::str::FromStr;
use std::sync::{Condvar, Mutex};
use std::time::Duration;
use tokio_postgres_rustls::MakeRustlsConnect;

/// PostgreSQL 12 or newer (`FOR UPDATE SKIP LOCKED` and everything the schema uses).
const MIN_SERVER_VERSION: i64 = 120_000;

/// Connections one process opens at most (PostgreSQL's default limit is 100 for all clients;
/// statements here are short, so a few serve many threads).
const MAX_CONNECTIONS: usize = 8;

/// How long a caller waits for a connection when all are busy.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(30);

/// How long connecting may take before the catalog is reported unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one entry per version; a database at version N has had the first N applied.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE documents (
        id TEXT COLLATE \"C\" PRIMARY KEY,
        sha256 TEXT NOT NULL,
        media_type TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        filename TEXT,
        status TEXT NOT NULL,
        pipeline_version TEXT NOT NULL,
        pages BIGINT NOT NULL DEFAULT 0,
        chunks BIGINT NOT NULL DEFAULT 0,
        json BYTEA,
        updated_at BIGINT NOT NULL,
        metadata TEXT);
    CREATE INDEX documents_status ON documents(status);
    CREATE TABLE files (
        path TEXT COLLATE \"C\" PRIMARY KEY,
        document_id TEXT COLLATE \"C\",
        sha256 TEXT NOT NULL,
        size BIGINT NOT NULL,
        mtime BIGINT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        updated_at BIGINT NOT NULL);
    CREATE INDEX files_document ON files(document_id);
    CREATE TABLE jobs (
        id TEXT COLLATE \"C\" PRIMARY KEY,
        state TEXT NOT NULL,
        filename TEXT,
        media_type TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        document_id TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        do_index BIGINT NOT NULL,
        password TEXT,
        callback_url TEXT,
        pages_done BIGINT NOT NULL DEFAULT 0,
        pages_total BIGINT,
        error_code TEXT,
        error TEXT,
        timings TEXT,
        result BYTEA,
        created_ms BIGINT NOT NULL,
        started_ms BIGINT,
        finished_ms BIGINT,
        owner TEXT,
        lease_ms BIGINT,
        cancel_requested BIGINT NOT NULL DEFAULT 0);
    CREATE INDEX jobs_state ON jobs(state, created_ms);
    CREATE TABLE uploads (
        job_id TEXT COLLATE \"C\" PRIMARY KEY,
        bytes BYTEA NOT NULL,
        created_ms BIGINT NOT NULL);
    CREATE TABLE file_claims (
        path TEXT COLLATE \"C\" PRIMARY KEY,
        owner TEXT NOT NULL,
        lease_ms BIGINT NOT NULL);",
    // 2: filters by media type narrow rows in the database.
    "CREATE INDEX documents_media_type ON documents(media_type);",
    // 3: tenants, the Files API, batches.
    "
    ALTER TABLE files ADD COLUMN tenant TEXT COLLATE \"C\" NOT NULL DEFAULT 'default';
    CREATE INDEX files_tenant ON files(tenant, document_id);
    ALTER TABLE jobs ADD COLUMN tenant TEXT COLLATE \"C\" NOT NULL DEFAULT 'default';
    ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'document';
    ALTER TABLE jobs ADD COLUMN batch_id TEXT COLLATE \"C\";
    ALTER TABLE jobs ADD COLUMN line_no BIGINT;
    ALTER TABLE jobs ADD COLUMN custom_id TEXT;
    ALTER TABLE jobs ADD COLUMN body TEXT;
    ALTER TABLE jobs ADD COLUMN response_status BIGINT;
    ALTER TABLE jobs ADD COLUMN rank BIGINT NOT NULL DEFAULT 0;
    CREATE INDEX jobs_batch_state ON jobs(batch_id, state, line_no);
    CREATE INDEX jobs_claim ON jobs(state, rank, created_ms, id);
    CREATE TABLE api_files (
        id TEXT COLLATE \"C\" PRIMARY KEY,
        tenant TEXT COLLATE \"C\" NOT NULL,
        purpose TEXT NOT NULL,
        filename TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        content BYTEA NOT NULL,
        created_ms BIGINT NOT NULL);
    CREATE INDEX api_files_tenant ON api_files(tenant, created_ms);
    CREATE TABLE batches (
        id TEXT COLLATE \"C\" PRIMARY KEY,
        tenant TEXT COLLATE \"C\" NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL,
        errors TEXT,
        output_file_id TEXT,
        error_file_id TEXT,
        total BIGINT NOT NULL DEFAULT 0,
        completed BIGINT NOT NULL DEFAULT 0,
        failed BIGINT NOT NULL DEFAULT 0,
        times TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL);
    CREATE INDEX batches_tenant ON batches(tenant, created_ms);
    CREATE INDEX batches_status ON batches(status);",
    // 4: documents' original bytes, for page images.
    "CREATE TABLE originals (
        sha256 TEXT COLLATE \"C\" PRIMARY KEY,
        bytes BYTEA NOT NULL,
        created_ms BIGINT NOT NULL);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Any number for the advisory lock migrations run under ("folio" in ASCII).
const MIGRATION_LOCK: i64 = 0x0066_6f6c_696f;

fn pg_err(e: postgres::Error) -> Error {
    Error::Catalog(pg_text(&e))
}

/// An error with its causes, on one line.
fn pg_text(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Connections to one database.
pub struct Pool {
    config: postgres::Config,
    tls: MakeRustlsConnect,
    /// `postgres://user@host:port/db`, without the password, for messages.
    shown: String,
    state: Mutex<Connections>,
    returned: Condvar,
}

/// The pool's connections: idle ones, and how many are open in all (idle or in use).
#[derive(Default)]
struct Connections {
    idle: Vec<Client>,
    open: usize,
}

/// The URL as messages may show it (no password).
fn describe(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!(
        "postgres://{}@{host}{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

impl Pool {
    /// Connects to `url`, checks the server's version and brings the schema up to date.
    pub fn open(url: &str) -> Result<Self> {
        let (url, tls) = super::pg_tls::split(url)?;
        let mut config = postgres::Config::from_str(&url).map_err(|e| {
            Error::Catalog(format!(
                "the catalog URL is not a PostgreSQL connection string ({e}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives(true);
        config.ssl_mode(tls.ssl_mode());
        if config.get_application_name().is_none() {
            config.application_name("folio");
        }
        let pool = Self {
            shown: describe(&config),
            config,
            tls: tls.connector()?,
            state: Mutex::new(Connections::default()),
            returned: Condvar::new(),
        };
        let (mut client, _) = pool.take()?;
        let prepared = off_async(|| pool.prepare(&mut client));
        pool.put(client);
        prepared.map(|()| pool)
    }

    fn connect(&self) -> Result<Client> {
        off_async(|| self.config.connect(self.tls.clone())).map_err(|e| {
            Error::Catalog(format!(
                "cannot reach the PostgreSQL catalog at {}: {} (is the server running? check --catalog or FOLIO_CATALOG_URL, and its sslmode and sslrootcert)",
                self.shown,
                pg_text(&e)
            ))
        })
    }

    /// Version check and migrations.
    fn prepare(&self, client: &mut Client) -> Result<()> {
        let version: i64 = client
            .query_one("SHOW server_version_num", &[])
            .map_err(pg_err)?
            .try_get::<_, String>(0)
            .map_err(pg_err)?
            .parse()
            .unwrap_or(0);
        if version < MIN_SERVER_VERSION {
            return Err(Error::Catalog(format!(
                "the PostgreSQL catalog at {} runs server version {version}; folio needs 12 or newer",
                self.shown
            )));
        }
        let mut tx = client.transaction().map_err(pg_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(pg_err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS folio_schema (version BIGINT NOT NULL)")
            .map_err(pg_err)?;
        let at = tx
            .query_opt("SELECT version FROM folio_schema", &[])
            .map_err(pg_err)?
            .map(|r| r.try_get::<_, i64>(0))
            .transpose()
            .map_err(pg_err)?;
        let from = usize::try_from(at.unwrap_or(0)).unwrap_or(0);
        if from > SCHEMA_VERSION {
            return Err(Error::Catalog(format!(
                "the PostgreSQL catalog at {} has schema version {from}, newer than this folio knows ({SCHEMA_VERSION}): upgrade folio",
                self.shown
            )));
        }
        for migration in &MIGRATIONS[from..] {
            tx.batch_execute(migration).map_err(pg_err)?;
        }
        let to = SCHEMA_VERSION as i64;
        match at {
            None => tx.execute("INSERT INTO folio_schema (version) VALUES ($1)", &[&to]),
            Some(_) => tx.execute("UPDATE folio_schema SET version = $1", &[&to]),
        }
        .map_err(pg_err)?;
        tx.commit().map_err(pg_err)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connections> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives a connection back (a closed one is forgotten).
    fn put(&self, client: Client) {
        let mut state = self.lock();
        if client.is_closed() {
            state.open = state.open.saturating_sub(1);
        } else {
            state.idle.push(client);
        }
        self.returned.notify_one();
    }

    /// An idle connection (true), or a new one while fewer than the maximum are open; else
    /// waits for one to come back.
    fn take(&self) -> Result<(Client, bool)> {
        let mut state = self.lock();
        let deadline = std::time::Instant::now() + WAIT_FOR_CONNECTION;
        loop {
            while let Some(c) = state.idle.pop() {
                if !c.is_closed() {
                    return Ok((c, true));
                }
                state.open = state.open.saturating_sub(1);
            }
            if state.open < MAX_CONNECTIONS {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(c) => Ok((c, false)),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(Error::Catalog(format!(
                    "all {MAX_CONNECTIONS} connections to the PostgreSQL catalog at {} stayed busy for {} s",
                    self.shown,
                    WAIT_FOR_CONNECTION.as_secs()
                )));
            }
            state = self
                .returned
                .wait_timeout(state, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// Runs `work` on a pooled connection. A connection that was idle and turns out closed
    /// (the server restarted meanwhile) is replaced once.
    fn with<T>(
        &self,
        work: impl Fn(&mut Client) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        off_async(|| {
            let mut retried = false;
            loop {
                let (mut client, was_idle) = self.take()?;
                match work(&mut client) {
                    Ok(v) => {
                        self.put(client);
                        return Ok(v);
                    }
                    Err(_) if client.is_closed() && was_idle && !retried => {
                        self.put(client);
                        retried = true;
                    }
                    Err(e) => {
                        self.put(client);
                        return Err(pg_err(e));
                    }
                }
            }
        })
    }

    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let refs = refs(params);
        self.with(|c| c.execute(sql, &refs))
    }

    /// See [`super::db::Db::transaction`].
    pub fn transaction(
        &self,
        guard: (&str, &[Value]),
        rest: &[(&str, Vec<Value>)],
    ) -> Result<bool> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            if tx.execute(guard.0, &refs(guard.1))? == 0 {
                return Ok(false);
            }
            for (sql, params) in rest {
                tx.execute(*sql, &refs(params))?;
            }
            tx.commit()?;
            Ok(true)
        })
    }

    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let refs = refs(params);
        let rows = self.with(|c| c.query(sql, &refs))?;
        rows.iter().map(row).collect()
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

fn row(r: &postgres::Row) -> Result<Row> {
    (0..r.len())
        .map(|i| {
            let ty = r.columns()[i].type_().clone();
            let v = match ty {
                Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
                Type::INT4 => r
                    .try_get::<_, Option<i32>>(i)
                    .map(|v| v.map(|n| Value::Int(n.into()))),
                Type::INT2 => r
                    .try_get::<_, Option<i16>>(i)
                    .map(|v| v.map(|n| Value::Int(n.into()))),
                Type::BOOL => r
                    .try_get::<_, Option<bool>>(i)
                    .map(|v| v.map(|b| Value::Int(b.into()))),
                Type::BYTEA => r
                    .try_get::<_, Option<Vec<u8>>>(i)
                    .map(|v| v.map(Value::Bytes)),
                _ => r
                    .try_get::<_, Option<String>>(i)
                    .map(|v| v.map(Value::Text)),
            };
            Ok(v.map_err(pg_err)?.unwrap_or(Value::Null))
        })
        .collect::<Result<Vec<_>>>()
        .map(Row)
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) => match *ty {
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Bytes(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
