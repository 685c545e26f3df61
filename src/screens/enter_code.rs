//! "Enter code": type or paste a label's text instead of scanning it — the way in for
//! machines without a camera and for labels a camera cannot read. It shows, as you type,
//! what the label means (product key, SN) or what is wrong with it.

use bindery_core::{parse_qr, QrKind, QrPayload};
use dioxus::prelude::*;

/// The code box and what the typed label means.
#[component]
pub fn EnterCode(initial: String) -> Element {
    // The box is not controlled (no `value` on re-render): re-setting the value while the
    // user types races the keystrokes and drops characters in the desktop webview.
    let mut text = use_signal(|| initial.clone());
    let reading = describe(&text.read());
    rsx! {
        section { class: "screen enter-code",
            h2 { "Enter code" }
            p { class: "hint", "Type or paste the text under the QR code on the device's label." }
            textarea {
                class: "code-box",
                rows: "3",
                placeholder: "pk=…&sn=…&v=2&bc=…",
                initial_value: "{initial}",
                oninput: move |event| text.set(event.value()),
            }
            match reading {
                Reading::Nothing => rsx! {},
                Reading::Label { kind, product_key, sn } => rsx! {
                    dl { class: "label-reading",
                        dt { "Kind" } dd { "{kind}" }
                        dt { "Product key" } dd { class: "product-key", "{product_key}" }
                        dt { "SN" } dd { class: "sn", "{sn}" }
                    }
                },
                Reading::NotALabel(sentence) => rsx! { p { class: "notice", "{sentence}" } },
                Reading::Malformed(problem) => rsx! { p { class: "error", role: "alert", "{problem}" } },
            }
        }
    }
}

/// What the typed text means, in the words the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    Nothing,
    Label {
        kind: &'static str,
        product_key: String,
        sn: String,
    },
    NotALabel(&'static str),
    Malformed(String),
}

/// Reads a typed label with the shared parser.
pub fn describe(text: &str) -> Reading {
    if text.trim().is_empty() {
        return Reading::Nothing;
    }
    match parse_qr(text) {
        Ok(payload) => describe_payload(&payload),
        Err(err) => Reading::Malformed(format!("This is not a valid label: {err}.")),
    }
}

fn describe_payload(payload: &QrPayload) -> Reading {
    let kind = match payload.kind() {
        QrKind::BinderyV2 | QrKind::Url => "Bindery label",
        QrKind::QuectelV1 => "Serial-number label",
        QrKind::BareSn => "Serial number",
        QrKind::GizwitsLegacy => {
            return Reading::NotALabel("Gizwits device code: the cloud decides if it can be bound.")
        }
        QrKind::GizwitsShare => {
            return Reading::NotALabel("This is a share code. Share codes are not supported; scan the device's own label.")
        }
        QrKind::Matter => {
            return Reading::NotALabel("This is a Matter pairing code, not a Bindery label. Add Matter devices in your Matter app.")
        }
        QrKind::Unknown => {
            return Reading::NotALabel("This is not a device label. Scan the code on the device or its box.")
        }
    };
    Reading::Label {
        kind,
        product_key: payload
            .product_key()
            .map_or_else(|| "—".to_owned(), |pk| pk.to_string()),
        sn: payload.sn().map_or_else(String::new, |sn| sn.to_string()),
    }
}
