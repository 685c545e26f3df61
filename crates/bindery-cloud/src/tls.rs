//! HTTPS without a proxy (issue 15). Browsers give the camera only to secure pages, so a
//! phone on a LAN can scan in the web app only at an `https://` address: `serve --tls-cert
//! FILE --tls-key FILE` takes a certificate and key in PEM, and `serve --tls-self-signed`
//! makes a certificate for the address it listens on (plus `localhost` and the machine's own
//! addresses) the first time, keeps it, and serves the same one on every later start, so the
//! fingerprint QA checked on a phone stays the one the phone sees.
//!
//! rustls is the one sqlx and reqwest already link, on its `ring` provider. The handshake is
//! run by the accept loop in `connections.rs`, within its header timeout and connection cap.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ServerConfig};

use crate::links::Sha256Fingerprint;

/// The kept self-signed certificate's file, in its folder (PEM).
pub const SELF_SIGNED_CERT: &str = "self-signed-cert.pem";
/// The kept self-signed certificate's private key, in its folder (PEM, readable by its owner
/// only).
pub const SELF_SIGNED_KEY: &str = "self-signed-key.pem";

/// How long a made certificate is valid: Apple's devices refuse TLS server certificates valid
/// for longer than 825 days. After that a start makes a new one.
const VALID_DAYS: i64 = 825;

/// Why HTTPS cannot be set up; each names the file and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read the TLS {what} {file}: {source}")]
    Read {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The certificate file has no certificate in it.
    #[error("{file} holds no certificate: --tls-cert takes the server's certificate (its chain, leaf first) in PEM, the text starting with -----BEGIN CERTIFICATE-----")]
    NoCertificate {
        /// The file.
        file: PathBuf,
    },
    /// The key file has no private key in it.
    #[error("{file} holds no private key: --tls-key takes the certificate's key in PEM, the text starting with -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY)")]
    NoKey {
        /// The file.
        file: PathBuf,
    },
    /// The file looks like PEM but is broken.
    #[error("{file} is not valid PEM ({problem}): give the TLS {what} as the PEM text your certificate authority or tool wrote")]
    BadPem {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        file: PathBuf,
        /// What is broken.
        problem: String,
    },
    /// The certificate and key were read but cannot serve together.
    #[error("the key in {key} cannot serve the certificate in {cert} ({detail}): give the key that was made with that certificate")]
    Unusable {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason (the key does not match, an unsupported key type, a broken
        /// certificate).
        detail: String,
    },
    /// The self-signed certificate or its key could not be written.
    #[error("cannot write {file}: {source}; pass --tls-dir with a folder this user may write to")]
    Write {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// rcgen could not make the certificate.
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A server's TLS setup, ready for `serve_tls`.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The rustls configuration (HTTP/1.1 only, as the server speaks).
    pub config: Arc<ServerConfig>,
    /// The SHA-256 fingerprint of the certificate served (the first of the chain), as a
    /// browser's certificate viewer shows it.
    pub fingerprint: Sha256Fingerprint,
    /// The certificate file.
    pub cert_file: PathBuf,
    /// The key file.
    pub key_file: PathBuf,
    /// Where the certificate came from.
    pub origin: Origin,
}

/// Where a [`ServerTls`]'s certificate came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The operator's files.
    Files,
    /// Made now, for these names, because there was none.
    Made {
        /// The names (addresses and host names) it is valid for.
        names: Vec<String>,
    },
    /// Made now, for these names, in place of the kept one.
    Replaced {
        /// The names it is valid for.
        names: Vec<String>,
        /// Why the kept one could not serve on.
        why: String,
    },
    /// The one kept from an earlier start.
    Kept,
}

/// Reads a certificate chain and its key (PEM) from the operator's files.
pub fn from_files(cert_file: &Path, key_file: &Path) -> Result<ServerTls, TlsError> {
    load(cert_file, key_file, Origin::Files).map(|(tls, _)| tls)
}

/// The certificate kept in `dir` when it still serves `listen` (valid now and naming the
/// addresses it listens on), else a new one made for `listen` and kept there (the key file
/// readable by its owner only). `dir` is made when missing.
pub fn self_signed(dir: &Path, listen: SocketAddr) -> Result<ServerTls, TlsError> {
    let cert_file = dir.join(SELF_SIGNED_CERT);
    let key_file = dir.join(SELF_SIGNED_KEY);
    let why = match (cert_file.exists(), key_file.exists()) {
        (true, true) => {
            let (tls, leaf) = load(&cert_file, &key_file, Origin::Kept)?;
            make_private(&key_file)?;
            match still_serves(&leaf, &needed_addresses(listen)) {
                Ok(()) => return Ok(tls),
                Err(why) => Some(why),
            }
        }
        (false, false) => None,
        (true, false) => Some(format!("its key {} was missing", key_file.display())),
        (false, true) => Some(format!(
            "its certificate {} was missing",
            cert_file.display()
        )),
    };
    let names = names_for(listen);
    let (cert_pem, key_pem) = make(&names)?;
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        file: dir.to_owned(),
        source,
    })?;
    // The key first: a certificate is never kept without the key it was made with.
    write_file(&key_file, key_pem.as_bytes(), true)?;
    write_file(&cert_file, cert_pem.as_bytes(), false)?;
    let origin = match why {
        None => Origin::Made { names },
        Some(why) => Origin::Replaced { names, why },
    };
    load(&cert_file, &key_file, origin).map(|(tls, _)| tls)
}

