//! Where chunks are stored and searched: the [`ChunkIndex`] trait, with the embedded
//! [`EmbeddedIndex`] (a keyword store, tantivy BM25, and a vector store, the [`VectorStore`]
//! trait's in-process [`EmbeddedStore`], fused by reciprocal rank) as the default and
//! [`QdrantIndex`] (dense and BM25-sparse vectors in one Qdrant collection, fused by Qdrant)
//! as the shared engine of many folio processes.

mod analysis;
mod embedded;
mod generation;
mod graph;
mod keyword;
mod qdrant;
mod tokenize;

pub(crate) use tokenize::is_cjk;
mod vector;

pub use embedded::{EmbeddedIndex, Source};
pub use generation::live_dir;
pub use keyword::KeywordStore;
pub use qdrant::{QdrantConfig, QdrantIndex};
pub use vector::{EmbeddedStore, VectorHit, VectorStore};

use crate::catalog::{DocumentFields, DocumentFilter};
use crate::document::Chunk;
use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The embedding model of this build's vectors, as generation names spell it.
pub const EMBEDDING: &str = "minilm_l6_v2";

/// Names what a generation of an index was written with: the embedding model and the
/// analysis revision (`minilm_l6_v2_a3`).
pub fn generation_label(embedding: &str, analysis: &str) -> String {
    let revision = analysis.rsplit('-').next().unwrap_or("0");
    format!("{embedding}_a{revision}")
}

/// The chunks of a data directory (or of a shared engine): written a document at a time,
/// searched by keyword, vector or both.
pub trait ChunkIndex: Send + Sync {
    /// Replaces a document's chunks and their embeddings (`(chunk id, vector)`); durable and
    /// visible to searches when it returns.
    fn replace(
        &mut self,
        document_id: &str,
        chunks: &[Chunk],
        vectors: &[(String, Vec<f32>)],
    ) -> Result<()>;
    /// Removes every chunk of these documents; durable when it returns.
    fn remove(&mut self, document_ids: &[String]) -> Result<()>;
    /// The `k` best chunks for `query` (`query_vector` is its embedding, needed unless the
    /// mode is keyword), within `allowed` documents when given, from the live generation or
    /// the one `pinned` names.
    fn search(&self, request: &Search, pinned: Option<&str>) -> Result<Searched>;
    /// Documents that have chunks stored.
    fn document_ids(&self) -> Result<BTreeSet<String>>;
    /// Chunks held, per store (`keyword`, `vector`; one engine holding both counts once).
    fn counts(&self) -> Result<Vec<(&'static str, u64)>>;
    /// Chunks per detected language.
    fn languages(&self) -> Result<BTreeMap<String, u64>>;
    /// Completes index work left for later, before serving or at the end of a bulk ingest.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
    /// Which engine this is, for status and logs.
    fn describe(&self) -> String;
    /// Whether the engine keeps what filters match on a document ([`ChunkIndex::set_fields`]);
    /// when not, nobody reads the fields for it.
    fn keeps_fields(&self) -> bool {
        false
    }
    /// Records what filters match on a document with its chunks, for an engine that applies
    /// filters itself; called after [`ChunkIndex::replace`] and whenever its files change.
    fn set_fields(&mut self, _document_id: &str, _fields: &DocumentFields) -> Result<()> {
        Ok(())
    }
    /// Whether a search of the live generation (or the `pinned` one) can apply `filter`
    /// itself.
    fn filters(&self, _filter: &DocumentFilter, _pinned: Option<&str>) -> bool {
        false
    }
    /// The embedded index, whose generations the caller builds ([`crate::ingest::regenerate`]).
    fn embedded(&self) -> Option<&EmbeddedIndex> {
        None
    }
    fn embedded_mut(&mut self) -> Option<&mut EmbeddedIndex> {
        None
    }
}

/// A retrieved chunk and its score (BM25, cosine or fused, by mode).
#[derive(Debug, Clone)]
pub struct Hit {
    pub chunk: Chunk,
    pub score: f32,
}

/// What a search asks for.
#[derive(Debug, Clone, Copy)]
pub struct Search<'a> {
    pub query: &'a str,
    /// The query's embedding (unless the mode is keyword).
    pub vector: Option<&'a [f32]>,
    pub mode: Mode,
    pub k: usize,
    /// Only these documents, when given.
    pub allowed: Option<&'a HashSet<String>>,
    /// A filter the engine applies itself (given only where [`ChunkIndex::filters`] said it
    /// can; otherwise the catalog resolves filters into `allowed`).
    pub filter: Option<&'a DocumentFilter>,
}

/// A search's results and the index generation that answered.
#[derive(Debug, Clone)]
pub struct Searched {
    pub hits: Vec<Hit>,
    pub generation: String,
}

/// Which rankings a search uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Hybrid,
    Vector,
    Keyword,
}

