//! Every screen and every error state rendered without a window, in English and Simplified
//! Chinese, with clicks and typing fired into the DOM. Screens that talk to the cloud talk to
//! a real bindery-cloud on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::common::{TestCloud, PASSWORD, PRODUCT_NAME};
use crate::ui::{escape, Ui};
use bindery::host::{CameraFeed, FeedEvent, Host, HostHandle, TorchSwitch};
use bindery::i18n::{error_sentence, t, tf, Lang, Text};
use bindery::state::preferences::Preferences;
use bindery::state::{
    Action, CameraState, Cloud, Failure, FailureKind, Model, Notice, ScanProblem, Screen, Secret,
};
use bindery_core::ErrorCode;
use dioxus::prelude::ReadableExt;

fn both(mut check: impl FnMut(Lang)) {
    for lang in Lang::ALL {
        check(lang);
    }
}

/// `text` as the heading `tag` (`h1` is the app bar's title, `h2` a form's), which only the
/// screen of that title renders: several titles are also the words of a button elsewhere
/// ("Sign in", "Enter code"), so finding the words alone proves nothing.
fn heading(tag: &str, text: &str) -> String {
    format!("<{tag}>{}</{tag}>", escape(text))
}

/// The button of class `class` with `text`, as the renderer writes one without dynamic
/// attributes.
fn button(class: &str, text: &str) -> String {
    format!("<button class=\"{class}\">{}</button>", escape(text))
}

fn in_lang(mut model: Model, lang: Lang) -> Model {
    model.set_lang(lang);
    model
}

/// A model on a cloud nobody listens on (for screens that send nothing).
fn offline(lang: Lang) -> Model {
    Model::new(
        Cloud {
            url: "http://127.0.0.1:9".into(),
            sandbox: false,
        },
        lang,
        Arc::new(bindery::state::session::MemorySessions::default()),
    )
    .0
}

// ---------------------------------------------------------------- sign in / sign up

#[test]
fn sign_in_screen_in_both_languages() {
    both(|lang| {
        let ui = Ui::new(offline(lang));
        let html = ui.html();
        assert!(
            html.contains(&heading("h2", t(lang, Text::SignInTitle))),
            "{html}"
        );
        assert!(html.contains(t(lang, Text::Email)));
        assert!(html.contains(t(lang, Text::NoAccountYet)));
        assert!(
            html.contains("http://127.0.0.1:9"),
            "the cloud in use is shown"
        );
        assert!(html.contains(&format!("lang=\"{}\"", lang.tag())));
    });
}

#[test]
fn switching_to_sign_up_shows_the_password_rule() {
    both(|lang| {
        let mut ui = Ui::new(offline(lang));
        ui.click("switch-mode");
        let html = ui.html();
        assert!(
            html.contains(&heading("h2", t(lang, Text::SignUpTitle))),
            "{html}"
        );
        assert!(html.contains(t(lang, Text::PasswordRule)));
        assert!(html.contains(t(lang, Text::HaveAccount)));
    });
}

#[test]
fn a_short_password_is_refused_before_sending() {
    both(|lang| {
        let mut model = offline(lang);
        model.go(Screen::SignUp);
        let mut ui = Ui::new(model);
        ui.input("email", "ann@example.com");
        ui.input("password", "short");
        ui.submit("form");
        let html = ui.html();
        let expected = match lang {
            Lang::En => "Password has 5 characters; at least 8 are needed.",
            Lang::ZhCn => "密码有 5 个字符，至少需要 8 个。",
        };
        assert!(html.contains(expected), "{html}");
        assert!(html.contains("field-error"));
    });
}

#[tokio::test]
async fn signing_up_through_the_form_lands_on_the_empty_home() {
    let cloud = TestCloud::start().await;
    for lang in Lang::ALL {
        let mut model = cloud.model(lang);
        model.go(Screen::SignUp);
        let mut ui = Ui::new(model);
        ui.input("email", &format!("form-{}@example.com", lang.tag()));
        ui.input("password", PASSWORD);
        ui.submit("form");
        assert!(
            ui.html().contains(t(lang, Text::SigningUp)),
            "progress is shown"
        );
        ui.settle().await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::EmptyTitle)), "{html}");
        assert!(html.contains(t(lang, Text::ScanADevice)));
    }
}

