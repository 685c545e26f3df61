//! The typed client of Bindery's API v1 (docs/product.md §4), used by the app, the CLI and the
//! web build alike, so all three see the cloud through the same calls and the same errors.
//!
//! Modules follow a call's path: `address` checks the cloud's address and builds each
//! call's URL on it, `request` builds and sends one HTTP exchange (timeouts, retries),
//! `trace` is what a trace hook sees of it (secrets masked), `error` turns a failed one
//! into [`ClientError`], and `calls` holds one method per API call. [`session`] keeps the
//! sign-in between runs.
//!
//! # Example
//!
//! A client is made for one cloud address; anything that is not an http(s) address is
//! refused before a call is made, with the address in the error. A sign-in kept in a
//! session store is found again by the cloud's address:
//!
//! ```
//! use bindery_client::{Client, ClientError, SessionStore, StoredSession};
//!
//! let client = Client::new("http://127.0.0.1:8080/").unwrap();
//! assert_eq!(client.base_url(), "http://127.0.0.1:8080");
//! assert_eq!(
//!     Client::new("ftp://example.com").unwrap_err(),
//!     ClientError::BadUrl { url: "ftp://example.com".into() },
//! );
//!
//! # #[cfg(not(target_arch = "wasm32"))] {
//! let dir = std::env::temp_dir().join(format!("bindery-doc-{}", std::process::id()));
//! let store = SessionStore::file(dir.join("session.json"));
//! let session = StoredSession {
//!     cloud: client.base_url().to_owned(),
//!     token: "a-session-token".into(),
//!     uid: "u1".into(),
//!     email: "ann@example.com".into(),
//!     expires_at: "2030-01-01T00:00:00Z".into(),
//! };
//! store.save(&session).unwrap();
//! // The next run finds it, however the address is spelled.
//! let next_run = SessionStore::file(dir.join("session.json"));
//! assert_eq!(next_run.load("http://127.0.0.1:8080/").unwrap(), Some(session));
//! std::fs::remove_dir_all(dir).unwrap();
//! # }
//! ```

#![deny(missing_docs)]

mod address;
mod calls;
mod error;
mod request;
pub mod session;
mod trace;

pub use calls::{BindOutcome, ImportFormat};
pub use error::{ClientError, NetworkKind};
pub use request::{RawAnswer, RetryPolicy};
pub use session::{SessionBackend, SessionError, SessionStore, StoredSession};
pub use trace::{masked_json, Exchange, TraceHook};

use std::{sync::Arc, time::Duration};

use address::CloudAddress;

/// A client of one Bindery cloud.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    address: CloudAddress,
    token: Option<String>,
    api_key: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    trace: Option<TraceHook>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.address.as_str())
            .field("signed_in", &self.token.is_some())
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Client {
    /// The default time one call may take, retries included, before it counts as a network
    /// failure.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A client of the cloud at `base_url` (for example `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let address = CloudAddress::parse(base_url)?;
        let builder = reqwest::Client::builder();
        #[cfg(not(target_arch = "wasm32"))]
        let builder = builder
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("bindery-client/", env!("CARGO_PKG_VERSION")))
            .redirect(address.redirect_policy());
        let http = builder.build().map_err(|e| ClientError::BadUrl {
            url: format!("{base_url} ({e})"),
        })?;
        Ok(Client {
            http,
            address,
            token: None,
            api_key: None,
            timeout: Self::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            trace: None,
        })
    }

    /// The cloud this client talks to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.address.as_str()
    }

    /// The full address a recorded `path` (like `/v1/bindings`) names on this cloud.
    /// Refused with [`ClientError::BadUrl`] carrying `path` unless it is a path on this
    /// cloud: one with a scheme or a host of its own would send the credentials elsewhere.
    pub fn url_of(&self, path: &str) -> Result<String, ClientError> {
        self.address.join(path).map(String::from)
    }

    /// Uses this session token (from [`Client::login`] or a session store).
    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// The session token in use, if signed in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Uses a Developer Center or support key (`X-Api-Key`).
    pub fn with_api_key(mut self, key: Option<String>) -> Self {
        self.api_key = key;
        self
    }

    /// The time one call may take, retries included, before it fails as a network error.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How repeatable calls are retried after network failures.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Calls `hook` with every HTTP exchange (for `--trace` and replay recordings).
    pub fn with_trace(mut self, hook: impl Fn(&Exchange) + Send + Sync + 'static) -> Self {
        self.trace = Some(Arc::new(hook));
        self
    }
}
