//! API v1 wire types (docs/product.md §4), shared by the cloud that serves them and the clients
//! that call them, so the two cannot drift apart.
//!
//! Requests carry raw strings where the server must answer a bad value with a specific error
//! code (a bad device name is `invalid_name`, not a JSON error); responses carry validated
//! types where the server guarantees them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{BindPolicy, ErrorCode, LabelForm, ProductKey, Sn};

mod console;
pub use console::*;

/// `POST /v1/users` and `POST /v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    /// The account's email address.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Email))]
    pub email: String,
    /// The password, in clear over TLS; the cloud keeps only its argon2id hash.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Password))]
    pub password: String,
}

/// `POST /v1/users` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCreated {
    /// The new account's id.
    pub uid: String,
}

/// `POST /v1/sessions` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// The session token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// The signed-in account's id.
    pub uid: String,
    /// When the token stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// `POST /v1/qr/inspect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectRequest {
    /// The label's text, exactly as scanned.
    pub qr_content: String,
}

/// What a scanned label means for the signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// Nobody holds it and it is activated: it can be bound.
    Bindable,
    /// It is already bound to this account.
    BoundToYou,
    /// Another account holds it.
    BoundToOther,
    /// Its maker has not imported its DeviceKey yet, so it cannot be bound.
    NotActivated,
}

/// `POST /v1/qr/inspect` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspection {
    /// The product the label belongs to.
    pub product_key: ProductKey,
    /// The product's name, as its maker gave it.
    pub product_name: String,
    /// The device's serial number.
    pub sn: Sn,
    /// Whether the signed-in account can bind it.
    pub status: DeviceStatus,
}

/// `POST /v1/bindings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindRequest {
    /// The label's text, exactly as scanned (with its bind code).
    pub qr_content: String,
    /// The name the device gets on Home (1–64 characters after trimming).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DeviceName))]
    pub name: String,
}

/// `PATCH /v1/bindings/{did}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenameRequest {
    /// The new name (1–64 characters after trimming).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DeviceName))]
    pub name: String,
}

/// A device bound to the signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    /// The device's id (`d_…`): the same for every owner and every bind.
    pub did: String,
    /// The product the device belongs to.
    pub product_key: ProductKey,
    /// The product's name.
    pub product_name: String,
    /// The device's serial number.
    pub sn: Sn,
    /// The name its owner gave it.
    pub name: String,
    /// When it was bound to this account.
    #[serde(with = "time::serde::rfc3339")]
    pub bound_at: OffsetDateTime,
}

/// `POST /v1/bindings` → 201 (or 200 on an idempotent retry); `PATCH` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceEnvelope {
    /// The bound or renamed device.
    pub device: Device,
}

/// `GET /v1/bindings` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceList {
    /// The account's devices.
    pub devices: Vec<Device>,
}

/// `POST /v1/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProduct {
    /// The product's name (1–64 characters after trimming, no control characters).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::product_name))]
    pub name: String,
    /// The product key to use (6–32 letters and digits); the cloud makes one up when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<ProductKey>))]
    pub product_key: Option<String>,
    /// Whether a label's bind code is required; `bind_code_required` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_policy: Option<BindPolicy>,
    /// The form its labels are printed in; `v2` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_form: Option<LabelForm>,
}

/// `PATCH /v1/products/{pk}`: the settings to change (absent ones stay as they are).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProduct {
    /// A new name (1–64 characters after trimming, no control characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::product_name))]
    pub name: Option<String>,
    /// The form new labels are printed in (labels already printed keep working).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_form: Option<LabelForm>,
}

/// A product in the Developer Center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    /// The product key printed on its labels (`pk=`).
    pub product_key: ProductKey,
    /// The product's name.
    pub name: String,
    /// Whether binding needs the label's bind code.
    pub bind_policy: BindPolicy,
    /// The form its new labels are printed in.
    pub label_form: LabelForm,
    /// When the product was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `GET /v1/products` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductList {
    /// The products of the key's maker.
    pub products: Vec<Product>,
}

/// `POST /v1/products/{pk}/sn-batches`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateBatch {
    /// How many SNs to make, 1 to [`MAX_BATCH_COUNT`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    #[serde(deserialize_with = "whole_number")]
    pub count: u32,
}

/// A whole number as JSON may write it: `5` or `5.0` (JSON Schema's `integer` is both).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};
    struct Whole;
    impl Visitor<'_> for Whole {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number from 0 to 4294967295")
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<u32, E> {
            if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                Ok(v as u32)
            } else {
                Err(E::invalid_value(Unexpected::Float(v), &self))
            }
        }
    }
    d.deserialize_any(Whole)
}

/// An SN batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    /// The batch's id (for its archive).
    pub batch_id: String,
    /// How many SNs it holds.
    pub count: u32,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// A link that downloads the package in a plain browser tab, without a key, for a few
    /// minutes ([`DownloadLink`]); relative to the cloud's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
}

/// `GET /v1/products/{pk}/sn-batches` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchList {
    /// The product's batches.
    pub batches: Vec<Batch>,
}

/// The most SNs one batch may hold.
pub const MAX_BATCH_COUNT: u32 = 10_000;

/// The header of the DeviceKey↔SN import template: Quectel's five columns (`*` marks the
/// required ones), then the two optional columns of labels already printed by other systems
/// (docs/product.md §2.3): the exact text of a label to adopt, and a Gizwits passcode.
pub const IMPORT_TEMPLATE_HEADER: [&str; 7] = [
    "*DeviceKey",
    "*ProductKey",
    "Device SN",
    "Device Name",
    "Certificate Fingerprint",
    "Label",
    "Passcode",
];

