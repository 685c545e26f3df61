//! Home: the account's devices, newest binding highlighted, a refresh, the (+) that starts a
//! scan, and an empty state that says what to do first.

use dioxus::prelude::*;

use crate::components::{AppBar, BusyLine, ErrorPanel, NoticeBar};
use crate::i18n::{t, Text};
use crate::state::{Action, Busy, Screen};
use crate::{dispatch, use_model};

/// The device list.
#[component]
pub fn Home() -> Element {
    let mut model = use_model();
    let m = model.read();
    let lang = m.lang;
    let refreshing = m.busy == Some(Busy::Refreshing);
    let highlighted = m.highlighted.clone();
    let devices = m.devices.clone();
    drop(m);
    // Home reached without its list (the app was opened at a label's address, which asked
    // about the label instead of fetching the list): fetch it now.
    use_hook(move || {
        let m = model.peek();
        let unfetched = m.devices.is_none() && m.busy.is_none() && m.failure.is_none();
        drop(m);
        if unfetched {
            dispatch(model, Action::Refresh);
        }
    });
    rsx! {
        AppBar { title: t(lang, Text::HomeTitle).to_owned(), back: None }
        section { class: "screen home",
            NoticeBar {}
            ErrorPanel {}
            div { class: "toolbar",
                button {
                    class: "refresh",
                    disabled: refreshing,
                    onclick: move |_| dispatch(model, Action::Refresh),
                    {t(lang, if refreshing { Text::Refreshing } else { Text::Refresh })}
                }
                button {
                    class: "primary add",
                    "aria-label": t(lang, Text::AddDevice),
                    onclick: move |_| model.write().go(Screen::Scan),
                    "+ " {t(lang, Text::AddDevice)}
                }
            }
            match devices {
                None => rsx! {
                    BusyLine {}
                    if !refreshing { p { class: "hint", {t(lang, Text::Loading)} } }
                },
                Some(list) if list.is_empty() => rsx! {
                    div { class: "empty",
                        div { class: "empty-art", "aria-hidden": "true", "▣" }
                        h2 { {t(lang, Text::EmptyTitle)} }
                        p { class: "hint", {t(lang, Text::EmptyHint)} }
                        button {
                            class: "primary scan-a-device",
                            onclick: move |_| model.write().go(Screen::Scan),
                            {t(lang, Text::ScanADevice)}
                        }
                    }
                },
                Some(list) => rsx! {
                    ul { class: "devices",
                        for device in list {
                            li {
                                key: "{device.did}",
                                class: if highlighted.as_deref() == Some(device.did.as_str()) { "device highlighted" } else { "device" },
                                "data-did": "{device.did}",
                                button {
                                    class: "device-open",
                                    onclick: {
                                        let did = device.did.clone();
                                        move |_| model.write().go(Screen::Details { did: did.clone() })
                                    },
                                    span { class: "device-name", "{device.name}" }
                                    span { class: "device-meta", "{device.product_name} · {device.sn}" }
                                    if highlighted.as_deref() == Some(device.did.as_str()) {
                                        span { class: "badge", {t(lang, Text::JustAdded)} }
                                    }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}
