//! The web app (`cargo xtask web`) served at `/app/` by the cloud it talks to, so QA can open
//! the app in any browser against any cloud, with no CORS and no second server.
//!
//! Every screen of the app has a URL under `/app/` (`/app/scan`, `/app/confirm?…`,
//! `/app/devices/<did>`), and a reload or an opened link asks the server for that path: a
//! path that is not a file but looks like a screen (its last segment has no `.`) gets the
//! app's `index.html`, whose router then shows the screen. A missing file (`/app/x.wasm`)
//! stays `not_found`, so a stale page cannot mistake HTML for its wasm.
//!
//! Phones load the wasm over slow links, so with the `compression` feature the files are sent
//! brotli- or gzip-compressed as the browser's `Accept-Encoding` allows: a `.br` or `.gz`
//! file next to the original (a release build may write them, at the best ratio) is sent as
//! it is, anything else is compressed on the way (brotli at quality 4, tower-http's default).
//!
//! Each build's glue and wasm live in a folder named after the build (`/app/build-<hash>/`,
//! see `xtask/src/web/bundle.rs`): what is there never changes, so the browser may keep it
//! for good (`immutable`). Everything else (the page that names the build, the service
//! worker, the manifest) is asked for again each time (`no-cache`), so a deploy is seen on
//! the next load.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

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
/// works as well as `/app/`), with the app's screens' paths answered by its `index.html`;
/// `/` leads there.
pub fn router(root: &Path) -> Router<AppState> {
    let index = root.join("index.html");
    let screens = tower::service_fn(move |request: Request| {
        let index = index.clone();
        async move { Ok::<Response, Infallible>(screen(index, request).await) }
    });
    let files = ServeDir::new(root)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(screens);
    compressed(
        Router::new()
            .route("/", get(|| async { Redirect::to("/app/") }))
            .nest_service("/app", files)
            .layer(axum::middleware::map_response(
                |uri: axum::extract::OriginalUri, mut response: Response| async move {
                    let policy = cache_policy(uri.path(), response.status());
                    let headers = response.headers_mut();
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
                    // A `.br`/`.gz` copy is chosen by the request's Accept-Encoding, which a
                    // cache in between must then key on too (tower-http's precompressed
                    // serving does not say so; its on-the-fly compression does).
                    let varies = headers.get_all(header::VARY).iter().any(|v| {
                        v.to_str()
                            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
                    });
                    if !varies {
                        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
                    }
                    response
                },
            )),
    )
}

/// The prefix of a build's folder under `/app/`.
const BUILD_FOLDER: &str = "/app/build-";

/// How long a browser may keep the answer to `path`: for good when it is a file found in a
/// build's folder, else it asks again each time. (A path there without a `.` in its last
/// segment is answered with the page, which changes with each deploy.)
pub fn cache_policy(path: &str, status: StatusCode) -> &'static str {
    let in_build = path
        .strip_prefix(BUILD_FOLDER)
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, file)| file.rsplit('/').next().is_some_and(|f| f.contains('.')));
    if in_build && status.is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// `router`'s answers compressed as the request's `Accept-Encoding` allows (brotli, then
/// gzip), unless they already are.
#[cfg(feature = "compression")]
fn compressed(router: Router<AppState>) -> Router<AppState> {
    router.layer(tower_http::compression::CompressionLayer::new())
}

/// Without the `compression` feature, answers go out as they are.
#[cfg(not(feature = "compression"))]
fn compressed(router: Router<AppState>) -> Router<AppState> {
    router
}

/// A path under `/app/` that is no file: the app's `index.html` when it names a screen, else
/// `not_found`.
async fn screen(index: PathBuf, request: Request) -> Response {
    let last = request.uri().path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return StatusCode::NOT_FOUND.into_response();
    }
    // ServeFile serves the one file whatever the request's path; it never fails.
    match ServeFile::new(index).oneshot(request).await {
        Ok(answer) => answer.map(Body::new),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row: a path, the answer's status, the policy.
    #[test]
    fn only_files_found_in_a_build_folder_are_kept_for_good() {
        const KEEP: &str = "public, max-age=31536000, immutable";
        let cases = [
            ("/app/build-00ff/bindery_bg.wasm", StatusCode::OK, KEEP),
            (
                "/app/build-00ff/snippets/x-1/inline0.js",
                StatusCode::OK,
                KEEP,
            ),
            (
                "/app/build-00ff/gone.wasm",
                StatusCode::NOT_FOUND,
                "no-cache",
            ),
            ("/app/build-00ff/scan", StatusCode::OK, "no-cache"),
            ("/app/build-00ff", StatusCode::OK, "no-cache"),
            ("/app/", StatusCode::OK, "no-cache"),
            ("/app/sw.js", StatusCode::OK, "no-cache"),
            ("/app/bindery_bg.wasm", StatusCode::OK, "no-cache"),
            ("/app/confirm", StatusCode::OK, "no-cache"),
        ];
        for (path, status, policy) in cases {
            assert_eq!(cache_policy(path, status), policy, "{path} {status}");
        }
    }
}
