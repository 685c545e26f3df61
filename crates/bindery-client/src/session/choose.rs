//! Choosing where sessions are kept: the one decision of this module that depends on the
//! machine. An explicit file wins (`BINDERY_SESSION_FILE`, what QA scripts set); else the OS
//! keyring if it answers a probe; else a private file, with a warning the user sees. The web
//! build has one choice, `localStorage`.

#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;

#[cfg(not(target_arch = "wasm32"))]
use super::keyring_store;
use super::{SessionBackend, SessionStore};

impl SessionStore {
    /// The platform's store: `localStorage` on the web; elsewhere the file named by
    /// `BINDERY_SESSION_FILE` when set, else the OS keyring when one answers, else a file in
    /// the config directory (with [`SessionStore::fallback_warning`] saying why).
    pub fn open_default() -> SessionStore {
        #[cfg(target_arch = "wasm32")]
        {
            Self::with_backend(SessionBackend::LocalStorage, None)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            if let Some(path) = std::env::var_os("BINDERY_SESSION_FILE").filter(|p| !p.is_empty()) {
                return Self::file(PathBuf::from(path));
            }
            match keyring_store::probe() {
                Ok(()) => Self::with_backend(SessionBackend::Keyring, None),
                Err(why) => {
                    let path = default_file_path();
                    let warning = format!(
                        "No OS keyring is available ({why}); your session is kept in {} instead, readable only by you.",
                        path.display()
                    );
                    tracing::warn!("{warning}");
                    Self::with_backend(SessionBackend::File(path), Some(warning))
                }
            }
        }
    }

    /// Keeps sessions in `path` (created with mode 0600).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn file(path: PathBuf) -> SessionStore {
        Self::with_backend(SessionBackend::File(path), None)
    }

    /// The OS keyring, without probing or falling back (for tests of the keyring itself).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn keyring() -> SessionStore {
        Self::with_backend(SessionBackend::Keyring, None)
    }

    /// Keeps sessions for the life of this value only.
    pub fn memory() -> SessionStore {
        Self::with_backend(SessionBackend::Memory, None)
    }

    pub(super) fn with_backend(backend: SessionBackend, warning: Option<String>) -> SessionStore {
        SessionStore {
            backend,
            warning,
            memory: std::sync::Mutex::new(Vec::new()),
        }
    }
}

/// The fallback file: `<config dir>/bindery/session.json`.
#[cfg(not(target_arch = "wasm32"))]
pub fn default_file_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "bindery")
        .map(|dirs| dirs.config_dir().join("session.json"))
        .unwrap_or_else(|| std::env::temp_dir().join("bindery-session.json"))
}
