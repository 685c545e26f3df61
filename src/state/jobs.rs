//! A user's request that needs the cloud, in three steps so the UI never holds the model
//! across a network call: [`Model::start`] checks the input and marks the model busy
//! (synchronous), the returned [`Job`] talks to the cloud (async, owns a clone of the client),
//! and [`Model::apply`] folds its [`Outcome`] back in (synchronous). [`Model::perform`] chains
//! the three for tests and any caller that owns the model.

use bindery_client::{BindOutcome, Client, ClientError};
use bindery_core::api::{Device, Session};
use bindery_core::{DeviceName, Email, ErrorCode, Password, ValueError};

use super::failure::{Failure, FailureKind};
use super::model::Model;
use super::session::SavedSession;
use super::view::{Account, Busy, Notice, Pending, Screen};

/// A password, kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A request that needs the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Signs in to the cloud in use and keeps the session; the device list is fetched next.
    SignIn {
        /// The account's address as typed (checked against the email rule, sent trimmed).
        email: String,
        /// The password as typed; it must not be empty.
        password: Secret,
    },
    /// Creates an account on the cloud in use, then signs in with it.
    SignUp {
        /// The new account's address as typed (checked against the email rule, sent trimmed).
        email: String,
        /// The new password as typed (8–128 characters, checked before anything is sent).
        password: Secret,
    },
    /// Revokes the session on the cloud and forgets it here, even when the cloud cannot be
    /// told.
    SignOut,
    /// Revokes every session of the account on the cloud (a lost phone, a shared computer),
    /// then forgets this one. Unlike [`Action::SignOut`] it needs the cloud: when the cloud
    /// cannot be told, nothing is forgotten and the failure offers a retry.
    SignOutEverywhere,
    /// Fetches the account's devices again (the list on Home).
    Refresh,
    /// What a label says (scanned, opened from an image or typed).
    Inspect {
        /// The label's text exactly as read; blank text sends nothing.
        qr_content: String,
    },
    /// Binds the label on the Confirm screen under this name.
    Bind {
        /// The name the user gave the device (checked against the device-name rule, sent
        /// trimmed).
        name: String,
    },
    /// Gives a device of the account a new name.
    Rename {
        /// The binding's device id (`d_…`), as in the device list.
        did: String,
        /// The new name (checked against the device-name rule, sent trimmed).
        name: String,
    },
    /// Removes a device from the account; anyone may bind it again afterwards.
    Unbind {
        /// The binding's device id (`d_…`), as in the device list.
        did: String,
    },
}

/// What a finished job brought back.
#[derive(Debug, Clone)]
pub enum Done {
    /// Signed in (after a sign-in, or a sign-up and the sign-in that follows it).
    SignedIn {
        /// The session the cloud issued: its token, the account's uid, when it expires.
        session: Session,
        /// The address signed in with, trimmed and lower-cased.
        email: String,
    },
    /// Signed out; `revoked` is false when the cloud could not be told (the token is dropped
    /// here anyway, and expires on its own).
    SignedOut {
        /// Whether the cloud confirmed it revoked the token.
        revoked: bool,
    },
    /// The cloud revoked every session of the account.
    SignedOutEverywhere,
    /// The account's devices, oldest binding first.
    Devices(Vec<Device>),
    /// What the cloud said about a label, with the label's text for the bind.
    Inspected(Pending),
    /// A bind and, when the list could be fetched, the account's devices after it.
    Bound {
        /// The bound device, and whether it was already this account's (then the cloud kept
        /// its stored name).
        outcome: BindOutcome,
        /// The account's devices after the bind; `None` when the list could not be fetched.
        devices: Option<Vec<Device>>,
    },
    /// The device as the cloud now holds it, under its new name.
    Renamed(Device),
    /// A device was removed from the account.
    Unbound {
        /// The removed binding's device id (`d_…`).
        did: String,
    },
}

/// The result of a [`Job`].
#[derive(Debug)]
pub struct Outcome {
    /// The action the job ran (a failure offers it again as Retry).
    pub action: Action,
    /// What the cloud's answers amounted to, or why the call failed.
    pub result: Result<Done, ClientError>,
}

