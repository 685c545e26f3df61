//! What the device the app runs on offers beyond the cloud: a camera, a file picker, the
//! embedded sandbox cloud. Screens ask through the [`Host`] trait, so the same screens run on
//! the desktop (camera, files, sandbox), in the browser, on phones and in tests, where a host
//! may offer none of it and the screens show the other ways.

#[cfg(all(feature = "scan", not(target_arch = "wasm32")))]
pub mod camera;
#[cfg(feature = "desktop")]
pub mod desktop;
#[cfg(all(feature = "mobile", not(target_arch = "wasm32")))]
pub mod mobile;
#[cfg(all(feature = "scan", not(target_arch = "wasm32")))]
pub mod picture;
#[cfg(any(
    all(feature = "scan", not(target_arch = "wasm32")),
    all(feature = "mobile", not(target_arch = "wasm32"))
))]
mod rate;
#[cfg(all(feature = "sandbox", not(target_arch = "wasm32")))]
pub mod sandbox;
#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub mod web;
#[cfg(all(
    any(feature = "desktop", feature = "mobile"),
    not(target_arch = "wasm32")
))]
pub mod webview;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::state::{CameraState, Cloud, ScanProblem};

/// The id of the `<video>` element the Scan screen renders for cameras the page plays itself
/// (the browser's, and the webview's on phones): see [`Host::video_preview`].
pub const VIDEO_ID: &str = "bindery-camera";

/// What a refused `getUserMedia` means for the Scan screen, from the `DOMException`'s name
/// (and its message, shown when the name says nothing known). The browser and the webview
/// cameras share it, so a refusal reads the same on every platform.
pub fn camera_refusal(name: &str, message: &str) -> CameraState {
    match name {
        "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => {
            CameraState::PermissionDenied
        }
        // WebKitGTK with no camera at all says OverconstrainedError, even for `video: true`.
        "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => CameraState::NoCamera,
        "NotReadableError" | "AbortError" | "TrackStartError" => CameraState::InUse,
        // The page's own names (the webview camera's script): no camera API on this page
        // (not a secure one), or no `<video>` to play into.
        "NoMediaDevices" => CameraState::InsecurePage,
        "NoVideoElement" => CameraState::PageBroken,
        // The platform's own words, when it gives any; otherwise it is as good as busy.
        _ if !message.is_empty() => CameraState::Stopped {
            detail: message.to_owned(),
        },
        _ => CameraState::InUse,
    }
}

/// What [`Host::read_image_bytes`] gives: the code's text once the picture has been read.
pub type Reading =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, ScanProblem>>>>;

/// Something the camera feed reports to the Scan screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    /// The camera area changed: starting, live, refused, stopped, …
    State(CameraState),
    /// A newer preview frame is ready (take it with [`CameraFeed::preview`]).
    Frame,
    /// A code was read.
    Code(String),
}

/// The torch of a running camera as the Scan screen switches it: the screen says what the
/// user wants, the feed applies it to the camera (on its own thread or loop, where the
/// camera lives).
#[derive(Debug, Clone, Default)]
pub struct TorchSwitch(Arc<AtomicBool>);

impl TorchSwitch {
    /// Asks for the torch on or off.
    pub fn set(&self, on: bool) {
        self.0.store(on, Ordering::SeqCst);
    }

