//! `folio reindex`: builds the next generation of the index (this build's embedding model and
//! analysis) while searches go on using the live one and new writes reach both; then switches
//! (searches move over at once) and drops the old generation after a grace period. On Qdrant
//! the documents the catalog keeps are chunked and embedded anew into a new collection; the
//! embedded index copies the live generation's chunks (embedding them anew when the model
//! changed) into a new folder of the data directory.

use folio::catalog::now_ms;
use folio::chunk::ChunkOptions;
use folio::document::Document;
use folio::embed::{self, Embedder};
use folio::ingest::{regenerate, Ingestor};
use folio::models::ModelStore;
use folio::pipeline::Extractor;
use folio::runtime::Device;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct ReindexArgs {
    /// Data directory (holds the catalog unless --catalog names a shared one).
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    storage: super::StorageArgs,
    /// Seconds the previous generation is kept after the switch, for clients pinned to it.
    #[arg(long, default_value_t = 600.0)]
    grace_seconds: f64,
    /// Most tokens per chunk (as `folio ingest`; Qdrant only: the embedded index copies its
    /// chunks as they are).
    #[arg(long, default_value_t = 256)]
    chunk_tokens: usize,
    /// Tokens of trailing sentences repeated in the next chunk.
    #[arg(long, default_value_t = 32)]
    overlap_tokens: usize,
}

pub fn run(args: ReindexArgs) -> anyhow::Result<()> {
    let data = args.data.clone().unwrap_or_else(super::default_data_dir);
    let storage = args.storage.config();
    let Some(index) = storage.open_qdrant(embed::DIM)? else {
        return embedded(&args, &data);
    };
    let catalog = storage.open_catalog(&data)?;
    let models = ModelStore::locate()?;
    let embedder = Embedder::load(&models, Device::Auto, 2)?;
    let counter = embedder.token_counter()?;
    let extractor = Extractor::new(models);
    let ingestor = Ingestor {
        extractor: &extractor,
        embedder: &embedder,
        counter: &counter,
    };
    let options = ChunkOptions {
        max_tokens: args.chunk_tokens,
        overlap_tokens: args.overlap_tokens,
    };
    let live = index.live()?;
    let next = index.start_generation()?;
    eprintln!("building {next} while {live} answers searches");
    let rebuild = |id: &str| -> anyhow::Result<()> {
        let Some(json) = catalog.document_json(id)? else {
            return Ok(()); // removed meanwhile
        };
        let document: Document = serde_json::from_slice(&json)?;
        let prepared = ingestor.prepare(&document, options)?;
        index.put_into(&next, id, &prepared.chunks, &prepared.vectors)?;
        if let Some(fields) = catalog.fields(id)? {
            index.set_fields_in(&next, id, &fields)?;
        }
        Ok(())
    };
    let t = Instant::now();
    let started_s = now_ms() / 1000;
    let ids = catalog.documents_with_status("ok")?;
    for (n, id) in ids.iter().enumerate() {
        rebuild(id)?;
        if (n + 1) % 50 == 0 || n + 1 == ids.len() {
            eprintln!("{} of {} documents", n + 1, ids.len());
        }
    }
    // Documents stored from now on reach both generations; ones stored while the list was
    // being read are done again.
    let recent = catalog.documents_updated_since(started_s - 1)?;
    for id in &recent {
        rebuild(id)?;
    }
    let old = index.go_live(&next)?;
    eprintln!(
        "{next} is live ({} documents in {:.1} s)",
        ids.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(old) = old {
        eprintln!(
            "keeping {old} for {} s for clients pinned to it",
            args.grace_seconds
        );
        std::thread::sleep(Duration::from_secs_f64(args.grace_seconds.max(0.0)));
        index.drop_collection(&old)?;
        eprintln!("dropped {old}");
    }
    Ok(())
}

/// Rebuilds the embedded index of the data directory, which no other process may be writing.
fn embedded(args: &ReindexArgs, data: &std::path::Path) -> anyhow::Result<()> {
    let store = match args.storage.config().open_store(data, embed::DIM) {
        Err(folio::Error::Busy(_)) => anyhow::bail!(
            "{} is being written by another folio process; a `folio serve` builds the new \
             generation itself when a build with a new model or analysis starts on it, so \
             stop the other process to reindex now",
            data.display()
        ),
        other => other?,
    };
    let embedder = Embedder::load(&ModelStore::locate()?, Device::Auto, 2)?;
    let live = store.chunks.describe();
    eprintln!("building a new generation while {live} answers searches");
    if args.grace_seconds > 0.0 {
        eprintln!(
            "the old generation is kept for {} s once the new one is live (interrupting then \
             is harmless: the next writer deletes it)",
            args.grace_seconds
        );
    }
    let grace = Duration::from_secs_f64(args.grace_seconds.max(0.0));
    let store = std::sync::RwLock::new(store);
    let done = regenerate::rebuild(&store, &embedder, grace)?;
    eprintln!(
        "{} is live ({} documents, {} chunks embedded anew, {:.1} s)",
        done.live, done.documents, done.embedded, done.seconds
    );
    for dropped in regenerate::expire(&store, grace)? {
        eprintln!("dropped {dropped}");
    }
    Ok(())
}
