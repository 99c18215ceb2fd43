//! `POST /v1/documents`: read the upload (multipart or raw, within the size limit), answer
//! from the store when the bytes are known, else record a durable job and wait for it up to
//! `wait` seconds (200 with the Document) before answering 202 with the job.

use super::error::status_of;
use super::error::{ApiError, ErrorBody};
use super::jobs::{self, json_response, JobAccepted, JobView};
use super::state::{blocking, AppState};
use super::tenants::Caller;
use crate::catalog::{FileRow, JobState, NewJob};
use crate::document::Document;
use crate::source::Source;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// Query parameters of an upload (multipart fields of the same names take precedence).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Built-in pipeline: accurate (default), fast or ocr.
    pipeline: Option<String>,
    /// Also chunk, embed and index the document (default true).
    index: Option<bool>,
    /// Seconds to wait for the result before answering 202 with a job (default 30).
    wait: Option<f64>,
    /// The file's name, for raw uploads.
    filename: Option<String>,
    /// Your own http(s) endpoint; the finished job (and document) is POSTed there.
    callback_url: Option<String>,
}

/// A multipart upload: `file` and optional `pipeline`, `index`, `password`, `callback_url`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the form for OpenAPI only
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    pipeline: Option<String>,
    index: Option<bool>,
    password: Option<String>,
    callback_url: Option<String>,
}

/// What an upload asks for, from either body shape.
struct Upload {
    bytes: Bytes,
    filename: Option<String>,
    pipeline: Option<String>,
    index: Option<bool>,
    password: Option<String>,
    callback_url: Option<String>,
}

/// Media types a raw body may declare (the real type is read from the bytes).
fn raw_type_ok(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/pdf"
        || essence == "application/octet-stream"
        || essence.starts_with("image/")
}