#[tokio::test]
async fn a_wrong_password_shows_the_refusal_with_request_id_and_cloud() {
    let cloud = TestCloud::start().await;
    cloud.signed_in("ann@example.com").await;
    for lang in Lang::ALL {
        let mut ui = Ui::new(cloud.model(lang));
        ui.input("email", "ann@example.com");
        ui.input("password", "not the password");
        ui.submit("form");
        ui.settle().await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::RefusedTitle)), "{html}");
        assert!(html.contains(error_sentence(lang, ErrorCode::Unauthorized)));
        assert!(html.contains("req_"), "request id shown: {html}");
        assert!(html.contains(&cloud.url));
        assert!(html.contains("data-code=\"unauthorized\""));
        assert!(
            !html.contains("class=\"primary retry\""),
            "no Retry for a refusal"
        );
    }
}

// ---------------------------------------------------------------- home

#[tokio::test]
async fn home_lists_devices_with_the_new_one_highlighted_and_opens_details() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("bea@example.com").await;
    model.go(Screen::Scan);
    model
        .perform(Action::Inspect {
            qr_content: cloud.labels[0].qr_content.clone(),
        })
        .await;
    model
        .perform(Action::Bind {
            name: "Hall light".into(),
        })
        .await;
    let did = model.highlighted.clone().unwrap();
    both(|lang| {
        let mut ui = Ui::new(in_lang(model.clone(), lang));
        let html = ui.html();
        assert!(html.contains(t(lang, Text::HomeTitle)), "{html}");
        assert!(html.contains("Hall light"));
        assert!(html.contains(&cloud.labels[0].sn));
        assert!(html.contains("device highlighted"));
        assert!(html.contains(t(lang, Text::JustAdded)));
        ui.click("device-open");
        let html = ui.html();
        assert!(html.contains(t(lang, Text::BoundAt)), "{html}");
        assert!(html.contains(&did));
    });
}

#[tokio::test]
async fn home_empty_state_offers_scanning_and_refresh_fetches() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("cal@example.com").await;
    for lang in Lang::ALL {
        let mut ui = Ui::new(in_lang(model.clone(), lang));
        ui.click("refresh");
        assert!(ui.html().contains(t(lang, Text::Refreshing)));
        ui.settle().await;
        assert!(ui.html().contains(t(lang, Text::EmptyHint)));
        ui.click("scan-a-device");
        let html = ui.html();
        assert!(html.contains(t(lang, Text::ScanTitle)), "{html}");
    }
}

// ---------------------------------------------------------------- scan

/// A host whose "camera" reports one state, and whose images are decoded by the real
/// bindery-scan pipeline.
struct TestHost {
    camera: Option<CameraState>,
    labels: Vec<PathBuf>,
}

struct StateFeed(Option<CameraState>, Option<TorchSwitch>);

impl CameraFeed for StateFeed {
    fn next_event(
        &mut self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<FeedEvent>> + Send + '_>> {
        let next = self.0.take().map(FeedEvent::State);
        Box::pin(async move {
            match next {
                Some(event) => Some(event),
                // A camera that keeps running without codes.
                None => std::future::pending().await,
            }
        })
    }

    fn preview(&self) -> Option<String> {
        None
    }

    fn torch(&self) -> Option<TorchSwitch> {
        self.1.clone()
    }
}

impl Host for TestHost {
    fn can_open_images(&self) -> bool {
        true
    }
    fn demo_labels(&self) -> Vec<PathBuf> {
        self.labels.clone()
    }
    fn read_image(&self, path: &Path) -> Result<String, ScanProblem> {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let image =
            bindery_scan::source::load_image(path).map_err(|e| ScanProblem::ImageUnreadable {
                file: file.clone(),
                detail: e.to_string(),
            })?;
        let mut decoder = bindery_scan::Decoder::new(bindery_scan::Effort::Thorough);
        decoder
            .decode(image.view())
            .into_iter()
            .next()
            .map(|c| c.text)
            .ok_or(ScanProblem::NoCodeIn { file })
    }
    fn open_camera(&self, _index: usize) -> Option<Box<dyn CameraFeed>> {
        self.camera
            .clone()
            .map(|state| Box::new(StateFeed(Some(state), None)) as Box<dyn CameraFeed>)
    }
}

