//! The default [`ChunkIndex`]: a tantivy keyword store and the embedded vector store in the
//! data directory, written by one process, searched by reciprocal-rank fusion of their
//! rankings ([`super::search`]). The stores come in generations ([`super::generation`]): a
//! new embedding model or analysis revision is built into a new generation from the live one
//! while searches go on, every write reaching both, then made live in one step; the one it
//! replaces is kept for a grace period for clients pinned to it.

use super::generation::{Generation, Layout};
use super::{ChunkIndex, Mode, Search, Searched, VectorStore};
use crate::document::Chunk;
use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct EmbeddedIndex {
    layout: Layout,
    dim: usize,
    live: Generation,
    /// The generation being built, written alongside the live one.
    next: Option<Generation>,
    /// Generations replaced, searchable when pinned until their deadline (none: for as long
    /// as this process reads them).
    retired: Vec<(Generation, Option<Instant>)>,
    /// The index's writer lock, when opened for writing.
    lock: Option<std::fs::File>,
    /// Opened for reading: the generation the writer is building, if any.
    seen_building: Option<String>,
}

/// A document's chunks as the live generation holds them, to be copied into the next one;
/// `vectors` is `None` when they come from another embedding model and must be made anew.
pub struct Source {
    pub document_id: String,
    pub chunks: Vec<Chunk>,
    pub vectors: Option<Vec<(String, Vec<f32>)>>,
}

impl EmbeddedIndex {
    /// Opens the index of the data directory `data`. `writable` takes its writer lock,
    /// moves stores of the layout before generations into their first generation, and
    /// discards what an interrupted build or a stopped process's grace period left.
    pub fn open(data: &Path, dim: usize, writable: bool) -> Result<Self> {
        let layout = Layout::new(data);
        if !writable {
            return Self::open_read_only(layout, dim);
        }
        let lock = layout.lock()?;
        layout.migrate_legacy()?;
        match (layout.next()?, layout.live()?) {
            // Stopped between naming it live and forgetting it was next: it is finished.
            (Some(next), Some(live)) if next == live => layout.set_next(None)?,
            (Some(unfinished), _) => {
                tracing::warn!(generation = %unfinished, "discarding an unfinished index generation");
                layout.set_next(None)?;
                layout.remove(&unfinished)?;
            }
            (None, _) => {}
        }
        for old in layout.others()? {
            layout.remove(&old)?;
        }
        let live = match layout.live()? {
            Some(name) => layout.open(&name, dim, true)?,
            None => {
                let name = Layout::new_name();
                let generation = layout.create(&name, dim)?;
                layout.set_live(&name)?;
                generation
            }
        };
        Ok(Self {
            layout,
            dim,
            live,
            next: None,
            retired: Vec::new(),
            lock: Some(lock),
            seen_building: None,
        })
    }

    /// For searching only: the live generation (or the stores of the layout before
    /// generations, where no writer has moved them yet); a search pinned to another finished
    /// generation still on disk opens that one then ([`Self::on_disk`]).
    fn open_read_only(layout: Layout, dim: usize) -> Result<Self> {
        let live = match (layout.live()?, layout.open_legacy(dim)?) {
            (Some(name), _) => layout.open(&name, dim, false)?,
            (None, Some(legacy)) => legacy,
            (None, None) => {
                let name = Layout::new_name();
                drop(layout.create(&name, dim)?);
                layout.set_live(&name)?;
                layout.open(&name, dim, false)?
            }
        };
        let seen_building = layout.next()?;
        Ok(Self {
            layout,
            dim,
            live,
            next: None,
            retired: Vec::new(),
            lock: None,
            seen_building,
        })
    }

    /// The live generation's name.
    pub fn live_name(&self) -> &str {
        &self.live.name
    }

    /// The generation being built, if any (by this process, or by the writer when opened for
    /// reading).
    pub fn building(&self) -> Option<&str> {
        self.next
            .as_ref()
            .map(|g| g.name.as_str())
            .or(self.seen_building.as_deref())
    }

    /// Whether the live generation was written by another embedding model or analysis than
    /// this build's.
    pub fn outdated(&self) -> bool {
        !self.live.current()
    }