/// One action's network work, detached from the model.
#[derive(Debug)]
pub struct Job {
    action: Action,
    client: Client,
    /// The label being bound (from the Confirm screen).
    qr_content: Option<String>,
}

impl Job {
    /// Talks to the cloud. Never touches the model, so the UI stays live meanwhile.
    pub async fn run(self) -> Outcome {
        let client = &self.client;
        let result = match &self.action {
            Action::SignIn { email, password } => client
                .login(email.trim(), &password.0)
                .await
                .map(|session| Done::SignedIn {
                    session,
                    email: email.trim().to_lowercase(),
                }),
            Action::SignUp { email, password } => {
                match client.signup(email.trim(), &password.0).await {
                    Ok(_) => client
                        .login(email.trim(), &password.0)
                        .await
                        .map(|session| Done::SignedIn {
                            session,
                            email: email.trim().to_lowercase(),
                        }),
                    Err(e) => Err(e),
                }
            }
            Action::SignOut => Ok(Done::SignedOut {
                revoked: client.logout().await.is_ok(),
            }),
            Action::SignOutEverywhere => client
                .logout_everywhere()
                .await
                .map(|()| Done::SignedOutEverywhere),
            Action::Refresh => client.devices().await.map(Done::Devices),
            Action::Inspect { qr_content } => client.inspect(qr_content).await.map(|inspection| {
                Done::Inspected(Pending {
                    qr_content: qr_content.clone(),
                    inspection,
                })
            }),
            Action::Bind { name } => {
                let qr = self.qr_content.as_deref().unwrap_or_default();
                match client.bind(qr, name.trim()).await {
                    Ok(outcome) => Ok(Done::Bound {
                        outcome,
                        devices: client.devices().await.ok(),
                    }),
                    Err(e) => Err(e),
                }
            }
            Action::Rename { did, name } => {
                client.rename(did, name.trim()).await.map(Done::Renamed)
            }
            Action::Unbind { did } => client
                .unbind(did)
                .await
                .map(|()| Done::Unbound { did: did.clone() }),
        };
        Outcome {
            action: self.action,
            result,
        }
    }
}

impl Model {
    /// Checks `action`'s input and marks the model busy. `None` when nothing is to be sent:
    /// the input was refused (see [`Model::failure`]) or another action is still running.
    pub fn start(&mut self, action: Action) -> Option<Job> {
        if self.busy.is_some() {
            return None;
        }
        let invalid = |e: ValueError| FailureKind::Invalid(e);
        let checked: Result<(Busy, Option<String>), FailureKind> = match &action {
            Action::SignIn { email, password } => {
                Email::parse(email).map_err(invalid).and_then(|_| {
                    if password.0.is_empty() {
                        Err(invalid(Password::parse("").unwrap_err()))
                    } else {
                        Ok((Busy::SigningIn, None))
                    }
                })
            }
            Action::SignUp { email, password } => Email::parse(email)
                .and_then(|_| Password::parse(&password.0))
                .map(|_| (Busy::SigningUp, None))
                .map_err(invalid),
            Action::SignOut | Action::SignOutEverywhere => Ok((Busy::SigningOut, None)),
            Action::Refresh => Ok((Busy::Refreshing, None)),
            Action::Inspect { qr_content } => {
                if qr_content.trim().is_empty() {
                    return None;
                }
                Ok((Busy::Inspecting, None))
            }
            Action::Bind { name } => match &self.pending {
                None => return None,
                Some(pending) => DeviceName::parse(name)
                    .map(|_| (Busy::Binding, Some(pending.qr_content.clone())))
                    .map_err(invalid),
            },
            Action::Rename { name, .. } => DeviceName::parse(name)
                .map(|_| (Busy::Renaming, None))
                .map_err(invalid),
            Action::Unbind { .. } => Ok((Busy::Unbinding, None)),
        };
        match checked {
            Err(kind) => {
                self.failure = Some(Failure::without_retry(kind, &self.cloud));
                None
            }
            Ok((busy, qr_content)) => {
                self.busy = Some(busy);
                self.failure = None;
                self.notice = None;
                Some(Job {
                    action,
                    client: self.client.clone(),
                    qr_content,
                })
            }
        }
    }