/// A host whose live camera may have a torch; the test holds the feed's switch.
struct TorchHost {
    torch: bool,
    switch: TorchSwitch,
}

impl Host for TorchHost {
    fn open_camera(&self, _index: usize) -> Option<Box<dyn CameraFeed>> {
        let live = self.reports();
        Some(Box::new(StateFeed(Some(live), Some(self.switch.clone()))))
    }
}

/// A test host that knows what its camera reports to the Scan screen.
trait ScanHost: Host + 'static {
    /// The camera state the screen shows once the screen opened the camera and the feed
    /// reported.
    fn reports(&self) -> CameraState;
}

impl ScanHost for TestHost {
    fn reports(&self) -> CameraState {
        self.camera.clone().unwrap_or(CameraState::NoCamera)
    }
}

impl ScanHost for TorchHost {
    fn reports(&self) -> CameraState {
        CameraState::Live {
            name: "Back".into(),
            cameras: 1,
            torch: self.torch,
        }
    }
}

/// The Scan screen on `host`, once it shows what the host's camera reports. The camera area
/// starts at `Starting`, which no test host reports, so the wait also covers a host without a
/// camera (whose `NoCamera` is the model's initial state): only the screen's own camera
/// effect can set it.
async fn scan_screen(model: Model, host: impl ScanHost) -> Ui {
    let expected = host.reports();
    let mut model = model;
    model.go(Screen::Scan);
    model.camera = CameraState::Starting;
    let mut ui = Ui::with_host(model, HostHandle(Arc::new(host)));
    ui.wait_until(&format!("the camera area shows {expected:?}"), |m| {
        m.camera == expected
    })
    .await;
    ui
}

#[tokio::test]
async fn scan_without_a_camera_offers_the_other_two_ways() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("dee@example.com").await;
    for lang in Lang::ALL {
        // The Scan screen's button, not the Enter code screen's title of the same words.
        let enter_code = button("enter-code", t(lang, Text::EnterCode));
        // A bare host (the web build, tests): no camera, no file dialog.
        let mut m = in_lang(model.clone(), lang);
        m.go(Screen::Scan);
        let ui = Ui::new(m);
        let html = ui.html();
        assert!(html.contains(t(lang, Text::NoCameraTitle)), "{html}");
        assert!(html.contains(&enter_code), "{html}");
        assert!(
            html.contains(&button("cancel", t(lang, Text::Cancel))),
            "{html}"
        );

        let host = TestHost {
            camera: None,
            labels: vec![],
        };
        let ui = scan_screen(in_lang(model.clone(), lang), host).await;
        let html = ui.html();
        assert!(html.contains("viewfinder no-camera"), "{html}");
        assert!(html.contains(t(lang, Text::OpenImage)));
        assert!(html.contains(&enter_code), "{html}");
    }
}

