//! Why an action failed, kept as the kinds the user must tell apart (a refusal with its code
//! and request id, an unreachable cloud, a local problem), with the cloud it happened on and
//! the action to retry. The panel's heading and sentence are in [`crate::i18n`].

use std::time::Duration;

use bindery_client::{ClientError, NetworkKind};
use bindery_core::{ErrorCode, ValueError};

use super::jobs::Action;
use super::view::Cloud;

/// Why an action failed, in the kinds the user must tell apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The cloud answered with a docs/product.md §4 error code.
    Refused {
        /// What the cloud refused, which picks the sentence the panel shows.
        code: ErrorCode,
        /// The id the cloud gave the request (`req_…`), shown for support to look it up.
        request_id: String,
        /// How long the cloud asked to wait before trying again (`rate_limited`); `None`
        /// when it did not say.
        retry_after: Option<Duration>,
    },
    /// The cloud could not be reached (no answer at all).
    Unreachable {
        /// Whether the cloud was too slow to answer rather than not there (the sentence
        /// differs).
        timeout: bool,
    },
    /// The cloud answered something this app cannot read.
    Unreadable {
        /// The HTTP status of the answer, shown in the sentence.
        status: u16,
        /// The request id, when the answer carried one.
        request_id: Option<String>,
    },
    /// The configured cloud address is not an http(s) URL.
    BadCloudUrl {
        /// The address as the user or the command line gave it.
        url: String,
    },
    /// Typed input that breaks a rule; it was not sent.
    Invalid(ValueError),
    /// Scanning on this device failed (an image without a code, a camera that stopped).
    Scan(ScanProblem),
    /// The sandbox cloud on this computer failed (it could not be started or reset).
    Sandbox {
        /// What went wrong, in the sandbox's own words (shown inside the sentence).
        detail: String,
    },
}

/// What went wrong while scanning on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProblem {
    /// The image holds no readable QR code.
    NoCodeIn {
        /// The picture as the user knows it: its path on the desktop, its file name in the
        /// browser.
        file: String,
    },
    /// The file is not an image this app can read.
    ImageUnreadable {
        /// The file as the user knows it: its path on the desktop, its name in the browser.
        file: String,
        /// Why it could not be read, in the decoder's or the system's own words.
        detail: String,
    },
    /// The browser's scanner (loaded when first needed) could not be loaded to read it.
    ScannerUnavailable {
        /// The picture the user picked, which was not read.
        file: String,
        /// Why, in the browser's own words.
        detail: String,
    },
    /// This build of the app reads no images at all.
    ImagesUnsupported {
        /// The file the user tried to open, which was not opened.
        file: String,
    },
}

/// A failed action as the error panel shows it: what happened, on which cloud, and the
/// action to run again when a retry can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong; it picks the panel's heading and sentence.
    pub kind: FailureKind,
    /// The cloud in use when it happened, which the panel names.
    pub cloud: Cloud,
    /// The action Retry runs again; `None` when trying again as it is cannot help (a
    /// refusal other than `rate_limited` or `internal`, bad input, a local problem).
    pub retry: Option<Action>,
}

impl Failure {
    /// A failure no retry can help with (bad input, a local problem).
    pub(super) fn without_retry(kind: FailureKind, cloud: &Cloud) -> Failure {
        Failure {
            kind,
            cloud: cloud.clone(),
            retry: None,
        }
    }

    /// A cloud address the client refused (`cloud` is where the app stays meanwhile).
    pub(super) fn bad_url(error: ClientError, cloud: &Cloud) -> Failure {
        let url = match error {
            ClientError::BadUrl { url } => url,
            other => other.to_string(),
        };
        Failure::without_retry(FailureKind::BadCloudUrl { url }, cloud)
    }

    /// What the client's error means for the user; a retry is offered when it can help.
    pub(super) fn from_client(error: ClientError, cloud: &Cloud, action: &Action) -> Failure {
        let retryable = error.is_retryable();
        let kind = match error {
            ClientError::Network { kind, .. } => FailureKind::Unreachable {
                timeout: kind == NetworkKind::Timeout,
            },
            ClientError::Server {
                code,
                request_id,
                retry_after,
                ..
            } => FailureKind::Refused {
                code,
                request_id,
                retry_after,
            },
            ClientError::Decode {
                status, request_id, ..
            } => FailureKind::Unreadable { status, request_id },
            ClientError::BadUrl { url } => FailureKind::BadCloudUrl { url },
        };
        Failure {
            kind,
            cloud: cloud.clone(),
            retry: retryable.then(|| action.clone()),
        }
    }

    /// The docs/product.md §4 code, when the cloud refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match &self.kind {
            FailureKind::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The request id to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        match &self.kind {
            FailureKind::Refused { request_id, .. } => Some(request_id),
            FailureKind::Unreadable { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}
