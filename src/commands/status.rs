//! `folio status --data DIR`: what the stores hold, and whether they agree.

use folio::embed;
use serde_json::json;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct StatusArgs {
    /// Data directory of the stores (default: $FOLIO_DATA, else ./folio-data).
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    storage: super::StorageArgs,
}

/// Prints documents, files and chunk counts per store as JSON; fails when the stores
/// disagree (not judged while an ingest is writing).
pub fn run(args: StatusArgs) -> anyhow::Result<(String, bool)> {
    let data = args.data.unwrap_or_else(super::default_data_dir);
    let storage = args.storage.config();
    anyhow::ensure!(
        storage.catalog_url()?.is_shared() || data.join("catalog.sqlite").exists(),
        "no stores in {}",
        data.display()
    );
    // Opening for writing repairs what a crash left; while an ingest holds the writer lock,
    // look without repairing.
    let (store, busy) = match storage.open_store(&data, embed::DIM) {
        Ok(store) => (store, false),
        Err(folio::Error::Busy(_)) => (storage.open_store_read_only(&data, embed::DIM)?, true),
        Err(e) => return Err(e.into()),
    };
    let documents = store.catalog.documents_with_status("ok")?.len();
    let files = store.catalog.paths()?.len();
    let catalog = store.catalog.chunk_total()?;
    let mut chunks = serde_json::Map::new();
    chunks.insert("catalog".into(), catalog.into());
    let counts = store.chunks.counts()?;
    for (name, n) in &counts {
        chunks.insert(name.to_string(), (*n).into());
    }
    let consistent = busy || counts.iter().all(|(_, n)| *n == catalog);
    let out = json!({
        "data": data.display().to_string(),
        "index": store.chunks.describe(),
        "documents": documents,
        "files": files,
        "chunks": chunks,
        "chunks_by_language": store.chunks.languages()?,
        "consistent": consistent,
        "ingest_running": busy,
    });
    Ok((serde_json::to_string_pretty(&out)? + "\n", consistent))
}
