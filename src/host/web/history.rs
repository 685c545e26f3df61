//! The page's address and history (the History API): the app writes the route of each screen
//! it shows, with a Confirm's label in the entry's state rather than in the address, and hears
//! Back and Forward (`popstate`) to go where the user went.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::host::Location;

/// The page's address and its history entry's state.
pub(super) fn location() -> Option<Location> {
    let window = web_sys::window()?;
    let location = window.location();
    let path = location.pathname().ok()?;
    let search = location.search().ok()?;
    let state = window
        .history()
        .ok()
        .and_then(|history| history.state().ok())
        .and_then(|state| state.as_string());
    Some(Location {
        path,
        query: search.trim_start_matches('?').to_owned(),
        state,
    })
}

/// Shows `path` as the address with `state` in its entry: pushed as a new entry, or replacing
/// the current one. The same address and state again change nothing, so the history holds
/// one entry per move.
pub(super) fn show(path: &str, state: Option<&str>, replace: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(now) = location() {
        let address = if now.query.is_empty() {
            now.path.clone()
        } else {
            format!("{}?{}", now.path, now.query)
        };
        if address == path && now.state.as_deref() == state {
            return;
        }
    }
    let Ok(history) = window.history() else {
        return;
    };
    let state = state.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let written = if replace {
        history.replace_state_with_url(&state, "", Some(path))
    } else {
        history.push_state_with_url(&state, "", Some(path))
    };
    if let Err(error) = written {
        tracing::warn!(?error, path, "the address could not be shown");
    }
}

/// Calls `moved` with the new address after each Back or Forward.
pub(super) fn on_pop(moved: Box<dyn Fn(Location)>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = Closure::<dyn Fn()>::new(move || {
        if let Some(now) = location() {
            moved(now);
        }
    });
    if window
        .add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref())
        .is_ok()
    {
        // The listener lives as long as the page.
        listener.forget();
    }
}
