//! Recognise the form of a label's text, then validate its fields.
//!
//! The steps follow the text: normalise (BOM, surrounding whitespace, size, control
//! characters) → recognise (Matter prefix, URL scheme, key=value pairs, bare SN) → split the
//! pairs → validate each field with the domain types. A text is only an error when it is
//! recognisably one of our forms but broken; text that is none of them is `Unknown`, because
//! scanning the wrong code is a user mistake to explain, not a malformed label.

use super::{QrContent, QrError, QrPayload};
use crate::{BindCode, ProductKey, Sn, ValueError};

/// Longest text accepted, in bytes. A version-40 QR code holds at most 2,953 bytes, so this
/// leaves room for typed or pasted text without letting a paste of a whole file through.
pub const MAX_QR_LEN: usize = 4096;

/// Keys that mark the Bindery / Quectel form.
const BINDERY_KEYS: [&str; 4] = ["pk", "sn", "bc", "v"];
/// Keys that mark the Gizwits legacy form.
const GIZWITS_KEYS: [&str; 3] = ["product_key", "did", "passcode"];

/// Parses the text of a scanned or typed label.
pub fn parse_qr(input: &str) -> Result<QrPayload, QrError> {
    let text = input.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(QrError::Empty {
            input: input.to_owned(),
        });
    }
    if text.len() > MAX_QR_LEN {
        return Err(QrError::TooLong {
            input: input.to_owned(),
            len: text.len(),
            max: MAX_QR_LEN,
        });
    }
    if let Some((index, ch)) = text.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(QrError::ControlCharacter {
            input: input.to_owned(),
            ch,
            index,
        });
    }
    let content = if let Some(rest) = strip_prefix_ignore_case(text, "MT:") {
        parse_matter(input, rest)?
    } else if let Some(query) = url_query(text) {
        parse_url(input, query)?
    } else if text.contains('=') {
        parse_key_values(input, text)?
    } else if let Ok(sn) = Sn::parse(text) {
        QrContent::BareSn { sn }
    } else {
        QrContent::Unknown
    };
    Ok(QrPayload::new(input, content))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// For an `http://` or `https://` URL, the query (without `#fragment`); `Some("")` when it has
/// none. `None` when the text is not such a URL.
fn url_query(text: &str) -> Option<&str> {
    let rest = strip_prefix_ignore_case(text, "https://")
        .or_else(|| strip_prefix_ignore_case(text, "http://"))?;
    let without_fragment = rest.split('#').next().unwrap_or("");
    Some(without_fragment.split_once('?').map_or("", |(_, q)| q))
}

fn parse_matter(input: &str, payload: &str) -> Result<QrContent, QrError> {
    let bad = |reason| QrError::BadMatter {
        input: input.to_owned(),
        reason,
    };
    if !payload
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-' || b == b'.')
    {
        return Err(bad(
            "has characters outside Matter's base38 alphabet (0-9, A-Z, '-', '.')",
        ));
    }
    // base38 packs 3 bytes into 5 characters, a trailing 2 into 4 and 1 into 2; the
    // onboarding payload is at least 11 bytes (19 characters).
    if payload.len() < 19 || matches!(payload.len() % 5, 1 | 3) {
        return Err(bad("its length does not fit a Matter onboarding payload"));
    }
    Ok(QrContent::Matter {
        payload: payload.to_owned(),
    })
}

fn parse_url(input: &str, query: &str) -> Result<QrContent, QrError> {
    let fields = Fields::split(input, query)?;
    if !fields.has_any(&["pk", "sn", "bc"]) {
        // Some other web address (a maker's home page printed on the box, say).
        return Ok(QrContent::Unknown);
    }
    if let Some(version) = fields.get("v") {
        check_version(input, version)?;
    }
    Ok(QrContent::Url {
        product_key: fields.product_key("pk")?,
        sn: fields.sn()?,
        bind_code: fields.bind_code()?,
    })
}

