//! Scan: the live preview with a frame overlay and a camera switcher, and the two other ways
//! in — "Open image…" and "Enter code" — which stay on screen in every camera state, so a
//! machine without a camera (or with access refused) is never a dead end.

use std::path::PathBuf;

use dioxus::prelude::*;

use crate::components::{scan_feedback, AppBar, BusyLine, ErrorPanel};
use crate::host::{FeedEvent, TorchSwitch};
use crate::i18n::{t, Text};
use crate::state::{Action, CameraState, Model, Screen};
use crate::{dispatch, use_host, use_model};

/// The scan screen.
#[component]
pub fn Scan() -> Element {
    let mut model = use_model();
    let host = use_host();
    let mut camera_index = use_signal(|| 0usize);
    let mut preview = use_signal(|| None::<String>);
    let mut feed_task = use_signal(|| None::<dioxus::dioxus_core::Task>);
    let mut torch_switch = use_signal(|| None::<TorchSwitch>);
    let mut torch_on = use_signal(|| false);

    // (Re)open the camera whenever the chosen index changes; the feed lives in the task, so
    // leaving the screen (or switching) drops it and the camera stops.
    let camera_host = host.clone();
    use_effect(move || {
        let index = camera_index();
        if let Some(task) = feed_task.peek().as_ref() {
            task.cancel();
        }
        preview.set(None);
        torch_on.set(false);
        let Some(mut feed) = camera_host.open_camera(index) else {
            torch_switch.set(None);
            model.write().camera = CameraState::NoCamera;
            return;
        };
        torch_switch.set(feed.torch());
        model.write().camera = CameraState::Starting;
        let task = spawn(async move {
            while let Some(event) = feed.next_event().await {
                match event {
                    FeedEvent::State(state) => model.write().camera = state,
                    FeedEvent::Frame => preview.set(feed.preview()),
                    FeedEvent::Code(text) => {
                        let action = model.write().scanned(&text, now());
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

    let m = model.read();
    let lang = m.lang;
    let camera = m.camera.clone();
    let busy = m.busy.is_some();
    drop(m);
    let can_open = host.can_open_images();
    let video_id = host.video_preview();
    let picks_in_page = host.picks_images_in_page();
    let pick_host = host.clone();
    let demo_labels = host.demo_labels();
    let open_host = host.clone();
    let open_image = move |_: MouseEvent| {
        if let Some(path) = open_host.pick_image() {
            read_image(model, &open_host, path);
        }
    };
    let (state_class, overlay): (&str, Element) = match &camera {
        CameraState::Starting => (
            "starting",
            rsx! { p { class: "camera-note", {t(lang, Text::Starting)} } },
        ),
        CameraState::Live { .. } => ("live", rsx! {}),
        CameraState::NoCamera => (
            "no-camera",
            rsx! {
                div { class: "camera-note",
                    h3 { {t(lang, Text::NoCameraTitle)} }
                    p { {t(lang, Text::NoCameraHint)} }
                }
            },
        ),
        CameraState::PermissionDenied => (
            "permission-denied",
            rsx! {
                div { class: "camera-note",
                    h3 { {t(lang, Text::PermissionTitle)} }
                    p { {t(lang, Text::PermissionHint)} }
                }
            },
        ),
        CameraState::Stopped { detail } => (
            "stopped",
            rsx! {
                div { class: "camera-note",
                    p { {crate::i18n::tf(lang, Text::CameraFailed, &[("detail", detail)])} }
                }
            },
        ),
    };
    let cameras = match &camera {
        CameraState::Live { cameras, .. } => *cameras,
        _ => 0,
    };
    // The torch button only for a live camera that has one.
    let torch = torch_switch().filter(|_| matches!(camera, CameraState::Live { torch: true, .. }));
    let lit = torch_on();
    rsx! {
        AppBar { title: t(lang, Text::ScanTitle).to_owned(), back: Some(Screen::Home) }
        section { class: "screen scan",
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
                if matches!(camera, CameraState::Live { .. } | CameraState::Starting) {
                    div { class: "frame-overlay", "aria-hidden": "true",
                        span { class: "corner tl" } span { class: "corner tr" }
                        span { class: "corner bl" } span { class: "corner br" }
                    }
                }
                {overlay}
            }
            if matches!(camera, CameraState::Live { .. }) {
                p { class: "hint", {t(lang, Text::ScanHint)} }
            }
            BusyLine {}
            ErrorPanel {}
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
                            let next = (camera_index() + 1) % cameras;
                            camera_index.set(next);
                        },
                        {t(lang, Text::SwitchCamera)}
                    }
                }
                if can_open {
                    button { class: "open-image", disabled: busy, onclick: open_image, {t(lang, Text::OpenImage)} }
                }
                if picks_in_page {
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
            if !demo_labels.is_empty() {
                section { class: "demo-labels",
                    h3 { {t(lang, Text::DemoLabels)} }
                    p { class: "hint", {t(lang, Text::DemoLabelsHint)} }
                    ul {
                        for path in demo_labels {
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
    }
}

/// Reads the code in an image and checks it with the cloud.
fn read_image(mut model: Signal<Model>, host: &crate::host::HostHandle, path: PathBuf) {
    match host.read_image(&path) {
        Ok(text) => dispatch(model, Action::Inspect { qr_content: text }),
        Err(problem) => model.write().scan_failed(problem),
    }
}

/// Reads the code in the picture picked in the page's file input and checks it with the
/// cloud.
async fn read_picked(mut model: Signal<Model>, host: &crate::host::HostHandle, event: FormEvent) {
    let Some(file) = event.files().into_iter().next() else {
        return;
    };
    let name = file.name();
    let read = match file.read_bytes().await {
        Ok(bytes) => host.read_image_bytes(&name, &bytes),
        Err(error) => Err(crate::state::ScanProblem::ImageUnreadable {
            file: name,
            detail: error.to_string(),
        }),
    };
    match read {
        Ok(text) => dispatch(model, Action::Inspect { qr_content: text }),
        Err(problem) => model.write().scan_failed(problem),
    }
}

fn now() -> web_time::Instant {
    web_time::Instant::now()
}