#[tokio::test]
async fn scan_with_permission_denied_and_live_cameras() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("eli@example.com").await;
    for lang in Lang::ALL {
        let host = TestHost {
            camera: Some(CameraState::PermissionDenied),
            labels: vec![],
        };
        let ui = scan_screen(in_lang(model.clone(), lang), host).await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::PermissionTitle)), "{html}");
        assert!(html.contains(t(lang, Text::OpenImage)));
        assert!(
            html.contains(&button("enter-code", t(lang, Text::EnterCode))),
            "{html}"
        );

        let host = TestHost {
            camera: Some(CameraState::Live {
                name: "Front".into(),
                cameras: 2,
                torch: false,
            }),
            labels: vec![],
        };
        let ui = scan_screen(in_lang(model.clone(), lang), host).await;
        let html = ui.html();
        assert!(html.contains("viewfinder live"), "{html}");
        assert!(html.contains("frame-overlay"));
        assert!(html.contains(t(lang, Text::SwitchCamera)));
        assert!(html.contains(t(lang, Text::ScanHint)));

        let host = TestHost {
            camera: Some(CameraState::Stopped {
                detail: "unplugged".into(),
            }),
            labels: vec![],
        };
        let ui = scan_screen(in_lang(model.clone(), lang), host).await;
        assert!(ui.html().contains("unplugged"));

        // The browser's scanner did not load: the note says so with the browser's words.
        let host = TestHost {
            camera: Some(CameraState::ScannerUnavailable {
                detail: "its files did not arrive".into(),
            }),
            labels: vec![],
        };
        let ui = scan_screen(in_lang(model.clone(), lang), host).await;
        let html = ui.html();
        let sentence = tf(
            lang,
            Text::ScannerUnavailable,
            &[("detail", "its files did not arrive")],
        );
        assert!(html.contains("viewfinder stopped"), "{html}");
        assert!(html.contains(&sentence), "{html}");

        // The browser's refusals are the app's own sentences, in the user's language.
        for (state, class, text) in [
            (
                CameraState::InsecurePage,
                "viewfinder insecure-page",
                Text::InsecurePageHint,
            ),
            (CameraState::InUse, "viewfinder stopped", Text::CameraInUse),
            (
                CameraState::PageBroken,
                "viewfinder stopped",
                Text::PageBroken,
            ),
        ] {
            let host = TestHost {
                camera: Some(state),
                labels: vec![],
            };
            let ui = scan_screen(in_lang(model.clone(), lang), host).await;
            let html = ui.html();
            assert!(html.contains(class), "{html}");
            assert!(html.contains(t(lang, text)), "{html}");
        }
    }
}

#[tokio::test]
async fn a_camera_with_a_torch_gets_a_switch_and_one_without_gets_none() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("tor@example.com").await;
    for lang in Lang::ALL {
        let switch = TorchSwitch::default();
        let host = TorchHost {
            torch: true,
            switch: switch.clone(),
        };
        let mut ui = scan_screen(in_lang(model.clone(), lang), host).await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::Torch)), "{html}");
        assert!(html.contains("aria-pressed=\"false\""), "{html}");
        ui.click("class=\"torch\"");
        assert!(switch.wanted(), "the feed is asked for the torch");
        let html = ui.html();
        assert!(html.contains("class=\"torch on\""), "{html}");
        assert!(html.contains("aria-pressed=\"true\""), "{html}");
        ui.click("class=\"torch on\"");
        assert!(!switch.wanted(), "and asked to turn it off again");

        let host = TorchHost {
            torch: false,
            switch: TorchSwitch::default(),
        };
        let ui = scan_screen(in_lang(model.clone(), lang), host).await;
        let html = ui.html();
        assert!(html.contains("viewfinder live"), "{html}");
        assert!(!html.contains(t(lang, Text::Torch)), "{html}");
    }
}

#[tokio::test]
async fn a_demo_label_image_is_decoded_and_confirmed() {
    let cloud = TestCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let label = &cloud.labels[0];
    let png = dir.path().join(format!("{}.png", label.sn));
    std::fs::write(&png, &label.png).unwrap();
    let blank = dir.path().join("blank.png");
    // A PNG without any code: a label of another batch, cropped to its caption.
    std::fs::write(&blank, blank_png()).unwrap();
    let model = cloud.signed_in("fox@example.com").await;
    for lang in Lang::ALL {
        let host = TestHost {
            camera: None,
            labels: vec![blank.clone(), png.clone()],
        };
        let mut ui = scan_screen(in_lang(model.clone(), lang), host).await;
        assert!(ui.html().contains(t(lang, Text::DemoLabels)));
        ui.click("data-file=\"blank.png\"");
        // Listener order matches the document: the first demo label is the blank one.
        let html = ui.html();
        assert!(html.contains("blank.png"), "{html}");
        let expected = match lang {
            Lang::En => "No QR code was found in blank.png",
            Lang::ZhCn => "在 blank.png 中没有找到二维码",
        };
        assert!(html.contains(expected), "{html}");
        let mut ui = ui.remount();
        // The second demo label holds a real code.
        ui.click(&format!("data-file=\"{}.png\"", label.sn));
        ui.settle().await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::ConfirmTitle)), "{html}");
        assert!(html.contains(&label.sn));
        assert!(html.contains(PRODUCT_NAME));
        assert!(html.contains(t(lang, Text::StatusBindable)));
    }
}

