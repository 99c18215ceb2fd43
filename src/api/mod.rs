//! The HTTP API (axum): upload documents and get structured JSON (synchronously or through
//! durable jobs), list, fetch and delete them, retrieve chunks for RAG, embed texts, and the
//! operations routes (health, readiness, Prometheus metrics, OpenAPI). Thin over `ingest`,
//! `index` and `catalog`: the handlers parse, check limits and map errors; the work is the
//! library's.

mod auth;
mod batch_runner;
mod batches;
mod config;
mod documents;
mod error;
mod files;
mod inspector;
mod jobs;
mod listen;
mod metrics;
mod models;
mod openapi;
mod ops;
mod pages;
mod paging;
mod queue;
mod retrieve;
mod state;
mod tenants;
mod upload;

pub use config::{Limits, ServerConfig, TenantConfig, TenantLimits};
pub use error::{ApiError, ErrorBody};
pub use listen::Tls;
pub use retrieve::MODEL_NAME;

use crate::error::{Error, Result};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use openapi::Security;
use state::{AppState, Engine};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use std::time::Instant;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use tracing::{error, info, info_span, warn};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Builds this build's generation of the embedded index in the background while the live
/// one answers searches, then drops the old one after its grace period (a build cut short
/// by a stop is started over at the next start).
fn regenerate(engine: &Engine, grace_seconds: f64) {
    use crate::ingest::regenerate::{expire, rebuild};
    let grace = std::time::Duration::from_secs_f64(grace_seconds);
    match rebuild(&engine.store, &engine.embedder, grace) {
        Ok(done) => {
            info!(
                generation = %done.live,
                replaced = %done.replaced,
                documents = done.documents,
                seconds = done.seconds,
                "the new index generation answers searches"
            );
            match expire(&engine.store, grace) {
                Ok(dropped) => info!(?dropped, "old index generation deleted"),
                Err(e) => error!("could not delete the old index generation: {e}"),
            }
        }
        Err(e) => {
            error!("building the new index generation failed (the old one still answers): {e}")
        }
    }
}

/// Room for multipart framing on top of the upload limit.
const MULTIPART_SLACK: u64 = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "folio",
        description = "PDFs and images to structured, cited JSON; retrieval for RAG applications."
    ),
    modifiers(&Security),
    tags(
        (name = "documents", description = "Upload, list, fetch and delete documents"),
        (name = "jobs", description = "Asynchronous extraction jobs"),
        (name = "retrieval", description = "Search chunks and embed texts"),
        (name = "files", description = "OpenAI-style files: batch input, documents for batch lines, batch output"),
        (name = "batches", description = "OpenAI-style batches of /v1/documents, /v1/embeddings and /v1/retrieve requests"),
        (name = "models", description = "The embedding model and the pipelines, as OpenAI lists models"),
        (name = "operations", description = "Health, readiness, metrics, this document")
    )
)]
struct ApiDoc;

/// The routes, and the OpenAPI document built from the same list.
fn routes() -> (Router<Arc<AppState>>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(upload::upload, documents::list))
        .routes(routes!(documents::get, documents::delete))
        .routes(routes!(documents::markdown))
        .routes(routes!(pages::image))
        .routes(routes!(jobs::get_job, jobs::cancel_job))
        .routes(routes!(jobs::job_document))
        .routes(routes!(retrieve::retrieve))
        .routes(routes!(retrieve::embeddings))
        .routes(routes!(files::upload, files::list))
        .routes(routes!(files::get, files::delete))
        .routes(routes!(files::content))
        .routes(routes!(batches::create, batches::list))
        .routes(routes!(batches::get))
        .routes(routes!(batches::cancel))
        .routes(routes!(models::list))
        .routes(routes!(models::get))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(ops::openapi))
        .split_for_parts()
}

/// The OpenAPI document, as `/openapi.json` serves it.
pub fn openapi_document() -> serde_json::Value {
    openapi::finish(routes().1)
}

/// Counts and times every routed request.
async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().as_str().to_string();
    let t = Instant::now();
    let response = next.run(request).await;
    let m = &state.metrics;
    m.requests
        .with_label_values(&[route.as_str(), method.as_str(), response.status().as_str()])
        .inc();
    m.latency
        .with_label_values(&[route.as_str(), method.as_str()])
        .observe(t.elapsed().as_secs_f64());
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

