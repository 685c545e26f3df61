//! The console at `/console/` (issue 16) and the interactive API reference at `/doc/`.
//!
//! The console is plain HTML, CSS and ES modules (`console/` in this crate), compiled into the
//! binary: every cloud serves it, with or without a web app, and it needs no build step. It
//! shares the app's stylesheet (`assets/bindery.css`) so both look alike. Its screens have
//! paths under `/console/`, each answered by its `index.html`.
//!
//! `/doc/` is Swagger UI over `/v1/openapi.json`, from npm's `swagger-ui-dist` folder given
//! with `--doc-ui` (served from this cloud, never a CDN); without it `/doc/` says how to add it.

use std::path::Path;

use axum::extract::Path as UrlPath;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

/// One file of the console: its path under `/console/`, type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../console/console.js"),
    },
    Asset {
        name: "i18n.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../console/i18n.js"),
    },
    Asset {
        name: "doc.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../console/doc.js"),
    },
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../console/console.css"),
    },
    Asset {
        name: "bindery.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../../assets/bindery.css"),
    },
];

const INDEX: &str = include_str!("../console/index.html");
const DOC_INDEX: &str = include_str!("../console/doc.html");
const NO_DOC: &str = include_str!("../console/no-doc.html");

/// What the console's pages may load: only this cloud's own files and calls; label previews
/// arrive as `data:` images, downloads as `blob:` links.
const CONSOLE_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; \
     style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

fn html(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn index() -> Response {
    html(INDEX)
}

/// A console file, or the console's page for a screen's path (a name without a dot).
async fn file(UrlPath(rest): UrlPath<String>) -> Response {
    if let Some(asset) = ASSETS.iter().find(|a| a.name == rest) {
        return ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response();
    }
    let last = rest.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return StatusCode::NOT_FOUND.into_response();
    }
    html(INDEX)
}

/// `/console/…` and `/doc/…`.
pub fn router(doc_ui: Option<&Path>) -> Router<AppState> {
    let console = Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(index))
        .route("/console/{*rest}", get(file))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_POLICY),
        ));
    let doc = match doc_ui {
        Some(dir) => Router::new()
            .route("/doc/", get(|| async { html(DOC_INDEX) }))
            .route_service(
                "/doc/swagger-ui-bundle.js",
                ServeFile::new(dir.join("swagger-ui-bundle.js")),
            )
            .route_service(
                "/doc/swagger-ui.css",
                ServeFile::new(dir.join("swagger-ui.css")),
            ),
        None => Router::new().route("/doc/", get(|| async { html(NO_DOC) })),
    };
    console
        .merge(doc.route("/doc", get(|| async { Redirect::permanent("/doc/") })))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Checks that `dir` is a `swagger-ui-dist` folder (it holds the bundle and its stylesheet).
pub fn check_doc_ui(dir: &Path) -> Result<(), String> {
    for name in ["swagger-ui-bundle.js", "swagger-ui.css"] {
        if !dir.join(name).is_file() {
            return Err(format!(
                "{} holds no {name}: give the folder of npm's swagger-ui-dist package \
                 (node_modules/swagger-ui-dist)",
                dir.display()
            ));
        }
    }
    Ok(())
}
