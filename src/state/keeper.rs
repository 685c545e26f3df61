//! The client's [`SessionStore`] (OS keyring, a private file, localStorage) as the flow's
//! [`SessionKeeper`].

use bindery_client::session::{SessionStore, StoredSession};

use super::session::{SavedSession, SessionKeeper};

fn saved(s: StoredSession) -> SavedSession {
    SavedSession {
        cloud: s.cloud,
        token: s.token,
        uid: s.uid,
        email: s.email,
        expires_at: s.expires_at,
    }
}

impl SessionKeeper for SessionStore {
    fn load(&self, cloud: &str) -> Result<Option<SavedSession>, String> {
        SessionStore::load(self, cloud)
            .map(|found| found.map(saved))
            .map_err(|e| e.to_string())
    }

    fn save(&self, session: &SavedSession) -> Result<(), String> {
        SessionStore::save(
            self,
            &StoredSession {
                cloud: session.cloud.clone(),
                token: session.token.clone(),
                uid: session.uid.clone(),
                email: session.email.clone(),
                expires_at: session.expires_at.clone(),
            },
        )
        .map_err(|e| e.to_string())
    }

    fn clear(&self, cloud: &str) -> Result<(), String> {
        SessionStore::clear(self, cloud).map_err(|e| e.to_string())
    }

    fn kept_in(&self) -> String {
        self.backend().to_string()
    }

    fn warning(&self) -> Option<String> {
        self.fallback_warning().map(str::to_owned)
    }
}
