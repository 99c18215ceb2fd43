//! `/v1/files`, in OpenAI's shapes: upload (multipart `file` + `purpose`), list (newest
//! first, `after`/`limit` cursor), fetch, download the bytes, delete. Files are the tenant's
//! own: another tenant's ids answer 404. Purposes: `batch` (JSONL input of a batch),
//! `user_data` (a PDF or image a batch line names by `file_id`); batches write
//! `batch_output` files.

use super::error::{ApiError, ErrorBody};
use super::paging::{page_limit, ListPage};
use super::state::{blocking, new_id, AppState};
use super::tenants::Caller;
use crate::catalog::{ApiFile, NewApiFile};
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

const PURPOSES: &[&str] = &["batch", "user_data"];

/// A file, as OpenAI describes one.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileObject {
    pub id: String,
    /// Always "file".
    pub object: String,
    pub bytes: u64,
    /// Unix seconds.
    pub created_at: i64,
    pub filename: String,
    /// batch, user_data or batch_output.
    pub purpose: String,
    /// Always "processed": a file is usable once its upload is answered.
    pub status: String,
    pub expires_at: Option<i64>,
}

impl From<ApiFile> for FileObject {
    fn from(f: ApiFile) -> Self {
        Self {
            id: f.id,
            object: "file".into(),
            bytes: f.bytes,
            created_at: f.created_ms / 1000,
            filename: f.filename,
            purpose: f.purpose,
            status: "processed".into(),
            expires_at: None,
        }
    }
}

/// Paging of the file list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileListParams {
    /// Files per page (1–10000, default 10000).
    limit: Option<usize>,
    /// The id of the last file of the previous page.
    after: Option<String>,
    /// Only files of this purpose.
    purpose: Option<String>,
    /// Only `desc` (newest first) is supported.
    order: Option<String>,
}

/// The upload form: `file` and `purpose`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the form for OpenAPI only
pub struct FileForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// batch or user_data.
    purpose: String,
}

/// What `DELETE` answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileDeleted {
    pub id: String,
    /// Always "file".
    pub object: String,
    pub deleted: bool,
}

/// A limit check that goes with every upload of a tenant's bytes.
pub fn check_storage(state: &AppState, caller: &Caller, adding: u64) -> Result<(), ApiError> {
    let Some(quota) = state.access().limits(&caller.tenant).storage_bytes else {
        return Ok(());
    };
    let used = state.catalog.tenant_bytes(&caller.tenant)?;
    if used.saturating_add(adding) > quota {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "storage_quota",
            format!(
                "this tenant keeps {used} of its {quota} bytes; delete documents or files first"
            ),
        ));
    }
    Ok(())
}

