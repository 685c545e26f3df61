//! Browser end-to-end: the web build (`cargo xtask web --dev`) served at `/app/` by a real
//! bindery-cloud on loopback, driven by Playwright in Debian's Chromium, whose fake camera
//! plays a `.y4m` made from a label PNG of a real batch (`tests/e2e/bind.mjs`).
//!
//! Needs `BINDERY_WEB_ROOT` (the built app), Chromium and `npm ci` in `tests/e2e`;
//! `cargo xtask test` provides all three and sets `BINDERY_REQUIRE_BROWSER=1`, so there a
//! missing piece fails the test instead of skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;

use bindery::i18n::Lang;
use bindery::state::{Action, Secret};
use bindery_scan::source::{load_image, write_y4m};
use bindery_scan::GrayImage;
use serde_json::Value;

use crate::common::{unavailable, Label, TestCloud, PASSWORD};

/// What a run needs from outside the workspace, or why it cannot run.
struct Browser {
    web_root: PathBuf,
    chromium: PathBuf,
    e2e_dir: PathBuf,
}

/// What the browser tests need, or `None` (after [`unavailable`]) when something is missing.
fn browser() -> Option<Browser> {
    let e2e_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let chromium = std::env::var_os("BINDERY_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let missing = match std::env::var_os("BINDERY_WEB_ROOT").map(PathBuf::from) {
        None => Err(
            "BINDERY_WEB_ROOT is not set (build the app with `cargo xtask web --dev`)".to_owned(),
        ),
        Some(root) if !root.join("index.html").is_file() => {
            Err(format!("{} holds no built web app", root.display()))
        }
        Some(_) if !chromium.is_file() => Err(format!("no Chromium at {}", chromium.display())),
        Some(_) if !e2e_dir.join("node_modules/playwright-core").is_dir() => {
            Err(format!("run `npm ci` in {}", e2e_dir.display()))
        }
        Some(root) => Ok(root),
    };
    match missing {
        Ok(web_root) => Some(Browser {
            web_root,
            chromium,
            e2e_dir,
        }),
        Err(why) => {
            unavailable("BINDERY_REQUIRE_BROWSER", &why);
            None
        }
    }
}

/// The browser, and a cloud serving the web app to it.
async fn browser_and_cloud() -> Option<(Browser, TestCloud)> {
    let browser = browser()?;
    let cloud = TestCloud::start_serving(Some(browser.web_root.clone())).await;
    Some((browser, cloud))
}

/// The label's PNG, and a 1280x720 camera video of it held up to the camera (or, with
/// `camera_sees_label` false, of an empty desk).
fn label_files(label: &Label, dir: &Path, camera_sees_label: bool) -> (PathBuf, PathBuf) {
    let png = dir.join(format!("{}.png", label.sn));
    std::fs::write(&png, &label.png).unwrap();
    let frame = if camera_sees_label {
        load_image(&png)
            .expect("the label PNG reads")
            .staged(1280, 720)
            .expect("a label fits a 720p frame")
    } else {
        GrayImage::filled(1280, 720, 214)
    };
    let video = dir.join(format!("{}.y4m", label.sn));
    write_y4m(std::fs::File::create(&video).unwrap(), &vec![frame; 4], 25).unwrap();
    (png, video)
}

/// Runs `tests/e2e/bind.mjs` for `scenario` on `label`; the JSON it printed, checked to be a
/// success.
fn run(browser: &Browser, cloud: &TestCloud, scenario: &str, label: &Label, reps: u32) -> Value {
    run_on(browser, cloud, scenario, label, reps, None)
}

/// The browser's settings beyond the scenario: a phone profile and a language.
#[derive(Default, Clone, Copy)]
struct Phone<'a> {
    device: Option<&'a str>,
    locale: Option<&'a str>,
}

