//! What a scanned label names: its text read as a product key, SN and bind code (or as a
//! label a maker adopted), the device row those find, and whether the label proves what the
//! device's product asks. Inspect and bind both start here.
//!
//! Decision (docs/product.md §2.3): a text that does not name its device by SN itself
//! (unknown text, Gizwits legacy and share strings, a bare SN, text the parser finds broken)
//! is first looked up as a label adopted by an import, by its keyed hash; only when it is
//! none is it read as before. An adopted text names its device exactly, so it needs no
//! product key check, and on a `bind_code_required` product it stands in for the bind code.

use bindery_core::qr::QrContent;
use bindery_core::{
    parse_qr, BindCode, BindCodeHash, BindPolicy, ErrorCode, ProductKey, QrError, Sn,
};

use crate::adopted::{LabelHash, PasscodeHash};
use crate::db::live;
use crate::error::ApiError;

/// A device as the bind API sees it.
pub(super) struct Target {
    pub sn: Sn,
    pub product_key: ProductKey,
    pub product_name: String,
    pub bind_policy: BindPolicy,
    pub activated: bool,
    pub bind_code_hash: Option<BindCodeHash>,
    /// The hash of the Gizwits passcode imported for the device, if one was.
    pub passcode_hash: Option<PasscodeHash>,
    /// Whether the label's exact text is the one adopted for this device.
    pub adopted: bool,
    /// The did kept for a device bound before dids were derived (see [`Target::did`]).
    pub stored_did: Option<String>,
    /// Whether the device was made while SNs were unique across the cloud (its did is
    /// derived from the SN alone).
    pub did_from_sn: bool,
}

impl Target {
    /// The device's id: the one its owner already knew when it was bound before dids became
    /// stable, otherwise derived with the server secret (the same for every owner and every
    /// bind) from the SN alone for a device made while SNs were unique across the cloud, and
    /// from its product and SN for any other.
    pub fn did(&self, secret: &[u8]) -> String {
        match (&self.stored_did, self.did_from_sn) {
            (Some(did), _) => did.clone(),
            (None, true) => self.sn.did_of_sn_alone(secret),
            (None, false) => self.sn.did(&self.product_key, secret),
        }
    }
}

/// What a label names, before any lookup.
pub(super) struct Label {
    /// The product key the label gives, if any.
    pub product_key: Option<ProductKey>,
    /// The SN the label names its device by, if it names one.
    pub sn: Option<Sn>,
    /// The bind code it carries.
    pub bind_code: Option<BindCode>,
    /// The passcode of a Gizwits legacy label.
    pub passcode: Option<String>,
    /// The text's keyed hash, when the text may be a label a maker adopted.
    pub adopted: Option<LabelHash>,
    /// The answer when the text names no device by SN and is no adopted label either.
    unnamed: (ErrorCode, Option<String>),
}

impl Label {
    /// The refusal when no device was found.
    fn not_found(&self) -> ApiError {
        match (&self.sn, &self.unnamed) {
            (Some(_), _) => ApiError::new(ErrorCode::SnNotFound),
            (None, (code, Some(message))) => ApiError::with_message(*code, message.clone()),
            (None, (code, None)) => ApiError::new(*code),
        }
    }
}

/// Reads a scanned text as a label, or says why it is none; `secret` is the server secret
/// (adopted labels are looked up by their keyed hash).
fn read_label(qr_content: &str, secret: &[u8]) -> Result<Label, ApiError> {
    let adoptable = || Some(LabelHash::of(qr_content, secret));
    let mut label = Label {
        product_key: None,
        sn: None,
        bind_code: None,
        passcode: None,
        adopted: None,
        unnamed: (ErrorCode::BadQrContent, None),
    };
    let payload = match parse_qr(qr_content) {
        Ok(payload) => payload,
        // No import adopts an empty, over-long or control text (see developer::import::adopt).
        Err(
            e
            @ (QrError::Empty { .. } | QrError::TooLong { .. } | QrError::ControlCharacter { .. }),
        ) => {
            return Err(ApiError::with_message(
                ErrorCode::BadQrContent,
                e.to_string(),
            ))
        }
        // A foreign label may be text our parser finds broken; the message is only given
        // when it is no adopted label either, so it echoes the caller's own text alone.
        Err(e) => {
            label.adopted = adoptable();
            label.unnamed.1 = Some(e.to_string());
            return Ok(label);
        }
    };
    match payload.content() {
        QrContent::Matter { .. } => return Err(ApiError::with_message(
            ErrorCode::BadQrContent,
            "This is a Matter pairing code, not a device label: add the device in a Matter app.",
        )),
        QrContent::Unknown => label.adopted = adoptable(),
        QrContent::GizwitsShare { .. } => {
            label.adopted = adoptable();
            label.unnamed.1 = Some("share codes are not supported".to_owned());
        }
        // A Gizwits device id is the SN of a device made by a QR task (its MAC), or of one
        // imported with the did as its SN.
        QrContent::GizwitsLegacy {
            product_key,
            did,
            passcode,
        } => {
            label.adopted = adoptable();
            label.product_key = Some(product_key.clone());
            label.sn = Sn::parse(did).ok();
            label.passcode = Some(passcode.clone());
            label.unnamed.0 = ErrorCode::SnNotFound;
        }
        QrContent::BinderyV2 {
            product_key, sn, ..
        }
        | QrContent::QuectelV1 { product_key, sn }
        | QrContent::Url {
            product_key, sn, ..
        } => {
            label.product_key = Some(product_key.clone());
            label.sn = Some(sn.clone());
        }
        QrContent::BareSn { sn } => {
            label.adopted = adoptable();
            label.sn = Some(sn.clone());
        }
    }
    label.bind_code = payload.bind_code().cloned();
    Ok(label)
}

