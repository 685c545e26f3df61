//! The stable error codes of API v1 (docs/product.md §4).
//!
//! The cloud answers every failure with one of these; the client turns them back into this
//! enum; the app and the CLI map each to a sentence. Adding a code is an API change, so the
//! list is closed and `ALL` lets tests walk it.

use std::fmt;

/// An API v1 error code with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400: the request is malformed (bad JSON, a missing or invalid field).
    InvalidRequest,
    /// 400: the scanned text is not a label this cloud can bind.
    BadQrContent,
    /// 401: not signed in, or the session token or key is no longer valid.
    Unauthorized,
    /// 403: signed in, but not allowed to do this (another maker's product, no support key).
    Forbidden,
    /// 403: the label's bind code is not this SN's.
    BadBindCode,
    /// 404: no such thing (a did, a product, a request id).
    NotFound,
    /// 404: no device has this SN.
    SnNotFound,
    /// 409: the SN exists but its DeviceKey is not imported yet, so it cannot be bound.
    SnNotActivated,
    /// 409: the device is bound to another account (which one is never said).
    AlreadyBound,
    /// 409: an account with this email exists.
    EmailTaken,
    /// 409: the SN is already paired with another DeviceKey (pairing station, issue 18).
    SnAlreadyPaired,
    /// 409: the DeviceKey belongs to another device already.
    DeviceKeyInUse,
    /// 422: the device name is empty, too long or has control characters.
    InvalidName,
    /// 413: the body is larger than the cloud accepts.
    PayloadTooLarge,
    /// 429: too many attempts; `Retry-After` says when to try again.
    RateLimited,
    /// 500: the cloud failed; it logged the request id.
    Internal,
    /// 503: the cloud is too busy for this request right now (its database is held by a
    /// long write, or too many passwords are being checked); `Retry-After` says when to try
    /// again. Nothing was changed.
    Unavailable,
}

impl ErrorCode {
    /// Every code, in the order of the spec's table.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::InvalidRequest,
        ErrorCode::BadQrContent,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::BadBindCode,
        ErrorCode::NotFound,
        ErrorCode::SnNotFound,
        ErrorCode::SnNotActivated,
        ErrorCode::AlreadyBound,
        ErrorCode::EmailTaken,
        ErrorCode::SnAlreadyPaired,
        ErrorCode::DeviceKeyInUse,
        ErrorCode::InvalidName,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::BadQrContent => "bad_qr_content",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::BadBindCode => "bad_bind_code",
            ErrorCode::NotFound => "not_found",
            ErrorCode::SnNotFound => "sn_not_found",
            ErrorCode::SnNotActivated => "sn_not_activated",
            ErrorCode::AlreadyBound => "already_bound",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::SnAlreadyPaired => "sn_already_paired",
            ErrorCode::DeviceKeyInUse => "device_key_in_use",
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    /// The HTTP status the cloud answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest | ErrorCode::BadQrContent => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden | ErrorCode::BadBindCode => 403,
            ErrorCode::NotFound | ErrorCode::SnNotFound => 404,
            ErrorCode::SnNotActivated
            | ErrorCode::AlreadyBound
            | ErrorCode::EmailTaken
            | ErrorCode::SnAlreadyPaired
            | ErrorCode::DeviceKeyInUse => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::InvalidName => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }

    /// The English sentence for this code: what happened and what to do. The cloud sends it
    /// as the default `message`; the app has its own translated table keyed by the code.
    pub fn sentence(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => {
                "The request was not understood. Update the app or check the command, then try again."
            }
            ErrorCode::BadQrContent => {
                "This QR code is not a device label. Scan the code on the device or its box."
            }
            ErrorCode::Unauthorized => "You are signed out or your session expired. Sign in again.",
            ErrorCode::Forbidden => "You are not allowed to do this. Check the account or key you use.",
            ErrorCode::BadBindCode => {
                "The code on this label does not match the device. Scan the label on the device itself."
            }
            ErrorCode::NotFound => "That was not found. Refresh the list and try again.",
            ErrorCode::SnNotFound => {
                "No device has this serial number. Check the label, or contact the device maker."
            }
            ErrorCode::SnNotActivated => {
                "This device has not been activated by its maker yet. Try again later or contact the maker."
            }
            ErrorCode::AlreadyBound => {
                "This device is bound to another account. Ask its owner to unbind it first."
            }
            ErrorCode::EmailTaken => {
                "An account with this email already exists. Sign in instead, or use another email."
            }
            ErrorCode::SnAlreadyPaired => {
                "This device is already paired with another module. Check that the module and the label belong to the same device."
            }
            ErrorCode::DeviceKeyInUse => {
                "This module's IMEI or MAC already belongs to another device. Check the module, or unpair the other device first."
            }
            ErrorCode::InvalidName => {
                "That name cannot be used. Use 1 to 64 characters without line breaks."
            }
            ErrorCode::PayloadTooLarge => "The upload is too large. Split it into smaller files.",
            ErrorCode::RateLimited => "Too many attempts. Wait a moment, then try again.",
            ErrorCode::Internal => {
                "Something went wrong on the server. Try again; if it keeps happening, contact support with the request id."
            }
            ErrorCode::Unavailable => {
                "The server is busy and did not do this. Wait a few seconds, then try again."
            }
        }
    }

    /// Whether trying the same request again later can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited | ErrorCode::Internal | ErrorCode::Unavailable
        )
    }

    /// The code for a wire string, `None` for a code this version does not know.
    pub fn from_wire(s: &str) -> Option<Self> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ErrorCode::from_wire(&raw)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {raw:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_the_spec() {
        #[rustfmt::skip]
        let spec: &[(&str, u16)] = &[
            ("invalid_request", 400), ("bad_qr_content", 400), ("unauthorized", 401),
            ("forbidden", 403), ("bad_bind_code", 403), ("not_found", 404),
            ("sn_not_found", 404), ("sn_not_activated", 409), ("already_bound", 409),
            ("email_taken", 409), ("sn_already_paired", 409), ("device_key_in_use", 409),
            ("invalid_name", 422), ("payload_too_large", 413),
            ("rate_limited", 429), ("internal", 500), ("unavailable", 503),
        ];
        assert_eq!(spec.len(), ErrorCode::ALL.len());
        for (wire, status) in spec {
            let code = ErrorCode::from_wire(wire).unwrap();
            assert_eq!(code.as_str(), *wire);
            assert_eq!(code.http_status(), *status, "{wire}");
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{wire}\""));
        }
        assert_eq!(ErrorCode::from_wire("teapot"), None);
    }
}