    /// Starts a new generation of this build's model and analysis: from now on every write
    /// reaches it too. Its name.
    pub fn start_generation(&mut self) -> Result<String> {
        if self.lock.is_none() {
            return Err(Error::Index("index opened for reading only".into()));
        }
        self.abandon_next()?;
        let name = Layout::new_name();
        let mut generation = self.layout.create(&name, self.dim)?;
        generation.vectors.defer_graph(true);
        self.layout.set_next(Some(&name))?;
        self.next = Some(generation);
        Ok(name)
    }

    /// The documents of the live generation (to be copied into the next one).
    pub fn live_documents(&self) -> Result<Vec<String>> {
        Ok(self.live.keyword.document_ids()?.into_iter().collect())
    }

    /// Whether a document still needs copying into the next generation: the live one has it
    /// and no write put it into the next one meanwhile.
    fn to_copy(&self, document_id: &str) -> bool {
        self.next.as_ref().is_some_and(|next| {
            !next.vectors.has_document(document_id) && self.live.vectors.has_document(document_id)
        })
    }

    /// A live document's chunks and vectors, unless the next generation has it already (a
    /// write reached it) or it is gone.
    pub fn source(&self, document_id: &str) -> Result<Option<Source>> {
        if !self.to_copy(document_id) {
            return Ok(None);
        }
        let chunks = self.live.keyword.document_chunks(document_id)?;
        let vectors = self.live.vectors.document_vectors(document_id);
        let usable = self.live.same_embedding() && vectors.len() == chunks.len();
        Ok(Some(Source {
            document_id: document_id.into(),
            chunks,
            vectors: usable.then_some(vectors),
        }))
    }

    /// Copies a document into the next generation, unless a write put it there meanwhile or
    /// removed it from the live one; whether it did. Durable at [`Self::commit_next`].
    pub fn fill(
        &mut self,
        document_id: &str,
        chunks: &[Chunk],
        vectors: &[(String, Vec<f32>)],
    ) -> Result<bool> {
        if !self.to_copy(document_id) {
            return Ok(false);
        }
        let Some(next) = self.next.as_mut() else {
            return Ok(false);
        };
        next.keyword.add(chunks)?;
        next.vectors.add(document_id, vectors)?;
        Ok(true)
    }

    pub fn commit_next(&mut self) -> Result<()> {
        if let Some(next) = self.next.as_mut() {
            next.keyword.commit()?;
            next.vectors.commit()?;
        }
        Ok(())
    }

    /// Links up to `rows` more vectors of the next generation into its graph, so that it
    /// searches as fast as the live one from the switch on; whether some are left.
    pub fn link_next(&mut self, rows: usize) -> Result<bool> {
        match self.next.as_mut() {
            Some(next) => {
                next.vectors.defer_graph(false);
                next.vectors.link_some(rows)
            }
            None => Ok(false),
        }
    }

    /// Makes the next generation live (one rename: searches move over at once) and keeps the
    /// one it replaces for `grace`, for clients pinned to it; the name of that one.
    pub fn go_live(&mut self, grace: Duration) -> Result<String> {
        self.commit_next()?;
        let mut next = self
            .next
            .take()
            .ok_or_else(|| Error::Index("no index generation is being built".into()))?;
        next.vectors.defer_graph(false);
        // Forgotten as next first: a stop in between leaves the old generation live and this
        // one to be deleted, never the other way round.
        self.layout.set_next(None)?;
        self.layout.set_live(&next.name)?;
        let old = std::mem::replace(&mut self.live, next);
        let name = old.name.clone();
        self.retired.push((old, Some(Instant::now() + grace)));
        Ok(name)
    }

    /// Gives up the generation being built.
    pub fn abandon_next(&mut self) -> Result<()> {
        if let Some(next) = self.next.take() {
            let name = next.name.clone();
            drop(next);
            self.layout.set_next(None)?;
            self.layout.remove(&name)?;
        }
        Ok(())
    }

    /// Deletes the retired generations whose grace period is over; their names.
    pub fn drop_expired(&mut self) -> Result<Vec<String>> {
        let now = Instant::now();
        let (expired, kept) = std::mem::take(&mut self.retired)
            .into_iter()
            .partition(|(_, until)| until.is_some_and(|t| t <= now));
        self.retired = kept;
        let mut names = Vec::new();
        for (generation, _) in expired {
            let name = generation.name.clone();
            drop(generation);
            self.layout.remove(&name)?;
            names.push(name);
        }
        Ok(names)
    }

