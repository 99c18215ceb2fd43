//! Where folio keeps what it stores: everything in the data directory (the default, one
//! process at a time), or a catalog and job queue in PostgreSQL that many folio processes on
//! many machines share. Set in the server config's `[storage]`, by `--catalog`, or by
//! `FOLIO_CATALOG_URL`.

use crate::catalog::{Catalog, CatalogUrl};
use crate::error::Result;
use serde::Deserialize;
use std::path::Path;

/// The `[storage]` settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `embedded` (SQLite in the data directory, the default) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    pub catalog: String,
}

impl StorageConfig {
    /// Where the catalog lives, checked.
    pub fn catalog_url(&self) -> Result<CatalogUrl> {
        CatalogUrl::parse(&self.catalog)
    }

    /// Opens the catalog (creating or migrating its schema).
    pub fn open_catalog(&self, data: &Path) -> Result<Catalog> {
        Catalog::connect(&self.catalog_url()?, data)
    }

    /// `setting` when given (a flag or its environment variable), else what is set already.
    pub fn with_catalog(mut self, setting: Option<String>) -> Self {
        if let Some(c) = setting {
            self.catalog = c;
        }
        self
    }
}
