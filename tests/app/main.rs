//! The app's tests, as one test binary: each binary links the whole app, Dioxus and an
//! embedded cloud, so one link instead of four saves minutes and gigabytes on a clean build.

mod browser;
mod common;
mod desktop_host;
mod desktop_smoke;
mod enter_code;
mod flow;
mod prerender;
mod routes;
mod screens;
mod ui;
mod webview_camera;
