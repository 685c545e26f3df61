//! The app's flow state driven against a real bindery-cloud on 127.0.0.1 (fresh SQLite file
//! per test): sign up / sign in, scan → confirm → bind, rename, unbind, and every refusal the
//! user can meet on the way, plus the cloud going away.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{TestCloud, PASSWORD, PRODUCT_NAME, PUBLIC_URL};
use bindery::i18n::Lang;
use bindery::state::session::{MemorySessions, SessionKeeper};
use bindery::state::{
    Action, Busy, FailureKind, Model, Notice, Screen, Secret, SCAN_REPEAT_WINDOW,
};
use bindery_core::api::DeviceStatus;
use bindery_core::{ErrorCode, Field, LabelForm};

fn sign_in(email: &str, password: &str) -> Action {
    Action::SignIn {
        email: email.to_owned(),
        password: Secret(password.to_owned()),
    }
}

fn refused(model: &Model) -> ErrorCode {
    match &model.failure {
        Some(f) => f.code().unwrap_or_else(|| panic!("not a refusal: {f:?}")),
        None => panic!("no failure on {:?}", model.screen),
    }
}

/// Scans `qr` from Home and lands on Confirm.
async fn scan(model: &mut Model, qr: &str) {
    model.go(Screen::Scan);
    let action = model
        .scanned(qr, Instant::now())
        .expect("a fresh code is taken");
    model.perform(action).await;
}

#[tokio::test]
async fn sign_up_then_sign_in_again_on_a_new_run() {
    let cloud = TestCloud::start().await;
    let sessions = Arc::new(MemorySessions::default());
    let (mut model, next) = Model::new(cloud.cloud(), Lang::En, sessions.clone());
    assert_eq!(next, None);
    assert_eq!(model.screen, Screen::SignIn);

    // A signed-out user cannot reach Home.
    model.go(Screen::Home);
    assert_eq!(model.screen, Screen::SignIn);

    model.go(Screen::SignUp);
    model
        .perform(Action::SignUp {
            email: " New.User@Example.com ".into(),
            password: Secret(PASSWORD.into()),
        })
        .await;
    assert_eq!(model.failure, None);
    assert_eq!(model.screen, Screen::Home);
    assert_eq!(
        model.account.as_ref().unwrap().email,
        "new.user@example.com"
    );
    assert_eq!(model.devices, Some(vec![]), "the empty list was fetched");
    let saved = sessions.load(&cloud.url).unwrap().expect("session kept");
    assert_eq!(saved.email, "new.user@example.com");

    // The next run starts signed in, on Home, and refreshes the list.
    let (mut again, next) = Model::new(cloud.cloud(), Lang::En, sessions.clone());
    assert_eq!(again.screen, Screen::Home);
    assert_eq!(next, Some(Action::Refresh));
    again.perform(Action::Refresh).await;
    assert_eq!(again.devices, Some(vec![]));

    // Signing out forgets the session and revokes the token.
    let token = again.client().token().unwrap().to_owned();
    again.perform(Action::SignOut).await;
    assert_eq!(again.screen, Screen::SignIn);
    assert_eq!(again.account, None);
    assert_eq!(sessions.load(&cloud.url).unwrap(), None);
    let old = bindery_client::Client::new(&cloud.url)
        .unwrap()
        .with_token(Some(token));
    assert_eq!(
        old.devices().await.unwrap_err().code(),
        Some(ErrorCode::Unauthorized)
    );

    // Sign in with the same account.
    again
        .perform(sign_in("new.user@example.com", PASSWORD))
        .await;
    assert_eq!(again.screen, Screen::Home);
    assert!(again.account.is_some());
}

