//! Label archives sealed at rest, with a key that does not live in the database.
//!
//! A batch's or task's archive holds every bind code of its labels (in `sn_list.csv` and in
//! the QR images), and makers download it again later, so it is kept. Kept in clear beside the
//! bind-code HMAC key, a copy of the database alone gave away every label. Archives are
//! therefore stored sealed (ChaCha20-Poly1305, a random nonce each) with a key from outside
//! the database: `BINDERY_ARCHIVE_KEY` (64 hex digits) or a key file readable only by its
//! owner, next to a SQLite database or in the user's data directory for PostgreSQL. Archives
//! stored before sealing existed are recognised by their zip header and served as they are.

use std::path::{Path, PathBuf};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};

/// What a sealed archive starts with.
const MAGIC: &[u8] = b"BINDERY-SEALED-1\n";

/// Why an archive key could not be had, or an archive not opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// `BINDERY_ARCHIVE_KEY` or the key file does not hold 64 hex digits.
    #[error("the archive key {0} is not 64 hex digits")]
    BadKey(String),
    /// The key file could not be read or made.
    #[error("the archive key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The archive was sealed with another key (or is damaged).
    #[error(
        "the archive was sealed with another archive key: give this process the key the others use"
    )]
    WrongKey,
}

/// The key archives are sealed with, and the key download links are signed with (derived
/// from it, so a link cannot be forged from a copy of the database alone either).
pub struct ArchiveKey {
    sealing: LessSafeKey,
    links: ring::hmac::Key,
}

impl std::fmt::Debug for ArchiveKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArchiveKey(…)")
    }
}

impl ArchiveKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> ArchiveKey {
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes).expect("32 bytes is the key size");
        let derive = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes);
        let link_bytes = ring::hmac::sign(&derive, b"bindery download links v1");
        ArchiveKey {
            sealing: LessSafeKey::new(key),
            links: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, link_bytes.as_ref()),
        }
    }

    /// A key from 64 hex digits; `what` names where they came from, for the error.
    pub fn from_hex(hex_digits: &str, what: &str) -> Result<ArchiveKey, SealError> {
        let bytes = hex::decode(hex_digits.trim()).map_err(|_| SealError::BadKey(what.into()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SealError::BadKey(what.into()))?;
        Ok(ArchiveKey::from_bytes(&bytes))
    }

    /// The key in `path`, made (random, mode 0600) when the file does not exist yet.
    pub fn from_file(path: &Path) -> Result<ArchiveKey, SealError> {
        let io = |source| SealError::KeyFile {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return ArchiveKey::from_hex(&text, &path.display().to_string()),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            Err(_) => {}
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| io(std::io::Error::other(e)))?;
        match crate::db::create_private_file(path) {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, hex::encode(bytes).as_bytes()).map_err(io)?;
                Ok(ArchiveKey::from_bytes(&bytes))
            }
            // Another process made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path).map_err(io)?;
                ArchiveKey::from_hex(&text, &path.display().to_string())
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The key [`crate::downloads`] signs links with.
    pub(crate) fn link_key(&self) -> &ring::hmac::Key {
        &self.links
    }

    /// `archive` sealed: the marker, a random nonce, then the ciphertext and its tag. Sealed
    /// where it will be stored: a full batch's archive is tens of MB, and every extra copy
    /// was that much more memory per batch made.
    pub fn seal(&self, archive: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source is available");
        let header = MAGIC.len() + NONCE_LEN;
        let mut sealed = Vec::with_capacity(header + archive.len() + CHACHA20_POLY1305.tag_len());
        sealed.extend_from_slice(MAGIC);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(archive);
        let tag = self
            .sealing
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut sealed[header..],
            )
            .expect("an archive is far below ChaCha20-Poly1305's size limit");
        sealed.extend_from_slice(tag.as_ref());
        sealed
    }

    /// The archive `stored` holds: opened when sealed, as it is when stored before sealing.
    /// Opened in `stored`'s own memory, for the same reason as [`ArchiveKey::seal`].
    pub fn open(&self, mut stored: Vec<u8>) -> Result<Vec<u8>, SealError> {
        if !stored.starts_with(MAGIC) {
            return Ok(stored);
        }
        let header = MAGIC.len() + NONCE_LEN;
        if stored.len() < header {
            return Err(SealError::WrongKey);
        }
        let nonce = Nonce::try_assume_unique_for_key(&stored[MAGIC.len()..header])
            .map_err(|_| SealError::WrongKey)?;
        let plain = self
            .sealing
            .open_in_place(nonce, Aad::empty(), &mut stored[header..])
            .map_err(|_| SealError::WrongKey)?
            .len();
        stored.drain(..header);
        stored.truncate(plain);
        Ok(stored)
    }
}

/// Where the archive key file of a database is kept when none is given: beside a SQLite file,
/// in the user's data directory for PostgreSQL (every process of one cloud needs the same).
pub fn default_key_file(database_url: &str) -> PathBuf {
    if let Some(rest) = database_url.strip_prefix("sqlite:") {
        let path = rest
            .trim_start_matches("//")
            .split('?')
            .next()
            .unwrap_or_default();
        if !path.is_empty() && path != ":memory:" {
            return PathBuf::from(format!("{path}.archive-key"));
        }
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".local/share/bindery/archive.key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_archives_open_with_their_key_only() {
        let key = ArchiveKey::from_bytes(&[7; 32]);
        let archive = b"PK\x03\x04 sn_list.csv with bind codes".to_vec();
        let sealed = key.seal(&archive);
        assert!(sealed.starts_with(MAGIC));
        assert!(
            !sealed.windows(9).any(|w| w == b"bind code"),
            "sealed text is not readable"
        );
        assert_eq!(key.open(sealed.clone()).unwrap(), archive);
        // The layout archives were stored in before sealing worked in place: marker, nonce,
        // ciphertext, tag.
        assert_eq!(sealed.len(), MAGIC.len() + NONCE_LEN + archive.len() + 16);
        // Cut short or changed, it does not open.
        assert!(matches!(
            key.open(sealed[..MAGIC.len() + 4].to_vec()),
            Err(SealError::WrongKey)
        ));
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(matches!(key.open(changed), Err(SealError::WrongKey)));
        let other = ArchiveKey::from_bytes(&[8; 32]);
        assert!(matches!(other.open(sealed), Err(SealError::WrongKey)));
        // An archive stored before sealing is served as it is.
        assert_eq!(key.open(archive.clone()).unwrap(), archive);
    }

    #[test]
    fn a_key_file_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/archive.key");
        let first = ArchiveKey::from_file(&path).unwrap();
        let second = ArchiveKey::from_file(&path).unwrap();
        assert_eq!(second.open(first.seal(b"x")).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(
            ArchiveKey::from_file(&path),
            Err(SealError::BadKey(_))
        ));
    }
}
