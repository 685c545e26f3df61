//! What the two databases' imports share: the mode they write in, what they report back, and
//! the answer when a concurrent import got in between.

use bindery_core::api::RejectedRow;
use serde::Deserialize;

use crate::error::ApiError;

/// Whether an import writes nothing (atomic) or the good rows (partial) when a row is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Nothing is written when any row is refused (the default).
    #[default]
    Atomic,
    /// The good rows are written; the refused ones are reported.
    Partial,
}

/// What an import did in the database.
pub(super) struct Written {
    /// Devices created or activated.
    pub imported: usize,
    /// Devices imported before that were given a label or passcode.
    pub updated: usize,
    /// Every refused row, in row order: the file's own problems and the database's.
    pub rejected: Vec<RejectedRow>,
    /// Whether the file took the checked way.
    pub checked_way: bool,
}

impl Written {
    /// The checked way's answer when it writes nothing: the file's refused rows.
    pub fn nothing(rejected: Vec<RejectedRow>) -> Self {
        Written {
            imported: 0,
            updated: 0,
            rejected,
            checked_way: true,
        }
    }
}

/// A unique violation while writing means someone took one of the product's DeviceKeys (a
/// pairing) or another product's import adopted one of the labels after our checks: nothing
/// was written, and importing again reports it per row.
pub(super) fn concurrent_change(e: sqlx::Error) -> ApiError {
    if crate::db::is_unique_violation(&e) {
        ApiError::invalid("another import took some of these DeviceKeys or labels at the same time; nothing was imported, import the file again")
    } else {
        e.into()
    }
}