    /// Every generation writes reach: the live one, the one being built, the retired ones
    /// (so a removed document is gone from pinned searches too).
    fn written(&mut self) -> impl Iterator<Item = &mut Generation> {
        std::iter::once(&mut self.live)
            .chain(self.next.as_mut())
            .chain(self.retired.iter_mut().map(|(g, _)| g))
    }

    /// A reader's pinned generation: a finished one on disk other than the live one (a
    /// writer keeps the ones it retired open itself).
    fn on_disk(&self, name: &str) -> Option<Generation> {
        if self.lock.is_some() || !self.layout.others().ok()?.iter().any(|n| n == name) {
            return None;
        }
        self.layout.open(name, self.dim, false).ok()
    }

    fn pinned(&self, name: Option<&str>) -> Result<&Generation> {
        let Some(name) = name.filter(|n| *n != self.live.name) else {
            return Ok(&self.live);
        };
        let now = Instant::now();
        self.retired
            .iter()
            .find(|(g, until)| g.name == name && until.is_none_or(|t| t > now))
            .map(|(g, _)| g)
            .ok_or_else(|| {
                Error::Index(format!(
                    "unknown index generation '{name}' (the live one is '{}')",
                    self.live.name
                ))
            })
    }
}

impl ChunkIndex for EmbeddedIndex {
    fn replace(
        &mut self,
        document_id: &str,
        chunks: &[Chunk],
        vectors: &[(String, Vec<f32>)],
    ) -> Result<()> {
        for generation in self.written() {
            generation.keyword.delete_document(document_id)?;
            generation.vectors.delete_document(document_id)?;
            generation.keyword.add(chunks)?;
            generation.vectors.add(document_id, vectors)?;
            generation.keyword.commit()?;
            generation.vectors.commit()?;
        }
        Ok(())
    }

    fn remove(&mut self, document_ids: &[String]) -> Result<()> {
        if document_ids.is_empty() {
            return Ok(());
        }
        for generation in self.written() {
            for id in document_ids {
                generation.keyword.delete_document(id)?;
                generation.vectors.delete_document(id)?;
            }
            generation.keyword.commit()?;
            generation.vectors.commit()?;
        }
        Ok(())
    }

    fn search(&self, request: &Search, pinned: Option<&str>) -> Result<Searched> {
        let opened;
        let generation = match (self.pinned(pinned), pinned) {
            (Ok(generation), _) => generation,
            (Err(e), Some(name)) => {
                opened = self.on_disk(name).ok_or(e)?;
                &opened
            }
            (Err(e), None) => return Err(e),
        };
        // Vectors of another model cannot be compared with this build's query embedding:
        // such a generation (live only while its successor builds) answers by keyword.
        let mode = match generation.same_embedding() {
            true => request.mode,
            false => Mode::Keyword,
        };
        let hits = super::search(
            &generation.keyword,
            &generation.vectors,
            request.query,
            request.vector,
            mode,
            request.k,
            request.allowed,
        )?;
        Ok(Searched {
            hits,
            generation: generation.name.clone(),
        })
    }

    fn document_ids(&self) -> Result<BTreeSet<String>> {
        let mut ids = self.live.keyword.document_ids()?;
        ids.extend(self.live.vectors.document_ids());
        Ok(ids)
    }

    fn counts(&self) -> Result<Vec<(&'static str, u64)>> {
        Ok(vec![
            ("keyword", self.live.keyword.len()),
            ("vector", self.live.vectors.len() as u64),
        ])
    }

    fn languages(&self) -> Result<BTreeMap<String, u64>> {
        Ok(self
            .live
            .keyword
            .languages()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect())
    }

    fn finish(&mut self) -> Result<()> {
        self.live.vectors.finish()
    }

    fn describe(&self) -> String {
        let building = self
            .building()
            .map(|n| format!(" (building {n})"))
            .unwrap_or_default();
        format!("embedded {}{building}", self.live.name)
    }

    fn embedded(&self) -> Option<&EmbeddedIndex> {
        Some(self)
    }

    fn embedded_mut(&mut self) -> Option<&mut EmbeddedIndex> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A_OLD: &str = "The old anchor holds the ship in the harbour.";
    const A_NEW: &str = "The new anchor holds the ship in the harbour.";
    const B: &str = "The bridge crosses the river near the town.";
    const C: &str = "The castle stands on the hill above the town.";

