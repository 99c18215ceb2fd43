//! `GET /v1/documents/{id}/pages/{n}/image`: a page drawn again from the document's original
//! bytes (kept by the catalog, see `keep_originals`): pdfium for PDFs, the decoded page for
//! images; PNG or WebP; `dpi` bounded; the last images drawn are kept in memory.

use super::error::{ApiError, ErrorBody};
use super::state::{blocking, AppState};
use super::tenants::Caller;
use crate::error::{Error, Result};
use crate::source::{MediaType, Source};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use image::{ImageFormat, RgbImage};
use serde::Deserialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use utoipa::IntoParams;

/// Resolution bounds of a page image.
const DPI: std::ops::RangeInclusive<f32> = 24.0..=300.0;
const DEFAULT_DPI: f32 = 96.0;
/// Page images kept in memory, at most.
const CACHED: usize = 48;

/// The last page images drawn, newest last.
#[derive(Default)]
pub struct PageCache(Mutex<VecDeque<(String, Arc<Vec<u8>>)>>);

impl PageCache {
    fn get(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        let cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        cache.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn put(&self, key: String, image: Arc<Vec<u8>>) {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(k, _)| *k != key);
        cache.push_back((key, image));
        while cache.len() > CACHED {
            cache.pop_front();
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImageParams {
    /// Resolution, 24–300 (default 96).
    dpi: Option<f32>,
    /// png (default) or webp.
    format: Option<String>,
}

/// A document's original bytes: kept by the catalog (uploads), else the file it was ingested
/// from by `folio ingest`, when that file still holds the same bytes.
fn original_bytes(state: &AppState, id: &str, sha256: &str) -> Result<Option<Vec<u8>>> {
    if let Some(bytes) = state.catalog.original(sha256)? {
        return Ok(Some(bytes));
    }
    for path in state.catalog.paths_of(id)? {
        let path = std::path::Path::new(crate::catalog::visible_path(&path));
        if !path.is_absolute() {
            continue; // `upload:ID`: only ever kept by the catalog
        }
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        if crate::models::sha256_hex(&bytes) == sha256 {
            return Ok(Some(bytes));
        }
    }
    Ok(None)
}

/// Draws page `number` of `bytes` at `dpi`.
fn draw(state: &AppState, bytes: Vec<u8>, number: u32, dpi: f32) -> Result<RgbImage> {
    let source = Source::from_bytes(Arc::from(bytes), None, u64::MAX)?;
    if source.media_type == MediaType::Pdf {
        let engine = state
            .engine
            .get()
            .ok_or_else(|| Error::Pipeline("the models are still loading".into()))?;
        let pdfium = crate::pdf::library(engine.extractor.models())?;
        let pdf = crate::pdf::PdfFile::open(pdfium, &source, None)?;
        return pdf.render(number, dpi).map(|(image, _)| image);
    }
    let bytes = source.read_all()?;
    let mut page = None;
    let mut seen = 0;
    crate::image::for_each_page(&bytes, source.media_type, |info, pixels| {
        seen += 1;
        if seen == number {
            let scale = dpi / info.info.dpi[0].max(1.0);
            let (w, h) = (
                ((pixels.width() as f32 * scale).round() as u32).clamp(1, 8000),
                ((pixels.height() as f32 * scale).round() as u32).clamp(1, 8000),
            );
            page = Some(image::imageops::resize(
                &pixels,
                w,
                h,
                image::imageops::FilterType::Triangle,
            ));
        }
        Ok(())
    })?;
    page.ok_or(Error::PageOutOfRange {
        page: number,
        count: seen,
    })
}

/// A page of a stored document as an image.
#[utoipa::path(get, path = "/v1/documents/{id}/pages/{n}/image", tag = "documents",
    params(
        ("id" = String, Path, description = "Document id"),
        ("n" = u32, Path, description = "Page number, from 1"),
        ImageParams),
    responses(
        (status = 200, description = "The page", content_type = "image/png"),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such document or page, or its original is not kept", body = ErrorBody),
        (status = 422, description = "Bad dpi or format; a page that cannot be drawn", body = ErrorBody),
        (status = 503, description = "Models still loading", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn image(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((id, number)): Path<(String, u32)>,
    query: std::result::Result<Query<ImageParams>, axum::extract::rejection::QueryRejection>,
) -> std::result::Result<Response, ApiError> {
    let Query(params) = query?;
    let dpi = params.dpi.unwrap_or(DEFAULT_DPI);
    if !DPI.contains(&dpi) {
        return Err(ApiError::invalid("dpi must be between 24 and 300"));
    }
    let (format, mime) = match params.format.as_deref().unwrap_or("png") {
        "png" => (ImageFormat::Png, "image/png"),
        "webp" => (ImageFormat::WebP, "image/webp"),
        other => {
            return Err(ApiError::invalid(format!(
                "format must be png or webp, not '{other}'"
            )))
        }
    };
    state.engine()?;
    let doc = state
        .catalog
        .document(&id)?
        .filter(|d| d.status == "ok")
        .filter(|_| state.catalog.owns(&caller.tenant, &id).unwrap_or(false))
        .ok_or_else(|| ApiError::not_found("document"))?;
    if number == 0 || number > doc.pages {
        return Err(ApiError::not_found("page"));
    }
    let key = format!("{id}/{number}/{dpi}/{mime}");
    let bytes = match state.page_images.get(&key) {
        Some(bytes) => bytes,
        None => {
            let s = state.clone();
            let (sha, doc_id) = (doc.sha256.clone(), id.clone());
            let drawn = blocking(move || {
                let Some(original) = original_bytes(&s, &doc_id, &sha)? else {
                    return Ok(None);
                };
                let page = draw(&s, original, number, dpi)?;
                let mut out = std::io::Cursor::new(Vec::new());
                image::DynamicImage::ImageRgb8(page)
                    .write_to(&mut out, format)
                    .map_err(|e| Error::Pipeline(format!("encoding the page: {e}")))?;
                Ok(Some(Arc::new(out.into_inner())))
            })
            .await?;
            let bytes = drawn.ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "no_page_images",
                    "this document's original is not kept (keep_originals = false), and no file it was ingested from still holds its bytes, so its pages cannot be drawn",
                )
            })?;
            state.page_images.put(key, bytes.clone());
            bytes
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            // Same id, page and dpi: the same picture.
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes.as_ref().clone(),
    )
        .into_response())
}