/// Reads a scanned text as a label ([`read_label`]) and gives a bare SN its product
/// ([`resolve_bare_sn`]): what inspect and bind both look a device up by. The outer error is
/// the database's; the inner one says why the text is no label, which a bind answers only
/// after its limits.
pub(super) async fn label_of(
    db: &sqlx::AnyPool,
    qr_content: &str,
    secret: &[u8],
) -> Result<Result<Label, ApiError>, ApiError> {
    let mut label = read_label(qr_content, secret);
    if let Ok(label) = &mut label {
        resolve_bare_sn(db, label).await?;
    }
    Ok(label)
}

/// Gives a bare SN (a label that names no product) the product of the one device that has
/// it. An SN is unique within its product only: when several products have it, the SN names
/// no device, and the answer says to scan the device's own label (which names its product).
/// A text that is also an adopted label is still found by that.
async fn resolve_bare_sn(db: &sqlx::AnyPool, label: &mut Label) -> Result<(), ApiError> {
    let Some(sn) = label.sn.as_ref().filter(|_| label.product_key.is_none()) else {
        return Ok(());
    };
    let products: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT d.product_key FROM devices d WHERE d.sn = $1 AND {} LIMIT 2",
        live("d")
    ))
    .bind(sn.as_str())
    .fetch_all(db)
    .await?;
    match products.as_slice() {
        [one] => {
            label.product_key = Some(
                ProductKey::parse(one)
                    .map_err(|e| ApiError::internal_in("stored product key", e))?,
            )
        }
        [] => {}
        [..] => {
            label.sn = None;
            label.unnamed = (
                ErrorCode::BadQrContent,
                Some(
                    "This SN is used by more than one product, so it does not name one device: \
                     scan the QR code on the device's own label."
                        .to_owned(),
                ),
            );
        }
    }
    Ok(())
}

/// The columns of a device as the bind API reads it (all `NULL` when there is no such
/// device), named as the fields of [`TargetRow`]. The device is `d`, found by [`device_of_label`].
pub(super) const TARGET_COLUMNS: &str = "d.sn AS sn, d.product_key AS product_key, \
     p.name AS product_name, p.bind_policy AS bind_policy, d.device_key AS device_key, \
     d.bind_code_hash AS bind_code_hash, d.passcode_hash AS passcode_hash, \
     d.label_hash AS label_hash, d.did AS did, d.did_from_sn AS did_from_sn";

/// The join condition that finds the device `d` a label names, given the label's hash as
/// `$hash`, its product key as `$pk` and its SN as `$sn` (any may be `NULL`): the device with
/// the product and SN, else the device that adopted the text. Scalar subqueries, so a bind
/// still reads everything in one round trip; both halves of the key come from the same
/// subquery's row, so they name one device.
///
/// The SN wins: an adopted text is checked against the SNs that exist when it is imported,
/// but a device made later (a QR task, a batch) may take that text as its SN.
/// Were the adopted text to win, typing that SN would bind the adopting maker's device; this
/// way the later device is found by its SN, and the adopted label stops naming anything
/// rather than naming the wrong device.
pub(super) fn device_of_label(hash: usize, pk: usize, sn: usize) -> String {
    let by_sn = |column: &str| {
        format!(
            "(SELECT s.{column} FROM devices s WHERE s.product_key = ${pk} AND s.sn = ${sn} AND {})",
            live("s")
        )
    };
    let by_label = |column: &str| {
        format!(
            "(SELECT a.{column} FROM devices a WHERE a.label_hash = ${hash} AND {})",
            live("a")
        )
    };
    format!(
        "d.product_key = COALESCE({}, {}) AND d.sn = COALESCE({}, {})",
        by_sn("product_key"),
        by_label("product_key"),
        by_sn("sn"),
        by_label("sn"),
    )
}

