//! Where a signed-in session survives between runs of the app and the CLI.
//!
//! A session token is a bearer secret, so it belongs in the OS keyring (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows). Many machines a QA tester or a
//! support engineer uses have none — a headless box, a container, an emulator — and losing
//! the sign-in on every run would be worse than keeping it in a file only the user can read.
//! So the store falls back to a mode-0600 file in the user's config directory and says so
//! ([`SessionStore::fallback_warning`]); the web build keeps it in `localStorage`.
//!
//! Sessions are keyed by the cloud's address: signing in to the sandbox does not sign you
//! out of staging.
//!
//! The files follow that decision: `stored` holds what is kept and the errors, `choose`
//! picks the store, and one file per store does the keeping (`keyring_store`,
//! `file_store`, `web_store`; memory needs none). This file dispatches a load, save or
//! clear to the chosen one.

mod choose;
#[cfg(not(target_arch = "wasm32"))]
mod file_store;
#[cfg(not(target_arch = "wasm32"))]
mod keyring_store;
mod stored;
#[cfg(test)]
mod tests;
mod web_store;

#[cfg(not(target_arch = "wasm32"))]
pub use choose::default_file_path;
pub use stored::{SessionBackend, SessionError, StoredSession};

/// The service name the keyring entries are filed under.
pub const KEYRING_SERVICE: &str = "bindery";

/// The session store of the app and the CLI.
#[derive(Debug)]
pub struct SessionStore {
    backend: SessionBackend,
    warning: Option<String>,
    memory: std::sync::Mutex<Vec<StoredSession>>,
}

impl SessionStore {
    /// Where sessions are kept.
    pub fn backend(&self) -> &SessionBackend {
        &self.backend
    }

    /// Set when the store fell back from the keyring to a file: show it to the user.
    pub fn fallback_warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// The session kept for `cloud`, if any.
    pub fn load(&self, cloud: &str) -> Result<Option<StoredSession>, SessionError> {
        let cloud = normalise(cloud);
        match &self.backend {
            SessionBackend::Memory => Ok(self
                .memory
                .lock()
                .expect("session memory")
                .iter()
                .find(|s| s.cloud == cloud)
                .cloned()),
            #[cfg(not(target_arch = "wasm32"))]
            SessionBackend::File(path) => Ok(file_store::read(path)?
                .into_iter()
                .find(|s| s.cloud == cloud)),
            #[cfg(not(target_arch = "wasm32"))]
            SessionBackend::Keyring => keyring_store::load(&cloud),
            #[cfg(target_arch = "wasm32")]
            SessionBackend::Keyring => Ok(None),
            SessionBackend::LocalStorage => web_store::load(&cloud),
        }
    }

    /// Keeps `session`, replacing the one kept for the same cloud.
    pub fn save(&self, session: &StoredSession) -> Result<(), SessionError> {
        let mut session = session.clone();
        session.cloud = normalise(&session.cloud);
        match &self.backend {
            SessionBackend::Memory => {
                let mut kept = self.memory.lock().expect("session memory");
                kept.retain(|s| s.cloud != session.cloud);
                kept.push(session);
                Ok(())
            }
            #[cfg(not(target_arch = "wasm32"))]
            SessionBackend::File(path) => {
                let mut kept = file_store::read(path).unwrap_or_default();
                kept.retain(|s| s.cloud != session.cloud);
                kept.push(session);
                file_store::write(path, &kept)
            }
            #[cfg(not(target_arch = "wasm32"))]
            SessionBackend::Keyring => keyring_store::save(&session),
            #[cfg(target_arch = "wasm32")]
            SessionBackend::Keyring => Ok(()),
            SessionBackend::LocalStorage => web_store::save(&session),
        }
    }

    /// Forgets the session kept for `cloud` (signing out). Forgetting nothing is not an error.
    pub fn clear(&self, cloud: &str) -> Result<(), SessionError> {
        let cloud = normalise(cloud);
        match &self.backend {
            SessionBackend::Memory => {
                self.memory
                    .lock()
                    .expect("session memory")
                    .retain(|s| s.cloud != cloud);
                Ok(())
            }
            #[cfg(not(target_arch = "wasm32"))]
            SessionBackend::File(path) => {
                match file_store::read(path) {
                    Ok(mut kept) => {
                        let before = kept.len();
                        kept.retain(|s| s.cloud != cloud);
                        if kept.len() == before {
                            return Ok(());
                        }
                        file_store::write(path, &kept)
                    }
                    // A damaged file is replaced rather than kept: clearing must always
                    // succeed in signing the user out.
                    Err(_) => file_store::write(path, &[]),
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            SessionBackend::Keyring => keyring_store::clear(&cloud),
            #[cfg(target_arch = "wasm32")]
            SessionBackend::Keyring => Ok(()),
            SessionBackend::LocalStorage => web_store::clear(&cloud),
        }
    }
}

/// The same cloud spelled with or without a trailing slash is one cloud.
fn normalise(cloud: &str) -> String {
    cloud.trim().trim_end_matches('/').to_owned()
}
