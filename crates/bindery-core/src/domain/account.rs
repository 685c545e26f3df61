//! Account credentials as typed at sign-up and sign-in.

use super::{string_value, Field, Problem, ValueError};

/// An email address, trimmed and lower-cased so that one mailbox is one account.
///
/// Validation is deliberately shallow (one `@`, a dotted domain, no spaces): the only real
/// check of an address is mail reaching it, and rejecting valid-but-odd addresses is worse
/// than accepting a typo.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// The longest address accepted, in characters (RFC 5321).
    pub const MAX_LEN: usize = 254;

    /// Trims surrounding whitespace and validates; the address is kept lower-cased.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValueError::new(Field::Email, input, Problem::Empty));
        }
        let len = trimmed.chars().count();
        if len > Self::MAX_LEN {
            return Err(ValueError::new(
                Field::Email,
                input,
                Problem::TooLong {
                    max: Self::MAX_LEN,
                    len,
                },
            ));
        }
        if let Some((index, ch)) = trimmed
            .chars()
            .enumerate()
            .find(|&(_, c)| c.is_whitespace() || c.is_control())
        {
            return Err(ValueError::new(
                Field::Email,
                input,
                Problem::BadCharacter { ch, index },
            ));
        }
        let shape_ok = match trimmed.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
        if !shape_ok {
            return Err(ValueError::new(
                Field::Email,
                input,
                Problem::BadShape {
                    expected: "an address like name@example.com",
                },
            ));
        }
        Ok(Email(trimmed.to_lowercase()))
    }
}
string_value!(Email);

/// A password as typed: 8–128 characters, never trimmed, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The fewest characters accepted.
    pub const MIN_LEN: usize = 8;
    /// The most characters accepted.
    pub const MAX_LEN: usize = 128;

    /// Validates the length only; a password is kept exactly as typed.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        // The error must not echo a password back into logs, so it carries no input.
        let len = input.chars().count();
        let problem = if len == 0 {
            Problem::Empty
        } else if len < Self::MIN_LEN {
            Problem::TooShort {
                min: Self::MIN_LEN,
                len,
            }
        } else if len > Self::MAX_LEN {
            Problem::TooLong {
                max: Self::MAX_LEN,
                len,
            }
        } else {
            return Ok(Password(input.to_owned()));
        };
        Err(ValueError::new(Field::Password, "", problem))
    }

    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@c.d",
            "ann@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_never_echo() {
        let err = Password::parse("short").unwrap_err();
        assert_eq!(err.problem, Problem::TooShort { min: 8, len: 5 });
        assert_eq!(err.input, "");
        assert_eq!(
            format!("{:?}", Password::parse("long enough").unwrap()),
            "Password(***)"
        );
    }
}
