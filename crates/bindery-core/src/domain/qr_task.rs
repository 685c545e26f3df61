//! Which devices a Gizwits-style QR task makes labels for: a MAC range (what Gizwits' own
//! service takes), a list of MACs, or a list of IMEIs (GPRS devices, whose modules are named
//! by IMEI rather than MAC). Checked here, before the cloud touches its database, so a bad
//! request names the entry to fix.

use std::collections::HashSet;
use std::fmt;

use super::{DeviceKey, ValueError};

/// The validated devices of one task, in the order the request gave them (a range ascends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrTaskDevices(Vec<DeviceKey>);

/// Why a task's device list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrTaskError {
    /// None of `start_mac`+`end_mac`, `macs`, `imeis` was given, or more than one of them.
    NotOneForm,
    /// Only one end of a range was given.
    HalfRange,
    /// A range whose end comes before its start.
    Backwards {
        /// The range's first MAC as sent.
        start: String,
        /// The range's last MAC as sent.
        end: String,
    },
    /// More devices than one task may hold.
    TooMany {
        /// How many the request asked for.
        count: u64,
        /// The most a task holds.
        max: u32,
    },
    /// An entry that is not the kind of key its field holds (`field[index]`, or the range end).
    Bad {
        /// `start_mac`, `end_mac`, `macs[3]`, `imeis[0]`…
        place: String,
        /// What is wrong with it (keeps the offending input).
        problem: ValueError,
    },
    /// An IMEI in `macs`, or a MAC in `imeis`.
    WrongKind {
        /// Where it is.
        place: String,
        /// The entry as sent.
        input: String,
    },
    /// The same device twice in one list.
    Repeated {
        /// The second place it appears.
        place: String,
        /// The entry as sent.
        input: String,
    },
}

impl fmt::Display for QrTaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrTaskError::NotOneForm => f.write_str(
                "give exactly one of: start_mac and end_mac (a range), macs (a list) or imeis (a list)",
            ),
            QrTaskError::HalfRange => f.write_str("a range needs both start_mac and end_mac"),
            QrTaskError::Backwards { start, end } => {
                write!(f, "end_mac {end:?} comes before start_mac {start:?}")
            }
            QrTaskError::TooMany { count, max } => write!(
                f,
                "a task holds at most {max} devices; this one asks for {count}: split it"
            ),
            QrTaskError::Bad { place, problem } => write!(f, "{place}: {problem}"),
            QrTaskError::WrongKind { place, input } if place.starts_with("imeis") => {
                write!(f, "{place} is {input:?}, a MAC: put MACs in macs")
            }
            QrTaskError::WrongKind { place, input } => {
                write!(f, "{place} is {input:?}, an IMEI: put IMEIs in imeis")
            }
            QrTaskError::Repeated { place, input } => {
                write!(f, "{place} repeats {input:?}; each device once")
            }
        }
    }
}

impl std::error::Error for QrTaskError {}

/// Which kind of key a list holds.
#[derive(Clone, Copy)]
enum Kind {
    Mac,
    Imei,
}

impl QrTaskDevices {
    /// Checks a request's devices: exactly one of a range (`start_mac`..=`end_mac`), a MAC
    /// list or an IMEI list, each entry valid and of its list's kind, no repeats, at most
    /// `max` devices in all.
    ///
    /// ```
    /// use bindery_core::{QrTaskDevices, QrTaskError};
    ///
    /// let range = QrTaskDevices::from_request(Some("aabbcc000001"), Some("AA:BB:CC:00:00:03"), &[], &[], 100)?;
    /// assert_eq!(range.len(), 3);
    /// let imeis = ["490154203237518".to_owned()];
    /// assert_eq!(QrTaskDevices::from_request(None, None, &[], &imeis, 100)?.len(), 1);
    /// assert_eq!(
    ///     QrTaskDevices::from_request(Some("aabbcc000001"), None, &[], &[], 100),
    ///     Err(QrTaskError::HalfRange)
    /// );
    /// # Ok::<(), QrTaskError>(())
    /// ```
    pub fn from_request(
        start_mac: Option<&str>,
        end_mac: Option<&str>,
        macs: &[String],
        imeis: &[String],
        max: u32,
    ) -> Result<QrTaskDevices, QrTaskError> {
        let has_range = start_mac.is_some() || end_mac.is_some();
        let forms = [has_range, !macs.is_empty(), !imeis.is_empty()];
        if forms.iter().filter(|&&given| given).count() != 1 {
            return Err(QrTaskError::NotOneForm);
        }
        match (start_mac, end_mac) {
            (Some(start), Some(end)) => return range(start, end, max),
            (None, None) => {}
            _ => return Err(QrTaskError::HalfRange),
        }
        let (entries, kind, field) = if macs.is_empty() {
            (imeis, Kind::Imei, "imeis")
        } else {
            (macs, Kind::Mac, "macs")
        };
        if entries.len() as u64 > u64::from(max) {
            return Err(QrTaskError::TooMany {
                count: entries.len() as u64,
                max,
            });
        }
        let mut seen = HashSet::with_capacity(entries.len());
        let mut keys = Vec::with_capacity(entries.len());
        for (index, input) in entries.iter().enumerate() {
            let place = format!("{field}[{index}]");
            let key = DeviceKey::parse(input).map_err(|problem| QrTaskError::Bad {
                place: place.clone(),
                problem,
            })?;
            let right_kind = match kind {
                Kind::Mac => matches!(key, DeviceKey::Mac(_)),
                Kind::Imei => matches!(key, DeviceKey::Imei(_)),
            };
            if !right_kind {
                return Err(QrTaskError::WrongKind {
                    place,
                    input: input.clone(),
                });
            }
            if !seen.insert(key.clone()) {
                return Err(QrTaskError::Repeated {
                    place,
                    input: input.clone(),
                });
            }
            keys.push(key);
        }
        Ok(QrTaskDevices(keys))
    }

