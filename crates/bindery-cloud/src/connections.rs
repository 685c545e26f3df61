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
//! - a request's body and handling stay bounded by the router's request timeout.
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
use tokio::net::TcpListener;
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
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
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
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %address, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
