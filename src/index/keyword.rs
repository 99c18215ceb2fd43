//! The keyword store: a tantivy index of chunks, BM25 over their text and heading path
//! analysed in each chunk's language ([`super::analysis`]), with the chunk itself stored for
//! retrieval results. An index keeps the analysis it was written with (its commit payload):
//! one written by an older analysis is searched and written as it is, and replaced by a new
//! generation ([`super::generation`]) built from its stored chunks. An index of an older
//! *schema* (folio's first format) is rebuilt when opened for writing.

use super::analysis::{self, Analysis};
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
use tantivy::tokenizer::PreTokenizedString;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Memory tantivy's writer may buffer before it flushes a segment.
const WRITER_MEMORY: usize = 64 << 20;
/// Weight of a match in the heading path relative to the text.
pub(crate) const HEADING_BOOST: f32 = 1.5;

fn err(e: impl std::fmt::Display) -> Error {
    Error::Index(format!("keyword store: {e}"))
}

/// Names the analysis this build writes (the commit payload of the indexes it creates).
pub(crate) const ANALYSIS: &str = "folio-analysis-3";
/// The language tag of chunks in no language with a stemmer (BCP 47 "undetermined").
const UNDETERMINED: &str = "und";

/// The analysis of an index written before analyses were named.
const FIRST_ANALYSIS: &str = "folio-analysis-0";

pub struct KeywordStore {
    analysis: Analysis,
    /// The analysis this index was written with (kept in every commit).
    written_with: String,
    /// Chunks per language tag (counting deleted chunks until a merge), for query analysis.
    languages: Vec<(String, u64)>,
    reader: IndexReader,
    /// `None` when opened for reading only (a running ingest holds the writer lock).
    writer: Option<IndexWriter>,
    document_id: Field,
    chunk_id: Field,
    language: Field,
    text: Field,
    headings: Field,
    chunk: Field,
}

impl KeywordStore {
    /// Opens the index in `dir`, creating it if needed; `writable` takes tantivy's writer
    /// lock (one writer per index) and first rebuilds an index of folio's first schema,
    /// otherwise the store only searches.
    pub fn open(dir: &Path, writable: bool) -> Result<Self> {
        if writable {
            upgrade(dir)?;
        }
        let mut store = Self::open_current(dir, writable)?;
        let searcher = store.reader.searcher();
        let payload = searcher.index().load_metas().map_err(err)?.payload;
        let empty = searcher.num_docs() == 0;
        match payload {
            Some(analysis) => store.written_with = analysis,
            // A new index: stamp it with this build's analysis.
            None if writable && empty => store.commit()?,
            None if empty => {}
            None => store.written_with = FIRST_ANALYSIS.into(),
        }
        Ok(store)
    }

    /// The analysis the index was written with.
    pub fn analysis(&self) -> &str {
        &self.written_with
    }

