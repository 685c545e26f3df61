//! Masking a label's secrets wherever its text is shown: in a trace, a recording, a log.
//!
//! A Bindery label is not a bearer token because of its bind code (`bc=`), and a Gizwits
//! label's `passcode=` and share `code=` play the same part: whoever reads one can bind the
//! device. The SN and the product key are what support needs to see, so only the secret
//! fields are masked. The text is read the way [`parse_qr`](super::parse_qr) reads it —
//! `key=value` pairs whose keys are percent-decoded and compared without case — so a key
//! spelled `BC` or `%62c` is masked too; pairs are also found inside a longer text, such as
//! a message that quotes the label.

use std::borrow::Cow;

use super::parse::decode;

/// What a masked value reads as.
pub const MASKED: &str = "***";

/// The label fields whose values are secrets.
const SECRET_FIELDS: [&str; 3] = ["bc", "passcode", "code"];

/// What ends a `key=value` pair in a label or in a text that quotes one.
fn ends_pair(c: char) -> bool {
    matches!(c, '&' | '?' | '#' | '"' | '\'' | ',' | ';' | '<' | '>') || c.is_whitespace()
}

/// `text` with the value of every secret field of a label (`bc`, `passcode`, `code`)
/// replaced by `***`; borrowed unchanged when there is none.
///
/// ```
/// use bindery_core::qr::mask_label_secrets;
///
/// assert_eq!(
///     mask_label_secrets("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD"),
///     "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=***"
/// );
/// assert_eq!(mask_label_secrets("pk=p1a2b3&sn=VDR7098612099028&v=1"), "pk=p1a2b3&sn=VDR7098612099028&v=1");
/// ```
pub fn mask_label_secrets(text: &str) -> Cow<'_, str> {
    if !text.contains('=') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for piece in text.split_inclusive(ends_pair) {
        let (pair, end) = match piece.char_indices().last() {
            Some((at, c)) if ends_pair(c) => piece.split_at(at),
            _ => (piece, ""),
        };
        match pair.split_once('=') {
            Some((key, value)) if value != MASKED && !value.is_empty() && is_secret(key) => {
                out.push_str(key);
                out.push('=');
                out.push_str(MASKED);
                changed = true;
            }
            _ => out.push_str(pair),
        }
        out.push_str(end);
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

fn is_secret(key: &str) -> bool {
    let key = decode(key);
    SECRET_FIELDS
        .iter()
        .any(|secret| key.trim().eq_ignore_ascii_case(secret))
}

#[cfg(test)]
mod tests {
    use super::mask_label_secrets;

    /// One test per row, named for its case: the text, then what it reads as masked.
    macro_rules! masks {
        ($($name:ident: $text:expr => $masked:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(mask_label_secrets($text), $masked);
            }
        )*};
    }

    masks! {
        bindery_v2: "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD"
            => "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=***";
        bind_code_first: "bc=7Q4XK2M9PD&pk=p1a2b3&sn=BD7K2M9Q4X"
            => "bc=***&pk=p1a2b3&sn=BD7K2M9Q4X";
        keys_in_capitals: "PK=p1a2b3&SN=BD7K2M9Q4X&BC=7Q4XK2M9PD"
            => "PK=p1a2b3&SN=BD7K2M9Q4X&BC=***";
        key_percent_encoded: "pk=p1a2b3&sn=BD7K2M9Q4X&%62c=7Q4XK2M9PD"
            => "pk=p1a2b3&sn=BD7K2M9Q4X&%62c=***";
        deep_link: "https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD#x"
            => "https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=***#x";
        gizwits_legacy: "product_key=p1a2b3&did=d1&passcode=HXMCLKLMYX"
            => "product_key=p1a2b3&did=d1&passcode=***";
        gizwits_share: "type=share&code=abc123" => "type=share&code=***";
        quoted_in_a_message:
            r#"the QR content "pk=p1a2b3&sn=S1234567&v=1&bc=7Q4XK2M9PD" has a "bc" field"#
            => r#"the QR content "pk=p1a2b3&sn=S1234567&v=1&bc=***" has a "bc" field"#;
        no_secret: "pk=p1a2b3&sn=VDR7098612099028&v=1" => "pk=p1a2b3&sn=VDR7098612099028&v=1";
        bare_sn: "VDR7098612099028" => "VDR7098612099028";
        already_masked: "pk=p1a2b3&bc=***" => "pk=p1a2b3&bc=***";
        empty_value: "pk=p1a2b3&bc=" => "pk=p1a2b3&bc=";
        similar_keys: "abc=1&bcd=2" => "abc=1&bcd=2";
    }
}
