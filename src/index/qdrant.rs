//! Chunks in Qdrant, the engine many folio processes share (`--qdrant http://HOST:6334`):
//! one collection per generation (embedding model × analysis) behind an alias, each point a
//! chunk with a named dense vector (cosine, int8-quantized, rescored) and a named sparse
//! vector of BM25 weights from our own analysis (terms hashed to stable ids; Qdrant's `idf`
//! modifier keeps the document frequencies). Hybrid search is Qdrant's Query API: both
//! rankings prefetched and fused by reciprocal rank. Point ids are UUID v5 of the chunk ids,
//! so re-ingesting a document writes the same points; every write waits until it is durable.
//! Each point also carries what filters match on its document (media type, paths and their
//! folders, metadata), with payload indexes, so Qdrant applies filters itself instead of
//! receiving the ids of every document the catalog finds for them.

use super::analysis::Analysis;
use super::keyword::{ANALYSIS, HEADING_BOOST};
use super::{ChunkIndex, Hit, Mode, Search, Searched};
use crate::catalog::{comparable, DocumentFields, DocumentFilter};
use crate::document::Chunk;
use crate::error::{Error, Result};
use crate::storage::off_async;
use qdrant_client::qdrant::{
    value::Kind, Condition, CountPointsBuilder, CreateAliasBuilder, CreateCollectionBuilder,
    CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance, FacetCountsBuilder,
    FieldType, Filter, Fusion, Modifier, NamedVectors, PointStruct, PrefetchQueryBuilder,
    QuantizationSearchParamsBuilder, Query, QueryPointsBuilder, ScalarQuantizationBuilder,
    ScoredPoint, SearchParamsBuilder, SetPayloadPointsBuilder, SparseVectorParamsBuilder,
    SparseVectorsConfigBuilder, UpsertPointsBuilder, Vector, VectorInput, VectorParamsBuilder,
    VectorsConfigBuilder,
};
use qdrant_client::{Payload, Qdrant};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

const DENSE: &str = "dense";
const SPARSE: &str = "bm25";
/// BM25's term-frequency saturation and length normalisation, with the average chunk
/// length (terms after analysis) our chunker produces.
const K1: f32 = 1.2;
const B: f32 = 0.75;
const AVERAGE_TERMS: f32 = 110.0;
/// Candidates each ranking contributes to the fusion (as in the embedded search).
const MIN_FUSION_DEPTH: usize = 20;
/// Results asked beyond `k`, so that chunks tied at the cut are ranked by id, the same way
/// for every search (Qdrant returns equal scores in no fixed order).
const TIE_MARGIN: usize = 8;
/// Points per upsert request.
const BATCH: usize = 256;
/// Qdrant 1.10 brought the Query API's fusion and the sparse `idf` modifier.
const MIN_VERSION: (u32, u32) = (1, 10);
/// Documents the facet of document ids lists at most (status and recovery).
const MAX_FACET: u64 = 1_000_000;

/// Where Qdrant is and which collections are folio's.
#[derive(Debug, Clone, PartialEq)]
pub struct QdrantConfig {
    /// The gRPC endpoint, e.g. `http://127.0.0.1:6334`.
    pub url: String,
    pub api_key: Option<String>,
    /// Prepended to collection and alias names, so several folio deployments share a server.
    pub prefix: String,
}

/// The payload revision: `p2` added the fields filters match (media type, paths, folders,
/// metadata) and their indexes.
const PAYLOAD: &str = "p2";
/// Payload fields with a keyword index in every collection (metadata keys get theirs as
/// they are first written).
const INDEXED: [&str; 5] = ["document_id", "language", "media_type", "paths", "folders"];

/// The generation this build writes: the embedding model, the analysis revision and the
/// payload revision.
pub fn generation() -> String {
    format!(
        "{}_{PAYLOAD}",
        super::generation_label(super::EMBEDDING, ANALYSIS)
    )
}