/// A 40x40 white PNG: an image that holds no code.
fn blank_png() -> Vec<u8> {
    let white = image::GrayImage::from_pixel(40, 40, image::Luma([255]));
    let mut png = std::io::Cursor::new(Vec::new());
    white
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("a PNG in memory");
    png.into_inner()
}

// ---------------------------------------------------------------- enter code

#[tokio::test]
async fn enter_code_reads_the_label_as_typed_and_continues_to_confirm() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("gil@example.com").await;
    let label = cloud.labels[1].clone();
    for lang in Lang::ALL {
        let mut m = in_lang(model.clone(), lang);
        m.go(Screen::EnterCode);
        let mut ui = Ui::new(m);
        assert!(ui.shows(t(lang, Text::EnterCodeHint)), "{}", ui.html());
        ui.input("code-box", "pk=p1a2b3&sn=BD7&v=1");
        let html = ui.html();
        assert!(html.contains("role=\"alert\""), "{html}");
        assert!(html.contains("at least 6"), "{html}");
        ui.input("code-box", "MT:Y.K9042C00KA0648G00");
        assert!(ui.html().contains(t(lang, Text::MatterCode)));
        ui.input("code-box", &label.qr_content);
        let html = ui.html();
        assert!(html.contains(t(lang, Text::KindBindery)), "{html}");
        assert!(html.contains(&label.sn));
        ui.click("continue");
        ui.settle().await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::ConfirmTitle)), "{html}");
        assert!(html.contains(&label.sn));
    }
}

// ---------------------------------------------------------------- confirm

#[tokio::test]
async fn confirm_checks_the_name_as_typed_then_binds() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("hap@example.com").await;
    for (i, lang) in Lang::ALL.into_iter().enumerate() {
        let mut m = in_lang(model.clone(), lang);
        m.go(Screen::Scan);
        m.perform(Action::Inspect {
            qr_content: cloud.labels[i].qr_content.clone(),
        })
        .await;
        let mut ui = Ui::new(m);
        let html = ui.html();
        assert!(html.contains(t(lang, Text::StatusBindable)), "{html}");
        assert!(html.contains(&cloud.labels[i].sn));
        assert!(html.contains(PRODUCT_NAME));
        assert!(html.contains(t(lang, Text::NameRule)));
        assert!(confirm_disabled(&html), "nothing typed yet: {html}");

        ui.input("name-box", "   ");
        let html = ui.html();
        let empty = match lang {
            Lang::En => "Device name is empty.",
            Lang::ZhCn => "设备名称不能为空。",
        };
        assert!(html.contains(empty), "{html}");
        assert!(confirm_disabled(&html));

        ui.input("name-box", &"x".repeat(65));
        let html = ui.html();
        assert!(html.contains("65/64"), "{html}");
        assert!(html.contains("count over"));

        ui.input("name-box", "Porch lamp");
        let html = ui.html();
        assert!(!html.contains("field-error"), "{html}");
        assert!(!confirm_disabled(&html));
        ui.submit("form");
        assert!(ui.html().contains(t(lang, Text::Binding)));
        ui.settle().await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::HomeTitle)), "{html}");
        assert!(html.contains("Porch lamp"));
        assert!(html.contains("device highlighted"));
    }
}

fn confirm_disabled(html: &str) -> bool {
    let tag = html
        .split("<button")
        .find(|b| b.contains("confirm-bind"))
        .expect("the Confirm button");
    let open = tag.split('>').next().unwrap();
    open.contains("disabled=true") || open.contains("disabled=\"true\"")
}

