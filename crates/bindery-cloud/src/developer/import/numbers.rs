//! Identifiers a spreadsheet turned into numbers.
//!
//! A column left as "General" makes Excel store an IMEI, a MAC of digits or an SN as a
//! number: leading zeros go (`001122334455` becomes `1122334455`), and past 15 significant
//! digits the rest are rounded away; a CSV saved from it writes what the cell shows, such as
//! `8.61234E+14`. What was typed can be known only in one case, decided here:
//!
//! Decision: a number in the DeviceKey column is taken when it is a whole number of exactly
//! 15 digits, and read as those digits (an IMEI). Such a number is below 2^53, so the f64 the
//! sheet stores is exact, and an IMEI has exactly 15 digits, so no leading zero can be
//! missing. Any other number (a MAC, an IMEI that began with 0, a fraction, anything
//! rounded) may not be what was typed and the row is refused with `stored_as_number`, saying
//! how to fix the column. SNs and fingerprints have no fixed length, so a number there is
//! always refused; a product key as a number is taken only when it is exactly the product's;
//! a device name as a number is the number as the sheet shows it.

/// Below this every whole number is exact in an f64.
const EXACT_BELOW: f64 = 9_007_199_254_740_992.0; // 2^53

/// The whole number a number cell's text (`861234567890123`, `8.6123456789012E+14`) stands
/// for, when it is one and exact.
pub(super) fn whole_number(raw: &str) -> Option<u64> {
    let number: f64 = raw.trim().parse().ok()?;
    (number.is_finite() && number >= 0.0 && number.fract() == 0.0 && number < EXACT_BELOW)
        .then_some(number as u64)
}

/// The IMEI a number cell of the DeviceKey column certainly stands for (see the decision
/// above): its 15 digits.
pub(super) fn imei_digits(raw: &str) -> Option<String> {
    whole_number(raw)
        .filter(|n| (100_000_000_000_000..1_000_000_000_000_000).contains(n))
        .map(|n| n.to_string())
}

/// A device name stored as a number, as the sheet shows it: whole numbers without `.0`.
pub(super) fn shown(raw: &str) -> String {
    match whole_number(raw) {
        Some(n) => n.to_string(),
        None => raw.trim().to_owned(),
    }
}

/// Whether a text cell is a number in scientific notation as a spreadsheet writes it when
/// saving a number column as CSV (`8.61234E+14`): digits, maybe a fraction, then `E+` and
/// the exponent. No DeviceKey, SN or product key holds `+` or `.`, so this is never one.
pub(super) fn is_scientific(cell: &str) -> bool {
    let Some((mantissa, exponent)) = cell.split_once(['E', 'e']) else {
        return false;
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction) && exponent.strip_prefix('+').is_some_and(digits)
}

/// Why a cell of `what` stored as a number (shown here as `shown`) is refused, and how to fix
/// the column.
pub(super) fn stored_as_number(what: &str, shown: &str) -> String {
    format!(
        "the spreadsheet stored this {what} as a number ({shown}), which drops leading zeros and rounds long values: format the column as Text, type the values again (or start each with ') and save the file again"
    )
}

/// Why a CSV cell of `what` written in scientific notation is refused.
pub(super) fn scientific(what: &str, cell: &str) -> String {
    format!(
        "this {what} was saved in scientific notation ({cell}): the spreadsheet stored the column as numbers and rounded it. Format the column as Text, type the values again (or start each with ') and save the file again"
    )
}

/// The hint added to a refused CSV DeviceKey of digits only that is too short for an IMEI or
/// a MAC: the mark of a number column that lost its leading zeros.
pub(super) fn lost_zeros_hint(cell: &str) -> Option<&'static str> {
    let digits = !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit());
    (digits && cell.len() < 15 && cell.len() != 12).then_some(
        "; if a spreadsheet saved this file, it may have stored the column as numbers and dropped leading zeros: format the column as Text and type the values again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fifteen_digit_whole_numbers_are_certain_imeis() {
        let cases: [(&str, Option<&str>); 9] = [
            ("861234567890123", Some("861234567890123")),
            ("8.61234567890123E+14", Some("861234567890123")),
            ("8.6123456789012301E+14", Some("861234567890123")),
            // An IMEI that began with 0 lost it: 14 digits.
            ("12345678901237", None),
            // A MAC of digits without its leading zeros.
            ("1122334455", None),
            ("112233445566", None),
            ("8.61234E+14", Some("861234000000000")),
            ("86123456789012.5", None),
            ("1.2345678901234567E+19", None),
        ];
        for (raw, imei) in cases {
            assert_eq!(imei_digits(raw).as_deref(), imei, "{raw}");
        }
        assert_eq!(whole_number("-5"), None);
        assert_eq!(whole_number("9007199254740992"), None);
        assert_eq!(shown("1001"), "1001");
        assert_eq!(shown("1.5"), "1.5");
    }

    #[test]
    fn scientific_notation_is_told_from_identifiers() {
        for (cell, is) in [
            ("8.61234E+14", true),
            ("1E+11", true),
            ("8.6e+14", true),
            ("1E5000", false),
            ("1E-5", false),
            ("SN1E+5", false),
            ("aabbccddee01", false),
            ("E+14", false),
            ("8.E+14", false),
        ] {
            assert_eq!(is_scientific(cell), is, "{cell}");
        }
    }
}
