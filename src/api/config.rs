//! Server settings: a TOML file (`--config`), API keys from it or `FOLIO_API_KEYS`, then the
//! command line's flags on top.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything `folio serve` is told.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    /// The data directory (catalog, stores, uploads of unfinished jobs).
    pub data: PathBuf,
    /// Bearer keys a client must present; empty = no authentication (loopback only). These
    /// keys act for the `default` tenant.
    pub api_keys: Vec<String>,
    /// Keys for the operations routes (`/metrics`); with `X-Folio-Tenant: NAME` an admin key
    /// acts for that tenant.
    pub admin_keys: Vec<String>,
    /// Teams sharing the server, each with its own documents, files, jobs and batches
    /// (`[[tenants]]`); another tenant's ids answer 404.
    pub tenants: Vec<TenantConfig>,
    /// PEM certificate chain and private key: serve HTTPS (reloaded on SIGHUP).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// After SIGTERM the server is gone within this many seconds: waiting requests are
    /// answered 202, running jobs go back to the queue.
    pub shutdown_seconds: f64,
    /// A batch's `completion_window` ("24h", the only one clients may ask for) in seconds:
    /// lines not run by then end as `batch_expired`.
    pub batch_window_seconds: f64,
    /// Pipeline used when a request names none.
    pub pipeline: String,
    pub limits: Limits,
    /// Attempts to deliver a job's result to its `callback_url`.
    pub callback_attempts: u32,
    /// Ended jobs (and the documents kept with `index = false` jobs) are forgotten after
    /// this many days.
    pub job_retention_days: f64,
    /// A running job's lease: renewed while its worker lives; once it runs out (the worker
    /// died) another worker takes the job over.
    pub job_lease_seconds: f64,
    /// After an embedded index's new generation goes live, the one it replaced answers
    /// searches pinned to it for this long, then is deleted.
    pub generation_grace_seconds: f64,
    /// Keep each uploaded document's original bytes (content-addressed, deleted with the
    /// document), so the inspector can show its pages.
    pub keep_originals: bool,
    /// Where the catalog and job queue live (`[storage]`).
    pub storage: crate::storage::StorageConfig,
}

/// One tenant: its name, keys and limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    pub name: String,
    pub keys: Vec<String>,
    #[serde(default)]
    pub limits: TenantLimits,
}

/// What one tenant may use of a shared server (absent = no limit beyond the server's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantLimits {
    /// Its jobs running at once.
    pub concurrent_jobs: Option<usize>,
    /// Its single uploads waiting in the queue; more get 429.
    pub queued_jobs: Option<usize>,
    /// Bytes of the documents and files it keeps; more get 413.
    pub storage_bytes: Option<u64>,
}

/// What one client can make the server do.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest upload; larger ones get 413 before their body is read.
    pub max_upload_bytes: u64,
    /// Most pages of a document (lowers the pipeline's own limit, never raises it).
    pub max_pages: u32,
    /// Time one document may take to extract and index, in seconds: this base…
    pub document_seconds: f64,
    /// Jobs extracted at once.
    pub concurrent_jobs: usize,
    /// Jobs waiting at most; more get 429 with `Retry-After`.
    pub queue_length: usize,
    /// Default and largest `wait` of `POST /v1/documents`, in seconds.
    pub default_wait_seconds: f64,
    pub max_wait_seconds: f64,
    /// Texts in one embeddings request.
    pub max_embedding_inputs: usize,
    /// Searches and embedding calls in flight; more get 429.
    pub concurrent_queries: usize,
    /// …plus this much per page (default: each pipeline's own `page_seconds`).
    pub page_seconds: Option<f64>,
    /// Lines of one batch's input file.
    pub max_batch_lines: usize,
    /// Bytes of one batch's input file.
    pub max_batch_input_bytes: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: PathBuf::from("folio-data"),
            api_keys: Vec::new(),
            admin_keys: Vec::new(),
            tenants: Vec::new(),
            tls_cert: None,
            tls_key: None,
            shutdown_seconds: 10.0,
            batch_window_seconds: 86_400.0,
            pipeline: crate::pipeline::DEFAULT_PIPELINE.to_string(),
            limits: Limits::default(),
            callback_attempts: 5,
            job_retention_days: 7.0,
            job_lease_seconds: 30.0,
            generation_grace_seconds: 600.0,
            keep_originals: true,
            storage: Default::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_upload_bytes: 100 * 1024 * 1024,
            max_pages: 5000,
            document_seconds: 300.0,
            page_seconds: None,
            max_batch_lines: 50_000,
            max_batch_input_bytes: 200 * 1024 * 1024,
            concurrent_jobs: 1,
            queue_length: 64,
            default_wait_seconds: 30.0,
            max_wait_seconds: 300.0,
            max_embedding_inputs: 256,
            concurrent_queries: 32,
        }
    }
}

