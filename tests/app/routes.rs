//! The web app's addresses against the real app and a real cloud: the address follows the
//! screens (sign-in forms and a finished Confirm never stay in the history), an address
//! opened signed out continues there after sign-in, and Back and reload land where a user
//! expects. The browser's own History API is driven by `tests/e2e`; here a host records what
//! the app asks it to show.

use std::sync::{Arc, Mutex};

use crate::common::{TestCloud, PASSWORD};
use crate::ui::Ui;
use bindery::host::{Host, HostHandle, Location};
use bindery::i18n::Lang;
use bindery::state::{Action, Route, Screen, Secret};
use bindery_core::api::DeviceStatus;
use dioxus::prelude::{ReadableExt, WritableExt};

/// The addresses a host was asked to show, each with whether it replaced the one before.
type Shown = Arc<Mutex<Vec<(String, bool)>>>;

/// A browser-like host: opened at `start`, recording each address shown; the states kept
/// beside them go to `states`.
#[derive(Default)]
struct AddressHost {
    start: Option<Location>,
    shown: Shown,
    states: Arc<Mutex<Vec<Option<String>>>>,
}

impl Host for AddressHost {
    fn location(&self) -> Option<Location> {
        self.start.clone()
    }
    fn show_location(&self, path: &str, state: Option<&str>, replace: bool) {
        self.shown.lock().unwrap().push((path.to_owned(), replace));
        self.states.lock().unwrap().push(state.map(str::to_owned));
    }
}

fn host_at(start: Option<&str>) -> (HostHandle, Shown) {
    host_with_state(start, None)
}

/// A host opened at `start` whose history entry keeps `state`.
fn host_with_state(start: Option<&str>, state: Option<&str>) -> (HostHandle, Shown) {
    let host = AddressHost {
        start: start.map(|address| {
            let (path, query) = address.split_once('?').unwrap_or((address, ""));
            Location {
                path: path.to_owned(),
                query: query.to_owned(),
                state: state.map(str::to_owned),
            }
        }),
        ..AddressHost::default()
    };
    let shown = host.shown.clone();
    (HostHandle(Arc::new(host)), shown)
}

fn taken(shown: &Mutex<Vec<(String, bool)>>) -> Vec<(String, bool)> {
    std::mem::take(&mut *shown.lock().unwrap())
}

#[tokio::test]
async fn the_address_follows_the_screens() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("addr@example.com").await;
    let (host, shown) = host_at(Some("/app/"));
    let mut ui = Ui::with_host(model, host);
    // Opened on Home: the address is Home's, in place.
    assert_eq!(taken(&shown), [("/app/".to_owned(), true)]);

    ui.update(|m| m.go(Screen::Scan));
    ui.idle().await;
    assert_eq!(taken(&shown), [("/app/scan".to_owned(), false)]);
    let label = cloud.labels[0].clone();
    let mut model = ui.model();
    let action = ui.dom.in_runtime(|| {
        model
            .write()
            .scanned(&label.qr_content, std::time::Instant::now())
    });
    ui.dom
        .in_runtime(|| bindery::dispatch(model, action.expect("a fresh code")));
    ui.settle().await;
    let confirm = taken(&shown);
    let expected = Route::Confirm {
        label: label.qr_content.clone(),
    }
    .path();
    assert_eq!(confirm, [(expected, false)]);
    assert!(confirm[0].0.starts_with("/app/confirm?pk="), "{confirm:?}");
    assert!(
        !confirm[0].0.contains("bc="),
        "no bind code in an address: {confirm:?}"
    );

    // Bound: Home takes Confirm's place, so Back does not ask about the label again.
    ui.dom.in_runtime(|| {
        bindery::dispatch(
            model,
            Action::Bind {
                name: "Desk".into(),
            },
        )
    });
    ui.settle().await;
    assert_eq!(taken(&shown), [("/app/".to_owned(), true)]);

    let did = ui
        .dom
        .in_runtime(|| ui.model().read().devices.clone().unwrap()[0].did.clone());
    ui.update(|m| m.go(Screen::Details { did: did.clone() }));
    ui.idle().await;
    assert_eq!(taken(&shown), [(format!("/app/devices/{did}"), false)]);
    ui.update(|m| m.go(Screen::Settings));
    ui.idle().await;
    assert_eq!(taken(&shown), [("/app/settings".to_owned(), false)]);

    // Signing out: the sign-in form replaces the address.
    ui.dom
        .in_runtime(|| bindery::dispatch(model, Action::SignOut));
    ui.settle().await;
    assert_eq!(taken(&shown), [("/app/sign-in".to_owned(), true)]);
}

