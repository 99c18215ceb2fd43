//! `/v1/documents` besides uploads (`upload`): list, fetch as JSON or Markdown, delete.

use super::error::{ApiError, ErrorBody};
use super::jobs::{self, json_response};
use super::state::{blocking, AppState};
use super::tenants::Caller;
use crate::document::Document;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// Paging of the document list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Documents per page (1–1000, default 100).
    limit: Option<usize>,
    /// The `next` value of the previous page.
    after: Option<String>,
}

/// A stored document in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentSummary {
    pub id: String,
    pub filename: Option<String>,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub chunks: u32,
    pub pipeline_version: String,
    /// RFC 3339.
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub documents: Vec<DocumentSummary>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

/// Stored documents, in id order, a page at a time.
#[utoipa::path(get, path = "/v1/documents", tag = "documents",
    params(ListParams),
    responses(
        (status = 200, description = "A page of documents", body = DocumentList),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 422, description = "Bad paging", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DocumentList>, ApiError> {
    let Query(params) = query?;
    let limit = super::paging::page_limit(params.limit, 100, 1000)?;
    let rows =
        state
            .catalog
            .list_documents(Some(&caller.tenant), params.after.as_deref(), limit + 1)?;
    let more = rows.len() > limit;
    let documents: Vec<DocumentSummary> = rows
        .into_iter()
        .take(limit)
        .map(|d| DocumentSummary {
            id: d.id,
            filename: d.filename,
            media_type: d.media_type,
            bytes: d.bytes,
            pages: d.pages,
            chunks: d.chunks,
            pipeline_version: d.pipeline_version,
            updated_at: jobs::rfc3339(d.updated_at * 1000),
        })
        .collect();
    let next = more
        .then(|| documents.last().map(|d| d.id.clone()))
        .flatten();
    Ok(Json(DocumentList { documents, next }))
}

/// The JSON of a document the caller's tenant keeps (another tenant's answers 404).
fn stored_json(state: &AppState, caller: &Caller, id: &str) -> Result<Vec<u8>, ApiError> {
    let known = state
        .catalog
        .document(id)?
        .is_some_and(|d| d.status == "ok")
        && state.catalog.owns(&caller.tenant, id)?;
    match known {
        true => state.catalog.document_json(id)?,
        false => None,
    }
    .ok_or_else(|| ApiError::not_found("document"))
}

/// A stored document's JSON.
#[utoipa::path(get, path = "/v1/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "Document id (doc_ + 32 hex digits of its SHA-256)")),
    responses(
        (status = 200, description = "The document", body = Document),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json_response(stored_json(&state, &caller, &id)?))
}

/// A stored document rendered as Markdown.
#[utoipa::path(get, path = "/v1/documents/{id}/markdown", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, description = "Markdown", body = String, content_type = "text/markdown"),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn markdown(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let json = stored_json(&state, &caller, &id)?;
    let doc: Document = serde_json::from_slice(&json).map_err(ApiError::internal)?;
    let md = crate::structure::to_markdown(&doc);
    Ok(([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], md).into_response())
}

/// Removes the caller's tenant's copy of a document; its chunks leave every store once no
/// other tenant keeps the same bytes.
#[utoipa::path(delete, path = "/v1/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "Models still loading", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let engine = state.engine()?.clone();
    let removed = blocking(move || engine.write_store().remove_for(&caller.tenant, &id)).await?;
    match removed {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found("document")),
    }
}
