//! The flow of docs/product.md docs/product.md §6 as plain data: signed out → Home → Scan → Confirm → binding →
//! Home with the new device highlighted; details (rename, unbind), settings, and every
//! failure on the way.
//!
//! The [`Model`] holds what the screens show. A user's request is an [`Action`]; it runs in
//! three steps so the UI never holds the model across a network call:
//! [`Model::start`] checks the input and marks the model busy (synchronous), the returned
//! [`Job`] talks to the cloud (async, owns a clone of the client), and [`Model::apply`] folds
//! its [`Outcome`] back in (synchronous). [`Model::perform`] chains the three for tests and
//! any caller that owns the model. Navigation that needs no cloud is a plain method.

mod keeper;
pub mod preferences;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

// std's `Instant::now` panics in the browser; on other targets this is std's own type.
use web_time::Instant;

use bindery_client::{BindOutcome, Client, ClientError, NetworkKind};
use bindery_core::api::{Device, DeviceStatus, Inspection, Session};
use bindery_core::{DeviceName, Email, ErrorCode, Password, ValueError};
use time::OffsetDateTime;

use crate::i18n::{error_sentence, problem, t, tf, Lang, Text};
use session::{SavedSession, SessionKeeper};

/// How long a scanned code is ignored after it was taken (the camera sees it many times).
pub const SCAN_REPEAT_WINDOW: Duration = Duration::from_millis(1500);

/// The cloud the app talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub url: String,
    /// The embedded cloud on this computer.
    pub sandbox: bool,
}

impl Cloud {
    /// The key sessions are kept under: the sandbox's port changes between runs, its
    /// accounts do not.
    pub fn session_key(&self) -> &str {
        if self.sandbox {
            "sandbox"
        } else {
            &self.url
        }
    }

    /// How Settings and error screens name it.
    pub fn label(&self, lang: Lang) -> String {
        if self.sandbox {
            format!("{} — {}", t(lang, Text::Sandbox), self.url)
        } else {
            self.url.clone()
        }
    }
}

/// Which screen is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    SignIn,
    SignUp,
    Home,
    Scan,
    EnterCode,
    Confirm,
    Details { did: String },
    Settings,
}

/// What the Scan screen's camera area shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraState {
    /// Opening the camera.
    Starting,
    /// Frames are coming; `cameras` is how many the switcher can choose from, `torch` whether
    /// this camera has a torch the app can switch.
    Live {
        name: String,
        cameras: usize,
        torch: bool,
    },
    /// This device has no camera (or none this build can use).
    NoCamera,
    /// The system refused access to the camera.
    PermissionDenied,
    /// The camera (or QA source) stopped.
    Stopped { detail: String },
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub uid: String,
    pub email: String,
    pub expires_at: String,
}

/// A scanned label waiting on the Confirm screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub qr_content: String,
    pub inspection: Inspection,
}

impl Pending {
    /// Whether the Confirm screen may offer a name box and Confirm.
    pub fn can_bind(&self) -> bool {
        matches!(
            self.inspection.status,
            DeviceStatus::Bindable | DeviceStatus::BoundToYou
        )
    }
}

/// What the app is waiting for (the progress state the screens show).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    SigningIn,
    SigningUp,
    SigningOut,
    Refreshing,
    Inspecting,
    Binding,
    Renaming,
    Unbinding,
}

impl Busy {
    pub fn text(self) -> Text {
        match self {
            Busy::SigningIn => Text::SigningIn,
            Busy::SigningUp => Text::SigningUp,
            Busy::SigningOut => Text::SigningOut,
            Busy::Refreshing => Text::Refreshing,
            Busy::Inspecting => Text::Checking,
            Busy::Binding => Text::Binding,
            Busy::Renaming => Text::Saving,
            Busy::Unbinding => Text::Unbinding,
        }
    }
}

/// A short confirmation after something worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    AlreadyYours { name: String },
    Renamed { name: String },
    Unbound { name: String },
    SandboxReset,
}

impl Notice {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Notice::AlreadyYours { name } => tf(lang, Text::AlreadyYours, &[("name", name)]),
            Notice::Renamed { name } => tf(lang, Text::Renamed, &[("name", name)]),
            Notice::Unbound { name } => tf(lang, Text::Unbound, &[("name", name)]),
            Notice::SandboxReset => t(lang, Text::SandboxReset).to_owned(),
        }
    }
}

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
    SignIn {
        email: String,
        password: Secret,
    },
    SignUp {
        email: String,
        password: Secret,
    },
    SignOut,
    Refresh,
    /// What a label says (scanned, opened from an image or typed).
    Inspect {
        qr_content: String,
    },
    /// Binds the label on the Confirm screen under this name.
    Bind {
        name: String,
    },
    Rename {
        did: String,
        name: String,
    },
    Unbind {
        did: String,
    },
}

