//! The desktop host without a window: the sandbox cloud (start, demo labels, reset) and the
//! camera feed with QA sources standing in for a camera. Built with the default (desktop)
//! features only.

#![cfg(feature = "desktop")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bindery::host::camera;
use bindery::host::sandbox::{Sandbox, DEMO_LABELS, DEMO_PRODUCT_NAME};
use bindery::host::{FeedEvent, Host};
use bindery::i18n::Lang;
use bindery::state::session::MemorySessions;
use bindery::state::{Action, CameraState, Cloud, Model, ScanProblem, Screen, Secret};
use bindery_core::api::DeviceStatus;
use bindery_core::ErrorCode;

/// The sandbox runs on its own runtime: drive it from a plain thread, as the app does.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn the_sandbox_prints_demo_labels_that_bind_and_a_reset_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(dir.path()).unwrap();
    let labels = sandbox.labels();
    assert_eq!(labels.len(), DEMO_LABELS as usize);
    assert!(sandbox.labels_dir().join("labels.csv").exists());

    // "Open image…" on a demo label, then the whole flow on the sandbox.
    let text = camera::read_image(&labels[0]).unwrap();
    let sn = labels[0]
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(text.contains(&sn), "{text}");
    let cloud = Cloud {
        url: sandbox.url(),
        sandbox: true,
    };
    let sessions = Arc::new(MemorySessions::default());
    let (mut model, _) = Model::new(cloud.clone(), Lang::En, sessions.clone());
    block_on(async {
        model
            .perform(Action::SignUp {
                email: "demo@example.com".into(),
                password: Secret("demo password".into()),
            })
            .await;
        model.go(Screen::Scan);
        model
            .perform(Action::Inspect {
                qr_content: text.clone(),
            })
            .await;
    });
    let pending = model.pending.clone().expect("on Confirm");
    assert_eq!(pending.inspection.product_name, DEMO_PRODUCT_NAME);
    assert_eq!(pending.inspection.status, DeviceStatus::Bindable);
    block_on(model.perform(Action::Bind {
        name: "Demo plug".into(),
    }));
    assert_eq!(model.screen, Screen::Home);
    assert_eq!(model.devices.as_ref().unwrap().len(), 1);

    // A restart keeps everything (same database), on a new port; the session is kept
    // under "sandbox", not the port.
    drop(sandbox);
    let sandbox = Sandbox::start(dir.path()).unwrap();
    assert_eq!(sandbox.labels(), labels, "no new labels on a restart");
    let (mut again, next) = Model::new(
        Cloud {
            url: sandbox.url(),
            sandbox: true,
        },
        Lang::En,
        sessions,
    );
    assert_eq!(next, Some(Action::Refresh));
    block_on(again.perform(Action::Refresh));
    assert_eq!(again.devices.as_ref().unwrap().len(), 1);

    // A reset wipes accounts and bindings and prints new labels.
    let url = std::thread::scope(|s| s.spawn(|| sandbox.reset()).join().unwrap()).unwrap();
    assert_ne!(sandbox.labels(), labels);
    let (mut fresh, _) = Model::new(
        Cloud { url, sandbox: true },
        Lang::En,
        Arc::new(MemorySessions::default()),
    );
    block_on(fresh.perform(Action::SignIn {
        email: "demo@example.com".into(),
        password: Secret("demo password".into()),
    }));
    assert_eq!(
        fresh.failure.as_ref().and_then(|f| f.code()),
        Some(ErrorCode::Unauthorized),
        "the account is gone"
    );
}

#[test]
fn an_image_without_a_code_or_not_an_image_is_a_clear_problem() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.png");
    std::fs::write(&text, b"not a picture").unwrap();
    match camera::read_image(&text) {
        Err(ScanProblem::ImageUnreadable { file, .. }) => assert_eq!(file, "notes.png"),
        other => panic!("{other:?}"),
    }
}

/// Waits for the next feed event, up to 10 s.
fn next(feed: &mut Box<dyn bindery::host::CameraFeed>) -> Option<FeedEvent> {
    block_on(async {
        tokio::time::timeout(Duration::from_secs(10), feed.next_event())
            .await
            .ok()
            .flatten()
    })
}

#[test]
fn a_folder_of_labels_is_a_camera_whose_codes_and_preview_reach_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(dir.path()).unwrap();
    let mut feed = camera::open(0, Some(sandbox.labels_dir()));
    match next(&mut feed) {
        Some(FeedEvent::State(CameraState::Live { cameras, .. })) => assert_eq!(cameras, 1),
        other => panic!("{other:?}"),
    }
    let started = Instant::now();
    let mut codes = Vec::new();
    let mut frames = 0;
    while codes.len() < 2 && started.elapsed() < Duration::from_secs(20) {
        match next(&mut feed) {
            Some(FeedEvent::Code(text)) => codes.push(text),
            Some(FeedEvent::Frame) => {
                frames += 1;
                let url = feed.preview().expect("a preview after a Frame event");
                assert!(url.starts_with("data:image/bmp;base64,"));
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(frames > 0, "previews were shown");
    assert_eq!(codes.len(), 2, "two labels read: {codes:?}");
    assert_ne!(codes[0], codes[1]);
    assert!(codes.iter().all(|c| c.contains("&bc=")), "{codes:?}");
}

#[test]
fn without_a_camera_the_feed_says_so() {
    // This machine has no camera (nokhwa lists none); a missing QA file is a stopped feed.
    let mut feed = camera::open(0, None);
    assert_eq!(
        next(&mut feed),
        Some(FeedEvent::State(CameraState::NoCamera))
    );
    let mut feed = camera::open(0, Some("/nonexistent/labels.y4m".into()));
    match next(&mut feed) {
        Some(FeedEvent::State(CameraState::Stopped { detail })) => {
            assert!(detail.contains("/nonexistent/labels.y4m"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_desktop_host_offers_files_and_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(dir.path()).unwrap();
    let url = sandbox.url();
    let host = bindery::host::desktop::DesktopHost::new(Some(sandbox), None);
    assert_eq!(host.sandbox(), Some(Cloud { url, sandbox: true }));
    assert_eq!(host.demo_labels().len(), DEMO_LABELS as usize);
    assert!(host.can_open_images());
    host.set_qa_source(Some(dir.path().join("x.y4m")));
    assert_eq!(host.qa_source(), Some(dir.path().join("x.y4m")));
    host.reset_sandbox().expect("the sandbox resets");
    assert_eq!(host.demo_labels().len(), DEMO_LABELS as usize);
}

#[test]
fn flags_win_over_remembered_settings_which_win_over_the_defaults() {
    use bindery::host::desktop::starting_choice;
    use bindery::state::preferences::Preferences;
    let remembered = Preferences {
        lang: Some("zh-CN".into()),
        cloud: Some("https://cloud.example.com".into()),
    };
    assert_eq!(
        starting_choice(None, None, &remembered),
        (Lang::ZhCn, Some("https://cloud.example.com".to_owned()))
    );
    assert_eq!(
        starting_choice(Some("en"), Some("http://127.0.0.1:8080"), &remembered),
        (Lang::En, Some("http://127.0.0.1:8080".to_owned()))
    );
    // Nothing remembered, no cloud flag: the sandbox.
    let (_, cloud) = starting_choice(Some("zh-CN"), None, &Preferences::default());
    assert_eq!(cloud, None);
}
