//! The vector store: the [`VectorStore`] trait and its embedded default, inner-product search
//! over a contiguous matrix of unit vectors persisted as an append-only log in the data
//! directory. Like Qdrant's planner it picks per query: a parallel scan of the i8-quantised
//! rows while the store is small or a filter leaves few rows, a graph ([`super::graph`]) once
//! it holds [`GRAPH_MIN_ROWS`] vectors; either way the best candidates are re-scored exactly in
//! f32. Rows added after the graph file was written are scanned until the next commit links
//! them in.
//!
//! The log holds `add` records (document id, chunk id, vector) and `delete` records (document
//! id), each framed with its length and a CRC-32. Opening replays it; a record cut short by a
//! crash is dropped (the file is truncated back to the last whole record), so the store is
//! never corrupt, only possibly behind the catalog, which the ingest recovery reconciles.
//! When deleted rows outnumber live ones the log is rewritten (to a temporary file, then
//! renamed over the old one).

use super::graph::{Graph, Rows};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A chunk id and its similarity (cosine, the vectors being unit length).
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    pub chunk_id: String,
    pub document_id: String,
    pub score: f32,
}

/// Where chunk vectors live. [`EmbeddedStore`] (in-process, in the data directory) is the
/// default; a Qdrant backend
/// implements the same calls.
pub trait VectorStore: Send + Sync {
    /// Adds the vectors of one document's chunks (after [`VectorStore::delete_document`] when
    /// replacing).
    fn add(&mut self, document_id: &str, vectors: &[(String, Vec<f32>)]) -> Result<()>;
    /// Removes every vector of a document.
    fn delete_document(&mut self, document_id: &str) -> Result<()>;
    /// Makes the changes so far durable.
    fn commit(&mut self) -> Result<()>;
    /// The `k` nearest chunks to `query`, within `allowed` documents when given.
    fn search(
        &self,
        query: &[f32],
        k: usize,
        allowed: Option<&HashSet<String>>,
    ) -> Result<Vec<VectorHit>>;
    /// Live vectors.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Documents that have vectors.
    fn document_ids(&self) -> HashSet<String>;
    /// Completes index work left for later (the embedded store's graph linking), for a
    /// long-lived process before it serves, or a bulk ingest before it ends.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

const ADD: u8 = 1;
const DELETE: u8 = 2;
/// Rows scanned per parallel task.
const SCAN_BLOCK: usize = 4096;
/// Candidates from the i8 scan per result asked for, and at least this many, re-scored in f32.
const OVERSAMPLE: usize = 10;
const MIN_CANDIDATES: usize = 100;
/// Live vectors from which unfiltered searches follow the graph (chosen by `benches/vectors`:
/// below this a scan is within the latency goal and exact).
pub const GRAPH_MIN_ROWS: usize = 150_000;
/// A filtered search follows the graph when the filter lets through more than a quarter of
/// the graph threshold and at least one row in `FILTER_GRAPH_SHARE`; fewer rows are scanned
/// exactly.
const FILTER_GRAPH_SHARE: usize = 8;
/// The graph file is rewritten once the graph has grown by this share of it.
const GRAPH_SAVE_SHARE: usize = 10;
/// Rows a commit or a writable open links into the graph at most (~7 s on one core), so a
/// commit that crosses [`GRAPH_MIN_ROWS`] does not hold the store for the whole build, nor
/// does a `folio query` wait for it; the rows left are scanned until later commits or
/// [`VectorStore::finish`] link them.
const LINK_PER_COMMIT: usize = 20_000;

/// The embedded vector store: every vector in memory, scanned or searched through the graph.
pub struct EmbeddedStore {
    path: PathBuf,
    dim: usize,
    /// `None` when opened for reading only.
    log: Option<BufWriter<File>>,
    /// Row-major vectors, `dim` per row; deleted rows stay until compaction.
    matrix: Vec<f32>,
    /// The same rows quantised to i8 (symmetric, per row), scanned first: a quarter of the
    /// memory traffic; the best candidates are then re-scored exactly in f32.
    quantized: Vec<i8>,
    scales: Vec<f32>,
    chunk_ids: Vec<String>,
    /// Index into `documents` per row; `u32::MAX` for a deleted row.
    row_document: Vec<u32>,
    documents: Vec<String>,
    document_index: HashMap<String, u32>,
    /// Rows of each document (by slot), for filtered searches.
    document_rows: Vec<Vec<u32>>,
    live: usize,
    /// The graph over rows `0..graph.len()`, once the store is big enough.
    graph: Option<Graph>,
    /// Rows the graph file on disk covers.
    graph_saved: usize,
    graph_min_rows: usize,
    /// Set while a generation is filled in bulk: no graph building until it is cleared.
    graph_deferred: bool,
    link_per_commit: usize,
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `dir` for vectors of `dim` dimensions, for writing:
    /// a record cut short by a crash is removed from the log.
    pub fn open(dir: &Path, dim: usize) -> Result<Self> {
        Self::open_with(dir, dim, true, GRAPH_MIN_ROWS)
    }

