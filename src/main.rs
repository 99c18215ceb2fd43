//! The `folio` command line: a thin shell over the library.

mod commands;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use folio::models::{FileStatus, ModelStore};
use folio::pipeline::{ExtractOptions, Extractor, PageRange, PipelineConfig, DEFAULT_PIPELINE};
use folio::source::{Source, DEFAULT_MAX_BYTES};
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "folio",
    version,
    about = "PDFs and images to structured, cited JSON"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract one document to stdout.
    Extract(ExtractArgs),
    /// Extract, chunk, embed and index files and folders into a data directory.
    Ingest(commands::ingest::IngestArgs),
    /// Search the data directory: ranked chunks with their source.
    Query(commands::query::QueryArgs),
    /// What a data directory holds, and whether its stores agree.
    Status(commands::status::StatusArgs),
    /// Serve the HTTP API: upload documents, retrieve chunks, embeddings, jobs.
    Serve(commands::serve::ServeArgs),
    /// Build the next generation of a Qdrant index from the stored documents, then switch
    /// searches over to it without downtime.
    Reindex(commands::reindex::ReindexArgs),
    /// Inspect the native libraries and model files.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Print the JSON Schema of the document model.
    Schema,
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// The PDF or image (PNG, JPEG, TIFF, WebP, BMP); its type is read from its content.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Pipeline name (see pipelines/) or path to a pipeline .toml file.
    #[arg(long, default_value = DEFAULT_PIPELINE)]
    pipeline: String,
    /// Pages to extract, e.g. 1-3,5,8-
    #[arg(long)]
    pages: Option<String>,
    /// Password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
    /// Time limit for the document in seconds (default: the pipeline's).
    #[arg(long)]
    timeout: Option<f64>,
    /// Write DIR/NAME.json and DIR/NAME.md instead of printing, and print a summary line.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Where models run: auto, cpu, cuda or cuda:N (default: the pipeline's).
    #[arg(long)]
    device: Option<String>,
    /// OCR pages without a usable text layer (auto), every page (always) or none (never).
    #[arg(long, value_parser = ["auto", "always", "never"])]
    ocr: Option<String>,
    /// Markdown and text keep page furniture (running headers, footers, page numbers) and
    /// table-of-contents page labels: everything printed on the pages, as pdftotext gives it.
    /// JSON always has them.
    #[arg(long)]
    furniture: bool,
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// List every model and library with its hash status.
    Check,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Markdown,
    Text,
}

fn main() -> ExitCode {
    bound_heap_growth();
    let cli = Cli::parse();
    match &cli.command {
        // A server logs its requests and jobs; the batch commands only what goes wrong.
        Command::Serve(args) => init_logging(
            "info,tantivy=warn,ort=warn",
            commands::serve::wants_json_logs(args),
        ),
        _ => init_logging("warn", false),
    }
    match cli.command {
        Command::Serve(args) => match commands::serve::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Extract(args) => extract(args),
        Command::Ingest(args) => match commands::ingest::run(args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Status(args) => match commands::status::run(args) {
            Ok((out, consistent)) => match print_out(&out) {
                code if consistent => code,
                _ => ExitCode::FAILURE,
            },
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Reindex(args) => match commands::reindex::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Query(args) => match commands::query::run(args) {
            Ok(out) => print_out(&out),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Models {
            command: ModelsCommand::Check,
        } => models_check(),
        Command::Schema => print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&folio::document::json_schema()).unwrap_or_default()
        )),
    }
}

/// glibc raises its mmap threshold as large blocks are freed (up to 32 MiB), after which page
/// bitmaps and model tensors are carved from the heap and fragment it: on a 500-page scan RSS
/// crept from 0.8 to 1.7 GiB. A fixed 4 MiB threshold returns every large block to the system
/// when freed, so memory stays flat with the page count.
fn bound_heap_growth() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: mallopt only changes allocator tuning; called before any thread starts.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 4 << 20);
        }
    }
}

