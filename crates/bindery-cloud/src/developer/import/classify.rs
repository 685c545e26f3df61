//! The checked way's last check: the rows that passed the file's own checks against what the
//! database holds, split into devices to activate, devices to create and devices imported
//! before that a row gives a label or passcode.
//!
//! SNs and DeviceKeys are the product's own (another product's devices neither block a row
//! nor show in its refusals); an adopted label's text names one device across the cloud, so
//! a label refusal never says which device holds it: it may be another maker's.

use std::collections::{HashMap, HashSet};

use bindery_core::api::RejectedRow;
use bindery_core::ProductKey;

use super::check::{reject, GoodRow};
use super::header::{Columns, Field};

/// What the database holds of one device of the product that the file names by SN: a row of
/// both backends' look-ups.
#[derive(sqlx::FromRow)]
pub(super) struct KnownDevice {
    pub sn: String,
    pub device_key: Option<String>,
    /// The keyed hash of the label adopted for it, if any.
    pub label_hash: Option<Vec<u8>>,
    /// The keyed hash of its Gizwits passcode, if any.
    pub passcode_hash: Option<Vec<u8>>,
}

/// What the database holds of a file's SNs, DeviceKeys and labels.
#[derive(Default)]
pub(super) struct Existing {
    /// The product's devices with the file's SNs.
    pub sns: HashMap<String, KnownDevice>,
    /// The file's labels that read as bare SNs and are the SN of a device of any product
    /// (a bare SN is looked up across products, so such a label would shadow it).
    pub label_sns: HashSet<String>,
    /// DeviceKey → the SN of the product's device that has it.
    pub device_keys: HashMap<String, String>,
    /// The keyed hashes of the file's labels that are already adopted → the device adopting
    /// each, as (product key, SN).
    pub labels: HashMap<Vec<u8>, (String, String)>,
}

/// The rows that passed the file's checks, split by what the database says.
#[derive(Default)]
pub(super) struct Classified {
    /// SNs of this product's batches without a DeviceKey yet: given the row's DeviceKey.
    pub activate: Vec<GoodRow>,
    /// New devices.
    pub create: Vec<GoodRow>,
    /// Devices of this product imported before with the row's SN and DeviceKey, to which the
    /// row gives the label or passcode they lack (only those two are written).
    pub amend: Vec<GoodRow>,
}

impl Classified {
    /// Every row again, for a second look (under the write lock).
    pub fn into_rows(self) -> Vec<GoodRow> {
        let mut rows = self.activate;
        rows.extend(self.create);
        rows.extend(self.amend);
        rows
    }
}

/// Splits `good` by what the database holds; the rows that cannot be written are added to
/// `rejected`, which ends sorted by row.
pub(super) fn classify(
    product_key: &ProductKey,
    good: Vec<GoodRow>,
    existing: &Existing,
    columns: &Columns,
    rejected: &mut Vec<RejectedRow>,
) -> Classified {
    let (key_column, sn_column) = (columns.header(Field::DeviceKey), columns.header(Field::Sn));
    let mut classified = Classified::default();
    for row in good {
        let key_holder = existing.device_keys.get(row.device_key.as_str());
        let known = existing.sns.get(row.sn.as_str());
        // A row may repeat a device imported before to give it a label or passcode later
        // (a maker who moves an installed base over imports the devices first and their
        // Gizwits labels when they have them). Only an exact repeat of SN and DeviceKey (both
        // the product's own) counts, so a row can never move a DeviceKey or take a device
        // over. A repeat that brings neither is refused below as it always was.
        let brings_adoption = row.label.is_some() || row.passcode.is_some();
        if let Some(device) =
            known.filter(|_| brings_adoption && key_holder.is_some_and(|sn| sn == row.sn.as_str()))
        {
            if amendable(product_key, &row, device, existing, columns, rejected) {
                classified.amend.push(row);
            }
            continue;
        }
        if let Some(holder) = key_holder {
            reject(
                rejected,
                row.row,
                key_column,
                "device_key_taken",
                format!(
                    "DeviceKey {} is already imported for this product's device {holder}: check the file for a typing error",
                    row.device_key
                ),
            );
        }
        let sn_free = match known {
            Some(KnownDevice {
                device_key: Some(_),
                ..
            }) => {
                let message = format!(
                    "SN {} already has a DeviceKey: an SN takes one DeviceKey, and a row repeating a device imported before may only give it a Label or Passcode it lacks",
                    row.sn
                );
                reject(rejected, row.row, sn_column, "already_imported", message);
                false
            }
            _ => true,
        };
        let label_free = row.label.as_ref().is_none_or(|label| {
            // A label that is a device's SN would shadow that device's bare-SN label, since an
            // adopted text is looked up first (see `adopt`).
            let taken = existing
                .labels
                .contains_key(label.hash.as_bytes().as_slice())
                || label
                    .as_sn
                    .as_ref()
                    .is_some_and(|sn| existing.label_sns.contains(sn.as_str()));
            if taken {
                label_taken(rejected, row.row, columns);
            }
            !taken
        });
        if key_holder.is_none() && sn_free && label_free {
            match known {
                Some(_) => classified.activate.push(row),
                None => classified.create.push(row),
            }
        }
    }
    // Stable: a row's refusals stay in the file's column order.
    rejected.sort_by_key(|a| a.row);
    classified
}

