//! `folio query TEXT --data DIR`: ranked chunks from the stores.

use folio::embed::{self, Embedder};
use folio::index::{self, Mode};
use folio::ingest::Store;
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
}

use std::path::PathBuf;

pub fn run(args: QueryArgs) -> anyhow::Result<String> {
    let data = args.data.clone().unwrap_or_else(super::default_data_dir);
    anyhow::ensure!(
        data.join("catalog.sqlite").exists(),
        "no stores in {} (run `folio ingest PATH --data {}` first)",
        data.display(),
        data.display()
    );
    anyhow::ensure!(
        (1..=1000).contains(&args.top_k),
        "--top-k must be between 1 and 1000"
    );
    let mode: Mode = args.mode.parse()?;
    let store = Store::open_read_only(&data, embed::DIM)?;
    let filtered =
        !(args.documents.is_empty() && args.media_types.is_empty() && args.path_prefix.is_none());
    let allowed = filtered
        .then(|| {
            store.catalog.select(
                &args.media_types,
                args.path_prefix.as_deref(),
                &args.documents,
            )
        })
        .transpose()?;
    let query_vector = match mode {
        Mode::Keyword => None,
        _ => {
            let embedder = Embedder::load(&ModelStore::locate()?, Device::Auto, 2)?;
            embedder.embed(&[args.text.as_str()])?.into_iter().next()
        }
    };
    let hits = index::search(
        &store.keyword,
        store.vectors.as_ref(),
        &args.text,
        query_vector.as_deref(),
        mode,
        args.top_k,
        allowed.as_ref(),
    )?;
    let mut results = Vec::with_capacity(hits.len());
    for hit in hits {
        let (filename, path) = store.catalog.origin(&hit.chunk.document_id)?;
        results.push((hit, filename, path));
    }
    if args.json {
        let list: Vec<serde_json::Value> = results
            .iter()
            .map(|(hit, filename, path)| {
                json!({
                    "score": hit.score,
                    "chunk": hit.chunk,
                    "document": {"id": hit.chunk.document_id, "filename": filename, "path": path},
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&json!({ "results": list }))? + "\n");
    }
    let mut out = String::new();
    for (rank, (hit, filename, _)) in results.iter().enumerate() {
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
