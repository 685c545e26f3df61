//! What the user chose in Settings and expects to find again next time: the language and the
//! cloud. The desktop keeps them in a small JSON file next to the session file, the web build
//! in `localStorage`. A missing or damaged record means the defaults, never a failed start;
//! command-line flags still win over it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::Model;
use crate::lang::Lang;

/// The remembered choices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Preferences {
    /// The language, as its tag (`en`, `zh-CN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// A cloud the user pointed the app at; `None` is the default (the sandbox on
    /// desktop, the serving cloud on the web).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
}

impl Preferences {
    /// The choices the model holds now.
    pub fn of(model: &Model) -> Preferences {
        Preferences {
            lang: Some(model.lang.tag().to_owned()),
            cloud: (!model.cloud.sandbox).then(|| model.cloud.url.clone()),
        }
    }

    /// The remembered language, if it is one the app speaks.
    pub fn lang(&self) -> Option<Lang> {
        self.lang.as_deref().and_then(Lang::from_tag)
    }
}

/// Preferences in a JSON file, written whole (to a temporary file, then renamed) and only
/// when they changed.
#[derive(Debug)]
pub struct PreferencesFile {
    path: PathBuf,
    saved: Mutex<Option<Preferences>>,
}

impl PreferencesFile {
    /// The preferences kept in the file at `path`; nothing is read until
    /// [`PreferencesFile::load`].
    pub fn new(path: impl Into<PathBuf>) -> PreferencesFile {
        PreferencesFile {
            path: path.into(),
            saved: Mutex::new(None),
        }
    }

    /// The file's path, for messages about it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The remembered preferences; the defaults when there are none or the file is damaged
    /// (which is logged: the next save replaces it).
    pub fn load(&self) -> Preferences {
        let loaded = match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(file = %self.path.display(), %error, "damaged settings file; using the defaults");
                Preferences::default()
            }),
            Err(_) => Preferences::default(),
        };
        *self.saved.lock().expect("not poisoned") = Some(loaded.clone());
        loaded
    }

    /// Writes `preferences` unless they are what the file already holds.
    pub fn save(&self, preferences: &Preferences) -> std::io::Result<()> {
        let mut saved = self.saved.lock().expect("not poisoned");
        if saved.as_ref() == Some(preferences) {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec_pretty(preferences).map_err(std::io::Error::other)?;
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, json)?;
        std::fs::rename(&temporary, &self.path)?;
        *saved = Some(preferences.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_survive_a_restart_and_a_damaged_file_means_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/settings.json");
        let chosen = Preferences {
            lang: Some("zh-CN".into()),
            cloud: Some("https://cloud.example.com".into()),
        };
        assert_eq!(PreferencesFile::new(&path).load(), Preferences::default());
        PreferencesFile::new(&path).save(&chosen).unwrap();
        let again = PreferencesFile::new(&path).load();
        assert_eq!(again, chosen);
        assert_eq!(again.lang(), Some(Lang::ZhCn));

        for damaged in ["{", "\u{0}\u{1}", "{\"lang\": 7}", "{\"cloud\": [\"a\"]}"] {
            std::fs::write(&path, damaged).unwrap();
            assert_eq!(
                PreferencesFile::new(&path).load(),
                Preferences::default(),
                "{damaged:?}"
            );
        }
    }

    #[test]
    fn unchanged_preferences_are_not_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let file = PreferencesFile::new(&path);
        let chosen = Preferences {
            lang: Some("en".into()),
            cloud: None,
        };
        file.save(&chosen).unwrap();
        std::fs::remove_file(&path).unwrap();
        file.save(&chosen).unwrap();
        assert!(!path.exists(), "the same choice twice is one write");
        file.save(&Preferences::default()).unwrap();
        assert!(path.exists());
    }

    #[test]
    fn an_unwritable_place_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        std::fs::write(&blocker, "").unwrap();
        let file = PreferencesFile::new(blocker.join("settings.json"));
        assert!(file.save(&Preferences::default()).is_err());
    }
}