/// Keeps a file: 200 with the file object.
#[utoipa::path(post, path = "/v1/files", tag = "files",
    request_body(content = FileForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The file", body = FileObject),
        (status = 400, description = "No file, an unknown purpose, an empty file", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 413, description = "Over the upload limit or the tenant's storage", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<FileObject>, ApiError> {
    let limit = state
        .config
        .limits
        .max_upload_bytes
        .max(state.config.limits.max_batch_input_bytes);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("files are limited to {limit} bytes"),
        )
    };
    if declared.is_some_and(|n| n > limit + super::MULTIPART_SLACK) {
        return Err(too_large());
    }
    let mut form = Multipart::from_request(request, &state).await?;
    let (mut content, mut filename, mut purpose) = (None, None, None);
    while let Some(field) = form.next_field().await? {
        match field.name().unwrap_or("") {
            "file" => {
                filename = field.file_name().map(String::from);
                content = Some(field.bytes().await?);
            }
            "purpose" => purpose = Some(field.text().await?),
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown form field '{other}' (file, purpose)"
                )))
            }
        }
    }
    let content = content.ok_or_else(|| ApiError::bad_request("the form has no 'file' field"))?;
    let purpose = purpose.unwrap_or_default();
    if !PURPOSES.contains(&purpose.as_str()) {
        return Err(ApiError::bad_request(format!(
            "purpose must be one of {} (not '{purpose}')",
            PURPOSES.join(", ")
        )));
    }
    if content.is_empty() {
        return Err(ApiError::bad_request("the file is empty"));
    }
    let max = match purpose.as_str() {
        "batch" => state.config.limits.max_batch_input_bytes,
        _ => state.config.limits.max_upload_bytes,
    };
    if content.len() as u64 > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("{purpose} files are limited to {max} bytes"),
        ));
    }
    let id = new_id("file-");
    let name = filename.unwrap_or_else(|| "upload".into());
    check_storage(&state, &caller, content.len() as u64)?;
    let s = state.clone();
    let file = blocking(move || {
        let sha256 = crate::models::sha256_hex(&content);
        s.catalog.put_api_file(&NewApiFile {
            id: &id,
            tenant: &caller.tenant,
            purpose: &purpose,
            filename: &name,
            sha256: &sha256,
            content: &content,
        })?;
        s.catalog.api_file(&caller.tenant, &id)
    })
    .await?;
    file.map(|f| Json(f.into()))
        .ok_or_else(|| ApiError::internal("a file vanished right after it was stored"))
}

/// The tenant's files, newest first.
#[utoipa::path(get, path = "/v1/files", tag = "files",
    params(FileListParams),
    responses(
        (status = 200, description = "A page of files", body = ListPage<FileObject>),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 422, description = "Bad paging", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<FileListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ListPage<FileObject>>, ApiError> {
    let Query(params) = query?;
    let limit = page_limit(params.limit, 10_000, 10_000)?;
    if params.order.as_deref().is_some_and(|o| o != "desc") {
        return Err(ApiError::invalid("order must be desc"));
    }
    let rows = state.catalog.list_api_files(
        &caller.tenant,
        params.purpose.as_deref(),
        params.after.as_deref(),
        limit + 1,
    )?;
    let rows: Vec<FileObject> = rows.into_iter().map(Into::into).collect();
    Ok(Json(ListPage::from_rows(rows, limit, |f| f.id.clone())))
}

fn owned(state: &AppState, caller: &Caller, id: &str) -> Result<ApiFile, ApiError> {
    state
        .catalog
        .api_file(&caller.tenant, id)?
        .ok_or_else(|| ApiError::not_found("file"))
}

/// A file's description.
#[utoipa::path(get, path = "/v1/files/{id}", tag = "files",
    params(("id" = String, Path, description = "File id")),
    responses(
        (status = 200, description = "The file", body = FileObject),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such file", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<FileObject>, ApiError> {
    Ok(Json(owned(&state, &caller, &id)?.into()))
}

/// A file's bytes.
#[utoipa::path(get, path = "/v1/files/{id}/content", tag = "files",
    params(("id" = String, Path, description = "File id")),
    responses(
        (status = 200, description = "The bytes", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such file", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn content(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = owned(&state, &caller, &id)?;
    let (s, tenant) = (state.clone(), caller.tenant.clone());
    let bytes = blocking(move || s.catalog.api_file_content(&tenant, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let kind = match file.filename.ends_with(".jsonl") {
        true => "application/jsonl",
        false => "application/octet-stream",
    };
    Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response())
}

/// Deletes a file (a batch that already read it is not affected).
#[utoipa::path(delete, path = "/v1/files/{id}", tag = "files",
    params(("id" = String, Path, description = "File id")),
    responses(
        (status = 200, description = "Deleted", body = FileDeleted),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such file", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<FileDeleted>, ApiError> {
    if !state.catalog.delete_api_file(&caller.tenant, &id)? {
        return Err(ApiError::not_found("file"));
    }
    Ok(Json(FileDeleted {
        id,
        object: "file".into(),
        deleted: true,
    }))
}