    /// The devices' keys, in request order.
    pub fn keys(&self) -> &[DeviceKey] {
        &self.0
    }

    /// How many devices the task makes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for a checked task; here for the usual pairing with [`len`](Self::len).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn range(start: &str, end: &str, max: u32) -> Result<QrTaskDevices, QrTaskError> {
    let mac = |input: &str, place: &str| -> Result<u64, QrTaskError> {
        let key = DeviceKey::parse(input).map_err(|problem| QrTaskError::Bad {
            place: place.to_owned(),
            problem,
        })?;
        key.mac_value().ok_or_else(|| QrTaskError::WrongKind {
            place: place.to_owned(),
            input: input.to_owned(),
        })
    };
    let first = mac(start, "start_mac")?;
    let last = mac(end, "end_mac")?;
    if last < first {
        return Err(QrTaskError::Backwards {
            start: start.to_owned(),
            end: end.to_owned(),
        });
    }
    let count = last - first + 1;
    if count > u64::from(max) {
        return Err(QrTaskError::TooMany { count, max });
    }
    Ok(QrTaskDevices(
        (first..=last).map(DeviceKey::mac_from_value).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// One line a case: range, MAC list, IMEI list, and what comes out (the keys, or the
    /// error's sentence must contain the text).
    #[test]
    fn requests_and_what_they_make() {
        type Case<'a> = (
            (Option<&'a str>, Option<&'a str>),
            &'a [&'a str],
            &'a [&'a str],
            Result<&'a [&'a str], &'a str>,
        );
        let cases: &[Case] = &[
            (
                (Some("aabbcc0000fe"), Some("aabbcc000101")),
                &[],
                &[],
                Ok(&[
                    "aabbcc0000fe",
                    "aabbcc0000ff",
                    "aabbcc000100",
                    "aabbcc000101",
                ]),
            ),
            (
                (Some("AA-BB-CC-00-00-01"), Some("aabb.cc00.0001")),
                &[],
                &[],
                Ok(&["aabbcc000001"]),
            ),
            (
                (None, None),
                &["AA:BB:CC:00:00:09", "aabbcc000002"],
                &[],
                Ok(&["aabbcc000009", "aabbcc000002"]),
            ),
            (
                (None, None),
                &[],
                &["490154203237518", "356938035643809"],
                Ok(&["490154203237518", "356938035643809"]),
            ),
            ((None, None), &[], &[], Err("exactly one of")),
            (
                (Some("aabbcc000001"), Some("aabbcc000002")),
                &["aabbcc000003"],
                &[],
                Err("exactly one of"),
            ),
            (
                (None, None),
                &["aabbcc000003"],
                &["490154203237518"],
                Err("exactly one of"),
            ),
            (
                (None, Some("aabbcc000002")),
                &[],
                &[],
                Err("both start_mac and end_mac"),
            ),
            (
                (Some("aabbcc000002"), Some("aabbcc000001")),
                &[],
                &[],
                Err("comes before start_mac"),
            ),
            (
                (Some("aabbcc000000"), Some("aabbcc0003e8")),
                &[],
                &[],
                Err("at most 1000 devices; this one asks for 1001"),
            ),
            (
                (Some("490154203237518"), Some("aabbcc000001")),
                &[],
                &[],
                Err("start_mac is \"490154203237518\", an IMEI"),
            ),
            (
                (Some("aabbcc00000g"), Some("aabbcc000001")),
                &[],
                &[],
                Err("start_mac:"),
            ),
            ((None, None), &["aabbcc000001", "zz"], &[], Err("macs[1]:")),
            (
                (None, None),
                &["aabbcc000001", "490154203237518"],
                &[],
                Err("macs[1] is \"490154203237518\", an IMEI"),
            ),
            (
                (None, None),
                &[],
                &["aabbcc000001"],
                Err("imeis[0] is \"aabbcc000001\", a MAC"),
            ),
            ((None, None), &[], &["490154203237519"], Err("imeis[0]:")),
            (
                (None, None),
                &["aabbcc000001", "AA:BB:CC:00:00:01"],
                &[],
                Err("macs[1] repeats"),
            ),
        ];
        for ((start, end), macs, imeis, expected) in cases {
            let got =
                QrTaskDevices::from_request(*start, *end, &strings(macs), &strings(imeis), 1000);
            match (expected, got) {
                (Ok(keys), Ok(devices)) => {
                    let made: Vec<&str> = devices.keys().iter().map(DeviceKey::as_str).collect();
                    assert_eq!(&made, keys, "{start:?} {end:?} {macs:?} {imeis:?}");
                }
                (Err(text), Err(error)) => {
                    let sentence = error.to_string();
                    assert!(sentence.contains(text), "{sentence:?} lacks {text:?}");
                }
                (expected, got) => {
                    panic!("{start:?} {end:?} {macs:?} {imeis:?}: {got:?}, expected {expected:?}")
                }
            }
        }
    }

    #[test]
    fn a_list_over_the_cap_is_refused_before_any_entry_is_read() {
        let many = vec!["not even a key".to_owned(); 1001];
        assert_eq!(
            QrTaskDevices::from_request(None, None, &many, &[], 1000),
            Err(QrTaskError::TooMany {
                count: 1001,
                max: 1000
            })
        );
    }
}
