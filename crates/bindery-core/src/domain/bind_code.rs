//! Bind codes: the per-device secret printed on Bindery v2 labels.
//!
//! A Quectel or Gizwits label is a bearer token: whoever reads the SN can bind the device.
//! A Bindery label adds 50 random bits, so knowing (or guessing) an SN is not enough. The
//! code is written in Crockford base32 — no I/L/O/U to misread — and the cloud stores only a
//! keyed hash of it.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{string_value, Field, Problem, Sn, ValueError};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A bind code: 10 Crockford base32 characters (50 bits), stored in canonical upper case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BindCode(String);

impl BindCode {
    /// How many characters a bind code has.
    pub const LEN: usize = 10;

    /// Parses a code as printed or typed: case-insensitive, hyphens ignored, and the
    /// look-alikes Crockford allows (`I`/`L` → `1`, `O` → `0`) mapped to their digits.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        if input.is_empty() {
            return Err(ValueError::new(Field::BindCode, input, Problem::Empty));
        }
        let mut canonical = String::with_capacity(Self::LEN);
        for (index, ch) in input.chars().enumerate() {
            let mapped = match ch.to_ascii_uppercase() {
                '-' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => {
                    return Err(ValueError::new(
                        Field::BindCode,
                        input,
                        Problem::BadCharacter { ch, index },
                    ))
                }
            };
            canonical.push(mapped);
        }
        let len = canonical.len();
        if len < Self::LEN {
            return Err(ValueError::new(
                Field::BindCode,
                input,
                Problem::TooShort {
                    min: Self::LEN,
                    len,
                },
            ));
        }
        if len > Self::LEN {
            return Err(ValueError::new(
                Field::BindCode,
                input,
                Problem::TooLong {
                    max: Self::LEN,
                    len,
                },
            ));
        }
        Ok(BindCode(canonical))
    }

    /// A fresh code from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes)?;
        Ok(Self::from_bits(u64::from_le_bytes(bytes)))
    }

    /// The code for the low 50 bits of `bits`.
    pub fn from_bits(bits: u64) -> Self {
        let code = (0..Self::LEN)
            .rev()
            .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
            .collect();
        BindCode(code)
    }

    /// The keyed hash the cloud stores for this code on this SN.
    pub fn hash(&self, sn: &Sn, key: &[u8]) -> BindCodeHash {
        BindCodeHash::compute(self, sn, key)
    }
}
string_value!(BindCode);

impl std::fmt::Debug for BindCode {
    // A bind code is a secret: keep it out of logs that print structures with `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BindCode({}…)", &self.0[..2])
    }
}

/// HMAC-SHA256 of a bind code, bound to its SN, under the cloud's secret key.
///
/// Keyed rather than a bare hash: 50 bits are too few to survive an offline guessing attack
/// on a leaked database, but without the key there is nothing to guess against.
#[derive(Clone, PartialEq, Eq)]
pub struct BindCodeHash([u8; 32]);

impl BindCodeHash {
    const DOMAIN: &'static [u8] = b"bindery/bind-code/v1\0";

    /// The keyed hash of `code` on `sn`, with the cloud's secret `key`.
    pub fn compute(code: &BindCode, sn: &Sn, key: &[u8]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(Self::DOMAIN);
        mac.update(sn.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(code.as_str().as_bytes());
        BindCodeHash(mac.finalize().into_bytes().into())
    }

    /// Whether `code` is the code of `sn`, compared in constant time.
    pub fn verify(&self, code: &BindCode, sn: &Sn, key: &[u8]) -> bool {
        let candidate = Self::compute(code, sn, key);
        self.0.ct_eq(&candidate.0).into()
    }

    /// The 32 bytes, to store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From stored bytes; `None` unless exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(BindCodeHash)
    }
}

impl std::fmt::Debug for BindCodeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BindCodeHash({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        #[rustfmt::skip]
        let cases: &[(&str, Result<&str, Problem>)] = &[
            ("7Q4XK2M9PD", Ok("7Q4XK2M9PD")),
            ("7q4xk2m9pd", Ok("7Q4XK2M9PD")),
            ("7Q4X-K2M9-PD", Ok("7Q4XK2M9PD")),
            ("IL0O0O0O0O", Ok("1100000000")),
            ("", Err(Problem::Empty)),
            ("7Q4XK2M9P", Err(Problem::TooShort { min: 10, len: 9 })),
            ("7Q4XK2M9PDD", Err(Problem::TooLong { max: 10, len: 11 })),
            ("7Q4XK2M9PU", Err(Problem::BadCharacter { ch: 'U', index: 9 })),
            ("7Q4XK2M9P!", Err(Problem::BadCharacter { ch: '!', index: 9 })),
            ("7Q4XK2M9Pé", Err(Problem::BadCharacter { ch: 'é', index: 9 })),
        ];
        for (input, want) in cases {
            let got = BindCode::parse(input);
            match want {
                Ok(code) => assert_eq!(got.as_ref().map(BindCode::as_str), Ok(*code)),
                Err(problem) => assert_eq!(got.unwrap_err().problem, *problem, "{input:?}"),
            }
        }
    }

    #[test]
    fn generated_codes_parse_and_differ() {
        let a = BindCode::generate().unwrap();
        let b = BindCode::generate().unwrap();
        assert_eq!(BindCode::parse(a.as_str()).unwrap(), a);
        assert_ne!(a, b, "50 random bits collided");
        assert_eq!(BindCode::from_bits(0).as_str(), "0000000000");
        assert_eq!(BindCode::from_bits((1 << 50) - 1).as_str(), "ZZZZZZZZZZ");
    }

    #[test]
    fn hashes_verify_only_the_right_code_sn_and_key() {
        let sn = Sn::parse("BD7K2M9Q4X").unwrap();
        let other_sn = Sn::parse("BD7K2M9Q4Y").unwrap();
        let code = BindCode::parse("7Q4XK2M9PD").unwrap();
        let other_code = BindCode::parse("7Q4XK2M9PE").unwrap();
        let hash = code.hash(&sn, b"key");
        assert!(hash.verify(&code, &sn, b"key"));
        assert!(!hash.verify(&other_code, &sn, b"key"));
        assert!(!hash.verify(&code, &other_sn, b"key"));
        assert!(!hash.verify(&code, &sn, b"other key"));
        assert_eq!(BindCodeHash::from_slice(hash.as_bytes()), Some(hash));
        assert_eq!(format!("{code:?}"), "BindCode(7Q…)");
    }
}
