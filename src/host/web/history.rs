//! The page's address and history (the History API): the app writes the route of each screen
//! it shows, and hears Back and Forward (`popstate`) to go where the user went.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The page's path and query (without `?`).
pub(super) fn location() -> Option<(String, String)> {
    let location = web_sys::window()?.location();
    let path = location.pathname().ok()?;
    let search = location.search().ok()?;
    Some((path, search.trim_start_matches('?').to_owned()))
}

/// Shows `path` as the address: pushed as a new entry, or replacing the current one. The
/// same address again changes nothing, so the history holds one entry per move.
pub(super) fn show(path: &str, replace: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let current = location()
        .map(|(p, q)| if q.is_empty() { p } else { format!("{p}?{q}") })
        .unwrap_or_default();
    if current == path {
        return;
    }
    let Ok(history) = window.history() else {
        return;
    };
    let written = if replace {
        history.replace_state_with_url(&JsValue::NULL, "", Some(path))
    } else {
        history.push_state_with_url(&JsValue::NULL, "", Some(path))
    };
    if let Err(error) = written {
        tracing::warn!(?error, path, "the address could not be shown");
    }
}

/// Calls `moved` with the new address after each Back or Forward.
pub(super) fn on_pop(moved: Box<dyn Fn(String, String)>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = Closure::<dyn Fn()>::new(move || {
        if let Some((path, query)) = location() {
            moved(path, query);
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
