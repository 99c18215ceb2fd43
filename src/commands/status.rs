//! `folio status --data DIR`: what the stores hold, and whether they agree.

use folio::embed;
use folio::ingest::Store;
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
    let catalog = || storage.open_catalog(&data);
    let (store, busy) = match Store::open_with(&data, embed::DIM, catalog()?) {
        Ok(store) => (store, false),
        Err(folio::Error::Busy(_)) => (
            Store::open_read_only_with(&data, embed::DIM, catalog()?)?,
            true,
        ),
        Err(e) => return Err(e.into()),
    };
    let documents = store.catalog.documents_with_status("ok")?.len();
    let files = store.catalog.paths()?.len();
    let catalog = store.catalog.chunk_total()?;
    let keyword = store.keyword.len();
    let vectors = store.vectors.len() as u64;
    let consistent = busy || (catalog == keyword && keyword == vectors);
    let out = json!({
        "data": data.display().to_string(),
        "documents": documents,
        "files": files,
        "chunks": {"catalog": catalog, "keyword": keyword, "vector": vectors},
        "chunks_by_language": store.keyword.languages(),
        "consistent": consistent,
        "ingest_running": busy,
    });
    Ok((serde_json::to_string_pretty(&out)? + "\n", consistent))
}
