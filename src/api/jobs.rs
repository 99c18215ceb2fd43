//! Job workers and the `/v1/jobs` routes. A worker takes a job id from the queue, reads the
//! upload kept for it, extracts (and, when asked, chunks, embeds and indexes) the document,
//! records the outcome in the catalog, wakes requests waiting on it and delivers the
//! callback. Stopping the server puts running jobs back in the queue; they run again on the
//! next start.

use super::error::{ApiError, ErrorDetail};
use super::state::{AppState, Engine};
use super::tenants::Caller;
use crate::catalog::{FileRow, JobEnd, JobRow, JobState};
use crate::chunk::ChunkOptions;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::pipeline::{ExtractOptions, Progress};
use crate::source::Source;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::{debug, info, info_span, warn};
use utoipa::ToSchema;

/// A job as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    /// queued, running, succeeded, failed or cancelled.
    pub state: String,
    /// The document the upload is (known from its bytes before extraction).
    pub document_id: String,
    pub filename: Option<String>,
    pub media_type: String,
    pub bytes: u64,
    pub pipeline: String,
    /// Whether the document is chunked, embedded and indexed too.
    pub index: bool,
    pub pages_done: u32,
    pub pages_total: Option<u32>,
    /// RFC 3339 times.
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Milliseconds per stage, once finished.
    #[schema(value_type = Option<Object>)]
    pub timings_ms: Option<BTreeMap<String, u64>>,
    pub error: Option<ErrorDetail>,
    /// The server worker that runs it, or ran it last (host:process:tag).
    pub worker: Option<String>,
    /// Where to follow the job, and where its document will be.
    pub links: JobLinks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobLinks {
    pub job: String,
    /// The extracted document (`GET`), once the job succeeded.
    pub document: String,
}

/// The body of a `202 Accepted`.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobAccepted {
    pub job: JobView,
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the Unix epoch.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

impl JobView {
    pub fn new(job: &JobRow, live: Option<(u32, Option<u32>)>) -> Self {
        let (pages_done, pages_total) = live.unwrap_or((job.pages_done, job.pages_total));
        Self {
            id: job.id.clone(),
            state: job.state.as_str().to_string(),
            document_id: job.document_id.clone(),
            filename: job.filename.clone(),
            media_type: job.media_type.clone(),
            bytes: job.bytes,
            pipeline: job.pipeline.clone(),
            index: job.index,
            pages_done,
            pages_total,
            created_at: rfc3339(job.created_ms),
            started_at: job.started_ms.map(rfc3339),
            finished_at: job.finished_ms.map(rfc3339),
            timings_ms: job
                .timings
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok()),
            error: job.error_code.as_ref().map(|code| ErrorDetail {
                code: code.clone(),
                message: job.error.clone().unwrap_or_default(),
            }),
            worker: job.worker.clone(),
            links: JobLinks {
                job: format!("/v1/jobs/{}", job.id),
                document: format!("/v1/jobs/{}/document", job.id),
            },
        }
    }
}

/// What a finished job produced.
struct Finished {
    /// The document's JSON when it is not kept in the stores (`index = false`), or a batch
    /// line's response body.
    result: Option<Vec<u8>>,
    /// The extracted document (none for embeddings and retrieve lines).
    document: Option<Document>,
    timings: BTreeMap<String, u64>,
    /// A batch line's answer status; 400 and above end the line as failed with `error`.
    status: u16,
    error: Option<ErrorDetail>,
}

/// How long an idle worker waits before looking at the catalog again (an upload to this
/// server wakes it at once; one to another server sharing the catalog is seen by then).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// A worker thread: claims jobs from the catalog and runs them until the queue closes.
pub fn worker(state: Arc<AppState>, engine: Arc<Engine>, runtime: tokio::runtime::Handle) {
    while !state.queue.is_closed() {
        let busy = match busy_tenants(&state) {
            Ok(busy) => busy,
            Err(e) => {
                warn!("cannot count running jobs: {e}");
                Vec::new()
            }
        };
        let job = match state
            .catalog
            .claim_job(&state.owner, state.lease_until_ms(), &busy)
        {
            Ok(Some(job)) => job,
            Ok(None) => {
                state.queue.wait(IDLE_POLL);
                continue;
            }
            Err(e) => {
                warn!("cannot claim a job: {e}");
                state.queue.wait(IDLE_POLL * 4);
                continue;
            }
        };
        let span = info_span!("job", job = %job.id);
        let _guard = span.enter();
        let progress = state.queue.start(&job.id);
        // A cancellation asked while it waited is heard before any work.
        state
            .queue
            .renew(&state.catalog, &state.owner, state.lease_until_ms());
        if let Err(e) = run(&state, &engine, &job, &progress, &runtime) {
            warn!("job bookkeeping failed: {e}");
        }
        state.queue.done(&job.id);
    }
}

