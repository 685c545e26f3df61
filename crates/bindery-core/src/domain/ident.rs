//! Product keys, SNs and the per-product bind policy: the identifiers printed on labels.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{check_chars, named_value, string_value, Field, Problem, ValueError};

/// A product key: 6–32 ASCII letters and digits, case preserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductKey(String);

impl ProductKey {
    /// The fewest characters a product key has.
    pub const MIN_LEN: usize = 6;
    /// The most characters a product key has.
    pub const MAX_LEN: usize = 32;

    /// Validates `input` exactly as given (callers trim where trimming makes sense).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        check_chars(
            Field::ProductKey,
            input,
            Self::MIN_LEN,
            Self::MAX_LEN,
            |c| c.is_ascii_alphanumeric(),
        )?;
        Ok(ProductKey(input.to_owned()))
    }
}
string_value!(ProductKey);

/// A device serial number: 6–32 of `[A-Za-z0-9-]`, case preserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sn(String);

impl Sn {
    /// The fewest characters an SN has.
    pub const MIN_LEN: usize = 6;
    /// The most characters an SN has.
    pub const MAX_LEN: usize = 32;

    /// Validates `input` exactly as given.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        check_chars(Field::Sn, input, Self::MIN_LEN, Self::MAX_LEN, |c| {
            c.is_ascii_alphanumeric() || c == '-'
        })?;
        Ok(Sn(input.to_owned()))
    }
}
impl Sn {
    /// The device id (`d_` and 24 hex digits) the API names this device by: the same for
    /// every owner and every bind, so an app or a support note can keep it (Gizwits' `did`
    /// names a device the same way). An SN is unique within its product only, so the id is
    /// derived from the product key and the SN together, with the cloud's secret `key`: it
    /// reveals neither and cannot be guessed from them.
    ///
    /// ```
    /// use bindery_core::{ProductKey, Sn};
    ///
    /// let sn = Sn::parse("VDR7098612099028")?;
    /// let plug = ProductKey::parse("plug01")?;
    /// let did = sn.did(&plug, b"the cloud's secret");
    /// assert!(did.starts_with("d_") && did.len() == 26);
    /// assert_eq!(did, sn.did(&plug, b"the cloud's secret"));
    /// assert_ne!(did, sn.did(&plug, b"another cloud"));
    /// // The same SN in another product is another device.
    /// assert_ne!(did, sn.did(&ProductKey::parse("lamp01")?, b"the cloud's secret"));
    /// # Ok::<(), bindery_core::ValueError>(())
    /// ```
    pub fn did(&self, product_key: &ProductKey, key: &[u8]) -> String {
        // Domain-separated from the bind-code hash, which uses the same key, and from the
        // SN-alone ids below. The NUL between the two cannot occur in either.
        device_id(
            key,
            &[
                b"bindery device id v2\0",
                product_key.as_str().as_bytes(),
                b"\0",
                self.0.as_bytes(),
            ],
        )
    }

    /// The device id of a device made while SNs were unique across the whole cloud, derived
    /// from the SN alone. Such devices keep it (their owners and support notes know it); a
    /// device made since gets [`Sn::did`].
    pub fn did_of_sn_alone(&self, key: &[u8]) -> String {
        device_id(key, &[b"bindery device id v1\0", self.0.as_bytes()])
    }
}

/// `d_` and the first 12 bytes, in hex, of the HMAC-SHA-256 of `parts` under `key`.
fn device_id(key: &[u8], parts: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    for part in parts {
        mac.update(part);
    }
    let digest = mac.finalize().into_bytes();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("d_{hex}")
}
string_value!(Sn);

/// How a product's devices may be bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BindPolicy {
    /// The label must carry the device's bind code (Bindery v2 labels). The default for
    /// products created in Bindery.
    #[default]
    BindCodeRequired,
    /// The SN alone binds, for labels already printed in the Quectel v1 form. Anyone who reads
    /// the SN can bind, so the tighter rate limits apply.
    SnOnly,
}

impl BindPolicy {
    /// The policy's name on the wire and in the Developer Center.
    pub fn as_str(self) -> &'static str {
        match self {
            BindPolicy::BindCodeRequired => "bind_code_required",
            BindPolicy::SnOnly => "sn_only",
        }
    }

    /// The policy named `input` (`bind_code_required` or `sn_only`).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        match input {
            "bind_code_required" => Ok(BindPolicy::BindCodeRequired),
            "sn_only" => Ok(BindPolicy::SnOnly),
            _ => Err(ValueError::new(
                Field::BindPolicy,
                input,
                Problem::BadShape {
                    expected: "\"bind_code_required\" or \"sn_only\"",
                },
            )),
        }
    }
}

named_value!(BindPolicy);