/// Whether `row`, an exact repeat of `device`, gives it a label or passcode it lacks without
/// changing one it has; refuses the row in `rejected` otherwise.
fn amendable(
    product_key: &ProductKey,
    row: &GoodRow,
    device: &KnownDevice,
    existing: &Existing,
    columns: &Columns,
    rejected: &mut Vec<RejectedRow>,
) -> bool {
    let before = rejected.len();
    let mut brings_new = false;
    if let Some(label) = &row.label {
        let hash = label.hash.as_bytes().as_slice();
        match &device.label_hash {
            Some(stored) if stored.as_slice() == hash => {}
            Some(_) => reject(
                rejected,
                row.row,
                columns.header(Field::Label),
                "label_already_set",
                format!(
                    "SN {} already has another adopted label, and a device keeps the label it was given: leave this Label cell empty",
                    row.sn
                ),
            ),
            None => {
                let this_device = (product_key.as_str(), row.sn.as_str());
                let taken = existing
                    .labels
                    .get(hash)
                    .is_some_and(|(pk, sn)| (pk.as_str(), sn.as_str()) != this_device)
                    || label.as_sn.as_ref().is_some_and(|sn| {
                        sn != &row.sn && existing.label_sns.contains(sn.as_str())
                    });
                if taken {
                    label_taken(rejected, row.row, columns);
                } else {
                    brings_new = true;
                }
            }
        }
    }
    if let Some(passcode) = &row.passcode {
        match &device.passcode_hash {
            Some(stored) if stored.as_slice() == passcode.as_bytes().as_slice() => {}
            Some(_) => reject(
                rejected,
                row.row,
                columns.header(Field::Passcode),
                "passcode_already_set",
                format!(
                    "SN {} already has another passcode, and a device keeps the passcode it was given: leave this Passcode cell empty",
                    row.sn
                ),
            ),
            None => brings_new = true,
        }
    }
    if rejected.len() > before {
        return false;
    }
    if !brings_new {
        let message = format!(
            "SN {} already has this DeviceKey, and this Label or Passcode: nothing to change, so remove the row",
            row.sn
        );
        reject(
            rejected,
            row.row,
            columns.header(Field::Sn),
            "already_imported",
            message,
        );
        return false;
    }
    true
}

/// Refuses `row`'s label as naming another device. Neither the text (a secret on
/// bind_code_required products) nor the device that has it (maybe another maker's) is named.
fn label_taken(rejected: &mut Vec<RejectedRow>, row: u64, columns: &Columns) {
    reject(
        rejected,
        row,
        columns.header(Field::Label),
        "label_taken",
        "this label already names another device (adopted for it, or its SN): one label text names one device, so check the file for a copied cell".to_owned(),
    );
}
