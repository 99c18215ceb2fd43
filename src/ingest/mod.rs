//! The whole way of documents into the stores: files found → extracted (`pipeline`) →
//! chunked → embedded → indexed, recorded in the catalog. Idempotent: a file whose size and
//! time are unchanged, or whose bytes are a document already stored by the same pipeline
//! version, costs no extraction; a changed file replaces its document's chunks; `prune`
//! forgets files that are gone. Extraction runs on `jobs` threads while the calling thread
//! chunks, embeds and writes, with a bounded queue between them (back-pressure).

pub mod regenerate;
mod retrieve;
mod store;
mod walk;

pub use retrieve::{Found, Query, Retrieved, MAX_TOP_K};
pub use store::Store;
pub use walk::{Filter, Skipped};

use crate::catalog::{Catalog, FileRow};
use crate::chunk::{self, embedding_text, ChunkOptions};
use crate::document::{Chunk, Document};
use crate::embed::{Embedder, TokenCounter};
use crate::error::{Error, Result};
use crate::pipeline::{ExtractOptions, Extractor};
use crate::source::Source;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing::{info_span, warn};

/// Documents extracted ahead of the writer at most.
const QUEUE: usize = 2;

/// How to ingest.
pub struct IngestOptions {
    pub extract: ExtractOptions,
    pub chunk: ChunkOptions,
    /// Files extracted at once.
    pub jobs: usize,
    /// Forget files under the given folders that no longer exist.
    pub prune: bool,
    /// The tenant the files are ingested for (`default` unless a server has tenants): its
    /// API keys see them.
    pub tenant: String,
}

impl IngestOptions {
    /// `path`'s row in the catalog (the tenant's own, see `catalog::tenant_path`).
    fn key(&self, path: &Path) -> String {
        crate::catalog::tenant_path(&self.tenant, &path.to_string_lossy())
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Extracted and indexed.
    Indexed {
        pages: u32,
        chunks: u32,
    },
    /// Already stored: unchanged, or the same bytes as a stored document.
    Unchanged,
    /// Not a document folio reads (e.g. a text file in the folder).
    Unsupported,
    /// Another ingest sharing the catalog is working on it.
    Elsewhere,
    Failed(String),
}

/// Progress, as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// The files found, before any work.
    Planned { files: usize },
    /// One file finished.
    File {
        path: &'a Path,
        outcome: &'a Outcome,
    },
}

/// Totals of a run.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub indexed: usize,
    pub unchanged: usize,
    pub unsupported: usize,
    /// What the walk left out, by reason (hidden, filtered, broken links, ...).
    pub skipped: Skipped,
    pub failed: usize,
    /// Files another ingest sharing the catalog was working on.
    pub elsewhere: usize,
    pub pruned: usize,
    pub pages: u64,
    pub chunks: u64,
    pub elapsed: Duration,
    /// Time split: extraction (summed over jobs), chunking, embedding, writing.
    pub extract: Duration,
    pub chunking: Duration,
    pub embedding: Duration,
    pub writing: Duration,
    pub failures: Vec<(PathBuf, String)>,
}

/// A file's identity on disk.
fn stat(path: &Path) -> (u64, i64) {
    std::fs::metadata(path)
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0);
            (m.len(), mtime)
        })
        .unwrap_or((0, 0))
}

/// What an extraction worker hands the writer.
enum Extracted {
    Document(FileRow, Box<Document>, Duration),
    Reuse(FileRow),
    Unsupported(PathBuf),
    Elsewhere(PathBuf),
    Failed(PathBuf, String),
}

/// How long an ingest sharing the catalog holds a file it works on (longer than any
/// document may take; a crashed ingest's files are free again after it).
const FILE_LEASE_MS: i64 = 2 * 3600 * 1000;

/// Whether `path` is stored as it is on disk now, by pipeline `version`.
fn unchanged(catalog: &Catalog, path: &Path, key: &str, version: &str) -> Result<bool> {
    let (size, mtime) = stat(path);
    Ok(match catalog.file(key)? {
        Some(row) if row.status == "ok" && row.size == size && row.mtime == mtime => {
            match row.document_id.as_deref() {
                Some(id) => catalog
                    .document(id)?
                    .is_some_and(|d| d.status == "ok" && d.pipeline_version == version),
                None => false,
            }
        }
        _ => false,
    })
}

/// The models an ingest needs.
pub struct Ingestor<'a> {
    pub extractor: &'a Extractor,
    pub embedder: &'a Embedder,
    pub counter: &'a TokenCounter,
}