#[tokio::test]
async fn confirm_explains_devices_that_cannot_be_bound_before_typing() {
    let cloud = TestCloud::start().await;
    let qr = cloud.labels[0].qr_content.clone();
    let mut owner = cloud.signed_in("own@example.com").await;
    owner.go(Screen::Scan);
    owner
        .perform(Action::Inspect {
            qr_content: qr.clone(),
        })
        .await;
    owner
        .perform(Action::Bind {
            name: "Taken".into(),
        })
        .await;

    let mut other = cloud.signed_in("oth@example.com").await;
    other.go(Screen::Scan);
    other
        .perform(Action::Inspect {
            qr_content: qr.clone(),
        })
        .await;
    let mut inactive = cloud.signed_in("ina@example.com").await;
    inactive.go(Screen::Scan);
    inactive
        .perform(Action::Inspect {
            qr_content: cloud.inactive[0].qr_content.clone(),
        })
        .await;
    // The owner scanning it again.
    owner.go(Screen::Scan);
    owner.perform(Action::Inspect { qr_content: qr }).await;

    both(|lang| {
        let html = Ui::new(in_lang(other.clone(), lang)).html();
        assert!(html.contains(t(lang, Text::StatusBoundToOther)), "{html}");
        assert!(!html.contains("name-box"), "no name box: {html}");
        assert!(html.contains(t(lang, Text::ScanAnother)));

        let html = Ui::new(in_lang(inactive.clone(), lang)).html();
        assert!(html.contains(t(lang, Text::StatusNotActivated)), "{html}");
        assert!(!html.contains("name-box"));

        let html = Ui::new(in_lang(owner.clone(), lang)).html();
        assert!(html.contains(t(lang, Text::StatusBoundToYou)), "{html}");
        assert!(html.contains("name-box"));
    });
}

// ---------------------------------------------------------------- details

#[tokio::test]
async fn details_rename_and_unbind_with_confirmation() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("ivy@example.com").await;
    for (i, lang) in Lang::ALL.into_iter().enumerate() {
        model.go(Screen::Scan);
        model
            .perform(Action::Inspect {
                qr_content: cloud.labels[i].qr_content.clone(),
            })
            .await;
        model
            .perform(Action::Bind {
                name: format!("Fan {i}"),
            })
            .await;
        let did = model.highlighted.clone().unwrap();
        let mut m = in_lang(model.clone(), lang);
        m.go(Screen::Details { did: did.clone() });
        let mut ui = Ui::new(m);
        let html = ui.html();
        assert!(html.contains(&cloud.labels[i].sn), "{html}");
        assert!(html.contains(PRODUCT_NAME));
        assert!(html.contains(t(lang, Text::Unbind)));

        ui.input("name-box", "bad\u{7}name");
        assert!(ui.html().contains("U+0007"), "{}", ui.html());
        ui.input("name-box", "Ceiling fan");
        ui.submit("form");
        ui.settle().await;
        let html = ui.html();
        assert!(
            html.contains(
                &Notice::Renamed {
                    name: "Ceiling fan".into()
                }
                .text(lang)
            ),
            "{html}"
        );

        let mut ui = ui.remount();
        ui.click("unbind\"");
        let html = ui.html();
        let question = bindery::i18n::tf(lang, Text::UnbindQuestion, &[("name", "Ceiling fan")]);
        assert!(html.contains(&question), "{html}");
        // Cancel keeps it.
        ui.click("unbind-no");
        assert!(!ui.html().contains(&question));
        let mut ui = ui.remount();
        ui.click("unbind\"");
        let mut ui = ui.remount();
        ui.click("unbind-yes");
        ui.settle().await;
        let html = ui.html();
        assert!(html.contains(t(lang, Text::HomeTitle)), "{html}");
        assert!(html.contains(
            &Notice::Unbound {
                name: "Ceiling fan".into()
            }
            .text(lang)
        ));
        model = ui.dom.in_runtime(|| ui.model().read().clone());
        model.set_lang(Lang::En);
    }
}

// ---------------------------------------------------------------- settings

