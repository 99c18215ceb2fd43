//! The `ingest`, `query`, `serve` and `status` commands: argument parsing, progress and printing around the
//! library's `ingest` and `index` modules.

pub mod ingest;
pub mod query;
pub mod reindex;
pub mod serve;
pub mod status;

use std::path::PathBuf;

/// Where the catalog lives, for every command that opens the stores.
#[derive(clap::Args, Debug, Clone)]
pub struct StorageArgs {
    /// Catalog and job queue: `embedded` (SQLite in the data directory, the default) or
    /// postgres://USER:PASSWORD@HOST:PORT/DATABASE, shared by many folio processes.
    #[arg(long, env = "FOLIO_CATALOG_URL", hide_env_values = true)]
    catalog: Option<String>,
    /// Keep the chunks in Qdrant (its gRPC URL, e.g. http://127.0.0.1:6334) instead of the data
    /// directory.
    #[arg(long, env = "FOLIO_QDRANT_URL")]
    qdrant: Option<String>,
    /// Qdrant's API key.
    #[arg(long, env = "FOLIO_QDRANT_API_KEY", hide_env_values = true)]
    qdrant_api_key: Option<String>,
    /// Prepended to folio's Qdrant collection names (default folio_).
    #[arg(long, env = "FOLIO_COLLECTION_PREFIX")]
    collection_prefix: Option<String>,
}

impl StorageArgs {
    /// `base` (the config file's `[storage]`) with these flags on top.
    pub fn over(&self, mut base: folio::storage::StorageConfig) -> folio::storage::StorageConfig {
        if let Some(c) = &self.catalog {
            base.catalog = c.clone();
        }
        if let Some(q) = &self.qdrant {
            base.qdrant = q.clone();
        }
        if let Some(k) = &self.qdrant_api_key {
            base.qdrant_api_key = Some(k.clone());
        }
        if let Some(p) = &self.collection_prefix {
            base.collection_prefix = p.clone();
        }
        base
    }

    /// The stores' settings from these flags alone.
    pub fn config(&self) -> folio::storage::StorageConfig {
        self.over(Default::default())
    }
}

/// Where the stores live when `--data` is not given: `$FOLIO_DATA`, else `./folio-data`.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("FOLIO_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("folio-data"))
}
