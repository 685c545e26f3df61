//! The phones' host (Android, iOS): the app's screens run in the platform's webview, and the
//! camera is that webview's `getUserMedia`, decoded natively (see [`super::webview`]). No
//! sandbox, no file dialog: a phone is pointed at a cloud in Settings.

use super::{webview, CameraFeed, Host, VIDEO_ID};

/// What a phone offers the screens: its camera.
#[derive(Debug, Default)]
pub struct MobileHost;

impl Host for MobileHost {
    fn open_camera(&self, index: usize) -> Option<Box<dyn CameraFeed>> {
        Some(webview::open(index, None))
    }

    fn video_preview(&self) -> Option<&'static str> {
        Some(VIDEO_ID)
    }
}
