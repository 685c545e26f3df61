//! The desktop's WebKitGTK asks its embedder before a page may use a camera, and wry answers
//! no such question: unanswered, WebKit denies it, so `--camera webview` on a Linux machine
//! with a webcam would always show "Camera access is off". Android's WebView (wry asks for
//! the CAMERA permission, which the bundle declares) and WKWebView (wry grants, and iOS asks
//! the user with the bundle's usage text) answer it themselves.
//!
//! The user started this app with its webview camera, so its page may use a camera; every
//! other request (microphone, screen, location, notifications) is refused, as before.

use std::cell::Cell;

use dioxus::desktop::wry::WebViewExtUnix;
use webkit2gtk::glib::Cast;
use webkit2gtk::{
    PermissionRequestExt, SettingsExt, UserMediaPermissionRequest, UserMediaPermissionRequestExt,
    WebViewExt,
};

thread_local! {
    /// The window's webview is set up once (the UI lives on one thread).
    static ANSWERING: Cell<bool> = const { Cell::new(false) };
}

/// Lets the page open a camera (video only): media streams on, camera requests granted.
pub(super) fn allow_the_camera() {
    if ANSWERING.replace(true) {
        return;
    }
    let view = dioxus::desktop::window().webview.webview();
    if let Some(settings) = WebViewExt::settings(&view) {
        settings.set_enable_media_stream(true);
    }
    view.connect_permission_request(|_, request| {
        match request.downcast_ref::<UserMediaPermissionRequest>() {
            Some(media) if media.is_for_video_device() && !media.is_for_audio_device() => {
                tracing::info!("the page opens the camera");
                request.allow();
            }
            _ => request.deny(),
        }
        true
    });
}
