//! `/v1/models`, in OpenAI's shape: the embedding model `/v1/embeddings` serves, and the
//! extraction pipelines `/v1/documents` runs (`kind` tells them apart), so OpenAI clients
//! that list models before anything else find what is here.

use super::error::{ApiError, ErrorBody};
use super::paging::ListPage;
use super::retrieve::MODEL_NAME;
use super::state::AppState;
use crate::pipeline::{PipelineConfig, BUILTIN};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// A model, as OpenAI describes one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelObject {
    pub id: String,
    /// Always "model".
    pub object: String,
    /// Unix seconds; 0 (the models ship with folio).
    pub created: i64,
    pub owned_by: String,
    /// folio's own: "embedding" (for /v1/embeddings) or "pipeline" (for /v1/documents).
    pub kind: String,
    /// What it does.
    pub description: String,
}

fn models() -> Vec<ModelObject> {
    let mut out = vec![ModelObject {
        id: MODEL_NAME.into(),
        object: "model".into(),
        created: 0,
        owned_by: "sentence-transformers".into(),
        kind: "embedding".into(),
        description: format!(
            "{} dimensions, up to {} tokens per input",
            crate::embed::DIM,
            crate::embed::MAX_TOKENS
        ),
    }];
    for (name, _) in BUILTIN {
        let description = PipelineConfig::load(name)
            .map(|p| p.description)
            .unwrap_or_default();
        out.push(ModelObject {
            id: name.to_string(),
            object: "model".into(),
            created: 0,
            owned_by: "folio".into(),
            kind: "pipeline".into(),
            description,
        });
    }
    out
}

/// The embedding model and the pipelines.
#[utoipa::path(get, path = "/v1/models", tag = "models",
    responses(
        (status = 200, description = "The models", body = ListPage<ModelObject>),
        (status = 401, description = "No or wrong API key", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(State(_state): State<Arc<AppState>>) -> Json<ListPage<ModelObject>> {
    let all = models();
    let n = all.len();
    Json(ListPage::from_rows(all, n, |m| m.id.clone()))
}

/// One model.
#[utoipa::path(get, path = "/v1/models/{id}", tag = "models",
    params(("id" = String, Path, description = "Model id: all-MiniLM-L6-v2, or a pipeline name")),
    responses(
        (status = 200, description = "The model", body = ModelObject),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such model", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(Path(id): Path<String>) -> Result<Json<ModelObject>, ApiError> {
    models()
        .into_iter()
        .find(|m| m.id.eq_ignore_ascii_case(&id))
        .map(Json)
        .ok_or_else(|| ApiError::not_found("model"))
}