/// `PUT /v1/products/{pk}/devices/{sn}/device-key`: the DeviceKey to pair with the SN (the
/// pairing station of issue 18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairRequest {
    /// The module's IMEI (15 digits, Luhn) or MAC (12 hex digits, any usual spelling).
    pub device_key: String,
}

/// Whether a pairing call made the pair or found it made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PairStatus {
    /// The SN had no DeviceKey; it has this one now, and can be bound (201).
    Paired,
    /// The SN already had exactly this DeviceKey: nothing changed (200).
    AlreadyPaired,
}

/// `PUT /v1/products/{pk}/devices/{sn}/device-key` → 201 or 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pair {
    /// The product.
    pub product_key: ProductKey,
    /// The device's SN.
    pub sn: Sn,
    /// The DeviceKey, in its canonical form (a MAC in lower case without separators).
    pub device_key: String,
    /// Made now, or found made.
    pub status: PairStatus,
}

/// One row an import refused: 1-based row number in the file (the header is row 1), the
/// column's header, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedRow {
    /// The row in the file, from 1 (the header is row 1).
    pub row: u64,
    /// The header of the column at fault.
    pub column: String,
    /// The error code of the problem (for example `invalid_request`).
    pub code: String,
    /// What is wrong with the value, in words.
    pub message: String,
}

/// `POST /v1/products/{pk}/devices/import` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// How many rows were imported (devices created, or batch SNs given their DeviceKey).
    pub imported: u64,
    /// How many rows gave a device imported before the label or passcode it lacked
    /// (docs/product.md §2.3). Absent in answers of clouds that predate it.
    #[serde(default)]
    pub updated: u64,
    /// The rows refused and why (in atomic mode, any makes the import import nothing).
    pub rejected: Vec<RejectedRow>,
}

/// `POST /qrcode/v1/{pk}/tasks` (Gizwits-compatible): the devices to make labels for, as
/// exactly one of a MAC range, a MAC list or an IMEI list ([`crate::QrTaskDevices`] checks it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateQrTask {
    /// The first MAC of a range (12 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::mac))]
    pub start_mac: Option<String>,
    /// The last MAC of the range, included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::mac))]
    pub end_mac: Option<String>,
    /// MACs, one device each, instead of a range.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<String>,
    /// IMEIs (15 digits, GPRS devices), one device each, instead of MACs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imeis: Vec<String>,
}

/// One Gizwits-style QR task, in the shape Gizwits' own task list has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QrTask {
    /// When the task was created: Unix seconds, as a string (`"1495077738"`).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "1495077738", pattern = "^[0-9]+$")
    )]
    pub created_at: String,
    /// When it last changed: Unix seconds, as a string.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "1495077738", pattern = "^[0-9]+$")
    )]
    pub updated_at: String,
    /// `/static/zipfiles/<n>.zip`, signed (`?expires=…&sig=…`) so that it downloads in a
    /// plain browser tab for a few minutes; with `X-Api-Key` the path alone works too.
    pub file: String,
}

/// Paging metadata of a Gizwits-style list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListMeta {
    /// The path of the next page, or `null` on the last.
    pub next: Option<String>,
    /// The path of the previous page, or `null` on the first.
    pub previous: Option<String>,
    /// How many items come before this page.
    pub skip: u64,
    /// The most items one page holds.
    pub limit: u64,
    /// How many items there are in all.
    pub total: u64,
}

/// `GET /qrcode/v1/{pk}/tasks` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QrTaskList {
    /// Paging.
    pub meta: ListMeta,
    /// The tasks of this page.
    pub objects: Vec<QrTask>,
}

/// Who holds a device now (support view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentBinding {
    /// The owner's email.
    pub account_email: String,
    /// The name the owner gave the device.
    pub name: String,
    /// When it was bound.
    #[serde(with = "time::serde::rfc3339")]
    pub bound_at: OffsetDateTime,
}

/// One recorded bind attempt (support view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindAttempt {
    /// When the attempt was made.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The account's email, `None` when the attempt was not signed in.
    pub account: Option<String>,
    /// `ok` or the error code the attempt was answered with.
    pub result: String,
    /// The request id of the attempt (what the customer's error screen shows).
    pub request_id: String,
    /// The SN the attempt named, when its label could be read.
    pub sn: Option<Sn>,
}

/// `GET /v1/support/devices/{sn}` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportDevice {
    /// The device's serial number.
    pub sn: Sn,
    /// Its product.
    pub product_key: ProductKey,
    /// Its product's name.
    pub product_name: String,
    /// Its DeviceKey (IMEI or MAC); `None` until its maker imports it, and until then it cannot be bound.
    pub device_key: Option<String>,
    /// The SN batch it was made in, if it came from one.
    pub batch_id: Option<String>,
    /// When its DeviceKey was imported.
    #[serde(with = "time::serde::rfc3339::option")]
    pub imported_at: Option<OffsetDateTime>,
    /// Who holds it now, if anyone.
    pub binding: Option<CurrentBinding>,
    /// Every bind attempt that named it, newest first.
    pub attempts: Vec<BindAttempt>,
}

/// The body of every error answer: `{"error":{"code","message","request_id"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// The stable error code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// The id support looks the request up by.
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
    fn a_batch_count_may_be_written_as_a_whole_float() {
        let count = |json| serde_json::from_value::<CreateBatch>(json).map(|b| b.count);
        assert_eq!(count(serde_json::json!({"count": 12})).unwrap(), 12);
        assert_eq!(count(serde_json::json!({"count": 12.0})).unwrap(), 12);
        assert!(count(serde_json::json!({"count": 12.5})).is_err());
        assert!(count(serde_json::json!({"count": -1})).is_err());
        assert!(count(serde_json::json!({"count": "12"})).is_err());
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
