//! Holding connections within limits, so slow or idle clients cannot use the server up.
//!
//! `axum::serve` keeps a connection for as long as its client likes: 3,000 half-sent requests
//! were all still held after 70 s, and near the file-descriptor limit accepts started to
//! fail for everyone. This accept loop serves HTTP/1.1 with hyper directly so that:
//! - a client has [`ConnectionLimits::header_timeout`] to send a request's headers, and a
//!   kept-alive connection that sends nothing for as long is closed (hyper starts that timer
//!   whenever it waits for a request head, so one setting covers both);
//! - at most [`ConnectionLimits::max_connections`] connections are held; the next client
//!   waits in the kernel's listen queue instead of costing a descriptor;
//! - a request's body and handling stay bounded by the router's request timeout;
//! - over TLS ([`serve_tls`]), the handshake is one more step within the header timeout and
//!   the connection cap, so a client that opens a connection and never finishes its
//!   handshake is dropped like one that never finishes its headers.
//!
//! Shutting down stops accepting, lets requests in flight finish and closes idle
//! connections.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How many connections the server holds and how long it waits on a quiet client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Longest a client may take to send a request's headers, and longest a kept-alive
    /// connection may stay silent between requests.
    pub header_timeout: Duration,
    /// Connections held at once; further clients wait to be accepted.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            // Well under the usual 1,024 descriptors of a process's soft limit, leaving room
            // for the database, files and the runtime.
            max_connections: 768,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight. Each request carries its client's address as [`ConnectInfo<SocketAddr>`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, limits, Plain, shutdown).await
}

/// [`serve`] over TLS with `config`. The handshake is held to the same limits as a request's
/// headers: it takes one of the [`ConnectionLimits::max_connections`] places, and a client
/// that has not finished it within [`ConnectionLimits::header_timeout`] is dropped.
#[cfg(feature = "tls")]
pub async fn serve_tls(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    config: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    serve_with(listener, app, limits, acceptor, shutdown).await
}

/// What turns an accepted TCP stream into the byte stream HTTP is read from.
trait Handshake: Clone + Send + Sync + 'static {
    /// The stream HTTP runs on.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// Runs the handshake (nothing, for plain HTTP).
    fn handshake(
        &self,
        stream: TcpStream,
    ) -> impl Future<Output = std::io::Result<Self::Io>> + Send;
}

/// Plain HTTP: the TCP stream as it is.
#[derive(Clone, Copy)]
struct Plain;

impl Handshake for Plain {
    type Io = TcpStream;
    async fn handshake(&self, stream: TcpStream) -> std::io::Result<TcpStream> {
        Ok(stream)
    }
}

#[cfg(feature = "tls")]
impl Handshake for tokio_rustls::TlsAcceptor {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    async fn handshake(&self, stream: TcpStream) -> std::io::Result<Self::Io> {
        self.accept(stream).await
    }
}

async fn serve_with(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    transport: impl Handshake,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    // Handshakes still running when the server stops are cut short; connections past
    // theirs are closed gracefully.
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or memory, or a connection reset before it was
                    // accepted: none of these is the listener's end, and retrying at once
                    // would spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(address));
            app.clone().oneshot(request)
        });
        let watcher = graceful.watcher();
        let mut stopped = stopped.clone();
        let transport = transport.clone();
        let http = http.clone();
        tokio::spawn(async move {
            let handshake =
                tokio::time::timeout(limits.header_timeout, transport.handshake(stream));
            let io = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(io)) => io,
                    Ok(Err(error)) => {
                        tracing::debug!(%error, %address, "handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%address, "handshake not finished in time");
                        return;
                    }
                },
                _ = stopped.wait_for(|stopped| *stopped) => return,
            };
            let connection = watcher.watch(http.serve_connection(TokioIo::new(io), service));
            if let Err(error) = connection.await {
                tracing::debug!(%error, %address, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    graceful.shutdown().await;
    Ok(())
}

/// The machine's own addresses that other devices on its networks may reach it at: for each
/// of IPv4 and IPv6, the one the system would send from to the wider network (found without
/// sending anything). Empty when there is no such route.
pub fn machine_addresses() -> Vec<std::net::IpAddr> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};
    // Documentation addresses (RFC 5737, RFC 3849): a route is looked up, nothing is sent.
    let probes = [
        (
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        ),
        (
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        ),
    ];
    probes
        .into_iter()
        .filter_map(|(any, far)| {
            let socket = UdpSocket::bind((any, 0)).ok()?;
            socket.connect((far, 9)).ok()?;
            let ip = socket.local_addr().ok()?.ip();
            (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
        })
        .collect()
}

/// The addresses other devices reach a server listening on `listen` at: that address, or for
/// a listener on every interface the machine's addresses of its family (`[::]` takes IPv4 as
/// well, as Linux's dual-stack sockets do).
pub fn reachable_addresses(listen: std::net::SocketAddr) -> Vec<std::net::IpAddr> {
    if !listen.ip().is_unspecified() {
        return vec![listen.ip()];
    }
    machine_addresses()
        .into_iter()
        .filter(|ip| listen.is_ipv6() || ip.is_ipv4())
        .collect()
}
