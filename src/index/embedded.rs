//! The default [`ChunkIndex`]: a tantivy keyword store and the embedded vector store in the
//! data directory, written by one process, searched by reciprocal-rank fusion of their
//! rankings ([`super::search`]).

use super::{ChunkIndex, Hit, KeywordStore, Mode, VectorStore};
use crate::document::Chunk;
use crate::error::Result;
use std::collections::{BTreeMap, BTreeSet, HashSet};

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

    fn search(
        &self,
        query: &str,
        query_vector: Option<&[f32]>,
        mode: Mode,
        k: usize,
        allowed: Option<&HashSet<String>>,
    ) -> Result<Vec<Hit>> {
        super::search(
            &self.keyword,
            self.vectors.as_ref(),
            query,
            query_vector,
            mode,
            k,
            allowed,
        )
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
        "embedded".into()
    }
}
