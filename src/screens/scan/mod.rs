//! Scan: the live preview with a frame overlay and a camera switcher, and the two other ways
//! in — "Open image…" and "Enter code" — which stay on screen in every camera state, so a
//! machine without a camera (or with access refused) is never a dead end.
//!
//! The camera (the [`use_camera`] hook and the [`Viewfinder`]) is in `camera.rs`; this module
//! lays out the screen and its buttons.

mod camera;

use std::path::PathBuf;

use dioxus::prelude::*;

use crate::components::{AppBar, BusyLine, ErrorPanel};
use crate::host::HostHandle;
use crate::i18n::{t, Lang, Text};
use crate::state::{Action, CameraState, Model, ScanProblem, Screen};
use crate::{dispatch, use_host, use_model};
pub use camera::{use_camera, Camera, Viewfinder};

/// The scan screen.
#[component]
pub fn Scan() -> Element {
    let model = use_model();
    let camera = use_camera(model, use_host());
    let m = model.read();
    let lang = m.lang;
    let state = m.camera.clone();
    let busy = m.busy.is_some();
    drop(m);
    let live = matches!(state, CameraState::Live { .. });
    rsx! {
        AppBar { title: t(lang, Text::ScanTitle).to_owned(), back: Some(Screen::Home) }
        section { class: "screen scan",
            Viewfinder { lang, state: state.clone(), preview: camera.preview }
            if live {
                p { class: "hint", {t(lang, Text::ScanHint)} }
            }
            BusyLine {}
            ErrorPanel {}
            ScanActions { lang, state, camera, busy }
            DemoLabels { lang, busy }
        }
    }
}

/// The buttons under the camera: the torch and the camera switcher when the live camera has
/// them, then the other ways in, and Cancel.
#[component]
fn ScanActions(lang: Lang, state: CameraState, camera: Camera, busy: bool) -> Element {
    let mut model = use_model();
    let Camera {
        mut index,
        torch,
        mut torch_on,
        ..
    } = camera;
    let cameras = match &state {
        CameraState::Live { cameras, .. } => *cameras,
        _ => 0,
    };
    // The torch button only for a live camera that has one.
    let torch = torch().filter(|_| matches!(state, CameraState::Live { torch: true, .. }));
    let lit = torch_on();
    rsx! {
        div { class: "scan-actions",
            if let Some(switch) = torch {
                button {
                    class: if lit { "torch on" } else { "torch" },
                    "aria-pressed": if lit { "true" } else { "false" },
                    onclick: move |_| {
                        let on = !torch_on();
                        switch.set(on);
                        torch_on.set(on);
                    },
                    {t(lang, Text::Torch)}
                }
            }
            if cameras > 1 {
                button {
                    class: "switch-camera",
                    onclick: move |_| {
                        let next = (index() + 1) % cameras;
                        index.set(next);
                    },
                    {t(lang, Text::SwitchCamera)}
                }
            }
            OpenImage { lang, busy }
            button {
                class: "enter-code",
                onclick: move |_| model.write().go(Screen::EnterCode),
                {t(lang, Text::EnterCode)}
            }
            button {
                class: "cancel",
                onclick: move |_| model.write().go(Screen::Home),
                {t(lang, Text::Cancel)}
            }
        }
    }
}

/// "Open image…": a file dialog of this device, or the page's own file input in the browser.
#[component]
fn OpenImage(lang: Lang, busy: bool) -> Element {
    let model = use_model();
    let host = use_host();
    let dialog_host = host.clone();
    let pick_host = host.clone();
    rsx! {
        if host.can_open_images() {
            button {
                class: "open-image",
                disabled: busy,
                onclick: move |_| {
                    if let Some(path) = dialog_host.pick_image() {
                        read_image(model, &dialog_host, path);
                    }
                },
                {t(lang, Text::OpenImage)}
            }
        }
        if host.picks_images_in_page() {
            label { class: "file-button open-image",
                input {
                    class: "open-image-file",
                    r#type: "file",
                    accept: "image/*",
                    disabled: busy,
                    onchange: move |event: FormEvent| {
                        let host = pick_host.clone();
                        async move { read_picked(model, &host, event).await }
                    },
                }
                {t(lang, Text::OpenImage)}
            }
        }
    }
}

/// The sandbox's demo labels, each a button that scans it.
#[component]
fn DemoLabels(lang: Lang, busy: bool) -> Element {
    let model = use_model();
    let host = use_host();
    let labels = host.demo_labels();
    if labels.is_empty() {
        return rsx! {};
    }
    rsx! {
        section { class: "demo-labels",
            h3 { {t(lang, Text::DemoLabels)} }
            p { class: "hint", {t(lang, Text::DemoLabelsHint)} }
            ul {
                for path in labels {
                    li { key: "{path.display()}",
                        button {
                            class: "demo-label",
                            "data-file": path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
                            disabled: busy,
                            onclick: {
                                let host = host.clone();
                                let path = path.clone();
                                move |_| read_image(model, &host, path.clone())
                            },
                            {path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()}
                        }
                    }
                }
            }
        }
    }
}

/// Reads the code in an image and checks it with the cloud.
fn read_image(mut model: Signal<Model>, host: &HostHandle, path: PathBuf) {
    match host.read_image(&path) {
        Ok(text) => dispatch(model, Action::Inspect { qr_content: text }),
        Err(problem) => model.write().scan_failed(problem),
    }
}

/// Reads the code in the picture picked in the page's file input and checks it with the
/// cloud.
async fn read_picked(mut model: Signal<Model>, host: &HostHandle, event: FormEvent) {
    let Some(file) = event.files().into_iter().next() else {
        return;
    };
    let name = file.name();
    let read = match file.read_bytes().await {
        Ok(bytes) => host.read_image_bytes(&name, &bytes).await,
        Err(error) => Err(ScanProblem::ImageUnreadable {
            file: name,
            detail: error.to_string(),
        }),
    };
    match read {
        Ok(text) => dispatch(model, Action::Inspect { qr_content: text }),
        Err(problem) => model.write().scan_failed(problem),
    }
}