/// Tenants running as many jobs as their `concurrent_jobs` allows (across every server).
fn busy_tenants(state: &AppState) -> Result<Vec<String>> {
    let limits = state.access().job_limits();
    if limits.is_empty() {
        return Ok(Vec::new());
    }
    let running = state.catalog.running_by_tenant()?;
    Ok(limits
        .into_iter()
        .filter(|(tenant, limit)| {
            running
                .iter()
                .any(|(t, n)| t == tenant && *n >= *limit as u64)
        })
        .map(|(tenant, _)| tenant)
        .collect())
}

/// Renews the leases of this server's running jobs until the queue closes.
pub fn lease_keeper(state: Arc<AppState>) {
    let every = Duration::from_secs_f64((state.config.job_lease_seconds / 3.0).clamp(0.2, 2.0));
    while state.queue.wait_closed(every) {
        state
            .queue
            .renew(&state.catalog, &state.owner, state.lease_until_ms());
    }
}

fn run(
    state: &Arc<AppState>,
    engine: &Engine,
    job: &JobRow,
    progress: &Arc<Progress>,
    runtime: &tokio::runtime::Handle,
) -> Result<()> {
    let id = job.id.as_str();
    let started = Instant::now();
    let outcome = match job.kind.as_str() {
        "embeddings" | "retrieve" => Ok(answer(state, engine, job)),
        _ => process(state, engine, job, progress),
    };
    let (done, total) = progress.pages();
    let metrics = &state.metrics;
    let ended = match &outcome {
        Err(Error::Cancelled) if state.queue.is_lost(id) => {
            info!("another worker took the job over");
            return Ok(());
        }
        Err(Error::Cancelled) if state.stopping.load(Ordering::SeqCst) => {
            info!("server stopping: job goes back to the queue");
            state.catalog.requeue_job(id, &state.owner)?;
            return Ok(());
        }
        Ok(finished) => {
            state.catalog.job_progress(id, done, total)?;
            let timings = serde_json::to_string(&finished.timings).ok();
            if let Some(document) = &finished.document {
                metrics.pages.inc_by(document.pages.len() as u64);
            }
            for (stage, ms) in &finished.timings {
                metrics
                    .stage_seconds
                    .with_label_values(&[stage.as_str()])
                    .inc_by(*ms as f64 / 1000.0);
            }
            let line = job.batch_id.is_some();
            state.catalog.finish_job(
                id,
                &state.owner,
                &JobEnd {
                    state: match &finished.error {
                        None => JobState::Succeeded,
                        Some(_) => JobState::Failed,
                    },
                    error_code: finished.error.as_ref().map(|e| e.code.as_str()),
                    error: finished.error.as_ref().map(|e| e.message.as_str()),
                    timings: timings.as_deref(),
                    result: finished.result.as_deref(),
                    response_status: line.then_some(finished.status),
                },
            )?
        }
        Err(e) => {
            state.catalog.job_progress(id, done, total)?;
            let (status, code) = ApiError::classify(e);
            let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
                warn!("job failed: {e}");
                "internal error; the server log has the details".to_string()
            } else {
                e.to_string()
            };
            let end_state = match e {
                Error::Cancelled => JobState::Cancelled,
                _ => JobState::Failed,
            };
            state.catalog.finish_job(
                id,
                &state.owner,
                &JobEnd {
                    state: end_state,
                    error_code: Some(code),
                    error: Some(&message),
                    timings: None,
                    result: None,
                    // A line that ran and failed answers with its error's status; a
                    // cancelled one never answered.
                    response_status: (job.batch_id.is_some() && end_state == JobState::Failed)
                        .then(|| status.as_u16()),
                },
            )?
        }
    };
    let outcome_label = match &outcome {
        Ok(f) if f.error.is_none() => "succeeded",
        Ok(_) => "failed",
        Err(Error::Cancelled) => "cancelled",
        Err(_) => "failed",
    };
    // A batch's lines are many: the batch logs its start and end, its lines only at debug.
    match job.batch_id {
        None => info!(
            outcome = outcome_label,
            seconds = started.elapsed().as_secs_f64(),
            "job ended"
        ),
        Some(_) => debug!(
            outcome = outcome_label,
            seconds = started.elapsed().as_secs_f64(),
            "batch line ended"
        ),
    }
    // Only the lease holder ends a running job: a worker that lost its lease (it stalled
    // past it and another took over) records nothing and calls nobody back.
    if ended {
        self::ended(state, id, (job.kind == "document").then_some(outcome_label));
        // The batch's last line: the runner finishes the batch now rather than at its
        // next tick.
        if let Some(batch) = &job.batch_id {
            if !state.catalog.batch_open(batch).unwrap_or(true) {
                state.batch_wake.notify_one();
            }
        }
        if let Some(url) = &job.callback_url {
            let body = callback_body(state, id, outcome.ok().and_then(|f| f.document));
            runtime.spawn(deliver(state.clone(), url.clone(), body));
        }
    } else {
        warn!("the job was no longer this worker's to end");
    }
    Ok(())
}

