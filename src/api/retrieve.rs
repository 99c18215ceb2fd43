//! `/v1/retrieve` (ranked chunks for RAG) and `/v1/embeddings` (OpenAI-compatible, with the
//! local model).

use super::error::{ApiError, ErrorBody};
use super::state::{AppState, Engine};
use super::tenants::Caller;
use crate::catalog::DocumentFilter;
use crate::chunk::TokenCount as _;
use crate::document::Chunk;
use crate::embed;
use crate::index::Mode;
use crate::ingest::{Query, MAX_TOP_K};
use axum::extract::State;
use axum::{Extension, Json};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// The embedding model's name in requests and responses.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// A retrieval request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrieveRequest {
    /// What to look for.
    pub query: String,
    /// Results to return (1–1000, default 5).
    #[serde(default = "default_top_k")]
    pub top_k: usize,
    /// hybrid (default; keyword + vector fused by reciprocal rank), vector or keyword.
    #[serde(default = "default_mode")]
    #[schema(value_type = String, example = "hybrid")]
    pub mode: Mode,
    #[serde(default)]
    pub filter: Filter,
    /// Search this index generation instead of the live one (while clients move over after
    /// a reindex; the previous one is kept for a grace period).
    #[serde(default)]
    pub generation: Option<String>,
}

fn default_top_k() -> usize {
    5
}

fn default_mode() -> Mode {
    Mode::Hybrid
}

