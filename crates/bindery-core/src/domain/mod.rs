//! Domain values that validate on construction.
//!
//! Every identifier a user or a device maker types, prints or uploads goes through one of
//! these types before anything else looks at it; holding a `Sn` means the string already obeys
//! the SN rules of docs/product.md §3. Construction failures are one [`ValueError`] type that names
//! the field, keeps the offending input and says what is wrong with it, so the same error can
//! be shown in the app, printed by the CLI, or reported per row by an import.

mod account;
mod bind_code;
mod device_key;
mod device_name;
mod ident;
mod label_form;
mod qr_task;

use std::fmt;

pub use account::{Email, Password};
pub use bind_code::{BindCode, BindCodeHash};
pub use device_key::DeviceKey;
pub use device_name::DeviceName;
pub use ident::{BindPolicy, ProductKey, Sn};
pub use label_form::{LabelForm, LabelFormError};
pub use qr_task::{QrTaskDevices, QrTaskError};

/// Which kind of value failed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// A product key (`pk=`).
    ProductKey,
    /// A serial number (`sn=`).
    Sn,
    /// A DeviceKey: the IMEI or MAC of the device.
    DeviceKey,
    /// The name a user gives a device.
    DeviceName,
    /// A bind code (`bc=`).
    BindCode,
    /// An account's email address.
    Email,
    /// An account's password.
    Password,
    /// A product's bind policy.
    BindPolicy,
    /// The form a product's labels are printed in.
    LabelForm,
}

impl Field {
    /// The field's name as users and the API see it.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::ProductKey => "product key",
            Field::Sn => "SN",
            Field::DeviceKey => "DeviceKey",
            Field::DeviceName => "device name",
            Field::BindCode => "bind code",
            Field::Email => "email",
            Field::Password => "password",
            Field::BindPolicy => "bind policy",
            Field::LabelForm => "label form",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What exactly is wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing (or only whitespace) was given.
    Empty,
    /// Fewer characters than allowed.
    TooShort {
        /// The fewest allowed.
        min: usize,
        /// How many were given.
        len: usize,
    },
    /// More characters than allowed.
    TooLong {
        /// The most allowed.
        max: usize,
        /// How many were given.
        len: usize,
    },
    /// A character outside the allowed set, at this character index (0-based).
    BadCharacter {
        /// The character.
        ch: char,
        /// Where it is, counted in characters from 0.
        index: usize,
    },
    /// The check digit does not match (IMEI Luhn).
    BadCheckDigit,
    /// None of the accepted shapes (for example neither an IMEI nor a MAC).
    BadShape {
        /// The shapes that are accepted, in words.
        expected: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str("it is empty"),
            Problem::TooShort { min, len } => {
                write!(f, "it has {len} characters, at least {min} are needed")
            }
            Problem::TooLong { max, len } => {
                write!(f, "it has {len} characters, at most {max} are allowed")
            }
            Problem::BadCharacter { ch, index } => write!(
                f,
                "character {} ({}) is not allowed",
                index + 1,
                ch.escape_debug()
            ),
            Problem::BadCheckDigit => f.write_str("its check digit is wrong (mistyped digit?)"),
            Problem::BadShape { expected } => write!(f, "expected {expected}"),
        }
    }
}

/// A value that failed validation: which field, the input as given, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} {input:?}: {problem}")]
pub struct ValueError {
    /// Which kind of value it was.
    pub field: Field,
    /// The value exactly as given.
    pub input: String,
    /// What is wrong with it.
    pub problem: Problem,
}

impl ValueError {
    pub(crate) fn new(field: Field, input: &str, problem: Problem) -> Self {
        ValueError {
            field,
            input: input.to_owned(),
            problem,
        }
    }
}

/// Checks length (in characters) and character set; shared by the identifier types.
pub(crate) fn check_chars(
    field: Field,
    input: &str,
    min: usize,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), ValueError> {
    if input.is_empty() {
        return Err(ValueError::new(field, input, Problem::Empty));
    }
    if let Some((index, ch)) = input.chars().enumerate().find(|&(_, c)| !allowed(c)) {
        return Err(ValueError::new(
            field,
            input,
            Problem::BadCharacter { ch, index },
        ));
    }
    let len = input.chars().count();
    if len < min {
        return Err(ValueError::new(
            field,
            input,
            Problem::TooShort { min, len },
        ));
    }
    if len > max {
        return Err(ValueError::new(field, input, Problem::TooLong { max, len }));
    }
    Ok(())
}

/// Implements the traits every validated string type shares: `Display`, `AsRef<str>`,
/// `FromStr` and serde as a plain string that is validated again when deserialised.
macro_rules! string_value {
    ($ty:ident) => {
        impl $ty {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        $crate::domain::named_value!($ty);
    };
}
pub(crate) use string_value;

/// Display, `FromStr` and serde as a string for a value whose type has `as_str` and
/// `parse(&str) -> Result<Self, ValueError>` of its own (the enums and the DeviceKey, whose
/// text is derived rather than kept).
macro_rules! named_value {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $ty {
            type Err = $crate::domain::ValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                $ty::parse(&raw).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use named_value;
