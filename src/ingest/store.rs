//! One data directory: the catalog, the keyword store and the vector store, written together
//! so that after a crash at any point the next open puts them back in agreement.

use crate::catalog::{Catalog, FileRow, NewDocument};
use crate::document::{Chunk, Document};
use crate::error::Result;
use crate::index::{EmbeddedStore, KeywordStore, VectorStore};
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// The stores of a data directory.
pub struct Store {
    pub dir: PathBuf,
    pub catalog: Catalog,
    pub keyword: KeywordStore,
    pub vectors: Box<dyn VectorStore>,
}

impl Store {
    /// Opens (or creates) the stores in `dir` and repairs what a crash left half-done:
    /// documents caught `indexing` lose their chunks and are forgotten (their files are
    /// re-ingested next time), and chunks of documents the catalog does not hold as stored are
    /// removed.
    pub fn open(dir: &Path, dim: usize) -> Result<Self> {
        Self::open_with(dir, dim, Catalog::open(dir)?)
    }

    /// [`Store::open`] with a catalog opened elsewhere (a shared one, say). On a shared
    /// catalog, documents other processes are indexing are left alone: only this directory's
    /// stores are repaired.
    pub fn open_with(dir: &Path, dim: usize, catalog: Catalog) -> Result<Self> {
        let keyword = KeywordStore::open(&dir.join("keyword"), true)?;
        let vectors: Box<dyn VectorStore> =
            Box::new(EmbeddedStore::open(&dir.join("vectors"), dim)?);
        let mut store = Self {
            dir: dir.to_path_buf(),
            catalog,
            keyword,
            vectors,
        };
        store.recover()?;
        Ok(store)
    }

    /// Opens the stores for searching only, without repairs: works while an ingest is
    /// writing to them (it holds the writer lock).
    pub fn open_read_only(dir: &Path, dim: usize) -> Result<Self> {
        Self::open_read_only_with(dir, dim, Catalog::open(dir)?)
    }

    /// [`Store::open_read_only`] with a catalog opened elsewhere.
    pub fn open_read_only_with(dir: &Path, dim: usize, catalog: Catalog) -> Result<Self> {
        Ok(Self {
            dir: dir.to_path_buf(),
            catalog,
            keyword: KeywordStore::open(&dir.join("keyword"), false)?,
            vectors: Box::new(EmbeddedStore::open_read_only(&dir.join("vectors"), dim)?),
        })
    }

    fn recover(&mut self) -> Result<()> {
        // A shared catalog's `indexing` rows may be other processes' work in flight.
        let interrupted = match self.catalog.is_shared() {
            true => Vec::new(),
            false => self.catalog.documents_with_status("indexing")?,
        };
        let stored: std::collections::HashSet<String> = self
            .catalog
            .documents_with_status("ok")?
            .into_iter()
            .collect();
        let mut orphans: Vec<String> = self
            .keyword
            .document_ids()?
            .into_iter()
            .chain(self.vectors.document_ids())
            .filter(|id| !stored.contains(id))
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
        for id in &orphans {
            self.keyword.delete_document(id)?;
            self.vectors.delete_document(id)?;
        }
        self.keyword.commit()?;
        self.vectors.commit()?;
        for id in &interrupted {
            self.catalog.delete_document(id)?;
        }
        Ok(())
    }

    /// Replaces a document's chunks in both stores and records it as stored.
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
        self.keyword.delete_document(&doc.id)?;
        self.vectors.delete_document(&doc.id)?;
        self.keyword.add(chunks)?;
        self.vectors.add(&doc.id, &vectors)?;
        self.keyword.commit()?;
        self.vectors.commit()?;
        self.catalog
            .finish_document(&doc.id, chunks.len() as u32, &json)
    }

    /// Completes index work the stores left for later (linking vectors into the graph), so
    /// searches afterwards need not scan for them.
    pub fn finish(&mut self) -> Result<()> {
        self.vectors.finish()
    }

    /// Points a file at its document; a document the file pointed at before, and that no
    /// file references any more, is removed.
    pub fn link_file(&mut self, row: &FileRow) -> Result<()> {
        let before = self.catalog.file(&row.path)?.and_then(|f| f.document_id);
        self.catalog.set_file(row, None)?;
        if before.is_some() && before != row.document_id {
            self.remove_unreferenced()?;
        }
        Ok(())
    }

    /// Forgets a file; its document goes too when nothing else references it.
    pub fn unlink_file(&mut self, path: &str) -> Result<()> {
        self.catalog.delete_file(path)?;
        self.remove_unreferenced().map(|_| ())
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

    /// Removes documents no file points at, from every store.
    pub fn remove_unreferenced(&mut self) -> Result<usize> {
        let gone = self.catalog.unreferenced_documents()?;
        if gone.is_empty() {
            return Ok(0);
        }
        for id in &gone {
            self.keyword.delete_document(id)?;
            self.vectors.delete_document(id)?;
        }
        self.keyword.commit()?;
        self.vectors.commit()?;
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
        writer.keyword.add(&[chunk("doc_a", 0)]).expect("add");
        writer.keyword.commit().expect("commit");
        assert!(
            matches!(Store::open(dir.path(), 2), Err(crate::Error::Busy(_))),
            "one writer at a time"
        );
        let reader = Store::open_read_only(dir.path(), 2).expect("a reader");
        assert_eq!(reader.keyword.len(), 1);
        // A record being appended right now is not cut off by a reader.
        let log = dir.path().join("vectors").join("vectors.log");
        std::fs::write(&log, [1u8, 200, 0, 0, 0, 7]).expect("partial record");
        let reader = Store::open_read_only(dir.path(), 2).expect("a reader");
        assert_eq!(reader.vectors.len(), 0);
        assert_eq!(std::fs::metadata(&log).expect("log").len(), 6);
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
                .keyword
                .add(&[chunk("doc_a", 0), chunk("doc_a", 1)])
                .expect("add");
            store.keyword.commit().expect("commit");
            store
                .vectors
                .add("doc_a", &[("doc_a:0".into(), vec![1.0, 0.0])])
                .expect("add");
            store.vectors.commit().expect("commit");
            // And a document the catalog never heard of (a crash before its row was written).
            store.keyword.add(&[chunk("doc_b", 0)]).expect("add");
            store.keyword.commit().expect("commit");
        }
        let store = Store::open(dir.path(), 2).expect("reopen");
        assert_eq!(store.keyword.len(), 0);
        assert_eq!(store.vectors.len(), 0);
        assert!(store.catalog.document("doc_a").expect("read").is_none());
    }
}
