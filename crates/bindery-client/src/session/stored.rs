//! What a session store keeps and says: the stored session itself, where it is kept, and
//! why it could not be kept. Shared by every store, so the app and the CLI handle one
//! error type whatever the machine chose.

use serde::{Deserialize, Serialize};
#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;

/// What is kept for one signed-in cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    /// The cloud's address, as given to [`crate::Client::new`] (trailing `/` removed).
    pub cloud: String,
    /// The session token (a bearer secret).
    pub token: String,
    /// The account's id.
    pub uid: String,
    /// The account's email, shown as who is signed in.
    pub email: String,
    /// RFC 3339, as the cloud sent it.
    pub expires_at: String,
}

/// Where sessions are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionBackend {
    /// The OS keyring.
    Keyring,
    /// A file readable only by the user (mode 0600 on Unix).
    #[cfg(not(target_arch = "wasm32"))]
    File(PathBuf),
    /// The browser's `localStorage` (web build).
    LocalStorage,
    /// Nowhere: forgotten when the process ends (tests, `--no-save`).
    Memory,
}

impl std::fmt::Display for SessionBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionBackend::Keyring => f.write_str("the OS keyring"),
            #[cfg(not(target_arch = "wasm32"))]
            SessionBackend::File(path) => write!(f, "the file {}", path.display()),
            SessionBackend::LocalStorage => f.write_str("the browser's local storage"),
            SessionBackend::Memory => f.write_str("memory only (not kept after exit)"),
        }
    }
}

/// Why a session could not be read or kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The OS keyring answered, but refused to read or keep the session (locked, denied).
    #[error("the OS keyring refused the session ({detail}); unlock the keyring, or set BINDERY_SESSION_FILE to keep the session in a file")]
    Keyring {
        /// The keyring's own words.
        detail: String,
    },
    /// The session file could not be read or written.
    #[error("could not use the session file {path} ({detail}); check that its folder is writable and the file belongs to you")]
    File {
        /// The file.
        path: String,
        /// What the file system said.
        detail: String,
    },
    /// What was kept is not a session any more (edited by hand, cut short, an old format).
    #[error("the saved session in {location} is damaged ({detail}); sign in again to replace it")]
    Damaged {
        /// Where it was kept: a file, a keyring entry or local storage.
        location: String,
        /// Why it could not be read.
        detail: String,
    },
    /// The browser refused `localStorage` (web build).
    #[error("the browser refused local storage ({detail}); allow site data for this page, then sign in again")]
    Browser {
        /// The browser's own words.
        detail: String,
    },
}