/// Why an action failed, in the kinds the user must tell apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The cloud answered with a docs/product.md §4 error code.
    Refused {
        code: ErrorCode,
        request_id: String,
        retry_after: Option<Duration>,
    },
    /// The cloud could not be reached (no answer at all).
    Unreachable { timeout: bool },
    /// The cloud answered something this app cannot read.
    Unreadable {
        status: u16,
        request_id: Option<String>,
    },
    /// The configured cloud address is not an http(s) URL.
    BadCloudUrl { url: String },
    /// Typed input that breaks a rule; it was not sent.
    Invalid(ValueError),
    /// Scanning on this device failed (an image without a code, a camera that stopped).
    Scan(ScanProblem),
    /// The sandbox cloud on this computer failed (it could not be started or reset).
    Sandbox { detail: String },
}

/// What went wrong while scanning on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProblem {
    /// The image holds no readable QR code.
    NoCodeIn { file: String },
    /// The file is not an image this app can read.
    ImageUnreadable { file: String, detail: String },
    /// The camera (or the QA source) stopped.
    CameraStopped { detail: String },
}

/// A failed action as the error panel shows it: what happened, on which cloud, and the
/// action to run again when a retry can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub cloud: Cloud,
    pub retry: Option<Action>,
}

impl Failure {
    fn from_client(error: ClientError, cloud: &Cloud, action: &Action) -> Failure {
        let retryable = error.is_retryable();
        let kind = match error {
            ClientError::Network { kind, .. } => FailureKind::Unreachable {
                timeout: kind == NetworkKind::Timeout,
            },
            ClientError::Server {
                code,
                request_id,
                retry_after,
                ..
            } => FailureKind::Refused {
                code,
                request_id,
                retry_after,
            },
            ClientError::Decode {
                status, request_id, ..
            } => FailureKind::Unreadable { status, request_id },
            ClientError::BadUrl { url } => FailureKind::BadCloudUrl { url },
        };
        Failure {
            kind,
            cloud: cloud.clone(),
            retry: retryable.then(|| action.clone()),
        }
    }

