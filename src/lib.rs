//! The Bindery app: scan a device's QR label, name the device, bind it to your account.
//!
//! The flow lives in [`state`] as plain Rust (the tests drive it without a window), the
//! texts in [`i18n`] (the languages themselves in [`lang`], which both use), the screens in
//! [`screens`] and their shared pieces in [`components`]. What the device offers (camera,
//! files, the sandbox cloud) comes through [`host`], so the same components run in the
//! desktop window, the web build and the tests. `main.rs` only picks the platform, builds the
//! [`Boot`] and launches [`App`].

#![deny(missing_docs)]

pub mod components;
pub mod host;
pub mod i18n;
pub mod lang;
pub mod screens;
pub mod state;

use std::sync::{Arc, Mutex};

use dioxus::prelude::*;

use host::HostHandle;
use state::{Action, Model, Route, Screen};

/// The stylesheet, inlined so the app needs no asset bundler to look right.
pub const STYLESHEET: &str = include_str!("../assets/bindery.css");

/// The model and the action to perform first.
type Start = (Model, Option<Action>);

/// What the app starts with: the model (with the action to run first, usually a refresh of
/// a restored session) and the host. Given to [`App`] as a context value.
#[derive(Clone)]
pub struct Boot {
    start: Arc<Mutex<Option<Start>>>,
    /// What the device offers the screens (camera, files, sandbox); [`App`] makes it a
    /// context value of its own.
    host: HostHandle,
}

impl Boot {
    /// The app's start: `model`, then `first` performed once the app is up (usually the
    /// refresh [`Model::new`] returns for a restored session).
    pub fn new(model: Model, first: Option<Action>, host: HostHandle) -> Boot {
        Boot {
            start: Arc::new(Mutex::new(Some((model, first)))),
            host,
        }
    }

    fn take(&self) -> Start {
        self.start
            .lock()
            .expect("not poisoned")
            .take()
            .expect("the app is started once per Boot")
    }
}

/// The model of the running app.
pub fn use_model() -> Signal<Model> {
    use_context::<Signal<Model>>()
}

/// The host of the running app.
pub fn use_host() -> HostHandle {
    use_context::<HostHandle>()
}

/// Runs `action`: checks it and marks the model busy now, talks to the cloud in a task, then
/// folds the answer in (and runs the follow-up, such as the list after signing in).
///
/// The task belongs to the app's root, not to the screen that asked: the screen may be gone
/// (signed in, navigated back) before the cloud answers, and the answer must still land.
pub fn dispatch(mut model: Signal<Model>, action: Action) {
    let job = model.write().start(action);
    if let Some(job) = job {
        dioxus::dioxus_core::spawn_forever(async move {
            let outcome = job.run().await;
            let next = model.write().apply(outcome);
            if let Some(next) = next {
                dispatch(model, next);
            }
        });
    }
}

/// The root component.
#[component]
pub fn App() -> Element {
    let boot = use_context::<Boot>();
    let host = use_context_provider(|| boot.host.clone());
    let mut first = None;
    let model = use_context_provider(|| {
        let (model, action) = boot.take();
        first = action;
        Signal::new(model)
    });
    // Where the history put the user (the address the app was opened at, or Back/Forward):
    // the screen goes there without writing the address again. Until a Confirm's label has
    // been read, the model waits on Scan, which must not overwrite that entry either.
    let mut arrived: Signal<Option<Route>> = use_signal(|| None);
    let opened_at = host.clone();
    let mut opening = model;
    use_hook(move || {
        // The address the app was opened at (a reload, a link, a URL label sent on by the
        // cloud's `/b`) decides the first screen; asking about a label replaces the first
        // refresh (Home fetches its list when it shows).
        let route = opened_at
            .location()
            .and_then(|at| Route::parse(&at.path, &at.query, at.state.as_deref()));
        let opened = route.and_then(|route| {
            arrived.set(Some(route.clone()));
            opening.write().open(route)
        });
        if let Some(action) = opened.or(first.take()) {
            dispatch(model, action);
        }
        opened_at.on_location_change(Box::new(move |at| {
            if let Some(route) = Route::parse(&at.path, &at.query, at.state.as_deref()) {
                let mut moved = model;
                let mut arrived = arrived;
                arrived.set(Some(route.clone()));
                let action = moved.write().open(route);
                if let Some(action) = action {
                    dispatch(model, action);
                }
            }
        }));
    });
    // The address follows the screen. The sign-in forms never stay in the history (Back from
    // Home must not lead to a signed-out screen), nor does a Confirm that was left for Home
    // (Back after binding should not ask about the label again).
    let mut shown: Signal<Option<Route>> = use_signal(|| None);
    use_effect(move || {
        let route = model.read().route();
        let before = shown.peek().clone();
        let target = arrived.peek().clone();
        if let Some(target) = target {
            if route == target {
                arrived.set(None);
                // The entry is right; only a `/b` link's bind code leaves the address.
                tracing::info!(screen = %route.path(), "screen");
                host.show_location(&route.path(), route.state(), true);
                shown.set(Some(route));
                return;
            }
            if matches!(target, Route::Confirm { .. }) && route == Route::Scan {
                return;
            }
            arrived.set(None);
        }
        if before.as_ref() == Some(&route) {
            return;
        }
        let replace = match &before {
            None => true,
            Some(before) => {
                before.is_sign_in()
                    || route.is_sign_in()
                    || (matches!(before, Route::Confirm { .. }) && route == Route::Home)
            }
        };
        // What QA and the desktop tests read to follow the flow (Confirm names the SN).
        tracing::info!(screen = %route.path(), "screen");
        host.show_location(&route.path(), route.state(), replace);
        shown.set(Some(route));
    });
    rsx! {
        style { {STYLESHEET} }
        Screens {}
    }
}

/// The screen the model is on.
#[component]
pub fn Screens() -> Element {
    let model = use_model();
    let (screen, lang) = {
        let m = model.read();
        (m.screen.clone(), m.lang)
    };
    rsx! {
        main { class: "app", lang: lang.tag(),
            match screen {
                Screen::SignIn | Screen::SignUp => rsx! { screens::auth::Auth {} },
                Screen::Home => rsx! { screens::home::Home {} },
                Screen::Scan => rsx! { screens::scan::Scan {} },
                Screen::EnterCode => rsx! { screens::enter_code::EnterCodeScreen {} },
                Screen::Confirm => rsx! { screens::confirm::Confirm {} },
                Screen::Details { did } => rsx! { screens::details::Details { did } },
                Screen::Settings => rsx! { screens::settings::Settings {} },
            }
        }
    }
}
