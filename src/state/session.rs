//! Where the signed-in session is kept between runs. The flow only needs load / save / clear
//! per cloud, so it talks to this one trait; the platform decides the store (the OS keyring,
//! a private file, the browser's localStorage, or memory in tests).

use std::collections::HashMap;
use std::sync::Mutex;

/// A session as kept between runs (one per cloud address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSession {
    /// The cloud the session belongs to, as
    /// [`Cloud::session_key`](crate::state::Cloud::session_key) gives it: the cloud's URL, or
    /// `sandbox` for the sandbox.
    pub cloud: String,
    /// The token the cloud issued at sign-in, sent as `Authorization: Bearer`; a secret.
    pub token: String,
    /// The account's id on that cloud.
    pub uid: String,
    /// The address the account signs in with, lower-cased.
    pub email: String,
    /// When the token stops working, as RFC 3339 text (30 days after sign-in).
    pub expires_at: String,
}

/// A place that keeps sessions. Errors are sentences for the user (the store says why).
pub trait SessionKeeper: Send + Sync {
    /// The session kept for `cloud` (a session key, as in [`SavedSession::cloud`]), expired
    /// or not; `Ok(None)` when none is kept.
    fn load(&self, cloud: &str) -> Result<Option<SavedSession>, String>;
    /// Keeps `session`, replacing the one kept for the same cloud.
    fn save(&self, session: &SavedSession) -> Result<(), String>;
    /// Forgets the session kept for `cloud` (signing out); none kept is no error.
    fn clear(&self, cloud: &str) -> Result<(), String>;
    /// Where sessions are kept, in words ("the system keyring", a file path, "memory").
    fn kept_in(&self) -> String;
    /// Set when the store is a fallback the user should know about (no keyring here).
    fn warning(&self) -> Option<String>;
}

/// Sessions kept in memory only: tests, and platforms without any store.
#[derive(Debug, Default)]
pub struct MemorySessions(Mutex<HashMap<String, SavedSession>>);

impl SessionKeeper for MemorySessions {
    fn load(&self, cloud: &str) -> Result<Option<SavedSession>, String> {
        Ok(self.0.lock().expect("not poisoned").get(cloud).cloned())
    }

    fn save(&self, session: &SavedSession) -> Result<(), String> {
        self.0
            .lock()
            .expect("not poisoned")
            .insert(session.cloud.clone(), session.clone());
        Ok(())
    }

    fn clear(&self, cloud: &str) -> Result<(), String> {
        self.0.lock().expect("not poisoned").remove(cloud);
        Ok(())
    }

    fn kept_in(&self) -> String {
        "memory (until the app closes)".to_owned()
    }

    fn warning(&self) -> Option<String> {
        None
    }
}