    /// Opens the store for searching only: the log is read as it is (a writer may be
    /// appending to it), the graph file as the writer last saved it.
    pub fn open_read_only(dir: &Path, dim: usize) -> Result<Self> {
        Self::open_with(dir, dim, false, GRAPH_MIN_ROWS)
    }

    /// [`Self::open`] with the graph built from `graph_min_rows` live vectors (benchmarks and
    /// tests).
    pub fn open_with_graph_from(dir: &Path, dim: usize, graph_min_rows: usize) -> Result<Self> {
        Self::open_with(dir, dim, true, graph_min_rows)
    }

    fn open_with(dir: &Path, dim: usize, writable: bool, graph_min_rows: usize) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let path = dir.join("vectors.log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        let mut store = Self {
            path: path.clone(),
            dim,
            log: writable.then(|| BufWriter::new(log)),
            matrix: Vec::new(),
            quantized: Vec::new(),
            scales: Vec::new(),
            chunk_ids: Vec::new(),
            row_document: Vec::new(),
            documents: Vec::new(),
            document_index: HashMap::new(),
            document_rows: Vec::new(),
            live: 0,
            graph: None,
            graph_saved: 0,
            graph_min_rows,
            graph_deferred: false,
            link_per_commit: LINK_PER_COMMIT,
        };
        store.replay(writable)?;
        store.graph = Graph::load(&store.graph_path(), &store.chunk_ids);
        store.graph_saved = store.graph.as_ref().map_or(0, Graph::len);
        if writable {
            store.link_graph(store.link_per_commit)?;
        }
        Ok(store)
    }

    fn graph_path(&self) -> PathBuf {
        self.path.with_file_name("graph.bin")
    }

    /// Links up to `limit` more rows into the graph (building it once the store is big enough)
    /// and rewrites the graph file when it has grown enough.
    fn link_graph(&mut self, limit: usize) -> Result<()> {
        if self.graph.is_none() && !self.graph_deferred && self.live >= self.graph_min_rows {
            tracing::info!(rows = self.chunk_ids.len(), "building the vector graph");
            self.graph = Some(Graph::default());
        }
        let path = self.graph_path();
        let Some(graph) = self.graph.as_mut() else {
            return Ok(());
        };
        let rows = Rows {
            dim: self.dim,
            quantized: &self.quantized,
            scales: &self.scales,
        };
        let (started, before) = (std::time::Instant::now(), graph.len());
        let until = self.chunk_ids.len().min(before.saturating_add(limit));
        while graph.len() < until {
            graph.insert(&rows);
        }
        if graph.len() - before >= 10_000 {
            tracing::info!(
                rows = graph.len() - before,
                seconds = started.elapsed().as_secs_f32(),
                "linked rows into the vector graph"
            );
        }
        let grown = graph.len() - self.graph_saved;
        if grown > 0 && grown >= self.graph_saved / GRAPH_SAVE_SHARE {
            graph.save(&path, &self.chunk_ids)?;
            self.graph_saved = graph.len();
        }
        Ok(())
    }

