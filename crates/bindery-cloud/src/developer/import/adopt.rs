//! The two cells of labels already printed (docs/product.md §2.3): `Label`, the exact text of
//! a label another system printed, adopted for the row's device; and `Passcode`, the passcode
//! of the device's Gizwits legacy label.
//!
//! Decision: on a `bind_code_required` product an adopted label stands in for the bind code,
//! so its text is a secret like one, and a refusal never quotes it: the refusals below carry
//! what is safe to say (a length, a place, a label's kind or product key), not the text.
//! The text is kept only as its keyed hash ([`LabelHash`]).
//!
//! Which texts can be adopted: whatever the parser does not read as naming its device by
//! itself. A Bindery v2, Quectel v1 or URL label already names its product and SN (import
//! that SN instead), and a Matter code is no device label; those are refused. A Gizwits legacy
//! label must be of the product imported into, or one maker could adopt another's labels.
//! Unknown text, share codes, texts the parser finds broken and bare SNs are taken; a bare SN
//! is then looked up as an adopted label before it is looked up as an SN, so it must not be
//! any device's SN (checked against the database, see `classify`).

use bindery_core::qr::{QrContent, MAX_QR_LEN};
use bindery_core::{parse_qr, ProductKey, QrKind, Sn};

use crate::adopted::{label_text, LabelHash};

/// A label cell that can be adopted.
pub(super) struct AdoptedLabel {
    /// The text's keyed hash: what is stored and looked up.
    pub hash: LabelHash,
    /// The text, when it reads as a bare SN (it must be no device's SN).
    pub as_sn: Option<Sn>,
}

/// Why a `Label` cell cannot be adopted (code `invalid_label`). No variant holds the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum LabelRefusal {
    /// Nothing but a byte-order mark or spaces.
    #[error("the label is empty once its spaces are taken off: leave the cell empty for no label")]
    Empty,
    /// Longer than a label can be.
    #[error("the label is {len} bytes long; a QR label holds at most {MAX_QR_LEN}: check that the cell holds one label's text")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A line break or other control character inside: a scan never gives one.
    #[error("the label has a control character (a line break?) at character {}: a scanned label has none, so it could never match", index + 1)]
    ControlCharacter {
        /// Where, counted from 0.
        index: usize,
    },
    /// A form that names its device by SN already.
    #[error("the label is a {kind} label, which names its product and SN itself: put its SN in the SN column instead of adopting the label")]
    NamesItsDevice {
        /// The form's name (`bindery_v2`, `quectel_v1`, `url`).
        kind: QrKind,
    },
    /// A Matter onboarding code.
    #[error("the label is a Matter pairing code, not a device label")]
    Matter,
    /// A Gizwits legacy label of another product.
    #[error("the label is a Gizwits label of product {label_product}, but this file is imported into {product}")]
    OtherProduct {
        /// The label's `product_key`.
        label_product: String,
        /// The product imported into.
        product: String,
    },
    /// The row's own SN or DeviceKey, which the app shows and the export lists.
    #[error("the label is this device's own {what}, which the app shows and the export lists, so it cannot stand for the device: leave the label empty (an SN label binds by its SN on sn_only products)")]
    OwnIdentifier {
        /// `SN` or `DeviceKey`.
        what: &'static str,
    },
}

/// The label in a `Label` cell, if it can be adopted for a device of `product_key`; `key` is
/// the server secret.
pub(super) fn adopt_label(
    cell: &str,
    product_key: &ProductKey,
    key: &[u8],
) -> Result<AdoptedLabel, LabelRefusal> {
    let text = label_text(cell);
    if text.is_empty() {
        return Err(LabelRefusal::Empty);
    }
    if text.len() > MAX_QR_LEN {
        return Err(LabelRefusal::TooLong { len: text.len() });
    }
    if let Some(index) = text.chars().position(char::is_control) {
        return Err(LabelRefusal::ControlCharacter { index });
    }
    let as_sn = match parse_qr(text).as_ref().map(|label| label.content()) {
        Ok(QrContent::BinderyV2 { .. }) => {
            return Err(LabelRefusal::NamesItsDevice {
                kind: QrKind::BinderyV2,
            })
        }
        Ok(QrContent::QuectelV1 { .. }) => {
            return Err(LabelRefusal::NamesItsDevice {
                kind: QrKind::QuectelV1,
            })
        }
        Ok(QrContent::Url { .. }) => {
            return Err(LabelRefusal::NamesItsDevice { kind: QrKind::Url })
        }
        Ok(QrContent::Matter { .. }) => return Err(LabelRefusal::Matter),
        Ok(QrContent::GizwitsLegacy {
            product_key: label_product,
            ..
        }) if label_product != product_key => {
            return Err(LabelRefusal::OtherProduct {
                label_product: label_product.to_string(),
                product: product_key.to_string(),
            })
        }
        Ok(QrContent::BareSn { sn }) => Some(sn.clone()),
        Ok(_) => None,
        // Text the parser finds broken is what a foreign system may well print: adopted, it
        // is looked up like unknown text (empty, over-long and control texts, the parser's
        // other refusals, were refused above).
        Err(_) => None,
    };
    Ok(AdoptedLabel {
        hash: LabelHash::of(text, key),
        as_sn,
    })
}