fn parse_key_values(input: &str, text: &str) -> Result<QrContent, QrError> {
    let fields = Fields::split(input, text)?;
    if let Some(kind) = fields.get("type") {
        if !kind.eq_ignore_ascii_case("share") {
            return Err(fields.bad("type", kind, "\"share\""));
        }
        let code = fields.token("code")?;
        return Ok(QrContent::GizwitsShare { code });
    }
    if fields.has_any(&GIZWITS_KEYS) {
        return Ok(QrContent::GizwitsLegacy {
            product_key: fields.product_key("product_key")?,
            did: fields.token("did")?,
            passcode: fields.token("passcode")?,
        });
    }
    if !fields.has_any(&BINDERY_KEYS) {
        return Ok(QrContent::Unknown);
    }
    let version = match fields.get("v") {
        Some(v) => Some(check_version(input, v)?),
        None => None,
    };
    let product_key = fields.product_key("pk")?;
    let sn = fields.sn()?;
    let bind_code = fields.bind_code()?;
    match (version, bind_code) {
        (Some(1), Some(_)) => Err(QrError::UnexpectedField {
            input: input.to_owned(),
            field: "bc",
            reason: "version 1 labels carry no bind code (is \"v\" wrong?)",
        }),
        (Some(2), None) => Err(QrError::MissingField {
            input: input.to_owned(),
            field: "bc",
        }),
        (_, Some(bind_code)) => Ok(QrContent::BinderyV2 {
            product_key,
            sn,
            bind_code,
        }),
        (_, None) => Ok(QrContent::QuectelV1 { product_key, sn }),
    }
}

fn check_version(input: &str, version: &str) -> Result<u8, QrError> {
    match version {
        "1" => Ok(1),
        "2" => Ok(2),
        _ => Err(QrError::UnsupportedVersion {
            input: input.to_owned(),
            version: version.to_owned(),
        }),
    }
}

/// The `key=value` pairs of a label, keys lower-cased and values percent-decoded.
struct Fields<'a> {
    input: &'a str,
    pairs: Vec<(String, String)>,
}

impl<'a> Fields<'a> {
    fn split(input: &'a str, text: &str) -> Result<Self, QrError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for segment in text.split('&').filter(|s| !s.is_empty()) {
            let Some((key, value)) = segment.split_once('=') else {
                return Err(QrError::MalformedPair {
                    input: input.to_owned(),
                    segment: segment.to_owned(),
                });
            };
            let key = decode(key).trim().to_ascii_lowercase();
            if key.is_empty() {
                return Err(QrError::MalformedPair {
                    input: input.to_owned(),
                    segment: segment.to_owned(),
                });
            }
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(QrError::DuplicateField {
                    input: input.to_owned(),
                    field: key,
                });
            }
            pairs.push((key, decode(value)));
        }
        Ok(Fields { input, pairs })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn has_any(&self, keys: &[&str]) -> bool {
        keys.iter().any(|k| self.get(k).is_some())
    }

    fn require(&self, key: &'static str) -> Result<&str, QrError> {
        self.get(key).ok_or_else(|| QrError::MissingField {
            input: self.input.to_owned(),
            field: key,
        })
    }

    fn invalid(&self, error: ValueError) -> QrError {
        QrError::InvalidValue {
            input: self.input.to_owned(),
            error,
        }
    }

    fn bad(&self, field: &'static str, value: &str, expected: &'static str) -> QrError {
        QrError::BadField {
            input: self.input.to_owned(),
            field,
            value: value.to_owned(),
            expected,
        }
    }

    fn product_key(&self, key: &'static str) -> Result<ProductKey, QrError> {
        ProductKey::parse(self.require(key)?).map_err(|e| self.invalid(e))
    }

    fn sn(&self) -> Result<Sn, QrError> {
        Sn::parse(self.require("sn")?).map_err(|e| self.invalid(e))
    }

    fn bind_code(&self) -> Result<Option<BindCode>, QrError> {
        self.get("bc")
            .map(|bc| BindCode::parse(bc).map_err(|e| self.invalid(e)))
            .transpose()
    }

    /// An opaque Gizwits token (did, passcode, share code): 1–64 of `[A-Za-z0-9_-]`.
    fn token(&self, key: &'static str) -> Result<String, QrError> {
        let value = self.require(key)?;
        let ok = (1..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(value.to_owned())
        } else {
            Err(self.bad(key, value, "1 to 64 letters, digits, '_' or '-'"))
        }
    }
}

