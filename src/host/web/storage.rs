//! Settings' choices in the page's `localStorage`, so the browser remembers them like the
//! desktop's settings file does. A full, disabled or damaged storage only means the choices
//! are not remembered, never a failed start.

use crate::state::preferences::Preferences;

/// Where Settings choices are kept in `localStorage`.
const PREFERENCES_KEY: &str = "bindery.settings";

/// What Settings remembered in this browser; the defaults when nothing (or nothing
/// readable) is there.
pub fn remembered_preferences() -> Preferences {
    local_storage()
        .and_then(|storage| storage.get_item(PREFERENCES_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Keeps `preferences` for the next start.
pub(super) fn save_preferences(preferences: &Preferences) {
    if let (Some(storage), Ok(json)) = (local_storage(), serde_json::to_string(preferences)) {
        // A full or disabled storage only means the choice is not remembered.
        let _ = storage.set_item(PREFERENCES_KEY, &json);
    }
}

/// The page's `localStorage`, where the browser offers one.
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
