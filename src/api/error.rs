//! The API's error body, `{"error": {"code", "message"}}`, and the status each library error
//! maps to. Internal failures are logged in full and answered with a generic message.

use crate::error::Error;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Seconds, sent as `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `unauthorized`, `not_found`, `too_large`, `queue_full`…
    pub code: String,
    /// For people; never holds internals.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn busy(code: &str, message: impl Into<String>, retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
        }
    }

    pub fn not_ready() -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the models are still loading",
            )
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the details (look for this request's x-request-id)",
        )
    }

    /// The code of a library error and the status it answers with.
    pub fn classify(e: &Error) -> (StatusCode, &'static str) {
        let code = match e {
            Error::Empty => "empty_document",
            Error::TooLarge { .. } => "too_large",
            Error::UnsupportedType(_) => "unsupported_media_type",
            Error::BadPdf(_) | Error::BadImage(_) | Error::NoPages => "unreadable_document",
            Error::PasswordRequired => "password_required",
            Error::WrongPassword => "wrong_password",
            Error::TooManyPages { .. } => "too_many_pages",
            Error::BadPageRange(_) | Error::PageOutOfRange { .. } => "bad_page_range",
            Error::Timeout { .. } => "timeout",
            Error::Cancelled => "cancelled",
            _ => "internal",
        };
        (status_of(code), code)
    }
}

/// The status an error code answers with: the one table, used for library errors as they
/// happen and for the codes stored with failed jobs.
pub fn status_of(code: &str) -> StatusCode {
    use StatusCode as S;
    match code {
        "empty_document" | "bad_page_range" => S::BAD_REQUEST,
        "too_large" => S::PAYLOAD_TOO_LARGE,
        "unsupported_media_type" => S::UNSUPPORTED_MEDIA_TYPE,
        "cancelled" => S::CONFLICT,
        "unreadable_document"
        | "password_required"
        | "wrong_password"
        | "too_many_pages"
        | "timeout" => S::UNPROCESSABLE_ENTITY,
        _ => S::INTERNAL_SERVER_ERROR,
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match Self::classify(&e) {
            (StatusCode::INTERNAL_SERVER_ERROR, _) => Self::internal(e),
            (status, code) => Self::new(status, code, e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Answers axum's own rejections (bad JSON, missing fields, body too large) in our shape.
pub fn from_rejection(status: StatusCode, text: String) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
        _ => "bad_request",
    };
    ApiError::new(status, code, text)
}

macro_rules! rejection {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(r: $t) -> Self {
                from_rejection(r.status(), r.body_text())
            }
        }
    )*};
}

rejection!(
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::QueryRejection,
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::BytesRejection,
    axum::extract::multipart::MultipartRejection,
    axum::extract::multipart::MultipartError
);
