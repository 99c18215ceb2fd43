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
        let mut store = Store::open(&config.data, embed::DIM)?;
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
    /// Where uploads wait until their job ends.
    pub uploads: PathBuf,
    /// The OpenAPI document, built once.
    pub openapi: serde_json::Value,
}

impl AppState {
    pub fn engine(&self) -> std::result::Result<&Arc<Engine>, super::ApiError> {
        self.engine.get().ok_or_else(super::ApiError::not_ready)
    }

    /// The file a job's upload is kept in.
    pub fn upload_path(&self, job_id: &str) -> PathBuf {
        self.uploads.join(job_id)
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
