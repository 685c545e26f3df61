//! The OpenAPI 3.1 document of API v1, served at `/v1/openapi.json`, and the service's own two
//! paths (`/healthz` and the document itself).
//!
//! The document is derived, not written: each handler carries a `#[utoipa::path]` with its
//! request body and answers, the wire types of `bindery-core` derive their schemas (its
//! `openapi` feature), and each module's router declares a route and its documentation in
//! one `routes!` (utoipa-axum's `OpenApiRouter`), so a route cannot be served undocumented
//! or documented unserved. [`api`] joins them; the app serves its axum half and this module
//! serves its document half. What every operation shares because of the layers and
//! extractors it goes through — `internal` (500), `unavailable` (503, with `Retry-After`: a
//! busy database, or any answer over the time limit), a bad body or parameter (400), a body over
//! the limit (413), no or the wrong credentials (401, 403), the `x-request-id` header — is
//! added by [`add_shared_answers`] from the operation's own body, parameters and security,
//! rather than repeated on every handler.
//!
//! `docs/api.md` is rendered from the document by [`reference`]; a test fails when it is
//! stale (`BINDERY_BLESS=1 cargo test -p bindery-cloud --lib openapi` writes it again).

use std::sync::OnceLock;

use axum::Json;
use bindery_core::api::ErrorBody;
use serde_json::{json, Value};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{OpenApi, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::{AppState, Limits};
use crate::{accounts, bindings, developer, gizwits, orgs, pairs, support};

/// The security scheme of app calls (`Authorization: Bearer <token>`).
pub const BEARER: &str = "bearer";
/// The security scheme of Developer Center calls (`X-Api-Key` with a developer key).
pub const DEVELOPER_KEY: &str = "developerKey";
/// The security scheme of support calls (`X-Api-Key` with a support key).
pub const SUPPORT_KEY: &str = "supportKey";
/// With [`BEARER`], how a person signed in to the console names the organisation they act in.
pub const ORGANISATION: &str = "organisation";

/// The document's frame: info, the shared schemas and the security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bindery cloud API",
        version = "1",
        description = "API v1 of docs/product.md §4. Every answer carries `x-request-id`; every \
                       error answer has the body `{\"error\":{\"code\",\"message\",\"request_id\"}}`."
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes)
)]
struct Frame;

/// Adds the three ways to authenticate (docs/product.md §4).
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::SecurityScheme;
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A session token from `POST /v1/sessions`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            DEVELOPER_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A developer key (made in the console, or by `bindery-cloud dev-key create`); it \
                 sees only its organisation's products.",
            ))),
        );
        components.add_security_scheme(
            SUPPORT_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A support key: an organisation's (made in the console) sees its devices, the \
                 operator's (`bindery-cloud dev-key create --support`) every device.",
            ))),
        );
        components.add_security_scheme(
            ORGANISATION,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Bindery-Org",
                "With a session (`bearer`): the organisation (`o_…`) a person signed in to the \
                 console acts in; their role there decides what they may do.",
            ))),
        );
    }
}

/// The bytes of a file (zip, PNG, XLSX): documents a binary body.
pub struct FileBytes;

impl PartialSchema for FileBytes {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for FileBytes {}

/// Liveness: answers `ok` while the process serves.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "The process is serving.", body = String, content_type = "text/plain")))]
async fn health() -> &'static str {
    "ok"
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document of API v1.", body = Object)))]
async fn openapi_json() -> Json<&'static Value> {
    Json(document())
}

/// Every documented route of the service, each module's with its documentation: the app
/// serves `Router::from(api(..))`, and [`document`] is its other half.
pub fn api(limits: &Limits) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Frame::openapi())
        .routes(routes!(health))
        .routes(routes!(openapi_json))
        .merge(accounts::router())
        .merge(bindings::router())
        .merge(developer::router(limits))
        .merge(gizwits::router())
        .merge(pairs::router())
        .merge(support::router())
        .merge(orgs::router())
}

/// The document served at `/v1/openapi.json` (built once).
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(api(&Limits::default()).into_openapi())
            .expect("the OpenAPI document serialises");
        add_shared_answers(&mut doc);
        doc
    })
}

/// The HTTP methods an OpenAPI path item can hold.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every `(method, path)` of `doc`, in the document's order.
pub fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method, path.as_str(), op));
            }
        }
    }
    out
}

/// The security schemes an operation names.
fn schemes(op: &Value) -> Vec<&str> {
    op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().map(String::as_str))
        .collect()
}