#[tokio::test]
async fn a_label_address_opened_signed_out_continues_to_confirm_after_sign_in() {
    let cloud = TestCloud::start().await;
    cloud.signed_in("owner.to.be@example.com").await;
    let label = cloud.labels[1].clone();
    let address = Route::Confirm {
        label: label.qr_content.clone(),
    }
    .path();
    assert!(!address.contains("&bc="), "{address}");
    let (host, shown) = host_with_state(Some(&address), Some(&label.qr_content));
    let mut ui = Ui::with_host(cloud.model(Lang::En), host);
    let model = ui.model();
    assert_eq!(
        ui.dom.in_runtime(|| model.read().screen.clone()),
        Screen::SignIn
    );
    assert_eq!(taken(&shown), [("/app/sign-in".to_owned(), true)]);

    ui.dom.in_runtime(|| {
        bindery::dispatch(
            model,
            Action::SignIn {
                email: "owner.to.be@example.com".into(),
                password: Secret(PASSWORD.into()),
            },
        )
    });
    ui.settle().await;
    let (screen, pending) = ui
        .dom
        .in_runtime(|| (model.read().screen.clone(), model.read().pending.clone()));
    assert_eq!(screen, Screen::Confirm);
    let pending = pending.expect("the label was inspected");
    assert_eq!(pending.inspection.sn.as_str(), label.sn);
    assert_eq!(pending.inspection.status, DeviceStatus::Bindable);
    let moves = taken(&shown);
    assert_eq!(
        moves.last().map(|m| m.0.as_str()),
        Some(address.as_str()),
        "{moves:?}"
    );
}

#[tokio::test]
async fn a_reload_keeps_the_screen_and_back_returns_to_scan() {
    let cloud = TestCloud::start().await;
    let mut owner = cloud.signed_in("reload@example.com").await;
    let label = cloud.labels[2].clone();
    owner
        .perform(Action::Inspect {
            qr_content: label.qr_content.clone(),
        })
        .await;
    owner
        .perform(Action::Bind {
            name: "Lamp".into(),
        })
        .await;
    let did = owner.devices.clone().unwrap()[0].did.clone();

    // A reload on the device's page shows that device (the list is fetched first).
    let (host, shown) = host_at(Some(&format!("/app/devices/{did}")));
    let mut reloaded = owner.clone();
    reloaded.devices = None;
    let mut ui = Ui::booted(reloaded, Some(Action::Refresh), host);
    ui.settle().await;
    ui.idle().await;
    let model = ui.model();
    assert_eq!(
        ui.dom.in_runtime(|| model.read().screen.clone()),
        Screen::Details { did: did.clone() }
    );
    assert!(ui.shows("Lamp"), "{}", ui.html());
    assert_eq!(taken(&shown), [(format!("/app/devices/{did}"), true)]);

    // Back from Confirm (the browser went to /app/scan): Scan again, no label pending.
    let mut on_confirm = owner.clone();
    on_confirm
        .perform(Action::Inspect {
            qr_content: cloud.labels[3].qr_content.clone(),
        })
        .await;
    assert_eq!(on_confirm.screen, Screen::Confirm);
    assert_eq!(on_confirm.open(Route::Scan), None);
    assert_eq!(on_confirm.screen, Screen::Scan);
    assert_eq!(on_confirm.pending, None);
    // Forward again asks the cloud about the label once more.
    let forward = on_confirm.open(Route::Confirm {
        label: cloud.labels[3].qr_content.clone(),
    });
    assert!(
        matches!(forward, Some(Action::Inspect { .. })),
        "{forward:?}"
    );

    // Signed in, the sign-in address leads Home rather than to a signed-out screen.
    assert_eq!(on_confirm.open(Route::SignIn), None);
    assert_eq!(on_confirm.screen, Screen::Home);
}

#[tokio::test]
async fn a_label_link_opens_confirm_and_its_bind_code_leaves_the_address() {
    let cloud = TestCloud::start().await;
    let model = cloud.signed_in("link@example.com").await;
    let label = cloud.labels[3].clone();
    // What the cloud's /b sends on: the URL form's fields, bind code included.
    let query = label.qr_content.replace("&v=2", "");
    let (host, shown) = host_at(Some(&format!("/app/confirm?{query}")));
    let mut ui = Ui::with_host(model, host);
    ui.settle().await;
    ui.idle().await;
    let model = ui.model();
    assert_eq!(
        ui.dom.in_runtime(|| model.read().screen.clone()),
        Screen::Confirm
    );
    // The entry was rewritten in place: the same screen, without the bind code.
    let moves = taken(&shown);
    let without_code = format!("/app/confirm?pk={}&sn={}", cloud.product_key, label.sn);
    assert_eq!(moves, [(without_code, true)], "{moves:?}");
}
