//! The `ingest`, `query`, `serve` and `status` commands: argument parsing, progress and printing around the
//! library's `ingest` and `index` modules.

pub mod ingest;
pub mod query;
pub mod serve;
pub mod status;

use std::path::PathBuf;

/// Where the stores live when `--data` is not given: `$FOLIO_DATA`, else `./folio-data`.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("FOLIO_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("folio-data"))
}
