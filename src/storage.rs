//! Where folio keeps what it stores: everything in the data directory (the default, one
//! process at a time), or engines that many folio processes on many machines share: the
//! catalog and job queue in PostgreSQL, the chunks in Qdrant. Set in the server config's
//! `[storage]`, by flags (`--catalog`, `--qdrant`…) or their environment variables
//! (`FOLIO_CATALOG_URL`, `FOLIO_QDRANT_URL`, `FOLIO_QDRANT_API_KEY`,
//! `FOLIO_COLLECTION_PREFIX`).

use crate::catalog::{Catalog, CatalogUrl};
use crate::error::Result;
use crate::index::{ChunkIndex, QdrantConfig, QdrantIndex};
use crate::ingest::Store;
use serde::Deserialize;
use std::path::Path;

/// The `[storage]` settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `embedded` (SQLite in the data directory, the default) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    pub catalog: String,
    /// Qdrant's gRPC URL (`http://HOST:6334`); empty keeps the chunks in the data directory.
    pub qdrant: String,
    pub qdrant_api_key: Option<String>,
    /// Prepended to folio's Qdrant collection and alias names.
    pub collection_prefix: String,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            catalog: String::new(),
            qdrant: String::new(),
            qdrant_api_key: None,
            collection_prefix: "folio_".into(),
        }
    }
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

    /// Whether the chunks live in Qdrant.
    pub fn uses_qdrant(&self) -> bool {
        !self.qdrant.trim().is_empty()
    }

    /// The Qdrant index, when one is configured.
    pub fn open_qdrant(&self, dim: usize) -> Result<Option<QdrantIndex>> {
        if !self.uses_qdrant() {
            return Ok(None);
        }
        let config = QdrantConfig {
            url: self.qdrant.trim().to_string(),
            api_key: self.qdrant_api_key.clone().filter(|k| !k.is_empty()),
            prefix: self.collection_prefix.clone(),
        };
        QdrantIndex::open(&config, dim).map(Some)
    }

    /// Opens the chunk index: Qdrant's live collection, or the data directory's stores
    /// (`writable` takes their writer locks).
    pub fn open_index(
        &self,
        data: &Path,
        dim: usize,
        writable: bool,
    ) -> Result<Box<dyn ChunkIndex>> {
        if let Some(index) = self.open_qdrant(dim)? {
            return Ok(Box::new(index));
        }
        Ok(Box::new(crate::index::EmbeddedIndex::open(
            data, dim, writable,
        )?))
    }

    /// Opens the catalog and the chunk index for writing, repairing what a crash left.
    pub fn open_store(&self, data: &Path, dim: usize) -> Result<Store> {
        let catalog = self.open_catalog(data)?;
        Store::open_with(data, catalog, self.open_index(data, dim, true)?)
    }

    /// Opens them for searching only.
    pub fn open_store_read_only(&self, data: &Path, dim: usize) -> Result<Store> {
        let catalog = self.open_catalog(data)?;
        Ok(Store::read_only_with(
            data,
            catalog,
            self.open_index(data, dim, false)?,
        ))
    }
}

/// Runs blocking work on an engine's client from wherever the caller is: on an async worker
/// thread the runtime is told first (the PostgreSQL and Qdrant clients drive runtimes of
/// their own, which may not start inside another).
pub(crate) fn off_async<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}
