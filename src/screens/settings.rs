//! Settings: the cloud in use (the sandbox or any URL; the sandbox can be reset), the
//! account and sign out, where the session is kept, the language, and the QA frame source
//! that stands in for a camera. One component per section; each reads the model itself, so
//! it renders again whenever the model changes (what the host holds — the sandbox, the QA
//! source — changes only together with the model).

use std::path::PathBuf;

use dioxus::prelude::*;

use crate::components::{AppBar, BusyLine, ErrorPanel, NoticeBar};
use crate::host::HostHandle;
use crate::i18n::{t, tf, Lang, Text};
use crate::state::preferences::Preferences;
use crate::state::{Action, Cloud, Model, Screen};
use crate::{dispatch, use_host, use_model};

/// The settings screen.
#[component]
pub fn Settings() -> Element {
    let model = use_model();
    let host = use_host();
    let m = model.read();
    let lang = m.lang;
    let back = if m.account.is_some() {
        Screen::Home
    } else {
        Screen::SignIn
    };
    drop(m);
    rsx! {
        AppBar { title: t(lang, Text::SettingsTitle).to_owned(), back: Some(back) }
        section { class: "screen settings",
            NoticeBar {}
            ErrorPanel {}
            BusyLine {}
            CloudSection {}
            AccountSection {}
            LanguageSection {}
            if host.has_qa_source() {
                QaSourceSection {}
            }
        }
    }
}

/// The cloud in use, another cloud's address, and the sandbox: switch back to it, or reset it.
#[component]
fn CloudSection() -> Element {
    let mut model = use_model();
    let host = use_host();
    let mut cloud_url = use_signal(String::new);
    let m = model.read();
    let (lang, busy, cloud) = (m.lang, m.busy.is_some(), m.cloud.clone());
    drop(m);
    let sandbox = host.sandbox();
    let reset_host = host.clone();
    let cloud_host = host.clone();
    let sandbox_host = host.clone();
    rsx! {
        section { class: "group cloud",
            h2 { {t(lang, Text::Cloud)} }
            p { class: "cloud-in-use", "{cloud.label(lang)}" }
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    let url = cloud_url.read().trim().to_owned();
                    switch_cloud(&cloud_host, model, Cloud { url, sandbox: false });
                },
                div { class: "field",
                    label { r#for: "cloud-url", {t(lang, Text::CloudUrl)} }
                    input {
                        id: "cloud-url",
                        r#type: "url",
                        inputmode: "url",
                        placeholder: "https://cloud.example.com",
                        oninput: move |e| cloud_url.set(e.value()),
                    }
                }
                button { class: "use-cloud", r#type: "submit", disabled: busy, {t(lang, Text::UseCloud)} }
            }
            if let Some(sandbox) = sandbox {
                if !cloud.sandbox {
                    button {
                        class: "use-sandbox",
                        disabled: busy,
                        onclick: move |_| switch_cloud(&sandbox_host, model, sandbox.clone()),
                        {t(lang, Text::UseSandbox)}
                    }
                } else {
                    p { class: "hint", {t(lang, Text::ResetSandboxHint)} }
                    button {
                        class: "danger-outline reset-sandbox",
                        disabled: busy,
                        onclick: move |_| match reset_host.reset_sandbox() {
                            Ok(()) => {
                                if let Some(cloud) = reset_host.sandbox() {
                                    let _ = model.write().use_cloud(cloud);
                                }
                                model.write().sandbox_was_reset();
                            }
                            Err(detail) => model.write().sandbox_failed(detail),
                        },
                        {t(lang, Text::ResetSandbox)}
                    }
                }
            }
        }
    }
}

