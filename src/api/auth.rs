//! Bearer API keys and the caller they name. When keys are configured, every route but
//! `/healthz`, `/readyz`, `/openapi.json` and the inspector needs `Authorization: Bearer KEY`;
//! the key decides the tenant the request acts for (a [`Caller`] in the request's
//! extensions). `/metrics` needs an admin key once admin keys are configured; an admin key
//! acts for the tenant named by `X-Folio-Tenant` (else `default`).

use super::tenants::Caller;
use super::{ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use std::sync::Arc;

const OPEN: &[&str] = &["/healthz", "/readyz", "/openapi.json"];
const ADMIN: &[&str] = &["/metrics"];

pub async fn require_key(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let access = state.access();
    let path = request.uri().path();
    if !access.needs_key() || OPEN.contains(&path) {
        request.extensions_mut().insert(Caller::default_tenant());
        return Ok(next.run(request).await);
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(caller) = presented.and_then(|key| access.caller(key)).cloned() else {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required: Authorization: Bearer KEY",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return Ok(response);
    };
    if ADMIN.contains(&path) && !caller.admin && access.has_admins() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "operations routes need an admin key",
        ));
    }
    let caller = match request
        .headers()
        .get("x-folio-tenant")
        .and_then(|v| v.to_str().ok())
    {
        Some(name) if caller.admin => {
            if !access.knows(name) {
                return Err(ApiError::not_found("tenant"));
            }
            Caller {
                tenant: Arc::from(name),
                admin: true,
            }
        }
        _ => caller,
    };
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}
