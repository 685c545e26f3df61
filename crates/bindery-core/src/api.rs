//! API v1 wire types (docs/product.md §4), shared by the cloud that serves them and the clients
//! that call them, so the two cannot drift apart.
//!
//! Requests carry raw strings where the server must answer a bad value with a specific error
//! code (a bad device name is `invalid_name`, not a JSON error); responses carry validated
//! types where the server guarantees them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{BindPolicy, ErrorCode, ProductKey, Sn};

/// `POST /v1/users` and `POST /v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// `POST /v1/users` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub uid: String,
}

/// `POST /v1/sessions` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub uid: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// `POST /v1/qr/inspect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectRequest {
    pub qr_content: String,
}

/// What a scanned label means for the signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Bindable,
    BoundToYou,
    BoundToOther,
    NotActivated,
}

/// `POST /v1/qr/inspect` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub product_key: ProductKey,
    pub product_name: String,
    pub sn: Sn,
    pub status: DeviceStatus,
}

/// `POST /v1/bindings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindRequest {
    pub qr_content: String,
    pub name: String,
}

/// `PATCH /v1/bindings/{did}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameRequest {
    pub name: String,
}

/// A device bound to the signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub did: String,
    pub product_key: ProductKey,
    pub product_name: String,
    pub sn: Sn,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub bound_at: OffsetDateTime,
}

/// `POST /v1/bindings` → 201 (or 200 on an idempotent retry); `PATCH` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceEnvelope {
    pub device: Device,
}

/// `GET /v1/bindings` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<Device>,
}

/// `POST /v1/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateProduct {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_policy: Option<BindPolicy>,
}

/// A product in the Developer Center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub product_key: ProductKey,
    pub name: String,
    pub bind_policy: BindPolicy,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `GET /v1/products` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductList {
    pub products: Vec<Product>,
}

/// `POST /v1/products/{pk}/sn-batches`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBatch {
    pub count: u32,
}

/// An SN batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub batch_id: String,
    pub count: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `GET /v1/products/{pk}/sn-batches` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchList {
    pub batches: Vec<Batch>,
}

/// The most SNs one batch may hold.
pub const MAX_BATCH_COUNT: u32 = 10_000;

/// The header of the DeviceKey↔SN import template (Quectel's; `*` marks required columns).
pub const IMPORT_TEMPLATE_HEADER: [&str; 5] = [
    "*DeviceKey",
    "*ProductKey",
    "Device SN",
    "Device Name",
    "Certificate Fingerprint",
];

/// One row an import refused: 1-based row number in the file (the header is row 1), the
/// column's header, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    pub row: u64,
    pub column: String,
    pub code: String,
    pub message: String,
}

/// `POST /v1/products/{pk}/devices/import` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub imported: u64,
    pub rejected: Vec<RejectedRow>,
}

/// `POST /qrcode/v1/{pk}/tasks` (Gizwits-compatible).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateQrTask {
    pub start_mac: String,
    pub end_mac: String,
}

/// One Gizwits-style QR task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrTask {
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// `/static/zipfiles/<n>.zip`
    pub file: String,
}

/// Paging metadata of a Gizwits-style list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListMeta {
    pub total_count: u64,
    pub limit: u64,
    pub offset: u64,
}

/// `GET /qrcode/v1/{pk}/tasks` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrTaskList {
    pub meta: ListMeta,
    pub objects: Vec<QrTask>,
}

/// Who holds a device now (support view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentBinding {
    pub account_email: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub bound_at: OffsetDateTime,
}

/// One recorded bind attempt (support view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindAttempt {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The account's email, `None` when the attempt was not signed in.
    pub account: Option<String>,
    /// `ok` or the error code the attempt was answered with.
    pub result: String,
    pub request_id: String,
    pub sn: Option<Sn>,
}

/// `GET /v1/support/devices/{sn}` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportDevice {
    pub sn: Sn,
    pub product_key: ProductKey,
    pub product_name: String,
    pub device_key: Option<String>,
    pub batch_id: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub imported_at: Option<OffsetDateTime>,
    pub binding: Option<CurrentBinding>,
    pub attempts: Vec<BindAttempt>,
}

/// The body of every error answer: `{"error":{"code","message","request_id"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    pub request_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_matches_the_contract() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::AlreadyBound,
                message: "m".into(),
                request_id: "r1".into(),
            },
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error":{"code":"already_bound","message":"m","request_id":"r1"}})
        );
        assert_eq!(serde_json::from_value::<ErrorBody>(json).unwrap(), body);
    }

    #[test]
    fn responses_reject_invalid_identifiers() {
        let bad = serde_json::json!({
            "product_key": "p!", "product_name": "x", "sn": "BD7K2M9Q4X", "status": "bindable"
        });
        assert!(serde_json::from_value::<Inspection>(bad).is_err());
        let good = serde_json::json!({
            "product_key": "p1a2b3", "product_name": "x", "sn": "BD7K2M9Q4X", "status": "bound_to_you"
        });
        let inspection: Inspection = serde_json::from_value(good).unwrap();
        assert_eq!(inspection.status, DeviceStatus::BoundToYou);
    }

    #[test]
    fn timestamps_are_rfc3339() {
        let device = Device {
            did: "d1".into(),
            product_key: ProductKey::parse("p1a2b3").unwrap(),
            product_name: "Plug".into(),
            sn: Sn::parse("BD7K2M9Q4X").unwrap(),
            name: "Kitchen".into(),
            bound_at: time::macros::datetime!(2026-11-22 03:00 UTC),
        };
        let json = serde_json::to_value(&device).unwrap();
        assert_eq!(json["bound_at"], "2026-11-22T03:00:00Z");
        assert_eq!(serde_json::from_value::<Device>(json).unwrap(), device);
    }
}
