//! The checked way's last check: the rows that passed the file's own checks against what the
//! database holds, split into devices to activate and devices to create.
//!
//! A refusal here never says which device holds a value: it may be another maker's.

use std::collections::{HashMap, HashSet};

use bindery_core::api::RejectedRow;
use bindery_core::ProductKey;

use super::check::{reject, GoodRow};
use super::header::{Columns, Field};

/// What the database holds of a file's SNs, DeviceKeys and labels.
#[derive(Default)]
pub(super) struct Existing {
    /// SN → (its product, whether it already has a DeviceKey), for the file's SNs and the
    /// labels of the file that read as bare SNs.
    pub sns: HashMap<String, (String, bool)>,
    /// DeviceKey → the SN that has it.
    pub device_keys: HashMap<String, String>,
    /// The keyed hashes of the file's labels that are already adopted.
    pub labels: HashSet<Vec<u8>>,
}

/// The rows that passed the file's checks, split by what the database says: rows to
/// activate (an SN of a batch of this product without a DeviceKey yet) and rows to create;
/// the others are added to `rejected`, which ends sorted by row.
pub(super) fn classify(
    product_key: &ProductKey,
    good: Vec<GoodRow>,
    existing: &Existing,
    columns: &Columns,
    rejected: &mut Vec<RejectedRow>,
) -> (Vec<GoodRow>, Vec<GoodRow>) {
    let (key_column, sn_column) = (columns.header(Field::DeviceKey), columns.header(Field::Sn));
    let mut activate = Vec::new();
    let mut create = Vec::new();
    for row in good {
        let key_taken = existing.device_keys.get(row.device_key.as_str());
        if key_taken.is_some() {
            // Which SN has it is not said: it may be another maker's device.
            reject(
                rejected,
                row.row,
                key_column,
                "device_key_taken",
                format!(
                    "DeviceKey {} is already imported for a device: check the file for a typing error, or export your devices to find it",
                    row.device_key
                ),
            );
        }
        let sn_state = existing.sns.get(row.sn.as_str());
        let sn_free = match sn_state {
            Some((pk, _)) if pk != product_key.as_str() => {
                let message = format!(
                    "SN {} is taken by another device: leave Device SN empty to use the DeviceKey, or use an SN of this product's batches",
                    row.sn
                );
                reject(rejected, row.row, sn_column, "sn_taken", message);
                false
            }
            Some((_, true)) => {
                let message = format!("SN {} already has a DeviceKey", row.sn);
                reject(rejected, row.row, sn_column, "already_imported", message);
                false
            }
            _ => true,
        };
        let label_free = row.label.as_ref().is_none_or(|label| {
            // A label that is a device's SN would shadow that device's bare-SN label, since an
            // adopted text is looked up first (see `adopt`).
            let taken = existing.labels.contains(label.hash.as_bytes().as_slice())
                || label
                    .as_sn
                    .as_ref()
                    .is_some_and(|sn| existing.sns.contains_key(sn.as_str()));
            if taken {
                // Neither the text (a secret on bind_code_required products) nor the device
                // that has it (maybe another maker's) is named.
                reject(
                    rejected,
                    row.row,
                    columns.header(Field::Label),
                    "label_taken",
                    "this label already names another device (adopted for it, or its SN): one label text names one device, so check the file for a copied cell".to_owned(),
                );
            }
            !taken
        });
        match (
            key_taken.is_none() && sn_free && label_free,
            sn_state.is_some(),
        ) {
            (true, true) => activate.push(row),
            (true, false) => create.push(row),
            (false, _) => {}
        }
    }
    // Stable: a row's refusals stay in the file's column order.
    rejected.sort_by_key(|a| a.row);
    (activate, create)
}