/// The folders a path lies in, each ending with `/`, from the root down: what a path prefix
/// ending with `/` matches.
fn folders(path: &str) -> Vec<String> {
    path.match_indices('/')
        .map(|(i, _)| path[..=i].to_string())
        .collect()
}

/// Whether a metadata key can be part of a payload path (`meta.KEY`).
fn plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The conditions of a search: the documents the catalog allowed, and a filter Qdrant
/// applies itself.
fn conditions(
    allowed: Option<&HashSet<String>>,
    filter: Option<&DocumentFilter>,
) -> Option<Filter> {
    let mut must = Vec::new();
    if let Some(ids) = allowed {
        let ids: Vec<String> = ids.iter().cloned().collect();
        must.push(Condition::matches("document_id", ids));
    }
    if let Some(f) = filter {
        if !f.document_ids.is_empty() {
            must.push(Condition::matches("document_id", f.document_ids.clone()));
        }
        if !f.media_types.is_empty() {
            must.push(Condition::matches("media_type", f.media_types.clone()));
        }
        if let Some(prefix) = &f.path_prefix {
            must.push(Condition::matches("folders", prefix.clone()));
        }
        for (key, value) in &f.metadata {
            must.push(Condition::matches(
                format!("meta.{key}"),
                value.to_ascii_lowercase(),
            ));
        }
    }
    (!must.is_empty()).then(|| Filter::must(must))
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Index(format!("qdrant: {e}"))
}

pub struct QdrantIndex {
    client: Qdrant,
    runtime: tokio::runtime::Runtime,
    url: String,
    /// What reads and writes name: the live alias.
    alias: String,
    /// The generation `folio reindex` is building, while it does: writes go there too.
    next_alias: String,
    /// Prefix of every collection of this deployment.
    prefix: String,
    /// The collection the alias pointed at when opened.
    collection: String,
    dim: usize,
    analysis: Analysis,
    /// Chunks per language (for reading queries in the index's main languages).
    languages: RwLock<Vec<(String, u64)>>,
    /// (collection, `meta.KEY`) payload indexes made or seen by this process.
    meta_indexed: Mutex<HashSet<(String, String)>>,
}

/// A stable term id: FNV-1a of the analysed term.
fn term_id(term: &str) -> u32 {
    term.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The point id of a chunk id.
fn point_id(chunk_id: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, chunk_id.as_bytes()).to_string()
}

fn version_at_least(version: &str, min: (u32, u32)) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    v >= min
}

fn text(point: &ScoredPoint, key: &str) -> Option<String> {
    match point.payload.get(key).and_then(|v| v.kind.as_ref()) {
        Some(Kind::StringValue(s)) => Some(s.clone()),
        _ => None,
    }
}

impl QdrantIndex {
    /// Connects, checks the server's version, and opens the live collection (creating this
    /// generation's collection, its payload indexes and the alias on first use).
    pub fn open(config: &QdrantConfig, dim: usize) -> Result<Self> {
        let unreachable = |e: &dyn std::fmt::Display| {
            Error::Index(format!(
                "cannot reach Qdrant at {}: {e} (is it running? check --qdrant or FOLIO_QDRANT_URL; the gRPC port is usually 6334)",
                config.url
            ))
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("qdrant-client")
            .enable_all()
            .build()
            .map_err(err)?;
        let client = Qdrant::from_url(&config.url)
            .api_key(config.api_key.clone())
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(5))
            .skip_compatibility_check()
            .build()
            .map_err(|e| unreachable(&e))?;
        let mut index = Self {
            client,
            runtime,
            url: config.url.clone(),
            alias: format!("{}chunks", config.prefix),
            next_alias: format!("{}chunks_next", config.prefix),
            prefix: config.prefix.clone(),
            collection: String::new(),
            dim,
            analysis: Analysis::default(),
            languages: RwLock::new(Vec::new()),
            meta_indexed: Mutex::new(HashSet::new()),
        };
        let health = index
            .wait_for(|c| async move { c.health_check().await })
            .map_err(|e| unreachable(&e))?;
        if !version_at_least(&health.version, MIN_VERSION) {
            return Err(Error::Index(format!(
                "Qdrant at {} is version {}; folio needs {}.{} or newer",
                config.url, health.version, MIN_VERSION.0, MIN_VERSION.1
            )));
        }
        index.collection =
            index.live_or_create(&format!("{}chunks_{}", config.prefix, generation()))?;
        index.refresh_languages()?;
        Ok(index)
    }

