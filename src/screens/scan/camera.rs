//! The Scan screen's camera: [`use_camera`] opens it while the screen shows (and again when
//! the user switches cameras), and [`Viewfinder`] shows what it sees, with a note in each
//! state that is not live. The feed lives in a task of the screen, so leaving the screen drops
//! it and the camera stops.

use dioxus::prelude::*;

use crate::components::scan_feedback;
use crate::host::{FeedEvent, HostHandle, TorchSwitch};
use crate::i18n::{t, tf, Lang, Text};
use crate::state::{CameraState, Model};
use crate::{dispatch, use_host};

/// The camera as the screen's pieces use it. Its state is the model's [`Model::camera`];
/// codes it reads are checked with the cloud like any scan.
#[derive(Clone, Copy, PartialEq)]
pub struct Camera {
    /// Which camera is open; the switcher moves it on, which reopens the feed.
    pub index: Signal<usize>,
    /// The newest preview frame as an image URL, on hosts that send frames.
    pub preview: Signal<Option<String>>,
    /// The feed's torch switch, for feeds that can have one.
    pub torch: Signal<Option<TorchSwitch>>,
    /// Whether the user turned the torch on.
    pub torch_on: Signal<bool>,
}

/// Opens camera [`Camera::index`] on `host` and keeps the model's camera state, the preview
/// and the torch up to date; codes it reads are dispatched as checks.
pub fn use_camera(mut model: Signal<Model>, host: HostHandle) -> Camera {
    let index = use_signal(|| 0usize);
    let mut preview = use_signal(|| None::<String>);
    let mut feed_task = use_signal(|| None::<dioxus::dioxus_core::Task>);
    let mut torch = use_signal(|| None::<TorchSwitch>);
    let mut torch_on = use_signal(|| false);

    // (Re)open the camera whenever the chosen index changes; the feed lives in the task, so
    // leaving the screen (or switching) drops it and the camera stops.
    use_effect(move || {
        let index = index();
        if let Some(task) = feed_task.peek().as_ref() {
            task.cancel();
        }
        preview.set(None);
        torch_on.set(false);
        let Some(mut feed) = host.open_camera(index) else {
            torch.set(None);
            model.write().camera = CameraState::NoCamera;
            return;
        };
        torch.set(feed.torch());
        model.write().camera = CameraState::Starting;
        let task = spawn(async move {
            while let Some(event) = feed.next_event().await {
                match event {
                    FeedEvent::State(state) => model.write().camera = state,
                    FeedEvent::Frame => preview.set(feed.preview()),
                    FeedEvent::Code(text) => {
                        let action = model.write().scanned(&text, web_time::Instant::now());
                        if let Some(action) = action {
                            scan_feedback();
                            dispatch(model, action);
                        }
                    }
                }
            }
        });
        feed_task.set(Some(task));
    });

    Camera {
        index,
        preview,
        torch,
        torch_on,
    }
}

/// The camera area: the live picture (the host's `<video>`, or preview frames), the frame
/// overlay while the camera is starting or live, and the note for the other states.
#[component]
pub fn Viewfinder(lang: Lang, state: CameraState, preview: Signal<Option<String>>) -> Element {
    let video_id = use_host().video_preview();
    let state_class = match &state {
        CameraState::Starting => "starting",
        CameraState::Live { .. } => "live",
        CameraState::NoCamera => "no-camera",
        CameraState::PermissionDenied => "permission-denied",
        CameraState::InsecurePage => "insecure-page",
        CameraState::InUse | CameraState::PageBroken => "stopped",
        CameraState::ScannerUnavailable { .. } => "stopped",
        CameraState::Stopped { .. } => "stopped",
    };
    let framed = matches!(state, CameraState::Live { .. } | CameraState::Starting);
    rsx! {
        div { class: "viewfinder {state_class}",
            if let Some(id) = video_id {
                video {
                    id,
                    class: "preview",
                    autoplay: true,
                    muted: true,
                    playsinline: true,
                    "aria-hidden": "true",
                }
            }
            if let Some(src) = preview() {
                img { class: "preview", src, alt: "" }
            }
            if framed {
                div { class: "frame-overlay", "aria-hidden": "true",
                    span { class: "corner tl" } span { class: "corner tr" }
                    span { class: "corner bl" } span { class: "corner br" }
                }
            }
            CameraNote { lang, state }
        }
    }
}

/// What the camera area says when it shows no live picture.
#[component]
fn CameraNote(lang: Lang, state: CameraState) -> Element {
    match state {
        CameraState::Starting => rsx! { p { class: "camera-note", {t(lang, Text::Starting)} } },
        CameraState::Live { .. } => rsx! {},
        CameraState::NoCamera => rsx! {
            div { class: "camera-note",
                h3 { {t(lang, Text::NoCameraTitle)} }
                p { {t(lang, Text::NoCameraHint)} }
            }
        },
        CameraState::PermissionDenied => rsx! {
            div { class: "camera-note",
                h3 { {t(lang, Text::PermissionTitle)} }
                p { {t(lang, Text::PermissionHint)} }
            }
        },
        CameraState::InsecurePage => rsx! {
            div { class: "camera-note",
                h3 { {t(lang, Text::InsecurePageTitle)} }
                p { {t(lang, Text::InsecurePageHint)} }
            }
        },
        CameraState::InUse => rsx! {
            div { class: "camera-note", p { {t(lang, Text::CameraInUse)} } }
        },
        CameraState::PageBroken => rsx! {
            div { class: "camera-note", p { {t(lang, Text::PageBroken)} } }
        },
        CameraState::ScannerUnavailable { detail } => rsx! {
            div { class: "camera-note",
                p { {tf(lang, Text::ScannerUnavailable, &[("detail", &detail)])} }
            }
        },
        CameraState::Stopped { detail } => rsx! {
            div { class: "camera-note",
                p { {tf(lang, Text::CameraFailed, &[("detail", &detail)])} }
            }
        },
    }
}
