//! Bindery's cloud (docs/product.md §4 and §5): accounts, the Developer Center, the bind API,
//! Gizwits-compatible QR tasks and the support view, over SQLite or PostgreSQL.
//!
//! Each feature is a module that owns its routes; [`app`] joins them under the shared
//! middleware (request id, tracing, body limits, timeout, §4 error bodies) and [`serve`] runs
//! the result until SIGTERM or Ctrl-C. All state lives in the database, so any number of
//! processes can serve one PostgreSQL database.
//!
//! # Features
//!
//! A build links only the parts it names (all of them by default):
//!
//! | feature | adds |
//! |---|---|
//! | `sqlite` | `sqlite://` databases, the embedded default |
//! | `postgres` | `postgres://` databases (and TLS to them); without it such a URL is refused with [`db::DbError::NotBuiltIn`] |
//! | `xlsx` | XLSX import files and template; without it they are answered `invalid_request` (400) |
//! | `cli` | the `bindery-cloud` command |
//! | `tls` | HTTPS without a proxy: [`run_tls`], [`serve_tls`] and [`tls`] (certificate files or a kept self-signed one) |
//! | `compression` | the web app's files sent brotli- or gzip-compressed ([`web`]) |
//!
//! The desktop app's sandbox takes `sqlite` alone.
//!
//! # Example
//!
//! A cloud on a fresh SQLite file, asked for its health without a socket:
//!
//! ```
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode};
//! use bindery_cloud::{db, AppState, StateConfig};
//! use tower::ServiceExt;
//!
//! # #[cfg(feature = "sqlite")]
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let url = db::sqlite_url(&dir.path().join("cloud.sqlite3"));
//! let state = AppState::open(StateConfig::new(url)).await.unwrap();
//! let answer = bindery_cloud::app(state)
//!     .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
//!     .await
//!     .unwrap();
//! assert_eq!(answer.status(), StatusCode::OK);
//! # });
//! ```

#![deny(missing_docs)]

pub mod accounts;
pub mod adopted;
pub mod audit;
mod bind_writer;
pub mod bindings;
pub mod connections;
pub mod console;
pub mod db;
pub mod developer;
pub mod downloads;
pub mod error;
pub mod extract;
pub mod gizwits;
pub mod labels;
pub mod links;
pub mod memory;
pub mod openapi;
pub mod orgs;
pub mod pairs;
pub mod seal;
pub mod state;
pub mod support;
pub mod throttle;
#[cfg(feature = "tls")]
pub mod tls;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use state::{AppState, Limits, PublicUrl, StateConfig};

/// The whole HTTP service.
pub fn app(state: AppState) -> Router {
    let limits = state.limits.clone();
    let web = match &state.web_root {
        Some(root) => web::router(root),
        None => Router::new(),
    };
    // Every route but the web app's and the label links' is declared with its documentation
    // (`openapi::api`).
    let console = console::router(state.doc_ui.as_deref());
    Router::new()
        .merge(web)
        .merge(console)
        .merge(links::router())
        .merge(Router::from(openapi::api(&limits)))
        .layer(DefaultBodyLimit::max(limits.json_body_bytes))
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        // Refuses by Content-Length before reading; the per-route limits above are tighter.
        .layer(RequestBodyLimitLayer::new(limits.import_body_bytes))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                tracing::debug_span!("http", method = %request.method(), uri = %request.uri())
            }),
        )
        .layer(axum::middleware::from_fn(error::request_context))
}

/// Serves [`app`] on `listener` until `shutdown` resolves, then finishes the requests in
/// flight.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.connections;
    let pruning = tokio::spawn(prune_regularly(state.clone()));
    let served = connections::serve(listener, app(state), limits, shutdown).await;
    pruning.abort();
    served
}