    /// Runs a client call to completion on this index's runtime.
    fn wait_for<T, F: Future<Output = std::result::Result<T, qdrant_client::QdrantError>>>(
        &self,
        call: impl FnOnce(Qdrant) -> F,
    ) -> std::result::Result<T, Box<qdrant_client::QdrantError>> {
        let client = self.client.clone();
        off_async(|| {
            self.runtime
                .block_on(async move { call(client).await.map_err(Box::new) })
        })
    }

    /// The collections the live and the next alias point at.
    fn targets(&self) -> Result<(Option<String>, Option<String>)> {
        let aliases = self
            .wait_for(|c| async move { c.list_aliases().await })
            .map_err(err)?;
        let find = |name: &str| {
            aliases
                .aliases
                .iter()
                .find(|a| a.alias_name == name)
                .map(|a| a.collection_name.clone())
        };
        Ok((find(&self.alias), find(&self.next_alias)))
    }

    /// The collection searches use now.
    pub fn live(&self) -> Result<String> {
        self.targets()?
            .0
            .ok_or_else(|| err(format!("the alias {} is gone", self.alias)))
    }

    /// The collection the alias points at; without an alias, `wanted` is created with its
    /// payload indexes and becomes live.
    fn live_or_create(&self, wanted: &str) -> Result<String> {
        if let (Some(live), _) = self.targets()? {
            if !live.starts_with(wanted) {
                tracing::warn!(
                    live = %live,
                    this_build = %wanted,
                    "the live Qdrant collection is another generation; `folio reindex` builds this one"
                );
            }
            return Ok(live);
        }
        if !self.collection_exists(wanted)? {
            self.create_collection(wanted)?;
        }
        self.point_alias(&self.alias, wanted)?;
        Ok(wanted.to_string())
    }

    fn create_collection(&self, name: &str) -> Result<()> {
        let mut vectors = VectorsConfigBuilder::default();
        vectors.add_named_vector_params(
            DENSE,
            VectorParamsBuilder::new(self.dim as u64, Distance::Cosine),
        );
        let mut sparse = SparseVectorsConfigBuilder::default();
        sparse.add_named_vector_params(
            SPARSE,
            SparseVectorParamsBuilder::default().modifier(Modifier::Idf),
        );
        let create = CreateCollectionBuilder::new(name)
            .vectors_config(vectors)
            .sparse_vectors_config(sparse)
            .quantization_config(ScalarQuantizationBuilder::default().always_ram(true));
        let result = self.wait_for(|c| async move { c.create_collection(create).await });
        // Failing because another folio process created it meanwhile is no failure.
        if let Err(e) = result {
            if !self.collection_exists(name)? {
                return Err(err(e));
            }
        }
        for field in INDEXED {
            self.keyword_index(name, field)?;
        }
        Ok(())
    }

    /// Creates a keyword payload index (Qdrant accepts one that exists already).
    fn keyword_index(&self, collection: &str, field: &str) -> Result<()> {
        let request = CreateFieldIndexCollectionBuilder::new(collection, field, FieldType::Keyword)
            .wait(true);
        self.wait_for(|c| async move { c.create_field_index(request).await })
            .map(|_| ())
            .map_err(err)
    }