    fn open_current(dir: &Path, writable: bool) -> Result<Self> {
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
        builder.add_text_field("language", STRING | STORED);
        builder.add_text_field("text", analysed.clone());
        builder.add_text_field("headings", analysed);
        builder.add_text_field("chunk", STORED);
        let schema = builder.build();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(err)?;
        let index = Index::open_or_create(directory, schema).map_err(|e| match e {
            tantivy::TantivyError::SchemaError(_) => older_index(dir),
            e => err(e),
        })?;
        index
            .tokenizers()
            .register(tokenize::NAME, FolioTokenizer { fold: true });
        let writer = if writable {
            Some(take_writer(&index, dir)?)
        } else {
            None
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(err)?;
        let field = |name| index.schema().get_field(name).map_err(err);
        let mut store = Self {
            analysis: Analysis::default(),
            written_with: ANALYSIS.into(),
            languages: Vec::new(),
            document_id: field("document_id")?,
            chunk_id: field("chunk_id")?,
            language: field("language")?,
            text: field("text")?,
            headings: field("headings")?,
            chunk: field("chunk")?,
            reader,
            writer,
        };
        store.count_languages()?;
        Ok(store)
    }

    fn count_languages(&mut self) -> Result<()> {
        let searcher = self.reader.searcher();
        self.languages.clear();
        for tag in analysis::tags().chain([UNDETERMINED]) {
            let n = searcher
                .doc_freq(&Term::from_field_text(self.language, tag))
                .map_err(err)?;
            if n > 0 {
                self.languages.push((tag.to_string(), n));
            }
        }
        Ok(())
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

    /// Queues `chunks` (of one document: a chunk whose language is uncertain takes the
    /// document's) for indexing (effective at [`Self::commit`]).
    pub fn add(&mut self, chunks: &[Chunk]) -> Result<()> {
        let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
        let languages = self.analysis.languages(&texts);
        for (c, language) in chunks.iter().zip(languages) {
            let headings = c.headings.join(" › ");
            let analysed = |text: String| PreTokenizedString {
                tokens: self.analysis.terms(&text, language),
                text,
            };
            let mut doc = TantivyDocument::default();
            doc.add_text(self.document_id, &c.document_id);
            doc.add_text(self.chunk_id, &c.id);
            doc.add_text(self.language, language.unwrap_or(UNDETERMINED));
            doc.add_pre_tokenized_text(self.text, analysed(c.text.clone()));
            doc.add_pre_tokenized_text(self.headings, analysed(headings));
            doc.add_text(self.chunk, serde_json::to_string(c).map_err(err)?);
            self.writer()?.add_document(doc).map_err(err)?;
        }
        Ok(())
    }

    /// Makes every queued change durable and visible.
    pub fn commit(&mut self) -> Result<()> {
        let analysis = self.written_with.clone();
        let mut commit = self.writer()?.prepare_commit().map_err(err)?;
        commit.set_payload(&analysis);
        commit.commit().map_err(err)?;
        self.reader.reload().map_err(err)?;
        self.count_languages()
    }

    /// Chunks per detected language (BCP 47 tag; `und` when none has a stemmer), counting
    /// removed chunks until tantivy merges their segments.
    pub fn languages(&self) -> std::collections::BTreeMap<&str, u64> {
        self.languages
            .iter()
            .map(|(tag, n)| (tag.as_str(), *n))
            .collect()
    }

    /// Chunks indexed now.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every document id that has live chunks in the index.
    pub fn document_ids(&self) -> Result<BTreeSet<String>> {
        live_documents(&self.reader.searcher(), self.document_id)
    }

    /// The best `k` chunks for `query` by BM25, within `allowed` documents when given.
    pub fn search(
        &self,
        query: &str,
        k: usize,
        allowed: Option<&HashSet<String>>,
    ) -> Result<Vec<Hit>> {
        let words = self.analysis.query_terms(query, &self.languages);
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
                let chunk = stored_chunk(&searcher, address, self.chunk)?;
                Ok(Hit { chunk, score })
            })
            .collect()
    }

    /// A document's stored chunks, in order.
    pub fn document_chunks(&self, document_id: &str) -> Result<Vec<Chunk>> {
        document_chunks(
            &self.reader.searcher(),
            self.document_id,
            self.chunk,
            document_id,
        )
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
            let chunk = stored_chunk(&searcher, address, self.chunk)?;
            out.insert(chunk.id.clone(), chunk);
        }
        Ok(out)
    }
}

/// Takes the index's writer lock; another process holding it is [`Error::Busy`].
fn take_writer(index: &Index, dir: &Path) -> Result<IndexWriter> {
    index
        .writer_with_num_threads(1, WRITER_MEMORY)
        .map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => Error::Busy(dir.to_path_buf()),
            e => err(e),
        })
}

/// The chunk stored with the document at `address`.
fn stored_chunk(
    searcher: &tantivy::Searcher,
    address: tantivy::DocAddress,
    field: Field,
) -> Result<Chunk> {
    let stored: TantivyDocument = searcher.doc(address).map_err(err)?;
    let json = stored
        .get_first(field)
        .and_then(|v| v.as_str())
        .ok_or_else(|| err("a stored chunk is missing"))?;
    serde_json::from_str(json).map_err(err)
}

/// A document's stored chunks, in order.
fn document_chunks(
    searcher: &tantivy::Searcher,
    document_field: Field,
    chunk_field: Field,
    document_id: &str,
) -> Result<Vec<Chunk>> {
    let term = Term::from_field_text(document_field, document_id);
    let n = searcher.doc_freq(&term).map_err(err)? as usize;
    let query = TermQuery::new(term, IndexRecordOption::Basic);
    let found = searcher
        .search(&query, &TopDocs::with_limit(n.max(1)))
        .map_err(err)?;
    let mut chunks = Vec::with_capacity(found.len());
    for (_, address) in found {
        chunks.push(stored_chunk(searcher, address, chunk_field)?);
    }
    chunks.sort_by_key(|c| c.index);
    Ok(chunks)
}