/// Why a `Passcode` cell is refused (code `invalid_passcode`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum PasscodeRefusal {
    /// Not a token a Gizwits label can carry.
    #[error("a passcode is 1–64 letters, digits, '-' or '_' (as a Gizwits label's passcode= field is); this one has {problem}")]
    NotAToken {
        /// What is wrong, without the passcode itself (it is a secret).
        problem: String,
    },
}

/// The passcode in a `Passcode` cell: the rule of a Gizwits label's `passcode=` field, so
/// that a passcode no label can carry is caught here rather than never matching.
pub(super) fn read_passcode(cell: &str) -> Result<&str, PasscodeRefusal> {
    let len = cell.chars().count();
    if len > 64 {
        return Err(PasscodeRefusal::NotAToken {
            problem: format!("{len} characters"),
        });
    }
    if let Some((index, _)) = cell
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        return Err(PasscodeRefusal::NotAToken {
            problem: format!("another character at character {}", index + 1),
        });
    }
    Ok(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_labels_can_be_adopted() {
        let product = ProductKey::parse("gz0001").unwrap();
        let key = b"secret";
        // (cell, adopted as a bare SN?, or the refusal)
        type Case = (&'static str, Result<bool, LabelRefusal>);
        let cases: Vec<Case> = vec![
            ("GZQR:5c2f0e9a7b4d41e8", Ok(false)),
            ("https://example.com/device", Ok(false)),
            (
                "product_key=gz0001&did=9jQ7GaABuXkqXsNGfyWXvK&passcode=XAVB",
                Ok(false),
            ),
            ("type=share&code=4b1e0a7fd3c5", Ok(false)),
            // Broken to the parser, fine as a foreign label.
            ("a=1&b", Ok(false)),
            ("9jQ7GaABuXkqXsNGfyWXvK", Ok(true)),
            (
                "product_key=other1&did=9jQ7GaABuXkqXsNGfyWXvK&passcode=XAVB",
                Err(LabelRefusal::OtherProduct {
                    label_product: "other1".into(),
                    product: "gz0001".into(),
                }),
            ),
            (
                "pk=gz0001&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
                Err(LabelRefusal::NamesItsDevice {
                    kind: QrKind::BinderyV2,
                }),
            ),
            (
                "pk=gz0001&sn=VDR7098612099028&v=1",
                Err(LabelRefusal::NamesItsDevice {
                    kind: QrKind::QuectelV1,
                }),
            ),
            ("MT:Y.K9042C00KA0648G00", Err(LabelRefusal::Matter)),
            ("\u{feff}", Err(LabelRefusal::Empty)),
            (
                "GZ\u{7}QR",
                Err(LabelRefusal::ControlCharacter { index: 2 }),
            ),
        ];
        for (cell, expected) in cases {
            let got = adopt_label(cell, &product, key).map(|label| label.as_sn.is_some());
            assert_eq!(got, expected, "{cell:?}");
        }
        let long = "x".repeat(MAX_QR_LEN + 1);
        assert_eq!(
            adopt_label(&long, &product, key).err(),
            Some(LabelRefusal::TooLong {
                len: MAX_QR_LEN + 1
            })
        );
    }

    #[test]
    fn refusals_never_quote_the_label() {
        let product = ProductKey::parse("gz0001").unwrap();
        for cell in ["pk=gz0001&sn=SECRETSN01&v=1", "SECRET\u{7}TEXT"] {
            let refusal = adopt_label(cell, &product, b"k").err().unwrap();
            assert!(!refusal.to_string().contains("SECRET"), "{refusal}");
        }
        let refusal = read_passcode("SECRET PASS").unwrap_err().to_string();
        assert!(!refusal.contains("SECRET"), "{refusal}");
    }

    #[test]
    fn passcodes_follow_the_labels_rule() {
        let long = "A".repeat(65);
        let cases = [
            ("XAVBPXMSKA", true),
            ("a-b_C9", true),
            ("has space", false),
            ("密码", false),
            (long.as_str(), false),
        ];
        for (cell, taken) in cases {
            assert_eq!(read_passcode(cell).is_ok(), taken, "{cell:?}");
        }
    }
}