    /// The `n` best rows in `range` on the i8 rows that `accept` lets through, scanned in
    /// parallel.
    fn scan(
        &self,
        range: std::ops::Range<usize>,
        query: &[i8],
        scale: f32,
        n: usize,
        accept: &(impl Fn(usize) -> bool + Sync),
    ) -> Vec<(f32, usize)> {
        let dim = self.dim;
        let start = range.start;
        (0..range.len().div_ceil(SCAN_BLOCK))
            .into_par_iter()
            .map(|block| {
                let mut top = TopK::new(n);
                let from = start + block * SCAN_BLOCK;
                for row in from..(from + SCAN_BLOCK).min(range.end) {
                    if accept(row) {
                        let d = dot_i8(&self.quantized[row * dim..(row + 1) * dim], query);
                        top.push(d as f32 * self.scales[row] * scale, row);
                    }
                }
                top.items
            })
            .reduce(Vec::new, |mut a, b| {
                a.extend(b);
                a
            })
    }

    /// Candidates for `query` among the rows `accept` lets through: from the graph for the rows
    /// it covers, by scanning for the rest.
    fn candidates(
        &self,
        query: &[f32],
        n: usize,
        accept: &(impl Fn(usize) -> bool + Sync),
    ) -> Vec<(f32, usize)> {
        let mut q = Vec::with_capacity(self.dim);
        let scale = quantize_into(query, &mut q);
        let rows = self.chunk_ids.len();
        match self.graph.as_ref() {
            Some(graph) => {
                let space = Rows {
                    dim: self.dim,
                    quantized: &self.quantized,
                    scales: &self.scales,
                };
                let mut found = graph.search(&space, &q, scale, n, &|r| accept(r as usize));
                found.extend(self.scan(graph.len()..rows, &q, scale, n, accept));
                found
            }
            None => self.scan(0..rows, &q, scale, n, accept),
        }
    }

    fn replay(&mut self, repair: bool) -> Result<()> {
        let file = File::open(&self.path).map_err(|e| io_err(&self.path, e))?;
        let len = file.metadata().map_err(|e| io_err(&self.path, e))?.len();
        let mut reader = BufReader::new(file);
        let mut good = 0u64;
        while let Some((kind, payload)) = read_record(&mut reader) {
            let parsed = match kind {
                ADD => parse_add(&payload, self.dim).map(|(d, c, v)| self.apply_add(&d, c, &v)),
                DELETE => String::from_utf8(payload.clone())
                    .ok()
                    .map(|d| self.apply_delete(&d)),
                _ => None,
            };
            if parsed.is_none() {
                break;
            }
            good += 9 + payload.len() as u64;
        }
        if good < len && repair {
            // A record cut short by a crash: drop it.
            tracing::warn!(path = %self.path.display(), kept = good, dropped = len - good, "vector log had a torn tail");
            let file = OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(|e| io_err(&self.path, e))?;
            file.set_len(good).map_err(|e| io_err(&self.path, e))?;
            file.sync_all().map_err(|e| io_err(&self.path, e))?;
        }
        Ok(())
    }

    fn document_slot(&mut self, document_id: &str) -> u32 {
        if let Some(&i) = self.document_index.get(document_id) {
            return i;
        }
        let i = self.documents.len() as u32;
        self.documents.push(document_id.to_string());
        self.document_rows.push(Vec::new());
        self.document_index.insert(document_id.to_string(), i);
        i
    }

    fn apply_add(&mut self, document_id: &str, chunk_id: String, vector: &[f32]) {
        let slot = self.document_slot(document_id);
        self.document_rows[slot as usize].push(self.chunk_ids.len() as u32);
        self.matrix.extend_from_slice(vector);
        let scale = quantize_into(vector, &mut self.quantized);
        self.scales.push(scale);
        self.chunk_ids.push(chunk_id);
        self.row_document.push(slot);
        self.live += 1;
    }

    fn apply_delete(&mut self, document_id: &str) {
        let Some(&slot) = self.document_index.get(document_id) else {
            return;
        };
        for row in std::mem::take(&mut self.document_rows[slot as usize]) {
            self.row_document[row as usize] = u32::MAX;
            self.live -= 1;
        }
    }

    fn write(&mut self, kind: u8, payload: &[u8]) -> Result<()> {
        let frame = frame(kind, payload);
        let path = self.path.clone();
        self.log
            .as_mut()
            .ok_or_else(|| Error::Index("vector store opened for reading only".into()))?
            .write_all(&frame)
            .map_err(|e| io_err(&path, e))
    }

