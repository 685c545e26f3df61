//! The one error type of the API and the middleware that gives every answer its request id.
//!
//! Handlers return [`ApiError`]; it becomes a bare response carrying an [`ErrorReport`]
//! extension. The outermost middleware ([`request_context`]) knows the request id, so it is
//! the one that writes the docs/product.md §4 body `{"error":{"code","message","request_id"}}`, logs internal
//! details under that id, and turns any other bare error answer (axum's 404/405, the body
//! limit's 413, the timeout's 408) into the same shape. Nothing internal reaches the client:
//! an internal error keeps its source error (and that error's sources) for the log only.
//! The one exception is a page meant for a person's browser ([`PageForPeople`], the label page
//! of `GET /b`), whose error answers stay HTML.

use std::error::Error as StdError;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bindery_core::api::{ErrorBody, ErrorDetail};
use bindery_core::ErrorCode;
use tracing::Instrument;

/// Any error that can be the source of an internal one.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A failed API call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request was refused with a docs/product.md §4 error code.
    #[error("{code}: {message}")]
    Refused {
        /// The docs/product.md §4 code (and so the HTTP status).
        code: ErrorCode,
        /// The sentence the client sees.
        message: String,
        /// Seconds for `Retry-After` (with `rate_limited` and `unavailable`).
        retry_after: Option<u64>,
    },
    /// Something broke on our side. The source error is logged with the request id; the
    /// client sees only `internal`.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

/// An internal error with what was being done when it happened (`stored SN`, `database`).
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
struct Context {
    context: String,
    #[source]
    source: BoxError,
}

/// `error` and its sources, outermost first, as `a: b: c` (for logs and the CLI).
pub fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        text.push_str(": ");
        text.push_str(&source.to_string());
        next = source.source();
    }
    text
}

impl ApiError {
    /// A refusal with the code's default sentence.
    pub fn new(code: ErrorCode) -> Self {
        ApiError::Refused {
            code,
            message: code.sentence().to_owned(),
            retry_after: None,
        }
    }

    /// A refusal with a specific message.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Refused {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// `rate_limited` with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        ApiError::Refused {
            code: ErrorCode::RateLimited,
            message: ErrorCode::RateLimited.sentence().to_owned(),
            retry_after: Some(retry_after_secs.max(1)),
        }
    }

    /// The same refusal with `Retry-After: secs` (for `unavailable`); an internal error keeps
    /// none.
    pub fn retry_after(self, secs: u64) -> Self {
        match self {
            ApiError::Refused { code, message, .. } => ApiError::Refused {
                code,
                message,
                retry_after: Some(secs.max(1)),
            },
            internal => internal,
        }
    }

    /// `invalid_request` with a message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::with_message(ErrorCode::InvalidRequest, message)
    }

    /// `internal`, keeping `source` (an error, or a sentence) for the log.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        ApiError::Internal(source.into())
    }

    /// `internal` with what was being done (`context`) and the error that stopped it.
    pub fn internal_in(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        ApiError::Internal(Box::new(Context {
            context: context.into(),
            source: source.into(),
        }))
    }

    /// The code this error answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Refused { code, .. } => *code,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if is_busy(&e) {
            tracing::warn!(error = %e, "the database is busy; answering unavailable");
            return ApiError::with_message(
                ErrorCode::Unavailable,
                "The cloud's database is busy with a long write (an import). Nothing was changed: try again in a few seconds.",
            )
            .retry_after(5);
        }
        ApiError::internal_in("database", e)
    }
}

/// Whether the database could not take the request now but will later: no connection came
/// free in time (SQLite has one writer, held by an import), or SQLite's busy timeout ran out.
fn is_busy(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut => true,
        // SQLite's sentences for SQLITE_BUSY and SQLITE_LOCKED (through the `Any` driver
        // its codes read like any other database's, so the sentence is what tells them).
        sqlx::Error::Database(e) => {
            e.message().contains("database is locked")
                || e.message().contains("database table is locked")
        }
        _ => false,
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal_in("worker task", e)
    }
}

/// What an error response still needs to become the docs/product.md §4 body: set by [`ApiError`], read by
/// [`request_context`].
#[derive(Debug, Clone)]
pub struct ErrorReport {
    /// The docs/product.md §4 code.
    pub code: ErrorCode,
    /// The sentence the client sees.
    pub message: String,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u64>,
    /// The cause of an internal error: logged with the request id, never sent.
    pub internal: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let report = match self {
            ApiError::Refused {
                code,
                message,
                retry_after,
            } => ErrorReport {
                code,
                message,
                retry_after,
                internal: None,
            },
            ApiError::Internal(source) => ErrorReport {
                code: ErrorCode::Internal,
                message: ErrorCode::Internal.sentence().to_owned(),
                retry_after: None,
                internal: Some(Arc::from(source)),
            },
        };
        let status = StatusCode::from_u16(report.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(report);
        response
    }
}

