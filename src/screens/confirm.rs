//! Confirm: what the scanned label is (product, SN) and what it means for this account —
//! explained before anything is typed — then the name box and Confirm. A device that cannot
//! be bound (someone else's, not activated) shows why and offers another scan instead.

use bindery_core::api::DeviceStatus;
use bindery_core::DeviceName;
use dioxus::prelude::*;

use crate::components::{AppBar, BusyLine, ErrorPanel, NameBox};
use crate::i18n::{t, Text};
use crate::state::{Action, Busy, Screen};
use crate::{dispatch, use_model};

/// The confirm screen.
#[component]
pub fn Confirm() -> Element {
    let mut model = use_model();
    let mut name = use_signal(String::new);
    let m = model.read();
    let lang = m.lang;
    let Some(pending) = m.pending.clone() else {
        return rsx! {};
    };
    let binding = m.busy == Some(Busy::Binding);
    let busy = m.busy.is_some();
    drop(m);
    let status = pending.inspection.status;
    let (status_class, status_text) = match status {
        DeviceStatus::Bindable => ("bindable", Text::StatusBindable),
        DeviceStatus::BoundToYou => ("bound-to-you", Text::StatusBoundToYou),
        DeviceStatus::BoundToOther => ("bound-to-other", Text::StatusBoundToOther),
        DeviceStatus::NotActivated => ("not-activated", Text::StatusNotActivated),
    };
    let can_bind = pending.can_bind();
    let name_ok = DeviceName::parse(&name.read()).is_ok();
    rsx! {
        AppBar { title: t(lang, Text::ConfirmTitle).to_owned(), back: Some(Screen::Scan) }
        section { class: "screen confirm",
            dl { class: "label-reading",
                dt { {t(lang, Text::Product)} }
                dd { class: "product-name", "{pending.inspection.product_name}" }
                dt { {t(lang, Text::Sn)} }
                dd { class: "sn", "{pending.inspection.sn}" }
            }
            p { class: "status {status_class}", "data-status": status_class, {t(lang, status_text)} }
            if can_bind {
                form {
                    onsubmit: move |event: FormEvent| {
                        event.prevent_default();
                        dispatch(model, Action::Bind { name: name.read().clone() });
                    },
                    NameBox {
                        initial: String::new(),
                        disabled: binding,
                        on_name: move |value: String| name.set(value),
                    }
                    ErrorPanel {}
                    BusyLine {}
                    button {
                        class: "primary confirm-bind",
                        r#type: "submit",
                        disabled: busy || !name_ok,
                        {t(lang, Text::Confirm)}
                    }
                }
            } else {
                ErrorPanel {}
                button {
                    class: "primary scan-another",
                    onclick: move |_| model.write().go(Screen::Scan),
                    {t(lang, Text::ScanAnother)}
                }
            }
        }
    }
}
