//! Labels printed by other systems that a maker adopts (docs/product.md §2.3), and the
//! passcodes of Gizwits legacy labels: what the cloud stores of them, and how a scanned text
//! is compared with that.
//!
//! A maker moving to Bindery has devices whose labels were printed by someone else: an opaque
//! string from Gizwits' label service, or `product_key=…&did=…&passcode=…`. The import maps
//! such a label's exact text to its device (the `Label` column) and may carry a Gizwits
//! passcode (the `Passcode` column). On a `bind_code_required` product the adopted text is
//! what proves a scan came from the device, as a bind code does, and a passcode always is:
//! so both are kept as the bind codes are, only as an HMAC-SHA256 under the server secret.
//! A leaked database then holds nothing to print a label from, and nothing to guess against
//! without the key.
//!
//! The label hash is of the text alone (it is looked up by it, and its unique index makes one
//! text name one device across the cloud); the passcode hash is bound to the device's SN, so
//! one passcode on two devices gives two hashes.

use bindery_core::Sn;
use ring::hmac;
use subtle::ConstantTimeEq;

/// The text of a label as it is compared: without a leading byte-order mark and surrounding
/// whitespace (a scanner's trailing newline), the way `bindery_core::parse_qr` reads it.
/// Everything else, case included, must be exact.
pub fn label_text(text: &str) -> &str {
    text.trim_start_matches('\u{feff}').trim()
}

/// HMAC-SHA256 under `key` of `parts`, each after a domain tag and separated by NUL bytes
/// (no part holds a NUL: label texts have no control characters, SNs and passcodes are
/// ASCII letters and digits).
fn keyed(key: &[u8], domain: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    context.update(domain);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            context.update(b"\0");
        }
        context.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(context.sign().as_ref());
    out
}

/// The keyed hash of an adopted label's text: what `devices.label_hash` holds.
#[derive(Clone, PartialEq, Eq)]
pub struct LabelHash([u8; 32]);

impl LabelHash {
    /// Domain-separated from the bind-code hash and the did, which use the same key.
    const DOMAIN: &'static [u8] = b"bindery/adopted-label/v1\0";

    /// The hash of the label `text` (read as [`label_text`] reads it) under the server
    /// secret `key`.
    pub fn of(text: &str, key: &[u8]) -> Self {
        LabelHash(keyed(key, Self::DOMAIN, &[label_text(text).as_bytes()]))
    }

    /// The 32 bytes, to store or to look up by.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for LabelHash {
    // The hash stands for a secret on bind_code_required products: print only its start.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LabelHash({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

/// The keyed hash of a Gizwits passcode on one device: what `devices.passcode_hash` holds.
#[derive(Clone, PartialEq, Eq)]
pub struct PasscodeHash([u8; 32]);

impl PasscodeHash {
    const DOMAIN: &'static [u8] = b"bindery/gizwits-passcode/v1\0";

    /// The hash of `passcode` on the device `sn` under the server secret `key`. Passcodes
    /// are compared exactly (Gizwits' are case-sensitive tokens).
    pub fn of(sn: &Sn, passcode: &str, key: &[u8]) -> Self {
        PasscodeHash(keyed(
            key,
            Self::DOMAIN,
            &[sn.as_str().as_bytes(), passcode.as_bytes()],
        ))
    }

    /// Whether `passcode` is the passcode of `sn`, compared in constant time.
    pub fn verify(&self, sn: &Sn, passcode: &str, key: &[u8]) -> bool {
        let candidate = Self::of(sn, passcode, key);
        // As bindery-core compares bind-code hashes.
        self.0.ct_eq(&candidate.0).into()
    }

    /// The 32 bytes, to store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From stored bytes; `None` unless exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(PasscodeHash)
    }
}

impl std::fmt::Debug for PasscodeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PasscodeHash({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_hashes_read_the_text_as_the_parser_does_and_nothing_more() {
        let key = b"server secret";
        let base = LabelHash::of("GZ:7f3a9c1e5b", key);
        // (text, same label as the base?)
        let cases = [
            ("GZ:7f3a9c1e5b", true),
            ("\u{feff}GZ:7f3a9c1e5b\r\n", true),
            ("  GZ:7f3a9c1e5b ", true),
            ("gz:7f3a9c1e5b", false),
            ("GZ:7f3a9c1e5", false),
            ("GZ: 7f3a9c1e5b", false),
        ];
        for (text, same) in cases {
            assert_eq!(LabelHash::of(text, key) == base, same, "{text:?}");
        }
        assert_ne!(LabelHash::of("GZ:7f3a9c1e5b", b"another cloud"), base);
    }

    #[test]
    fn passcodes_are_bound_to_their_device_and_exact() {
        let key = b"server secret";
        let sn = Sn::parse("aabbcc000001").unwrap();
        let other = Sn::parse("aabbcc000002").unwrap();
        let hash = PasscodeHash::of(&sn, "XAVBPXMSKA", key);
        // (device, passcode, accepted?)
        let cases = [
            (&sn, "XAVBPXMSKA", true),
            (&sn, "xavbpxmska", false),
            (&sn, "XAVBPXMSK", false),
            (&other, "XAVBPXMSKA", false),
        ];
        for (device, passcode, accepted) in cases {
            assert_eq!(
                hash.verify(device, passcode, key),
                accepted,
                "{device} {passcode}"
            );
        }
        assert!(!hash.verify(&sn, "XAVBPXMSKA", b"another cloud"));
        assert_eq!(PasscodeHash::from_slice(hash.as_bytes()), Some(hash));
        assert_eq!(PasscodeHash::from_slice(&[0; 31]), None);
    }
}
