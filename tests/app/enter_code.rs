//! What the "Enter code" screen says about typed text, table-driven over the docs/product.md §3 forms.

use bindery::i18n::{Lang, Text};
use bindery::screens::enter_code::{describe, Reading};

#[test]
fn typed_labels_are_read_as_the_spec_says() {
    let label = |kind, pk: &str, sn: &str| Reading::Label {
        kind,
        product_key: pk.to_owned(),
        sn: sn.to_owned(),
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, Reading)> = vec![
        ("", Reading::Nothing),
        ("  \n", Reading::Nothing),
        ("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD", label(Text::KindBindery, "p1a2b3", "BD7K2M9Q4X")),
        (" SN=BD7K2M9Q4X&PK=p1a2b3&v=2&bc=7Q4XK2M9PD\n", label(Text::KindBindery, "p1a2b3", "BD7K2M9Q4X")),
        ("https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD", label(Text::KindBindery, "p1a2b3", "BD7K2M9Q4X")),
        ("pk=p1a2b3&sn=VDR7098612099028&v=1", label(Text::KindSerial, "p1a2b3", "VDR7098612099028")),
        ("VDR7098612099028", label(Text::KindBareSn, "—", "VDR7098612099028")),
        ("MT:Y.K9042C00KA0648G00", Reading::NotALabel(Text::MatterCode)),
        ("type=share&code=abc123", Reading::NotALabel(Text::ShareCode)),
        ("hello, world", Reading::NotALabel(Text::NotALabel)),
    ];
    for (typed, expected) in cases {
        assert_eq!(describe(Lang::En, typed), expected, "{typed:?}");
    }
}

#[test]
fn a_broken_label_says_what_is_wrong_in_the_users_language() {
    match describe(Lang::En, "pk=p1a2b3&sn=BD7&v=1") {
        Reading::Malformed(text) => {
            assert!(
                text.starts_with("This does not read as a valid label"),
                "{text}"
            );
            assert!(text.contains("at least 6"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    match describe(Lang::ZhCn, "pk=p1a2b3&sn=BD7&v=1") {
        Reading::Malformed(text) => assert!(text.starts_with("这不像是有效的标签"), "{text}"),
        other => panic!("{other:?}"),
    }
}

/// A text the parser finds broken can still be a label a maker adopted (docs/product.md
/// §2.3): only the cloud knows, so Continue sends everything typed.
#[test]
fn continue_sends_anything_typed_even_a_broken_looking_label() {
    for typed in [
        "pk=p1a2b3&sn=BD7&v=1",
        "hello, world",
        "VDR7098612099028",
        "product_key=x&did=&passcode=",
    ] {
        assert!(describe(Lang::En, typed).can_send(), "{typed:?}");
    }
    assert!(!describe(Lang::En, "  \n").can_send());
}