    /// Rewrites the log with live rows only.
    fn compact(&mut self) -> Result<()> {
        // Rows are renumbered: the graph goes first (a crash before the new log is in place
        // must not leave a graph of the old numbering) and is rebuilt from scratch.
        self.graph = None;
        self.graph_saved = 0;
        let graph = self.graph_path();
        if graph.exists() {
            std::fs::remove_file(&graph).map_err(|e| io_err(&graph, e))?;
        }
        let tmp = self.path.with_extension("log.tmp");
        {
            let mut out = BufWriter::new(File::create(&tmp).map_err(|e| io_err(&tmp, e))?);
            for row in 0..self.chunk_ids.len() {
                let d = self.row_document[row];
                if d == u32::MAX {
                    continue;
                }
                let payload = add_payload(
                    &self.documents[d as usize],
                    &self.chunk_ids[row],
                    &self.matrix[row * self.dim..(row + 1) * self.dim],
                );
                out.write_all(&frame(ADD, &payload))
                    .map_err(|e| io_err(&tmp, e))?;
            }
            let file = out.into_inner().map_err(|e| io_err(&tmp, e.into_error()))?;
            file.sync_all().map_err(|e| io_err(&tmp, e))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| io_err(&self.path, e))?;
        // Keep only the live rows in memory too.
        let keep: Vec<usize> = (0..self.chunk_ids.len())
            .filter(|&r| self.row_document[r] != u32::MAX)
            .collect();
        let mut matrix = Vec::with_capacity(keep.len() * self.dim);
        for &r in &keep {
            matrix.extend_from_slice(&self.matrix[r * self.dim..(r + 1) * self.dim]);
        }
        self.chunk_ids = keep
            .iter()
            .map(|&r| std::mem::take(&mut self.chunk_ids[r]))
            .collect();
        self.row_document = keep.iter().map(|&r| self.row_document[r]).collect();
        self.matrix = matrix;
        self.quantized.clear();
        self.scales.clear();
        for row in 0..self.row_document.len() {
            let v = &self.matrix[row * self.dim..(row + 1) * self.dim];
            let scale = quantize_into(v, &mut self.quantized);
            self.scales.push(scale);
        }
        for rows in &mut self.document_rows {
            rows.clear();
        }
        for (row, &slot) in self.row_document.iter().enumerate() {
            self.document_rows[slot as usize].push(row as u32);
        }
        self.log = Some(BufWriter::new(
            OpenOptions::new()
                .append(true)
                .open(&self.path)
                .map_err(|e| io_err(&self.path, e))?,
        ));
        Ok(())
    }
}

impl Drop for EmbeddedStore {
    /// A writer saves the graph's newest links, so the next open has none to redo.
    fn drop(&mut self) {
        if let (Some(_), Some(graph)) = (&self.log, &self.graph) {
            if graph.len() > self.graph_saved {
                if let Err(e) = graph.save(&self.graph_path(), &self.chunk_ids) {
                    tracing::warn!(error = %e, "could not save the vector graph");
                }
            }
        }
    }
}

impl EmbeddedStore {
    /// Whether a document has live vectors.
    pub fn has_document(&self, document_id: &str) -> bool {
        self.document_index
            .get(document_id)
            .is_some_and(|&slot| !self.document_rows[slot as usize].is_empty())
    }

    /// A document's vectors: (chunk id, vector), in the order they were added.
    pub fn document_vectors(&self, document_id: &str) -> Vec<(String, Vec<f32>)> {
        let Some(&slot) = self.document_index.get(document_id) else {
            return Vec::new();
        };
        self.document_rows[slot as usize]
            .iter()
            .map(|&r| {
                let r = r as usize;
                let v = self.matrix[r * self.dim..(r + 1) * self.dim].to_vec();
                (self.chunk_ids[r].clone(), v)
            })
            .collect()
    }

    /// Leaves graph building for later (`false`: from now on, as usual): a generation being
    /// filled in bulk links its graph once, when it goes live, not on every commit.
    pub fn defer_graph(&mut self, defer: bool) {
        self.graph_deferred = defer;
    }

    /// Links up to `limit` more rows into the graph (building it once the store is big
    /// enough); whether rows are left to link.
    pub fn link_some(&mut self, limit: usize) -> Result<bool> {
        self.link_graph(limit)?;
        Ok(self
            .graph
            .as_ref()
            .is_some_and(|g| g.len() < self.chunk_ids.len()))
    }