async fn read_upload(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    request: Request,
) -> Result<Upload, ApiError> {
    let limit = state.config.limits.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Refused before a byte of the body is read.
    if declared.is_some_and(|n| n > limit + super::MULTIPART_SLACK) {
        return Err(too_large(limit));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, state).await?;
        let mut upload = Upload {
            bytes: Bytes::new(),
            filename: None,
            pipeline: None,
            index: None,
            password: None,
            callback_url: None,
        };
        let mut has_file = false;
        while let Some(field) = form.next_field().await? {
            let name = field.name().unwrap_or("").to_string();
            match name.as_str() {
                "file" => {
                    upload.filename = field.file_name().map(String::from);
                    upload.bytes = field.bytes().await?;
                    has_file = true;
                }
                "pipeline" => upload.pipeline = Some(field.text().await?),
                "password" => upload.password = Some(field.text().await?),
                "callback_url" => upload.callback_url = Some(field.text().await?),
                "index" => {
                    let text = field.text().await?;
                    upload.index = Some(parse_bool(&text).ok_or_else(|| {
                        ApiError::bad_request(format!("index must be true or false, not '{text}'"))
                    })?);
                }
                other => {
                    return Err(ApiError::bad_request(format!(
                    "unknown form field '{other}' (file, pipeline, index, password, callback_url)"
                )))
                }
            }
        }
        if !has_file {
            return Err(ApiError::bad_request("the form has no 'file' field"));
        }
        if upload.bytes.len() as u64 > limit {
            return Err(too_large(limit));
        }
        return Ok(upload);
    }
    if !content_type.is_empty() && !raw_type_ok(content_type) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Content-Type {content_type} is not accepted: send multipart/form-data with a 'file' field, or the raw bytes as application/pdf, image/* or application/octet-stream"
            ),
        ));
    }
    let bytes = Bytes::from_request(request, state).await?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(Upload {
        bytes,
        filename: None,
        pipeline: None,
        index: None,
        password: headers
            .get("x-folio-password")
            .and_then(|v| v.to_str().ok())
            .map(String::from),
        callback_url: None,
    })
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("uploads are limited to {limit} bytes"),
    )
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Extracts a document: 200 with its JSON when done within `wait` seconds, else 202 with a
/// durable job to follow. Identical bytes already stored by the same pipeline are answered
/// at once from the store.
#[utoipa::path(post, path = "/v1/documents", tag = "documents",
    params(UploadParams),
    request_body(content(
        (UploadForm = "multipart/form-data"),
        (Vec<u8> = "application/pdf"),
        (Vec<u8> = "image/png"),
        (Vec<u8> = "application/octet-stream"))),
    responses(
        (status = 200, description = "The extracted document", body = Document),
        (status = 202, description = "Still working: follow the job", body = JobAccepted,
            headers(("location" = String, description = "The job's URL"))),
        (status = 400, description = "Bad request (empty file, bad field)", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 413, description = "Upload over the size limit", body = ErrorBody),
        (status = 415, description = "Not a PDF or an image folio reads", body = ErrorBody),
        (status = 422, description = "Unreadable, encrypted, too many pages, over the time limit", body = ErrorBody),
        (status = 429, description = "The job queue is full; retry after Retry-After seconds", body = ErrorBody),
        (status = 503, description = "Models still loading", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<UploadParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let Query(params) = query?;
    let engine = state.engine()?.clone();
    let upload = read_upload(&state, &headers, request).await?;
    let pipeline_name = upload
        .pipeline
        .or(params.pipeline)
        .unwrap_or_else(|| state.config.pipeline.clone());
    let pipeline = engine.pipelines.get(&pipeline_name).ok_or_else(|| {
        ApiError::invalid(format!(
            "unknown pipeline '{pipeline_name}' (built-in: {})",
            engine
                .pipelines
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let index = upload.index.or(params.index).unwrap_or(true);
    let limits = &state.config.limits;
    let wait = params.wait.unwrap_or(limits.default_wait_seconds);
    if !(0.0..=limits.max_wait_seconds).contains(&wait) {
        return Err(ApiError::invalid(format!(
            "wait must be between 0 and {} seconds",
            limits.max_wait_seconds
        )));
    }
    let callback_url = upload.callback_url.or(params.callback_url);
    if let Some(url) = &callback_url {
        let ok = reqwest::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(ApiError::invalid(
                "callback_url must be an absolute http(s) URL",
            ));
        }
    }
    let filename = upload.filename.or(params.filename);
    if upload.bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "empty_document",
            "the upload is empty",
        ));
    }
    // Sniffing and hashing up to `max_upload_bytes` is CPU work: not on an async worker.
    let (bytes, name, max) = (
        upload.bytes.clone(),
        filename.clone(),
        limits.max_upload_bytes,
    );
    let source = blocking(move || Source::from_bytes(Arc::from(bytes.as_ref()), name, max)).await?;
    let document_id = source.document_id();
    // Stored already by this pipeline: no work.
    let version = pipeline.version();
    let stored = state
        .catalog
        .document(&document_id)?
        .is_some_and(|d| d.status == "ok" && d.pipeline_version == version);
    if stored {
        if index && !state.catalog.owns(&caller.tenant, &document_id)? {
            // Stored for another tenant (or only ingested): this tenant keeps it too, as
            // its own upload, without a second copy.
            super::files::check_storage(&state, &caller, source.bytes)?;
            let row = FileRow {
                path: caller.upload_path(&document_id),
                document_id: Some(document_id.clone()),
                sha256: source.sha256.clone(),
                size: source.bytes,
                mtime: 0,
                status: "ok".into(),
            };
            let e = engine.clone();
            blocking(move || e.write_store().link_file(&row)).await?;
        }
        if let Some(json) = state.catalog.document_json(&document_id)? {
            let mut response = json_response(json);
            response
                .headers_mut()
                .insert("x-folio-cached", header::HeaderValue::from_static("true"));
            return Ok(response);
        }
    }
    let mut finished = state.finished.subscribe();
    // The same bytes being worked on already (a client retrying, say): follow that job.
    // (Not with a callback or a password of its own, which belong to one job.)
    let running = match (&callback_url, &upload.password) {
        (None, None) => {
            state
                .catalog
                .active_job(&caller.tenant, &document_id, &pipeline_name, index)?
        }
        _ => None,
    };
    let id = match running {
        Some(id) => id,
        None => {
            if index {
                super::files::check_storage(&state, &caller, source.bytes)?;
            }
            enqueue(
                &state,
                &caller,
                &upload.bytes,
                &NewJob {
                    id: &super::state::new_id("job_"),
                    tenant: &caller.tenant,
                    filename: filename.as_deref(),
                    media_type: source.media_type.mime(),
                    bytes: source.bytes,
                    document_id: &document_id,
                    pipeline: &pipeline_name,
                    index,
                    password: upload.password.as_deref(),
                    callback_url: callback_url.as_deref(),
                },
            )
            .await?
        }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(wait);
    let mut stop = state.stop.subscribe();
    loop {
        let job = jobs::view(&state, &caller, &id)?;
        // wait=0 asks for the job, even one a worker has already finished.
        if wait == 0.0 {
            return Ok(accepted(job));
        }
        if job.state != JobState::Queued.as_str() && job.state != JobState::Running.as_str() {
            return finished_response(&state, job);
        }
        let now = tokio::time::Instant::now();
        // A stopping server answers at once: the job stays queued for the next start.
        if now >= deadline || *stop.borrow() {
            return Ok(accepted(job));
        }
        // Jobs run by other servers sharing the catalog end without a word to this one: look
        // at the catalog every second too.
        let next = deadline.min(now + Duration::from_secs(1));
        tokio::select! {
            heard = tokio::time::timeout_at(next, finished.recv()) => {
                if let Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) = heard {
                    return Ok(accepted(job));
                }
            }
            _ = super::state::stopped(&mut stop) => {}
        }
    }
}

/// Stores the upload, records the job and wakes a worker; the upload is stored and the job
/// in the catalog before anyone hears of the job. A queue already `queue_length` long (on a
/// shared catalog: across all servers) refuses it.
async fn enqueue(
    state: &Arc<AppState>,
    caller: &Caller,
    bytes: &Bytes,
    job: &NewJob<'_>,
) -> Result<String, ApiError> {
    let limit = state.config.limits.queue_length as u64;
    let share = state
        .access()
        .limits(&caller.tenant)
        .queued_jobs
        .map(|n| n as u64);
    let (s, b, id, tenant) = (
        state.clone(),
        bytes.clone(),
        job.id.to_string(),
        caller.tenant.clone(),
    );
    let queued = blocking(move || {
        if s.catalog.queued_jobs(None)? >= limit {
            return Ok(Some(format!("{limit} documents are waiting; retry later")));
        }
        if let Some(share) = share {
            if s.catalog.queued_jobs(Some(&tenant))? >= share {
                return Ok(Some(format!(
                    "{share} of this tenant's documents are waiting; retry later"
                )));
            }
        }
        s.store_upload(&id, &b)?;
        Ok(None)
    })
    .await?;
    if let Some(why) = queued {
        return Err(ApiError::busy("queue_full", why, 10));
    }
    if let Err(e) = state.catalog.insert_job(job) {
        state.remove_upload(job.id);
        state.catalog.delete_upload(job.id)?;
        return Err(e.into());
    }
    state.queue.poke();
    Ok(job.id.to_string())
}

fn accepted(job: JobView) -> Response {
    let location = job.links.job.clone();
    let mut response = (StatusCode::ACCEPTED, Json(JobAccepted { job })).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// The answer for a job that ended while the upload waited.
fn finished_response(state: &AppState, job: JobView) -> Result<Response, ApiError> {
    if job.state == JobState::Succeeded.as_str() {
        return jobs::result_json(state, &job.id, &job.document_id);
    }
    let error = job.error.unwrap_or(super::error::ErrorDetail {
        code: "internal".into(),
        message: "the job ended without a result".into(),
    });
    let status = status_of(&error.code);
    let code = match status {
        StatusCode::INTERNAL_SERVER_ERROR => "internal",
        _ => &error.code,
    };
    Err(ApiError::new(status, code, error.message))
}
