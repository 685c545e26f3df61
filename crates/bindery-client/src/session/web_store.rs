//! The web build's store: one `localStorage` item per cloud, `bindery.session.<cloud>`.
//! Elsewhere there is no `localStorage`, and asking for it is a typed error rather than a
//! build-time hole in the dispatch.

#[cfg(not(target_arch = "wasm32"))]
pub(super) use absent::{clear, load, save};
#[cfg(target_arch = "wasm32")]
pub(super) use browser::{clear, load, save};

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::super::{SessionError, StoredSession};

    fn storage() -> Result<web_sys::Storage, SessionError> {
        let refused = |detail: &str| SessionError::Browser {
            detail: detail.to_owned(),
        };
        web_sys::window()
            .ok_or_else(|| refused("no window"))?
            .local_storage()
            .map_err(|_| refused("access denied"))?
            .ok_or_else(|| refused("local storage is disabled"))
    }

    fn key(cloud: &str) -> String {
        format!("bindery.session.{cloud}")
    }

    fn js_error(e: wasm_bindgen::JsValue) -> SessionError {
        SessionError::Browser {
            detail: e.as_string().unwrap_or_else(|| format!("{e:?}")),
        }
    }

    pub fn load(cloud: &str) -> Result<Option<StoredSession>, SessionError> {
        match storage()?.get_item(&key(cloud)).map_err(js_error)? {
            Some(json) => {
                serde_json::from_str(&json)
                    .map(Some)
                    .map_err(|e| SessionError::Damaged {
                        location: "the browser's local storage".to_owned(),
                        detail: e.to_string(),
                    })
            }
            None => Ok(None),
        }
    }

    pub fn save(session: &StoredSession) -> Result<(), SessionError> {
        let json = serde_json::to_string(session).expect("session serialises");
        storage()?
            .set_item(&key(&session.cloud), &json)
            .map_err(js_error)
    }

    pub fn clear(cloud: &str) -> Result<(), SessionError> {
        storage()?.remove_item(&key(cloud)).map_err(js_error)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod absent {
    use super::super::{SessionError, StoredSession};

    fn absent() -> SessionError {
        SessionError::Browser {
            detail: "local storage exists only in the web build".to_owned(),
        }
    }

    pub fn load(_: &str) -> Result<Option<StoredSession>, SessionError> {
        Err(absent())
    }

    pub fn save(_: &StoredSession) -> Result<(), SessionError> {
        Err(absent())
    }

    pub fn clear(_: &str) -> Result<(), SessionError> {
        Err(absent())
    }
}
