//! DeviceKey: how the cloud knows a module — the IMEI of a cellular module or the MAC of a
//! Wi-Fi one. Makers paste these from spreadsheets in every spelling, so parsing accepts the
//! common ones and stores one canonical form (a MAC lower-case without separators), which is
//! what the unique index in the cloud compares.

use super::{named_value, Field, Problem, ValueError};

/// A validated, normalised DeviceKey.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceKey {
    /// 15 digits whose last digit is the Luhn check digit of the first 14.
    Imei(String),
    /// 12 lower-case hex digits, no separators.
    Mac(String),
}

const EXPECTED: &str =
    "an IMEI (15 digits) or a MAC (12 hex digits, optionally separated by ':', '-' or '.')";

impl DeviceKey {
    /// Parses an IMEI or a MAC. Surrounding whitespace is ignored. Accepted MAC spellings:
    /// `AABBCCDDEEFF`, `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff`.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValueError::new(Field::DeviceKey, input, Problem::Empty));
        }
        if trimmed.len() == 15 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return if luhn_valid(trimmed) {
                Ok(DeviceKey::Imei(trimmed.to_owned()))
            } else {
                Err(ValueError::new(
                    Field::DeviceKey,
                    input,
                    Problem::BadCheckDigit,
                ))
            };
        }
        if let Some(mac) = normalise_mac(trimmed) {
            return Ok(DeviceKey::Mac(mac));
        }
        // Point at the first character that cannot belong to either form, when there is one:
        // "character 5 is not allowed" helps more than "wrong shape".
        if let Some((index, ch)) = trimmed
            .chars()
            .enumerate()
            .find(|&(_, c)| !(c.is_ascii_hexdigit() || matches!(c, ':' | '-' | '.')))
        {
            return Err(ValueError::new(
                Field::DeviceKey,
                input,
                Problem::BadCharacter { ch, index },
            ));
        }
        Err(ValueError::new(
            Field::DeviceKey,
            input,
            Problem::BadShape { expected: EXPECTED },
        ))
    }

    /// The canonical text: the IMEI digits, or the MAC as 12 lower-case hex digits.
    pub fn as_str(&self) -> &str {
        match self {
            DeviceKey::Imei(s) | DeviceKey::Mac(s) => s,
        }
    }

    /// The MAC as a 48-bit number (for MAC ranges), `None` for an IMEI.
    pub fn mac_value(&self) -> Option<u64> {
        match self {
            DeviceKey::Mac(s) => u64::from_str_radix(s, 16).ok(),
            DeviceKey::Imei(_) => None,
        }
    }

    /// The MAC with this 48-bit value (values above 48 bits are cut to 48).
    pub fn mac_from_value(value: u64) -> DeviceKey {
        DeviceKey::Mac(format!("{:012x}", value & 0xffff_ffff_ffff))
    }
}

fn normalise_mac(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let hex_only: String = match bytes.len() {
        12 => s.to_owned(),
        // aa:bb:cc:dd:ee:ff or aa-bb-…: one separator kind, every third character.
        17 => {
            let sep = bytes[2];
            if !matches!(sep, b':' | b'-') {
                return None;
            }
            let mut out = String::with_capacity(12);
            for (i, &b) in bytes.iter().enumerate() {
                if i % 3 == 2 {
                    if b != sep {
                        return None;
                    }
                } else {
                    out.push(b as char);
                }
            }
            out
        }
        // aabb.ccdd.eeff (Cisco style).
        14 => {
            if bytes[4] != b'.' || bytes[9] != b'.' {
                return None;
            }
            s.split('.').collect()
        }
        _ => return None,
    };
    if hex_only.len() == 12 && hex_only.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(hex_only.to_ascii_lowercase())
    } else {
        None
    }
}

/// The Luhn check over a string of ASCII digits (the last digit is the check digit).
fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

named_value!(DeviceKey);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use DeviceKey::{Imei, Mac};
        #[rustfmt::skip]
        let ok: &[(&str, DeviceKey)] = &[
            ("490154203237518", Imei("490154203237518".into())),
            ("356938035643809", Imei("356938035643809".into())),
            (" 356938035643809\n", Imei("356938035643809".into())),
            ("AABBCCDDEEFF", Mac("aabbccddeeff".into())),
            ("aa:bb:cc:dd:ee:ff", Mac("aabbccddeeff".into())),
            ("AA-BB-CC-DD-EE-0F", Mac("aabbccddee0f".into())),
            ("aabb.ccdd.eeff", Mac("aabbccddeeff".into())),
            ("001122334455", Mac("001122334455".into())),
        ];
        for (input, want) in ok {
            assert_eq!(DeviceKey::parse(input).as_ref(), Ok(want), "{input:?}");
        }
        #[rustfmt::skip]
        let bad: &[(&str, Problem)] = &[
            ("", Problem::Empty),
            ("   ", Problem::Empty),
            ("490154203237519", Problem::BadCheckDigit),
            ("aa:bb:cc:dd:ee:fg", Problem::BadCharacter { ch: 'g', index: 16 }),
            ("aa:bb-cc:dd:ee:ff", Problem::BadShape { expected: EXPECTED }),
            ("aabbccddeef", Problem::BadShape { expected: EXPECTED }),
            ("aabbccddeeff00", Problem::BadShape { expected: EXPECTED }),
            ("aa bb cc dd ee ff", Problem::BadCharacter { ch: ' ', index: 2 }),
            ("4901542032375180", Problem::BadShape { expected: EXPECTED }),
        ];
        for (input, want) in bad {
            let err = DeviceKey::parse(input).unwrap_err();
            assert_eq!(&err.problem, want, "{input:?}");
            assert_eq!(err.input, *input);
            assert_eq!(err.field, Field::DeviceKey);
        }
    }

    #[test]
    fn mac_values_round_trip() {
        let key = DeviceKey::parse("00:11:22:33:44:ff").unwrap();
        assert_eq!(key.mac_value(), Some(0x0011_2233_44ff));
        assert_eq!(DeviceKey::mac_from_value(0x0011_2233_44ff), key);
        assert_eq!(
            DeviceKey::parse("490154203237518").unwrap().mac_value(),
            None
        );
    }
}
