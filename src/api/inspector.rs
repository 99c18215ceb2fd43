//! The web inspector at `/`: one static page (HTML, CSS and JavaScript compiled into the
//! binary; no CDN, no build step, works offline) over the public API. It holds no data of
//! its own, so it needs no key; every call it makes carries the key the user enters.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

const HTML: &str = include_str!("inspector/index.html");
const JS: &str = include_str!("inspector/app.js");
const CSS: &str = include_str!("inspector/app.css");

/// What every inspector asset is sent with: no third-party requests allowed.
const POLICY: &str =
    "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'";

fn asset(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

pub fn routes() -> Router<Arc<super::AppState>> {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", HTML) }),
        )
        .route(
            "/inspector/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", JS) }),
        )
        .route(
            "/inspector/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
}
