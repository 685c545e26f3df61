//! The OpenAPI 3.1 description of API v1, served at `/v1/openapi.json`.
//!
//! Written out by hand from the same tables as docs/product.md §4 rather than derived from
//! annotations: the wire types live in `bindery-core`, which stays free of server-only
//! dependencies. A test walks every operation listed here against the running server, so
//! the document cannot name a call the server does not answer.

use axum::routing::get;
use axum::{Json, Router};
use bindery_core::ErrorCode;
use serde_json::{json, Value};

use crate::state::AppState;

/// `/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/openapi.json", get(|| async { Json(document()) }))
}

/// How a call is authorised.
#[derive(Clone, Copy)]
enum Security {
    Public,
    User,
    DevKey,
    SupportKey,
}

/// One operation: method, path, security, summary, request schema, success status and body.
struct Op {
    method: &'static str,
    path: &'static str,
    security: Security,
    summary: &'static str,
    request: Option<Value>,
    status: u16,
    response: Option<Value>,
    errors: &'static [ErrorCode],
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn operations() -> Vec<Op> {
    use ErrorCode::*;
    use Security::*;
    let op = |method,
              path,
              security,
              summary,
              request: Option<&str>,
              status,
              response: Option<&str>,
              errors| Op {
        method,
        path,
        security,
        summary,
        request: request.map(schema_ref),
        status,
        response: response.map(schema_ref),
        errors,
    };
    vec![
        op("get", "/healthz", Public, "Liveness", None, 200, None, &[]),
        op(
            "post",
            "/v1/users",
            Public,
            "Sign up",
            Some("Credentials"),
            201,
            Some("UserCreated"),
            &[InvalidRequest, EmailTaken],
        ),
        op(
            "post",
            "/v1/sessions",
            Public,
            "Sign in",
            Some("Credentials"),
            201,
            Some("Session"),
            &[InvalidRequest, Unauthorized, RateLimited],
        ),
        op(
            "delete",
            "/v1/sessions/current",
            User,
            "Sign out (revokes the token)",
            None,
            204,
            None,
            &[Unauthorized],
        ),
        op(
            "post",
            "/v1/qr/inspect",
            User,
            "What a scanned label means for you",
            Some("InspectRequest"),
            200,
            Some("Inspection"),
            &[BadQrContent, SnNotFound, Unauthorized],
        ),
        op(
            "post",
            "/v1/bindings",
            User,
            "Bind a device (200 with the same device on a retry)",
            Some("BindRequest"),
            201,
            Some("DeviceEnvelope"),
            &[
                BadQrContent,
                BadBindCode,
                SnNotFound,
                SnNotActivated,
                AlreadyBound,
                InvalidName,
                RateLimited,
                Unauthorized,
            ],
        ),
        op(
            "get",
            "/v1/bindings",
            User,
            "Your devices",
            None,
            200,
            Some("DeviceList"),
            &[Unauthorized],
        ),
        op(
            "patch",
            "/v1/bindings/{did}",
            User,
            "Rename a device",
            Some("RenameRequest"),
            200,
            Some("DeviceEnvelope"),
            &[InvalidName, NotFound, Unauthorized],
        ),
        op(
            "delete",
            "/v1/bindings/{did}",
            User,
            "Unbind a device",
            None,
            204,
            None,
            &[NotFound, Unauthorized],
        ),
        op(
            "post",
            "/v1/products",
            DevKey,
            "Create a product",
            Some("CreateProduct"),
            201,
            Some("Product"),
            &[InvalidRequest, Unauthorized, Forbidden],
        ),
        op(
            "get",
            "/v1/products",
            DevKey,
            "Your products",
            None,
            200,
            Some("ProductList"),
            &[Unauthorized, Forbidden],
        ),
        op(
            "post",
            "/v1/products/{pk}/sn-batches",
            DevKey,
            "Generate an SN batch (1 to 10,000)",
            Some("CreateBatch"),
            201,
            Some("Batch"),
            &[InvalidRequest, NotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/v1/products/{pk}/sn-batches",
            DevKey,
            "The product's batches",
            None,
            200,
            Some("BatchList"),
            &[NotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/v1/sn-batches/{batch_id}/archive",
            DevKey,
            "The batch's zip: sn_list.csv and qr/<SN>.png",
            None,
            200,
            None,
            &[NotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/v1/import-template",
            DevKey,
            "The import template (?format=csv|xlsx)",
            None,
            200,
            None,
            &[InvalidRequest, Unauthorized],
        ),
        op(
            "post",
            "/v1/products/{pk}/devices/import",
            DevKey,
            "Import DeviceKey↔SN rows (CSV or XLSX body; ?mode=atomic|partial)",
            None,
            200,
            Some("ImportReport"),
            &[
                InvalidRequest,
                PayloadTooLarge,
                NotFound,
                Forbidden,
                Unauthorized,
            ],
        ),
        op(
            "get",
            "/v1/products/{pk}/devices/export",
            DevKey,
            "The product's devices as CSV (formula-safe)",
            None,
            200,
            None,
            &[NotFound, Forbidden, Unauthorized],
        ),
        op(
            "post",
            "/qrcode/v1/{pk}/tasks",
            DevKey,
            "Gizwits-compatible QR task from a MAC range",
            Some("CreateQrTask"),
            201,
            None,
            &[InvalidRequest, NotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/qrcode/v1/{pk}/tasks",
            DevKey,
            "The product's QR tasks",
            None,
            200,
            Some("QrTaskList"),
            &[NotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/static/zipfiles/{file}",
            DevKey,
            "A QR task's zip of <pk>/<mac>.png",
            None,
            200,
            None,
            &[NotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/v1/support/devices/{sn}",
            SupportKey,
            "Everything about one SN",
            None,
            200,
            Some("SupportDevice"),
            &[SnNotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/v1/support/requests/{request_id}",
            SupportKey,
            "The bind attempt behind a request id",
            None,
            200,
            Some("BindAttempt"),
            &[NotFound, Forbidden, Unauthorized],
        ),
        op(
            "get",
            "/v1/openapi.json",
            Public,
            "This document",
            None,
            200,
            None,
            &[],
        ),
    ]
}

/// Every `(method, path)` the document lists, for tests.
pub fn listed_operations() -> Vec<(&'static str, &'static str)> {
    operations().iter().map(|o| (o.method, o.path)).collect()
}

fn string() -> Value {
    json!({"type": "string"})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn schemas() -> Value {
    let device = object(
        &[
            "did",
            "product_key",
            "product_name",
            "sn",
            "name",
            "bound_at",
        ],
        json!({"did": string(), "product_key": string(), "product_name": string(), "sn": string(), "name": string(), "bound_at": time()}),
    );
    let attempt = object(
        &["at", "account", "result", "request_id", "sn"],
        json!({"at": time(), "account": {"type": ["string", "null"]}, "result": string(), "request_id": string(), "sn": {"type": ["string", "null"]}}),
    );
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "Credentials": object(&["email", "password"], json!({"email": string(), "password": string()})),
        "UserCreated": object(&["uid"], json!({"uid": string()})),
        "Session": object(&["token", "uid", "expires_at"], json!({"token": string(), "uid": string(), "expires_at": time()})),
        "InspectRequest": object(&["qr_content"], json!({"qr_content": string()})),
        "Inspection": object(&["product_key", "product_name", "sn", "status"], json!({
            "product_key": string(), "product_name": string(), "sn": string(),
            "status": {"type": "string", "enum": ["bindable", "bound_to_you", "bound_to_other", "not_activated"]}})),
        "BindRequest": object(&["qr_content", "name"], json!({"qr_content": string(), "name": string()})),
        "RenameRequest": object(&["name"], json!({"name": string()})),
        "Device": device,
        "DeviceEnvelope": object(&["device"], json!({"device": schema_ref("Device")})),
        "DeviceList": object(&["devices"], json!({"devices": {"type": "array", "items": schema_ref("Device")}})),
        "CreateProduct": object(&["name"], json!({"name": string(), "product_key": string(),
            "bind_policy": {"type": "string", "enum": ["bind_code_required", "sn_only"]}})),
        "Product": object(&["product_key", "name", "bind_policy", "created_at"], json!({"product_key": string(), "name": string(),
            "bind_policy": {"type": "string", "enum": ["bind_code_required", "sn_only"]}, "created_at": time()})),
        "ProductList": object(&["products"], json!({"products": {"type": "array", "items": schema_ref("Product")}})),
        "CreateBatch": object(&["count"], json!({"count": {"type": "integer", "minimum": 1, "maximum": 10000}})),
        "Batch": object(&["batch_id", "count", "created_at"], json!({"batch_id": string(), "count": {"type": "integer"}, "created_at": time()})),
        "BatchList": object(&["batches"], json!({"batches": {"type": "array", "items": schema_ref("Batch")}})),
        "ImportReport": object(&["imported", "rejected"], json!({"imported": {"type": "integer"}, "rejected": {"type": "array", "items":
            object(&["row", "column", "code", "message"], json!({"row": {"type": "integer"}, "column": string(), "code": string(), "message": string()}))}})),
        "CreateQrTask": object(&["start_mac", "end_mac"], json!({"start_mac": string(), "end_mac": string()})),
        "QrTaskList": object(&["meta", "objects"], json!({
            "meta": object(&["total_count", "limit", "offset"], json!({"total_count": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}})),
            "objects": {"type": "array", "items": object(&["created_at", "updated_at", "file"], json!({"created_at": time(), "updated_at": time(), "file": string()}))}})),
        "BindAttempt": attempt,
        "SupportDevice": object(&["sn", "product_key", "product_name", "device_key", "batch_id", "imported_at", "binding", "attempts"], json!({
            "sn": string(), "product_key": string(), "product_name": string(),
            "device_key": {"type": ["string", "null"]}, "batch_id": {"type": ["string", "null"]},
            "imported_at": {"type": ["string", "null"], "format": "date-time"},
            "binding": {"oneOf": [{"type": "null"}, object(&["account_email", "name", "bound_at"], json!({"account_email": string(), "name": string(), "bound_at": time()}))]},
            "attempts": {"type": "array", "items": schema_ref("BindAttempt")}})),
        "ErrorBody": object(&["error"], json!({"error": object(&["code", "message", "request_id"], json!({
            "code": {"type": "string", "enum": codes}, "message": string(), "request_id": string()}))})),
    })
}

/// The document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for op in operations() {
        let mut responses = serde_json::Map::new();
        let mut success = json!({"description": "success"});
        if let Some(body) = &op.response {
            success["content"] = json!({"application/json": {"schema": body}});
        }
        responses.insert(op.status.to_string(), success);
        for code in op.errors {
            responses
                .entry(code.http_status().to_string())
                .or_insert_with(|| {
                    json!({"description": "error", "content": {"application/json": {"schema": schema_ref("ErrorBody")}}})
                });
            let entry = &mut responses[&code.http_status().to_string()];
            let text = entry["description"].as_str().unwrap_or("error").to_owned();
            entry["description"] = json!(format!("{text}; {code}"));
        }
        let mut operation = json!({"summary": op.summary, "responses": responses});
        if let Some(body) = &op.request {
            operation["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": body}}});
        }
        operation["security"] = match op.security {
            Security::Public => json!([]),
            Security::User => json!([{"bearer": []}]),
            Security::DevKey | Security::SupportKey => json!([{"apiKey": []}]),
        };
        let item = paths.entry(op.path).or_insert_with(|| json!({}));
        item[op.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Bindery cloud API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            },
        },
    })
}