#[tokio::test]
async fn signing_out_on_all_devices_ends_the_other_devices_sessions_too() {
    let cloud = TestCloud::start().await;
    let mut phone = cloud.signed_in("lost.phone@example.com").await;
    let mut laptop = cloud.model(Lang::En);
    laptop
        .perform(sign_in("lost.phone@example.com", PASSWORD))
        .await;
    assert_eq!(laptop.screen, Screen::Home);

    laptop.perform(Action::SignOutEverywhere).await;
    assert_eq!(laptop.failure, None);
    assert_eq!(laptop.screen, Screen::SignIn);
    assert_eq!(laptop.account, None);
    assert_eq!(laptop.notice, Some(Notice::SignedOutEverywhere));

    // The phone's next call is refused, and it lands on Sign in too.
    phone.perform(Action::Refresh).await;
    assert_eq!(refused(&phone), ErrorCode::Unauthorized);
    assert_eq!(phone.screen, Screen::SignIn);
    assert_eq!(phone.account, None);
}

#[tokio::test]
async fn signing_out_on_all_devices_needs_the_cloud_and_forgets_nothing_without_it() {
    let mut cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("offline.out@example.com").await;
    cloud.stop().await;
    model.perform(Action::SignOutEverywhere).await;
    // Still signed in here, with a failure that offers to try again.
    assert!(model.account.is_some());
    let failure = model.failure.as_ref().expect("a failure");
    assert!(
        matches!(failure.kind, FailureKind::Unreachable { .. }),
        "{failure:?}"
    );
    assert_eq!(failure.retry, Some(Action::SignOutEverywhere));
}

#[tokio::test]
async fn wrong_password_and_taken_email_are_refusals_with_request_ids() {
    let cloud = TestCloud::start().await;
    cloud.signed_in("ann@example.com").await;

    let mut model = cloud.model(Lang::En);
    model
        .perform(sign_in("ann@example.com", "wrong password"))
        .await;
    assert_eq!(refused(&model), ErrorCode::Unauthorized);
    let failure = model.failure.clone().unwrap();
    assert!(failure.request_id().unwrap().starts_with("req_"));
    assert_eq!(failure.retry, None, "a wrong password is not retried");
    assert_eq!(model.screen, Screen::SignIn);
    assert_eq!(model.busy, None);
    assert!(failure.sentence(Lang::En).contains("Sign in again"));
    assert!(failure.sentence(Lang::ZhCn).contains("重新登录"));

    model.go(Screen::SignUp);
    model
        .perform(Action::SignUp {
            email: "ann@example.com".into(),
            password: Secret(PASSWORD.into()),
        })
        .await;
    assert_eq!(refused(&model), ErrorCode::EmailTaken);
    assert_eq!(model.screen, Screen::SignUp);
}

#[tokio::test]
async fn typed_credentials_are_checked_before_sending() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.model(Lang::En);
    model.go(Screen::SignUp);
    model
        .perform(Action::SignUp {
            email: "ann@example.com".into(),
            password: Secret("short".into()),
        })
        .await;
    match &model.failure.as_ref().unwrap().kind {
        FailureKind::Invalid(e) => assert_eq!(e.field, Field::Password),
        other => panic!("{other:?}"),
    }
    assert_eq!(model.busy, None);
    model.perform(sign_in("not an email", PASSWORD)).await;
    match &model.failure.as_ref().unwrap().kind {
        FailureKind::Invalid(e) => assert_eq!(e.field, Field::Email),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn scan_confirm_bind_lands_on_home_with_the_device_highlighted() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("bea@example.com").await;
    let label = cloud.labels[0].clone();

    scan(&mut model, &label.qr_content).await;
    assert_eq!(model.failure, None);
    assert_eq!(model.screen, Screen::Confirm);
    let pending = model.pending.clone().unwrap();
    assert_eq!(pending.inspection.sn.as_str(), label.sn);
    assert_eq!(pending.inspection.product_name, PRODUCT_NAME);
    assert_eq!(pending.inspection.status, DeviceStatus::Bindable);
    assert!(pending.can_bind());

    let start = model.start(Action::Bind {
        name: "  Kitchen plug ".into(),
    });
    assert_eq!(model.busy, Some(Busy::Binding));
    // A second tap while binding sends nothing.
    assert!(model
        .start(Action::Bind {
            name: "Kitchen plug".into()
        })
        .is_none());
    let outcome = start.unwrap().run().await;
    assert_eq!(model.apply(outcome), None);

    assert_eq!(model.screen, Screen::Home);
    assert_eq!(model.failure, None);
    let devices = model.devices.clone().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, "Kitchen plug");
    assert_eq!(devices[0].sn.as_str(), label.sn);
    assert_eq!(model.highlighted.as_deref(), Some(devices[0].did.as_str()));
    assert_eq!(model.pending, None);
}

