//! What the handlers share: the loaded models and stores (once ready), the job queue, the
//! catalog connection for jobs, metrics and the settings.

use super::config::ServerConfig;
use super::metrics::Metrics;
use super::queue::JobQueue;
use crate::catalog::Catalog;
use crate::embed::{self, Embedder, TokenCounter};
use crate::error::{Error, Result};
use crate::ingest::{Ingestor, Store};
use crate::models::ModelStore;
use crate::pipeline::{Extractor, PipelineConfig, BUILTIN};
use crate::runtime::Device;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock, RwLock};
use tokio::sync::{broadcast, Semaphore};

/// The models and stores, loaded once at start-up.
pub struct Engine {
    pub extractor: Extractor,
    pub embedder: Embedder,
    pub counter: TokenCounter,
    /// Searches read concurrently; a document's chunks are written under the write lock.
    pub store: RwLock<Store>,
    /// The built-in pipelines by name, with the server's limits applied.
    pub pipelines: BTreeMap<String, PipelineConfig>,
}

impl Engine {
    /// Verifies and loads every model the pipelines and the embedder use, and opens (and
    /// repairs) the stores.
    pub fn load(config: &ServerConfig) -> Result<Self> {
        let models = ModelStore::locate()?;
        let embedder = Embedder::load(&models, Device::Auto, 2)?;
        let counter = embedder.token_counter()?;
        let extractor = Extractor::new(models);
        let mut pipelines = BTreeMap::new();
        for (name, _) in BUILTIN {
            let mut p = PipelineConfig::load(name)?;
            p.limits.max_pages = p.limits.max_pages.min(config.limits.max_pages);
            p.limits.max_bytes = p.limits.max_bytes.min(config.limits.max_upload_bytes);
            p.limits.timeout_seconds = config.limits.document_seconds;
            if let Some(per_page) = config.limits.page_seconds {
                p.limits.page_seconds = per_page;
            }
            extractor.warm_up(&p)?;
            pipelines.insert(name.to_string(), p);
        }
        if !pipelines.contains_key(&config.pipeline) {
            return Err(Error::Pipeline(format!(
                "unknown default pipeline '{}' (built-in: {})",
                config.pipeline,
                pipelines.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        let mut store = config.storage.open_store(&config.data, embed::DIM)?;
        store.finish()?;
        Ok(Self {
            extractor,
            embedder,
            counter,
            store: RwLock::new(store),
            pipelines,
        })
    }

    pub fn ingestor(&self) -> Ingestor<'_> {
        Ingestor {
            extractor: &self.extractor,
            embedder: &self.embedder,
            counter: &self.counter,
        }
    }

    pub fn read_store(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write_store(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// Shared by every handler and job worker.
pub struct AppState {
    pub config: ServerConfig,
    /// Set once the models are loaded; `/readyz` says so.
    pub engine: OnceLock<Arc<Engine>>,
    /// The catalog connection jobs are read and written through.
    pub catalog: Catalog,
    pub queue: JobQueue,
    pub metrics: Metrics,
    /// Job ids as they end (for requests waiting on them).
    pub finished: broadcast::Sender<String>,
    /// Searches and embedding calls in flight.
    pub queries: Semaphore,
    /// Set when the server stops: running jobs go back to the queue instead of failing.
    pub stopping: AtomicBool,
    /// Where uploads wait until their job ends: a folder of the data directory, or (`None`)
    /// the shared catalog, where every server can read them.
    pub uploads: Option<PathBuf>,
    /// Who this server's workers are, in job leases (host, process, a random tag).
    pub owner: String,
    /// The OpenAPI document, built once.
    pub openapi: serde_json::Value,
    /// Keys → tenants, replaced on reload.
    pub access: RwLock<Arc<super::tenants::Access>>,
    /// Turns true when the server stops: requests waiting on jobs answer at once.
    pub stop: tokio::sync::watch::Sender<bool>,
    /// The last page images drawn.
    pub page_images: super::pages::PageCache,
    /// Wakes the batch runner (a batch line ended, a batch was created or cancelled).
    pub batch_wake: tokio::sync::Notify,
}

impl AppState {
    /// The key table now.
    pub fn access(&self) -> Arc<super::tenants::Access> {
        self.access
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn engine(&self) -> std::result::Result<&Arc<Engine>, super::ApiError> {
        self.engine.get().ok_or_else(super::ApiError::not_ready)
    }

    /// A running job's lease, from now.
    pub fn lease_until_ms(&self) -> i64 {
        crate::catalog::now_ms() + (self.config.job_lease_seconds * 1000.0) as i64
    }

    /// Keeps a job's upload durably (fsync'd, or committed) until the job ends.
    pub fn store_upload(&self, job_id: &str, bytes: &[u8]) -> Result<()> {
        match &self.uploads {
            None => self.catalog.put_upload(job_id, bytes),
            Some(dir) => {
                let path = dir.join(job_id);
                let write = || -> std::io::Result<()> {
                    use std::io::Write as _;
                    let mut f = std::fs::File::create(&path)?;
                    f.write_all(bytes)?;
                    f.sync_all()
                };
                write().map_err(|source| Error::Io { path, source })
            }
        }
    }

    /// A job's upload.
    pub fn read_upload(&self, job_id: &str) -> Result<Vec<u8>> {
        match &self.uploads {
            None => self
                .catalog
                .upload(job_id)?
                .ok_or_else(|| Error::Catalog(format!("the upload of job {job_id} is missing"))),
            Some(dir) => {
                let path = dir.join(job_id);
                std::fs::read(&path).map_err(|source| Error::Io { path, source })
            }
        }
    }

    /// Forgets a job's upload (the catalog forgets its own when the job ends).
    pub fn remove_upload(&self, job_id: &str) {
        if let Some(dir) = &self.uploads {
            let _ = std::fs::remove_file(dir.join(job_id));
        }
    }
}

/// Runs library work (models, stores, hashing) on the blocking pool, off the async workers.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> std::result::Result<T, super::ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(super::ApiError::internal)?
        .map_err(Into::into)
}

/// A fresh id: `prefix` and 24 hex digits of a random UUID, unique across processes and
/// restarts.
pub fn new_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &hex[..24])
}

/// Resolves once the server's stop flag is set (or its sender is gone).
pub async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await.is_ok();
}
