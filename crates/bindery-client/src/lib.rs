//! The typed client of Bindery's API v1 (docs/product.md §4), used by the app, the CLI and the
//! web build alike, so all three see the cloud through the same calls and the same errors.
//!
//! Modules follow a call's path: [`request`] builds and sends one HTTP exchange (timeouts,
//! retries, tracing), [`error`] turns a failed one into [`ClientError`], and [`calls`] holds
//! one method per API call. [`session`] keeps the sign-in between runs.

mod calls;
mod error;
mod request;
pub mod session;

pub use calls::{BindOutcome, ImportFormat};
pub use error::{ClientError, NetworkKind};
pub use request::{Exchange, RawAnswer, RetryPolicy, TraceHook};
pub use session::{SessionBackend, SessionError, SessionStore, StoredSession};

use std::{sync::Arc, time::Duration};

/// A client of one Bindery cloud.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
    api_key: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    trace: Option<TraceHook>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
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
        let trimmed = base_url.trim().trim_end_matches('/');
        let lower = trimmed.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://"))
            || trimmed.len() < "https://".len()
        {
            return Err(ClientError::BadUrl {
                url: base_url.to_owned(),
            });
        }
        let builder = reqwest::Client::builder();
        #[cfg(not(target_arch = "wasm32"))]
        let builder = builder
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("bindery-client/", env!("CARGO_PKG_VERSION")));
        let http = builder.build().map_err(|e| ClientError::BadUrl {
            url: format!("{base_url} ({e})"),
        })?;
        Ok(Client {
            http,
            base_url: trimmed.to_owned(),
            token: None,
            api_key: None,
            timeout: Self::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            trace: None,
        })
    }

    /// The cloud this client talks to.
    pub fn base_url(&self) -> &str {
        &self.base_url
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
