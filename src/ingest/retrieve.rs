//! Retrieval over a data directory's stores: the filter resolved through the catalog, the
//! search of [`crate::index::search`], and each hit's document origin. The CLI's `query` and
//! the API's `/v1/retrieve` both call this.

use super::Store;
use crate::catalog::DocumentFilter;
use crate::error::{Error, Result};
use crate::index::{Hit, Mode, Search};

/// The most results one search returns.
pub const MAX_TOP_K: usize = 1000;

/// A search request.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub text: &'a str,
    pub mode: Mode,
    pub top_k: usize,
    pub filter: &'a DocumentFilter,
    /// An index generation to search instead of the live one (during a transition).
    pub generation: Option<&'a str>,
}

/// What a search found, and which index generation answered.
#[derive(Debug, Clone)]
pub struct Found {
    pub results: Vec<Retrieved>,
    pub generation: String,
}

/// A hit with where its document came from.
#[derive(Debug, Clone)]
pub struct Retrieved {
    pub hit: Hit,
    pub filename: Option<String>,
    /// One path the document was ingested from (`upload:ID` for API uploads).
    pub path: Option<String>,
}

impl Store {
    /// Runs `query`; `query_vector` (the query's embedding) is needed unless the mode is
    /// keyword.
    pub fn retrieve(&self, query: &Query, query_vector: Option<&[f32]>) -> Result<Found> {
        if !(1..=MAX_TOP_K).contains(&query.top_k) {
            return Err(Error::Index(format!(
                "top_k must be between 1 and {MAX_TOP_K}"
            )));
        }
        // The filter goes to an engine that applies it itself, or becomes the ids of the
        // documents the catalog finds for it.
        let filtered = !query.filter.is_empty();
        let native = filtered && self.chunks.filters(query.filter, query.generation);
        let allowed = (filtered && !native)
            .then(|| self.catalog.select(query.filter))
            .transpose()?;
        let searched = self.chunks.search(
            &Search {
                query: query.text,
                vector: query_vector,
                mode: query.mode,
                k: query.top_k,
                allowed: allowed.as_ref(),
                filter: native.then_some(query.filter),
            },
            query.generation,
        )?;
        let generation = searched.generation;
        let results = searched
            .hits
            .into_iter()
            .map(|hit| {
                let (filename, path) = self
                    .catalog
                    .origin(query.filter.tenant.as_deref(), &hit.chunk.document_id)?;
                Ok(Retrieved {
                    hit,
                    filename,
                    path,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Found {
            results,
            generation,
        })
    }
}
