//! The [`Model`]: everything the screens show, how it starts (restoring a kept session), and
//! the changes that need no cloud — navigation, scans arriving, switching clouds, the
//! sandbox's resets. Changes that need the cloud are in the `jobs` module.

use std::sync::Arc;
use std::time::Duration;

// std's `Instant::now` panics in the browser; on other targets this is std's own type.
use web_time::Instant;

use bindery_client::Client;
use bindery_core::api::Device;
use time::OffsetDateTime;

use super::failure::{Failure, FailureKind, ScanProblem};
use super::jobs::Action;
use super::session::SessionKeeper;
use super::view::{Account, Busy, CameraState, Cloud, Notice, Pending, Screen};
use crate::lang::Lang;

/// How long a scanned code is ignored after it was taken (the camera sees it many times).
pub const SCAN_REPEAT_WINDOW: Duration = Duration::from_millis(1500);

/// Everything the screens show.
#[derive(Clone)]
pub struct Model {
    /// The language the screens speak.
    pub lang: Lang,
    /// The cloud in use: the sandbox, or the address chosen in Settings or on the command
    /// line.
    pub cloud: Cloud,
    /// The screen showing; move with [`Model::go`], which sends a signed-out user to Sign in.
    pub screen: Screen,
    /// The signed-in account; `None` when signed out.
    pub account: Option<Account>,
    /// The account's devices; `None` until the first list arrived.
    pub devices: Option<Vec<Device>>,
    /// The device just bound, highlighted on Home.
    pub highlighted: Option<String>,
    /// The label on the Confirm screen and what the cloud said about it; `None` on other
    /// screens and once it is bound.
    pub pending: Option<Pending>,
    /// What the app is waiting on the cloud for; `None` when idle. While it is set,
    /// [`Model::start`] sends nothing else.
    pub busy: Option<Busy>,
    /// The failure the error panel shows; `None` when there is none.
    pub failure: Option<Failure>,
    /// The confirmation after something worked (renamed, removed, already yours); `None`
    /// when there is nothing to say.
    pub notice: Option<Notice>,
    /// Details screen: the unbind confirmation is showing.
    pub unbind_asked: bool,
    /// Scan screen: the camera's state (set by the platform's camera feed).
    pub camera: CameraState,
    /// A problem with keeping the session (no keyring, could not save), shown in Settings.
    pub session_note: Option<String>,
    // Visible to the jobs module, which signs in and out through them.
    pub(super) client: Client,
    pub(super) sessions: Arc<dyn SessionKeeper>,
    last_scan: Option<(String, Instant)>,
    /// Where an address pointed when the user had to sign in first (a URL label opened by
    /// the phone's camera): opened once signed in.
    pub(super) after_sign_in: Option<super::Route>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("cloud", &self.cloud)
            .field("screen", &self.screen)
            .field("account", &self.account)
            .field("busy", &self.busy)
            .field("failure", &self.failure)
            .field("camera", &self.camera)
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
        let (client, failure) = match Client::new(&cloud.url) {
            Ok(client) => (client, None),
            Err(error) => (
                Client::new("http://127.0.0.1:9").expect("a loopback address is a valid URL"),
                Some(Failure::bad_url(error, &cloud)),
            ),
        };
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
            after_sign_in: None,
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

    /// Drops the session here and in the store, and everything that belonged to the account.
    pub(super) fn forget_session(&mut self) {
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

    /// Switches the language the screens speak. Remembering it for the next start is the
    /// caller's part (Settings saves the preferences through the host).
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
        self.failure = Some(Failure::without_retry(
            FailureKind::Scan(problem),
            &self.cloud,
        ));
    }

    /// Points the app at another cloud. The session of that cloud is restored if one is kept;
    /// the returned action (a refresh) should be performed next.
    pub fn use_cloud(&mut self, cloud: Cloud) -> Result<Option<Action>, Box<Failure>> {
        let client = Client::new(&cloud.url)
            .map_err(|error| Box::new(Failure::bad_url(error, &self.cloud)))?;
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
        self.failure = Some(Failure::without_retry(
            FailureKind::Sandbox { detail },
            &self.cloud,
        ));
    }

    /// After the sandbox was wiped: signed out, told why.
    pub fn sandbox_was_reset(&mut self) {
        self.forget_session();
        self.screen = Screen::SignUp;
        self.notice = Some(Notice::SandboxReset);
    }
}