/// Every document id with live chunks in the index (deleted documents leave their terms
/// behind until a merge, so each term's postings are checked).
fn live_documents(searcher: &tantivy::Searcher, field: Field) -> Result<BTreeSet<String>> {
    use tantivy::DocSet;
    let mut out = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field).map_err(err)?;
        let alive = segment.alive_bitset();
        let mut terms = inverted.terms().stream().map_err(err)?;
        while terms.advance() {
            let id = String::from_utf8_lossy(terms.key()).into_owned();
            let term = Term::from_field_text(field, &id);
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

/// The analysis the index in `dir` was written with (this build's when it is empty).
pub(crate) fn stored_analysis(dir: &Path) -> Result<String> {
    if !dir.join("meta.json").exists() {
        return Ok(ANALYSIS.into());
    }
    let index = Index::open_in_dir(dir).map_err(err)?;
    let metas = index.load_metas().map_err(err)?;
    let empty = metas.segments.iter().all(|s| s.num_docs() == 0);
    Ok(match metas.payload {
        Some(analysis) => analysis,
        None if empty => ANALYSIS.into(),
        None => FIRST_ANALYSIS.into(),
    })
}

/// The error of a reader meeting an index an older analysis wrote (only a writer rebuilds it).
fn older_index(dir: &Path) -> Error {
    Error::Index(format!(
        "the keyword index in {} was written by an older folio; run `folio status` on its \
         data directory once (with no other folio process using it) to rebuild it",
        dir.display()
    ))
}

/// Rebuilds the index in `dir` from its stored chunks when it has folio's first schema. The new
/// index is built beside it and swapped in by two renames; an upgrade interrupted at any point
/// is finished or started over by the next open.
fn upgrade(dir: &Path) -> Result<()> {
    let building = dir.with_extension("upgrade");
    let old = dir.with_extension("old");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    if !dir.exists() && old.exists() {
        // Stopped between the two renames: the new index is complete.
        std::fs::rename(&building, dir).map_err(io(&building))?;
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    if !dir.join("meta.json").exists() {
        return Ok(());
    }
    let index = Index::open_in_dir(dir).map_err(err)?;
    if index.schema().get_field("language").is_ok() {
        return Ok(()); // this schema: an older analysis is replaced by a new generation
    }
    // Hold the old index's writer lock while copying, so no other process writes to it.
    let lock = take_writer(&index, dir)?;
    if building.exists() {
        std::fs::remove_dir_all(&building).map_err(io(&building))?;
    }
    let field = |name| index.schema().get_field(name).map_err(err);
    let (document_field, chunk_field) = (field("document_id")?, field("chunk")?);
    let mut rebuilt = KeywordStore::open_current(&building, true)?;
    let searcher = index.reader().map_err(err)?.searcher();
    // Document by document, so each chunk's language can fall back to its document's.
    let mut chunks = 0usize;
    for id in live_documents(&searcher, document_field)? {
        let of_document = document_chunks(&searcher, document_field, chunk_field, &id)?;
        chunks += of_document.len();
        rebuilt.add(&of_document)?;
    }
    rebuilt.commit()?;
    drop((rebuilt, searcher, lock, index));
    std::fs::rename(dir, &old).map_err(io(dir))?;
    std::fs::rename(&building, dir).map_err(io(&building))?;
    std::fs::remove_dir_all(&old).map_err(io(&old))?;
    tracing::info!(
        chunks,
        "keyword index rebuilt with the language-aware analysis"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::doc;

    fn chunk(id: &str, text: &str) -> Chunk {
        Chunk {
            id: id.into(),
            document_id: "doc_a".into(),
            index: 0,
            text: text.into(),
            headings: vec!["Printing".into()],
            pages: vec![3],
            block_ids: Vec::new(),
            boxes: Vec::new(),
            tokens: 12,
        }
    }

    /// An index as folio wrote it before the language-aware analysis: one plain-token field
    /// per text, no language, no commit payload.
    fn write_first_format(dir: &Path, chunks: &[Chunk]) {
        let mut builder = Schema::builder();
        let indexed = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenize::NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let document_id = builder.add_text_field("document_id", STRING | STORED);
        let chunk_id = builder.add_text_field("chunk_id", STRING);
        let text = builder.add_text_field("text", indexed.clone());
        let headings = builder.add_text_field("headings", indexed);
        let stored = builder.add_text_field("chunk", STORED);
        std::fs::create_dir_all(dir).expect("dir");
        let index = Index::create_in_dir(dir, builder.build()).expect("create");
        index
            .tokenizers()
            .register(tokenize::NAME, FolioTokenizer { fold: true });
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15 << 20).expect("writer");
        for c in chunks {
            writer
                .add_document(doc!(
                    document_id => c.document_id.as_str(),
                    chunk_id => c.id.as_str(),
                    text => c.text.as_str(),
                    headings => c.headings.join(" › "),
                    stored => serde_json::to_string(c).expect("json"),
                ))
                .expect("add");
        }
        writer.commit().expect("commit");
    }

    #[test]
    fn stemmed_words_match_and_an_older_index_is_rebuilt_on_open() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("keyword");
        write_first_format(
            &dir,
            &[
                chunk(
                    "doc_a:0",
                    "Unfortunately, this package destroys hyperlinks.",
                ),
                chunk(
                    "doc_a:1",
                    "Die Präambel enthält Befehle für das ganze Dokument.",
                ),
            ],
        );
        let refused = KeywordStore::open(&dir, false)
            .err()
            .expect("a reader cannot rebuild");
        assert!(refused.to_string().contains("folio status"), "{refused}");

        let store = KeywordStore::open(&dir, true).expect("rebuilt");
        assert_eq!(store.len(), 2);
        assert!(!dir.with_extension("upgrade").exists() && !dir.with_extension("old").exists());
        let ids = |store: &KeywordStore, q: &str| -> Vec<String> {
            let hits = store.search(q, 5, None).expect("search");
            hits.into_iter().map(|h| h.chunk.id).collect()
        };
        assert_eq!(ids(&store, "an unfortunate side effect"), vec!["doc_a:0"]);
        assert_eq!(ids(&store, "welcher Befehl"), vec!["doc_a:1"]);
        assert_eq!(
            ids(&store, "the"),
            Vec::<String>::new(),
            "stop words find nothing"
        );
        drop(store);

        // Opened again: nothing left to do, same contents.
        let store = KeywordStore::open(&dir, true).expect("reopen");
        assert_eq!(store.len(), 2);
        drop(store);

        // The same fields written by another analysis: kept as they are, by readers and
        // writers alike (a new generation replaces them), and still stamped so after a write.
        let index = Index::open_in_dir(&dir).expect("index");
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15 << 20).expect("writer");
        let mut commit = writer.prepare_commit().expect("prepare");
        commit.set_payload("folio-analysis-0");
        commit.commit().expect("commit");
        drop((writer, index));
        assert_eq!(
            KeywordStore::open(&dir, false).expect("reader").analysis(),
            "folio-analysis-0"
        );
        let mut store = KeywordStore::open(&dir, true).expect("writer");
        assert_eq!(store.analysis(), "folio-analysis-0");
        assert_eq!(store.document_chunks("doc_a").expect("chunks").len(), 2);
        store.delete_document("doc_a").expect("delete");
        store.commit().expect("commit");
        drop(store);
        let store = KeywordStore::open(&dir, true).expect("writer");
        assert_eq!((store.analysis(), store.len()), ("folio-analysis-0", 0));
    }

    #[test]
    fn an_upgrade_stopped_between_its_renames_is_finished() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("keyword");
        write_first_format(
            &dir,
            &[chunk("doc_a:0", "Unfortunately, hyperlinks break.")],
        );
        // Build the new index beside the old one, then stop after the first rename.
        drop(KeywordStore::open(&dir, true).expect("upgrade"));
        std::fs::rename(&dir, dir.with_extension("upgrade")).expect("rename");
        write_first_format(&dir.with_extension("old"), &[]);
        let store = KeywordStore::open(&dir, true).expect("finished");
        assert_eq!(store.len(), 1);
        assert!(!dir.with_extension("old").exists());
        assert_eq!(
            store.search("unfortunate", 1, None).expect("search").len(),
            1
        );
    }
}
