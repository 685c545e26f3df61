//! The preferred store: one OS keyring entry per cloud — service [`KEYRING_SERVICE`],
//! user the cloud's address, secret the session as JSON — and the probe that tells whether
//! a keyring answers at all.

use super::{SessionError, StoredSession, KEYRING_SERVICE};

fn entry(cloud: &str) -> Result<keyring::Entry, SessionError> {
    keyring::Entry::new(KEYRING_SERVICE, cloud).map_err(refused)
}

fn refused(e: keyring::Error) -> SessionError {
    SessionError::Keyring {
        detail: e.to_string(),
    }
}

/// Whether the keyring answers at all: a read of an entry that is not there.
pub(super) fn probe() -> Result<(), String> {
    if let Err(e) = keyring::Entry::store_status() {
        return Err(e.to_string());
    }
    match keyring::Entry::new(KEYRING_SERVICE, "bindery-probe").and_then(|e| e.get_password()) {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

pub(super) fn load(cloud: &str) -> Result<Option<StoredSession>, SessionError> {
    match entry(cloud)?.get_password() {
        Ok(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| SessionError::Damaged {
                location: format!("the OS keyring entry {KEYRING_SERVICE}/{cloud}"),
                detail: e.to_string(),
            }),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(refused(e)),
    }
}

pub(super) fn save(session: &StoredSession) -> Result<(), SessionError> {
    let json = serde_json::to_string(session).expect("session serialises");
    entry(&session.cloud)?.set_password(&json).map_err(refused)
}

pub(super) fn clear(cloud: &str) -> Result<(), SessionError> {
    match entry(cloud)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(refused(e)),
    }
}
