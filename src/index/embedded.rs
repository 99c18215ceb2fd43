//! The default [`ChunkIndex`]: a tantivy keyword store and the embedded vector store in the
//! data directory, written by one process, searched by reciprocal-rank fusion of their
//! rankings ([`super::search`]).

use super::keyword::ANALYSIS;
use super::{ChunkIndex, KeywordStore, Search, Searched, VectorStore};
use crate::document::Chunk;
use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};

/// The embedded stores' one generation: its analysis (an index written by an older one is
/// rebuilt when opened for writing).
const GENERATION: &str = ANALYSIS;

pub struct EmbeddedIndex {
    pub keyword: KeywordStore,
    pub vectors: Box<dyn VectorStore>,
}

impl ChunkIndex for EmbeddedIndex {
    fn replace(
        &mut self,
        document_id: &str,
        chunks: &[Chunk],
        vectors: &[(String, Vec<f32>)],
    ) -> Result<()> {
        self.keyword.delete_document(document_id)?;
        self.vectors.delete_document(document_id)?;
        self.keyword.add(chunks)?;
        self.vectors.add(document_id, vectors)?;
        self.keyword.commit()?;
        self.vectors.commit()
    }

    fn remove(&mut self, document_ids: &[String]) -> Result<()> {
        if document_ids.is_empty() {
            return Ok(());
        }
        for id in document_ids {
            self.keyword.delete_document(id)?;
            self.vectors.delete_document(id)?;
        }
        self.keyword.commit()?;
        self.vectors.commit()
    }

    fn search(&self, request: &Search, pinned: Option<&str>) -> Result<Searched> {
        if let Some(other) = pinned.filter(|g| *g != GENERATION) {
            return Err(Error::Index(format!(
                "unknown index generation '{other}' (this one is '{GENERATION}')"
            )));
        }
        let hits = super::search(
            &self.keyword,
            self.vectors.as_ref(),
            request.query,
            request.vector,
            request.mode,
            request.k,
            request.allowed,
        )?;
        Ok(Searched {
            hits,
            generation: GENERATION.into(),
        })
    }

    fn document_ids(&self) -> Result<BTreeSet<String>> {
        let mut ids = self.keyword.document_ids()?;
        ids.extend(self.vectors.document_ids());
        Ok(ids)
    }

    fn counts(&self) -> Result<Vec<(&'static str, u64)>> {
        Ok(vec![
            ("keyword", self.keyword.len()),
            ("vector", self.vectors.len() as u64),
        ])
    }

    fn languages(&self) -> Result<BTreeMap<String, u64>> {
        Ok(self
            .keyword
            .languages()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect())
    }

    fn finish(&mut self) -> Result<()> {
        self.vectors.finish()
    }

    fn describe(&self) -> String {
        format!("embedded ({GENERATION})")
    }
}