/// Who is signed in, Sign out, and where the session is kept (with any problem keeping it).
#[component]
fn AccountSection() -> Element {
    let model = use_model();
    let m = model.read();
    let (lang, busy) = (m.lang, m.busy.is_some());
    let account = m.account.clone();
    let kept_in = m.sessions_kept_in();
    let note = m.session_note.clone();
    drop(m);
    rsx! {
        section { class: "group account",
            h2 { {t(lang, Text::Account)} }
            if let Some(account) = account {
                p { class: "signed-in-as", {tf(lang, Text::SignedInAs, &[("email", &account.email)])} }
                button {
                    class: "sign-out",
                    disabled: busy,
                    onclick: move |_| dispatch(model, Action::SignOut),
                    {t(lang, Text::SignOut)}
                }
                button {
                    class: "sign-out-everywhere",
                    disabled: busy,
                    onclick: move |_| dispatch(model, Action::SignOutEverywhere),
                    {t(lang, Text::SignOutEverywhere)}
                }
                p { class: "hint", {t(lang, Text::SignOutEverywhereHint)} }
            }
            p { class: "hint session-kept", {tf(lang, Text::SessionKept, &[("where", &kept_in)])} }
            if let Some(note) = note {
                p { class: "session-note", role: "note", "{note}" }
            }
        }
    }
}

/// The language switch; the choice is remembered for the next start.
#[component]
fn LanguageSection() -> Element {
    let mut model = use_model();
    let host = use_host();
    let lang = model.read().lang;
    rsx! {
        section { class: "group language",
            h2 { {t(lang, Text::Language)} }
            div { class: "segmented", role: "radiogroup",
                for option in Lang::ALL {
                    button {
                        key: "{option.tag()}",
                        class: if option == lang { "lang selected" } else { "lang" },
                        role: "radio",
                        "aria-checked": option == lang,
                        lang: option.tag(),
                        onclick: {
                            let host = host.clone();
                            move |_| {
                                model.write().set_lang(option);
                                remember(&host, model);
                            }
                        },
                        {option.native_name()}
                    }
                }
            }
        }
    }
}

/// The QA frame source: an image, a folder or a .y4m video used instead of a camera, or the
/// real camera again.
#[component]
fn QaSourceSection() -> Element {
    let mut model = use_model();
    let host = use_host();
    let mut qa_path = use_signal(String::new);
    // Read from the model so that the `go` after a change re-renders this section, whose
    // current source lives in the host.
    let lang = model.read().lang;
    let qa_current = host.qa_source().map(|p| p.display().to_string());
    let qa_host = host.clone();
    let clear_host = host.clone();
    rsx! {
        section { class: "group qa-source",
            h2 { {t(lang, Text::QaSource)} }
            p { class: "hint", {t(lang, Text::QaSourceHint)} }
            p { class: "qa-current",
                {qa_current.unwrap_or_else(|| t(lang, Text::RealCamera).to_owned())}
            }
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    let path = qa_path.read().trim().to_owned();
                    qa_host.set_qa_source((!path.is_empty()).then(|| PathBuf::from(path)));
                    model.write().go(Screen::Settings);
                },
                input {
                    id: "qa-source",
                    r#type: "text",
                    placeholder: "/path/to/labels.y4m",
                    oninput: move |e| qa_path.set(e.value()),
                }
                button { class: "use-source", r#type: "submit", {t(lang, Text::UseSource)} }
            }
            button {
                class: "real-camera",
                onclick: move |_| {
                    clear_host.set_qa_source(None);
                    model.write().go(Screen::Settings);
                },
                {t(lang, Text::RealCamera)}
            }
        }
    }
}

/// Points the model at `cloud`; a restored session refreshes its list. The choice is
/// remembered once the cloud's address was accepted.
fn switch_cloud(host: &HostHandle, mut model: Signal<Model>, cloud: Cloud) {
    let result = model.write().use_cloud(cloud);
    match result {
        Ok(next) => {
            remember(host, model);
            if let Some(action) = next {
                dispatch(model, action);
            }
        }
        Err(failure) => model.write().failure = Some(*failure),
    }
}

/// Keeps what Settings now shows (language, cloud) for the next start.
fn remember(host: &HostHandle, model: Signal<Model>) {
    host.save_preferences(&Preferences::of(&model.read()));
}