#[tokio::test]
async fn a_url_label_from_a_phones_camera_binds_like_any_other() {
    let cloud = TestCloud::start_printing(LabelForm::Url).await;
    let label = cloud.labels[0].clone();
    assert!(
        label
            .qr_content
            .starts_with(&format!("{PUBLIC_URL}/b?pk={}&sn=", cloud.product_key)),
        "{}",
        label.qr_content
    );
    let mut model = cloud.signed_in("url.label@example.com").await;
    scan(&mut model, &label.qr_content).await;
    assert_eq!(model.failure, None);
    assert_eq!(model.screen, Screen::Confirm);
    assert_eq!(
        model.pending.as_ref().unwrap().inspection.status,
        DeviceStatus::Bindable
    );
    model
        .perform(Action::Bind {
            name: "Porch light".into(),
        })
        .await;
    assert_eq!(model.failure, None);
    let devices = model.devices.clone().unwrap();
    assert_eq!(devices[0].sn.as_str(), label.sn);
}

#[tokio::test]
async fn a_label_printed_by_another_system_binds_once_its_maker_adopted_it() {
    let cloud = TestCloud::start().await;
    // Printed by Gizwits' label service: no product key, no SN, nothing Bindery can read.
    let label = "GZQR|5c2f0e9a7b4d41e8|v3";
    cloud.adopt("02:00:00:00:aa:01", label).await;
    let mut model = cloud.signed_in("ida@example.com").await;

    scan(&mut model, label).await;
    assert_eq!(model.failure, None);
    assert_eq!(model.screen, Screen::Confirm);
    let pending = model.pending.clone().unwrap();
    // Without an SN in the import, the device's SN is its DeviceKey.
    assert_eq!(pending.inspection.sn.as_str(), "02000000aa01");
    assert_eq!(pending.inspection.product_name, PRODUCT_NAME);
    assert_eq!(pending.inspection.status, DeviceStatus::Bindable);
    model
        .perform(Action::Bind {
            name: "Heater".into(),
        })
        .await;
    assert_eq!(model.failure, None);
    assert_eq!(model.screen, Screen::Home);
    let devices = model.devices.clone().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].sn.as_str(), "02000000aa01");
    assert_eq!(model.highlighted.as_deref(), Some(devices[0].did.as_str()));

    // A label of the same kind that was never adopted is explained on the scan screen.
    scan(&mut model, "GZQR|0000000000000000|v3").await;
    assert_eq!(refused(&model), ErrorCode::BadQrContent);
    assert_eq!(model.screen, Screen::Scan);
}

#[tokio::test]
async fn binding_a_device_already_yours_says_so_and_keeps_one_binding() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("cat@example.com").await;
    let qr = cloud.labels[1].qr_content.clone();
    scan(&mut model, &qr).await;
    model
        .perform(Action::Bind {
            name: "Lamp".into(),
        })
        .await;
    let did = model.highlighted.clone().unwrap();

    scan(&mut model, &qr).await;
    assert_eq!(
        model.pending.as_ref().unwrap().inspection.status,
        DeviceStatus::BoundToYou
    );
    assert!(model.pending.as_ref().unwrap().can_bind());
    model
        .perform(Action::Bind {
            name: "Lamp".into(),
        })
        .await;
    assert_eq!(model.failure, None);
    assert_eq!(model.screen, Screen::Home);
    assert_eq!(
        model.notice,
        Some(Notice::AlreadyYours {
            name: "Lamp".into()
        })
    );
    assert_eq!(model.highlighted.as_deref(), Some(did.as_str()));
    assert_eq!(model.devices.as_ref().unwrap().len(), 1);
}