/// Logs to stderr, filtered by `FOLIO_LOG` (default `default_level`), as text or JSON lines.
fn init_logging(default_level: &str, json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FOLIO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if json {
        builder.json().with_current_span(true).init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

fn extract(args: ExtractArgs) -> ExitCode {
    let file = args.file.display().to_string();
    match run_extract(&args) {
        Ok(out) => print_out(&out),
        Err(e) => {
            eprintln!("error: {file}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_extract(args: &ExtractArgs) -> anyhow::Result<String> {
    let pipeline = PipelineConfig::load(&args.pipeline)?;
    let mut options = ExtractOptions::new(pipeline);
    options.password = args.password.clone();
    options.ocr = args.ocr.as_deref().map(str::parse).transpose()?;
    options.device = args.device.as_deref().map(str::parse).transpose()?;
    options.pages = args
        .pages
        .as_deref()
        .map(str::parse::<PageRange>)
        .transpose()?;
    if let Some(secs) = args.timeout {
        anyhow::ensure!(
            secs > 0.0 && secs.is_finite(),
            "--timeout must be a positive number of seconds"
        );
        options.timeout = Some(Duration::from_secs_f64(secs));
    }
    let progress = std::sync::Arc::new(folio::pipeline::Progress::default());
    options.progress = Some(progress.clone());
    watchdog(&args.file, options.clone(), progress);
    let source = Source::from_path(
        &args.file,
        options.pipeline.limits.max_bytes.min(DEFAULT_MAX_BYTES),
    )?;
    let extractor = Extractor::new(ModelStore::locate()?);
    let doc = extractor.extract(&source, &options)?;
    // The process ends after this document: the OS takes the models' memory back at once,
    // where dropping the sessions frees every block of their arenas first (4 % of the CPU a
    // one-page scan costs).
    std::mem::forget(extractor);
    let render = folio::structure::Render {
        furniture: args.furniture,
    };
    if let Some(dir) = &args.out {
        return write_outputs(dir, &args.file, &doc, render);
    }
    Ok(match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&doc).context("serialising the document")? + "\n"
        }
        Format::Markdown => folio::structure::to_markdown_with(&doc, render),
        Format::Text => folio::structure::to_text_with(&doc, render),
    })
}

/// `--out DIR`: the JSON and the Markdown side by side; returns the summary line.
fn write_outputs(
    dir: &std::path::Path,
    file: &std::path::Path,
    doc: &folio::document::Document,
    render: folio::structure::Render,
) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| doc.id.clone());
    let json = dir.join(format!("{name}.json"));
    let md = dir.join(format!("{name}.md"));
    std::fs::write(&json, serde_json::to_string_pretty(doc)? + "\n")
        .with_context(|| format!("writing {}", json.display()))?;
    std::fs::write(&md, folio::structure::to_markdown_with(doc, render))
        .with_context(|| format!("writing {}", md.display()))?;
    Ok(format!(
        "{name:<44} pages={:<4} blocks={:<5} ms={}\n",
        doc.pages.len(),
        doc.blocks.len(),
        doc.stats.total_ms
    ))
}

/// The library checks its deadline between pages; this catches a single call that never
/// returns (a pathological page), so a script is never left waiting. The limit grows with
/// the page count, as the library's does.
fn watchdog(
    file: &std::path::Path,
    options: ExtractOptions,
    progress: std::sync::Arc<folio::pipeline::Progress>,
) {
    let file = file.display().to_string();
    let started = std::time::Instant::now();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        let (done, total) = progress.pages();
        let limit = options.deadline(total.map(|n| n as usize));
        if started.elapsed() > limit + Duration::from_secs(5).max(limit / 10) {
            eprintln!(
                "error: {file}: time limit of {:.1} s exceeded after {done} of {} pages",
                limit.as_secs_f64(),
                total.map_or("?".to_string(), |n| n.to_string())
            );
            std::process::exit(1);
        }
    });
}

fn models_check() -> ExitCode {
    let store = match ModelStore::locate() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut bad = 0;
    let mut out = format!(
        "models directory: {}\nexecution provider for models: {}\n",
        store.root().display(),
        if cfg!(feature = "cuda") {
            "CUDA when a device answers (device = auto | cuda | cuda:N), else CPU"
        } else {
            "CPU (this build has no CUDA support; build with --features cuda)"
        }
    );
    for f in store.files() {
        let status = match store.status(f) {
            FileStatus::Ok => "ok".to_string(),
            FileStatus::Missing => {
                bad += 1;
                "MISSING".to_string()
            }
            FileStatus::HashMismatch { .. } => {
                bad += 1;
                "HASH MISMATCH".to_string()
            }
            FileStatus::Unreadable(e) => {
                bad += 1;
                format!("UNREADABLE ({e})")
            }
        };
        out.push_str(&format!(
            "{:<30} {:<14} {}=={} {} [{}]\n",
            f.name, status, f.package, f.version, f.dest, f.licence
        ));
    }
    if bad > 0 {
        out.push_str(&format!(
            "{bad} file(s) missing or damaged: run `models/fetch`\n"
        ));
    }
    let code = print_out(&out);
    if bad > 0 {
        ExitCode::FAILURE
    } else {
        code
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print_out(s: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(s.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing output: {e}");
            ExitCode::FAILURE
        }
    }
}
