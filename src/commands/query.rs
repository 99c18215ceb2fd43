//! `folio query TEXT --data DIR`: ranked chunks from the stores.

use folio::catalog::DocumentFilter;
use folio::embed::{self, Embedder};
use folio::index::Mode;
use folio::ingest::{Query, Retrieved, MAX_TOP_K};
use folio::models::ModelStore;
use folio::runtime::Device;
use serde_json::json;

#[derive(clap::Args)]
pub struct QueryArgs {
    /// What to look for.
    text: String,
    /// Data directory of the stores (default: $FOLIO_DATA, else ./folio-data).
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    storage: super::StorageArgs,
    /// Results to return.
    #[arg(long, default_value_t = 5)]
    top_k: usize,
    /// hybrid (keyword + vector, fused by reciprocal rank), vector or keyword.
    #[arg(long, default_value = "hybrid")]
    mode: String,
    /// Print JSON: {"results": [{"score", "chunk", "document": {"id", "filename", "path"}}]}.
    #[arg(long)]
    json: bool,
    /// Only these documents (repeatable).
    #[arg(long = "document")]
    documents: Vec<String>,
    /// Only documents of these media types (repeatable), e.g. application/pdf.
    #[arg(long = "media-type")]
    media_types: Vec<String>,
    /// Only documents ingested from under this path.
    #[arg(long)]
    path_prefix: Option<String>,
    /// Only documents whose metadata field KEY equals VALUE, ignoring case (repeatable), e.g.
    /// `--meta language=de`.
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = key_value)]
    metadata: Vec<(String, String)>,
    /// Search this index generation instead of the live one (see `folio reindex`).
    #[arg(long)]
    generation: Option<String>,
}

use std::path::PathBuf;

fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}

pub fn run(args: QueryArgs) -> anyhow::Result<String> {
    let data = args.data.clone().unwrap_or_else(super::default_data_dir);
    let storage = args.storage.config();
    anyhow::ensure!(
        storage.catalog_url()?.is_shared() || data.join("catalog.sqlite").exists(),
        "no stores in {} (run `folio ingest PATH --data {}` first)",
        data.display(),
        data.display()
    );
    anyhow::ensure!(
        (1..=MAX_TOP_K).contains(&args.top_k),
        "--top-k must be between 1 and {MAX_TOP_K}"
    );
    let mode: Mode = args.mode.parse()?;
    let store = storage.open_store_read_only(&data, embed::DIM)?;
    let filter = DocumentFilter {
        document_ids: args.documents.clone(),
        media_types: args.media_types.clone(),
        path_prefix: args.path_prefix.clone(),
        metadata: args.metadata.iter().cloned().collect(),
        tenant: None,
    };
    let query_vector = match mode {
        Mode::Keyword => None,
        _ => {
            let embedder = Embedder::load(&ModelStore::locate()?, Device::Auto, 2)?;
            embedder.embed(&[args.text.as_str()])?.into_iter().next()
        }
    };
    let query = Query {
        text: &args.text,
        mode,
        top_k: args.top_k,
        filter: &filter,
        generation: args.generation.as_deref(),
    };
    let found = store.retrieve(&query, query_vector.as_deref())?;
    let results = found.results;
    if args.json {
        let list: Vec<serde_json::Value> = results
            .iter()
            .map(|r| {
                json!({
                    "score": r.hit.score,
                    "chunk": r.hit.chunk,
                    "document": {"id": r.hit.chunk.document_id, "filename": r.filename, "path": r.path},
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(
            &json!({ "results": list, "generation": found.generation }),
        )? + "\n");
    }
    let mut out = String::new();
    for (rank, Retrieved { hit, filename, .. }) in results.iter().enumerate() {
        let pages = hit
            .chunk
            .pages
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        out.push_str(&format!(
            "{}. {} p.{}  score {:.4}{}\n",
            rank + 1,
            filename.as_deref().unwrap_or(&hit.chunk.document_id),
            pages,
            hit.score,
            if hit.chunk.headings.is_empty() {
                String::new()
            } else {
                format!("  [{}]", hit.chunk.headings.join(" › "))
            }
        ));
        for line in hit.chunk.text.lines() {
            out.push_str("   ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    if results.is_empty() {
        out.push_str("no results\n");
    }
    Ok(out)
}
