//! QR label contents: every form of docs/product.md §3 through one parser.
//!
//! The app, the CLI and the cloud all call [`parse_qr`], so a label that one accepts the others
//! accept too. Parsing is total: any string gives a [`QrPayload`] (possibly of kind
//! [`QrKind::Unknown`], which the cloud answers with `bad_qr_content`) or a [`QrError`] that
//! keeps the input and names the problem. The work is split the way the text is read:
//! [`parse`] normalises and recognises the form, then validates its fields; [`format`] writes
//! the forms Bindery prints.

mod format;
mod mask;
mod parse;

use std::fmt;

pub use format::{format_bindery_url, format_bindery_v2, format_quectel_v1};
pub use mask::{mask_label_secrets, MASKED};
pub use parse::{parse_qr, MAX_QR_LEN};

use crate::{BindCode, ProductKey, Sn, ValueError};

/// Which form a label was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrKind {
    /// `pk=…&sn=…&v=2&bc=…`, printed by Bindery.
    BinderyV2,
    /// `pk=…&sn=…&v=1`, printed elsewhere; no secret.
    QuectelV1,
    /// `http(s)://host/path?pk=…&sn=…[&bc=…]`, a deep link.
    Url,
    /// `product_key=…&did=…&passcode=…`.
    GizwitsLegacy,
    /// `type=share&code=…`; recognised so it can be refused clearly.
    GizwitsShare,
    /// `MT:…`, a Matter onboarding code, not a binding code.
    Matter,
    /// An SN alone.
    BareSn,
    /// Anything else; the cloud answers `bad_qr_content`.
    Unknown,
}

impl QrKind {
    /// The kind's name in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            QrKind::BinderyV2 => "bindery_v2",
            QrKind::QuectelV1 => "quectel_v1",
            QrKind::Url => "url",
            QrKind::GizwitsLegacy => "gizwits_legacy",
            QrKind::GizwitsShare => "gizwits_share",
            QrKind::Matter => "matter",
            QrKind::BareSn => "bare_sn",
            QrKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for QrKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields a label carries, by form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrContent {
    /// `pk=…&sn=…&v=2&bc=…`, printed by Bindery.
    BinderyV2 {
        /// The product key (`pk`).
        product_key: ProductKey,
        /// The serial number (`sn`).
        sn: Sn,
        /// The device's bind code (`bc`): the label's secret.
        bind_code: BindCode,
    },
    /// `pk=…&sn=…&v=1`, printed elsewhere.
    QuectelV1 {
        /// The product key (`pk`).
        product_key: ProductKey,
        /// The serial number (`sn`).
        sn: Sn,
    },
    /// A deep link with the same fields as query parameters.
    Url {
        /// The product key (`pk`).
        product_key: ProductKey,
        /// The serial number (`sn`).
        sn: Sn,
        /// The bind code (`bc`), when the link carries one.
        bind_code: Option<BindCode>,
    },
    /// `product_key=…&did=…&passcode=…`.
    GizwitsLegacy {
        /// The product key.
        product_key: ProductKey,
        /// The Gizwits device id.
        did: String,
        /// The device's passcode: the label's secret.
        passcode: String,
    },
    /// `type=share&code=…`.
    GizwitsShare {
        /// The share code.
        code: String,
    },
    /// `MT:…`.
    Matter {
        /// The base38 text after `MT:`.
        payload: String,
    },
    /// An SN alone.
    BareSn {
        /// The serial number.
        sn: Sn,
    },
    /// None of the forms.
    Unknown,
}

/// A parsed label: the text exactly as scanned and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPayload {
    raw: String,
    content: QrContent,
}

impl QrPayload {
    pub(crate) fn new(raw: &str, content: QrContent) -> Self {
        QrPayload {
            raw: raw.to_owned(),
            content,
        }
    }

    /// The scanned text, unmodified (this is what the app sends as `qr_content`).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// What the label means, field by field.
    pub fn content(&self) -> &QrContent {
        &self.content
    }

    /// Which form the label was written in.
    pub fn kind(&self) -> QrKind {
        match self.content {
            QrContent::BinderyV2 { .. } => QrKind::BinderyV2,
            QrContent::QuectelV1 { .. } => QrKind::QuectelV1,
            QrContent::Url { .. } => QrKind::Url,
            QrContent::GizwitsLegacy { .. } => QrKind::GizwitsLegacy,
            QrContent::GizwitsShare { .. } => QrKind::GizwitsShare,
            QrContent::Matter { .. } => QrKind::Matter,
            QrContent::BareSn { .. } => QrKind::BareSn,
            QrContent::Unknown => QrKind::Unknown,
        }
    }

    /// The product key, in the forms that carry one.
    pub fn product_key(&self) -> Option<&ProductKey> {
        match &self.content {
            QrContent::BinderyV2 { product_key, .. }
            | QrContent::QuectelV1 { product_key, .. }
            | QrContent::Url { product_key, .. }
            | QrContent::GizwitsLegacy { product_key, .. } => Some(product_key),
            _ => None,
        }
    }

