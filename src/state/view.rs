//! The values the screens show, apart from failures: the cloud in use, which screen is up,
//! the camera area, the account, the label waiting on Confirm, what the app is waiting for and
//! the notice after something worked. Plain data; their words are in [`crate::i18n`].

use bindery_core::api::{DeviceStatus, Inspection};

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
    /// The browser offers cameras only to pages served over HTTPS or from localhost.
    InsecurePage,
    /// Another app holds the camera, or it could not start.
    InUse,
    /// The page could not show the camera (its window, document or video element is gone).
    PageBroken,
    /// The camera (or QA source) stopped; `detail` is the system's own words.
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

/// A short confirmation after something worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    AlreadyYours { name: String },
    Renamed { name: String },
    Unbound { name: String },
    SandboxReset,
}
