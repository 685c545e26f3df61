//! What every cloud command shares: the cloud's address, the output mode, the trace, the
//! session store, and one small runtime to drive the async client on.
//!
//! The session store is used outside the runtime on purpose: the OS keyring is reached over
//! D-Bus with blocking calls, which must not run on an async executor. It is opened on first
//! use, so commands that need no session (signup, support, …) never wait on the keyring.

use bindery_client::{Client, ClientError, Exchange, SessionStore, StoredSession};
use bindery_core::ErrorCode;

use crate::output;
use crate::{GlobalArgs, Outcome};

/// One command's view of the cloud.
pub struct Context {
    pub args: GlobalArgs,
    /// The cloud's address without a trailing slash (the session store's key).
    pub cloud: String,
    /// The one HTTP client of this run, with the timeout and the trace hook; every call
    /// clones it (clones share connections).
    base: Client,
    store: std::sync::OnceLock<SessionStore>,
    runtime: tokio::runtime::Runtime,
}

impl Context {
    /// Checks the cloud address and opens the session store; on a bad address prints why
    /// and gives the exit code.
    pub fn new(args: GlobalArgs) -> Result<Context, Outcome> {
        let base = match Client::new(&args.server) {
            Ok(client) => client.with_timeout(args.timeout()),
            Err(e) => {
                output::usage_error(args.json, &e.to_string());
                return Err(Outcome::BadInput);
            }
        };
        let base = if args.trace {
            let json = args.json;
            base.with_trace(move |exchange: &Exchange| output::trace(json, exchange))
        } else {
            base
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime always builds");
        Ok(Context {
            cloud: base.base_url().to_owned(),
            args,
            base,
            store: std::sync::OnceLock::new(),
            runtime,
        })
    }

    /// Where sessions are kept: `--session-file`, else the platform's store.
    pub fn store(&self) -> &SessionStore {
        self.store.get_or_init(|| match &self.args.session_file {
            Some(path) => SessionStore::file(path.clone()),
            None => SessionStore::open_default(),
        })
    }

    /// Runs an async call to completion.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A client of the cloud, not signed in, with the timeout and the trace hook.
    pub fn client(&self) -> Client {
        self.base.clone()
    }

    /// The stored session for this cloud, or the printed reason there is none.
    pub fn session(&self) -> Result<StoredSession, Outcome> {
        match self.store().load(&self.cloud) {
            Ok(Some(session)) => Ok(session),
            Ok(None) => {
                output::local_refusal(
                    self.args.json,
                    &self.cloud,
                    ErrorCode::Unauthorized,
                    &format!(
                        "You are not signed in to {}. Sign in with `bindery-cli login --email you@example.com`, then run this again.",
                        self.cloud
                    ),
                );
                Err(Outcome::Refused)
            }
            Err(e) => {
                output::usage_error(self.args.json, &e.to_string());
                Err(Outcome::BadInput)
            }
        }
    }

    /// A client signed in with the stored session.
    pub fn signed_in(&self) -> Result<Client, Outcome> {
        let session = self.session()?;
        Ok(self.client().with_token(Some(session.token)))
    }

    /// Prints a failed call and gives its exit code. A refused session is forgotten, so the
    /// next command asks the user to sign in instead of failing the same way.
    pub fn fail(&self, error: &ClientError) -> Outcome {
        if error.code() == Some(ErrorCode::Unauthorized) {
            let _ = self.store().clear(&self.cloud);
        }
        output::client_error(self.args.json, &self.cloud, error);
        outcome_of(error)
    }
}

/// The exit code of a failed call.
pub fn outcome_of(error: &ClientError) -> Outcome {
    match error {
        ClientError::Server { .. } => Outcome::Refused,
        // An answer the client cannot read came from the cloud; it is neither the user's
        // mistake nor the network's.
        ClientError::Decode { .. } => Outcome::Refused,
        ClientError::Network { .. } => Outcome::Network,
        ClientError::BadUrl { .. } => Outcome::BadInput,
    }
}
