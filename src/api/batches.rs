//! `/v1/batches`, in OpenAI's shapes, so the official SDKs' `batches.create/retrieve/list/
//! cancel` work unchanged. A batch names a `batch` file of JSONL request lines for one
//! endpoint (`/v1/documents`, `/v1/embeddings` or `/v1/retrieve`); the batch runner
//! (`batch_runner`) validates it, its lines run on the job workers, and it ends with an
//! output file and an error file.

use super::error::{ApiError, ErrorBody};
use super::paging::{page_limit, ListPage};
use super::state::{blocking, new_id, AppState};
use super::tenants::Caller;
use crate::catalog::{BatchRow, LineCounts};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// The endpoints a batch may run.
pub const ENDPOINTS: &[&str] = &["/v1/documents", "/v1/embeddings", "/v1/retrieve"];

/// `POST /v1/batches`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateBatch {
    /// A file of purpose `batch`: one JSON request per line.
    pub input_file_id: String,
    /// /v1/documents, /v1/embeddings or /v1/retrieve.
    pub endpoint: String,
    /// Only "24h".
    pub completion_window: String,
    /// Up to 16 string pairs, returned as given.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    /// folio's own: an http(s) URL the batch object is POSTed to when the batch ends.
    #[serde(default)]
    pub callback_url: Option<String>,
}

/// Line counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestCounts {
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
}

/// One input-file error, with its line (from 1).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchError {
    pub code: String,
    pub message: String,
    pub param: Option<String>,
    pub line: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchErrors {
    /// Always "list".
    pub object: String,
    pub data: Vec<BatchError>,
}

/// A batch, as OpenAI describes one (times in Unix seconds).
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchObject {
    pub id: String,
    /// Always "batch".
    pub object: String,
    pub endpoint: String,
    pub errors: Option<BatchErrors>,
    pub input_file_id: String,
    pub completion_window: String,
    /// validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled.
    pub status: String,
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
    pub created_at: i64,
    pub in_progress_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub finalizing_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub expired_at: Option<i64>,
    pub cancelling_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub request_counts: RequestCounts,
    pub metadata: Option<BTreeMap<String, String>>,
}

/// A batch's status times, in milliseconds, as stored.
pub type Times = BTreeMap<String, i64>;

pub fn times_of(row: &BatchRow) -> Times {
    serde_json::from_str(&row.times).unwrap_or_default()
}

/// `times` with `key` set to now, as stored.
pub fn stamp(row: &BatchRow, key: &str) -> String {
    let mut times = times_of(row);
    times.insert(key.to_string(), crate::catalog::now_ms());
    serde_json::to_string(&times).unwrap_or_else(|_| "{}".into())
}

/// What the API shows of a batch; `live` counts for one still running.
pub fn view(row: &BatchRow, live: Option<LineCounts>) -> BatchObject {
    let request: Option<CreateBatch> = serde_json::from_str(&row.body).ok();
    let times = times_of(row);
    let at = |k: &str| times.get(k).map(|ms| ms / 1000);
    let counts = match live {
        Some(c) => RequestCounts {
            total: c.total,
            completed: c.succeeded,
            failed: c.failed,
        },
        None => RequestCounts {
            total: row.total,
            completed: row.completed,
            failed: row.failed,
        },
    };
    let errors = row
        .errors
        .as_deref()
        .and_then(|e| serde_json::from_str::<Vec<BatchError>>(e).ok())
        .map(|data| BatchErrors {
            object: "list".into(),
            data,
        });
    BatchObject {
        id: row.id.clone(),
        object: "batch".into(),
        endpoint: request
            .as_ref()
            .map(|r| r.endpoint.clone())
            .unwrap_or_default(),
        errors,
        input_file_id: request
            .as_ref()
            .map(|r| r.input_file_id.clone())
            .unwrap_or_default(),
        completion_window: "24h".into(),
        status: row.status.clone(),
        output_file_id: row.output_file_id.clone(),
        error_file_id: row.error_file_id.clone(),
        created_at: row.created_ms / 1000,
        in_progress_at: at("in_progress_at"),
        expires_at: Some(row.expires_ms / 1000),
        finalizing_at: at("finalizing_at"),
        completed_at: at("completed_at"),
        failed_at: at("failed_at"),
        expired_at: at("expired_at"),
        cancelling_at: at("cancelling_at"),
        cancelled_at: at("cancelled_at"),
        request_counts: counts,
        metadata: request.and_then(|r| r.metadata),
    }
}

/// The batch with live counts while its lines run.
pub fn current(state: &AppState, row: &BatchRow) -> Result<BatchObject, ApiError> {
    let live = match row.status.as_str() {
        "in_progress" | "finalizing" | "cancelling" => Some(state.catalog.line_counts(&row.id)?),
        _ => None,
    };
    Ok(view(row, live))
}

fn owned(state: &AppState, caller: &Caller, id: &str) -> Result<BatchRow, ApiError> {
    state
        .catalog
        .batch(Some(&caller.tenant), id)?
        .ok_or_else(|| ApiError::not_found("batch"))
}

