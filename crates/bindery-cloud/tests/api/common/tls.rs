//! Clients for a cloud served over HTTPS with a self-signed certificate: reqwest (rustls) and
//! a bare tokio-rustls connection that shows the certificate the server presented.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// reqwest trusting only the certificate in `cert_file` (PEM): no redirects followed and
/// nothing decompressed, so answers are seen as sent.
pub fn https_client(cert_file: &Path) -> reqwest::Client {
    let pem = std::fs::read(cert_file).expect("read the certificate");
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("a PEM certificate"))
        .tls_built_in_root_certs(false)
        .https_only(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client")
}

/// What a handshake with the server showed, and the answer to one plain GET over it.
pub struct Handshake {
    /// The certificate the server presented (DER).
    pub certificate: Vec<u8>,
    /// The protocol agreed by ALPN.
    pub alpn: Option<Vec<u8>>,
    /// The raw HTTP answer to the GET.
    pub answer: String,
}

/// Connects to `address` (`127.0.0.1:port`) with rustls trusting `cert_file`, offering h2
/// and HTTP/1.1, and sends `GET path` over the connection.
pub async fn handshake(address: &str, cert_file: &Path, path: &str) -> Handshake {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_file).expect("read the certificate") {
        roots.add(cert.expect("a certificate")).expect("a root");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let host = address.rsplit_once(':').expect("host:port").0.to_owned();
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(host).expect("a server name"), tcp)
        .await
        .expect("a TLS handshake");
    let (_, connection) = tls.get_ref();
    let certificate = connection.peer_certificates().expect("a certificate")[0].to_vec();
    let alpn = connection.alpn_protocol().map(<[u8]>::to_vec);
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .expect("send");
    let mut answer = Vec::new();
    // A server may end the connection without TLS's close_notify; what was read counts.
    let _ = tls.read_to_end(&mut answer).await;
    Handshake {
        certificate,
        alpn,
        answer: String::from_utf8_lossy(&answer).into_owned(),
    }
}
