//! Sign in / Sign up: one form, two modes, so switching keeps what was typed. The cloud in
//! use is shown under the form, since an account exists on one cloud only.

use dioxus::prelude::*;

use crate::components::{BusyLine, ErrorPanel, NoticeBar};
use crate::i18n::{t, tf, Text};
use crate::state::{Action, Screen, Secret};
use crate::{dispatch, use_model};

/// The sign-in or sign-up form, by the model's screen.
#[component]
pub fn Auth() -> Element {
    let mut model = use_model();
    let mut email = use_signal(String::new);
    let mut password = use_signal(String::new);
    let m = model.read();
    let lang = m.lang;
    let sign_up = m.screen == Screen::SignUp;
    let busy = m.busy.is_some();
    let cloud = m.cloud.label(lang);
    drop(m);
    let submit = move |event: FormEvent| {
        event.prevent_default();
        let email = email.read().clone();
        let password = Secret(password.read().clone());
        let action = if sign_up {
            Action::SignUp { email, password }
        } else {
            Action::SignIn { email, password }
        };
        dispatch(model, action);
    };
    rsx! {
        header { class: "app-bar",
            h1 { {t(lang, Text::AppName)} }
            button {
                class: "icon settings",
                "aria-label": t(lang, Text::Settings),
                onclick: move |_| model.write().go(Screen::Settings),
                "⚙"
            }
        }
        section { class: if sign_up { "screen auth sign-up" } else { "screen auth sign-in" },
            h2 { {t(lang, if sign_up { Text::SignUpTitle } else { Text::SignInTitle })} }
            NoticeBar {}
            form { onsubmit: submit,
                div { class: "field",
                    label { r#for: "email", {t(lang, Text::Email)} }
                    input {
                        id: "email",
                        r#type: "email",
                        autocomplete: "username",
                        inputmode: "email",
                        oninput: move |e| email.set(e.value()),
                    }
                }
                div { class: "field",
                    label { r#for: "password", {t(lang, Text::Password)} }
                    input {
                        id: "password",
                        r#type: "password",
                        autocomplete: if sign_up { "new-password" } else { "current-password" },
                        oninput: move |e| password.set(e.value()),
                    }
                    if sign_up {
                        span { class: "hint", {t(lang, Text::PasswordRule)} }
                    }
                }
                ErrorPanel {}
                BusyLine {}
                button {
                    class: "primary submit",
                    r#type: "submit",
                    disabled: busy,
                    {t(lang, if sign_up { Text::SignUp } else { Text::SignIn })}
                }
            }
            button {
                class: "link switch-mode",
                onclick: move |_| model.write().go(if sign_up { Screen::SignIn } else { Screen::SignUp }),
                {t(lang, if sign_up { Text::HaveAccount } else { Text::NoAccountYet })}
            }
            p { class: "cloud-line hint", {tf(lang, Text::CloudInUse, &[("cloud", &cloud)])} }
        }
    }
}
