//! The browser as the app's host: the camera through `getUserMedia`, played into the Scan
//! screen's own `<video>` element and sampled into a canvas for the scanner (bindery-scan
//! built as a module of its own, run in a worker the app starts when it first scans); a
//! picked picture's bytes read by the same scanner; Settings' choices kept in `localStorage`.
//!
//! One module per seam: `camera` opens the camera and runs the feed, `scan` hands its frames
//! to the scanner, `scanner` starts the scanner's worker and talks to it, `torch` switches a
//! phone's torch, `storage` keeps the choices, `history` keeps the address in step with the
//! screen. This module is the
//! [`Host`] the screens see and what `main` asks the page before the app starts.

mod camera;
mod history;
mod scan;
mod scanner;
mod storage;
mod torch;

use super::{CameraFeed, Host, Location, Reading};
use crate::i18n::Lang;
use crate::state::preferences::Preferences;
use crate::state::ScanProblem;

pub use storage::remembered_preferences;

/// The id of the `<video>` element the Scan screen renders for the camera.
pub use super::VIDEO_ID;

/// The performance mark set when the camera's first frame is on screen: where the browser
/// end-to-end test starts its scan-to-confirm clock.
pub const FIRST_FRAME_MARK: &str = "bindery:first-frame";

/// The browser's camera and file input; no sandbox.
#[derive(Debug, Default)]
pub struct WebHost;

impl Host for WebHost {
    fn open_camera(&self, index: usize) -> Option<Box<dyn CameraFeed>> {
        Some(camera::open(index))
    }

    fn video_preview(&self) -> Option<&'static str> {
        Some(VIDEO_ID)
    }

    fn picks_images_in_page(&self) -> bool {
        true
    }

    fn read_image_bytes(&self, file: &str, bytes: &[u8]) -> Reading {
        let file = file.to_owned();
        // Copied out of the app's memory now; the scanner gets this copy's buffer.
        let bytes = js_sys::Uint8Array::from(bytes);
        Box::pin(async move { read_picture(file, bytes).await })
    }

    fn save_preferences(&self, preferences: &Preferences) {
        storage::save_preferences(preferences);
    }

    fn location(&self) -> Option<Location> {
        history::location()
    }

    fn show_location(&self, path: &str, state: Option<&str>, replace: bool) {
        history::show(path, state, replace);
    }

    fn on_location_change(&self, moved: Box<dyn Fn(Location)>) {
        history::on_pop(moved);
    }
}

/// The cloud that served the page: the web build talks to it unless Settings says otherwise.
pub fn serving_cloud() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// The browser's language, when the app speaks it.
pub fn browser_language() -> Option<Lang> {
    web_sys::window()?
        .navigator()
        .language()
        .as_deref()
        .and_then(Lang::from_tag)
}

/// Reads the code in a picked picture's bytes in the scanner's worker (the thorough effort).
async fn read_picture(file: String, bytes: js_sys::Uint8Array) -> Result<String, ScanProblem> {
    let message = js_sys::Object::new();
    let buffer = bytes.buffer();
    for (key, value) in [
        ("kind", wasm_bindgen::JsValue::from_str("picture")),
        ("name", file.as_str().into()),
        ("bytes", buffer.clone().into()),
    ] {
        let _ = js_sys::Reflect::set(&message, &key.into(), &value);
    }
    let field = |answer: &js_sys::Object, name: &str| {
        js_sys::Reflect::get(answer, &name.into())
            .ok()
            .and_then(|value| value.as_string())
    };
    match scanner::ask(&message, Some(&buffer)).await {
        Ok(answer) => match (field(&answer, "text"), field(&answer, "unreadable")) {
            (Some(text), _) => Ok(text),
            (None, Some(detail)) => Err(ScanProblem::ImageUnreadable { file, detail }),
            (None, None) => Err(ScanProblem::NoCodeIn { file }),
        },
        // The decoder stopped on this picture: as far as the user can tell, no code was read.
        Err(scanner::ScannerError::Crashed(_)) => Err(ScanProblem::NoCodeIn { file }),
        Err(scanner::ScannerError::Unavailable(detail)) => {
            Err(ScanProblem::ScannerUnavailable { file, detail })
        }
    }
}