/// Which documents may answer; every condition given must hold.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(default)]
    pub document_ids: Vec<String>,
    /// e.g. application/pdf, image/png.
    #[serde(default)]
    pub media_types: Vec<String>,
    /// Document metadata fields (title, author, subject, language…) equal to these values,
    /// ignoring case.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Documents ingested from a path starting with this (`upload:` for API uploads).
    #[serde(default)]
    pub path_prefix: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetrieveResponse {
    pub results: Vec<RetrievedChunk>,
    /// The index generation that answered.
    pub generation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetrievedChunk {
    /// Fused reciprocal-rank score (hybrid), cosine similarity (vector) or BM25 (keyword).
    pub score: f32,
    pub chunk: Chunk,
    pub document: DocumentRef,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentRef {
    pub id: String,
    pub filename: Option<String>,
    /// A path it was ingested from; `upload:ID` for API uploads.
    pub path: Option<String>,
}

async fn permit(state: &AppState) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
    state.queries.try_acquire().map_err(|_| {
        ApiError::busy(
            "too_many_requests",
            "too many searches in flight; retry shortly",
            1,
        )
    })
}

/// Ranked chunks for a query, with text, headings, pages, boxes and their document.
#[utoipa::path(post, path = "/v1/retrieve", tag = "retrieval",
    request_body = RetrieveRequest,
    responses(
        (status = 200, description = "Ranked chunks", body = RetrieveResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "Invalid request (e.g. top_k, mode, unknown field)", body = ErrorBody),
        (status = 429, description = "Too many searches in flight", body = ErrorBody),
        (status = 503, description = "Models still loading", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn retrieve(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<RetrieveRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<RetrieveResponse>, ApiError> {
    let Json(request) = body?;
    let engine = state.engine()?.clone();
    let _permit = permit(&state).await?;
    let s = state.clone();
    off_async(move || search(&s, &engine, Some(&caller.tenant), request))
        .await
        .map(Json)
}

/// Runs API work that answers in API errors on the blocking pool.
async fn off_async<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
}

/// A retrieval for `tenant` (its documents only, where other tenants share the server):
/// checks the request, embeds the query, searches. Also runs `/v1/retrieve` batch lines.
pub fn search(
    state: &AppState,
    engine: &Engine,
    tenant: Option<&str>,
    request: RetrieveRequest,
) -> Result<RetrieveResponse, ApiError> {
    if !(1..=MAX_TOP_K).contains(&request.top_k) {
        return Err(ApiError::invalid(format!(
            "top_k must be between 1 and {MAX_TOP_K}"
        )));
    }
    if request.query.trim().is_empty() {
        return Err(ApiError::invalid("query is empty"));
    }
    let vector = match request.mode {
        Mode::Keyword => None,
        _ => engine
            .embedder
            .embed(&[request.query.as_str()])?
            .into_iter()
            .next(),
    };
    let filter = DocumentFilter {
        document_ids: request.filter.document_ids,
        media_types: request.filter.media_types,
        path_prefix: request.filter.path_prefix,
        metadata: request.filter.metadata,
        tenant: tenant.filter(|_| state.access().scoped).map(String::from),
    };
    let query = Query {
        text: &request.query,
        mode: request.mode,
        top_k: request.top_k,
        filter: &filter,
        generation: request.generation.as_deref(),
    };
    let found = engine.read_store().retrieve(&query, vector.as_deref())?;
    Ok(RetrieveResponse {
        generation: found.generation,
        results: found
            .results
            .into_iter()
            .map(|r| RetrievedChunk {
                score: r.hit.score,
                document: DocumentRef {
                    id: r.hit.chunk.document_id.clone(),
                    filename: r.filename,
                    path: r.path.map(|p| crate::catalog::visible_path(&p).to_string()),
                },
                chunk: r.hit.chunk,
            })
            .collect(),
    })
}

/// One text or several (token-id arrays are not accepted: the model has its own tokenizer).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EmbeddingInput {
    One(String),
    Many(Vec<String>),
}

/// OpenAI's embeddings request (other fields, e.g. `user`, are accepted and ignored).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmbeddingsRequest {
    pub input: EmbeddingInput,
    /// all-MiniLM-L6-v2 (the default when omitted).
    pub model: Option<String>,
    /// float (default) or base64 (little-endian f32).
    pub encoding_format: Option<String>,
    /// Must be 384 when given.
    pub dimensions: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmbeddingsResponse {
    /// Always "list".
    pub object: String,
    pub data: Vec<EmbeddingItem>,
    pub model: String,
    pub usage: Usage,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmbeddingItem {
    /// Always "embedding".
    pub object: String,
    pub index: usize,
    /// 384 floats, or a base64 string of their little-endian bytes.
    #[schema(value_type = Object)]
    pub embedding: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub prompt_tokens: usize,
    pub total_tokens: usize,
}

fn known_model(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == MODEL_NAME.to_ascii_lowercase()
        || name == format!("sentence-transformers/{}", MODEL_NAME.to_ascii_lowercase())
}

/// Embeddings of texts with the local model, in OpenAI's request and response shape.
/// Texts longer than the model's 256 tokens are truncated, as in indexing.
#[utoipa::path(post, path = "/v1/embeddings", tag = "retrieval",
    request_body = EmbeddingsRequest,
    responses(
        (status = 200, description = "One embedding per input, in order", body = EmbeddingsResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 422, description = "Unknown model, too many inputs, token arrays, bad dimensions", body = ErrorBody),
        (status = 429, description = "Too many calls in flight", body = ErrorBody),
        (status = 503, description = "Models still loading", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn embeddings(
    State(state): State<Arc<AppState>>,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<EmbeddingsResponse>, ApiError> {
    let Json(value) = body?;
    let engine = state.engine()?.clone();
    let _permit = permit(&state).await?;
    let s = state.clone();
    off_async(move || embed_texts(&s, &engine, value))
        .await
        .map(Json)
}

/// An OpenAI embeddings request answered with the local model: checks it, embeds. Also runs
/// `/v1/embeddings` batch lines.
pub fn embed_texts(
    state: &AppState,
    engine: &Engine,
    value: serde_json::Value,
) -> Result<EmbeddingsResponse, ApiError> {
    let request: EmbeddingsRequest = serde_json::from_value(value).map_err(|e| {
        ApiError::invalid(format!(
            "{e} (input must be a string or an array of strings; token arrays are not accepted)"
        ))
    })?;
    if let Some(model) = request.model.as_deref() {
        if !known_model(model) {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "model_not_found",
                format!("model '{model}' is not served here; use {MODEL_NAME}"),
            ));
        }
    }
    if request.dimensions.is_some_and(|d| d != embed::DIM) {
        return Err(ApiError::invalid(format!(
            "dimensions must be {} for {MODEL_NAME}",
            embed::DIM
        )));
    }
    let base64 = match request.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "encoding_format must be float or base64, not '{other}'"
            )))
        }
    };
    let texts = match request.input {
        EmbeddingInput::One(t) => vec![t],
        EmbeddingInput::Many(v) => v,
    };
    let max = state.config.limits.max_embedding_inputs;
    if texts.is_empty() || texts.len() > max {
        return Err(ApiError::invalid(format!(
            "input must hold 1 to {max} texts"
        )));
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let tokens: usize = texts
        .iter()
        .map(|t| (engine.counter.count(t) + 2).min(embed::MAX_TOKENS))
        .sum();
    let vectors = engine.embedder.embed(&refs)?;
    let data = vectors
        .into_iter()
        .enumerate()
        .map(|(index, v)| EmbeddingItem {
            object: "embedding".into(),
            index,
            embedding: if base64 {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                serde_json::json!(v)
            },
        })
        .collect();
    Ok(EmbeddingsResponse {
        object: "list".into(),
        data,
        model: MODEL_NAME.into(),
        usage: Usage {
            prompt_tokens: tokens,
            total_tokens: tokens,
        },
    })
}
