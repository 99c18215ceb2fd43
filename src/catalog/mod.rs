//! The catalog: which documents are stored, their hash, pipeline version, chunk count and
//! compressed JSON, which files point at them, and the API's durable jobs. It is the source of
//! truth the stores are reconciled against after a crash: a document is `indexing` from
//! before its chunks are written until after both stores have committed them.
//!
//! It lives in SQLite in the data directory by default, or in a PostgreSQL database that many
//! folio processes share (`--catalog postgres://…`); both run the same statements.

use crate::error::{Error, Result};
use db::{vals, Db, Row};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use rusqlite::Connection;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Mutex;

mod batches;
mod db;
mod files_api;
mod jobs;
mod originals;
mod pg_tls;
mod postgres;
mod tenant;
pub use batches::{BatchRow, LineCounts, LineOutcome, NewLine};
pub use files_api::{ApiFile, NewApiFile};
pub use jobs::{JobEnd, JobRow, JobState, Lease, NewJob};
pub use tenant::{tenant_of_path, tenant_path, valid_tenant_name, visible_path, DEFAULT_TENANT};

fn err(e: impl std::fmt::Display) -> Error {
    Error::Catalog(e.to_string())
}

/// A stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    pub id: String,
    pub sha256: String,
    pub status: String,
    pub pipeline_version: String,
    pub pages: u32,
    pub chunks: u32,
}

/// What a listing says about a stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentInfo {
    pub id: String,
    pub filename: Option<String>,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub chunks: u32,
    pub pipeline_version: String,
    /// Seconds since the Unix epoch.
    pub updated_at: i64,
}

const INFO_COLUMNS: &str =
    "id, filename, media_type, bytes, pages, chunks, pipeline_version, updated_at";

fn document_info(r: &Row) -> Result<DocumentInfo> {
    Ok(DocumentInfo {
        id: r.text(0)?,
        filename: r.opt_text(1)?,
        media_type: r.text(2)?,
        bytes: r.int(3)?.max(0) as u64,
        pages: r.u32(4)?,
        chunks: r.u32(5)?,
        pipeline_version: r.text(6)?,
        updated_at: r.int(7)?,
    })
}

/// Which documents a search may return: every condition given must hold (an empty list or
/// map is no condition).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentFilter {
    /// Any of these ids.
    pub document_ids: Vec<String>,
    /// Any of these media types, e.g. `application/pdf`.
    pub media_types: Vec<String>,
    /// Ingested from a path that starts with this.
    pub path_prefix: Option<String>,
    /// Document metadata fields (`title`, `author`, `language`…) equal to these values,
    /// ignoring case.
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Only documents this tenant uploaded or ingested; `path_prefix` is then a path as the
    /// tenant sees it.
    pub tenant: Option<String>,
}

impl DocumentFilter {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    fn matches(&self, id: &str, media: &str, path: Option<&str>, metadata: Option<&str>) -> bool {
        let listed = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        let path_ok = self
            .path_prefix
            .as_deref()
            .is_none_or(|p| path.is_some_and(|f| f.starts_with(p)));
        let meta_ok = self.metadata.is_empty() || {
            let fields: serde_json::Map<String, serde_json::Value> = metadata
                .and_then(|m| serde_json::from_str(m).ok())
                .unwrap_or_default();
            self.metadata.iter().all(|(k, want)| {
                fields
                    .get(k)
                    .is_some_and(|v| comparable(v) == want.to_ascii_lowercase())
            })
        };
        listed(&self.document_ids, id) && listed(&self.media_types, media) && path_ok && meta_ok
    }
}

/// A metadata value as filters compare it: its text (JSON for other values), ASCII case
/// folded.
pub fn comparable(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.to_ascii_lowercase(),
        other => other.to_string().to_ascii_lowercase(),
    }
}