#[tokio::test]
async fn a_device_of_another_account_is_explained_before_typing_and_refused() {
    let cloud = TestCloud::start().await;
    let qr = cloud.labels[0].qr_content.clone();
    let mut owner = cloud.signed_in("owner@example.com").await;
    scan(&mut owner, &qr).await;
    owner
        .perform(Action::Bind {
            name: "Mine".into(),
        })
        .await;
    assert_eq!(owner.screen, Screen::Home);

    let mut other = cloud.signed_in("other@example.com").await;
    scan(&mut other, &qr).await;
    assert_eq!(other.screen, Screen::Confirm);
    let pending = other.pending.clone().unwrap();
    assert_eq!(pending.inspection.status, DeviceStatus::BoundToOther);
    assert!(!pending.can_bind());

    // Even if a bind is sent anyway (say, the owner unbound and rebound meanwhile), the
    // cloud's refusal is shown on Confirm.
    other
        .perform(Action::Bind {
            name: "Mine now".into(),
        })
        .await;
    assert_eq!(refused(&other), ErrorCode::AlreadyBound);
    assert_eq!(other.screen, Screen::Confirm);
    assert!(other.failure.as_ref().unwrap().retry.is_none());
    assert_eq!(other.devices, Some(vec![]));
}

#[tokio::test]
async fn a_device_not_activated_is_explained_and_refused() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("dan@example.com").await;
    scan(&mut model, &cloud.inactive[0].qr_content).await;
    assert_eq!(
        model.pending.as_ref().unwrap().inspection.status,
        DeviceStatus::NotActivated
    );
    assert!(!model.pending.as_ref().unwrap().can_bind());
    model
        .perform(Action::Bind {
            name: "Heater".into(),
        })
        .await;
    assert_eq!(refused(&model), ErrorCode::SnNotActivated);
    let sentence = model.failure.as_ref().unwrap().sentence(Lang::ZhCn);
    assert!(sentence.contains("尚未激活"), "{sentence}");
}

#[tokio::test]
async fn a_label_with_a_wrong_bind_code_is_refused() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("eve@example.com").await;
    let label = &cloud.labels[2];
    // Same product and SN, another label's code: a copied or mistyped label.
    let other_code = cloud.labels[3]
        .qr_content
        .rsplit_once("bc=")
        .unwrap()
        .1
        .to_owned();
    let forged = format!(
        "pk={}&sn={}&v=2&bc={other_code}",
        cloud.product_key, label.sn
    );
    scan(&mut model, &forged).await;
    assert_eq!(model.screen, Screen::Confirm);
    model.perform(Action::Bind { name: "Fan".into() }).await;
    assert_eq!(refused(&model), ErrorCode::BadBindCode);
    assert_eq!(model.screen, Screen::Confirm);
    assert_eq!(model.devices, Some(vec![]));
}

#[tokio::test]
async fn unknown_and_foreign_codes_are_refused_on_the_scan_screen() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("fay@example.com").await;
    scan(&mut model, "hello there").await;
    assert_eq!(refused(&model), ErrorCode::BadQrContent);
    assert_eq!(model.screen, Screen::Scan);
    scan(&mut model, "pk=p1a2b3&sn=NOSUCHSN01&v=1").await;
    assert_eq!(refused(&model), ErrorCode::SnNotFound);
}