    fn chunk(document: &str, text: &str) -> Chunk {
        Chunk {
            id: format!("{document}:0"),
            document_id: document.into(),
            index: 0,
            text: text.into(),
            headings: Vec::new(),
            pages: vec![1],
            block_ids: Vec::new(),
            boxes: Vec::new(),
            tokens: 3,
        }
    }

    fn put(index: &mut EmbeddedIndex, document: &str, text: &str, v: [f32; 2]) {
        let c = chunk(document, text);
        let id = c.id.clone();
        index
            .replace(document, &[c], &[(id, v.to_vec())])
            .expect("replace");
    }

    fn texts(index: &EmbeddedIndex, query: &str, pinned: Option<&str>) -> Vec<String> {
        let search = Search {
            query,
            vector: None,
            mode: Mode::Keyword,
            k: 5,
            allowed: None,
            filter: None,
        };
        let found = index.search(&search, pinned).expect("search");
        found.hits.into_iter().map(|h| h.chunk.text).collect()
    }

    /// While a generation builds, a document written or removed meanwhile is not overwritten
    /// or brought back by the copy of what was read before; after the switch the old
    /// generation answers pinned searches until its grace period ends.
    #[test]
    fn writes_during_a_build_win_over_the_copy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut index = EmbeddedIndex::open(dir.path(), 2, true).expect("open");
        put(&mut index, "a", A_OLD, [1.0, 0.0]);
        put(&mut index, "b", B, [0.0, 1.0]);
        put(&mut index, "c", C, [0.6, 0.8]);
        assert_eq!(texts(&index, "bridge", None), vec![B]);
        assert_eq!(texts(&index, "castle", None), vec![C]);
        let old = index.live_name().to_string();
        let next = index.start_generation().expect("start");
        assert_eq!(index.building(), Some(next.as_str()));
        let read: Vec<Source> = ["a", "b", "c"]
            .iter()
            .map(|id| index.source(id).expect("source").expect("live"))
            .collect();
        // Meanwhile: `a` is rewritten, `b` removed.
        put(&mut index, "a", A_NEW, [1.0, 0.0]);
        index.remove(&["b".to_string()]).expect("remove");
        assert!(
            index.source("a").expect("source").is_none(),
            "already there"
        );
        let copied: Vec<bool> = read
            .iter()
            .map(|s| {
                let v = s.vectors.as_ref().expect("same model");
                index.fill(&s.document_id, &s.chunks, v).expect("fill")
            })
            .collect();
        assert_eq!(copied, vec![false, false, true]);
        assert_eq!(index.go_live(Duration::from_secs(60)).expect("live"), old);
        assert_eq!(index.live_name(), next);
        assert_eq!(texts(&index, "anchor", None), vec![A_NEW]);
        assert!(texts(&index, "bridge", None).is_empty());
        assert_eq!(texts(&index, "castle", None), vec![C]);
        // The old generation, pinned: it got the same writes.
        assert_eq!(texts(&index, "anchor", Some(&old)), vec![A_NEW]);
        assert!(texts(&index, "bridge", Some(&old)).is_empty());
        drop(index);

        // A new writer keeps the live generation and deletes the rest.
        let index = EmbeddedIndex::open(dir.path(), 2, true).expect("reopen");
        assert_eq!(index.live_name(), next);
        assert!(index
            .search(
                &Search {
                    query: "anchor",
                    vector: None,
                    mode: Mode::Keyword,
                    k: 1,
                    allowed: None,
                    filter: None,
                },
                Some(&old)
            )
            .is_err());
        assert!(!dir.path().join("index").join(&old).exists());
        // Stopped after the switch but before `next` was forgotten: the live one stays.
        drop(index);
        std::fs::write(dir.path().join("index").join("next"), &next).expect("next");
        let mut index = EmbeddedIndex::open(dir.path(), 2, true).expect("reopen");
        assert_eq!(index.live_name(), next);
        assert_eq!(texts(&index, "anchor", None), vec![A_NEW]);
        // A grace period of nothing: gone at the next expiry.
        index.start_generation().expect("start");
        let replaced = index.go_live(Duration::ZERO).expect("live");
        assert_eq!(index.drop_expired().expect("expire"), vec![replaced]);
    }
}
