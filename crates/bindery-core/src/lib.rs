//! Bindery's shared vocabulary: the QR label formats, the validated domain types, the API v1
//! wire types and the error codes. The app, the CLI, the client and the cloud all speak
//! through this crate, so a rule (say, what a valid SN is) is written once and enforced the
//! same way everywhere.
//!
//! There is no I/O here and nothing platform-specific besides the CSPRNG used to mint bind
//! codes, so the crate builds for `wasm32-unknown-unknown` and Android unchanged.

pub mod api;
pub mod domain;
pub mod error_code;
pub mod qr;

pub use domain::{
    BindCode, BindCodeHash, BindPolicy, DeviceKey, DeviceName, Email, Field, Password, Problem,
    ProductKey, Sn, ValueError,
};
pub use error_code::ErrorCode;
pub use qr::{parse_qr, QrError, QrKind, QrPayload};