#[tokio::test]
async fn settings_switch_language_show_the_cloud_and_sign_out() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("jay@example.com").await;
    model.go(Screen::Settings);
    let mut ui = Ui::new(model);
    let html = ui.html();
    // The settings button of the other screens is labelled with the same word.
    assert!(
        html.contains(&heading("h1", t(Lang::En, Text::SettingsTitle))),
        "{html}"
    );
    assert!(html.contains(&cloud.url));
    assert!(html.contains("jay@example.com"));
    assert!(html.contains("English") && html.contains("简体中文"));
    ui.click("lang=\"zh-CN\"");
    let html = ui.html();
    assert!(
        html.contains(&heading("h1", t(Lang::ZhCn, Text::SettingsTitle))),
        "{html}"
    );
    assert!(html.contains(t(Lang::ZhCn, Text::SignOut)));

    let mut ui = ui.remount();
    ui.click("class=\"sign-out\"");
    ui.settle().await;
    let html = ui.html();
    assert!(
        html.contains(&heading("h2", t(Lang::ZhCn, Text::SignInTitle))),
        "{html}"
    );
}

#[tokio::test]
async fn settings_sign_out_on_all_devices_says_so_on_sign_in() {
    let cloud = TestCloud::start().await;
    for lang in Lang::ALL {
        let mut model = cloud
            .signed_in(&format!("all.{}@example.com", lang.tag()))
            .await;
        model.set_lang(lang);
        model.go(Screen::Settings);
        let mut ui = Ui::new(model);
        let html = ui.html();
        assert!(
            html.contains(t(lang, Text::SignOutEverywhereHint)),
            "{html}"
        );
        ui.click("class=\"sign-out-everywhere\"");
        ui.settle().await;
        let html = ui.html();
        assert!(
            html.contains(&heading("h2", t(lang, Text::SignInTitle))),
            "{html}"
        );
        assert!(html.contains(t(lang, Text::SignedOutEverywhere)), "{html}");
    }
}

#[test]
fn settings_refuse_a_bad_cloud_address() {
    both(|lang| {
        let mut model = offline(lang);
        model.go(Screen::Settings);
        let mut ui = Ui::new(model);
        ui.input("cloud-url", "ftp://example.com");
        ui.submit("form");
        let html = ui.html();
        assert!(html.contains("ftp://example.com"), "{html}");
        assert!(
            html.contains("http://127.0.0.1:8080"),
            "the example address: {html}"
        );
        assert!(
            html.contains("http://127.0.0.1:9"),
            "still on the old cloud"
        );
    });
}

/// A host that records what Settings asked it to remember.
#[derive(Default)]
struct RememberingHost {
    saved: std::sync::Mutex<Vec<Preferences>>,
}

impl Host for RememberingHost {
    fn save_preferences(&self, preferences: &Preferences) {
        self.saved.lock().unwrap().push(preferences.clone());
    }
}

#[test]
fn settings_remember_the_language_and_an_accepted_cloud_but_not_a_refused_one() {
    let host = Arc::new(RememberingHost::default());
    let mut model = offline(Lang::En);
    model.go(Screen::Settings);
    let mut ui = Ui::with_host(model, HostHandle(host.clone()));
    ui.click("lang=\"zh-CN\"");
    assert_eq!(
        host.saved.lock().unwrap().last(),
        Some(&Preferences {
            lang: Some("zh-CN".into()),
            cloud: Some("http://127.0.0.1:9".into()),
        })
    );
    ui.input("cloud-url", "ftp://example.com");
    ui.submit("form");
    assert_eq!(
        host.saved.lock().unwrap().len(),
        1,
        "a refused address is not kept"
    );
    ui.input("cloud-url", "http://127.0.0.1:7");
    ui.submit("form");
    let saved = host.saved.lock().unwrap().last().cloned().unwrap();
    assert_eq!(saved.cloud.as_deref(), Some("http://127.0.0.1:7"));
    assert_eq!(saved.lang(), Some(Lang::ZhCn));
}

// ---------------------------------------------------------------- every error state

fn with_failure(lang: Lang, kind: FailureKind, retry: Option<Action>) -> Model {
    let mut model = offline(lang);
    let cloud = model.cloud.clone();
    model.failure = Some(Failure { kind, cloud, retry });
    model
}

