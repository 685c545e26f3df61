//! The fallback where no keyring answers: a JSON list of sessions in a file only its
//! owner can read, replaced whole on every change so a crash never leaves half a file.

use std::path::Path;

use super::{SessionError, StoredSession};

fn file_error(path: &Path, e: impl std::fmt::Display) -> SessionError {
    SessionError::File {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

pub(super) fn read(path: &Path) -> Result<Vec<StoredSession>, SessionError> {
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
pub(super) fn write(path: &Path, sessions: &[StoredSession]) -> Result<(), SessionError> {
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