fn app(state: Arc<AppState>) -> Router {
    let (router, _) = routes();
    // Each route checks its own limit (uploads, batch input files); this bounds them all.
    let limits = &state.config.limits;
    let body_limit =
        (limits.max_upload_bytes.max(limits.max_batch_input_bytes) + MULTIPART_SLACK) as usize;
    // Route layers run after routing (so `track` knows the route); the later one wraps the
    // earlier, so 401s are counted too. Unrouted paths get the 404 fallback.
    router
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_key,
        ))
        .route_layer(middleware::from_fn_with_state(state.clone(), track))
        .merge(inspector::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
            })
            .on_response(DefaultOnResponse::new().level(Level::INFO))
            // Failures are logged where they happen (`ApiError::internal`), with their cause.
            .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Forgets jobs past their retention, and uploads no unfinished job refers to (a crash
/// between storing an upload and recording its job leaves one).
fn tidy(state: &AppState) -> Result<()> {
    let now = crate::catalog::now_ms();
    let keep_ms = (state.config.job_retention_days * 86_400_000.0) as i64;
    let pruned = state.catalog.prune_jobs(now.saturating_sub(keep_ms))?;
    // Ended batches (their output files stay until deleted).
    state.catalog.prune_batches(now.saturating_sub(keep_ms))?;
    // An hour old: never an upload whose job is being recorded right now (on any server).
    let mut stray = state.catalog.delete_stray_uploads(now - 3_600_000)? as usize;
    if let Some(dir) = &state.uploads {
        let open: std::collections::HashSet<String> = state
            .catalog
            .unfinished_jobs()?
            .into_iter()
            .map(|j| j.id)
            .collect();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !open.contains(&name) && std::fs::remove_file(entry.path()).is_ok() {
                stray += 1;
            }
        }
    }
    if pruned + stray > 0 {
        info!(
            jobs = pruned,
            uploads = stray,
            "forgot old jobs and stray uploads"
        );
    }
    Ok(())
}

/// Settings `serve` takes again while it runs (SIGHUP): the key table and the TLS files.
pub type Reloads = tokio::sync::mpsc::UnboundedReceiver<ServerConfig>;

