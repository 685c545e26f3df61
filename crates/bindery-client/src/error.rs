//! What can go wrong with a call, in the three kinds the app must tell apart: the cloud
//! could not be reached (check the network), the cloud refused (show the code's sentence and
//! the request id), or the cloud answered something this client cannot read (update the app).

use std::time::Duration;

use bindery_core::ErrorCode;

/// Why a network attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    /// The connection was refused or reset (nothing listening, or it went away).
    Connect,
    /// No answer in time.
    Timeout,
    /// The name could not be resolved.
    Dns,
    /// TLS failed (certificate, protocol).
    Tls,
    /// Anything else below HTTP.
    Other,
}

/// The error of every call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The cloud could not be reached.
    #[error("could not reach the cloud at {url} ({kind:?}): {detail}. Check the network connection and the cloud address, then retry")]
    Network {
        /// The address that could not be reached.
        url: String,
        /// What kind of failure it was.
        kind: NetworkKind,
        /// The failure as the network stack described it.
        detail: String,
    },
    /// The cloud answered with one of the error codes of API v1.
    #[error("{message} [{code}, request id {request_id}]")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The error code, one of API v1's.
        code: ErrorCode,
        /// The cloud's sentence about it.
        message: String,
        /// The id support looks the failed request up by.
        request_id: String,
        /// How long to wait before trying again, when the cloud said (`rate_limited`).
        retry_after: Option<Duration>,
    },
    /// The cloud's answer could not be understood.
    #[error("the cloud answered with status {status} in a form this client does not understand ({detail}). Is the address right, and is the app up to date?")]
    Decode {
        /// The HTTP status of the answer.
        status: u16,
        /// What could not be read.
        detail: String,
        /// The request id, when the answer carried one.
        request_id: Option<String>,
    },
    /// The cloud address is not an http(s) URL, or a path given to the client would leave
    /// the cloud (a recorded path naming another host, a `..` for an id).
    #[error("{url:?} is not a cloud address; use one like http://127.0.0.1:8080")]
    BadUrl {
        /// The address or path as given.
        url: String,
    },
}

impl ClientError {
    /// The error code, when the cloud refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Server { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The request id the cloud gave the failed request, for support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ClientError::Server { request_id, .. } => Some(request_id),
            ClientError::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the same call may succeed if tried again.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Network { .. } => true,
            ClientError::Server { code, .. } => code.is_retryable(),
            ClientError::Decode { status, .. } => *status >= 500,
            ClientError::BadUrl { .. } => false,
        }
    }

    pub(crate) fn from_reqwest(url: &str, err: &reqwest::Error) -> Self {
        let detail = error_chain(err);
        let lower = detail.to_ascii_lowercase();
        let kind = if err.is_timeout() {
            NetworkKind::Timeout
        } else if lower.contains("dns") || lower.contains("failed to lookup") {
            NetworkKind::Dns
        } else if lower.contains("certificate") || lower.contains("tls") {
            NetworkKind::Tls
        } else if is_connect(err) || lower.contains("connection") {
            NetworkKind::Connect
        } else {
            NetworkKind::Other
        };
        ClientError::Network {
            url: url.to_owned(),
            kind,
            detail,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn is_connect(err: &reqwest::Error) -> bool {
    err.is_connect()
}

// The browser does not tell a page why a fetch failed.
#[cfg(target_arch = "wasm32")]
fn is_connect(_: &reqwest::Error) -> bool {
    false
}

/// reqwest's top-level message is vague ("error sending request"); the sources say why.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}