    /// Folds a finished job into the model. Returns the action to perform next, if any (the
    /// device list after signing in).
    pub fn apply(&mut self, outcome: Outcome) -> Option<Action> {
        self.busy = None;
        match outcome.result {
            Ok(done) => self.succeeded(done),
            Err(error) => {
                let signed_in_call = !matches!(
                    outcome.action,
                    Action::SignIn { .. } | Action::SignUp { .. }
                );
                let failure = Failure::from_client(error, &self.cloud, &outcome.action);
                if signed_in_call && failure.code() == Some(ErrorCode::Unauthorized) {
                    // The session expired or was revoked elsewhere: sign in again.
                    self.forget_session();
                    self.screen = Screen::SignIn;
                }
                self.failure = Some(failure);
                None
            }
        }
    }

    fn succeeded(&mut self, done: Done) -> Option<Action> {
        match done {
            Done::SignedIn { session, email } => {
                let expires_at = session
                    .expires_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                let saved = SavedSession {
                    cloud: self.cloud.session_key().to_owned(),
                    token: session.token.clone(),
                    uid: session.uid.clone(),
                    email: email.clone(),
                    expires_at: expires_at.clone(),
                };
                if let Err(detail) = self.sessions.save(&saved) {
                    self.session_note = Some(detail);
                }
                self.client = self.client.clone().with_token(Some(session.token));
                self.account = Some(Account {
                    uid: session.uid,
                    email,
                    expires_at,
                });
                self.devices = None;
                self.highlighted = None;
                self.screen = Screen::Home;
                // An address opened before signing in (a URL label) goes on where it
                // pointed; otherwise Home, with its list.
                if let Some(next) = self.continue_after_sign_in() {
                    return Some(next);
                }
                return Some(Action::Refresh);
            }
            Done::SignedOut { .. } => {
                self.forget_session();
                self.screen = Screen::SignIn;
            }
            Done::SignedOutEverywhere => {
                self.forget_session();
                self.screen = Screen::SignIn;
                self.notice = Some(Notice::SignedOutEverywhere);
            }
            Done::Devices(devices) => self.devices = Some(devices),
            Done::Inspected(pending) => {
                self.pending = Some(pending);
                self.screen = Screen::Confirm;
            }
            Done::Bound { outcome, devices } => {
                let device = outcome.device().clone();
                if let BindOutcome::AlreadyYours(d) = &outcome {
                    self.notice = Some(Notice::AlreadyYours {
                        name: d.name.clone(),
                    });
                }
                let mut list = devices.or_else(|| self.devices.clone()).unwrap_or_default();
                if !list.iter().any(|d| d.did == device.did) {
                    list.insert(0, device.clone());
                }
                self.devices = Some(list);
                self.highlighted = Some(device.did);
                self.pending = None;
                self.screen = Screen::Home;
            }
            Done::Renamed(device) => {
                if let Some(list) = &mut self.devices {
                    if let Some(slot) = list.iter_mut().find(|d| d.did == device.did) {
                        *slot = device.clone();
                    }
                }
                self.notice = Some(Notice::Renamed { name: device.name });
            }
            Done::Unbound { did } => {
                let name = self
                    .device(&did)
                    .map(|d| d.name.clone())
                    .unwrap_or_default();
                if let Some(list) = &mut self.devices {
                    list.retain(|d| d.did != did);
                }
                if self.highlighted.as_deref() == Some(did.as_str()) {
                    self.highlighted = None;
                }
                self.unbind_asked = false;
                self.notice = Some(Notice::Unbound { name });
                self.screen = Screen::Home;
            }
        }
        None
    }

    /// Runs `action` to the end, then whatever it asks for next.
    pub async fn perform(&mut self, action: Action) {
        let mut next = Some(action);
        while let Some(action) = next.take() {
            if let Some(job) = self.start(action) {
                let outcome = job.run().await;
                next = self.apply(outcome);
            }
        }
    }
}
