//! Where the signed-in session is kept between runs. The flow only needs load / save / clear
//! per cloud, so it talks to this one trait; the platform decides the store (the OS keyring,
//! a private file, the browser's localStorage, or memory in tests).

use std::collections::HashMap;
use std::sync::Mutex;

/// A session as kept between runs (one per cloud address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSession {
    pub cloud: String,
    pub token: String,
    pub uid: String,
    pub email: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// A place that keeps sessions. Errors are sentences for the user (the store says why).
pub trait SessionKeeper: Send + Sync {
    fn load(&self, cloud: &str) -> Result<Option<SavedSession>, String>;
    fn save(&self, session: &SavedSession) -> Result<(), String>;
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