    /// The docs/product.md §4 code, when the cloud refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match &self.kind {
            FailureKind::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The request id to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        match &self.kind {
            FailureKind::Refused { request_id, .. } => Some(request_id),
            FailureKind::Unreadable { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The panel's heading: a refusal and an unreachable cloud read differently.
    pub fn title(&self, lang: Lang) -> &'static str {
        match self.kind {
            FailureKind::Refused { .. } => t(lang, Text::RefusedTitle),
            FailureKind::Unreachable { .. } => t(lang, Text::UnreachableTitle),
            _ => t(lang, Text::ErrorTitle),
        }
    }

    /// What happened and what to do, in `lang`.
    pub fn sentence(&self, lang: Lang) -> String {
        let cloud = self.cloud.label(lang);
        match &self.kind {
            FailureKind::Refused {
                code, retry_after, ..
            } => {
                let mut text = error_sentence(lang, *code).to_owned();
                if let Some(wait) = retry_after {
                    text.push(' ');
                    text.push_str(&tf(
                        lang,
                        Text::RetryAfter,
                        &[("secs", &wait.as_secs().max(1).to_string())],
                    ));
                }
                text
            }
            FailureKind::Unreachable { timeout: false } => {
                tf(lang, Text::Unreachable, &[("cloud", &cloud)])
            }
            FailureKind::Unreachable { timeout: true } => {
                tf(lang, Text::UnreachableTimeout, &[("cloud", &cloud)])
            }
            FailureKind::Unreadable { status, .. } => {
                tf(lang, Text::Unreadable, &[("status", &status.to_string())])
            }
            FailureKind::BadCloudUrl { url } => tf(lang, Text::BadCloudUrl, &[("url", url)]),
            FailureKind::Invalid(error) => problem(lang, error),
            FailureKind::Scan(ScanProblem::NoCodeIn { file }) => {
                tf(lang, Text::NoCodeInImage, &[("file", file)])
            }
            FailureKind::Scan(ScanProblem::ImageUnreadable { file, detail }) => tf(
                lang,
                Text::ImageUnreadable,
                &[("file", file), ("detail", detail)],
            ),
            FailureKind::Scan(ScanProblem::CameraStopped { detail }) => {
                tf(lang, Text::CameraFailed, &[("detail", detail)])
            }
            FailureKind::Sandbox { detail } => tf(lang, Text::SandboxFailed, &[("detail", detail)]),
        }
    }
}

/// What a finished job brought back.
#[derive(Debug, Clone)]
pub enum Done {
    SignedIn {
        session: Session,
        email: String,
    },
    /// Signed out; `revoked` is false when the cloud could not be told (the token is dropped
    /// here anyway, and expires on its own).
    SignedOut {
        revoked: bool,
    },
    Devices(Vec<Device>),
    Inspected(Pending),
    /// A bind and, when the list could be fetched, the account's devices after it.
    Bound {
        outcome: BindOutcome,
        devices: Option<Vec<Device>>,
    },
    Renamed(Device),
    Unbound {
        did: String,
    },
}

/// The result of a [`Job`].
#[derive(Debug)]
pub struct Outcome {
    pub action: Action,
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

/// Everything the screens show.
#[derive(Clone)]
pub struct Model {
    pub lang: Lang,
    pub cloud: Cloud,
    pub screen: Screen,
    pub account: Option<Account>,
    /// The account's devices; `None` until the first list arrived.
    pub devices: Option<Vec<Device>>,
    /// The device just bound, highlighted on Home.
    pub highlighted: Option<String>,
    pub pending: Option<Pending>,
    pub busy: Option<Busy>,
    pub failure: Option<Failure>,
    pub notice: Option<Notice>,
    /// Details screen: the unbind confirmation is showing.
    pub unbind_asked: bool,
    /// Scan screen: the camera's state (set by the platform's camera feed).
    pub camera: CameraState,
    /// A problem with keeping the session (no keyring, could not save), shown in Settings.
    pub session_note: Option<String>,
    client: Client,
    sessions: Arc<dyn SessionKeeper>,
    last_scan: Option<(String, Instant)>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("cloud", &self.cloud)
            .field("screen", &self.screen)
            .field("account", &self.account)
            .field("busy", &self.busy)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// The model for `cloud`, signed in when `sessions` holds an unexpired session for it.
    /// The returned action (a refresh of the device list) should be performed next.
    pub fn new(
        cloud: Cloud,
        lang: Lang,
        sessions: Arc<dyn SessionKeeper>,
    ) -> (Model, Option<Action>) {
        let client = Client::new(&cloud.url);
        let failure = client.as_ref().err().map(|e| Failure {
            kind: FailureKind::BadCloudUrl {
                url: match e {
                    ClientError::BadUrl { url } => url.clone(),
                    other => other.to_string(),
                },
            },
            cloud: cloud.clone(),
            retry: None,
        });
        let client = client.unwrap_or_else(|_| {
            Client::new("http://127.0.0.1:9").expect("a loopback address is a valid URL")
        });
        let mut model = Model {
            lang,
            cloud,
            screen: Screen::SignIn,
            account: None,
            devices: None,
            highlighted: None,
            pending: None,
            busy: None,
            failure,
            notice: None,
            unbind_asked: false,
            camera: CameraState::NoCamera,
            session_note: sessions.warning(),
            client,
            sessions,
            last_scan: None,
        };
        let next = model.restore_session();
        (model, next)
    }

