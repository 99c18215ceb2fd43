//! A data directory's stores (or the shared engines standing in for them): the catalog and
//! the chunk index, written together so that after a crash at any point the next open puts
//! them back in agreement.

use crate::catalog::{Catalog, FileRow, NewDocument};
use crate::document::{Chunk, Document};
use crate::error::Result;
use crate::index::{ChunkIndex, EmbeddedIndex};
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// On a shared catalog, a document still `indexing` after this long was left by a process
/// that died while writing its chunks (writing them takes seconds).
const STALE_INDEXING_SECONDS: i64 = 3600;

/// The stores of a data directory.
pub struct Store {
    pub dir: PathBuf,
    pub catalog: Catalog,
    pub chunks: Box<dyn ChunkIndex>,
    /// Held while this process writes a catalog only it may write (see [`writer_lock`]).
    _writer: Option<std::fs::File>,
}

/// The data directory's writer lock, for an embedded catalog whose chunks live elsewhere
/// (Qdrant): one writer at a time, as tantivy's own lock ensures for the embedded index, so
/// that recovery on open never takes another writer's documents in flight for a crash's.
pub fn writer_lock(dir: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(dir).map_err(|source| crate::Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join("writer.lock");
    let file = std::fs::File::create(&path).map_err(|source| crate::Error::Io {
        path: path.clone(),
        source,
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(crate::Error::Busy(dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(crate::Error::Io { path, source }),
    }
}

impl Store {
    /// Opens (or creates) the stores in `dir` and repairs what a crash left half-done:
    /// documents caught `indexing` lose their chunks and are forgotten (their files are
    /// re-ingested next time), and chunks of documents the catalog does not hold as stored are
    /// removed.
    pub fn open(dir: &Path, dim: usize) -> Result<Self> {
        let chunks = Box::new(EmbeddedIndex::open(dir, dim, true)?);
        Self::open_with(dir, Catalog::open(dir)?, chunks)
    }

    /// [`Store::open`] with a catalog and a chunk index opened elsewhere (shared ones, say).
    /// On a shared catalog, documents other processes are indexing right now are left alone.
    pub fn open_with(dir: &Path, catalog: Catalog, chunks: Box<dyn ChunkIndex>) -> Result<Self> {
        let writer = match catalog.is_shared() {
            true => None,
            false => Some(writer_lock(dir)?),
        };
        let mut store = Self {
            dir: dir.to_path_buf(),
            catalog,
            chunks,
            _writer: writer,
        };
        store.recover()?;
        Ok(store)
    }

    /// Opens the stores for searching only, without repairs: works while an ingest is
    /// writing to them (it holds the writer lock).
    pub fn open_read_only(dir: &Path, dim: usize) -> Result<Self> {
        Ok(Self::read_only_with(
            dir,
            Catalog::open(dir)?,
            Box::new(EmbeddedIndex::open(dir, dim, false)?),
        ))
    }

    /// Stores assembled for searching only (no repairs).
    pub fn read_only_with(dir: &Path, catalog: Catalog, chunks: Box<dyn ChunkIndex>) -> Self {
        Self {
            dir: dir.to_path_buf(),
            catalog,
            chunks,
            _writer: None,
        }
    }

    fn recover(&mut self) -> Result<()> {
        let indexing = self.catalog.documents_with_status("indexing")?;
        let interrupted = match self.catalog.is_shared() {
            // A shared catalog's fresh `indexing` rows are other processes' work in flight.
            true => self
                .catalog
                .stale_indexing(crate::catalog::now_ms() / 1000 - STALE_INDEXING_SECONDS)?,
            false => indexing.clone(),
        };
        let in_flight: std::collections::HashSet<String> = indexing.into_iter().collect();
        let stored: std::collections::HashSet<String> = self
            .catalog
            .documents_with_status("ok")?
            .into_iter()
            .collect();
        let mut orphans: Vec<String> = self
            .chunks
            .document_ids()?
            .into_iter()
            .filter(|id| !stored.contains(id) && !in_flight.contains(id))
            .collect();
        orphans.extend(interrupted.iter().cloned());
        orphans.sort();
        orphans.dedup();
        if orphans.is_empty() {
            return Ok(());
        }
        warn!(
            documents = orphans.len(),
            "repairing the stores after an interrupted ingest"
        );
        self.chunks.remove(&orphans)?;
        for id in &interrupted {
            self.catalog.delete_document(id)?;
        }
        Ok(())
    }

    /// Replaces a document's chunks in the index and records it as stored.
    pub fn put(
        &mut self,
        doc: &Document,
        chunks: &[Chunk],
        vectors: Vec<(String, Vec<f32>)>,
    ) -> Result<()> {
        let json = serde_json::to_vec(doc).map_err(|e| crate::Error::Catalog(e.to_string()))?;
        let metadata = serde_json::to_string(&doc.metadata)
            .map_err(|e| crate::Error::Catalog(e.to_string()))?;
        self.catalog.begin_document(&NewDocument {
            id: &doc.id,
            sha256: &doc.source.sha256,
            media_type: &doc.source.media_type,
            bytes: doc.source.bytes,
            filename: doc.source.filename.as_deref(),
            pipeline_version: &doc.pipeline.version,
            pages: doc.pages.len() as u32,
            metadata: &metadata,
        })?;
        self.chunks.replace(&doc.id, chunks, &vectors)?;
        self.describe(&doc.id)?;
        self.catalog
            .finish_document(&doc.id, chunks.len() as u32, &json)
    }

    /// Copies what filters match on a document (media type, paths, metadata) to the chunk
    /// index, when it is stored.
    fn describe(&mut self, id: &str) -> Result<()> {
        if !self.chunks.keeps_fields() {
            return Ok(());
        }
        match self.catalog.fields(id)? {
            Some(fields) => self.chunks.set_fields(id, &fields),
            None => Ok(()),
        }
    }

    /// Completes index work the stores left for later (linking vectors into the graph), so
    /// searches afterwards need not scan for them.
    pub fn finish(&mut self) -> Result<()> {
        self.chunks.finish()
    }

    /// Points a file at its document; a document the file pointed at before, and that no
    /// file references any more, is removed.
    pub fn link_file(&mut self, row: &FileRow) -> Result<()> {
        let before = self.catalog.file(&row.path)?.and_then(|f| f.document_id);
        self.catalog.set_file(row, None)?;
        if before.is_some() && before != row.document_id {
            self.remove_unreferenced()?;
        }
        let gained = row
            .document_id
            .iter()
            .filter(|id| Some(*id) != before.as_ref());
        for id in before.iter().chain(gained) {
            self.describe(id)?;
        }
        Ok(())
    }

    /// Forgets a file; its document goes too when nothing else references it.
    pub fn unlink_file(&mut self, path: &str) -> Result<()> {
        let before = self.catalog.file(path)?.and_then(|f| f.document_id);
        self.catalog.delete_file(path)?;
        self.remove_unreferenced()?;
        match before {
            Some(id) => self.describe(&id),
            None => Ok(()),
        }
    }

    /// Removes a document, the files pointing at it and its chunks from every store; false
    /// when it was not stored.
    pub fn remove_document(&mut self, id: &str) -> Result<bool> {
        if self.catalog.document(id)?.is_none() {
            return Ok(false);
        }
        self.catalog.delete_files_of(id)?;
        self.remove_unreferenced()?;
        Ok(true)
    }

    /// Forgets tenant `tenant`'s files of document `id`; the document goes from every store
    /// only when no other tenant (or ingested path) still points at it. False when the
    /// tenant had none.
    pub fn remove_for(&mut self, tenant: &str, id: &str) -> Result<bool> {
        if self.catalog.delete_tenant_files(tenant, id)? == 0 {
            return Ok(false);
        }
        if self.remove_unreferenced()? == 0 {
            // Others keep it: the index's filter fields lose this tenant's paths.
            self.describe(id)?;
        }
        Ok(true)
    }

    /// Removes documents no file points at, from every store.
    pub fn remove_unreferenced(&mut self) -> Result<usize> {
        let gone = self.catalog.unreferenced_documents()?;
        if gone.is_empty() {
            return Ok(0);
        }
        self.chunks.remove(&gone)?;
        for id in &gone {
            self.catalog.delete_document(id)?;
            info!(document = %id, "removed");
        }
        Ok(gone.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::NewDocument;
    use crate::document::Chunk;

    fn chunk(doc: &str, i: u32) -> Chunk {
        Chunk {
            id: format!("{doc}:{i}"),
            document_id: doc.into(),
            index: i,
            text: format!("text {i} of {doc}"),
            headings: Vec::new(),
            pages: vec![1],
            block_ids: Vec::new(),
            boxes: Vec::new(),
            tokens: 4,
        }
    }

    #[test]
    fn readers_open_while_a_writer_holds_the_stores() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = Store::open(dir.path(), 2).expect("open");
        writer
            .chunks
            .replace(
                "doc_a",
                &[chunk("doc_a", 0)],
                &[("doc_a:0".into(), vec![1.0, 0.0])],
            )
            .expect("add");
        assert!(
            matches!(Store::open(dir.path(), 2), Err(crate::Error::Busy(_))),
            "one writer at a time"
        );
        let reader = Store::open_read_only(dir.path(), 2).expect("a reader");
        assert_eq!(
            reader.chunks.counts().expect("counts"),
            vec![("keyword", 1), ("vector", 1)]
        );
        // A record being appended right now is not cut off by a reader.
        let live = crate::index::live_dir(dir.path()).expect("live");
        let log = live.join("vectors").join("vectors.log");
        let before = std::fs::metadata(&log).expect("log").len();
        let mut bytes = std::fs::read(&log).expect("log");
        bytes.extend_from_slice(&[1u8, 200, 0, 0, 0, 7]);
        std::fs::write(&log, &bytes).expect("partial record");
        let reader = Store::open_read_only(dir.path(), 2).expect("a reader");
        assert_eq!(reader.chunks.counts().expect("counts")[1], ("vector", 1));
        assert_eq!(std::fs::metadata(&log).expect("log").len(), before + 6);
    }

    #[test]
    fn a_crash_between_the_stores_and_the_catalog_is_repaired_on_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let mut store = Store::open(dir.path(), 2).expect("open");
            // Chunks reach both stores, then the process dies before the catalog says "ok".
            store
                .catalog
                .begin_document(&NewDocument {
                    id: "doc_a",
                    sha256: "00",
                    media_type: "application/pdf",
                    bytes: 1,
                    filename: None,
                    pipeline_version: "v",
                    pages: 1,
                    metadata: "{}",
                })
                .expect("begin");
            store
                .chunks
                .replace(
                    "doc_a",
                    &[chunk("doc_a", 0), chunk("doc_a", 1)],
                    &[("doc_a:0".into(), vec![1.0, 0.0])],
                )
                .expect("add");
            // And a document the catalog never heard of (a crash before its row was written).
            store
                .chunks
                .replace("doc_b", &[chunk("doc_b", 0)], &[])
                .expect("add");
        }
        let store = Store::open(dir.path(), 2).expect("reopen");
        assert_eq!(
            store.chunks.counts().expect("counts"),
            vec![("keyword", 0), ("vector", 0)]
        );
        assert!(store.catalog.document("doc_a").expect("read").is_none());
    }
}
