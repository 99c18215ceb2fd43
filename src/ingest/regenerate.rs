//! Builds a new generation of the embedded index (this build's embedding model and analysis)
//! from the live one while it keeps answering searches: documents are read a few at a time
//! under the store's read lock, embedded anew outside any lock when the model changed, and
//! written under the write lock; writes made meanwhile reach both generations. Then the new
//! generation goes live in one step, and the old one is kept for a grace period.

use super::Store;
use crate::chunk::embedding_text;
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::index::Source;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};
use tracing::info;

/// Chunks copied per step (whole documents, so at least one): each step holds the write lock
/// while it writes them (~0.2 ms a chunk on one core), and searches wait meanwhile.
const STEP_CHUNKS: usize = 256;

/// Vectors linked into the new generation's graph per step under the write lock (~0.7 s on
/// one core; only stores of 150,000 chunks or more have a graph).
const LINK_STEP: usize = 2_000;

/// What a rebuild did.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// The generation now live.
    pub live: String,
    /// The generation it replaced (kept for the grace period).
    pub replaced: String,
    pub documents: usize,
    /// Chunks embedded anew (all of them when the model changed, none otherwise).
    pub embedded: usize,
    pub seconds: f64,
}

fn read(store: &RwLock<Store>) -> RwLockReadGuard<'_, Store> {
    store.read().unwrap_or_else(|p| p.into_inner())
}

fn write(store: &RwLock<Store>) -> RwLockWriteGuard<'_, Store> {
    store.write().unwrap_or_else(|p| p.into_inner())
}

fn not_embedded() -> Error {
    Error::Index("the chunks are not in the embedded index (Qdrant builds its own)".into())
}

/// Whether the store's embedded index was written by another model or analysis than this
/// build's (`false` for Qdrant, whose generations `folio reindex` builds).
pub fn outdated(store: &Store) -> bool {
    store.chunks.embedded().is_some_and(|e| e.outdated())
}

/// Builds the next generation of the embedded index and makes it live; the generation it
/// replaced stays searchable by pinned clients for `grace` (see [`expire`]).
pub fn rebuild(store: &RwLock<Store>, embedder: &Embedder, grace: Duration) -> Result<Rebuilt> {
    let t = Instant::now();
    let (name, documents) = {
        let mut guard = write(store);
        let index = guard.chunks.embedded_mut().ok_or_else(not_embedded)?;
        let name = index.start_generation()?;
        (name, index.live_documents()?)
    };
    info!(generation = %name, documents = documents.len(), "building an index generation");
    match fill(store, embedder, &documents).and_then(|embedded| link(store).map(|()| embedded)) {
        Ok(embedded) => {
            let replaced = {
                let mut guard = write(store);
                let index = guard.chunks.embedded_mut().ok_or_else(not_embedded)?;
                index.go_live(grace)?
            };
            let seconds = t.elapsed().as_secs_f64();
            info!(generation = %name, %replaced, seconds, "index generation live");
            Ok(Rebuilt {
                live: name,
                replaced,
                documents: documents.len(),
                embedded,
                seconds,
            })
        }
        Err(e) => {
            if let Some(index) = write(store).chunks.embedded_mut() {
                index.abandon_next()?;
            }
            Err(e)
        }
    }
}

/// Copies `documents` into the generation being built; how many chunks were embedded anew.
fn fill(store: &RwLock<Store>, embedder: &Embedder, documents: &[String]) -> Result<usize> {
    let mut embedded = 0;
    let (mut at, mut logged) = (0, 0);
    while at < documents.len() {
        let sources: Vec<Source> = {
            let guard = read(store);
            let index = guard.chunks.embedded().ok_or_else(not_embedded)?;
            let (mut out, mut chunks) = (Vec::new(), 0);
            while at < documents.len() && chunks < STEP_CHUNKS {
                if let Some(source) = index.source(&documents[at])? {
                    chunks += source.chunks.len();
                    out.push(source);
                }
                at += 1;
            }
            out
        };
        let mut ready = Vec::with_capacity(sources.len());
        for source in sources {
            let vectors = match source.vectors {
                Some(v) => v,
                None => {
                    let texts: Vec<String> = source.chunks.iter().map(embedding_text).collect();
                    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                    embedded += refs.len();
                    let ids = source.chunks.iter().map(|c| c.id.clone());
                    ids.zip(embedder.embed(&refs)?).collect()
                }
            };
            ready.push((source.document_id, source.chunks, vectors));
        }
        let mut guard = write(store);
        let index = guard.chunks.embedded_mut().ok_or_else(not_embedded)?;
        for (id, chunks, vectors) in &ready {
            index.fill(id, chunks, vectors)?;
        }
        index.commit_next()?;
        drop(guard);
        if at - logged >= 500 || at == documents.len() {
            logged = at;
            info!(
                done = at,
                of = documents.len(),
                "copying documents into the new generation"
            );
        }
    }
    Ok(embedded)
}

/// Links the new generation's vector graph a step at a time (searches still go to the live
/// generation and wait at most a step).
fn link(store: &RwLock<Store>) -> Result<()> {
    while write(store)
        .chunks
        .embedded_mut()
        .ok_or_else(not_embedded)?
        .link_next(LINK_STEP)?
    {}
    Ok(())
}

/// Waits out the grace period, then deletes the generations it kept; their names.
pub fn expire(store: &RwLock<Store>, grace: Duration) -> Result<Vec<String>> {
    std::thread::sleep(grace);
    match write(store).chunks.embedded_mut() {
        Some(index) => index.drop_expired(),
        None => Ok(Vec::new()),
    }
}

/// [`rebuild`] in the foreground, for a command that holds the store alone (an ingest, a
/// reindex with no server running): the old generation is kept for `grace` (for `folio query`
/// processes pinned to it), then deleted.
pub fn rebuild_now(store: Store, embedder: &Embedder, grace: Duration) -> Result<(Store, Rebuilt)> {
    let store = RwLock::new(store);
    let done = rebuild(&store, embedder, grace)?;
    expire(&store, grace)?;
    Ok((store.into_inner().unwrap_or_else(|p| p.into_inner()), done))
}
