//! Writing the label forms Bindery prints. Every field is already validated and uses only
//! characters that need no escaping, so the output is stable and as short as possible (a
//! shorter text gives a lower QR version and bigger modules on the label).

use crate::{BindCode, ProductKey, Sn};

/// `pk=…&sn=…&v=2&bc=…`: what Bindery prints on its labels.
pub fn format_bindery_v2(product_key: &ProductKey, sn: &Sn, bind_code: &BindCode) -> String {
    format!("pk={product_key}&sn={sn}&v=2&bc={bind_code}")
}

/// `pk=…&sn=…&v=1`: the Quectel form, for products whose labels carry no secret.
pub fn format_quectel_v1(product_key: &ProductKey, sn: &Sn) -> String {
    format!("pk={product_key}&sn={sn}&v=1")
}

/// A deep link: `base` (for example `https://bind.example.com/b`) with the fields as query.
pub fn format_bindery_url(
    base: &str,
    product_key: &ProductKey,
    sn: &Sn,
    bind_code: Option<&BindCode>,
) -> String {
    let base = base.trim_end_matches(['?', '&']);
    let sep = if base.contains('?') { '&' } else { '?' };
    match bind_code {
        Some(bc) => format!("{base}{sep}pk={product_key}&sn={sn}&bc={bc}"),
        None => format!("{base}{sep}pk={product_key}&sn={sn}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_qr, QrKind};
    use proptest::prelude::*;

    fn product_key() -> impl Strategy<Value = ProductKey> {
        "[A-Za-z0-9]{6,32}".prop_map(|s| ProductKey::parse(&s).unwrap())
    }
    fn sn() -> impl Strategy<Value = Sn> {
        "[A-Za-z0-9-]{6,32}".prop_map(|s| Sn::parse(&s).unwrap())
    }
    fn bind_code() -> impl Strategy<Value = BindCode> {
        (0u64..1 << 50).prop_map(BindCode::from_bits)
    }

    proptest! {
        #[test]
        fn bindery_v2_round_trips(pk in product_key(), sn in sn(), bc in bind_code()) {
            let text = format_bindery_v2(&pk, &sn, &bc);
            let parsed = parse_qr(&text).unwrap();
            prop_assert_eq!(parsed.kind(), QrKind::BinderyV2);
            prop_assert_eq!(parsed.product_key(), Some(&pk));
            prop_assert_eq!(parsed.sn(), Some(&sn));
            prop_assert_eq!(parsed.bind_code(), Some(&bc));
        }

        #[test]
        fn quectel_v1_round_trips(pk in product_key(), sn in sn()) {
            let parsed = parse_qr(&format_quectel_v1(&pk, &sn)).unwrap();
            prop_assert_eq!(parsed.kind(), QrKind::QuectelV1);
            prop_assert_eq!(parsed.sn(), Some(&sn));
        }

        #[test]
        fn urls_round_trip(pk in product_key(), sn in sn(), bc in proptest::option::of(bind_code())) {
            let text = format_bindery_url("https://bind.example.com/b", &pk, &sn, bc.as_ref());
            let parsed = parse_qr(&text).unwrap();
            prop_assert_eq!(parsed.kind(), QrKind::Url);
            prop_assert_eq!(parsed.product_key(), Some(&pk));
            prop_assert_eq!(parsed.bind_code(), bc.as_ref());
        }

        #[test]
        fn no_string_panics(s in "\\PC*") {
            let _ = parse_qr(&s);
        }

        #[test]
        fn no_key_value_soup_panics(s in "([a-zA-Z_%0-9]{0,4}=?[A-Za-z0-9%+.-]{0,12}&?){0,6}") {
            let _ = parse_qr(&s);
        }
    }
}
