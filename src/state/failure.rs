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
        code: ErrorCode,
        request_id: String,
        retry_after: Option<Duration>,
    },
    /// The cloud could not be reached (no answer at all).
    Unreachable { timeout: bool },
    /// The cloud answered something this app cannot read.
    Unreadable {
        status: u16,
        request_id: Option<String>,
    },
    /// The configured cloud address is not an http(s) URL.
    BadCloudUrl { url: String },
    /// Typed input that breaks a rule; it was not sent.
    Invalid(ValueError),
    /// Scanning on this device failed (an image without a code, a camera that stopped).
    Scan(ScanProblem),
    /// The sandbox cloud on this computer failed (it could not be started or reset).
    Sandbox { detail: String },
}

/// What went wrong while scanning on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProblem {
    /// The image holds no readable QR code.
    NoCodeIn { file: String },
    /// The file is not an image this app can read.
    ImageUnreadable { file: String, detail: String },
    /// This build of the app reads no images at all.
    ImagesUnsupported { file: String },
    /// The camera (or the QA source) stopped.
    CameraStopped { detail: String },
}

/// A failed action as the error panel shows it: what happened, on which cloud, and the
/// action to run again when a retry can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub cloud: Cloud,
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