    /// Writes what filters match on a document into its points in `collection`, indexing
    /// metadata keys it has not seen there before.
    pub fn set_fields_in(
        &self,
        collection: &str,
        document_id: &str,
        fields: &DocumentFields,
    ) -> Result<()> {
        let mut meta = Payload::new();
        for (key, value) in fields.metadata.iter().filter(|(k, _)| plain_key(k)) {
            let field = format!("meta.{key}");
            let known = (collection.to_string(), field.clone());
            if !self
                .meta_indexed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&known)
            {
                self.keyword_index(collection, &field)?;
                self.meta_indexed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(known);
            }
            meta.insert(key, comparable(value));
        }
        let folders: BTreeSet<String> = fields.paths.iter().flat_map(|p| folders(p)).collect();
        let mut payload = Payload::new();
        payload.insert("media_type", fields.media_type.clone());
        payload.insert("paths", fields.paths.clone());
        payload.insert("folders", folders.into_iter().collect::<Vec<_>>());
        payload.insert("meta", meta);
        let only = Filter::must([Condition::matches("document_id", document_id.to_string())]);
        let request = SetPayloadPointsBuilder::new(collection, payload)
            .points_selector(only)
            .wait(true);
        self.wait_for(|c| async move { c.set_payload(request).await })
            .map(|_| ())
            .map_err(err)
    }

    /// Reads the chunk counts per language again (Qdrant's estimate from its payload index:
    /// cheap at any size, and the query analysis only needs each language's rough share).
    fn refresh_languages(&self) -> Result<()> {
        let languages = self.facet("language", 100, false)?;
        *self.languages.write().unwrap_or_else(|p| p.into_inner()) = languages;
        Ok(())
    }

    /// The values of a keyword payload field with their point counts (`exact`, or the
    /// payload index's estimate), at most `limit` of them.
    fn facet(&self, field: &str, limit: u64, exact: bool) -> Result<Vec<(String, u64)>> {
        let request = FacetCountsBuilder::new(&self.alias, field)
            .limit(limit)
            .exact(exact);
        let facets = self
            .wait_for(|c| async move { c.facet(request).await })
            .map_err(err)?;
        Ok(facets
            .hits
            .into_iter()
            .filter_map(|h| match h.value?.variant? {
                qdrant_client::qdrant::facet_value::Variant::StringValue(s) => Some((s, h.count)),
                _ => None,
            })
            .collect())
    }

    fn collection_exists(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.wait_for(|c| async move { c.collection_exists(name).await })
            .map_err(err)
    }

    /// BM25 weights of a chunk's terms (its heading path counted `HEADING_BOOST` times), by
    /// term id.
    fn sparse(&self, chunk: &Chunk, language: Option<&str>) -> (Vec<u32>, Vec<f32>) {
        let terms = self.analysis.terms(&chunk.text, language);
        let headings = self.analysis.terms(&chunk.headings.join(" › "), language);
        let length = terms.len() as f32;
        let mut tf: BTreeMap<u32, f32> = BTreeMap::new();
        for t in &terms {
            *tf.entry(term_id(&t.text)).or_default() += 1.0;
        }
        for t in &headings {
            *tf.entry(term_id(&t.text)).or_default() += HEADING_BOOST;
        }
        let norm = K1 * (1.0 - B + B * length / AVERAGE_TERMS);
        tf.into_iter()
            .map(|(id, f)| (id, f * (K1 + 1.0) / (f + norm)))
            .unzip()
    }

    fn delete(&self, collection: &str, document_ids: &[String]) -> Result<()> {
        let filter = Filter::must([Condition::matches("document_id", document_ids.to_vec())]);
        let request = DeletePointsBuilder::new(collection)
            .points(filter)
            .wait(true);
        self.wait_for(|c| async move { c.delete_points(request).await })
            .map(|_| ())
            .map_err(err)
    }

    /// Replaces a document's points in `collection` (waiting until they are durable).
    pub fn put_into(
        &self,
        collection: &str,
        document_id: &str,
        chunks: &[Chunk],
        vectors: &[(String, Vec<f32>)],
    ) -> Result<()> {
        // Points of a longer earlier version of the document would outlive the upsert.
        self.delete(collection, &[document_id.to_string()])?;
        let by_id: HashMap<&str, &Vec<f32>> =
            vectors.iter().map(|(id, v)| (id.as_str(), v)).collect();
        let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
        let languages = self.analysis.languages(&texts);
        let mut points = Vec::with_capacity(chunks.len());
        for (chunk, language) in chunks.iter().zip(languages) {
            let dense = by_id
                .get(chunk.id.as_str())
                .ok_or_else(|| err(format!("chunk {} has no embedding", chunk.id)))?;
            let (indices, values) = self.sparse(chunk, language);
            let mut named = NamedVectors::default().add_vector(DENSE, dense.to_vec());
            if !indices.is_empty() {
                named = named.add_vector(SPARSE, Vector::new_sparse(indices, values));
            }
            let mut payload = Payload::new();
            payload.insert("document_id", chunk.document_id.clone());
            payload.insert("chunk_id", chunk.id.clone());
            payload.insert("language", language.unwrap_or("und"));
            payload.insert("chunk", serde_json::to_string(chunk).map_err(err)?);
            points.push(PointStruct::new(point_id(&chunk.id), named, payload));
        }
        for batch in points.chunks(BATCH) {
            let request = UpsertPointsBuilder::new(collection, batch.to_vec()).wait(true);
            self.wait_for(|c| async move { c.upsert_points(request).await })
                .map_err(err)?;
        }
        Ok(())
    }

    /// Creates the collection of a new generation and points the `next` alias at it, so
    /// that from now on every write reaches it too; its name.
    pub fn start_generation(&self) -> Result<String> {
        // A reindex that was interrupted left its unfinished generation behind.
        if let (_, Some(stale)) = self.targets()? {
            tracing::warn!(collection = %stale, "dropping an unfinished generation");
            self.drop_collection(&stale)?;
        }
        let name = format!(
            "{}chunks_{}_{}",
            self.prefix,
            generation(),
            crate::catalog::now_ms()
        );
        self.create_collection(&name)?;
        self.point_alias(&self.next_alias, &name)?;
        Ok(name)
    }

    /// Makes `collection` live (one atomic alias change: searches move over at once) and
    /// stops writing to a next generation; the collection that was live.
    pub fn go_live(&self, collection: &str) -> Result<Option<String>> {
        let (old, _) = self.targets()?;
        self.point_alias(&self.alias, collection)?;
        let next = self.next_alias.clone();
        self.wait_for(|c| async move { c.delete_alias(next).await })
            .map_err(err)?;
        Ok(old.filter(|o| o != collection))
    }

    /// Deletes a collection (a generation past its grace period).
    pub fn drop_collection(&self, collection: &str) -> Result<()> {
        let name = collection.to_string();
        self.wait_for(|c| async move { c.delete_collection(name).await })
            .map(|_| ())
            .map_err(err)
    }

    /// Creates `alias`, or moves it to `collection` (Qdrant reassigns an existing alias
    /// atomically).
    fn point_alias(&self, alias: &str, collection: &str) -> Result<()> {
        let request = CreateAliasBuilder::new(collection, alias);
        self.wait_for(|c| async move { c.create_alias(request).await })
            .map(|_| ())
            .map_err(err)
    }

    fn run_query(&self, request: QueryPointsBuilder) -> Result<Vec<Hit>> {
        let response = self
            .wait_for(|c| async move { c.query(request).await })
            .map_err(err)?;
        response
            .result
            .iter()
            .map(|p| {
                let json = text(p, "chunk").ok_or_else(|| err("a point without its chunk"))?;
                let chunk: Chunk = serde_json::from_str(&json).map_err(err)?;
                Ok(Hit {
                    chunk,
                    score: p.score,
                })
            })
            .collect()
    }
}