    /// Every live row: (document id, chunk id, vector).
    pub fn rows(&self) -> impl Iterator<Item = (&str, &str, &[f32])> {
        (0..self.chunk_ids.len())
            .filter(|&r| self.row_document[r] != u32::MAX)
            .map(|r| {
                (
                    self.documents[self.row_document[r] as usize].as_str(),
                    self.chunk_ids[r].as_str(),
                    &self.matrix[r * self.dim..(r + 1) * self.dim],
                )
            })
    }
}

impl VectorStore for EmbeddedStore {
    fn add(&mut self, document_id: &str, vectors: &[(String, Vec<f32>)]) -> Result<()> {
        for (chunk_id, v) in vectors {
            if v.len() != self.dim {
                return Err(Error::Index(format!(
                    "vector of {} dimensions for a store of {}",
                    v.len(),
                    self.dim
                )));
            }
            self.write(ADD, &add_payload(document_id, chunk_id, v))?;
            self.apply_add(document_id, chunk_id.clone(), v);
        }
        Ok(())
    }

    fn delete_document(&mut self, document_id: &str) -> Result<()> {
        if self.document_index.contains_key(document_id) {
            self.write(DELETE, document_id.as_bytes())?;
            self.apply_delete(document_id);
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let Some(log) = self.log.as_mut() else {
            return Err(Error::Index("vector store opened for reading only".into()));
        };
        log.flush().map_err(|e| io_err(&self.path, e))?;
        log.get_ref()
            .sync_data()
            .map_err(|e| io_err(&self.path, e))?;
        let dead = self.chunk_ids.len() - self.live;
        if dead > 1024 && dead > self.live {
            self.compact()?;
        }
        self.link_graph(self.link_per_commit)
    }

    fn search(
        &self,
        query: &[f32],
        k: usize,
        allowed: Option<&HashSet<String>>,
    ) -> Result<Vec<VectorHit>> {
        if query.len() != self.dim {
            return Err(Error::Index(format!(
                "query of {} dimensions for a store of {}",
                query.len(),
                self.dim
            )));
        }
        let dim = self.dim;
        let live = |row: usize| self.row_document[row] != u32::MAX;
        let n = (k * OVERSAMPLE).max(MIN_CANDIDATES);
        let rough = match allowed {
            None => self.candidates(query, n, &live),
            Some(ids) => {
                let slots: HashSet<u32> = ids
                    .iter()
                    .filter_map(|id| self.document_index.get(id).copied())
                    .collect();
                let allowed_rows: usize = slots
                    .iter()
                    .map(|&s| self.document_rows[s as usize].len())
                    .sum();
                if self.graph.is_none()
                    || allowed_rows <= self.graph_min_rows / 4
                    || allowed_rows * FILTER_GRAPH_SHARE < self.live
                {
                    // A selective filter: every allowed row, exactly.
                    slots
                        .iter()
                        .flat_map(|&s| &self.document_rows[s as usize])
                        .map(|&row| (0.0, row as usize))
                        .collect()
                } else {
                    let accept = |row: usize| slots.contains(&self.row_document[row]);
                    self.candidates(query, n, &accept)
                }
            }
        };
        let best: Vec<(f32, usize)> = rough
            .into_iter()
            .map(|(_, row)| (dot(&self.matrix[row * dim..(row + 1) * dim], query), row))
            .collect();
        let mut top = TopK::new(k);
        for (score, row) in best {
            top.push(score, row);
        }
        let mut items = top.items;
        items.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(items
            .into_iter()
            .map(|(score, row)| VectorHit {
                chunk_id: self.chunk_ids[row].clone(),
                document_id: self.documents[self.row_document[row] as usize].clone(),
                score,
            })
            .collect())
    }

    fn len(&self) -> usize {
        self.live
    }

    fn document_ids(&self) -> HashSet<String> {
        let live: HashSet<u32> = self
            .row_document
            .iter()
            .copied()
            .filter(|d| *d != u32::MAX)
            .collect();
        live.into_iter()
            .map(|d| self.documents[d as usize].clone())
            .collect()
    }

    fn finish(&mut self) -> Result<()> {
        self.link_graph(usize::MAX)
    }
}

/// The `k` largest scores seen.
struct TopK {
    k: usize,
    items: Vec<(f32, usize)>,
    floor: f32,
}

impl TopK {
    fn new(k: usize) -> Self {
        Self {
            k,
            items: Vec::with_capacity(k + 1),
            floor: f32::MIN,
        }
    }