fn process(
    state: &AppState,
    engine: &Engine,
    job: &JobRow,
    progress: &Arc<Progress>,
) -> Result<Finished> {
    let bytes = match (&job.batch_id, &job.body) {
        (Some(_), Some(body)) => line_file(state, job, body)?,
        _ => state.read_upload(&job.id)?,
    };
    let pipeline = engine
        .pipelines
        .get(&job.pipeline)
        .ok_or_else(|| Error::Pipeline(format!("unknown pipeline '{}'", job.pipeline)))?;
    let bytes: Arc<[u8]> = Arc::from(bytes);
    let source = Source::from_bytes(
        bytes.clone(),
        job.filename.clone(),
        pipeline.limits.max_bytes,
    )?;
    let mut options = ExtractOptions::new(pipeline.clone());
    options.password = job.password.clone();
    options.progress = Some(progress.clone());
    let document = engine.extractor.extract(&source, &options)?;
    let mut timings = document.stats.stage_ms.clone();
    // A batch line answers with the document's JSON; an upload keeps it with the job only
    // when it is not indexed.
    let result = match !job.index || job.batch_id.is_some() {
        true => Some(serde_json::to_vec(&document).map_err(|e| Error::Pipeline(e.to_string()))?),
        false => None,
    };
    if !job.index {
        return Ok(Finished {
            result,
            document: Some(document),
            timings,
            status: 200,
            error: None,
        });
    }
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let prepared = engine
        .ingestor()
        .prepare(&document, ChunkOptions::default())?;
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    if state.config.keep_originals {
        // Before the document: a crash between the two leaves bytes, never a document
        // whose pages cannot be drawn.
        state
            .catalog
            .put_original(&document.source.sha256, &bytes)?;
    }
    let t = Instant::now();
    {
        let mut store = engine.write_store();
        store.put(&document, &prepared.chunks, prepared.vectors)?;
        store.link_file(&FileRow {
            path: crate::catalog::tenant_path(&job.tenant, &format!("upload:{}", document.id)),
            document_id: Some(document.id.clone()),
            sha256: document.source.sha256.clone(),
            size: document.source.bytes,
            mtime: 0,
            status: "ok".into(),
        })?;
    }
    let ms = |d: Duration| d.as_millis() as u64;
    timings.insert("chunk".into(), ms(prepared.chunking));
    timings.insert("embed".into(), ms(prepared.embedding));
    timings.insert("index".into(), ms(t.elapsed()));
    Ok(Finished {
        result,
        document: Some(document),
        timings,
        status: 200,
        error: None,
    })
}

/// The bytes of the file a `/v1/documents` batch line names.
fn line_file(state: &AppState, job: &JobRow, body: &str) -> Result<Vec<u8>> {
    let file_id = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|b| b.get("file_id").and_then(|f| f.as_str()).map(String::from))
        .unwrap_or_default();
    state
        .catalog
        .api_file_content(&job.tenant, &file_id)?
        .ok_or_else(|| Error::Pipeline(format!("file {file_id} was deleted before its line ran")))
}

/// Runs an `/v1/embeddings` or `/v1/retrieve` batch line: its answer, success or not.
fn answer(state: &AppState, engine: &Engine, job: &JobRow) -> Finished {
    let t = Instant::now();
    let body: serde_json::Value = job
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    let answered = match job.kind.as_str() {
        "embeddings" => super::retrieve::embed_texts(state, engine, body)
            .and_then(|r| serde_json::to_vec(&r).map_err(ApiError::internal)),
        _ => serde_json::from_value(body)
            .map_err(|e| ApiError::invalid(e.to_string()))
            .and_then(|request| {
                super::retrieve::search(state, engine, Some(job.tenant.as_str()), request)
            })
            .and_then(|r| serde_json::to_vec(&r).map_err(ApiError::internal)),
    };
    let timings = BTreeMap::from([(job.kind.clone(), t.elapsed().as_millis() as u64)]);
    match answered {
        Ok(bytes) => Finished {
            result: Some(bytes),
            document: None,
            timings,
            status: 200,
            error: None,
        },
        Err(e) => Finished {
            result: None,
            document: None,
            timings,
            status: e.status.as_u16(),
            error: Some(ErrorDetail {
                code: e.code,
                message: e.message,
            }),
        },
    }
}