#[tokio::test]
async fn names_are_checked_before_sending_and_rename_works() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("gus@example.com").await;
    scan(&mut model, &cloud.labels[0].qr_content).await;

    // The docs/product.md §3 name rules, before anything is sent.
    for bad in ["   ", "two\nlines", &"x".repeat(65)] {
        model.perform(Action::Bind { name: bad.into() }).await;
        match &model.failure.as_ref().unwrap().kind {
            FailureKind::Invalid(e) => assert_eq!(e.field, Field::DeviceName, "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
        assert_eq!(model.screen, Screen::Confirm);
        assert_eq!(model.busy, None);
    }
    model
        .perform(Action::Bind {
            name: "Desk".into(),
        })
        .await;
    let did = model.highlighted.clone().unwrap();

    model.go(Screen::Details { did: did.clone() });
    model
        .perform(Action::Rename {
            did: did.clone(),
            name: "bad\u{7}name".into(),
        })
        .await;
    assert!(matches!(
        model.failure.as_ref().unwrap().kind,
        FailureKind::Invalid(_)
    ));
    assert_eq!(model.device(&did).unwrap().name, "Desk");

    model
        .perform(Action::Rename {
            did: did.clone(),
            name: " Desk lamp ".into(),
        })
        .await;
    assert_eq!(model.failure, None);
    assert_eq!(model.device(&did).unwrap().name, "Desk lamp");
    assert_eq!(
        model.notice,
        Some(Notice::Renamed {
            name: "Desk lamp".into()
        })
    );

    // The cloud agrees.
    model.perform(Action::Refresh).await;
    assert_eq!(model.device(&did).unwrap().name, "Desk lamp");
}

#[tokio::test]
async fn unbind_after_confirmation_frees_the_device() {
    let cloud = TestCloud::start().await;
    let qr = cloud.labels[1].qr_content.clone();
    let mut model = cloud.signed_in("hal@example.com").await;
    scan(&mut model, &qr).await;
    model
        .perform(Action::Bind {
            name: "Kettle".into(),
        })
        .await;
    let did = model.highlighted.clone().unwrap();

    model.go(Screen::Details { did: did.clone() });
    model.ask_unbind(true);
    assert!(model.unbind_asked);
    model.perform(Action::Unbind { did: did.clone() }).await;
    assert_eq!(model.failure, None);
    assert_eq!(model.screen, Screen::Home);
    assert_eq!(model.devices, Some(vec![]));
    assert_eq!(
        model.notice,
        Some(Notice::Unbound {
            name: "Kettle".into()
        })
    );

    // Unbinding it again (a stale screen) is a not_found refusal.
    model.perform(Action::Unbind { did }).await;
    assert_eq!(refused(&model), ErrorCode::NotFound);

    // Someone else can bind it now.
    let mut next = cloud.signed_in("ida@example.com").await;
    scan(&mut next, &qr).await;
    assert_eq!(
        next.pending.as_ref().unwrap().inspection.status,
        DeviceStatus::Bindable
    );
}

#[tokio::test]
async fn a_stopped_cloud_reads_as_unreachable_with_retry() {
    let mut cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("joe@example.com").await;
    scan(&mut model, &cloud.labels[0].qr_content).await;
    assert_eq!(model.screen, Screen::Confirm);

    cloud.stop().await;
    model
        .perform(Action::Bind {
            name: "Radio".into(),
        })
        .await;
    let failure = model.failure.clone().expect("a failure");
    assert_eq!(failure.kind, FailureKind::Unreachable { timeout: false });
    assert_eq!(failure.code(), None);
    assert_eq!(failure.request_id(), None);
    assert_eq!(
        failure.retry,
        Some(Action::Bind {
            name: "Radio".into()
        })
    );
    assert!(failure.sentence(Lang::En).contains(&cloud.url));
    assert!(failure.sentence(Lang::En).contains("Check your network"));
    assert!(failure.sentence(Lang::ZhCn).contains("网络"));
    assert_ne!(
        failure.title(Lang::En),
        model_refusal_title(),
        "a network failure reads differently from a refusal"
    );
    // Nothing was lost: the label is still on Confirm, ready for Retry.
    assert_eq!(model.screen, Screen::Confirm);
    assert!(model.pending.is_some());
    assert_eq!(model.busy, None);

    model.perform(Action::Refresh).await;
    assert!(matches!(
        model.failure.as_ref().unwrap().kind,
        FailureKind::Unreachable { .. }
    ));
    // Still signed in: a network failure is not a sign-out.
    assert!(model.account.is_some());
}

fn model_refusal_title() -> &'static str {
    bindery::i18n::t(Lang::En, bindery::i18n::Text::RefusedTitle)
}