    /// The SN, in the forms that carry one.
    pub fn sn(&self) -> Option<&Sn> {
        match &self.content {
            QrContent::BinderyV2 { sn, .. }
            | QrContent::QuectelV1 { sn, .. }
            | QrContent::Url { sn, .. }
            | QrContent::BareSn { sn } => Some(sn),
            _ => None,
        }
    }

    /// The bind code, when the label carries one.
    pub fn bind_code(&self) -> Option<&BindCode> {
        match &self.content {
            QrContent::BinderyV2 { bind_code, .. } => Some(bind_code),
            QrContent::Url { bind_code, .. } => bind_code.as_ref(),
            _ => None,
        }
    }

    /// The Gizwits device id.
    pub fn did(&self) -> Option<&str> {
        match &self.content {
            QrContent::GizwitsLegacy { did, .. } => Some(did),
            _ => None,
        }
    }

    /// The Gizwits passcode.
    pub fn passcode(&self) -> Option<&str> {
        match &self.content {
            QrContent::GizwitsLegacy { passcode, .. } => Some(passcode),
            _ => None,
        }
    }
}

/// The flat JSON shape of `bindery-cli qr parse`: kind plus every field, absent ones as null.
impl serde::Serialize for QrPayload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("QrPayload", 6)?;
        st.serialize_field("kind", self.kind().as_str())?;
        st.serialize_field("product_key", &self.product_key().map(ProductKey::as_str))?;
        st.serialize_field("sn", &self.sn().map(Sn::as_str))?;
        st.serialize_field("bind_code", &self.bind_code().map(BindCode::as_str))?;
        st.serialize_field("did", &self.did())?;
        st.serialize_field("passcode", &self.passcode())?;
        st.end()
    }
}

/// Why a text is not a usable label. Every variant keeps the input as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// Nothing but whitespace.
    #[error("the QR content is empty: scan the code again or type it")]
    Empty {
        /// The text as given.
        input: String,
    },
    /// Longer than [`MAX_QR_LEN`].
    #[error("the QR content is {len} bytes long, more than the {max} a label can hold")]
    TooLong {
        /// The text as given.
        input: String,
        /// Its length in bytes, trimmed.
        len: usize,
        /// The most accepted.
        max: usize,
    },
    /// A control character (a line break inside the text, a NUL, …).
    #[error("the QR content {input:?} contains a control character ({}) at position {}", ch.escape_debug(), index + 1)]
    ControlCharacter {
        /// The text as given.
        input: String,
        /// The character.
        ch: char,
        /// Where it is, counted in characters from 0.
        index: usize,
    },
    /// A part between `&`s with no `=`, or with an empty key.
    #[error("the QR content {input:?} has a part {segment:?} that is not of the form key=value")]
    MalformedPair {
        /// The text as given.
        input: String,
        /// The part.
        segment: String,
    },
    /// The same key twice (compared without case).
    #[error("the QR content {input:?} gives the field {field:?} twice")]
    DuplicateField {
        /// The text as given.
        input: String,
        /// The key, lower-cased.
        field: String,
    },
    /// A field the recognised form needs is absent.
    #[error("the QR content {input:?} has no {field:?} field, which this kind of label needs")]
    MissingField {
        /// The text as given.
        input: String,
        /// The missing key.
        field: &'static str,
    },
    /// A field the recognised form must not have (a bind code on a version 1 label).
    #[error("the QR content {input:?} has a {field:?} field, but {reason}")]
    UnexpectedField {
        /// The text as given.
        input: String,
        /// The key.
        field: &'static str,
        /// Why it does not belong.
        reason: &'static str,
    },
    /// A label version (`v=`) other than 1 or 2.
    #[error("the QR content {input:?} is label version {version:?}; this app knows versions 1 and 2 (update the app?)")]
    UnsupportedVersion {
        /// The text as given.
        input: String,
        /// The version as written.
        version: String,
    },
    /// A product key, SN or bind code that breaks its domain rule.
    #[error("the QR content {input:?} has an {error}")]
    InvalidValue {
        /// The text as given.
        input: String,
        /// Which value, and what is wrong with it.
        error: ValueError,
    },
    /// Another field whose value is not of the expected shape (a Gizwits token, `type`).
    #[error("the QR content {input:?} has a bad {field:?} value {value:?}: expected {expected}")]
    BadField {
        /// The text as given.
        input: String,
        /// The key.
        field: &'static str,
        /// The value, decoded.
        value: String,
        /// What it should look like.
        expected: &'static str,
    },
    /// Starts with `MT:` but is not a Matter onboarding payload.
    #[error("the QR content {input:?} starts like a Matter code but {reason}")]
    BadMatter {
        /// The text as given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl QrError {
    /// The text that failed to parse.
    pub fn input(&self) -> &str {
        match self {
            QrError::Empty { input }
            | QrError::TooLong { input, .. }
            | QrError::ControlCharacter { input, .. }
            | QrError::MalformedPair { input, .. }
            | QrError::DuplicateField { input, .. }
            | QrError::MissingField { input, .. }
            | QrError::UnexpectedField { input, .. }
            | QrError::UnsupportedVersion { input, .. }
            | QrError::InvalidValue { input, .. }
            | QrError::BadField { input, .. }
            | QrError::BadMatter { input, .. } => input,
        }
    }
}