/// What a [`DocumentFilter`] can ask of a stored document besides its id, for engines that
/// apply filters themselves (Qdrant's payload).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentFields {
    pub media_type: String,
    /// The paths it was ingested from.
    pub paths: Vec<String>,
    /// Its metadata (a JSON object).
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// A file that was ingested (or failed to be).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    pub path: String,
    pub document_id: Option<String>,
    pub sha256: String,
    pub size: u64,
    pub mtime: i64,
    pub status: String,
}

/// What a new document row records.
pub struct NewDocument<'a> {
    pub id: &'a str,
    pub sha256: &'a str,
    pub media_type: &'a str,
    pub bytes: u64,
    pub filename: Option<&'a str>,
    pub pipeline_version: &'a str,
    pub pages: u32,
    /// The document's metadata (title, author, language…) as a JSON object, for filters.
    pub metadata: &'a str,
}

/// Where a catalog lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CatalogUrl {
    /// `catalog.sqlite` in the data directory.
    #[default]
    Embedded,
    /// A PostgreSQL database (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`).
    Postgres(String),
}

impl CatalogUrl {
    /// `postgres://…` or `postgresql://…` for PostgreSQL; empty or `embedded` for SQLite.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.is_empty() || s == "embedded" || s == "sqlite" {
            Ok(Self::Embedded)
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Self::Postgres(s.to_string()))
        } else {
            Err(Error::Catalog(format!(
                "unknown catalog '{s}': use 'embedded' or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            )))
        }
    }

    pub fn is_shared(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// A connection (or, on PostgreSQL, a pool of them) to the catalog, shareable between
/// threads.
pub struct Catalog {
    db: Db,
    /// The data directory (where an embedded catalog's file is).
    dir: std::path::PathBuf,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Who this process is in leases on jobs and files: host, process id and a random tag (a
/// restarted process is someone new).
pub fn worker_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    let tag = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &tag[..8])
}

fn now() -> i64 {
    now_ms() / 1000
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(bytes).map_err(err)?;
    gz.finish().map_err(err)
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(bytes).read_to_end(&mut out).map_err(err)?;
    Ok(out)
}

const SQLITE_SCHEMA: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA busy_timeout = 5000;
    CREATE TABLE IF NOT EXISTS documents (
        id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        media_type TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        filename TEXT,
        status TEXT NOT NULL,
        pipeline_version TEXT NOT NULL,
        pages INTEGER NOT NULL DEFAULT 0,
        chunks INTEGER NOT NULL DEFAULT 0,
        json BLOB,
        updated_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS files (
        path TEXT PRIMARY KEY,
        document_id TEXT,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime INTEGER NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        updated_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS files_document ON files(document_id);
    CREATE TABLE IF NOT EXISTS uploads (
        job_id TEXT PRIMARY KEY,
        bytes BLOB NOT NULL,
        created_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS file_claims (
        path TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        lease_ms INTEGER NOT NULL);";

/// Adds a column a catalog made by an older folio lacks.
fn ensure_column(db: &Connection, table: &str, column: &str, decl: &str) -> Result<()> {
    let present: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2",
            rusqlite::params![table, column],
            |r| r.get(0),
        )
        .map_err(err)?;
    if present == 0 {
        db.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))
            .map_err(err)?;
    }
    Ok(())
}

impl Catalog {
    /// Opens (or creates) `catalog.sqlite` in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let db = Connection::open(dir.join("catalog.sqlite")).map_err(err)?;
        db.execute_batch(SQLITE_SCHEMA).map_err(err)?;
        db.execute_batch(jobs::SQLITE_SCHEMA).map_err(err)?;
        db.execute_batch(batches::SQLITE_SCHEMA).map_err(err)?;
        // Added after the first release of the catalog.
        ensure_column(&db, "documents", "metadata", "TEXT")?;
        ensure_column(&db, "jobs", "owner", "TEXT")?;
        ensure_column(&db, "jobs", "lease_ms", "INTEGER")?;
        ensure_column(
            &db,
            "jobs",
            "cancel_requested",
            "INTEGER NOT NULL DEFAULT 0",
        )?;
        // Tenants and batches.
        ensure_column(&db, "files", "tenant", "TEXT NOT NULL DEFAULT 'default'")?;
        for (column, decl) in [
            ("tenant", "TEXT NOT NULL DEFAULT 'default'"),
            ("kind", "TEXT NOT NULL DEFAULT 'document'"),
            ("batch_id", "TEXT"),
            ("line_no", "INTEGER"),
            ("custom_id", "TEXT"),
            ("body", "TEXT"),
            ("response_status", "INTEGER"),
            ("rank", "INTEGER NOT NULL DEFAULT 0"),
        ] {
            ensure_column(&db, "jobs", column, decl)?;
        }
        db.execute_batch(
            "CREATE INDEX IF NOT EXISTS files_tenant ON files(tenant, document_id);
             CREATE INDEX IF NOT EXISTS jobs_batch_state ON jobs(batch_id, state, line_no);
             CREATE INDEX IF NOT EXISTS jobs_claim ON jobs(state, rank, created_ms, id);",
        )
        .map_err(err)?;
        Ok(Self {
            db: Db::Sqlite(Mutex::new(db)),
            dir: dir.to_path_buf(),
        })
    }

    /// Another handle on the same catalog, for another thread: a connection of its own to
    /// SQLite (which serialises one connection's calls), the same pool for PostgreSQL.
    pub fn another(&self) -> Result<Self> {
        match &self.db {
            Db::Postgres(pool) => Ok(Self {
                db: Db::Postgres(pool.clone()),
                dir: self.dir.clone(),
            }),
            Db::Sqlite(_) => Self::open(&self.dir),
        }
    }

    /// Opens the catalog `url` names: SQLite in `dir`, or a PostgreSQL database (checked
    /// and migrated to this build's schema).
    pub fn connect(url: &CatalogUrl, dir: &Path) -> Result<Self> {
        match url {
            CatalogUrl::Embedded => Self::open(dir),
            CatalogUrl::Postgres(pg) => Ok(Self {
                db: Db::Postgres(std::sync::Arc::new(postgres::Pool::open(pg)?)),
                dir: dir.to_path_buf(),
            }),
        }
    }

    /// Whether other folio processes may share this catalog (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }

    pub fn file(&self, path: &str) -> Result<Option<FileRow>> {
        self.db
            .query_opt(
                "SELECT path, document_id, sha256, size, mtime, status FROM files WHERE path = $1",
                vals![path],
            )?
            .map(|r| {
                Ok(FileRow {
                    path: r.text(0)?,
                    document_id: r.opt_text(1)?,
                    sha256: r.text(2)?,
                    size: r.int(3)?.max(0) as u64,
                    mtime: r.int(4)?,
                    status: r.text(5)?,
                })
            })
            .transpose()
    }

    /// The fields filters match on a stored document.
    pub fn fields(&self, id: &str) -> Result<Option<DocumentFields>> {
        let Some(row) = self.db.query_opt(
            "SELECT media_type, metadata FROM documents WHERE id = $1",
            vals![id],
        )?
        else {
            return Ok(None);
        };
        let metadata = row.opt_text(1)?.unwrap_or_default();
        Ok(Some(DocumentFields {
            media_type: row.text(0)?,
            paths: self.texts(
                "SELECT path FROM files WHERE document_id = $1 ORDER BY path",
                vals![id],
            )?,
            metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        }))
    }

    pub fn document(&self, id: &str) -> Result<Option<DocumentRow>> {
        self.db
            .query_opt(
                "SELECT id, sha256, status, pipeline_version, pages, chunks FROM documents WHERE id = $1",
                vals![id],
            )?
            .map(|r| {
                Ok(DocumentRow {
                    id: r.text(0)?,
                    sha256: r.text(1)?,
                    status: r.text(2)?,
                    pipeline_version: r.text(3)?,
                    pages: r.u32(4)?,
                    chunks: r.u32(5)?,
                })
            })
            .transpose()
    }

    /// Records that `doc`'s chunks are about to be written (status `indexing`).
    pub fn begin_document(&self, doc: &NewDocument) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO documents (id, sha256, media_type, bytes, filename, status, pipeline_version, pages, chunks, json, updated_at, metadata)
                 VALUES ($1, $2, $3, $4, $5, 'indexing', $6, $7, 0, NULL, $8, $9)
                 ON CONFLICT(id) DO UPDATE SET status = 'indexing', pipeline_version = $6, pages = $7, updated_at = $8, metadata = $9",
                vals![doc.id, doc.sha256, doc.media_type, doc.bytes, doc.filename, doc.pipeline_version, doc.pages, now(), doc.metadata],
            )
            .map(|_| ())
    }

    /// Marks a document stored: its chunks are in both stores; keeps its JSON (compressed).
    pub fn finish_document(&self, id: &str, chunks: u32, json: &[u8]) -> Result<()> {
        let blob = gzip(json)?;
        self.db
            .execute(
                "UPDATE documents SET status = 'ok', chunks = $2, json = $3, updated_at = $4 WHERE id = $1",
                vals![id, chunks, blob, now()],
            )
            .map(|_| ())
    }

    /// The document's JSON as extracted.
    pub fn document_json(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let blob = self
            .db
            .query_opt("SELECT json FROM documents WHERE id = $1", vals![id])?
            .map(|r| r.opt_bytes(0))
            .transpose()?;
        blob.flatten().map(|b| gunzip(&b)).transpose()
    }

    /// Points `path` at a document (or records its failure).
    pub fn set_file(&self, row: &FileRow, error: Option<&str>) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO files (path, document_id, sha256, size, mtime, status, error, updated_at, tenant)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT(path) DO UPDATE SET document_id = $2, sha256 = $3, size = $4, mtime = $5, status = $6, error = $7, updated_at = $8",
                vals![&row.path, row.document_id.as_deref(), &row.sha256, row.size, row.mtime, &row.status, error, now(), tenant_of_path(&row.path)],
            )
            .map(|_| ())
    }

    pub fn delete_file(&self, path: &str) -> Result<()> {
        self.db
            .execute("DELETE FROM files WHERE path = $1", vals![path])
            .map(|_| ())
    }

    /// Forgets document `id`, and its original bytes.
    pub fn delete_document(&self, id: &str) -> Result<()> {
        if let Some(doc) = self.document(id)? {
            self.delete_original(&doc.sha256)?;
        }
        self.db
            .execute("DELETE FROM documents WHERE id = $1", vals![id])
            .map(|_| ())
    }

    /// The first column of every row, as text.
    fn texts(&self, sql: &str, params: &[db::Value]) -> Result<Vec<String>> {
        self.db
            .query(sql, params)?
            .iter()
            .map(|r| r.text(0))
            .collect()
    }

    /// Every file path recorded.
    pub fn paths(&self) -> Result<Vec<String>> {
        self.texts("SELECT path FROM files", vals![])
    }

    /// Every path document `id` was ingested from or uploaded as.
    pub fn paths_of(&self, id: &str) -> Result<Vec<String>> {
        self.texts(
            "SELECT path FROM files WHERE document_id = $1 ORDER BY path",
            vals![id],
        )
    }

    /// Documents with the given status.
    pub fn documents_with_status(&self, status: &str) -> Result<Vec<String>> {
        self.texts("SELECT id FROM documents WHERE status = $1", vals![status])
    }

    /// Documents still `indexing` that were last touched before `before_s` (seconds since the
    /// epoch): their writer died.
    pub fn stale_indexing(&self, before_s: i64) -> Result<Vec<String>> {
        self.texts(
            "SELECT id FROM documents WHERE status = 'indexing' AND updated_at < $1",
            vals![before_s],
        )
    }

    /// Stored documents written at or after `since_s` (seconds since the epoch).
    pub fn documents_updated_since(&self, since_s: i64) -> Result<Vec<String>> {
        self.texts(
            "SELECT id FROM documents WHERE status = 'ok' AND updated_at >= $1",
            vals![since_s],
        )
    }

    /// Takes `path` for `owner` until `lease_until_ms`, so that ingests sharing the catalog
    /// never work on one file at once; false while another owner's lease holds.
    pub fn claim_file(&self, path: &str, owner: &str, lease_until_ms: i64) -> Result<bool> {
        self.db
            .execute(
                "INSERT INTO file_claims (path, owner, lease_ms) VALUES ($1, $2, $3)
                 ON CONFLICT(path) DO UPDATE SET owner = $2, lease_ms = $3
                 WHERE file_claims.owner = $2 OR file_claims.lease_ms < $4",
                vals![path, owner, lease_until_ms, now_ms()],
            )
            .map(|n| n == 1)
    }

    /// Gives up `owner`'s claim on `path`.
    pub fn release_file(&self, path: &str, owner: &str) -> Result<()> {
        self.db
            .execute(
                "DELETE FROM file_claims WHERE path = $1 AND owner = $2",
                vals![path, owner],
            )
            .map(|_| ())
    }

    /// Documents no file points at any more.
    pub fn unreferenced_documents(&self) -> Result<Vec<String>> {
        self.texts(
            "SELECT id FROM documents d WHERE NOT EXISTS
             (SELECT 1 FROM files f WHERE f.document_id = d.id)",
            vals![],
        )
    }

    /// Stored documents matching every given condition of `filter`.
    pub fn select(&self, filter: &DocumentFilter) -> Result<HashSet<String>> {
        // Ids, media types and the path prefix narrow the rows in the database (indexes do
        // the work on a large catalog); every condition, metadata included, is then checked
        // on what comes back.
        let mut sql = String::from(
            "SELECT d.id, d.media_type, f.path, d.metadata FROM documents d
             LEFT JOIN files f ON f.document_id = d.id WHERE d.status = 'ok'",
        );
        let mut params: Vec<db::Value> = Vec::new();
        let mut any_of = |sql: &mut String, column: &str, values: &[String]| {
            if values.is_empty() {
                return;
            }
            let first = params.len() + 1;
            let slots: Vec<String> = (first..first + values.len())
                .map(|n| format!("${n}"))
                .collect();
            sql.push_str(&format!(" AND {column} IN ({})", slots.join(", ")));
            params.extend(values.iter().map(db::Value::from));
        };
        any_of(&mut sql, "d.id", &filter.document_ids);
        any_of(&mut sql, "d.media_type", &filter.media_types);
        if let Some(tenant) = &filter.tenant {
            sql.push_str(&format!(" AND f.tenant = ${}", params.len() + 1));
            params.push(db::Value::from(tenant));
        }
        if let Some(prefix) = &filter.path_prefix {
            let n = params.len() + 1;
            sql.push_str(&format!(
                " AND substr(f.path, 1, length(CAST(${n} AS TEXT))) = CAST(${n} AS TEXT)"
            ));
            let prefix = match &filter.tenant {
                Some(t) => tenant_path(t, prefix),
                None => prefix.clone(),
            };
            params.push(db::Value::Text(prefix));
        }
        let rows = self.db.query(&sql, &params)?;
        let mut out = HashSet::new();
        for r in rows {
            let (id, media, path, metadata) =
                (r.text(0)?, r.text(1)?, r.opt_text(2)?, r.opt_text(3)?);
            let path = match filter.tenant {
                Some(_) => path.as_deref().map(visible_path),
                None => path.as_deref(),
            };
            if filter.matches(&id, &media, path, metadata.as_deref()) {
                out.insert(id);
            }
        }
        Ok(out)
    }

    /// A document's file name and one path it was ingested from (one of `tenant`'s, as it
    /// sees it, when given).
    pub fn origin(
        &self,
        tenant: Option<&str>,
        id: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        self.db
            .query_opt(
                "SELECT d.filename, (SELECT path FROM files f WHERE f.document_id = d.id
                                     AND (CAST($2 AS TEXT) IS NULL OR f.tenant = $2) ORDER BY path LIMIT 1)
                 FROM documents d WHERE d.id = $1",
                vals![id, tenant],
            )?
            .map(|r| Ok((r.opt_text(0)?, r.opt_text(1)?)))
            .transpose()
            .map(|o| {
                let (name, path) = o.unwrap_or((None, None));
                let path = match tenant {
                    Some(_) => path.map(|p| visible_path(&p).to_string()),
                    None => path,
                };
                (name, path)
            })
    }

    /// Stored documents in id order, `limit` of them after `after` (a page of a listing);
    /// only `tenant`'s when given.
    pub fn list_documents(
        &self,
        tenant: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DocumentInfo>> {
        self.db
            .query(
                &format!(
                    "SELECT {INFO_COLUMNS} FROM documents d WHERE status = 'ok' AND id > $1
                     AND (CAST($3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM files f WHERE f.document_id = d.id AND f.tenant = $3))
                     ORDER BY id LIMIT $2"
                ),
                vals![after.unwrap_or(""), limit as u64, tenant],
            )?
            .iter()
            .map(document_info)
            .collect()
    }

    /// Whether tenant `tenant` uploaded or ingested document `id`.
    pub fn owns(&self, tenant: &str, id: &str) -> Result<bool> {
        Ok(self
            .db
            .query_opt(
                "SELECT 1 FROM files WHERE document_id = $1 AND tenant = $2 LIMIT 1",
                vals![id, tenant],
            )?
            .is_some())
    }

    /// Forgets tenant `tenant`'s files of document `id`; how many.
    pub fn delete_tenant_files(&self, tenant: &str, id: &str) -> Result<u64> {
        self.db.execute(
            "DELETE FROM files WHERE document_id = $1 AND tenant = $2",
            vals![id, tenant],
        )
    }

    /// A stored document's description.
    pub fn document_info(&self, id: &str) -> Result<Option<DocumentInfo>> {
        self.db
            .query_opt(
                &format!("SELECT {INFO_COLUMNS} FROM documents WHERE status = 'ok' AND id = $1"),
                vals![id],
            )?
            .map(|r| document_info(&r))
            .transpose()
    }

    /// Forgets every file that points at document `id`.
    pub fn delete_files_of(&self, id: &str) -> Result<()> {
        self.db
            .execute("DELETE FROM files WHERE document_id = $1", vals![id])
            .map(|_| ())
    }

    /// Sum of chunk counts over stored documents.
    pub fn chunk_total(&self) -> Result<u64> {
        self.db
            .query_opt(
                "SELECT CAST(COALESCE(SUM(chunks), 0) AS BIGINT) FROM documents WHERE status = 'ok'",
                vals![],
            )?
            .map(|r| r.int(0))
            .transpose()
            .map(|n| n.unwrap_or(0).max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::DocumentFilter;

    #[test]
    fn filters_need_every_condition() {
        let meta = r#"{"title": "Quantum Template", "language": "en", "pages": 5}"#;
        let all = DocumentFilter::default();
        assert!(all.is_empty());
        assert!(all.matches("doc_a", "application/pdf", None, None));
        let mut f = DocumentFilter {
            media_types: vec!["application/pdf".into()],
            path_prefix: Some("/corpus/".into()),
            ..Default::default()
        };
        f.metadata.insert("title".into(), "quantum template".into());
        assert!(f.matches(
            "doc_a",
            "application/pdf",
            Some("/corpus/q.pdf"),
            Some(meta)
        ));
        assert!(!f.matches("doc_a", "image/png", Some("/corpus/q.pdf"), Some(meta)));
        assert!(!f.matches("doc_a", "application/pdf", Some("/other/q.pdf"), Some(meta)));
        assert!(!f.matches("doc_a", "application/pdf", None, Some(meta)));
        assert!(!f.matches("doc_a", "application/pdf", Some("/corpus/q.pdf"), None));
        f.metadata.insert("pages".into(), "5".into());
        assert!(f.matches(
            "doc_a",
            "application/pdf",
            Some("/corpus/q.pdf"),
            Some(meta)
        ));
        f.document_ids = vec!["doc_b".into()];
        assert!(!f.matches(
            "doc_a",
            "application/pdf",
            Some("/corpus/q.pdf"),
            Some(meta)
        ));
    }
}