#[tokio::test]
async fn a_revoked_session_leads_back_to_sign_in() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("kim@example.com").await;
    // The same token signed out elsewhere.
    model.client().logout().await.unwrap();
    model.perform(Action::Refresh).await;
    assert_eq!(refused(&model), ErrorCode::Unauthorized);
    assert_eq!(model.screen, Screen::SignIn);
    assert_eq!(model.account, None);
}

#[tokio::test]
async fn repeats_of_a_scanned_code_are_ignored_for_a_moment() {
    let cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("lea@example.com").await;
    model.go(Screen::Scan);
    let t0 = Instant::now();
    assert!(model.scanned("pk=a", t0).is_some());
    assert!(model
        .scanned("pk=a", t0 + Duration::from_millis(500))
        .is_none());
    assert!(model
        .scanned("pk=b", t0 + Duration::from_millis(600))
        .is_some());
    assert!(model
        .scanned("pk=b", t0 + Duration::from_millis(600) + SCAN_REPEAT_WINDOW)
        .is_some());
    // Not on other screens.
    model.go(Screen::Home);
    assert!(model.scanned("pk=c", t0).is_none());
}

#[tokio::test]
async fn a_label_whose_check_failed_waits_for_retry_while_the_camera_still_sees_it() {
    let mut cloud = TestCloud::start().await;
    let mut model = cloud.signed_in("ines@example.com").await;
    cloud.stop().await;
    let label = cloud.labels[0].qr_content.clone();
    model.go(Screen::Scan);
    let t0 = Instant::now();
    let action = model.scanned(&label, t0).expect("taken");
    model.perform(action).await;
    assert!(matches!(
        model.failure.as_ref().map(|f| &f.kind),
        Some(FailureKind::Unreachable { .. })
    ));
    // Long after the repeat window, the same label is still left to Retry…
    let later = t0 + SCAN_REPEAT_WINDOW * 4;
    assert!(model.scanned(&label, later).is_none());
    // …until the failure is dismissed…
    model.dismiss();
    let action = model.scanned(&label, later).expect("taken again");
    model.perform(action).await;
    assert!(model.failure.is_some());
    // …and another label is taken at once, failure or not.
    assert!(model.scanned(&cloud.labels[1].qr_content, later).is_some());
}

#[tokio::test]
async fn switching_clouds_keeps_a_session_per_cloud() {
    let first = TestCloud::start().await;
    let second = TestCloud::start().await;
    let sessions = Arc::new(MemorySessions::default());
    let (mut model, _) = Model::new(first.cloud(), Lang::En, sessions.clone());
    model.go(Screen::SignUp);
    model
        .perform(Action::SignUp {
            email: "max@example.com".into(),
            password: Secret(PASSWORD.into()),
        })
        .await;
    assert!(model.account.is_some());

    assert_eq!(model.use_cloud(second.cloud()).unwrap(), None);
    assert_eq!(model.screen, Screen::SignIn);
    assert_eq!(model.account, None);

    let next = model.use_cloud(first.cloud()).unwrap();
    assert_eq!(next, Some(Action::Refresh));
    assert_eq!(model.screen, Screen::Home);

    let bad = model
        .use_cloud(bindery::state::Cloud {
            url: "ftp://nowhere".into(),
            sandbox: false,
        })
        .unwrap_err();
    assert!(matches!(bad.kind, FailureKind::BadCloudUrl { .. }));
    assert_eq!(model.cloud, first.cloud(), "a bad address changes nothing");
}