pub(super) fn decode(part: &str) -> String {
    // form_urlencoded turns `+` into a space and `%XX` into bytes; invalid UTF-8 becomes
    // U+FFFD, which the field validation then reports as a bad character.
    form_urlencoded::parse(format!("x={part}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Field, Problem, QrKind};

    /// One line a case: input, expected kind, product key, SN, bind code, did, passcode.
    type Row = (
        &'static str,
        QrKind,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    #[test]
    fn every_form_parses() {
        use QrKind::*;
        const PK: Option<&str> = Some("p1a2b3");
        #[rustfmt::skip]
        let rows: &[Row] = &[
            // Bindery v2, in every field order, key case, with whitespace and newlines.
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("bc=7Q4XK2M9PD&v=2&sn=BD7K2M9Q4X&pk=p1a2b3", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("PK=p1a2b3&SN=BD7K2M9Q4X&V=2&BC=7Q4XK2M9PD", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("Pk=p1a2b3&sN=BD7K2M9Q4X&v=2&Bc=7q4xk2m9pd", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("  pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD\n", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD\r\n", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("\u{feff}pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4X-K2M9-PD", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("pk=p1a2b3&sn=BD7K%2D2M9Q4X&v=2&bc=7Q4XK2M9PD", BinderyV2, PK, Some("BD7K-2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD&", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD&batch=7", BinderyV2, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            // Quectel v1, with and without the version.
            ("pk=p1a2b3&sn=VDR7098612099028&v=1", QuectelV1, PK, Some("VDR7098612099028"), None, None, None),
            ("sn=VDR7098612099028&pk=p1a2b3", QuectelV1, PK, Some("VDR7098612099028"), None, None, None),
            ("%70%6B=p1a2b3&sn=VDR7098612099028&v=1", QuectelV1, PK, Some("VDR7098612099028"), None, None, None),
            ("pk=p1a2b3&sn=VDR7098612099028&v=1\n", QuectelV1, PK, Some("VDR7098612099028"), None, None, None),
            // URLs (deep links).
            ("https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD", Url, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("HTTPS://BIND.EXAMPLE.COM/b?SN=BD7K2M9Q4X&PK=p1a2b3", Url, PK, Some("BD7K2M9Q4X"), None, None, None),
            ("http://bind.example.com/b?pk=p1a2b3&sn=BD7K%2D2M9Q4X&bc=7Q4XK2M9PD#top", Url, PK, Some("BD7K-2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            ("https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD\n", Url, PK, Some("BD7K2M9Q4X"), Some("7Q4XK2M9PD"), None, None),
            // Gizwits.
            ("product_key=6f3074fe43894547a4f1314bd7e3ae0b&did=9jQ7GaABuXkqXsNGfyWXvK&passcode=XAVBPXMSKA", GizwitsLegacy, Some("6f3074fe43894547a4f1314bd7e3ae0b"), None, None, Some("9jQ7GaABuXkqXsNGfyWXvK"), Some("XAVBPXMSKA")),
            ("passcode=XAVBPXMSKA&DID=9jQ7GaABuXkqXsNGfyWXvK&Product_Key=p1a2b3", GizwitsLegacy, PK, None, None, Some("9jQ7GaABuXkqXsNGfyWXvK"), Some("XAVBPXMSKA")),
            ("type=share&code=4b1e0a7fd3c5", GizwitsShare, None, None, None, None, None),
            ("code=4b1e0a7fd3c5&TYPE=SHARE", GizwitsShare, None, None, None, None, None),
            // Matter.
            ("MT:Y.K9042C00KA0648G00", Matter, None, None, None, None, None),
            ("MT:Y.K9042C00KA0648G00\n", Matter, None, None, None, None, None),
            ("mt:Y.K9042C00KA0648G00", Matter, None, None, None, None, None),
            // Bare SNs.
            ("VDR7098612099028", BareSn, None, Some("VDR7098612099028"), None, None, None),
            (" BD7K-2M9Q4X \n", BareSn, None, Some("BD7K-2M9Q4X"), None, None, None),
            // Anything else goes to the cloud as-is.
            ("hello world", Unknown, None, None, None, None, None),
            ("abc", Unknown, None, None, None, None, None),
            ("https://example.com/", Unknown, None, None, None, None, None),
            ("https://example.com/page?id=7", Unknown, None, None, None, None, None),
            ("WIFI:S:home;T:WPA;P:secret;;", Unknown, None, None, None, None, None),
            ("foo=bar&baz=qux", Unknown, None, None, None, None, None),
            ("tel:+4912345678", Unknown, None, None, None, None, None),
            ("二维码", Unknown, None, None, None, None, None),
        ];
        for &(input, kind, pk, sn, bc, did, passcode) in rows {
            let p = parse_qr(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(p.kind(), kind, "{input:?}");
            assert_eq!(p.product_key().map(|v| v.as_str()), pk, "{input:?}");
            assert_eq!(p.sn().map(|v| v.as_str()), sn, "{input:?}");
            assert_eq!(p.bind_code().map(|v| v.as_str()), bc, "{input:?}");
            assert_eq!(p.did(), did, "{input:?}");
            assert_eq!(p.passcode(), passcode, "{input:?}");
            assert_eq!(p.raw(), input, "the raw text is kept as scanned");
        }
    }

    /// What a malformed input's error must be; `input` is checked separately for all.
    #[derive(Debug)]
    enum Want {
        Empty,
        TooLong,
        Control(char),
        Malformed(&'static str),
        Duplicate(&'static str),
        Missing(&'static str),
        Unexpected(&'static str),
        Version(&'static str),
        Value(Field, Problem),
        Bad(&'static str),
        Matter,
    }

    #[test]
    fn malformed_inputs_name_the_problem() {
        use Want::*;
        let long = format!("pk=p1a2b3&sn={}", "A".repeat(MAX_QR_LEN));
        let bad_char = |ch, index| Problem::BadCharacter { ch, index };
        #[rustfmt::skip]
        let rows: Vec<(&str, Want)> = vec![
            ("", Empty),
            ("   ", Empty),
            ("\n\r\n", Empty),
            ("\u{feff}", Empty),
            (&long, TooLong),
            ("pk=p1a2b3&sn=BD7K2M9Q4X\u{0}&v=1", Control('\u{0}')),
            ("pk=p1a2b3\nsn=BD7K2M9Q4X", Control('\n')),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v", Malformed("v")),
            ("pk=p1a2b3&&sn&v=1", Malformed("sn")),
            ("=p1a2b3&sn=BD7K2M9Q4X", Malformed("=p1a2b3")),
            ("pk=p1a2b3&pk=p1a2b4&sn=BD7K2M9Q4X", Duplicate("pk")),
            ("pk=p1a2b3&PK=p1a2b3&sn=BD7K2M9Q4X", Duplicate("pk")),
            ("pk=p1a2b3&v=1", Missing("sn")),
            ("sn=BD7K2M9Q4X&v=1", Missing("pk")),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2", Missing("bc")),
            ("v=2", Missing("pk")),
            ("bc=7Q4XK2M9PD", Missing("pk")),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=1&bc=7Q4XK2M9PD", Unexpected("bc")),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=3&bc=7Q4XK2M9PD", Version("3")),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=", Version("")),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2.0&bc=7Q4XK2M9PD", Version("2.0")),
            ("pk=p1&sn=BD7K2M9Q4X&v=1", Value(Field::ProductKey, Problem::TooShort { min: 6, len: 2 })),
            ("pk=p1a2b3!&sn=BD7K2M9Q4X&v=1", Value(Field::ProductKey, bad_char('!', 6))),
            (&*format!("pk={}&sn=BD7K2M9Q4X", "p".repeat(33)).leak(), Value(Field::ProductKey, Problem::TooLong { max: 32, len: 33 })),
            ("pk=&sn=BD7K2M9Q4X&v=1", Value(Field::ProductKey, Problem::Empty)),
            ("pk=p1a2b3&sn=BD7&v=1", Value(Field::Sn, Problem::TooShort { min: 6, len: 3 })),
            ("pk=p1a2b3&sn=BD7K 2M9Q4X&v=1", Value(Field::Sn, bad_char(' ', 4))),
            ("pk=p1a2b3&sn=BD7K+2M9Q4X&v=1", Value(Field::Sn, bad_char(' ', 4))),
            ("pk=p1a2b3&sn=BD7K_2M9Q4X&v=1", Value(Field::Sn, bad_char('_', 4))),
            ("pk=p1a2b3&sn=BD7K%FF2M9Q4X&v=1", Value(Field::Sn, bad_char('\u{fffd}', 4))),
            ("pk=p1a2b3&sn=BD7K%zz2M9Q4X&v=1", Value(Field::Sn, bad_char('%', 4))),
            ("pk=p1a2b3&sn=序列号序列号&v=1", Value(Field::Sn, bad_char('序', 0))),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9P", Value(Field::BindCode, Problem::TooShort { min: 10, len: 9 })),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PU", Value(Field::BindCode, bad_char('U', 9))),
            ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=", Value(Field::BindCode, Problem::Empty)),
            ("https://bind.example.com/b?pk=p1a2b3", Missing("sn")),
            ("https://bind.example.com/b?sn=BD7K2M9Q4X", Missing("pk")),
            ("https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=short", Value(Field::BindCode, Problem::TooShort { min: 10, len: 5 })),
            ("https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&v=9", Version("9")),
            ("https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&sn=BD7K2M9Q4Y", Duplicate("sn")),
            ("product_key=p1a2b3&did=9jQ7GaABuXkqXsNGfyWXvK", Missing("passcode")),
            ("did=9jQ7GaABuXkqXsNGfyWXvK&passcode=XAVBPXMSKA", Missing("product_key")),
            ("product_key=p1a2b3&did=9jQ7 GaAB&passcode=XAVBPXMSKA", Bad("did")),
            ("product_key=p1a2b3&did=9jQ7GaABuXkqXsNGfyWXvK&passcode=", Bad("passcode")),
            ("type=share", Missing("code")),
            ("type=share&code=", Bad("code")),
            ("type=gift&code=4b1e0a7fd3c5", Bad("type")),
            ("MT:", Matter),
            ("MT:y.k9042c00ka0648g00", Matter),
            ("MT:Y.K9042C00KA0648G0", Matter),
            ("MT:Y.K9042C00KA0648G00!", Matter),
        ];
        assert!(rows.len() >= 30);
        for (input, want) in &rows {
            let err = parse_qr(input).expect_err(input);
            assert_eq!(err.input(), *input, "the error keeps the input");
            let ok = match (&err, want) {
                (QrError::Empty { .. }, Empty) | (QrError::TooLong { .. }, TooLong) => true,
                (QrError::BadMatter { .. }, Matter) => true,
                (QrError::ControlCharacter { ch, .. }, Control(c)) => ch == c,
                (QrError::MalformedPair { segment, .. }, Malformed(s)) => segment == s,
                (QrError::DuplicateField { field, .. }, Duplicate(f)) => field == f,
                (QrError::MissingField { field, .. }, Missing(f)) => field == f,
                (QrError::UnexpectedField { field, .. }, Unexpected(f)) => field == f,
                (QrError::UnsupportedVersion { version, .. }, Version(v)) => version == v,
                (QrError::BadField { field, .. }, Bad(f)) => field == f,
                (QrError::InvalidValue { error, .. }, Value(field, problem)) => {
                    error.field == *field && error.problem == *problem
                }
                _ => false,
            };
            assert!(ok, "{input:?}: expected {want:?}, got {err:?}");
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn errors_are_comparable_and_say_what_is_wrong() {
        assert_eq!(
            parse_qr("pk=p1a2b3&v=1"),
            Err(QrError::MissingField {
                input: "pk=p1a2b3&v=1".into(),
                field: "sn"
            })
        );
        let msg = parse_qr("pk=p1a2b3&sn=BD7&v=1").unwrap_err().to_string();
        assert!(msg.contains("SN") && msg.contains("at least 6"), "{msg}");
    }

    #[test]
    fn json_shape_is_flat_with_nulls() {
        let p = parse_qr("pk=p1a2b3&sn=VDR7098612099028&v=1").unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({
                "kind": "quectel_v1", "product_key": "p1a2b3", "sn": "VDR7098612099028",
                "bind_code": null, "did": null, "passcode": null
            })
        );
    }
}