fn callback_body(state: &AppState, id: &str, document: Option<Document>) -> serde_json::Value {
    let job = state
        .catalog
        .job(id)
        .ok()
        .flatten()
        .map(|j| JobView::new(&j, None));
    serde_json::json!({ "job": job, "document": document })
}

/// POSTs a finished job to its callback URL, retrying with backoff (1, 2, 4… s) up to the
/// configured attempts; redirects are not followed.
pub(super) async fn deliver(state: Arc<AppState>, url: String, body: serde_json::Value) {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            warn!("callback client: {e}");
            return;
        }
    };
    let attempts = state.config.callback_attempts.max(1);
    for attempt in 0..attempts {
        match client.post(&url).json(&body).send().await {
            Ok(r) if r.status().is_success() => {
                info!(url = %url, "callback delivered");
                return;
            }
            Ok(r) => warn!(url = %url, status = %r.status(), attempt, "callback refused"),
            Err(e) => warn!(url = %url, attempt, "callback failed: {e}"),
        }
        if attempt + 1 < attempts {
            tokio::time::sleep(Duration::from_secs(1 << attempt.min(6))).await;
        }
    }
    warn!(url = %url, "callback given up after {attempts} attempts");
}

/// Job `id`, when it is the caller's tenant's (else 404, as if it did not exist).
fn job_row(state: &AppState, caller: &Caller, id: &str) -> std::result::Result<JobRow, ApiError> {
    state
        .catalog
        .job(id)?
        .filter(|j| *j.tenant == *caller.tenant)
        .ok_or_else(|| ApiError::not_found("job"))
}

/// The document JSON a succeeded job produced: kept with the job (`index = false`) or in
/// the stores.
pub fn result_json(
    state: &AppState,
    job_id: &str,
    document_id: &str,
) -> std::result::Result<Response, ApiError> {
    let json = match state.catalog.job_result(job_id)? {
        Some(json) => Some(json),
        None => state.catalog.document_json(document_id)?,
    };
    json.map(json_response)
        .ok_or_else(|| ApiError::not_found("document (deleted since)"))
}

/// What follows a job's end: its upload goes, the metric counts it, waiting requests wake.
/// (`outcome` counts a document; embeddings and retrieve lines are not documents.)
fn ended(state: &AppState, id: &str, outcome: Option<&str>) {
    state.remove_upload(id);
    if let Some(outcome) = outcome {
        state.metrics.documents.with_label_values(&[outcome]).inc();
    }
    let _ = state.finished.send(id.to_string());
}

/// The caller's job with its live progress.
pub fn view(state: &AppState, caller: &Caller, id: &str) -> std::result::Result<JobView, ApiError> {
    let job = job_row(state, caller, id)?;
    let live = (job.state == JobState::Running)
        .then(|| state.queue.progress(id))
        .flatten();
    Ok(JobView::new(&job, live))
}

/// A job: state, pages done and total, timings and error.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 401, description = "No or wrong API key", body = super::ErrorBody),
        (status = 404, description = "No such job", body = super::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_job(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> std::result::Result<Json<JobView>, ApiError> {
    Ok(Json(view(&state, &caller, &id)?))
}

/// Cancels a job: a queued job never runs, a running one stops at its next page.
#[utoipa::path(delete, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "Cancelled (or being cancelled); the job", body = JobView),
        (status = 401, description = "No or wrong API key", body = super::ErrorBody),
        (status = 404, description = "No such job", body = super::ErrorBody),
        (status = 409, description = "The job had already ended", body = super::ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel_job(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> std::result::Result<Json<JobView>, ApiError> {
    let job = job_row(&state, &caller, &id)?;
    if job.state.is_final() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "job_ended",
            format!("the job has already ended ({})", job.state.as_str()),
        ));
    }
    // A queued job ends here; a running one ends when its worker sees the request (at once
    // on this server, at its next lease renewal on another).
    if state.catalog.cancel_queued_job(&id)? {
        self::ended(&state, &id, Some("cancelled"));
    } else {
        state.catalog.request_cancel(&id)?;
        state.queue.cancel(&id);
    }
    Ok(Json(view(&state, &caller, &id)?))
}

/// The document a succeeded job produced (also at `/v1/documents/{document_id}` when it was
/// indexed).
#[utoipa::path(get, path = "/v1/jobs/{id}/document", tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The document", body = Document),
        (status = 401, description = "No or wrong API key", body = super::ErrorBody),
        (status = 404, description = "No such job, or it has not succeeded", body = super::ErrorBody)),
    security(("bearer" = [])))]
pub async fn job_document(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> std::result::Result<Response, ApiError> {
    let job = job_row(&state, &caller, &id)?;
    if job.state != JobState::Succeeded {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the job has no document ({})", job.state.as_str()),
        ));
    }
    result_json(&state, &id, &job.document_id)
}

/// Stored JSON bytes as a response.
pub fn json_response(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}