    fn push(&mut self, score: f32, row: usize) {
        if self.k == 0 || (self.items.len() == self.k && score <= self.floor) {
            return;
        }
        self.items.push((score, row));
        if self.items.len() > self.k {
            // Drop the smallest; k is small, a linear pass is cheap next to the dot products.
            let (i, _) = self
                .items
                .iter()
                .enumerate()
                .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
                .unwrap_or((0, &(0.0, 0)));
            self.items.swap_remove(i);
        }
        if self.items.len() == self.k {
            self.floor = self.items.iter().map(|x| x.0).fold(f32::MAX, f32::min);
        }
    }
}

/// Defines `$name(a, b)` as `$lanes(a, b)` compiled for AVX2 when the CPU has it (the lanes
/// then become 256-bit instructions), else as built for the baseline x86-64.
macro_rules! dispatch {
    ($(#[$doc:meta])* $vis:vis fn $name:ident(&[$t:ty]) -> $out:ty = $lanes:ident) => {
        $(#[$doc])*
        $vis fn $name(a: &[$t], b: &[$t]) -> $out {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2(a: &[$t], b: &[$t]) -> $out {
                    $lanes(a, b)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU was just found to support AVX2.
                    return unsafe { avx2(a, b) };
                }
            }
            $lanes(a, b)
        }
    };
}

dispatch!(
    /// Inner product in f32.
    fn dot(&[f32]) -> f32 = dot_lanes
);
dispatch!(
    /// Inner product of i8 vectors, accumulated in i32.
    pub(super) fn dot_i8(&[i8]) -> i32 = dot_i8_lanes
);

/// Inner product in f32, in lanes of 8 so the compiler vectorises it.
#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Inner product of i8 vectors, accumulated in i32, in lanes of 16.
#[inline(always)]
fn dot_i8_lanes(a: &[i8], b: &[i8]) -> i32 {
    let mut acc = [0i32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    for (x, y) in ca.zip(cb) {
        for j in 0..16 {
            acc[j] += i32::from(x[j]) * i32::from(y[j]);
        }
    }
    acc.iter().sum::<i32>() + tail
}

/// Appends `v` quantised to i8 (scaled so its largest component is 127); returns the scale
/// that turns an i8 value back into f32.
fn quantize_into(v: &[f32], out: &mut Vec<i8>) -> f32 {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    out.extend(
        v.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    scale
}

fn add_payload(document_id: &str, chunk_id: &str, v: &[f32]) -> Vec<u8> {
    let mut p = Vec::with_capacity(8 + document_id.len() + chunk_id.len() + v.len() * 4);
    for s in [document_id, chunk_id] {
        p.extend_from_slice(&(s.len() as u32).to_le_bytes());
        p.extend_from_slice(s.as_bytes());
    }
    for x in v {
        p.extend_from_slice(&x.to_le_bytes());
    }
    p
}

fn parse_add(p: &[u8], dim: usize) -> Option<(String, String, Vec<f32>)> {
    let mut at = 0;
    let mut text = || -> Option<String> {
        let len = u32::from_le_bytes(p.get(at..at + 4)?.try_into().ok()?) as usize;
        let s = String::from_utf8(p.get(at + 4..at + 4 + len)?.to_vec()).ok()?;
        at += 4 + len;
        Some(s)
    };
    let (document, chunk) = (text()?, text()?);
    let floats = p.get(at..)?;
    if floats.len() != dim * 4 {
        return None;
    }
    let v = floats
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some((document, chunk, v))
}

/// A log record: kind, payload length, payload, CRC-32 of kind and payload.
fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 9);
    frame.push(kind);
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(payload);
    frame.extend_from_slice(&crc(kind, payload).to_le_bytes());
    frame
}

fn crc(kind: u8, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&[kind]);
    h.update(payload);
    h.finalize()
}

/// The next whole, intact record, or `None` at the end or at a damaged record.
fn read_record(r: &mut impl Read) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    r.read_exact(&mut head).ok()?;
    let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if len > 64 << 20 {
        return None;
    }
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload).ok()?;
    let mut sum = [0u8; 4];
    r.read_exact(&mut sum).ok()?;
    (u32::from_le_bytes(sum) == crc(head[0], &payload)).then_some((head[0], payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn search_persist_delete_and_survive_a_torn_tail() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let mut s = EmbeddedStore::open(dir.path(), 3).expect("open");
            s.add(
                "d1",
                &[
                    ("d1:0".into(), unit(&[1.0, 0.0, 0.0])),
                    ("d1:1".into(), unit(&[0.0, 1.0, 0.0])),
                ],
            )
            .expect("add");
            s.add("d2", &[("d2:0".into(), unit(&[1.0, 1.0, 0.0]))])
                .expect("add");
            s.commit().expect("commit");
            let hits = s.search(&unit(&[1.0, 0.1, 0.0]), 2, None).expect("search");
            assert_eq!(hits[0].chunk_id, "d1:0");
            assert_eq!(hits[1].chunk_id, "d2:0");
            let only: HashSet<String> = ["d2".to_string()].into();
            let hits = s
                .search(&unit(&[1.0, 0.0, 0.0]), 5, Some(&only))
                .expect("search");
            assert_eq!(hits.len(), 1);
            s.delete_document("d1").expect("delete");
            s.commit().expect("commit");
        }
        // A crash in the middle of a record.
        let log = dir.path().join("vectors.log");
        let mut f = OpenOptions::new().append(true).open(&log).expect("log");
        f.write_all(&[ADD, 200, 0, 0, 0, 1, 2]).expect("torn write");
        drop(f);
        let s = EmbeddedStore::open(dir.path(), 3).expect("reopen");
        assert_eq!(s.len(), 1);
        assert_eq!(s.document_ids(), HashSet::from(["d2".to_string()]));
        let hits = s.search(&unit(&[0.0, 1.0, 0.0]), 5, None).expect("search");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].chunk_id, "d2:0");
    }
}

