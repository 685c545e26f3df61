//! The web app (`cargo xtask web`) served at `/app/` by the cloud it talks to, so QA can open
//! the app in any browser against any cloud, with no CORS and no second server.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue};
use axum::response::Redirect;
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

/// Why a web root cannot be served.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebRootError {
    /// The folder has no `index.html`.
    #[error("{dir}: there is no index.html here; build the web app with `cargo xtask web` and pass its output folder")]
    NoIndex {
        /// The folder given.
        dir: PathBuf,
    },
}

/// Checks that `dir` holds a built web app.
pub fn check_web_root(dir: &Path) -> Result<(), WebRootError> {
    if dir.join("index.html").is_file() {
        Ok(())
    } else {
        Err(WebRootError::NoIndex {
            dir: dir.to_owned(),
        })
    }
}

/// `/app/…` from `root` (the bundle refers to its files by absolute `/app/` paths, so `/app`
/// works as well as `/app/`); `/` leads there.
pub fn router(root: &Path) -> Router<AppState> {
    // The bundle's file names do not change between builds, so a browser must ask again
    // each time instead of running yesterday's wasm against today's API.
    let files = ServeDir::new(root).append_index_html_on_directories(true);
    Router::new()
        .route("/", get(|| async { Redirect::to("/app/") }))
        .nest_service("/app", files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
