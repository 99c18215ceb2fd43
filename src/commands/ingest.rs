//! `folio ingest PATH… --data DIR`: bulk, resumable ingest with a progress line.

use folio::chunk::ChunkOptions;
use folio::embed::{self, Embedder};
use folio::ingest::{regenerate, Event, Filter, IngestOptions, Ingestor, Outcome};
use folio::models::ModelStore;
use folio::pipeline::{ExtractOptions, Extractor, PipelineConfig};
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct IngestArgs {
    /// Files and folders (walked recursively) to ingest.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Data directory of the stores (default: $FOLIO_DATA, else ./folio-data).
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    storage: super::StorageArgs,
    /// Pipeline name (see pipelines/) or path to a pipeline .toml file.
    #[arg(long, default_value = folio::pipeline::DEFAULT_PIPELINE)]
    pipeline: String,
    /// Only files matching this glob (repeatable), e.g. '*.pdf' or 'reports/**'.
    #[arg(long)]
    include: Vec<String>,
    /// Skip files matching this glob (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// Files extracted at once.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Forget files under the given folders that no longer exist.
    #[arg(long)]
    prune: bool,
    /// Most tokens per chunk (the embedding model's tokenizer).
    #[arg(long, default_value_t = 256)]
    chunk_tokens: usize,
    /// Tokens of trailing sentences repeated in the next chunk.
    #[arg(long, default_value_t = 32)]
    overlap_tokens: usize,
    /// Where models run: auto, cpu, cuda or cuda:N (default: the pipeline's).
    #[arg(long)]
    device: Option<String>,
    /// Seconds one document may take, whatever its length (default: the pipeline's base
    /// plus its time per page).
    #[arg(long)]
    timeout: Option<f64>,
    /// The tenant the files belong to, for a server with `[[tenants]]` (its keys see them).
    #[arg(long, default_value = folio::catalog::DEFAULT_TENANT)]
    tenant: String,
}

/// Runs the ingest; the exit status is 0 when every file was stored (or unchanged or not a
/// document), 1 when any failed or the run could not start.
pub fn run(args: IngestArgs) -> anyhow::Result<bool> {
    let data = args.data.clone().unwrap_or_else(super::default_data_dir);
    let pipeline = PipelineConfig::load(&args.pipeline)?;
    let mut extract = ExtractOptions::new(pipeline);
    extract.device = args.device.as_deref().map(str::parse).transpose()?;
    if let Some(secs) = args.timeout {
        anyhow::ensure!(
            secs > 0.0 && secs.is_finite(),
            "--timeout must be a positive number of seconds"
        );
        extract.timeout = Some(Duration::from_secs_f64(secs));
    }
    anyhow::ensure!(
        folio::catalog::valid_tenant_name(&args.tenant),
        "--tenant must be 1-64 of a-z, 0-9, '-' and '_'"
    );
    anyhow::ensure!(
        args.chunk_tokens >= 32,
        "--chunk-tokens must be at least 32"
    );
    anyhow::ensure!(
        args.chunk_tokens <= embed::MAX_TOKENS,
        "--chunk-tokens must be at most {} (the embedding model's input)",
        embed::MAX_TOKENS
    );
    let filter = Filter::new(&args.include, &args.exclude)?;
    let models = ModelStore::locate()?;
    let device = extract.device.unwrap_or(extract.pipeline.device);
    let embedder = Embedder::load(&models, device, 2)?;
    let counter = embedder.token_counter()?;
    let extractor = Extractor::new(models);
    let mut store = args.storage.config().open_store(&data, embed::DIM)?;
    if regenerate::outdated(&store) {
        eprintln!("the index was written by an older model or analysis: rebuilding it first");
        let done;
        (store, done) = regenerate::rebuild_now(store, &embedder, Duration::ZERO)?;
        eprintln!(
            "index generation {} built from {} documents in {:.1} s",
            done.live, done.documents, done.seconds
        );
    }
    let options = IngestOptions {
        extract,
        chunk: ChunkOptions {
            max_tokens: args.chunk_tokens,
            overlap_tokens: args.overlap_tokens,
        },
        jobs: args.jobs,
        prune: args.prune,
        tenant: args.tenant.clone(),
    };
    let ingestor = Ingestor {
        extractor: &extractor,
        embedder: &embedder,
        counter: &counter,
    };
    let mut progress = Progress::new();
    let summary = ingestor.run(&mut store, &args.paths, &filter, &options, &mut |e| {
        progress.on(e)
    })?;
    progress.finish();
    // Leave the stores complete: vectors a capped commit did not link go into the graph now.
    store.finish()?;
    let secs = summary.elapsed.as_secs_f64();
    eprintln!(
        "ingested into {}: {} indexed, {} unchanged, {} not documents, {} failed, {} pruned; {} pages, {} chunks in {:.1} s ({:.1} pages/s)",
        data.display(),
        summary.indexed,
        summary.unchanged,
        summary.unsupported,
        summary.failed,
        summary.pruned,
        summary.pages,
        summary.chunks,
        secs,
        summary.pages as f64 / secs.max(1e-9)
    );
    eprintln!("skipped: {}", summary.skipped);
    if summary.elsewhere > 0 {
        eprintln!(
            "left to other ingests sharing the catalog: {} files",
            summary.elsewhere
        );
    }
    eprintln!(
        "time: extract {:.1} s (summed over jobs), chunk {:.1} s, embed {:.1} s, write {:.1} s",
        summary.extract.as_secs_f64(),
        summary.chunking.as_secs_f64(),
        summary.embedding.as_secs_f64(),
        summary.writing.as_secs_f64()
    );
    for (path, error) in &summary.failures {
        eprintln!("failed: {}: {error}", path.display());
    }
    Ok(summary.failed == 0)
}

/// A progress line on a terminal (files, pages/s, ETA); a log line every 10 s otherwise.
struct Progress {
    tty: bool,
    total: usize,
    done: usize,
    pages: u64,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            total: 0,
            done: 0,
            pages: 0,
            started: Instant::now(),
            last: Instant::now(),
        }
    }

    fn on(&mut self, event: Event) {
        match event {
            Event::Planned { files } => self.total = files,
            Event::File { path, outcome } => {
                self.done += 1;
                if let Outcome::Indexed { pages, .. } = outcome {
                    self.pages += u64::from(*pages);
                }
                if let Outcome::Failed(e) = outcome {
                    self.clear();
                    eprintln!("failed: {}: {e}", path.display());
                }
                self.draw();
            }
        }
    }

    fn draw(&mut self) {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.done as f64 / elapsed;
        let eta = if rate > 0.0 {
            (self.total - self.done) as f64 / rate
        } else {
            0.0
        };
        let line = format!(
            "[{}/{} files] {:.1} pages/s, ETA {}",
            self.done,
            self.total,
            self.pages as f64 / elapsed,
            clock(Duration::from_secs_f64(eta))
        );
        if self.tty {
            eprint!("\r\x1b[2K{line}");
            let _ = std::io::stderr().flush();
        } else if self.last.elapsed() >= Duration::from_secs(10) || self.done == self.total {
            eprintln!("{line}");
            self.last = Instant::now();
        }
    }

    fn clear(&self) {
        if self.tty {
            eprint!("\r\x1b[2K");
        }
    }

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}
