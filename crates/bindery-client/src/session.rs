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

use serde::{Deserialize, Serialize};
#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};

/// The service name the keyring entries are filed under.
pub const KEYRING_SERVICE: &str = "bindery";

/// What is kept for one signed-in cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    /// The cloud's address, as given to [`crate::Client::new`] (trailing `/` removed).
    pub cloud: String,
    pub token: String,
    pub uid: String,
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
    #[error("the OS keyring refused the session ({detail}); unlock the keyring, or set BINDERY_SESSION_FILE to keep the session in a file")]
    Keyring { detail: String },
    #[error("could not use the session file {path} ({detail}); check that its folder is writable and the file belongs to you")]
    File { path: String, detail: String },
    #[error("the saved session in {location} is damaged ({detail}); sign in again to replace it")]
    Damaged { location: String, detail: String },
    #[error("the browser refused local storage ({detail}); allow site data for this page, then sign in again")]
    Browser { detail: String },
}

/// The session store of the app and the CLI.
#[derive(Debug)]
pub struct SessionStore {
    backend: SessionBackend,
    warning: Option<String>,
    memory: std::sync::Mutex<Vec<StoredSession>>,
}

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

    fn with_backend(backend: SessionBackend, warning: Option<String>) -> SessionStore {
        SessionStore {
            backend,
            warning,
            memory: std::sync::Mutex::new(Vec::new()),
        }
    }

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

/// The fallback file: `<config dir>/bindery/session.json`.
#[cfg(not(target_arch = "wasm32"))]
pub fn default_file_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "bindery")
        .map(|dirs| dirs.config_dir().join("session.json"))
        .unwrap_or_else(|| std::env::temp_dir().join("bindery-session.json"))
}

#[cfg(not(target_arch = "wasm32"))]
mod file_store {
    //! A JSON list of sessions in a file only its owner can read.

    use super::{Path, SessionError, StoredSession};

    fn file_error(path: &Path, e: impl std::fmt::Display) -> SessionError {
        SessionError::File {
            path: path.display().to_string(),
            detail: e.to_string(),
        }
    }

    pub fn read(path: &Path) -> Result<Vec<StoredSession>, SessionError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SessionError::Damaged {
                location: path.display().to_string(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(file_error(path, e)),
        }
    }

    /// Writes a temporary file next to `path` and renames it over, so a crash mid-write
    /// never leaves half a file; the file is created 0600, never widened afterwards.
    pub fn write(path: &Path, sessions: &[StoredSession]) -> Result<(), SessionError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| file_error(path, e))?;
        }
        let json = serde_json::to_vec_pretty(sessions).expect("sessions serialise");
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let result = (|| {
            use std::io::Write;
            let mut file = options.open(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(|e| file_error(path, e))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod keyring_store {
    //! One keyring entry per cloud: service [`KEYRING_SERVICE`], user the cloud's address,
    //! secret the session as JSON.

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
    pub fn probe() -> Result<(), String> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(e.to_string());
        }
        match keyring::Entry::new(KEYRING_SERVICE, "bindery-probe").and_then(|e| e.get_password()) {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn load(cloud: &str) -> Result<Option<StoredSession>, SessionError> {
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

    pub fn save(session: &StoredSession) -> Result<(), SessionError> {
        let json = serde_json::to_string(session).expect("session serialises");
        entry(&session.cloud)?.set_password(&json).map_err(refused)
    }

    pub fn clear(cloud: &str) -> Result<(), SessionError> {
        match entry(cloud)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(refused(e)),
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod web_store {
    //! One `localStorage` item per cloud, `bindery.session.<cloud>`.

    use super::{SessionError, StoredSession};

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
mod web_store {
    //! `localStorage` exists only in the browser.

    use super::{SessionError, StoredSession};

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

#[cfg(test)]
mod tests {
    use super::*;

    fn session(cloud: &str, token: &str) -> StoredSession {
        StoredSession {
            cloud: cloud.to_owned(),
            token: token.to_owned(),
            uid: "u1".to_owned(),
            email: "a@example.com".to_owned(),
            expires_at: "2030-01-01T00:00:00Z".to_owned(),
        }
    }

    fn round_trip(store: &SessionStore) {
        assert_eq!(store.load("http://a.test").unwrap(), None);
        store.save(&session("http://a.test/", "t1")).unwrap();
        store.save(&session("http://b.test", "t2")).unwrap();
        assert_eq!(
            store.load("http://a.test").unwrap(),
            Some(session("http://a.test", "t1")),
            "a trailing slash names the same cloud"
        );
        store.save(&session("http://a.test", "t3")).unwrap();
        assert_eq!(store.load("http://a.test").unwrap().unwrap().token, "t3");
        store.clear("http://a.test").unwrap();
        assert_eq!(store.load("http://a.test").unwrap(), None);
        assert_eq!(store.load("http://b.test").unwrap().unwrap().token, "t2");
        store.clear("http://a.test").unwrap();
    }

    #[test]
    fn memory_store_keeps_one_session_per_cloud() {
        round_trip(&SessionStore::memory());
    }

    #[test]
    fn file_store_keeps_sessions_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/session.json");
        let store = SessionStore::file(path.clone());
        round_trip(&store);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "only the owner may read the token");
        }
        // A second store on the same file (the next run) sees what the first kept.
        let again = SessionStore::file(path);
        assert_eq!(again.load("http://b.test").unwrap().unwrap().token, "t2");
    }

    #[test]
    fn a_damaged_file_is_reported_and_sign_out_still_works() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.json");
        std::fs::write(&path, b"{not json").unwrap();
        let store = SessionStore::file(path.clone());
        assert!(matches!(
            store.load("http://a.test"),
            Err(SessionError::Damaged { .. })
        ));
        store.clear("http://a.test").unwrap();
        assert_eq!(store.load("http://a.test").unwrap(), None);
        store.save(&session("http://a.test", "t1")).unwrap();
        assert_eq!(store.load("http://a.test").unwrap().unwrap().token, "t1");
    }

    #[test]
    fn an_unwritable_file_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: nothing can be written there.
        let path = dir.path().join("session.json");
        std::fs::create_dir(&path).unwrap();
        let store = SessionStore::file(path.clone());
        let err = store.save(&session("http://a.test", "t1")).unwrap_err();
        assert!(
            matches!(&err, SessionError::File { path: p, .. } if p == &path.display().to_string()),
            "{err:?}"
        );
    }
}