/// [`run`] over HTTPS with `tls` (see [`tls`] for loading certificate files or making a
/// self-signed certificate), within the same connection limits.
#[cfg(feature = "tls")]
pub async fn run_tls(
    listener: TcpListener,
    state: AppState,
    tls: std::sync::Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.connections;
    let pruning = tokio::spawn(prune_regularly(state.clone()));
    let served = connections::serve_tls(listener, app(state), limits, tls, shutdown).await;
    pruning.abort();
    served
}

/// Every ten minutes, removes the rate-limit rows and sessions nothing will read again, so
/// the tables a flood writes to do not grow without end.
async fn prune_regularly(state: AppState) {
    let period = std::time::Duration::from_secs(600);
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match throttle::prune(&state.writer, std::time::Duration::from_secs(24 * 3600)).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "pruned old rate-limit rows and sessions"),
            Err(error) => tracing::warn!(%error, "pruning failed; trying again in ten minutes"),
        }
    }
}

/// A cloud served on a free port of 127.0.0.1 until [`LoopbackCloud::stop`] or drop: what
/// the test harnesses of the cloud, the CLI and the app stand up.
pub struct LoopbackCloud {
    /// `http://127.0.0.1:<port>` (`https://` from [`LoopbackCloud::start_tls`]).
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl LoopbackCloud {
    /// Serves `state` on a free loopback port, on the current Tokio runtime.
    pub async fn start(state: AppState) -> std::io::Result<LoopbackCloud> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(run(listener, state, async {
            let _ = rx.await;
        }));
        Ok(LoopbackCloud {
            url,
            shutdown: Some(tx),
            served: Some(served),
        })
    }

    /// [`LoopbackCloud::start`] over HTTPS with `tls`; the URL is `https://127.0.0.1:<port>`.
    #[cfg(feature = "tls")]
    pub async fn start_tls(
        state: AppState,
        tls: std::sync::Arc<rustls::ServerConfig>,
    ) -> std::io::Result<LoopbackCloud> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("https://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(run_tls(listener, state, tls, async {
            let _ = rx.await;
        }));
        Ok(LoopbackCloud {
            url,
            shutdown: Some(tx),
            served: Some(served),
        })
    }

    /// Stops serving; the port is closed when this returns. Requests in flight get two
    /// seconds to finish: idle keep-alive connections would otherwise hold the graceful
    /// shutdown open.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut served) = self.served.take() {
            if tokio::time::timeout(std::time::Duration::from_secs(2), &mut served)
                .await
                .is_err()
            {
                served.abort();
                let _ = served.await;
            }
        }
    }
}

impl Drop for LoopbackCloud {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves on `listen` until SIGTERM or Ctrl-C.
pub async fn serve(listen: SocketAddr, state: AppState) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    announce(&listener, &state, "http")?;
    run(listener, state, shutdown_signal()).await?;
    tracing::info!("bindery-cloud stopped");
    Ok(())
}

/// [`serve`] over HTTPS with `tls`.
#[cfg(feature = "tls")]
pub async fn serve_tls(
    listen: SocketAddr,
    state: AppState,
    tls: std::sync::Arc<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    announce(&listener, &state, "https")?;
    run_tls(listener, state, tls, shutdown_signal()).await?;
    tracing::info!("bindery-cloud stopped");
    Ok(())
}

/// Logs where the service is; for a listener on every interface, at the machine's addresses
/// (the ones a phone on the same network opens).
fn announce(listener: &TcpListener, state: &AppState, scheme: &str) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(%address, scheme, "bindery-cloud listening");
    let mut bases: Vec<String> = connections::reachable_addresses(address)
        .into_iter()
        .map(|ip| format!("{scheme}://{}", SocketAddr::new(ip, address.port())))
        .collect();
    if address.ip().is_unspecified() {
        bases.push(format!("{scheme}://localhost:{}", address.port()));
    }
    if state.web_root.is_some() {
        for base in bases {
            tracing::info!("the web app is at {base}/app/");
        }
    }
    Ok(())
}

/// Resolves on SIGTERM (Unix) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
