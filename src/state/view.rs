//! The values the screens show, apart from failures: the cloud in use, which screen is up,
//! the camera area, the account, the label waiting on Confirm, what the app is waiting for and
//! the notice after something worked. Plain data; their words are in [`crate::i18n`].

use bindery_core::api::{DeviceStatus, Inspection};

/// The cloud the app talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// The cloud's base address; for the sandbox `http://127.0.0.1:PORT`, whose port changes
    /// between runs.
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
}

/// Which screen is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Sign in: where a signed-out user lands.
    SignIn,
    /// Create an account: the sign-in form in its other mode.
    SignUp,
    /// My devices: the account's devices, the one just bound highlighted.
    Home,
    /// The camera, with "Open image…", "Enter code" and, on the sandbox, the demo labels.
    Scan,
    /// Type or paste a label's text instead of scanning it.
    EnterCode,
    /// What the cloud says about the scanned label, with the name box when it can be bound.
    Confirm,
    /// One device of the account: rename it, or remove it from the account.
    Details {
        /// The binding's device id (`d_…`) of the device shown.
        did: String,
    },
    /// The cloud, the account, where the session is kept, the language, the QA camera source.
    Settings,
}

/// What the Scan screen's camera area shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraState {
    /// Opening the camera.
    Starting,
    /// Frames are coming.
    Live {
        /// The camera's name as the system gives it (the file's path for a QA source).
        name: String,
        /// How many cameras the switcher can choose from (1 for a QA source).
        cameras: usize,
        /// Whether this camera has a torch the app can switch (never on the desktop).
        torch: bool,
    },
    /// This device has no camera (or none this build can use).
    NoCamera,
    /// The system refused access to the camera.
    PermissionDenied,
    /// The browser offers cameras only to pages served over HTTPS or from localhost.
    InsecurePage,
    /// Another app holds the camera, or it could not start.
    InUse,
    /// The page could not show the camera (its window, document or video element is gone).
    PageBroken,
    /// The browser's scanner (loaded when first needed) could not be loaded: no network and
    /// not kept for offline use, or a browser without what it needs.
    ScannerUnavailable {
        /// Why, in the browser's own words.
        detail: String,
    },
    /// The camera (or QA source) stopped.
    Stopped {
        /// Why, in the system's own words.
        detail: String,
    },
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's id on the cloud in use.
    pub uid: String,
    /// The address the account signs in with, lower-cased; Settings shows it.
    pub email: String,
    /// When the session stops working (then the user must sign in again), as RFC 3339 text.
    pub expires_at: String,
}

/// A scanned label waiting on the Confirm screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The label's text as read; the bind sends it again unchanged (with its bind code).
    pub qr_content: String,
    /// What the cloud said about it: the product, the SN, and whether this account can bind
    /// it.
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
    /// Waiting for the cloud to check the email and password.
    SigningIn,
    /// Waiting for the cloud to create the account, then sign it in.
    SigningUp,
    /// Waiting for the cloud to revoke the session.
    SigningOut,
    /// Fetching the account's device list.
    Refreshing,
    /// Waiting for the cloud to say what a scanned or typed label is.
    Inspecting,
    /// Binding the label on Confirm to the account, then fetching the device list.
    Binding,
    /// Saving a device's new name.
    Renaming,
    /// Removing a device from the account.
    Unbinding,
}

/// A short confirmation after something worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The bound device was already this account's; nothing changed.
    AlreadyYours {
        /// The name it already had, which the cloud kept (not the one just typed).
        name: String,
    },
    /// A device was renamed.
    Renamed {
        /// Its new name.
        name: String,
    },
    /// A device was removed from the account.
    Unbound {
        /// The name it had; empty when it was not in the list the app held.
        name: String,
    },
    /// The sandbox was wiped and its accounts are gone: the user must create one again.
    SandboxReset,
    /// Every session of the account was revoked, on every device.
    SignedOutEverywhere,
}