/// Marks an answer whose body is a page for people (the label page of `GET /b`): an error
/// status with this extension keeps its body instead of getting the docs/product.md §4 JSON.
#[derive(Debug, Clone, Copy)]
pub struct PageForPeople;

/// The id of the request being served (also sent back as `x-request-id`).
#[derive(Debug, Clone)]
pub struct RequestId(
    /// `req_` and 24 hex digits.
    pub String,
);

/// A fresh request id: `req_` and 96 random bits, so support can look one up unambiguously.
pub fn new_request_id() -> String {
    format!("req_{}", crate::db::random_hex(12))
}

/// Outermost middleware: assigns the request id (a client-sent `x-request-id` is ignored so
/// support records cannot be forged), runs the request in a span that carries it, and
/// finishes error answers into the docs/product.md §4 body.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let id = new_request_id();
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let response = next.run(request).instrument(span.clone()).await;
    let mut response = span.in_scope(|| finish_error(response, &id));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

fn finish_error(response: Response, request_id: &str) -> Response {
    if response.extensions().get::<PageForPeople>().is_some() {
        return response;
    }
    let status = response.status();
    let report = match response.extensions().get::<ErrorReport>() {
        Some(report) => report.clone(),
        None => {
            let is_json = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            if !(status.is_client_error() || status.is_server_error()) || is_json {
                return response;
            }
            report_for_bare_status(status)
        }
    };
    if let Some(source) = &report.internal {
        let detail = error_chain(source.as_ref());
        tracing::error!(request_id, %detail, "internal error");
    } else if report.code == bindery_core::ErrorCode::Internal {
        tracing::error!(request_id, status = status.as_u16(), "internal error");
    }
    let body = ErrorBody {
        error: ErrorDetail {
            code: report.code,
            message: report.message.clone(),
            request_id: request_id.to_owned(),
        },
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let status = StatusCode::from_u16(report.code.http_status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = Response::new(Body::from(json));
    *out.status_mut() = status;
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(secs) = report.retry_after {
        out.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    out
}

/// The docs/product.md §4 code for an error answer produced outside our handlers.
fn report_for_bare_status(status: StatusCode) -> ErrorReport {
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, None),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, Some("no such API call")),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::InvalidRequest,
            Some("this method is not allowed on this path"),
        ),
        StatusCode::UNAUTHORIZED => (ErrorCode::Unauthorized, None),
        StatusCode::FORBIDDEN => (ErrorCode::Forbidden, None),
        // The request timeout's answer: the server is overloaded or the database busy, which
        // a retry a little later can fix; not an internal failure.
        StatusCode::REQUEST_TIMEOUT => (
            ErrorCode::Unavailable,
            Some("the server took too long to answer; try again in a few seconds"),
        ),
        s if s.is_client_error() => (ErrorCode::InvalidRequest, None),
        _ => (ErrorCode::Internal, None),
    };
    ErrorReport {
        code,
        message: message.unwrap_or(code.sentence()).to_owned(),
        retry_after: (code == ErrorCode::Unavailable).then_some(5),
        internal: (code == ErrorCode::Internal).then(|| {
            let detail: BoxError = format!("bare {status} answer").into();
            Arc::from(detail)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_a_retryable_503_not_a_500() {
        let error = ApiError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(error.code(), ErrorCode::Unavailable);
        assert_eq!(error.code().http_status(), 503);
        assert!(error.code().is_retryable());
        let ApiError::Refused { retry_after, .. } = error else {
            panic!("a refusal");
        };
        assert_eq!(retry_after, Some(5));
        let other = ApiError::from(sqlx::Error::RowNotFound);
        assert_eq!(other.code(), ErrorCode::Internal);
    }

    #[test]
    fn a_request_that_timed_out_is_a_retryable_503_not_a_500() {
        let mut timed_out = Response::new(Body::empty());
        *timed_out.status_mut() = StatusCode::REQUEST_TIMEOUT;
        let answer = finish_error(timed_out, "req_test");
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.headers()[header::RETRY_AFTER], "5");
        let report = report_for_bare_status(StatusCode::REQUEST_TIMEOUT);
        assert_eq!(report.code, ErrorCode::Unavailable);
        assert!(report.internal.is_none());
        assert!(report.message.contains("try again"), "{}", report.message);
    }

    #[test]
    fn internal_errors_keep_their_source_and_send_none_of_it() {
        let io = std::io::Error::other("disk on fire at /var/secret");
        let error = ApiError::internal_in("reading the archive", io);
        assert_eq!(error.code(), ErrorCode::Internal);
        let source = error.source().expect("the source is kept");
        assert_eq!(
            error_chain(source),
            "reading the archive: disk on fire at /var/secret"
        );
        assert!(!error.to_string().contains("secret"));
        let response = error.into_response();
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert_eq!(report.message, ErrorCode::Internal.sentence());
        assert!(!report.message.contains("secret"));
        assert!(report.internal.is_some());
    }
}