/// A [`TARGET_COLUMNS`] row.
#[derive(Debug, Default, sqlx::FromRow)]
pub(super) struct TargetRow {
    sn: Option<String>,
    product_key: Option<String>,
    product_name: Option<String>,
    bind_policy: Option<String>,
    device_key: Option<String>,
    bind_code_hash: Option<Vec<u8>>,
    passcode_hash: Option<Vec<u8>>,
    label_hash: Option<Vec<u8>>,
    did: Option<String>,
    did_from_sn: Option<i64>,
}

/// The device a label names, from its [`TARGET_COLUMNS`] row.
pub(super) fn target_of(label: &Label, row: TargetRow) -> Result<Target, ApiError> {
    let adopted = match (&label.adopted, &row.label_hash) {
        (Some(hash), Some(stored)) => stored.as_slice() == hash.as_bytes(),
        _ => false,
    };
    let TargetRow {
        sn: Some(sn),
        product_key: Some(pk),
        product_name: Some(product_name),
        bind_policy: Some(policy),
        device_key,
        bind_code_hash: hash,
        passcode_hash,
        label_hash: _,
        did,
        did_from_sn,
    } = row
    else {
        return Err(label.not_found());
    };
    // An adopted text names its device exactly; any other label must name its product.
    if !adopted && label.product_key.as_ref().is_some_and(|p| p.as_str() != pk) {
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
        passcode_hash: passcode_hash.as_deref().and_then(PasscodeHash::from_slice),
        adopted,
        stored_did: did,
        did_from_sn: did_from_sn == Some(1),
    })
}

/// The secret a label showed for its device, once checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Proof {
    /// The text adopted for the device, on a `bind_code_required` product (on an `sn_only`
    /// product an adopted text only names the device: [`Proof::None`]).
    AdoptedLabel,
    /// The device's bind code.
    BindCode,
    /// The device's imported Gizwits passcode.
    Passcode,
    /// Nothing: enough on an `sn_only` product whose device has no passcode.
    None,
}

impl Proof {
    /// Whether the label carried a secret of the device (so looking at it told a guesser
    /// nothing they did not hold already).
    pub fn is_secret(self) -> bool {
        self != Proof::None
    }
}

/// Whether `label` may bind `target`: what it proves, or `bad_bind_code`.
///
/// A code on the label is always checked, and so is a passcode when the device has one;
/// a label without either passes only on an `sn_only` product whose device has no passcode.
/// Decision: a device with an imported passcode needs it (or its bind code, or its adopted
/// label) on either policy, or the passcode check would be undone by rewriting the label as
/// `pk=…&sn=…&v=1`; and a right passcode stands in for the bind code, as an adopted label
/// does, since the maker vouched for it as the device's secret.
pub(super) fn check_secret(
    label: &Label,
    target: &Target,
    secret: &[u8],
) -> Result<Proof, ApiError> {
    let needs_secret =
        target.bind_policy == BindPolicy::BindCodeRequired || target.passcode_hash.is_some();
    if target.adopted {
        return Ok(match target.bind_policy {
            BindPolicy::BindCodeRequired => Proof::AdoptedLabel,
            BindPolicy::SnOnly => Proof::None,
        });
    }
    if let Some(code) = &label.bind_code {
        return match &target.bind_code_hash {
            Some(hash) if hash.verify(code, &target.sn, secret) => Ok(Proof::BindCode),
            // A code where the device has none proves nothing, which is enough only here.
            None if !needs_secret => Ok(Proof::None),
            _ => Err(ApiError::new(ErrorCode::BadBindCode)),
        };
    }
    if let (Some(passcode), Some(hash)) = (&label.passcode, &target.passcode_hash) {
        return match hash.verify(&target.sn, passcode, secret) {
            true => Ok(Proof::Passcode),
            false => Err(ApiError::new(ErrorCode::BadBindCode)),
        };
    }
    let missing = match (needs_secret, target.bind_policy) {
        (false, _) => return Ok(Proof::None),
        (true, BindPolicy::BindCodeRequired) => {
            "This product needs the code printed on its label: scan the label on the device itself."
        }
        (true, BindPolicy::SnOnly) => {
            "This device needs the passcode printed on its own label: scan the label on the device itself."
        }
    };
    Err(ApiError::with_message(ErrorCode::BadBindCode, missing))
}
