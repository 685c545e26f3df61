//! Bindery's shared vocabulary: the QR label formats, the validated domain types, the API v1
//! wire types and the error codes. The app, the CLI, the client and the cloud all speak
//! through this crate, so a rule (say, what a valid SN is) is written once and enforced the
//! same way everywhere.
//!
//! There is no I/O here and nothing platform-specific besides the CSPRNG used to mint bind
//! codes, so the crate builds for `wasm32-unknown-unknown` and Android unchanged.
//!
//! # Example
//!
//! A scanned label gives its serial number (SN) and, on a label Bindery printed, the bind
//! code that makes it more than a bearer token; a trace shows the label with that code
//! masked. A label that is recognisably broken is a typed error that keeps the text:
//!
//! ```
//! use bindery_core::{parse_qr, qr::mask_label_secrets, Field, QrError, QrKind};
//!
//! let label = parse_qr("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7q4x-k2m9-pd\n").unwrap();
//! assert_eq!(label.kind(), QrKind::BinderyV2);
//! assert_eq!(label.sn().unwrap().as_str(), "BD7K2M9Q4X");
//! // Bind codes are read as people type them: any case, hyphens ignored.
//! assert_eq!(label.bind_code().unwrap().as_str(), "7Q4XK2M9PD");
//! assert_eq!(
//!     mask_label_secrets(label.raw().trim()),
//!     "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=***"
//! );
//!
//! // A version 1 label (printed elsewhere) has an SN and no bind code.
//! let quectel = parse_qr("pk=p1a2b3&sn=VDR7098612099028&v=1").unwrap();
//! assert_eq!(quectel.sn().unwrap().as_str(), "VDR7098612099028");
//! assert_eq!(quectel.bind_code(), None);
//!
//! match parse_qr("pk=p1a2b3&sn=BD7K!2M9Q4X&v=1") {
//!     Err(QrError::InvalidValue { input, error }) => {
//!         assert_eq!(input, "pk=p1a2b3&sn=BD7K!2M9Q4X&v=1");
//!         assert_eq!(error.field, Field::Sn);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

#![deny(missing_docs)]

pub mod api;
pub mod domain;
pub mod error_code;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod qr;

pub use domain::{
    BindCode, BindCodeHash, BindPolicy, DeviceKey, DeviceName, Email, Field, LabelForm,
    LabelFormError, Password, Problem, ProductKey, QrTaskDevices, QrTaskError, Sn, ValueError,
};
pub use error_code::ErrorCode;
pub use qr::{parse_qr, QrError, QrKind, QrPayload};