impl ServerConfig {
    /// Reads `path` (TOML) when given, else the defaults; adds keys from `FOLIO_API_KEYS`
    /// (comma-separated).
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let mut config: ServerConfig = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| Error::Io {
                    path: p.to_path_buf(),
                    source,
                })?;
                toml::from_str(&text)
                    .map_err(|e| Error::Pipeline(format!("{}: {e}", p.display())))?
            }
            None => ServerConfig::default(),
        };
        if let Ok(keys) = std::env::var("FOLIO_API_KEYS") {
            config.api_keys.extend(
                keys.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(String::from),
            );
        }
        config.validate()?;
        Ok(config)
    }

    /// Rejects settings that cannot work.
    pub fn validate(&self) -> Result<()> {
        let l = &self.limits;
        let bad = |what: &str| Err(Error::Pipeline(format!("server config: {what}")));
        if l.concurrent_jobs == 0 || l.queue_length == 0 || l.concurrent_queries == 0 {
            return bad("concurrent_jobs, queue_length and concurrent_queries must be at least 1");
        }
        if l.max_upload_bytes == 0 || l.max_pages == 0 || l.document_seconds <= 0.0 {
            return bad("max_upload_bytes, max_pages and document_seconds must be positive");
        }
        if l.default_wait_seconds < 0.0 || l.max_wait_seconds < l.default_wait_seconds {
            return bad("0 <= default_wait_seconds <= max_wait_seconds");
        }
        if self.job_retention_days <= 0.0 {
            return bad("job_retention_days must be positive");
        }
        if !(1.0..=3600.0).contains(&self.job_lease_seconds) {
            return bad("job_lease_seconds must be between 1 and 3600");
        }
        if !(0.0..=7.0 * 86400.0).contains(&self.generation_grace_seconds) {
            return bad("generation_grace_seconds must be between 0 and 604800");
        }
        self.storage.catalog_url()?;
        if !(0.5..=3600.0).contains(&self.shutdown_seconds) {
            return bad("shutdown_seconds must be between 0.5 and 3600");
        }
        if !(1.0..=7.0 * 86400.0).contains(&self.batch_window_seconds) {
            return bad("batch_window_seconds must be between 1 and 604800");
        }
        if l.page_seconds.is_some_and(|s| s < 0.0)
            || l.max_batch_lines == 0
            || l.max_batch_input_bytes == 0
        {
            return bad("page_seconds must not be negative; max_batch_lines and max_batch_input_bytes must be positive");
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return bad("tls_cert and tls_key go together");
        }
        super::tenants::Access::from_config(self).map(|_| ())
    }

    /// Whether keys are required (any key of any kind is configured).
    pub fn has_keys(&self) -> bool {
        !self.api_keys.is_empty()
            || !self.admin_keys.is_empty()
            || self.tenants.iter().any(|t| !t.keys.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::ServerConfig;

    /// The settings README shows are settings this build reads.
    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../README.md");
        let start = readme.find("```toml\naddr").expect("the example") + "```toml\n".len();
        let end = start + readme[start..].find("```").expect("its end");
        let config: ServerConfig = toml::from_str(&readme[start..end]).expect("parses");
        assert_eq!(config.job_lease_seconds, 30.0);
        assert_eq!(config.generation_grace_seconds, 600.0);
        assert_eq!(config.limits.concurrent_queries, 32);
        assert_eq!(config.storage.collection_prefix, "folio_");
    }
}