    fn restore_session(&mut self) -> Option<Action> {
        let saved = match self.sessions.load(self.cloud.session_key()) {
            Ok(saved) => saved?,
            Err(detail) => {
                self.session_note = Some(detail);
                return None;
            }
        };
        let expired = OffsetDateTime::parse(
            &saved.expires_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map_or(true, |at| at <= OffsetDateTime::now_utc());
        if expired {
            let _ = self.sessions.clear(self.cloud.session_key());
            return None;
        }
        self.client = self.client.clone().with_token(Some(saved.token));
        self.account = Some(Account {
            uid: saved.uid,
            email: saved.email,
            expires_at: saved.expires_at,
        });
        self.screen = Screen::Home;
        Some(Action::Refresh)
    }

    /// The client in use (signed in when [`Model::account`] is set).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Where sessions are kept, for Settings.
    pub fn sessions_kept_in(&self) -> String {
        self.sessions.kept_in()
    }

    /// A device of the list.
    pub fn device(&self, did: &str) -> Option<&Device> {
        self.devices.as_ref()?.iter().find(|d| d.did == did)
    }

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
            Action::SignOut => Ok((Busy::SigningOut, None)),
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
                self.failure = Some(Failure {
                    kind,
                    cloud: self.cloud.clone(),
                    retry: None,
                });
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
                return Some(Action::Refresh);
            }
            Done::SignedOut { .. } => {
                self.forget_session();
                self.screen = Screen::SignIn;
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

    fn forget_session(&mut self) {
        if let Err(detail) = self.sessions.clear(self.cloud.session_key()) {
            self.session_note = Some(detail);
        }
        self.client = self.client.clone().with_token(None);
        self.account = None;
        self.devices = None;
        self.highlighted = None;
        self.pending = None;
        self.unbind_asked = false;
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

    /// The action that retries the failure on screen, when a retry can help.
    pub fn retry(&self) -> Option<Action> {
        self.failure.as_ref()?.retry.clone()
    }

    /// Closes the error panel and the notice.
    pub fn dismiss(&mut self) {
        self.failure = None;
        self.notice = None;
    }

    /// Goes to `screen`; screens that need an account lead to Sign in when signed out.
    pub fn go(&mut self, screen: Screen) {
        let needs_account = !matches!(screen, Screen::SignIn | Screen::SignUp | Screen::Settings);
        let screen = if needs_account && self.account.is_none() {
            Screen::SignIn
        } else if self.account.is_some() && matches!(screen, Screen::SignIn | Screen::SignUp) {
            Screen::Home
        } else {
            screen
        };
        if matches!(screen, Screen::Scan | Screen::EnterCode) {
            self.highlighted = None;
            self.last_scan = None;
        }
        if screen != Screen::Confirm {
            self.pending = None;
        }
        self.unbind_asked = false;
        self.failure = None;
        if screen != Screen::Home {
            self.notice = None;
        }
        self.screen = screen;
    }

    /// Shows or hides the unbind confirmation on the details screen.
    pub fn ask_unbind(&mut self, asked: bool) {
        self.unbind_asked = asked;
    }

    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    /// A code the camera (or an image) produced. Repeats of the code just taken are ignored
    /// for [`SCAN_REPEAT_WINDOW`], and so is anything while a check is running. While the
    /// check of a code has failed and the failure is on screen, that code is ignored too: the
    /// camera still sees the label, and retrying is the user's call (Retry), not a loop that
    /// makes the error flicker every 1.5 s. Another label is taken at once.
    pub fn scanned(&mut self, text: &str, now: Instant) -> Option<Action> {
        if self.busy.is_some() || !matches!(self.screen, Screen::Scan | Screen::EnterCode) {
            return None;
        }
        if let Some((last, at)) = &self.last_scan {
            let failed = self.failure.is_some();
            if last == text && (failed || now.duration_since(*at) < SCAN_REPEAT_WINDOW) {
                return None;
            }
        }
        self.last_scan = Some((text.to_owned(), now));
        Some(Action::Inspect {
            qr_content: text.to_owned(),
        })
    }

    /// A scanning failure on this device (an image or camera problem), shown like the others.
    pub fn scan_failed(&mut self, problem: ScanProblem) {
        self.failure = Some(Failure {
            kind: FailureKind::Scan(problem),
            cloud: self.cloud.clone(),
            retry: None,
        });
    }

    /// Points the app at another cloud. The session of that cloud is restored if one is kept;
    /// the returned action (a refresh) should be performed next.
    pub fn use_cloud(&mut self, cloud: Cloud) -> Result<Option<Action>, Box<Failure>> {
        let client = Client::new(&cloud.url)
            .map_err(|e| Failure {
                kind: FailureKind::BadCloudUrl {
                    url: match e {
                        ClientError::BadUrl { url } => url,
                        other => other.to_string(),
                    },
                },
                cloud: self.cloud.clone(),
                retry: None,
            })
            .map_err(Box::new)?;
        self.client = client;
        self.cloud = cloud;
        self.account = None;
        self.devices = None;
        self.highlighted = None;
        self.pending = None;
        self.failure = None;
        self.notice = None;
        self.busy = None;
        self.screen = Screen::SignIn;
        Ok(self.restore_session())
    }

    /// The sandbox could not be started or reset.
    pub fn sandbox_failed(&mut self, detail: String) {
        self.failure = Some(Failure {
            kind: FailureKind::Sandbox { detail },
            cloud: self.cloud.clone(),
            retry: None,
        });
    }

    /// After the sandbox was wiped: signed out, told why.
    pub fn sandbox_was_reset(&mut self) {
        self.forget_session();
        self.screen = Screen::SignUp;
        self.notice = Some(Notice::SandboxReset);
    }
}
