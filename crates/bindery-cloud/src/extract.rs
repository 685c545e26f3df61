//! Request extractors: JSON bodies that fail with docs/product.md §4 errors, the callers (a
//! signed-in user; a key or a person acting in an organisation, by role) and the client's
//! address.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use bindery_core::api::Role;
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
        user(parts, state).await
    }
}

async fn user(parts: &Parts, state: &AppState) -> Result<User, ApiError> {
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

/// How stale a key's `last_used_at` may get before a use writes it again: one write per key
/// per minute, not one per request.
pub const LAST_USE_RESOLUTION_MS: i64 = 60_000;

/// A caller with a working `X-Api-Key`, whatever its role (developer or support).
#[derive(Debug, Clone)]
pub struct AnyKey {
    /// The key's id (safe to log).
    pub key_id: String,
    support: bool,
    /// The organisation the key works in; `None` for the cloud operator's support keys.
    pub org_id: Option<String>,
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
    org_id: Option<String>,
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
        "SELECT key_id, support, org_id, revoked_at, last_used_at FROM api_keys WHERE key_hash = $1",
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
        org_id: stored.org_id,
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

/// Who made a console or Developer Center call: a person signed in, or an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in person, by account id.
    Person(String),
    /// An API key, by key id.
    Key(String),
}

impl Actor {
    /// The id the audit log records (`u_…` or `k_…`).
    pub fn id(&self) -> &str {
        match self {
            Actor::Person(uid) | Actor::Key(uid) => uid,
        }
    }
}

/// A caller acting in an organisation, with the role it acts in: a developer or support key of
/// the organisation, or a signed-in member who names the organisation in `X-Bindery-Org`.
#[derive(Debug, Clone)]
pub struct OrgCaller {
    /// The organisation; `None` only for the cloud operator's support keys (every device).
    pub org_id: Option<String>,
    /// Who is calling.
    pub actor: Actor,
    /// The role the call is made in.
    pub role: Role,
}

/// `uid`'s role in `org_id`; `None` when they are not in it.
pub(crate) async fn member_role(
    state: &AppState,
    org_id: &str,
    uid: &str,
) -> Result<Option<Role>, ApiError> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM org_members WHERE org_id = $1 AND uid = $2")
            .bind(org_id)
            .bind(uid)
            .fetch_optional(&state.db)
            .await?;
    role.map(|role| stored_role(&role)).transpose()
}

/// A role as stored; any other text is the database's fault, not the caller's.
pub(crate) fn stored_role(role: &str) -> Result<Role, ApiError> {
    Role::parse(role).ok_or_else(|| ApiError::internal(format!("stored role {role}")))
}

/// The header that names the organisation a signed-in person acts in.
pub const ORG_HEADER: &str = "x-bindery-org";

async fn org_caller(parts: &Parts, state: &AppState) -> Result<OrgCaller, ApiError> {
    if parts.headers.contains_key("x-api-key") {
        let key = api_key(parts, state).await?;
        return Ok(OrgCaller {
            org_id: key.org_id,
            actor: Actor::Key(key.key_id),
            role: if key.support {
                Role::Support
            } else {
                Role::Developer
            },
        });
    }
    let user = user(parts, state).await.map_err(|_| {
        ApiError::with_message(
            ErrorCode::Unauthorized,
            "send an API key as X-Api-Key, or sign in and name your organisation in X-Bindery-Org",
        )
    })?;
    let org_id = parts
        .headers
        .get(ORG_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::with_message(
                ErrorCode::Forbidden,
                "name the organisation you act in with the X-Bindery-Org header",
            )
        })?;
    let role = member_role(state, org_id, &user.uid)
        .await?
        .ok_or_else(|| {
            ApiError::with_message(
            ErrorCode::Forbidden,
            "you are not a member of this organisation; ask one of its owners for an invitation",
        )
        })?;
    Ok(OrgCaller {
        org_id: Some(org_id.to_owned()),
        actor: Actor::Person(user.uid),
        role,
    })
}

