//! The Bindery app: scan a device's QR label, name the device, bind it to your account.
//!
//! The screens live in [`screens`] and hold no platform code, so the same components run in
//! the desktop window, the web build and the tests (rendered without a window). `main.rs`
//! only picks the platform and launches [`App`].

pub mod screens;

use dioxus::prelude::*;

/// The stylesheet, inlined so the app needs no asset bundler to look right.
const STYLESHEET: &str = include_str!("../assets/bindery.css");

/// The root component.
#[component]
pub fn App() -> Element {
    rsx! {
        style { {STYLESHEET} }
        main { class: "app",
            header { class: "app-bar", h1 { "Bindery" } }
            screens::enter_code::EnterCode { initial: String::new() }
        }
    }
}