impl ChunkIndex for QdrantIndex {
    fn replace(
        &mut self,
        document_id: &str,
        chunks: &[Chunk],
        vectors: &[(String, Vec<f32>)],
    ) -> Result<()> {
        let (live, next) = self.targets()?;
        for collection in live.iter().chain(next.iter()) {
            self.put_into(collection, document_id, chunks, vectors)?;
        }
        self.refresh_languages()
    }

    fn remove(&mut self, document_ids: &[String]) -> Result<()> {
        if document_ids.is_empty() {
            return Ok(());
        }
        let (live, next) = self.targets()?;
        for collection in live.iter().chain(next.iter()) {
            self.delete(collection, document_ids)?;
        }
        self.refresh_languages()
    }

    fn search(&self, request: &Search, pinned: Option<&str>) -> Result<Searched> {
        let Search {
            query,
            vector: query_vector,
            mode,
            k,
            allowed,
            ..
        } = *request;
        // The collection answering is named, not the alias: the answer says which it was,
        // and a client may pin one while it moves over after a reindex.
        let collection = match pinned {
            Some(name) if name.starts_with(&self.prefix) => name.to_string(),
            Some(name) => {
                return Err(Error::Index(format!(
                    "unknown index generation '{name}' (folio's start with '{}')",
                    self.prefix
                )))
            }
            None => self.live()?,
        };
        let filter = conditions(allowed, request.filter);
        let dense = || -> Result<VectorInput> {
            query_vector
                .map(|v| VectorInput::new_dense(v.to_vec()))
                .ok_or_else(|| Error::Index("no query embedding".into()))
        };
        let languages = self
            .languages
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let (ids, weights): (Vec<u32>, Vec<f32>) = self
            .analysis
            .query_terms(query, &languages)
            .iter()
            .map(|t| (term_id(t), 1.0))
            .collect::<BTreeMap<u32, f32>>()
            .into_iter()
            .unzip();
        let rescored = SearchParamsBuilder::default()
            .quantization(QuantizationSearchParamsBuilder::default().rescore(true));
        let mut request = QueryPointsBuilder::new(&collection)
            .limit((k + TIE_MARGIN) as u64)
            .with_payload(true);
        match mode {
            Mode::Keyword if ids.is_empty() => {
                return Ok(Searched {
                    hits: Vec::new(),
                    generation: collection,
                })
            }
            Mode::Keyword => {
                request = request
                    .query(Query::new_nearest(VectorInput::new_sparse(ids, weights)))
                    .using(SPARSE);
            }
            Mode::Vector => {
                request = request
                    .query(Query::new_nearest(dense()?))
                    .using(DENSE)
                    .params(rescored);
            }
            Mode::Hybrid => {
                let depth = k.max(MIN_FUSION_DEPTH) as u64;
                let mut dense_prefetch = PrefetchQueryBuilder::default()
                    .query(Query::new_nearest(dense()?))
                    .using(DENSE)
                    .params(rescored)
                    .limit(depth);
                if let Some(f) = &filter {
                    dense_prefetch = dense_prefetch.filter(f.clone());
                }
                request = request
                    .add_prefetch(dense_prefetch)
                    .query(Query::new_fusion(Fusion::Rrf));
                if !ids.is_empty() {
                    let mut sparse_prefetch = PrefetchQueryBuilder::default()
                        .query(Query::new_nearest(VectorInput::new_sparse(ids, weights)))
                        .using(SPARSE)
                        .limit(depth);
                    if let Some(f) = &filter {
                        sparse_prefetch = sparse_prefetch.filter(f.clone());
                    }
                    request = request.add_prefetch(sparse_prefetch);
                }
            }
        }
        if let Some(f) = filter {
            request = request.filter(f);
        }
        let mut hits = self.run_query(request)?;
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.chunk.id.cmp(&b.chunk.id))
        });
        hits.truncate(k);
        Ok(Searched {
            hits,
            generation: collection,
        })
    }

    fn document_ids(&self) -> Result<BTreeSet<String>> {
        Ok(self
            .facet("document_id", MAX_FACET, true)?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    fn counts(&self) -> Result<Vec<(&'static str, u64)>> {
        let request = CountPointsBuilder::new(&self.alias).exact(true);
        let count = self
            .wait_for(|c| async move { c.count(request).await })
            .map_err(err)?;
        Ok(vec![("qdrant", count.result.map_or(0, |r| r.count))])
    }

    fn languages(&self) -> Result<BTreeMap<String, u64>> {
        self.refresh_languages()?;
        Ok(self
            .languages
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect())
    }

    fn keeps_fields(&self) -> bool {
        true
    }

    fn set_fields(&mut self, document_id: &str, fields: &DocumentFields) -> Result<()> {
        let (live, next) = self.targets()?;
        for collection in live.iter().chain(next.iter()) {
            self.set_fields_in(collection, document_id, fields)?;
        }
        Ok(())
    }

    /// Collections of this payload revision hold the fields; a path prefix must end at a
    /// folder (`/`), metadata keys must be plain words. Other filters go through the catalog.
    fn filters(&self, filter: &DocumentFilter, pinned: Option<&str>) -> bool {
        let collection = pinned.unwrap_or(&self.collection);
        collection.starts_with(&format!("{}chunks_{}", self.prefix, generation()))
            && filter.tenant.is_none()
            && filter
                .path_prefix
                .as_deref()
                .is_none_or(|p| p.ends_with('/'))
            && filter.metadata.keys().all(|k| plain_key(k))
    }

    fn describe(&self) -> String {
        match self.targets() {
            Ok((live, next)) => format!(
                "qdrant {} collection {}{}",
                self.url,
                live.unwrap_or_else(|| self.collection.clone()),
                next.map(|n| format!(" (building {n})")).unwrap_or_default()
            ),
            Err(_) => format!("qdrant {} collection {}", self.url, self.collection),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_versions_compared() {
        assert_eq!(term_id("packag"), term_id("packag"));
        assert_ne!(term_id("packag"), term_id("package"));
        assert_eq!(term_id(""), 0x811c_9dc5);
        assert_eq!(point_id("doc_a:0"), point_id("doc_a:0"));
        assert_ne!(point_id("doc_a:0"), point_id("doc_a:1"));
        assert!(version_at_least("1.18.1", (1, 10)));
        assert!(!version_at_least("1.9.7", (1, 10)));
        assert!(version_at_least("2.0.0", (1, 10)));
    }

    #[test]
    fn folders_and_keys_for_filters() {
        assert_eq!(folders("/a/b/c.pdf"), vec!["/", "/a/", "/a/b/"]);
        assert!(folders("upload:job_1").is_empty());
        // A prefix ending with '/' holds exactly for the paths that lie in that folder.
        for path in ["/a/b/c.pdf", "/a/bc/d.pdf", "/x.pdf"] {
            for prefix in ["/", "/a/", "/a/b/", "/a/bc/"] {
                assert_eq!(
                    folders(path).iter().any(|f| f == prefix),
                    path.starts_with(prefix),
                    "{path} under {prefix}"
                );
            }
        }
        assert!(plain_key("page_count") && plain_key("dc-title"));
        assert!(!plain_key("a.b") && !plain_key("") && !plain_key("tïtle"));
        assert!(conditions(None, None).is_none());
        let filter = DocumentFilter {
            media_types: vec!["application/pdf".into()],
            path_prefix: Some("/a/".into()),
            metadata: [("Creator".to_string(), "TeX".to_string())].into(),
            ..Default::default()
        };
        let made = conditions(None, Some(&filter)).expect("conditions");
        assert_eq!(made.must.len(), 3);
    }
}