#[test]
fn every_refusal_shows_its_sentence_request_id_and_cloud() {
    both(|lang| {
        for code in ErrorCode::ALL {
            let retry = code.is_retryable().then_some(Action::Refresh);
            let model = with_failure(
                lang,
                FailureKind::Refused {
                    code,
                    request_id: "req_0123abcd".into(),
                    retry_after: (code == ErrorCode::RateLimited)
                        .then_some(Duration::from_secs(42)),
                },
                retry,
            );
            let ui = Ui::new(model);
            let html = ui.html();
            assert!(ui.shows(error_sentence(lang, code)), "{code}: {html}");
            assert!(html.contains("req_0123abcd"), "{code}");
            assert!(html.contains("http://127.0.0.1:9"), "{code}");
            assert!(html.contains(t(lang, Text::RefusedTitle)), "{code}");
            assert!(html.contains(&format!("data-code=\"{}\"", code.as_str())));
            assert_eq!(
                html.contains("class=\"primary retry\""),
                code.is_retryable(),
                "{code}: Retry only where it helps: {html}"
            );
            if code == ErrorCode::RateLimited {
                assert!(html.contains("42"), "{html}");
            }
        }
    });
}

#[test]
fn a_network_failure_reads_differently_and_offers_retry() {
    both(|lang| {
        let model = with_failure(
            lang,
            FailureKind::Unreachable { timeout: false },
            Some(Action::Refresh),
        );
        let html = Ui::new(model).html();
        assert!(html.contains(t(lang, Text::UnreachableTitle)), "{html}");
        assert!(!html.contains(t(lang, Text::RefusedTitle)));
        assert!(html.contains("error-panel unreachable"));
        assert!(html.contains(t(lang, Text::Retry)));
        assert!(html.contains("http://127.0.0.1:9"));

        let model = with_failure(lang, FailureKind::Unreachable { timeout: true }, None);
        let html = Ui::new(model).html();
        let timeout = bindery::i18n::tf(
            lang,
            Text::UnreachableTimeout,
            &[("cloud", "http://127.0.0.1:9")],
        );
        assert!(html.contains(&timeout), "{html}");
    });
}

#[test]
fn unreadable_answers_bad_addresses_and_sandbox_failures_are_explained() {
    both(|lang| {
        let cases = [
            (
                FailureKind::Unreadable {
                    status: 502,
                    request_id: Some("req_feed".into()),
                },
                vec!["502", "req_feed"],
            ),
            (
                FailureKind::BadCloudUrl {
                    url: "nowhere".into(),
                },
                vec!["nowhere"],
            ),
            (
                FailureKind::Sandbox {
                    detail: "disk full".into(),
                },
                vec!["disk full"],
            ),
            (
                FailureKind::Scan(ScanProblem::ImageUnreadable {
                    file: "x.txt".into(),
                    detail: "not a PNG".into(),
                }),
                vec!["x.txt", "not a PNG"],
            ),
        ];
        for (kind, needles) in cases {
            let html = Ui::new(with_failure(lang, kind.clone(), None)).html();
            assert!(html.contains(t(lang, Text::ErrorTitle)), "{kind:?}: {html}");
            for needle in needles {
                assert!(html.contains(needle), "{kind:?}: {needle}");
            }
        }
    });
}

#[tokio::test]
async fn retry_runs_the_failed_action_again_and_ok_dismisses() {
    let mut ui = Ui::new(with_failure(
        Lang::En,
        FailureKind::Unreachable { timeout: false },
        Some(Action::SignIn {
            email: "kim@example.com".into(),
            password: Secret(PASSWORD.into()),
        }),
    ));
    ui.click("retry");
    // The retry is under way (the cloud at port 9 will refuse the connection).
    assert!(
        ui.html().contains(t(Lang::En, Text::SigningIn)),
        "{}",
        ui.html()
    );

    let mut ui = Ui::new(with_failure(
        Lang::ZhCn,
        FailureKind::Refused {
            code: ErrorCode::Forbidden,
            request_id: "req_1".into(),
            retry_after: None,
        },
        None,
    ));
    ui.click("dismiss");
    assert!(!ui.html().contains("error-panel"));
}