/// [`run`] in one of Playwright's phone profiles (`"Pixel 7"`, `"iPhone 14"`).
fn run_on(
    browser: &Browser,
    cloud: &TestCloud,
    scenario: &str,
    label: &Label,
    reps: u32,
    device: Option<&str>,
) -> Value {
    run_as(
        browser,
        cloud,
        scenario,
        label,
        reps,
        Phone {
            device,
            locale: None,
        },
    )
}

/// [`run`] with a phone profile and a language.
fn run_as(
    browser: &Browser,
    cloud: &TestCloud,
    scenario: &str,
    label: &Label,
    reps: u32,
    phone: Phone<'_>,
) -> Value {
    run_with(browser, cloud, scenario, label, reps, phone, Value::Null)
}

/// [`run_as`] with more settings for the scenario (`extra`'s fields join the config).
fn run_with(
    browser: &Browser,
    cloud: &TestCloud,
    scenario: &str,
    label: &Label,
    reps: u32,
    phone: Phone<'_>,
    extra: Value,
) -> Value {
    let Phone { device, locale } = phone;
    let work = tempfile::tempdir().unwrap();
    // The camera sees the label except where the scenario wants a live Scan screen to stay.
    let camera_sees_label = !matches!(scenario, "open_image" | "a11y" | "scanner_missing");
    let (png, video) = label_files(label, work.path(), camera_sees_label);
    // One name per run: its screenshots' folder and its account.
    let slug = [Some(scenario), device, locale]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("-")
        .replace(' ', "-")
        .to_lowercase();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser-e2e")
        .join(&slug);
    let _ = std::fs::remove_dir_all(&shots);
    let mut config = serde_json::json!({
        "url": cloud.url,
        "video": video,
        "image": png,
        "sn": label.sn,
        "scenario": scenario,
        "shots": shots,
        "chromium": browser.chromium,
        "reps": reps,
        "device": device,
        "locale": locale,
        "qr_content": label.qr_content,
        "email": format!("{slug}@example.com"),
        "password": PASSWORD,
    });
    if let (Some(config), Value::Object(extra)) = (config.as_object_mut(), extra) {
        config.extend(extra);
    }
    // The run takes seconds; the cloud it talks to keeps serving on the test's runtime.
    let output = tokio::task::block_in_place(|| {
        Command::new("node")
            .arg("bind.mjs")
            .current_dir(&browser.e2e_dir)
            .env("BINDERY_E2E", config.to_string())
            .output()
            .expect("node runs (install nodejs)")
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result: Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!(
                "{scenario}: no result from the browser run\nstdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    eprintln!("{scenario}: screenshots in {}", shots.display());
    // The error last: a long page text must not push it out of a truncated CI log.
    assert_eq!(
        result["ok"], true,
        "{scenario} failed: {result:#}\n{scenario} failed with: {}",
        result["error"]
    );
    assert!(output.status.success(), "{scenario}: {result:#}");
    result
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_user_scans_a_label_with_the_camera_names_it_and_sees_it_at_home() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let label = cloud.labels[0].clone();
    // More repetitions make this the scan-to-confirm measurement (the README says how).
    let reps = std::env::var("BINDERY_E2E_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3u32);
    let result = run(&browser, &cloud, "bind", &label, reps);
    let times = report_scan_to_confirm("", &result);

    assert_eq!(result["status"], "bindable", "{result:#}");
    assert_eq!(result["home_devices"], serde_json::json!(["Kitchen plug"]));
    let meta = result["home_meta"][0].as_str().unwrap_or_default();
    assert!(meta.contains(&label.sn), "{meta}");
    assert!(
        result["vibrations"].as_u64() >= Some(1),
        "a scan gives feedback"
    );
    assert_eq!(times, reps.max(1) as usize);
    assert_eq!(
        result["console_errors"],
        serde_json::json!([]),
        "{result:#}"
    );
    // The cloud agrees: the device is bound, under the name typed in the browser.
    let mut owner = cloud.model(Lang::En);
    owner
        .perform(Action::SignIn {
            email: "bind@example.com".to_owned(),
            password: Secret(PASSWORD.to_owned()),
        })
        .await;
    owner.perform(Action::Refresh).await;
    let names: Vec<_> = owner
        .devices
        .iter()
        .flatten()
        .map(|d| (d.sn.to_string(), d.name.clone()))
        .collect();
    assert_eq!(names, [(label.sn.clone(), "Kitchen plug".to_owned())]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_label_bound_by_someone_else_is_explained_before_anything_is_typed() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let label = cloud.labels[1].clone();
    let mut other = cloud.signed_in("first-owner@example.com").await;
    other
        .perform(Action::Inspect {
            qr_content: label.qr_content.clone(),
        })
        .await;
    other
        .perform(Action::Bind {
            name: "Their plug".to_owned(),
        })
        .await;
    assert!(other.failure.is_none(), "{:?}", other.failure);

    let result = run(&browser, &cloud, "bound_to_other", &label, 1);
    assert_eq!(result["status"], "bound-to-other", "{result:#}");
    assert_eq!(
        result["name_boxes"], 0,
        "no name box for a device that cannot be bound"
    );
    assert_eq!(result["scan_another"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cloud_out_of_reach_reads_as_a_network_problem_and_retry_recovers() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let label = cloud.labels[2].clone();
    let result = run(&browser, &cloud, "network_down", &label, 1);
    let class = result["error_class"].as_str().unwrap_or_default();
    assert!(class.contains("unreachable"), "{result:#}");
    assert_eq!(result["retry_buttons"], 1);
    assert_eq!(
        result["error_panels_after_wait"], 1,
        "the error stays until Retry"
    );
    assert_eq!(result["sn_after_retry"], label.sn.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_label_photo_opened_in_the_browser_reaches_confirm() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let label = cloud.labels[3].clone();
    let result = run(&browser, &cloud, "open_image", &label, 1);
    assert_eq!(result["sn_from_image"], label.sn.as_str(), "{result:#}");
    assert_eq!(result["status"], "bindable");
    let has_torch = result["camera_has_torch"]
        .as_bool()
        .expect("the torch was looked for");
    assert_eq!(result["torch_buttons"], u64::from(has_torch), "{result:#}");
}

/// The scanner is a module of its own that the app loads when it first scans: when it does
/// not arrive, both ways of scanning say so in the user's words, and the next try loads it.
#[tokio::test(flavor = "multi_thread")]
async fn a_scanner_that_does_not_load_is_explained_and_loaded_on_the_next_try() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let label = cloud.labels[0].clone();
    let result = run(&browser, &cloud, "scanner_missing", &label, 1);
    let says = |key: &str, text: bindery::i18n::Text| {
        let shown = result[key].as_str().unwrap_or_default();
        // The sentence up to its first blank ({detail} is the browser's).
        let sentence = bindery::i18n::t(Lang::En, text);
        let fixed = sentence.split('{').next().unwrap_or_default();
        assert!(
            !fixed.is_empty() && shown.contains(fixed),
            "{key}: {shown:?} lacks {fixed:?}"
        );
    };
    says("scan_note", bindery::i18n::Text::ScannerUnavailable);
    let picture = result["picture_error"].as_str().unwrap_or_default();
    assert!(
        picture.contains(&format!("{}.png was not read", label.sn)),
        "{picture}"
    );
    assert_eq!(result["sn_from_image"], label.sn.as_str(), "{result:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_phone_back_returns_to_scan_and_a_reload_keeps_confirm() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    for (device, label) in [
        ("Pixel 7", &cloud.labels[2]),
        ("iPhone 14", &cloud.labels[3]),
    ] {
        let result = run_on(&browser, &cloud, "routes", label, 1, Some(device));
        let confirm = result["confirm_url"].as_str().unwrap_or_default();
        assert!(
            confirm.contains("/app/confirm?pk=") && confirm.contains(&label.sn),
            "{device}: {result:#}"
        );
        // Addresses never hold a bind code (history lists and sync keep them).
        for address in ["confirm_url", "link_url"] {
            let shown = result[address].as_str().unwrap_or_default();
            assert!(!shown.contains("bc="), "{device}: {address} {shown}");
        }
        assert!(
            result["back_url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/app/scan")),
            "{device}: {result:#}"
        );
        assert_eq!(result["sn_after_forward"], label.sn.as_str(), "{device}");
        assert_eq!(result["sn_after_reload"], label.sn.as_str(), "{device}");
        // The reload kept the label itself, bind code and all: it can still be bound.
        assert_eq!(result["status_after_reload"], "bindable", "{device}");
        assert_eq!(result["sn_from_link"], label.sn.as_str(), "{device}");
        assert!(
            result["link_url"]
                .as_str()
                .is_some_and(|u| u.contains("/app/confirm?")),
            "{device}: {result:#}"
        );
        // Sign-up and sign-in left no history entries to go Back to: as many entries after
        // signing up as when the page first showed the sign-in form.
        assert_eq!(
            result["history_after_signup"], result["history_at_start"],
            "{device}: {result:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_app_is_installable_and_opens_offline_saying_so() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let label = cloud.labels[0].clone();
    let result = run_on(&browser, &cloud, "installable", &label, 1, Some("Pixel 7"));
    assert_eq!(
        result["manifest_errors"],
        serde_json::json!([]),
        "{result:#}"
    );
    assert_installs_and_opens_offline(&result);
    // Offline, the kept scanner read the camera's label.
    assert_eq!(result["offline_scan_read"], true, "{result:#}");
    assert_eq!(result["offline_scanner_notes"], 0, "{result:#}");
}

/// The name a phone on the laptop's network would open the cloud by: not localhost, so the
/// page is a secure context (camera, service worker) only because it came over HTTPS.
const LAN_HOST: &str = "bindery-laptop.test";

/// A phone on the same network as a QA laptop's cloud (issue 15, "HTTPS for phones on a
/// LAN"): the cloud serves with its self-signed certificate (`--tls-self-signed`), which the
/// phone's user accepted, under a name that is not localhost. At phone size the app scans
/// and binds from the camera, and it installs and opens offline. With `BINDERY_E2E_REPS=15`
/// this is the scan-to-confirm figure at phone size.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_phone_on_the_lan_the_app_binds_and_installs_over_https() {
    let Some(browser) = browser() else {
        return;
    };
    let (cloud, pin) = TestCloud::start_serving_https(browser.web_root.clone()).await;
    let port = cloud.url.rsplit(':').next().expect("the URL has a port");
    let lan_url = format!("https://{LAN_HOST}:{port}");
    let lan = serde_json::json!({
        "url": lan_url,
        "chromium_args": [
            format!("--host-resolver-rules=MAP {LAN_HOST} 127.0.0.1"),
            format!("--ignore-certificate-errors-spki-list={}", pin.0),
        ],
    });
    let pixel = Phone {
        device: Some("Pixel 7"),
        locale: None,
    };
    let reps = std::env::var("BINDERY_E2E_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3u32);
    let label = cloud.labels[0].clone();
    let result = run_with(&browser, &cloud, "bind", &label, reps, pixel, lan.clone());
    assert_eq!(result["origin"], lan_url.as_str(), "{result:#}");
    assert_eq!(result["secure_context"], true, "{result:#}");
    assert_eq!(result["status"], "bindable", "{result:#}");
    assert_eq!(result["home_devices"], serde_json::json!(["Kitchen plug"]));
    assert_eq!(
        result["console_errors"],
        serde_json::json!([]),
        "{result:#}"
    );
    let times = report_scan_to_confirm(" over HTTPS in a Pixel 7 profile", &result);
    assert_eq!(times, reps.max(1) as usize, "{result:#}");

    let result = run_with(
        &browser,
        &cloud,
        "installable",
        &cloud.labels[1],
        1,
        pixel,
        lan,
    );
    assert_eq!(result["secure_context"], true, "{result:#}");
    assert_installs_and_opens_offline(&result);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_passes_axe_at_phone_size_in_both_languages() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let narrow = serde_json::json!({"viewport": {"width": 320, "height": 568}});
    for (locale, device, label, extra) in [
        ("en-US", "Pixel 7", &cloud.labels[0], Value::Null),
        ("zh-CN", "Pixel 7", &cloud.labels[1], Value::Null),
        // The narrowest phone the app is laid out for.
        ("en-US", "iPhone SE", &cloud.labels[2], narrow.clone()),
    ] {
        let phone = Phone {
            device: Some(device),
            locale: Some(locale),
        };
        let result = run_with(&browser, &cloud, "a11y", label, 1, phone, extra);
        let run = format!("{locale} on {device} {}", result["layout"]["scan"]);
        assert_eq!(
            result["audited"].as_array().map(Vec::len),
            Some(9),
            "{run}: {result:#}"
        );
        assert_eq!(
            result["violations"],
            serde_json::json!({}),
            "{run}: serious or critical axe violations"
        );
        let layouts = result["layout"].as_object().expect("layouts were kept");
        assert_eq!(layouts.len(), 9, "{run}: {result:#}");
        for (screen, layout) in layouts {
            assert_eq!(
                layout["wide"], false,
                "{run}: {screen} is wider than the screen"
            );
            assert_eq!(
                layout["small"],
                serde_json::json!([]),
                "{run}: {screen} has controls under 48 px"
            );
        }
        // One hand: Scan's buttons and Confirm's button are at the bottom, under the thumb
        // of the hand that holds the phone (the lower third of the screen).
        for (screen, target) in [("scan", ".scan-actions"), ("confirm", ".confirm-bind")] {
            let bottom_third = |edge: &str| {
                layouts[screen]["boxes"][target][edge]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{run}: no {target} on {screen}"))
            };
            assert!(
                bottom_third("top") >= 0.6 && bottom_third("bottom") <= 1.0,
                "{run}: {target} out of a thumb's reach: {}",
                layouts[screen]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_prerendered_sign_in_gives_way_to_the_live_app_keeping_what_was_typed() {
    let Some((browser, cloud)) = browser_and_cloud().await else {
        return;
    };
    let label = cloud.labels[0].clone();
    let result = run_on(&browser, &cloud, "prerender", &label, 1, Some("Pixel 7"));
    assert_eq!(result["prerendered_signed_out"], true, "{result:#}");
    assert_eq!(
        result["prerendered_signed_in"], false,
        "a signed-in start must not flash the sign-in form"
    );
    assert_eq!(result["live_before_wasm"], 0, "{result:#}");
    let title = bindery::i18n::t(Lang::En, bindery::i18n::Text::SignInTitle);
    assert_eq!(result["prerendered_title"], title, "{result:#}");
    assert_eq!(result["live_title"], title, "{result:#}");
    // The placeholder became the serving cloud, as the live app names it.
    assert_eq!(
        result["prerendered_cloud"], result["live_cloud"],
        "{result:#}"
    );
    let shown = result["live_cloud"].as_str().unwrap_or_default();
    assert!(shown.contains(&cloud.url), "{shown}");
    // Nothing moved when the live screen took the prerendered one's place.
    assert_eq!(
        result["boxes_live"], result["boxes_prerendered"],
        "{result:#}"
    );
    assert_eq!(result["live_email"], "prerender-pixel-7@example.com");
    assert_eq!(result["focused"], "email", "the focus stays in the field");
    assert_eq!(result["email_boxes"], 1, "the prerendered form is gone");
    // Pressed on the copy before the app was live, "Create an account" still opened Sign-up.
    let sign_up = bindery::i18n::t(Lang::En, bindery::i18n::Text::SignUpTitle);
    assert_eq!(result["early_press_title"], sign_up, "{result:#}");
    assert_eq!(result["violations"], serde_json::json!({}), "{result:#}");
    assert_eq!(
        result["console_errors"],
        serde_json::json!([]),
        "{result:#}"
    );
}

/// `dir` copied into `to`, folders and all.
fn copy_dir(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The build a bundle's page names (`<meta name="bindery-build">`).
fn build_of(web_root: &Path) -> String {
    let page = std::fs::read_to_string(web_root.join("index.html")).unwrap();
    let (_, rest) = page
        .split_once("name=\"bindery-build\" content=\"")
        .expect("the page names its build");
    rest.split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_installed_app_runs_one_build_offline_and_takes_a_new_one_online() {
    let Some(browser) = browser() else {
        return;
    };
    // Served: a copy of the bundle. Next: the same bundle as another build would be laid
    // out (its folder and the name in the page and the worker changed), copied over the
    // served one mid-run.
    let served = tempfile::tempdir().unwrap();
    copy_dir(&browser.web_root, served.path());
    // The page and the worker are rewritten below; a release bundle's compressed copies of
    // them would be served instead (a real deploy writes new ones).
    for copy in ["index.html.br", "index.html.gz", "sw.js.br", "sw.js.gz"] {
        let _ = std::fs::remove_file(served.path().join(copy));
    }
    let old = build_of(served.path());
    let new = format!("{old}-next");
    let next = tempfile::tempdir().unwrap();
    copy_dir(&served.path().join(&old), &next.path().join(&new));
    for file in ["index.html", "sw.js"] {
        let text = std::fs::read_to_string(served.path().join(file)).unwrap();
        assert!(text.contains(&old), "{file} names the build");
        std::fs::write(next.path().join(file), text.replace(&old, &new)).unwrap();
    }
    let cloud = TestCloud::start_serving(Some(served.path().to_owned())).await;
    let label = cloud.labels[0].clone();
    let extra = serde_json::json!({ "served_root": served.path(), "next_root": next.path() });
    let result = run_with(
        &browser,
        &cloud,
        "update",
        &label,
        1,
        Phone::default(),
        extra,
    );

    for (load, build) in [
        ("first", &old),
        ("offline_before_update", &old),
        ("online", &new),
        ("offline_after_update", &new),
    ] {
        assert_eq!(result[load]["build"], build.as_str(), "{load}: {result:#}");
        let files: Vec<&str> = result[load]["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            files.iter().any(|f| f.ends_with("/bindery_bg.wasm")),
            "{load}: {files:?}"
        );
        let own = format!("/app/{build}/");
        assert!(
            files.iter().all(|f| f.starts_with(&own)),
            "{load} mixed builds: {files:?}"
        );
    }
    assert_eq!(
        result["offline_after_update"]["caches"],
        serde_json::json!([format!("bindery-shell-{new}")]),
        "the new worker dropped the old build's cache"
    );
}

/// Prints the scan-to-confirm times of a run (`where` says how it ran): the first scan of the
/// visit apart, since it also waits for the scanner's worker to load; then the median, min
/// and max of all. Returns how many scans were timed.
fn report_scan_to_confirm(r#where: &str, result: &Value) -> usize {
    let mut times: Vec<f64> = result["scan_to_confirm_ms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect();
    let Some(&first) = times.first() else {
        return 0;
    };
    times.sort_by(f64::total_cmp);
    eprintln!(
        "scan-to-confirm{where}, {} scans: first {first:.0} ms, median {:.0} ms, min {:.0} ms, max {:.0} ms",
        times.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    times.len()
}

/// What an `installable` run must show: Chromium finds the page installable, and the kept
/// app, opened with no network, started and said why it shows nothing new.
fn assert_installs_and_opens_offline(result: &Value) {
    assert_eq!(
        result["installability_errors"],
        serde_json::json!([]),
        "{result:#}"
    );
    let offline = result["offline_text"].as_str().unwrap_or_default();
    let title = bindery::i18n::t(Lang::En, bindery::i18n::Text::UnreachableTitle);
    assert!(offline.contains(title), "{offline}");
}
