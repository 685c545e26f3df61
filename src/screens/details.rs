//! Device details: SN, product, when it was added; rename in place; unbind behind a
//! confirmation that says what unbinding means.

use dioxus::prelude::*;

use crate::components::{AppBar, BusyLine, ErrorPanel, NameBox, NoticeBar};
use crate::i18n::{t, tf, Text};
use crate::state::{Action, Screen};
use crate::{dispatch, use_model};

/// The details of device `did`.
#[component]
pub fn Details(did: String) -> Element {
    let mut model = use_model();
    let mut name = use_signal(|| None::<String>);
    let m = model.read();
    let lang = m.lang;
    let busy = m.busy.is_some();
    let asked = m.unbind_asked;
    let Some(device) = m.device(&did).cloned() else {
        drop(m);
        return rsx! {
            AppBar { title: t(lang, Text::DetailsTitle).to_owned(), back: Some(Screen::Home) }
            section { class: "screen details", ErrorPanel {} }
        };
    };
    drop(m);
    let bound_at = device
        .bound_at
        .format(&time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    let rename_did = did.clone();
    let unbind_did = did.clone();
    rsx! {
        AppBar { title: device.name.clone(), back: Some(Screen::Home) }
        section { class: "screen details",
            NoticeBar {}
            dl { class: "label-reading",
                dt { {t(lang, Text::Product)} } dd { class: "product-name", "{device.product_name}" }
                dt { {t(lang, Text::Sn)} } dd { class: "sn", "{device.sn}" }
                dt { {t(lang, Text::BoundAt)} } dd { class: "bound-at", "{bound_at}" }
                dt { {t(lang, Text::Did)} } dd { class: "did", "{device.did}" }
            }
            form {
                class: "rename",
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    let typed = name.read().clone();
                    if let Some(typed) = typed {
                        dispatch(model, Action::Rename { did: rename_did.clone(), name: typed });
                    }
                },
                NameBox {
                    key: "{device.did}",
                    initial: device.name.clone(),
                    disabled: busy,
                    on_name: move |value: String| name.set(Some(value)),
                }
                button {
                    class: "rename-save",
                    r#type: "submit",
                    disabled: busy || name.read().is_none(),
                    {t(lang, Text::Save)}
                }
            }
            ErrorPanel {}
            BusyLine {}
            if asked {
                div { class: "confirm-unbind", role: "alertdialog",
                    p { {tf(lang, Text::UnbindQuestion, &[("name", &device.name)])} }
                    div { class: "actions",
                        button {
                            class: "danger unbind-yes",
                            disabled: busy,
                            onclick: move |_| dispatch(model, Action::Unbind { did: unbind_did.clone() }),
                            {t(lang, Text::UnbindYes)}
                        }
                        button {
                            class: "unbind-no",
                            onclick: move |_| model.write().ask_unbind(false),
                            {t(lang, Text::Cancel)}
                        }
                    }
                }
            } else {
                button {
                    class: "danger-outline unbind",
                    disabled: busy,
                    onclick: move |_| model.write().ask_unbind(true),
                    {t(lang, Text::Unbind)}
                }
            }
        }
    }
}
