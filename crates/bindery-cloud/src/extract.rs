//! Request extractors: JSON bodies that fail with docs/product.md §4 errors, and the three kinds of caller
//! (a signed-in user, a developer key, a support key) plus the client's address.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use bindery_core::ErrorCode;

use crate::db::{now_ms, secret_hash};
use crate::error::{ApiError, RequestId};
use crate::state::AppState;

/// A JSON body whose rejections are `invalid_request` (with serde's reason) or
/// `payload_too_large`: axum's `Json`, with its rejection turned into an [`ApiError`].
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(
    /// The parsed body.
    pub T,
);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::PayloadTooLarge)
        } else {
            ApiError::invalid(rejection.body_text())
        }
    }
}

/// The request id assigned by [`crate::error::request_context`].
impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(crate::error::new_request_id())))
    }
}

/// The client's IP address (the key of per-address rate limits).
#[derive(Debug, Clone)]
pub struct ClientAddr(
    /// The TCP peer's IP address, or `unknown`.
    pub String,
);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(ClientAddr(addr))
    }
}

/// A signed-in app user (`Authorization: Bearer <token>`, unexpired, not revoked).
#[derive(Debug, Clone)]
pub struct User {
    /// The account's id.
    pub uid: String,
    /// SHA-256 of the token, to revoke this session.
    pub token_hash: Vec<u8>,
}

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
        let token_hash = secret_hash(token);
        let uid: Option<String> = sqlx::query_scalar(
            "SELECT uid FROM sessions WHERE token_hash = $1 AND expires_at > $2 AND revoked_at IS NULL",
        )
        .bind(token_hash.clone())
        .bind(now_ms())
        .fetch_optional(&state.db)
        .await?;
        match uid {
            Some(uid) => Ok(User { uid, token_hash }),
            None => Err(ApiError::new(ErrorCode::Unauthorized)),
        }
    }
}

/// How stale a key's `last_used_at` may get before a use writes it again: one write per key
/// per minute, not one per request.
pub const LAST_USE_RESOLUTION_MS: i64 = 60_000;

/// A caller with a working `X-Api-Key`, whatever its role (developer or support).
#[derive(Debug, Clone)]
pub struct AnyKey {
    /// The key's id (safe to log).
    pub key_id: String,
    support: bool,
}

impl FromRequestParts<AppState> for AnyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        api_key(parts, state).await
    }
}

/// A stored key as the check reads it.
#[derive(sqlx::FromRow)]
struct StoredKey {
    key_id: String,
    support: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

async fn api_key(parts: &Parts, state: &AppState) -> Result<AnyKey, ApiError> {
    let key = parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
    let stored: Option<StoredKey> = sqlx::query_as(
        "SELECT key_id, support, revoked_at, last_used_at FROM api_keys WHERE key_hash = $1",
    )
    .bind(secret_hash(key))
    .fetch_optional(&state.db)
    .await?;
    let Some(stored) = stored else {
        return Err(ApiError::new(ErrorCode::Unauthorized));
    };
    if stored.revoked_at.is_some() {
        return Err(ApiError::with_message(
            ErrorCode::Unauthorized,
            "this API key was revoked; use another key, or ask whoever runs this cloud for a new one",
        ));
    }
    note_use(state, &stored);
    Ok(AnyKey {
        key_id: stored.key_id,
        support: stored.support != 0,
    })
}

/// Records that a key was used, at most once a minute per key. Off the request's path: the
/// answer never waits for this write (on SQLite it could queue behind an import), and a lost
/// update only makes "last used" a minute older.
fn note_use(state: &AppState, key: &StoredKey) {
    let now = now_ms();
    if key
        .last_used_at
        .is_some_and(|at| now - at < LAST_USE_RESOLUTION_MS)
    {
        return;
    }
    let writer = state.writer.clone();
    let key_id = key.key_id.clone();
    tokio::spawn(async move {
        let written = sqlx::query(
            "UPDATE api_keys SET last_used_at = $1 WHERE key_id = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(&key_id)
        .bind(now - LAST_USE_RESOLUTION_MS)
        .execute(&writer)
        .await;
        if let Err(error) = written {
            tracing::debug!(%key_id, %error, "could not record the key's last use");
        }
    });
}

/// A Developer Center caller: a developer key (not a support key).
#[derive(Debug, Clone)]
pub struct DevKey {
    /// The key's id (safe to log; products record it as their owner).
    pub key_id: String,
}

impl FromRequestParts<AppState> for DevKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = api_key(parts, state).await?;
        if key.support {
            return Err(ApiError::with_message(
                ErrorCode::Forbidden,
                "a support key cannot use the Developer Center",
            ));
        }
        Ok(DevKey { key_id: key.key_id })
    }
}

/// A support-view caller: a key made with `dev-key create --support`.
#[derive(Debug, Clone)]
pub struct SupportKey {
    /// The key's id.
    pub key_id: String,
}

impl FromRequestParts<AppState> for SupportKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = api_key(parts, state).await?;
        if !key.support {
            return Err(ApiError::with_message(
                ErrorCode::Forbidden,
                "this call needs a support key",
            ));
        }
        Ok(SupportKey { key_id: key.key_id })
    }
}