/// Serves on `listener` (HTTPS when the config names a certificate) until `shutdown`
/// completes: models load in the background (the server answers `/readyz` with 503
/// meanwhile), then queued and interrupted jobs resume. On shutdown, requests waiting on
/// jobs answer 202 at once, running jobs go back to the queue (they resume on the next
/// start), requests in flight get `shutdown_seconds` to finish, and whatever is still
/// running then is left: the process is gone within that bound.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    mut reloads: Reloads,
) -> Result<()> {
    config.validate()?;
    let access = tenants::Access::from_config(&config)?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(Tls::load(cert, key)?)),
        _ => None,
    };
    let catalog = config.storage.open_catalog(&config.data)?;
    // Uploads wait where every server sharing the queue can read them.
    let uploads = match catalog.is_shared() {
        true => None,
        false => {
            let dir = config.data.join("uploads");
            std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            Some(dir)
        }
    };
    let metrics = metrics::Metrics::new().map_err(|e| Error::Pipeline(e.to_string()))?;
    let grace = Duration::from_secs_f64(config.shutdown_seconds);
    let state = Arc::new(AppState {
        queue: queue::JobQueue::default(),
        queries: tokio::sync::Semaphore::new(config.limits.concurrent_queries),
        config,
        engine: OnceLock::new(),
        catalog,
        metrics,
        finished: tokio::sync::broadcast::channel(1024).0,
        stopping: Default::default(),
        uploads,
        owner: crate::catalog::worker_identity(),
        openapi: openapi_document(),
        access: std::sync::RwLock::new(Arc::new(access)),
        stop: tokio::sync::watch::channel(false).0,
        batch_wake: tokio::sync::Notify::new(),
        page_images: Default::default(),
    });

    // Load the models, then start the workers on the jobs found unfinished.
    let loader_state = state.clone();
    let runtime = tokio::runtime::Handle::current();
    let loader =
        tokio::task::spawn_blocking(move || -> Result<Vec<std::thread::JoinHandle<()>>> {
            let t = Instant::now();
            let engine = Arc::new(Engine::load(&loader_state.config)?);
            let catalog = &loader_state.catalog;
            // Only this process uses an embedded catalog: what it finds running was
            // interrupted. Jobs on a shared one resume when their lease runs out.
            if !catalog.is_shared() {
                let resumed = catalog.requeue_all_running()?;
                if resumed > 0 {
                    info!(jobs = resumed, "resuming interrupted jobs");
                }
            }
            tidy(&loader_state)?;
            let _ = loader_state.engine.set(engine.clone());
            info!(seconds = t.elapsed().as_secs_f64(), "models loaded; ready");
            let mut workers: Vec<std::thread::JoinHandle<()>> =
                (0..loader_state.config.limits.concurrent_jobs)
                    .map(|_| {
                        let (s, e, r) = (loader_state.clone(), engine.clone(), runtime.clone());
                        std::thread::spawn(move || jobs::worker(s, e, r))
                    })
                    .collect();
            let keeper = loader_state.clone();
            workers.push(std::thread::spawn(move || jobs::lease_keeper(keeper)));
            if crate::ingest::regenerate::outdated(&engine.read_store()) {
                let grace = loader_state.config.generation_grace_seconds;
                std::thread::spawn(move || regenerate(&engine, grace));
            }
            Ok(workers)
        });

    let mut stopped = state.stop.subscribe();
    let server = tokio::spawn(listen::run(
        listener,
        app(state.clone()),
        tls.clone(),
        state.stop.subscribe(),
        grace,
    ));
    // The stop: a signal, or a start-up that failed.
    let stopper = state.clone();
    tokio::spawn(async move {
        shutdown.await;
        info!("stopping: waiting requests answer now, running jobs go back to the queue");
        stopper.stopping.store(true, Ordering::SeqCst);
        stopper.queue.close();
        let _ = stopper.stop.send(true);
    });
    // SIGHUP: new keys and certificates, without a restart.
    let reloader = state.clone();
    tokio::spawn(async move {
        while let Some(fresh) = reloads.recv().await {
            reload(&reloader, tls.as_deref(), &fresh);
        }
    });
    tokio::spawn(batch_runner::run(state.clone()));

    let workers = tokio::select! {
        loaded = loader => match loaded {
            Ok(Ok(workers)) => workers,
            Ok(Err(e)) => {
                error!("start-up failed: {e}");
                let _ = state.stop.send(true);
                let _ = server.await;
                return Err(e);
            }
            Err(e) => {
                let _ = state.stop.send(true);
                let _ = server.await;
                return Err(Error::Pipeline(format!("start-up failed: {e}")));
            }
        },
        _ = state::stopped(&mut stopped) => {
            let _ = tokio::time::timeout(grace, server).await;
            info!("stopped before the models were loaded");
            return Ok(());
        }
    };
    state::stopped(&mut stopped).await;
    let deadline = tokio::time::Instant::now() + grace;
    let _ = tokio::time::timeout_at(deadline, server).await;
    let joined = tokio::task::spawn_blocking(move || {
        for w in workers {
            let _ = w.join();
        }
    });
    match tokio::time::timeout_at(deadline, joined).await {
        Ok(_) => info!("stopped"),
        Err(_) => warn!(
            seconds = grace.as_secs_f64(),
            "a job did not stop within shutdown_seconds; it runs again on the next start"
        ),
    }
    Ok(())
}

/// Applies what a reload may change while serving: the key table and the TLS files. A bad
/// file keeps what was there.
fn reload(state: &AppState, tls: Option<&Tls>, fresh: &ServerConfig) {
    match tenants::Access::from_config(fresh) {
        Ok(access) => {
            *state.access.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(access);
            info!("API keys and tenants reloaded");
        }
        Err(e) => error!("keys not reloaded (the old ones stay): {e}"),
    }
    if let Some(tls) = tls {
        match tls.reload() {
            Ok(()) => info!("TLS certificate reloaded"),
            Err(e) => error!("TLS certificate not reloaded (the old one stays): {e}"),
        }
    }
}
