//! App users: people with the app who scan and bind devices, open Home, sign in again now
//! and then (sometimes mistyping), and newcomers making an account.
//!
//! Each user keeps the devices the cloud acknowledged to them and checks that Home lists all
//! of them: a bind acknowledged before the kill must still be listed after it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bindery_core::api::{
    BindRequest, Credentials, DeviceEnvelope, DeviceList, InspectRequest, Session, UserCreated,
};

use crate::setup::{AppUser, PASSWORD};
use crate::tally::{AckedBind, Kind};
use crate::traffic::{Dice, Shared};

/// How often a user does each thing.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// One fresh device bound this often.
    pub bind_every: Duration,
    /// The label about to be bound is inspected first this often.
    pub inspect_every: Duration,
}

/// Home is opened this often.
const LIST_EVERY: Duration = Duration::from_secs(10);
/// The app signs in again this often (the old session is signed out).
const SIGN_IN_EVERY: Duration = Duration::from_secs(30);
/// One sign-in in this many follows a wrong password.
const WRONG_ONE_IN: u64 = 6;
/// A device someone else holds is scanned this often.
const TAKEN_EVERY: Duration = Duration::from_secs(90);
/// A newcomer arrives at each address this often.
const NEWCOMER_EVERY: Duration = Duration::from_secs(40);

/// One signed-in user and the devices acknowledged to them.
struct Person {
    http: reqwest::Client,
    uid: String,
    email: String,
    token: String,
    /// Device ids acknowledged to this user.
    devices: Vec<String>,
}

impl Person {
    /// Inspects `label`; a fresh label must be bindable.
    async fn inspect(&self, shared: &Shared, label: &str) {
        shared
            .until_answered(Kind::Inspect, "POST /v1/qr/inspect", || {
                self.http
                    .post(format!("{}/v1/qr/inspect", shared.base))
                    .bearer_auth(&self.token)
                    .json(&InspectRequest {
                        qr_content: label.to_owned(),
                    })
            })
            .await;
    }

    /// Binds `label`, retrying a lost answer with the same label as the app does; records
    /// the acknowledgement.
    async fn bind(&mut self, shared: &Shared, label: String) {
        let answer = shared
            .until_answered(Kind::Bind, "POST /v1/bindings", || {
                self.http
                    .post(format!("{}/v1/bindings", shared.base))
                    .bearer_auth(&self.token)
                    .json(&BindRequest {
                        qr_content: label.clone(),
                        name: "Soak plug".into(),
                    })
            })
            .await;
        let Some(answer) = answer.filter(|a| matches!(a.status, 200 | 201)) else {
            return;
        };
        let Some(DeviceEnvelope { device }) = shared.read(&answer) else {
            return;
        };
        shared.tally.ack(|acks| {
            acks.binds.push(AckedBind {
                uid: self.uid.clone(),
                sn: device.sn.to_string(),
                did: device.did.clone(),
            })
        });
        self.devices.push(device.did);
        shared
            .labels
            .bound
            .lock()
            .unwrap()
            .push((label, self.uid.clone()));
    }

    /// Scans a device another user holds: the cloud must say `already_bound`.
    async fn bind_taken(&self, shared: &Shared, dice: &mut Dice) {
        let taken = {
            let bound = shared.labels.bound.lock().unwrap();
            let others: Vec<&(String, String)> =
                bound.iter().filter(|(_, uid)| *uid != self.uid).collect();
            if others.is_empty() {
                return;
            }
            others[dice.below(others.len() as u64) as usize].0.clone()
        };
        shared
            .until_answered(Kind::TakenBind, "POST /v1/bindings", || {
                self.http
                    .post(format!("{}/v1/bindings", shared.base))
                    .bearer_auth(&self.token)
                    .json(&BindRequest {
                        qr_content: taken.clone(),
                        name: "Not mine".into(),
                    })
            })
            .await;
    }

    /// Opens Home: every device acknowledged before now must be listed.
    async fn list(&self, shared: &Shared) {
        let expected = self.devices.clone();
        let answer = shared
            .until_answered(Kind::List, "GET /v1/bindings", || {
                self.http
                    .get(format!("{}/v1/bindings", shared.base))
                    .bearer_auth(&self.token)
            })
            .await;
        let Some(answer) = answer.filter(|a| a.status == 200) else {
            return;
        };
        let Some(DeviceList { devices }) = shared.read(&answer) else {
            return;
        };
        let listed: std::collections::HashSet<&str> =
            devices.iter().map(|d| d.did.as_str()).collect();
        let missing = expected
            .iter()
            .filter(|did| !listed.contains(did.as_str()))
            .count();
        if missing > 0 {
            tracing::error!(uid = %self.uid, missing, "Home lacks acknowledged devices");
            shared.tally.note(|n| n.lists_missing_binds += missing);
        }
    }

