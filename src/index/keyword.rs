//! The keyword store: a tantivy index of chunks, BM25 over their text and heading path, with
//! the chunk itself stored for retrieval results.

use super::tokenize::{self, FolioTokenizer};
use super::Hit;
use crate::document::Chunk;
use crate::error::{Error, Result};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Memory tantivy's writer may buffer before it flushes a segment.
const WRITER_MEMORY: usize = 64 << 20;
/// Weight of a match in the heading path relative to the text.
const HEADING_BOOST: f32 = 1.5;

fn err(e: impl std::fmt::Display) -> Error {
    Error::Index(format!("keyword store: {e}"))
}

pub struct KeywordStore {
    reader: IndexReader,
    /// `None` when opened for reading only (a running ingest holds the writer lock).
    writer: Option<IndexWriter>,
    document_id: Field,
    chunk_id: Field,
    text: Field,
    headings: Field,
    chunk: Field,
}

impl KeywordStore {
    /// Opens the index in `dir`, creating it if needed; `writable` takes tantivy's writer
    /// lock (one writer per index), otherwise the store only searches.
    pub fn open(dir: &Path, writable: bool) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let analysed = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenize::NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let mut builder = Schema::builder();
        builder.add_text_field("document_id", STRING | STORED);
        builder.add_text_field("chunk_id", STRING);
        builder.add_text_field("text", analysed.clone());
        builder.add_text_field("headings", analysed);
        builder.add_text_field("chunk", STORED);
        let schema = builder.build();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(err)?;
        let index = Index::open_or_create(directory, schema).map_err(err)?;
        index.tokenizers().register(tokenize::NAME, FolioTokenizer);
        let writer = if writable {
            Some(
                index
                    .writer_with_num_threads(1, WRITER_MEMORY)
                    .map_err(|e| match e {
                        tantivy::TantivyError::LockFailure(..) => Error::Busy(dir.to_path_buf()),
                        e => err(e),
                    })?,
            )
        } else {
            None
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(err)?;
        let field = |name| index.schema().get_field(name).map_err(err);
        Ok(Self {
            document_id: field("document_id")?,
            chunk_id: field("chunk_id")?,
            text: field("text")?,
            headings: field("headings")?,
            chunk: field("chunk")?,
            reader,
            writer,
        })
    }

    fn writer(&mut self) -> Result<&mut IndexWriter> {
        self.writer
            .as_mut()
            .ok_or_else(|| err("opened for reading only"))
    }

    /// Queues the removal of every chunk of `document_id` (effective at [`Self::commit`]).
    pub fn delete_document(&mut self, document_id: &str) -> Result<()> {
        let term = Term::from_field_text(self.document_id, document_id);
        self.writer()?.delete_term(term);
        Ok(())
    }

    /// Queues `chunks` for indexing (effective at [`Self::commit`]).
    pub fn add(&mut self, chunks: &[Chunk]) -> Result<()> {
        for c in chunks {
            let json = serde_json::to_string(c).map_err(err)?;
            let (document_id, chunk_id, text, headings, chunk) = (
                self.document_id,
                self.chunk_id,
                self.text,
                self.headings,
                self.chunk,
            );
            self.writer()?
                .add_document(doc!(
                    document_id => c.document_id.as_str(),
                    chunk_id => c.id.as_str(),
                    text => c.text.as_str(),
                    headings => c.headings.join(" › "),
                    chunk => json,
                ))
                .map_err(err)?;
        }
        Ok(())
    }

    /// Makes every queued change durable and visible.
    pub fn commit(&mut self) -> Result<()> {
        self.writer()?.commit().map_err(err)?;
        self.reader.reload().map_err(err)
    }

    /// Chunks indexed now.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every document id that has live chunks in the index (deleted documents leave their
    /// terms behind until a merge, so each term's postings are checked).
    pub fn document_ids(&self) -> Result<BTreeSet<String>> {
        use tantivy::DocSet;
        let searcher = self.reader.searcher();
        let mut out = BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.document_id).map_err(err)?;
            let alive = segment.alive_bitset();
            let mut terms = inverted.terms().stream().map_err(err)?;
            while terms.advance() {
                let id = String::from_utf8_lossy(terms.key()).into_owned();
                let term = Term::from_field_text(self.document_id, &id);
                let Some(mut postings) = inverted
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(err)?
                else {
                    continue;
                };
                let mut doc = postings.doc();
                while doc != tantivy::TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        out.insert(id);
                        break;
                    }
                    doc = postings.advance();
                }
            }
        }
        Ok(out)
    }

    /// The best `k` chunks for `query` by BM25, within `allowed` documents when given.
    pub fn search(
        &self,
        query: &str,
        k: usize,
        allowed: Option<&HashSet<String>>,
    ) -> Result<Vec<Hit>> {
        let words: BTreeSet<String> = tokenize::tokens(query)
            .into_iter()
            .map(|t| t.text)
            .collect();
        if words.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &words {
            for (field, boost) in [(self.text, 1.0), (self.headings, HEADING_BOOST)] {
                let q = TermQuery::new(
                    Term::from_field_text(field, w),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(tantivy::query::BoostQuery::new(Box::new(q), boost)),
                ));
            }
        }
        let mut query: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        if let Some(allowed) = allowed {
            let terms = allowed
                .iter()
                .map(|id| Term::from_field_text(self.document_id, id));
            query = Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (Occur::Must, Box::new(TermSetQuery::new(terms))),
            ]));
        }
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(k))
            .map_err(err)?;
        top.into_iter()
            .map(|(score, address)| {
                let stored: TantivyDocument = searcher.doc(address).map_err(err)?;
                let json = stored
                    .get_first(self.chunk)
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| err("a stored chunk is missing"))?;
                let chunk: Chunk = serde_json::from_str(json).map_err(err)?;
                Ok(Hit { chunk, score })
            })
            .collect()
    }

    /// The stored chunks with these ids (for vector hits), keyed by id.
    pub fn chunks(&self, ids: &[String]) -> Result<std::collections::HashMap<String, Chunk>> {
        let mut out = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let query = TermSetQuery::new(
            ids.iter()
                .map(|id| Term::from_field_text(self.chunk_id, id)),
        );
        let searcher = self.reader.searcher();
        let found = searcher
            .search(&query, &TopDocs::with_limit(ids.len()))
            .map_err(err)?;
        for (_, address) in found {
            let stored: TantivyDocument = searcher.doc(address).map_err(err)?;
            if let Some(json) = stored.get_first(self.chunk).and_then(|v| v.as_str()) {
                let chunk: Chunk = serde_json::from_str(json).map_err(err)?;
                out.insert(chunk.id.clone(), chunk);
            }
        }
        Ok(out)
    }
}