/// Where `--tls-self-signed` keeps its certificate when no `--tls-dir` is given: the folder of
/// the archive key (beside a SQLite database, or the user's data folder for PostgreSQL).
pub fn default_dir(database_url: &str) -> PathBuf {
    let key_file = crate::seal::default_key_file(database_url);
    match key_file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The names a certificate made for `listen` is valid for: the address it listens on (or,
/// on every interface, the machine's addresses), `localhost` and the loopback addresses.
pub fn names_for(listen: SocketAddr) -> Vec<String> {
    let mut ips = Vec::new();
    if !listen.ip().is_unspecified() {
        ips.push(listen.ip());
    }
    ips.extend(crate::connections::machine_addresses());
    ips.extend([
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ]);
    let mut names: Vec<String> = Vec::new();
    for name in ips
        .iter()
        .map(ToString::to_string)
        .chain(std::iter::once("localhost".to_owned()))
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The addresses a kept certificate must still name to serve `listen` (always one, so its
/// dates are checked even where the machine has no network).
fn needed_addresses(listen: SocketAddr) -> Vec<IpAddr> {
    let mut ips = crate::connections::reachable_addresses(listen);
    if listen.ip().is_unspecified() {
        ips.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    ips
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads and checks both files; the setup and the certificate served.
fn load(
    cert_file: &Path,
    key_file: &Path,
    origin: Origin,
) -> Result<(ServerTls, CertificateDer<'static>), TlsError> {
    let read = |what, file: &Path| {
        std::fs::read(file).map_err(|source| TlsError::Read {
            what,
            file: file.to_owned(),
            source,
        })
    };
    let bad_pem = |what, file: &Path, error: pem::Error| TlsError::BadPem {
        what,
        file: file.to_owned(),
        problem: match error {
            pem::Error::MissingSectionEnd { .. } => "a section has no -----END line".to_owned(),
            pem::Error::IllegalSectionStart { .. } => "a -----BEGIN line is malformed".to_owned(),
            pem::Error::Base64Decode(_) => "a section's base64 text is broken".to_owned(),
            other => other.to_string(),
        },
    };
    let chain = CertificateDer::pem_slice_iter(&read("certificate", cert_file)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_pem("certificate", cert_file, e))?;
    let Some(leaf) = chain.first().cloned() else {
        return Err(TlsError::NoCertificate {
            file: cert_file.to_owned(),
        });
    };
    let key = match PrivateKeyDer::from_pem_slice(&read("key", key_file)?) {
        Ok(key) => key,
        Err(pem::Error::NoItemsFound) => {
            return Err(TlsError::NoKey {
                file: key_file.to_owned(),
            })
        }
        Err(e) => return Err(bad_pem("key", key_file, e)),
    };
    let unusable = |error: rustls::Error| TlsError::Unusable {
        cert: cert_file.to_owned(),
        key: key_file.to_owned(),
        detail: error.to_string(),
    };
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(unusable)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(unusable)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tls = ServerTls {
        config: Arc::new(config),
        fingerprint: Sha256Fingerprint::of(&leaf),
        cert_file: cert_file.to_owned(),
        key_file: key_file.to_owned(),
        origin,
    };
    Ok((tls, leaf))
}

/// Whether a kept self-signed certificate can still serve: a client that trusts it finds it
/// valid today for each of `addresses`. The error says why not.
fn still_serves(cert: &CertificateDer<'static>, addresses: &[IpAddr]) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(cert.clone())
        .map_err(|e| format!("it cannot be read as a certificate ({e})"))?;
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| format!("it cannot be checked ({e})"))?;
    let now = UnixTime::now();
    for ip in addresses {
        let name = ServerName::IpAddress((*ip).into());
        match verifier.verify_server_cert(cert, &[], &name, &[], now) {
            Ok(_) => {}
            Err(rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            )) => return Err("it has expired".to_owned()),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {
                return Err(format!(
                    "it does not name {ip}, an address this cloud now listens on"
                ))
            }
            Err(error) => return Err(format!("it no longer checks out ({error})")),
        }
    }
    Ok(())
}

/// A new ECDSA P-256 key and a certificate for `names` signed with it: PEM of both.
fn make(names: &[String]) -> Result<(String, String), TlsError> {
    let mut params = rcgen::CertificateParams::new(names.to_vec())?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Bindery cloud (self-signed)");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Bindery");
    let now = time::OffsetDateTime::now_utc();
    // A day back, so a phone whose clock runs a little behind accepts it at once.
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(VALID_DAYS - 1);
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Writes `file` whole or not at all (a temporary file renamed over it); `private`: readable
/// by its owner only.
fn write_file(file: &Path, bytes: &[u8], private: bool) -> Result<(), TlsError> {
    let failed = |source| TlsError::Write {
        file: file.to_owned(),
        source,
    };
    let name = file
        .file_name()
        .map_or_else(|| "tls".into(), |name| name.to_string_lossy().into_owned());
    let temporary = file.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options.open(&temporary).and_then(|mut out| {
        out.write_all(bytes)?;
        out.sync_all()
    });
    if let Err(source) = written.and_then(|()| std::fs::rename(&temporary, file)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(failed(source));
    }
    Ok(())
}

/// Makes a kept key file readable by its owner only, should it have been opened up since.
fn make_private(file: &Path) -> Result<(), TlsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let failed = |source| TlsError::Write {
            file: file.to_owned(),
            source,
        };
        let mode = std::fs::metadata(file)
            .map_err(failed)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            tracing::warn!(file = %file.display(), "the TLS key was readable by others; made it private (0600)");
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTEN: &str = "127.0.0.1:8443";

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let listen: SocketAddr = LISTEN.parse().unwrap();
        let made = self_signed(dir.path(), listen).unwrap();
        match &made.origin {
            Origin::Made { names } => {
                for name in ["127.0.0.1", "::1", "localhost"] {
                    assert!(names.contains(&name.to_owned()), "{names:?}");
                }
            }
            other => panic!("{other:?}"),
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SELF_SIGNED_KEY))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let kept = self_signed(dir.path(), listen).unwrap();
        assert_eq!(kept.origin, Origin::Kept);
        assert_eq!(kept.fingerprint, made.fingerprint);

        // Listening on an address the kept one does not name makes a new one.
        let elsewhere: SocketAddr = "192.0.2.10:8443".parse().unwrap();
        let replaced = self_signed(dir.path(), elsewhere).unwrap();
        match &replaced.origin {
            Origin::Replaced { names, why } => {
                assert!(names.contains(&"192.0.2.10".to_owned()), "{names:?}");
                assert!(why.contains("does not name 192.0.2.10"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert_ne!(replaced.fingerprint, made.fingerprint);
    }

    #[test]
    fn a_kept_certificate_without_its_key_is_made_again() {
        let dir = tempfile::tempdir().unwrap();
        let listen: SocketAddr = LISTEN.parse().unwrap();
        self_signed(dir.path(), listen).unwrap();
        std::fs::remove_file(dir.path().join(SELF_SIGNED_KEY)).unwrap();
        let again = self_signed(dir.path(), listen).unwrap();
        assert!(
            matches!(&again.origin, Origin::Replaced { why, .. } if why.contains("key")),
            "{:?}",
            again.origin
        );
    }

    /// Each kind of bad file is refused naming the file and what it should hold.
    #[test]
    fn bad_files_are_refused_saying_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let good = self_signed(dir.path(), LISTEN.parse().unwrap()).unwrap();
        let other = tempfile::tempdir().unwrap();
        let other = self_signed(other.path(), LISTEN.parse().unwrap()).unwrap();
        let cert_pem = std::fs::read_to_string(&good.cert_file).unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let missing = dir.path().join("missing.pem");
        let empty = write("empty.pem", "");
        let der = write("binary.der", "\u{30}\u{82}\u{1}\u{a}not pem");
        let truncated = write(
            "truncated.pem",
            &cert_pem[..cert_pem.find("-----END").unwrap()],
        );
        let garbled = write(
            "garbled.pem",
            "-----BEGIN CERTIFICATE-----\n@@@not base64@@@\n-----END CERTIFICATE-----\n",
        );
        let cases: [(&Path, &Path, &str, &str); 7] = [
            (
                &missing,
                &good.key_file,
                "missing.pem",
                "cannot read the TLS certificate",
            ),
            (
                &good.cert_file,
                &missing,
                "missing.pem",
                "cannot read the TLS key",
            ),
            (&empty, &good.key_file, "empty.pem", "holds no certificate"),
            (&der, &good.key_file, "binary.der", "holds no certificate"),
            // The two files given the wrong way round.
            (
                &good.cert_file,
                &good.cert_file,
                SELF_SIGNED_CERT,
                "holds no private key",
            ),
            (
                &truncated,
                &good.key_file,
                "truncated.pem",
                "no -----END line",
            ),
            (
                &good.cert_file,
                &other.key_file,
                SELF_SIGNED_KEY,
                "cannot serve the certificate",
            ),
        ];
        for (cert, key, names, says) in cases {
            let error = from_files(cert, key).unwrap_err().to_string();
            assert!(error.contains(names), "{cert:?} {key:?}: {error}");
            assert!(error.contains(says), "{cert:?} {key:?}: {error}");
        }
        let error = from_files(&garbled, &good.key_file).unwrap_err();
        assert!(
            matches!(&error, TlsError::BadPem { file, .. } if file == &garbled),
            "{error}"
        );
        assert!(from_files(&good.cert_file, &good.key_file).is_ok());
    }

    #[test]
    fn the_default_folder_is_the_databases() {
        let cases = [
            ("sqlite:///srv/bindery/cloud.sqlite3", "/srv/bindery"),
            ("sqlite://cloud.sqlite3?mode=rwc", "."),
        ];
        for (url, dir) in cases {
            assert_eq!(default_dir(url), PathBuf::from(dir), "{url}");
        }
        assert!(default_dir("postgres://db/bindery").ends_with(".local/share/bindery"));
    }
}
