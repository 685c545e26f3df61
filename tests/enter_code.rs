//! The "Enter code" screen rendered without a window (VirtualDom + SSR).

use bindery::screens::enter_code::{describe, EnterCode, EnterCodeProps, Reading};
use dioxus::prelude::*;

fn render(initial: &str) -> String {
    let mut dom = VirtualDom::new_with_props(
        EnterCode,
        EnterCodeProps {
            initial: initial.to_owned(),
        },
    );
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

#[test]
fn a_typed_label_shows_its_sn() {
    let html = render("pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD");
    assert!(html.contains("BD7K2M9Q4X"), "{html}");
    assert!(html.contains("p1a2b3"), "{html}");
    assert!(!html.contains("role=\"alert\""), "{html}");
}

#[test]
fn a_broken_label_says_what_is_wrong() {
    let html = render("pk=p1a2b3&sn=BD7&v=1");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("at least 6"), "{html}");
}

#[test]
fn other_codes_are_explained() {
    assert!(render("MT:Y.K9042C00KA0648G00").contains("Matter"));
    assert!(render("type=share&code=abc123").contains("Share codes are not supported"));
    assert_eq!(describe("  "), Reading::Nothing);
    assert!(!render("").contains("label-reading"));
}
