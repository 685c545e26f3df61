//! What a scanned label names: its text read as a product key, SN and bind code, and the
//! device row those find. Inspect and bind both start here.

use bindery_core::qr::QrContent;
use bindery_core::{parse_qr, BindCode, BindCodeHash, BindPolicy, ErrorCode, ProductKey, Sn};

use crate::error::ApiError;
use crate::state::AppState;

/// A device as the bind API sees it.
pub(super) struct Target {
    pub sn: Sn,
    pub product_key: ProductKey,
    pub product_name: String,
    pub bind_policy: BindPolicy,
    pub activated: bool,
    pub bind_code_hash: Option<BindCodeHash>,
    /// The did kept for a device bound before dids were derived (see [`Target::did`]).
    pub stored_did: Option<String>,
}

impl Target {
    /// The device's id: the one its owner already knew when it was bound before dids became
    /// stable, otherwise derived from the SN with the server secret (the same for every
    /// owner and every bind).
    pub fn did(&self, secret: &[u8]) -> String {
        self.stored_did
            .clone()
            .unwrap_or_else(|| self.sn.did(secret))
    }
}

/// What a label names, before any lookup: the product key (if the label has one), the SN and
/// the bind code it carries.
pub(super) struct Label {
    pub product_key: Option<ProductKey>,
    pub sn: Sn,
    pub bind_code: Option<BindCode>,
}

/// Reads a scanned text as a label, or says why it is none.
pub(super) fn read_label(qr_content: &str) -> Result<Label, ApiError> {
    let payload = parse_qr(qr_content)
        .map_err(|e| ApiError::with_message(ErrorCode::BadQrContent, e.to_string()))?;
    let (product_key, sn) = match payload.content() {
        QrContent::Unknown => return Err(ApiError::new(ErrorCode::BadQrContent)),
        QrContent::Matter { .. } => return Err(ApiError::with_message(
            ErrorCode::BadQrContent,
            "This is a Matter pairing code, not a device label: add the device in a Matter app.",
        )),
        QrContent::GizwitsShare { .. } => {
            return Err(ApiError::with_message(
                ErrorCode::BadQrContent,
                "share codes are not supported",
            ))
        }
        // A Gizwits device id is the SN of a device made by a QR task (its MAC).
        QrContent::GizwitsLegacy {
            product_key, did, ..
        } => match Sn::parse(did) {
            Ok(sn) => (Some(product_key.clone()), sn),
            Err(_) => return Err(ApiError::new(ErrorCode::SnNotFound)),
        },
        QrContent::BinderyV2 {
            product_key, sn, ..
        }
        | QrContent::QuectelV1 { product_key, sn }
        | QrContent::Url {
            product_key, sn, ..
        } => (Some(product_key.clone()), sn.clone()),
        QrContent::BareSn { sn } => (None, sn.clone()),
    };
    Ok(Label {
        product_key,
        sn,
        bind_code: payload.bind_code().cloned(),
    })
}

/// The columns of a device as the bind API reads it (all `NULL` when there is no such SN),
/// named as the fields of [`TargetRow`].
pub(super) const TARGET_COLUMNS: &str = "d.sn AS sn, d.product_key AS product_key, \
     p.name AS product_name, p.bind_policy AS bind_policy, d.device_key AS device_key, \
     d.bind_code_hash AS bind_code_hash, d.did AS did";

/// A [`TARGET_COLUMNS`] row.
#[derive(Debug, Default, sqlx::FromRow)]
pub(super) struct TargetRow {
    sn: Option<String>,
    product_key: Option<String>,
    product_name: Option<String>,
    bind_policy: Option<String>,
    device_key: Option<String>,
    bind_code_hash: Option<Vec<u8>>,
    did: Option<String>,
}

/// The device a label names, from its [`TARGET_COLUMNS`] row.
pub(super) fn target_of(label: &Label, row: TargetRow) -> Result<Target, ApiError> {
    let TargetRow {
        sn: Some(sn),
        product_key: Some(pk),
        product_name: Some(product_name),
        bind_policy: Some(policy),
        device_key,
        bind_code_hash: hash,
        did,
    } = row
    else {
        return Err(ApiError::new(ErrorCode::SnNotFound));
    };
    if label.product_key.as_ref().is_some_and(|p| p.as_str() != pk) {
        return Err(ApiError::new(ErrorCode::SnNotFound));
    }
    Ok(Target {
        sn: Sn::parse(&sn).map_err(|e| ApiError::internal_in("stored SN", e))?,
        product_key: ProductKey::parse(&pk)
            .map_err(|e| ApiError::internal_in("stored product key", e))?,
        product_name,
        bind_policy: BindPolicy::parse(&policy)
            .map_err(|e| ApiError::internal_in("stored policy", e))?,
        activated: device_key.is_some(),
        bind_code_hash: hash.as_deref().and_then(BindCodeHash::from_slice),
        stored_did: did,
    })
}

/// What a label names: the device row and the bind code it carries, if any.
pub(super) async fn resolve(
    state: &AppState,
    qr_content: &str,
) -> Result<(Target, Option<BindCode>), ApiError> {
    let label = read_label(qr_content)?;
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM devices d JOIN products p ON p.product_key = d.product_key \
         WHERE d.sn = $1"
    );
    let row: Option<TargetRow> = sqlx::query_as(&sql)
        .bind(label.sn.as_str())
        .fetch_optional(&state.db)
        .await?;
    let target = target_of(&label, row.unwrap_or_default())?;
    Ok((target, label.bind_code))
}