impl std::str::FromStr for Mode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "hybrid" => Ok(Mode::Hybrid),
            "vector" => Ok(Mode::Vector),
            "keyword" => Ok(Mode::Keyword),
            other => Err(Error::Index(format!(
                "unknown search mode '{other}' (hybrid, vector, keyword)"
            ))),
        }
    }
}

/// The constant of reciprocal-rank fusion: score = Σ 1 / (K + rank).
const RRF_K: f32 = 60.0;
/// Each ranking contributes as many candidates as results are asked for (Elasticsearch's
/// default window), and at least this many. Deeper windows let chunks that both rankings
/// place in their middle outvote one ranking's top hit (benches/README.md, "Retrieval").
const MIN_FUSION_DEPTH: usize = 20;

/// Fuses rankings (best first) by reciprocal rank; returns (chunk id, fused score), best first.
/// Equal scores (the same rank in different rankings) keep the order the rankings are given
/// in.
pub fn fuse(rankings: &[Vec<String>], k: usize) -> Vec<(String, f32)> {
    // Per chunk: fused score and the (rank, ranking) where it was first seen.
    let mut scores: HashMap<&str, (f32, (usize, usize))> = HashMap::new();
    for (which, ranking) in rankings.iter().enumerate() {
        for (rank, id) in ranking.iter().enumerate() {
            let entry = scores.entry(id.as_str()).or_insert((0.0, (rank, which)));
            entry.0 += 1.0 / (RRF_K + rank as f32 + 1.0);
            entry.1 = entry.1.min((rank, which));
        }
    }
    let mut out: Vec<(&str, f32, (usize, usize))> = scores
        .into_iter()
        .map(|(id, (s, at))| (id, s, at))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    out.into_iter()
        .take(k)
        .map(|(id, s, _)| (id.to_string(), s))
        .collect()
}

/// Searches `keyword` and/or `vectors` for the `k` best chunks. `query_vector` is needed for
/// vector and hybrid modes; `allowed` restricts the documents.
pub fn search(
    keyword: &KeywordStore,
    vectors: &dyn VectorStore,
    query: &str,
    query_vector: Option<&[f32]>,
    mode: Mode,
    k: usize,
    allowed: Option<&HashSet<String>>,
) -> Result<Vec<Hit>> {
    let vector_hits = |depth: usize| -> Result<Vec<VectorHit>> {
        let v = query_vector.ok_or_else(|| Error::Index("no query embedding".into()))?;
        vectors.search(v, depth, allowed)
    };
    match mode {
        Mode::Keyword => keyword.search(query, k, allowed),
        Mode::Vector => {
            let hits = vector_hits(k)?;
            let ids: Vec<String> = hits.iter().map(|h| h.chunk_id.clone()).collect();
            let mut chunks = keyword.chunks(&ids)?;
            Ok(hits
                .into_iter()
                .filter_map(|h| {
                    chunks.remove(&h.chunk_id).map(|chunk| Hit {
                        chunk,
                        score: h.score,
                    })
                })
                .collect())
        }
        Mode::Hybrid => {
            let depth = k.max(MIN_FUSION_DEPTH);
            let by_keyword = keyword.search(query, depth, allowed)?;
            let by_vector = vector_hits(depth)?;
            let rankings = vec![
                by_keyword.iter().map(|h| h.chunk.id.clone()).collect(),
                by_vector.iter().map(|h| h.chunk_id.clone()).collect(),
            ];
            let fused = fuse(&rankings, k);
            let mut known: HashMap<String, Chunk> = by_keyword
                .into_iter()
                .map(|h| (h.chunk.id.clone(), h.chunk))
                .collect();
            let missing: Vec<String> = fused
                .iter()
                .filter(|(id, _)| !known.contains_key(id))
                .map(|(id, _)| id.clone())
                .collect();
            known.extend(keyword.chunks(&missing)?);
            Ok(fused
                .into_iter()
                .filter_map(|(id, score)| known.remove(&id).map(|chunk| Hit { chunk, score }))
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fuse;

    #[test]
    fn fusion_rewards_agreement() {
        let a = vec!["x".to_string(), "y".to_string(), "z".to_string()];
        let b = vec!["y".to_string(), "w".to_string(), "x".to_string()];
        let fused = fuse(&[a, b], 3);
        assert_eq!(fused[0].0, "y");
        assert_eq!(fused[1].0, "x");
        assert_eq!(fused.len(), 3);
        // A tie (first in one ranking each) goes to the ranking given first.
        let fused = fuse(&[vec!["b".into()], vec!["a".into()]], 2);
        assert_eq!(fused[0].0, "b");
        let fused = fuse(&[vec!["a".into()], vec!["b".into()]], 2);
        assert_eq!(fused[0].0, "a");
    }
}
