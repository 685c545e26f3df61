//! "Enter code": type or paste a label's text instead of scanning it — the way in for
//! machines without a camera and for labels a camera cannot read. It shows, as you type,
//! what the label means (product key, SN) or what is wrong with it, and Continue checks it
//! with the cloud like a scan would.

use bindery_core::{parse_qr, QrKind, QrPayload};
use dioxus::prelude::*;

use crate::components::{AppBar, BusyLine, ErrorPanel};
use crate::i18n::{t, tf, Lang, Text};
use crate::state::{Action, Screen};
use crate::{dispatch, use_model};

/// The Enter code screen.
#[component]
pub fn EnterCodeScreen() -> Element {
    let model = use_model();
    let lang = model.read().lang;
    let busy = model.read().busy.is_some();
    let mut text = use_signal(String::new);
    let reading = describe(lang, &text.read());
    let sendable = reading.can_send();
    rsx! {
        AppBar { title: t(lang, Text::EnterCodeTitle).to_owned(), back: Some(Screen::Scan) }
        section { class: "screen enter-code",
            p { class: "hint", {t(lang, Text::EnterCodeHint)} }
            // Not controlled (no `value` on re-render): re-setting the value while the user
            // types races the keystrokes and drops characters in the desktop webview.
            textarea {
                class: "code-box",
                rows: "3",
                placeholder: "pk=…&sn=…&v=2&bc=…",
                autocomplete: "off",
                spellcheck: "false",
                oninput: move |event| text.set(event.value()),
            }
            LabelReading { reading }
            ErrorPanel {}
            BusyLine {}
            button {
                class: "primary continue",
                disabled: busy || !sendable,
                onclick: move |_| {
                    let qr_content = text.read().trim().to_owned();
                    dispatch(model, Action::Inspect { qr_content });
                },
                {t(lang, Text::Continue)}
            }
        }
    }
}

/// What a typed label means, as a definition list or a sentence.
#[component]
pub fn LabelReading(reading: Reading) -> Element {
    let lang = use_model().read().lang;
    match reading {
        Reading::Nothing => rsx! {},
        Reading::Label {
            kind,
            product_key,
            sn,
        } => rsx! {
            dl { class: "label-reading",
                dt { {t(lang, Text::LabelKind)} } dd { {t(lang, kind)} }
                dt { {t(lang, Text::ProductKey)} } dd { class: "product-key", "{product_key}" }
                dt { {t(lang, Text::Sn)} } dd { class: "sn", "{sn}" }
            }
        },
        Reading::NotALabel(text) => rsx! { p { class: "notice", {t(lang, text)} } },
        Reading::Malformed(problem) => {
            rsx! { p { class: "field-error", role: "alert", "{problem}" } }
        }
    }
}

/// What the typed text means, in the words the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Nothing typed yet (or only spaces): the screen shows nothing.
    Nothing,
    /// A device label, which Continue sends to the cloud to check.
    Label {
        /// The kind of label, as the text that names it (Bindery label, serial-number label,
        /// bare SN).
        kind: Text,
        /// The product key it names; `—` for a bare SN, which names none.
        product_key: String,
        /// The device's SN.
        sn: String,
    },
    /// A code the parser recognises that is not a device label (or the cloud decides).
    NotALabel(Text),
    /// A label with a broken field: the sentence says which (Continue still asks the cloud).
    Malformed(String),
}

impl Reading {
    /// Whether Continue sends the text: anything typed. Even a text the parser finds broken
    /// may be a label another system printed and the maker adopted (docs/product.md §2.3),
    /// which only the cloud knows; it answers `bad_qr_content` when the text is no label.
    pub fn can_send(&self) -> bool {
        !matches!(self, Reading::Nothing)
    }
}

/// Reads a typed label with the shared parser.
pub fn describe(lang: Lang, text: &str) -> Reading {
    if text.trim().is_empty() {
        return Reading::Nothing;
    }
    match parse_qr(text) {
        Ok(payload) => describe_payload(&payload),
        Err(err) => Reading::Malformed(tf(
            lang,
            Text::MalformedLabel,
            &[("detail", &err.to_string())],
        )),
    }
}

fn describe_payload(payload: &QrPayload) -> Reading {
    let kind = match payload.kind() {
        QrKind::BinderyV2 | QrKind::Url => Text::KindBindery,
        QrKind::QuectelV1 => Text::KindSerial,
        QrKind::BareSn => Text::KindBareSn,
        QrKind::GizwitsLegacy => return Reading::NotALabel(Text::GizwitsCode),
        QrKind::GizwitsShare => return Reading::NotALabel(Text::ShareCode),
        QrKind::Matter => return Reading::NotALabel(Text::MatterCode),
        QrKind::Unknown => return Reading::NotALabel(Text::NotALabel),
    };
    Reading::Label {
        kind,
        product_key: payload
            .product_key()
            .map_or_else(|| "—".to_owned(), |pk| pk.to_string()),
        sn: payload.sn().map_or_else(String::new, |sn| sn.to_string()),
    }
}