/// A caller whose role is one of `allowed`; `what` completes "… cannot" in the refusal.
async fn caller_in_role(
    parts: &Parts,
    state: &AppState,
    allowed: &[Role],
    what: &str,
) -> Result<OrgCaller, ApiError> {
    let caller = org_caller(parts, state).await?;
    if !allowed.contains(&caller.role) {
        let message = match caller.actor {
            Actor::Key(_) if caller.role == Role::Support => {
                format!("a support key cannot {what}")
            }
            Actor::Key(_) => format!("a developer key cannot {what}"),
            Actor::Person(_) => format!(
                "your role ({}) cannot {what}; ask an owner of the organisation",
                caller.role.as_str()
            ),
        };
        return Err(ApiError::with_message(ErrorCode::Forbidden, message));
    }
    Ok(caller)
}

/// A Developer Center caller (products, batches, imports, QR tasks): a developer key, or a
/// signed-in owner or developer of the organisation named in `X-Bindery-Org`.
#[derive(Debug, Clone)]
pub struct Maker {
    /// The organisation whose products the call may see and change.
    pub org_id: String,
    /// Who is calling (for the audit log).
    pub actor: Actor,
}

impl Maker {
    /// The key id when a key calls (products record the key that made them).
    pub fn key_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::Key(key_id) => Some(key_id),
            Actor::Person(_) => None,
        }
    }
}

impl FromRequestParts<AppState> for Maker {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = caller_in_role(
            parts,
            state,
            &[Role::Owner, Role::Developer],
            "use the Developer Center",
        )
        .await?;
        let org_id = caller.org_id.ok_or_else(|| {
            ApiError::with_message(ErrorCode::Forbidden, "this key belongs to no organisation")
        })?;
        Ok(Maker {
            org_id,
            actor: caller.actor,
        })
    }
}

/// Anyone of an organisation, whatever the role (reading its products and devices).
#[derive(Debug, Clone)]
pub struct OrgReader {
    /// The organisation.
    pub org_id: String,
}

impl FromRequestParts<AppState> for OrgReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = org_caller(parts, state).await?;
        let org_id = caller.org_id.ok_or_else(|| {
            ApiError::with_message(
                ErrorCode::Forbidden,
                "this key belongs to no organisation; use the support calls",
            )
        })?;
        Ok(OrgReader { org_id })
    }
}

/// A support caller: a support key (the operator's see every device, an organisation's its
/// own), or a signed-in owner or support person of the organisation in `X-Bindery-Org`.
#[derive(Debug, Clone)]
pub struct SupportCaller {
    /// The organisation whose devices the call may see; `None`: every device.
    pub org_id: Option<String>,
    /// Who is calling (for the audit log).
    pub actor: Actor,
}

impl FromRequestParts<AppState> for SupportCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = caller_in_role(
            parts,
            state,
            &[Role::Owner, Role::Support],
            "use the support view",
        )
        .await?;
        Ok(SupportCaller {
            org_id: caller.org_id,
            actor: caller.actor,
        })
    }
}

/// An owner of the organisation named in the path (`/v1/orgs/{org_id}/…`): people, keys and
/// the audit log. Only people are owners; keys never are.
#[derive(Debug, Clone)]
pub struct OrgOwner {
    /// The organisation.
    pub org_id: String,
    /// The owner's account id.
    pub uid: String,
}

impl OrgOwner {
    /// Checks that `user` is an owner of `org_id`.
    pub async fn check(state: &AppState, user: &User, org_id: &str) -> Result<OrgOwner, ApiError> {
        match member_role(state, org_id, &user.uid).await? {
            Some(Role::Owner) => Ok(OrgOwner {
                org_id: org_id.to_owned(),
                uid: user.uid.clone(),
            }),
            Some(_) => Err(ApiError::with_message(
                ErrorCode::Forbidden,
                "only an owner of the organisation can do this",
            )),
            // Not a member: the organisation is not confirmed to exist.
            None => Err(ApiError::with_message(
                ErrorCode::NotFound,
                "no such organisation",
            )),
        }
    }
}