    /// Signs in again (after a wrong password when `mistype`), then signs the old session
    /// out. The new token is kept only if the sign-in worked.
    async fn sign_in_again(&mut self, shared: &Shared, mistype: bool) {
        if mistype {
            let wrong = Credentials {
                email: self.email.clone(),
                password: "wrong horse battery".into(),
            };
            shared
                .until_answered(Kind::WrongPassword, "POST /v1/sessions", || {
                    self.http
                        .post(format!("{}/v1/sessions", shared.base))
                        .json(&wrong)
                })
                .await;
        }
        let Some(session) = sign_in(shared, &self.http, &self.email).await else {
            return;
        };
        let old = std::mem::replace(&mut self.token, session.token);
        shared
            .tokens
            .lock()
            .unwrap()
            .insert(self.uid.clone(), self.token.clone());
        shared
            .until_answered(Kind::SignOut, "DELETE /v1/sessions/current", || {
                self.http
                    .delete(format!("{}/v1/sessions/current", shared.base))
                    .bearer_auth(&old)
            })
            .await;
    }
}

/// Signs `email` in with the right password.
async fn sign_in(shared: &Shared, http: &reqwest::Client, email: &str) -> Option<Session> {
    let credentials = Credentials {
        email: email.to_owned(),
        password: PASSWORD.into(),
    };
    let answer = shared
        .until_answered(Kind::SignIn, "POST /v1/sessions", || {
            http.post(format!("{}/v1/sessions", shared.base))
                .json(&credentials)
        })
        .await?;
    (answer.status == 201)
        .then(|| shared.read(&answer))
        .flatten()
}

/// A fresh label, or `None` (noted) when the prepared ones ran out.
fn fresh_label(shared: &Shared) -> Option<String> {
    let label = shared.labels.fresh.lock().unwrap().pop_front();
    if label.is_none() {
        shared.tally.note(|n| n.labels_ran_out += 1);
    }
    label
}

/// One app user for the whole run: `n` spreads their schedule from the others'.
pub async fn app_user(
    shared: Arc<Shared>,
    http: reqwest::Client,
    user: AppUser,
    plan: Plan,
    n: u64,
) {
    let mut dice = Dice::new(n + 1);
    shared
        .tokens
        .lock()
        .unwrap()
        .insert(user.uid.clone(), user.token.clone());
    let mut person = Person {
        http,
        uid: user.uid,
        email: user.email,
        token: user.token,
        devices: Vec::new(),
    };
    let start = Instant::now();
    let mut next_inspect = start + dice.within(plan.inspect_every);
    let mut next_list = start + dice.within(LIST_EVERY);
    let mut next_sign_in = start + dice.within(SIGN_IN_EVERY);
    let mut next_taken = start + TAKEN_EVERY / 2 + dice.within(TAKEN_EVERY);
    let mut ticks = tokio::time::interval_at(
        (start + dice.within(plan.bind_every)).into(),
        plan.bind_every,
    );
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while shared.next(&mut ticks).await {
        let now = Instant::now();
        if now >= next_sign_in {
            next_sign_in += SIGN_IN_EVERY;
            let mistype = dice.below(WRONG_ONE_IN) == 0;
            person.sign_in_again(&shared, mistype).await;
        }
        if let Some(label) = fresh_label(&shared) {
            if now >= next_inspect {
                next_inspect += plan.inspect_every;
                person.inspect(&shared, &label).await;
            }
            person.bind(&shared, label).await;
        }
        if now >= next_taken {
            next_taken += TAKEN_EVERY;
            person.bind_taken(&shared, &mut dice).await;
        }
        if now >= next_list {
            next_list += LIST_EVERY;
            person.list(&shared).await;
        }
    }
}

/// Newcomers at one user address: every 40 s someone makes an account, signs in, scans and
/// binds their first device and opens Home.
pub async fn newcomers(shared: Arc<Shared>, http: reqwest::Client, address: usize) {
    let mut dice = Dice::new(1000 + address as u64);
    let first = Instant::now() + dice.within(NEWCOMER_EVERY);
    let mut arrivals = tokio::time::interval_at(first.into(), NEWCOMER_EVERY);
    let mut n = 0;
    while shared.next(&mut arrivals).await {
        n += 1;
        let email = format!("soak-new-{address}-{n}@example.com");
        let credentials = Credentials {
            email: email.clone(),
            password: PASSWORD.into(),
        };
        let answer = shared
            .until_answered(Kind::SignUp, "POST /v1/users", || {
                http.post(format!("{}/v1/users", shared.base))
                    .json(&credentials)
            })
            .await;
        let Some(answer) = answer.filter(|a| a.status == 201) else {
            continue;
        };
        let Some(UserCreated { uid }) = shared.read(&answer) else {
            continue;
        };
        shared.tally.ack(|acks| acks.sign_ups.push(uid.clone()));
        let Some(session) = sign_in(&shared, &http, &email).await else {
            continue;
        };
        shared
            .tokens
            .lock()
            .unwrap()
            .insert(uid.clone(), session.token.clone());
        let mut person = Person {
            http: http.clone(),
            uid,
            email,
            token: session.token,
            devices: Vec::new(),
        };
        if let Some(label) = fresh_label(&shared) {
            person.inspect(&shared, &label).await;
            person.bind(&shared, label).await;
        }
        person.list(&shared).await;
    }
}
