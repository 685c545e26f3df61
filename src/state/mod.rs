//! The flow of docs/product.md §6 as plain data: signed out → Home → Scan → Confirm → binding →
//! Home with the new device highlighted; details (rename, unbind), settings, and every
//! failure on the way.
//!
//! The [`Model`] holds what the screens show. A user's request is an [`Action`]; it runs in
//! three steps so the UI never holds the model across a network call:
//! [`Model::start`] checks the input and marks the model busy (synchronous), the returned
//! [`Job`] talks to the cloud (async, owns a clone of the client), and [`Model::apply`] folds
//! its [`Outcome`] back in (synchronous). [`Model::perform`] chains the three for tests and
//! any caller that owns the model. Navigation that needs no cloud is a plain method.
//!
//! One module per seam: `view` (the values the screens show), `failure` (why an action
//! failed), `jobs` (actions and their network work), `model` (the model and the changes that
//! need no cloud), `route` (the web app's addresses of the model's screens). The model holds
//! no text: its words are in [`crate::i18n`].

mod failure;
mod jobs;
mod keeper;
mod model;
pub mod preferences;
mod route;
pub mod session;
mod view;

pub use failure::{Failure, FailureKind, ScanProblem};
pub use jobs::{Action, Done, Job, Outcome, Secret};
pub use model::{Model, SCAN_REPEAT_WINDOW};
pub use route::{Route, APP_PREFIX};
pub use view::{Account, Busy, CameraState, Cloud, Notice, Pending, Screen};
