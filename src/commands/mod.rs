//! The `ingest`, `query`, `serve` and `status` commands: argument parsing, progress and printing around the
//! library's `ingest` and `index` modules.

pub mod ingest;
pub mod query;
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
}

impl StorageArgs {
    /// `base` (the config file's `[storage]`) with these flags on top.
    pub fn over(&self, base: folio::storage::StorageConfig) -> folio::storage::StorageConfig {
        base.with_catalog(self.catalog.clone())
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