    /// Whether the torch is wanted on.
    pub fn wanted(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A running camera (or QA source). Dropping it stops it.
pub trait CameraFeed: Send {
    /// The next event; `None` once the feed has ended for good.
    fn next_event(
        &mut self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<FeedEvent>> + Send + '_>>;
    /// The newest preview frame as an image URL (`data:` URL), if any. Feeds that play into
    /// the screen's `<video>` ([`Host::video_preview`]) have none.
    fn preview(&self) -> Option<String>;

    /// The switch of this feed's torch, for feeds that can have one; whether the camera has
    /// one is in [`CameraState::Live`].
    fn torch(&self) -> Option<TorchSwitch> {
        None
    }
}

/// Where the page is: its address and what its history entry keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The path (`/app/scan`).
    pub path: String,
    /// The query, without `?`.
    pub query: String,
    /// The history entry's state: a Confirm's label, kept out of the address.
    pub state: Option<String>,
}

/// The device's capabilities. Every method has the answer of a host that offers nothing.
pub trait Host: Send + Sync {
    /// The sandbox cloud, when this host runs one.
    fn sandbox(&self) -> Option<Cloud> {
        None
    }

    /// Wipes the sandbox's database and prints new demo labels.
    fn reset_sandbox(&self) -> Result<(), String> {
        Err("this device has no sandbox".to_owned())
    }

    /// The sandbox's demo label images, for "Open image…" and the demo list.
    fn demo_labels(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Whether "Open image…" can open a file dialog here.
    fn can_open_images(&self) -> bool {
        false
    }

    /// Asks the user for an image (a file dialog). `None` when cancelled.
    fn pick_image(&self) -> Option<PathBuf> {
        None
    }

    /// Reads the QR code in an image file.
    fn read_image(&self, path: &std::path::Path) -> Result<String, ScanProblem> {
        Err(ScanProblem::ImagesUnsupported {
            file: path.display().to_string(),
        })
    }

    /// Whether "Open image…" is a file input in the page (the browser), whose bytes go to
    /// [`Host::read_image_bytes`], rather than a dialog of this device.
    fn picks_images_in_page(&self) -> bool {
        false
    }

    /// Reads the QR code in the bytes of a picture the user picked in the page. The answer
    /// comes later: the browser reads pictures off the page's thread.
    fn read_image_bytes(&self, file: &str, _bytes: &[u8]) -> Reading {
        let file = file.to_owned();
        Box::pin(async move { Err(ScanProblem::ImagesUnsupported { file }) })
    }

    /// The address the app was opened at, on hosts that have addresses (the browser). See
    /// [`crate::state::Route`].
    fn location(&self) -> Option<Location> {
        None
    }

    /// Shows `path` (a route's address, query included) as the current address, with `state`
    /// kept in the history entry beside it: a new entry, or in place of the current one when
    /// `replace`. Nothing happens when both are what the entry holds already.
    fn show_location(&self, _path: &str, _state: Option<&str>, _replace: bool) {}

    /// Calls `moved` with the new address each time the user moves through the history
    /// (Back, Forward, the phone's Back gesture).
    fn on_location_change(&self, _moved: Box<dyn Fn(Location)>) {}

    /// Opens camera `index` (or the QA source, when one is set). `None` when the host has no
    /// camera support at all (the screen then shows the no-camera state).
    fn open_camera(&self, _index: usize) -> Option<Box<dyn CameraFeed>> {
        None
    }

    /// The QA frame source used instead of a camera (an image, a folder or a .y4m video).
    fn qa_source(&self) -> Option<PathBuf> {
        None
    }

    /// Sets or clears the QA frame source. Hosts without scanning ignore it.
    fn set_qa_source(&self, _source: Option<PathBuf>) {}

    /// The id of a `<video>` element the Scan screen renders for the camera to play into, on
    /// hosts whose camera is a browser stream (the browser draws the live preview itself).
    fn video_preview(&self) -> Option<&'static str> {
        None
    }

    /// Remembers the user's choices for the next start. Hosts with nowhere to keep them
    /// forget them.
    fn save_preferences(&self, _preferences: &crate::state::preferences::Preferences) {}

    /// Whether the QA source setting applies here.
    fn has_qa_source(&self) -> bool {
        false
    }
}

/// A host with nothing: tests, and builds without a platform.
#[derive(Debug, Default)]
pub struct BareHost;

impl Host for BareHost {}

/// The host as the screens get it (a context value).
#[derive(Clone)]
pub struct HostHandle(pub Arc<dyn Host>);

impl HostHandle {
    /// A handle to a [`BareHost`]: no camera, no file dialog, no sandbox.
    pub fn bare() -> HostHandle {
        HostHandle(Arc::new(BareHost))
    }
}

impl std::ops::Deref for HostHandle {
    type Target = dyn Host;
    fn deref(&self) -> &(dyn Host + 'static) {
        &*self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row: the `DOMException` name (and message) a camera refusal came with, and the
    /// Scan screen's state for it.
    #[test]
    fn camera_refusals_read_as_the_scan_screens_states() {
        let rows = [
            ("NotAllowedError", "", CameraState::PermissionDenied),
            ("SecurityError", "", CameraState::PermissionDenied),
            ("NotFoundError", "", CameraState::NoCamera),
            ("OverconstrainedError", "", CameraState::NoCamera),
            ("NotReadableError", "busy", CameraState::InUse),
            ("AbortError", "", CameraState::InUse),
            ("NoMediaDevices", "", CameraState::InsecurePage),
            ("NoVideoElement", "", CameraState::PageBroken),
            (
                "ScriptError",
                "TypeError: x is undefined",
                CameraState::Stopped {
                    detail: "TypeError: x is undefined".into(),
                },
            ),
            ("", "", CameraState::InUse),
        ];
        for (name, message, state) in rows {
            assert_eq!(camera_refusal(name, message), state, "{name} {message:?}");
        }
    }
}
