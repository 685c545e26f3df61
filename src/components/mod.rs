//! Pieces several screens share: the error panel (every failure looks and reads the same
//! everywhere), the notice line, the progress line, the app bar and the name box with the docs/product.md §3
//! rules checked as you type.

use bindery_core::DeviceName;
use dioxus::prelude::*;

use crate::i18n::{problem, t, tf, Text};
use crate::state::{FailureKind, Model, Screen};
use crate::{dispatch, use_model};

/// The failure on screen: its sentence in the user's language, the request id, the cloud in
/// use, Retry when a retry can help, and OK to close it. A refusal and an unreachable cloud
/// have different headings and classes.
#[component]
pub fn ErrorPanel() -> Element {
    let mut model = use_model();
    let m = model.read();
    let Some(failure) = m.failure.clone() else {
        return rsx! {};
    };
    let lang = m.lang;
    // Typed input problems are shown next to the input, as one line.
    if matches!(failure.kind, FailureKind::Invalid(_)) {
        return rsx! {
            p { class: "field-error", role: "alert", {failure.sentence(lang)} }
        };
    }
    let kind = match failure.kind {
        FailureKind::Refused { .. } => "refused",
        FailureKind::Unreachable { .. } => "unreachable",
        _ => "local",
    };
    let code = failure.code().map(|c| c.as_str());
    let request_id = failure.request_id().map(str::to_owned);
    let retry = failure.retry.clone();
    let cloud = failure.cloud.label(lang);
    rsx! {
        div { class: "error-panel {kind}", role: "alert", "data-code": code,
            h3 { {failure.title(lang)} }
            p { class: "sentence", {failure.sentence(lang)} }
            if let Some(id) = request_id {
                p { class: "request-id", {tf(lang, Text::RequestId, &[("id", &id)])} }
            }
            p { class: "cloud", {tf(lang, Text::CloudInUse, &[("cloud", &cloud)])} }
            div { class: "actions",
                if let Some(action) = retry {
                    button {
                        class: "primary retry",
                        onclick: move |_| dispatch(model, action.clone()),
                        {t(lang, Text::Retry)}
                    }
                }
                button {
                    class: "dismiss",
                    onclick: move |_| model.write().dismiss(),
                    {t(lang, Text::Dismiss)}
                }
            }
        }
    }
}

/// The short confirmation after something worked.
#[component]
pub fn NoticeBar() -> Element {
    let mut model = use_model();
    let m = model.read();
    let Some(notice) = m.notice.clone() else {
        return rsx! {};
    };
    let lang = m.lang;
    rsx! {
        div { class: "notice-bar", role: "status",
            span { {notice.text(lang)} }
            button { class: "dismiss", onclick: move |_| model.write().dismiss(), {t(lang, Text::Dismiss)} }
        }
    }
}

/// The progress line while the cloud is working.
#[component]
pub fn BusyLine() -> Element {
    let model = use_model();
    let m = model.read();
    match m.busy {
        Some(busy) => rsx! {
            p { class: "busy", role: "status", "aria-live": "polite",
                span { class: "spinner", "aria-hidden": "true" }
                {t(m.lang, busy.text())}
            }
        },
        None => rsx! {},
    }
}

/// The bar at the top: a back button where there is somewhere to go back to, the title, and
/// the settings button.
#[component]
pub fn AppBar(title: String, back: Option<Screen>) -> Element {
    let mut model = use_model();
    let m = model.read();
    let lang = m.lang;
    let show_settings = m.screen != Screen::Settings;
    rsx! {
        header { class: "app-bar",
            if let Some(target) = back {
                button {
                    class: "icon back",
                    "aria-label": t(lang, Text::Back),
                    onclick: move |_| model.write().go(target.clone()),
                    "←"
                }
            }
            h1 { {title} }
            if show_settings {
                button {
                    class: "icon settings",
                    "aria-label": t(lang, Text::Settings),
                    title: t(lang, Text::Settings),
                    onclick: move |_| model.write().go(Screen::Settings),
                    "⚙"
                }
            }
        }
    }
}

/// A device-name box checked against the docs/product.md §3 rules as the user types. `on_name` gets every
/// value; the box is uncontrolled (re-setting a value while typing drops keystrokes in the
/// desktop webview).
#[component]
pub fn NameBox(initial: String, disabled: bool, on_name: EventHandler<String>) -> Element {
    let model = use_model();
    let lang = model.read().lang;
    let mut typed = use_signal(|| initial.clone());
    let mut touched = use_signal(|| false);
    let value = typed.read().clone();
    let problem_text = if *touched.read() {
        DeviceName::parse(&value).err().map(|e| problem(lang, &e))
    } else {
        None
    };
    let count = value.trim().chars().count().to_string();
    let over = value.trim().chars().count() > DeviceName::MAX_LEN;
    let invalid = problem_text.is_some();
    rsx! {
        div { class: "field",
            label { r#for: "device-name", {t(lang, Text::DeviceName)} }
            input {
                id: "device-name",
                class: if invalid { "name-box invalid" } else { "name-box" },
                r#type: "text",
                autocomplete: "off",
                disabled,
                placeholder: t(lang, Text::NamePlaceholder),
                initial_value: "{initial}",
                "aria-invalid": invalid,
                oninput: move |event| {
                    let v = event.value();
                    typed.set(v.clone());
                    touched.set(true);
                    on_name.call(v);
                },
            }
            div { class: "field-foot",
                match problem_text {
                    Some(text) => rsx! { span { class: "field-error", role: "alert", {text} } },
                    None => rsx! { span { class: "hint", {t(lang, Text::NameRule)} } },
                }
                span { class: if over { "count over" } else { "count" },
                    {tf(lang, Text::NameCount, &[("n", &count)])}
                }
            }
        }
    }
}

/// Whether the model is busy (buttons that send are disabled meanwhile).
pub fn is_busy(model: &Model) -> bool {
    model.busy.is_some()
}

/// What a successful scan feels like: a short beep and, on phones, a short vibration, so
/// the user knows to stop aiming. It runs in the page (the desktop window is a web view too);
/// where there is no page, as in the tests, or the page refuses sound, nothing happens.
pub fn scan_feedback() {
    const FEEDBACK: &str = r#"
        try { if (navigator.vibrate) { navigator.vibrate(40); } } catch (_) {}
        try {
            const Context = window.AudioContext || window.webkitAudioContext;
            if (Context) {
                const audio = window.__binderyAudio || (window.__binderyAudio = new Context());
                const tone = audio.createOscillator();
                const volume = audio.createGain();
                tone.frequency.value = 1320;
                volume.gain.value = 0.06;
                tone.connect(volume);
                volume.connect(audio.destination);
                tone.start();
                tone.stop(audio.currentTime + 0.08);
            }
        } catch (_) {}
    "#;
    let _ = document::eval(FEEDBACK);
}