/// Starts a batch: 200 with the batch (`validating`); its lines run in the background.
#[utoipa::path(post, path = "/v1/batches", tag = "batches",
    request_body = CreateBatch,
    responses(
        (status = 200, description = "The batch", body = BatchObject),
        (status = 400, description = "Bad request: unknown endpoint or window, too many lines, not a batch file", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such input file", body = ErrorBody),
        (status = 413, description = "Input file over max_batch_input_bytes", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<CreateBatch>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<BatchObject>, ApiError> {
    let Json(request) = body?;
    if !ENDPOINTS.contains(&request.endpoint.as_str()) {
        return Err(ApiError::bad_request(format!(
            "endpoint must be one of {} (not '{}')",
            ENDPOINTS.join(", "),
            request.endpoint
        )));
    }
    if request.completion_window != "24h" {
        return Err(ApiError::bad_request("completion_window must be 24h"));
    }
    if request
        .metadata
        .as_ref()
        .is_some_and(|m| m.len() > 16 || m.iter().any(|(k, v)| k.len() > 64 || v.len() > 512))
    {
        return Err(ApiError::bad_request(
            "metadata holds at most 16 pairs, keys up to 64 and values up to 512 characters",
        ));
    }
    if let Some(url) = &request.callback_url {
        let ok = reqwest::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(ApiError::bad_request(
                "callback_url must be an absolute http(s) URL",
            ));
        }
    }
    let file = state
        .catalog
        .api_file(&caller.tenant, &request.input_file_id)?
        .ok_or_else(|| ApiError::not_found("input file"))?;
    if file.purpose != "batch" {
        return Err(ApiError::bad_request(format!(
            "the input file's purpose is '{}'; upload it with purpose 'batch'",
            file.purpose
        )));
    }
    let limits = &state.config.limits;
    if file.bytes > limits.max_batch_input_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "batch input files are limited to {} bytes",
                limits.max_batch_input_bytes
            ),
        ));
    }
    // Reading and counting up to max_batch_input_bytes is blocking work.
    let (s, tenant, file_id) = (state.clone(), caller.tenant.clone(), file.id.clone());
    let lines = blocking(move || {
        Ok(s.catalog
            .api_file_content(&tenant, &file_id)?
            .map(|content| {
                content
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                    .count()
            }))
    })
    .await?
    .ok_or_else(|| ApiError::not_found("input file"))?;
    if lines > limits.max_batch_lines {
        return Err(ApiError::bad_request(format!(
            "the input file has {lines} requests; a batch takes at most {}",
            limits.max_batch_lines
        )));
    }
    let now = crate::catalog::now_ms();
    let row = BatchRow {
        id: new_id("batch_"),
        tenant: caller.tenant.to_string(),
        body: serde_json::to_string(&request).map_err(ApiError::internal)?,
        status: "validating".into(),
        errors: None,
        output_file_id: None,
        error_file_id: None,
        total: 0,
        completed: 0,
        failed: 0,
        times: "{}".into(),
        created_ms: now,
        expires_ms: now + (state.config.batch_window_seconds * 1000.0) as i64,
    };
    state.catalog.insert_batch(&row)?;
    state.batch_wake.notify_one();
    Ok(Json(view(&row, None)))
}

/// Paging of the batch list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchListParams {
    /// Batches per page (1–100, default 20).
    limit: Option<usize>,
    /// The id of the last batch of the previous page.
    after: Option<String>,
}

/// The tenant's batches, newest first.
#[utoipa::path(get, path = "/v1/batches", tag = "batches",
    params(BatchListParams),
    responses(
        (status = 200, description = "A page of batches", body = ListPage<BatchObject>),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 422, description = "Bad paging", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<BatchListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ListPage<BatchObject>>, ApiError> {
    let Query(params) = query?;
    let limit = page_limit(params.limit, 20, 100)?;
    let rows = state
        .catalog
        .list_batches(&caller.tenant, params.after.as_deref(), limit + 1)?;
    let batches = rows
        .iter()
        .map(|r| current(&state, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(ListPage::from_rows(batches, limit, |b| b.id.clone())))
}

/// A batch, with its line counts so far.
#[utoipa::path(get, path = "/v1/batches/{id}", tag = "batches",
    params(("id" = String, Path, description = "Batch id")),
    responses(
        (status = 200, description = "The batch", body = BatchObject),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such batch", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<BatchObject>, ApiError> {
    let row = owned(&state, &caller, &id)?;
    Ok(Json(current(&state, &row)?))
}

/// Cancels a batch: no new line starts, running ones stop at their next page; it ends
/// `cancelled` with the output of the lines that finished.
#[utoipa::path(post, path = "/v1/batches/{id}/cancel", tag = "batches",
    params(("id" = String, Path, description = "Batch id")),
    responses(
        (status = 200, description = "The batch (cancelling, or cancelled)", body = BatchObject),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such batch", body = ErrorBody),
        (status = 409, description = "The batch has already ended", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<BatchObject>, ApiError> {
    let row = owned(&state, &caller, &id)?;
    if !matches!(row.status.as_str(), "validating" | "in_progress") {
        if row.status == "cancelling" {
            return Ok(Json(current(&state, &row)?));
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "batch_ended",
            format!("the batch is {}", row.status),
        ));
    }
    if state.catalog.move_batch(
        &id,
        &row.status,
        "cancelling",
        &stamp(&row, "cancelling_at"),
    )? {
        // Queued lines end now; running ones are asked to stop.
        state
            .catalog
            .stop_lines(&id, "batch_cancelled", "the batch was cancelled")?;
        state.batch_wake.notify_one();
    }
    let row = owned(&state, &caller, &id)?;
    Ok(Json(current(&state, &row)?))
}
