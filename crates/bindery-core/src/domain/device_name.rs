//! The name a user gives a device ("Kitchen plug"). It is shown in lists and exports, so it
//! is trimmed, bounded and free of characters that would break a line or reorder text.

use super::{string_value, Field, Problem, ValueError};

/// A device name: 1–64 characters after trimming, without control characters or the
/// bidirectional-override characters that can disguise text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceName(String);

impl DeviceName {
    /// The most characters a name may have after trimming.
    pub const MAX_LEN: usize = 64;

    /// Trims surrounding whitespace, then validates.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValueError::new(Field::DeviceName, input, Problem::Empty));
        }
        if let Some((index, ch)) = trimmed
            .chars()
            .enumerate()
            .find(|&(_, c)| c.is_control() || is_bidi_control(c))
        {
            return Err(ValueError::new(
                Field::DeviceName,
                input,
                Problem::BadCharacter { ch, index },
            ));
        }
        let len = trimmed.chars().count();
        if len > Self::MAX_LEN {
            return Err(ValueError::new(
                Field::DeviceName,
                input,
                Problem::TooLong {
                    max: Self::MAX_LEN,
                    len,
                },
            ));
        }
        Ok(DeviceName(trimmed.to_owned()))
    }
}
string_value!(DeviceName);

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        #[rustfmt::skip]
        let cases: &[(&str, Result<&str, Problem>)] = &[
            ("Kitchen", Ok("Kitchen")),
            ("  Kitchen plug \n", Ok("Kitchen plug")),
            ("客厅的灯", Ok("客厅的灯")),
            ("=cmd|' /C calc'!A0", Ok("=cmd|' /C calc'!A0")), // stored as text; exporters escape
            (&"x".repeat(64), Ok(&*"x".repeat(64).leak())),
            (&"界".repeat(64), Ok(&*"界".repeat(64).leak())),
            ("", Err(Problem::Empty)),
            (" \t\n", Err(Problem::Empty)),
            (&"x".repeat(65), Err(Problem::TooLong { max: 64, len: 65 })),
            ("a\u{0}b", Err(Problem::BadCharacter { ch: '\u{0}', index: 1 })),
            ("line\nbreak", Err(Problem::BadCharacter { ch: '\n', index: 4 })),
            ("evil\u{202E}txt", Err(Problem::BadCharacter { ch: '\u{202E}', index: 4 })),
        ];
        for (input, want) in cases {
            let got = DeviceName::parse(input);
            match want {
                Ok(name) => assert_eq!(got.as_ref().map(DeviceName::as_str), Ok(*name)),
                Err(problem) => assert_eq!(got.unwrap_err().problem, *problem, "{input:?}"),
            }
        }
    }
}
