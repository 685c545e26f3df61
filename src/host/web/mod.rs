//! The browser as the app's host: the camera through `getUserMedia`, played into the Scan
//! screen's own `<video>` element and sampled into a canvas for bindery-scan's decoder; a
//! picked picture's bytes decoded the same way; Settings' choices kept in `localStorage`.
//!
//! One module per seam: `camera` opens the camera and runs the feed, `scan` decodes its
//! frames, `torch` switches a phone's torch, `storage` keeps the choices, `history` keeps the
//! address in step with the screen. This module is the
//! [`Host`] the screens see and what `main` asks the page before the app starts.

mod camera;
mod history;
mod scan;
mod storage;
mod torch;

use bindery_scan::source::decode_image;

use super::{CameraFeed, Host, Location};
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

    fn read_image_bytes(&self, file: &str, bytes: &[u8]) -> Result<String, ScanProblem> {
        let image = decode_image(std::path::Path::new(file), bytes);
        super::picture::read_code(file, image)
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