#[cfg(test)]
mod graph_tests {
    use super::*;

    const DIM: usize = 24;

    fn random_unit(seed: &mut u64) -> Vec<f32> {
        let v: Vec<f32> = (0..DIM)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                (*seed % 20_000) as f32 / 10_000.0 - 1.0
            })
            .collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    fn fill(
        store: &mut EmbeddedStore,
        docs: std::ops::Range<usize>,
        per_doc: usize,
        seed: &mut u64,
    ) {
        for d in docs {
            let rows: Vec<(String, Vec<f32>)> = (0..per_doc)
                .map(|i| (format!("d{d}:{i}"), random_unit(seed)))
                .collect();
            store.add(&format!("d{d}"), &rows).expect("add");
            store.commit().expect("commit");
        }
    }

    /// Share of the exact f32 top 10 the store returns, over `queries`.
    fn recall(
        store: &EmbeddedStore,
        queries: &[Vec<f32>],
        allowed: Option<&HashSet<String>>,
    ) -> f64 {
        let mut found = 0;
        for q in queries {
            let mut exact: Vec<(f32, &str, &str)> = store
                .rows()
                .filter(|(d, ..)| allowed.is_none_or(|a| a.contains(*d)))
                .map(|(d, id, v)| (dot(v, q), id, d))
                .collect();
            exact.sort_by(|a, b| b.0.total_cmp(&a.0));
            let truth: HashSet<&str> = exact.iter().take(10).map(|x| x.1).collect();
            let got = store.search(q, 10, allowed).expect("search");
            assert!(got
                .iter()
                .all(|h| allowed.is_none_or(|a| a.contains(&h.document_id))));
            found += got
                .iter()
                .filter(|h| truth.contains(h.chunk_id.as_str()))
                .count();
        }
        found as f64 / (queries.len() * 10) as f64
    }

    #[test]
    fn a_deferred_graph_is_linked_in_steps_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut seed = 11u64;
        let queries: Vec<Vec<f32>> = (0..20).map(|_| random_unit(&mut seed)).collect();
        let mut store = EmbeddedStore::open_with_graph_from(dir.path(), DIM, 500).expect("open");
        store.defer_graph(true);
        fill(&mut store, 0..10, 100, &mut seed);
        assert!(store.graph.is_none(), "no graph while deferred");
        store.defer_graph(false);
        let mut steps = 0;
        while store.link_some(300).expect("link") {
            steps += 1;
        }
        assert_eq!(steps, 3, "1,000 rows in steps of 300");
        assert_eq!(store.graph.as_ref().map(Graph::len), Some(1000));
        assert!(recall(&store, &queries, None) >= 0.95);
    }

    #[test]
    fn the_graph_finds_what_a_scan_finds_and_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut seed = 7u64;
        let queries: Vec<Vec<f32>> = (0..40).map(|_| random_unit(&mut seed)).collect();
        {
            let mut store = EmbeddedStore::open_with_graph_from(dir.path(), DIM, 0).expect("open");
            fill(&mut store, 0..20, 150, &mut seed);
            assert_eq!(store.graph.as_ref().map(Graph::len), Some(3000));
            assert!(recall(&store, &queries, None) >= 0.95);
            // A filter letting half the documents through follows the graph too.
            let half: HashSet<String> = (0..10).map(|d| format!("d{d}")).collect();
            assert!(recall(&store, &queries, Some(&half)) >= 0.95);
            // Deleted rows stay in the graph as waypoints but are never returned.
            store.delete_document("d0").expect("delete");
            store.commit().expect("commit");
            for q in &queries {
                let hits = store.search(q, 10, None).expect("search");
                assert!(hits.iter().all(|h| h.document_id != "d0"));
            }
            // The file is rewritten once the graph has grown by a tenth, and on closing.
            assert!(store.graph_saved > 2000 && store.graph_saved < 3000);
        }
        assert!(dir.path().join("graph.bin").exists());
        // Rows added after the graph file was written: a reader scans them.
        {
            let mut store = EmbeddedStore::open_with_graph_from(dir.path(), DIM, 0).expect("open");
            assert_eq!(
                store.graph_saved, 3000,
                "the graph saved on closing was loaded"
            );
            let fresh = random_unit(&mut seed);
            store
                .add("late", &[("late:0".into(), fresh.clone())])
                .expect("add");
            store.commit().expect("commit");
            let reader = EmbeddedStore::open_with(dir.path(), DIM, false, 0).expect("reader");
            assert_eq!(reader.graph.as_ref().map(Graph::len), Some(3000));
            let hits = reader.search(&fresh, 1, None).expect("search");
            assert_eq!(hits[0].chunk_id, "late:0");
            assert!(recall(&reader, &queries, None) >= 0.95);
        }
        // A commit links a bounded number of rows; the rest are scanned meanwhile.
        {
            let mut store = EmbeddedStore::open_with_graph_from(dir.path(), DIM, 0).expect("open");
            store.link_per_commit = 100;
            fill(&mut store, 20..22, 150, &mut seed);
            assert_eq!(store.graph.as_ref().map(Graph::len), Some(3201));
            let last = store
                .rows()
                .last()
                .map(|(_, id, v)| (id.to_string(), v.to_vec()));
            let (id, v) = last.expect("rows");
            assert_eq!(store.search(&v, 1, None).expect("search")[0].chunk_id, id);
            assert!(recall(&store, &queries, None) >= 0.95);
        }
        let store = EmbeddedStore::open_with_graph_from(dir.path(), DIM, 0).expect("open");
        assert_eq!(
            store.graph.as_ref().map(Graph::len),
            Some(3301),
            "an open links the rest"
        );
        drop(store);
        // A graph file over other rows (a log compacted since) is not used.
        let ids: Vec<String> = (0..3001).map(|i| format!("other:{i}")).collect();
        assert!(Graph::load(&dir.path().join("graph.bin"), &ids).is_none());
        assert!(Graph::load(&dir.path().join("graph.bin"), &ids[..10]).is_none());
        // A damaged graph file is ignored and the graph rebuilt.
        std::fs::write(dir.path().join("graph.bin"), b"FOLIOHG1 not a graph").expect("damage");
        let store = EmbeddedStore::open_with_graph_from(dir.path(), DIM, 0).expect("open");
        assert_eq!(store.graph.as_ref().map(Graph::len), Some(3301));
        assert!(recall(&store, &queries, None) >= 0.95);
    }
}