/// Adds to every operation the answers its layers and extractors give, whatever its handler
/// does (see the module header), and the `x-request-id` header to every answer.
pub fn add_shared_answers(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let mut shared: Vec<(u16, &str)> = Vec::new();
            if op.get("requestBody").is_some() {
                shared.push((
                    400,
                    "`invalid_request`: the body is unreadable or lacks a field.",
                ));
                shared.push((413, "`payload_too_large`: the body is over the limit."));
            }
            if op.get("parameters").is_some() {
                shared.push((400, "`invalid_request`: a parameter is malformed."));
            }
            let security = schemes(op);
            if security.contains(&BEARER) {
                shared.push((401, "`unauthorized`: no, expired or revoked token."));
            }
            if security.contains(&DEVELOPER_KEY) {
                shared.push((401, "`unauthorized`: no or unknown key."));
                shared.push((403, "`forbidden`: a support key."));
            }
            if security.contains(&SUPPORT_KEY) {
                shared.push((401, "`unauthorized`: no or unknown key."));
                shared.push((403, "`forbidden`: a developer key."));
            }
            // Any call can run over the request time limit; whatever reads or writes the
            // database also waits while SQLite's one writer is held by an import; sign-up and
            // sign-in also while the password-hash queue is full, and the calls that make or
            // download label archives while others hold every place for one.
            shared.push((
                503,
                "`unavailable`: the cloud is busy (the database held by a long write such as an \
                 import, the password checks queued, other label archives being made or sent, \
                 or the answer over the time limit); retry \
                 after `Retry-After` seconds. A write that timed out may have happened: binds \
                 and imports are safe to repeat.",
            ));
            shared.push((500, "`internal`: a fault on the cloud's side."));
            let retry_on_503 = shared.iter().any(|(status, _)| *status == 503);
            let responses = &mut op["responses"];
            for (status, text) in shared {
                let answer = responses
                    .as_object_mut()
                    .expect("responses is an object")
                    .entry(status.to_string())
                    .or_insert_with(|| {
                        json!({
                            "description": "",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                        })
                    });
                let description = answer["description"].as_str().unwrap_or_default();
                if !description.contains(text) {
                    let joined = if description.is_empty() {
                        text.to_owned()
                    } else {
                        format!("{description} {text}")
                    };
                    answer["description"] = json!(joined);
                }
            }
            if retry_on_503 {
                responses["503"]["headers"]["Retry-After"] = json!({
                    "description": "Seconds to wait before trying again.",
                    "required": true,
                    "schema": {"type": "integer", "minimum": 1},
                });
            }
            for answer in responses.as_object_mut().into_iter().flatten() {
                answer.1["headers"]["x-request-id"] = json!({
                    "description": "The request's id (`req_` and 24 hex digits); support looks a bind up by it.",
                    "required": true,
                    "schema": {"type": "string", "pattern": "^req_[0-9a-f]{24}$"},
                });
            }
        }
    }
}

/// The name of a schema reference, or the content type when the body has no named schema.
fn body_name(content: &Value) -> String {
    let Some(content) = content.as_object() else {
        return String::new();
    };
    let names: Vec<String> = content
        .iter()
        .map(|(kind, media)| match media["schema"]["$ref"].as_str() {
            Some(reference) if kind == "application/json" => {
                format!("`{}`", reference.rsplit('/').next().unwrap_or(reference))
            }
            _ => format!("`{kind}`"),
        })
        .collect();
    names.join(" or ")
}

/// `docs/api.md`: the operations table and each operation's answers, rendered from `doc`.
pub fn reference(doc: &Value) -> String {
    let mut out = String::from(
        "# API v1 reference\n\n\
         Generated from the OpenAPI document the cloud serves at `GET /v1/openapi.json`, which is\n\
         derived from the handlers (`crates/bindery-cloud/src/openapi.rs`). Do not edit: run\n\
         `BINDERY_BLESS=1 cargo test -p bindery-cloud --lib openapi` to write it again. The\n\
         prose — flows, rules, rate limits, error codes — is in [product.md §4](product.md).\n\n\
         Auth: `bearer` is `Authorization: Bearer <token>` from `POST /v1/sessions`;\n\
         `developerKey` and `supportKey` are `X-Api-Key` with a developer or a support key;\n\
         `organisation` is `X-Bindery-Org`, sent with `bearer` by a person in the console.\n\
         Every answer carries `x-request-id`; every error answer has the body\n\
         `{\"error\":{\"code\",\"message\",\"request_id\"}}` (`ErrorBody`).\n\n\
         | method | path | auth | request | answers |\n|---|---|---|---|---|\n",
    );
    let ops = operations(doc);
    for (method, path, op) in &ops {
        let auth = schemes(op);
        let auth = if auth.is_empty() {
            "—".to_owned()
        } else {
            auth.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut request = body_name(&op["requestBody"]["content"]);
        let query: Vec<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .map(|name| format!("`?{name}`"))
            .collect();
        if !query.is_empty() {
            if !request.is_empty() {
                request.push(' ');
            }
            request.push_str(&query.join(" "));
        }
        if request.is_empty() {
            request = "—".to_owned();
        }
        let answers: Vec<String> = op["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(status, answer)| {
                let body = body_name(&answer["content"]);
                if body.is_empty() || body == "`ErrorBody`" {
                    status.clone()
                } else {
                    format!("{status} {body}")
                }
            })
            .collect();
        out.push_str(&format!(
            "| {} | `{path}` | {auth} | {request} | {} |\n",
            method.to_uppercase(),
            answers.join(", ")
        ));
    }
    for (method, path, op) in &ops {
        out.push_str(&format!("\n## {} {path}\n\n", method.to_uppercase()));
        if let Some(summary) = op["summary"].as_str() {
            out.push_str(&format!("{summary}\n\n"));
        }
        for (status, answer) in op["responses"].as_object().into_iter().flatten() {
            let text = answer["description"].as_str().unwrap_or_default();
            let retry = if answer["headers"].get("Retry-After").is_some() {
                " `Retry-After` gives the seconds to wait."
            } else {
                ""
            };
            out.push_str(&format!("- **{status}** {text}{retry}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
