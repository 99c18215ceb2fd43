//! folio turns PDFs and images into structured, cited JSON for retrieval-augmented
//! applications.
//!
//! The library is a chain of stages, each in its own module (see `ARCHITECTURE.md`):
//! [`source`] sniffs and hashes the input, [`pdf`] and [`image`] read pages, [`ocr`] reads
//! scans, [`layout`] finds typed regions, [`structure`] finds lines, reading order and typed
//! blocks (and [`table`] their cells), and [`pipeline`] runs them as configured in
//! `pipelines/*.toml`, producing a [`document::Document`]. [`models`] locates and verifies the
//! native libraries and model files fetched by `models/fetch`. [`chunk`], [`embed`] and
//! [`index`] turn documents into searchable chunks, kept (with the [`catalog`]) by
//! [`ingest`] in the data directory or, as [`storage`] configures, in PostgreSQL and Qdrant
//! shared by many processes; [`api`] serves it all over HTTP.
//!
//! ```no_run
//! use folio::{pipeline::{ExtractOptions, Extractor, PipelineConfig}, models::ModelStore, source::Source};
//! let extractor = Extractor::new(ModelStore::locate()?);
//! let source = Source::from_path("paper.pdf".as_ref(), folio::source::DEFAULT_MAX_BYTES)?;
//! let doc = extractor.extract(&source, &ExtractOptions::new(PipelineConfig::load("fast")?))?;
//! println!("{}", folio::structure::to_markdown(&doc));
//! # Ok::<(), folio::Error>(())
//! ```

pub mod api;
pub mod catalog;
pub mod chunk;
pub mod document;
pub mod embed;
pub mod error;
pub mod image;
pub mod index;
pub mod ingest;
pub mod layout;
pub mod models;
pub mod ocr;
pub mod pdf;
pub mod pipeline;
pub mod raster;
pub mod runtime;
pub mod source;
pub mod storage;
pub mod structure;
pub mod table;

pub use error::{Error, Result};