impl Ingestor<'_> {
    /// Ingests every file under `roots` into `store`, calling `progress` as files finish.
    pub fn run(
        &self,
        store: &mut Store,
        roots: &[PathBuf],
        filter: &Filter,
        options: &IngestOptions,
        progress: &mut dyn FnMut(Event),
    ) -> Result<Summary> {
        let started = Instant::now();
        let walk = walk::files(roots, filter)?;
        let files = walk.files;
        progress(Event::Planned { files: files.len() });
        let mut summary = Summary {
            skipped: walk.skipped,
            ..Summary::default()
        };
        let version = options.extract.pipeline.version();
        // Unchanged files (same size and time, stored by this pipeline version) cost nothing.
        let mut todo: VecDeque<PathBuf> = VecDeque::new();
        for path in files.iter() {
            if unchanged(&store.catalog, path, &options.key(path), &version)? {
                summary.unchanged += 1;
                progress(Event::File {
                    path,
                    outcome: &Outcome::Unchanged,
                });
            } else {
                todo.push_back(path.clone());
            }
        }
        let queue = Mutex::new(todo);
        // Ingests sharing a catalog split the files: each works on a file it has claimed.
        let owner = store
            .catalog
            .is_shared()
            .then(crate::catalog::worker_identity);
        let catalogs = (0..options.jobs.max(1))
            .map(|_| store.catalog.another())
            .collect::<Result<Vec<_>>>()?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Extracted>(QUEUE);
        std::thread::scope(|scope| -> Result<()> {
            for catalog in catalogs {
                let tx = tx.clone();
                let (queue, version, owner) = (&queue, &version, owner.as_deref());
                scope.spawn(move || loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some(path) = next else { break };
                    let item = self.claim_and_extract(&catalog, &path, options, version, owner);
                    if tx.send(item).is_err() {
                        break;
                    }
                });
            }
            drop(tx);
            for item in rx {
                self.write(
                    store,
                    item,
                    options,
                    &mut summary,
                    progress,
                    owner.as_deref(),
                )?;
            }
            Ok(())
        })?;
        if options.prune {
            summary.pruned = prune(store, roots, &files, &options.tenant)?;
        }
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    /// With a shared catalog, claims `path` first: a file another ingest holds is left to
    /// it, and one it finished meanwhile is unchanged.
    fn claim_and_extract(
        &self,
        catalog: &Catalog,
        path: &Path,
        options: &IngestOptions,
        version: &str,
        owner: Option<&str>,
    ) -> Extracted {
        if let Some(owner) = owner {
            let key = options.key(path);
            let until = crate::catalog::now_ms() + FILE_LEASE_MS;
            match catalog.claim_file(&key, owner, until) {
                Ok(true) => {}
                Ok(false) => return Extracted::Elsewhere(path.to_path_buf()),
                Err(e) => return Extracted::Failed(path.to_path_buf(), e.to_string()),
            }
            match unchanged(catalog, path, &key, version) {
                Ok(true) => {
                    let _ = catalog.release_file(&key, owner);
                    return Extracted::Elsewhere(path.to_path_buf());
                }
                Ok(false) => {}
                Err(e) => return Extracted::Failed(path.to_path_buf(), e.to_string()),
            }
        }
        self.extract_one(catalog, path, options, version)
    }

    fn extract_one(
        &self,
        catalog: &Catalog,
        path: &Path,
        options: &IngestOptions,
        version: &str,
    ) -> Extracted {
        let (size, mtime) = stat(path);
        let source = match Source::from_path(path, options.extract.pipeline.limits.max_bytes) {
            Ok(s) => s,
            Err(Error::UnsupportedType(_)) => return Extracted::Unsupported(path.to_path_buf()),
            Err(e) => return Extracted::Failed(path.to_path_buf(), e.to_string()),
        };
        let id = source.document_id();
        let row = FileRow {
            path: options.key(path),
            document_id: Some(id.clone()),
            sha256: source.sha256.clone(),
            size,
            mtime,
            status: "ok".into(),
        };
        let stored = catalog
            .document(&id)
            .ok()
            .flatten()
            .is_some_and(|d| d.status == "ok" && d.pipeline_version == version);
        if stored {
            return Extracted::Reuse(row);
        }
        let t = Instant::now();
        match self.extractor.extract(&source, &options.extract) {
            Ok(doc) => Extracted::Document(row, Box::new(doc), t.elapsed()),
            Err(e) => Extracted::Failed(path.to_path_buf(), e.to_string()),
        }
    }

    fn write(
        &self,
        store: &mut Store,
        item: Extracted,
        options: &IngestOptions,
        summary: &mut Summary,
        progress: &mut dyn FnMut(Event),
        owner: Option<&str>,
    ) -> Result<()> {
        let (path, outcome) = match item {
            Extracted::Document(row, doc, took) => {
                let _span = info_span!("ingest", document = %doc.id).entered();
                summary.extract += took;
                let (chunks, timing) = self.index(store, &doc, options)?;
                summary.chunking += timing[0];
                summary.embedding += timing[1];
                let t = Instant::now();
                store.link_file(&row)?;
                summary.writing += timing[2] + t.elapsed();
                summary.indexed += 1;
                summary.pages += doc.pages.len() as u64;
                summary.chunks += chunks as u64;
                (
                    PathBuf::from(&row.path),
                    Outcome::Indexed {
                        pages: doc.pages.len() as u32,
                        chunks: chunks as u32,
                    },
                )
            }
            Extracted::Reuse(row) => {
                store.link_file(&row)?;
                summary.unchanged += 1;
                (PathBuf::from(&row.path), Outcome::Unchanged)
            }
            Extracted::Unsupported(path) => {
                summary.unsupported += 1;
                (path, Outcome::Unsupported)
            }
            Extracted::Elsewhere(path) => {
                summary.elsewhere += 1;
                (path, Outcome::Elsewhere)
            }
            Extracted::Failed(path, message) => {
                warn!(path = %path.display(), "{message}");
                // What was stored for this file before stays; the failure is recorded.
                let key = options.key(&path);
                if !path.as_os_str().is_empty() {
                    let previous = store.catalog.file(&key)?;
                    let (size, mtime) = stat(&path);
                    store.catalog.set_file(
                        &FileRow {
                            path: key,
                            document_id: previous.as_ref().and_then(|p| p.document_id.clone()),
                            sha256: previous.map(|p| p.sha256).unwrap_or_default(),
                            size,
                            mtime,
                            status: "failed".into(),
                        },
                        Some(&message),
                    )?;
                }
                summary.failed += 1;
                summary.failures.push((path.clone(), message.clone()));
                (path, Outcome::Failed(message))
            }
        };
        if let Some(owner) = owner.filter(|_| !matches!(outcome, Outcome::Elsewhere)) {
            store.catalog.release_file(&options.key(&path), owner)?;
        }
        progress(Event::File {
            path: &path,
            outcome: &outcome,
        });
        Ok(())
    }

    /// Chunks, embeds and stores one document; returns its chunk count and the time spent
    /// chunking, embedding and writing.
    fn index(
        &self,
        store: &mut Store,
        doc: &Document,
        options: &IngestOptions,
    ) -> Result<(usize, [Duration; 3])> {
        let prepared = self.prepare(doc, options.chunk)?;
        let t = Instant::now();
        store.put(doc, &prepared.chunks, prepared.vectors)?;
        Ok((
            prepared.chunks.len(),
            [prepared.chunking, prepared.embedding, t.elapsed()],
        ))
    }

    /// Chunks and embeds a document (no store is touched, so a server does this outside its
    /// write lock).
    pub fn prepare(&self, doc: &Document, options: ChunkOptions) -> Result<Prepared> {
        let t = Instant::now();
        let chunks: Vec<Chunk> = chunk::chunk(doc, self.counter, options);
        let chunking = t.elapsed();
        let t = Instant::now();
        let texts: Vec<String> = chunks.iter().map(embedding_text).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let embedded = self.embedder.embed(&refs)?;
        let vectors = chunks.iter().map(|c| c.id.clone()).zip(embedded).collect();
        Ok(Prepared {
            chunks,
            vectors,
            chunking,
            embedding: t.elapsed(),
        })
    }
}

/// A document's chunks and their embeddings, ready for [`Store::put`].
pub struct Prepared {
    pub chunks: Vec<Chunk>,
    pub vectors: Vec<(String, Vec<f32>)>,
    pub chunking: Duration,
    pub embedding: Duration,
}

/// Forgets recorded files under `roots` that no longer exist; returns how many.
fn prune(store: &mut Store, roots: &[PathBuf], present: &[PathBuf], tenant: &str) -> Result<usize> {
    let roots: Vec<PathBuf> = roots
        .iter()
        .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()))
        .collect();
    let present: std::collections::HashSet<String> = present
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut pruned = 0;
    // Only this tenant's rows; on disk, a row's path is the tenant's view of it.
    for key in store.catalog.paths()? {
        if crate::catalog::tenant_of_path(&key) != tenant {
            continue;
        }
        let path = crate::catalog::visible_path(&key);
        let under = roots.iter().any(|r| Path::new(path).starts_with(r));
        if under && !present.contains(path) && !Path::new(path).exists() {
            store.unlink_file(&key)?;
            pruned += 1;
        }
    }
    Ok(pruned)
}
