//! Accounts: sign-up, sign-in (sessions) and sign-out.
//!
//! Passwords are hashed with argon2id at OWASP's parameters; session tokens are 256 random
//! bits handed out once and stored only as SHA-256; failed sign-ins are counted in the
//! database per email and per address so every process behind one database enforces the same
//! limit.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use bindery_core::api::{Credentials, Session, UserCreated};
use bindery_core::{Email, ErrorCode, Password};

use crate::db::{from_ms, is_unique_violation, now_ms, random_hex, secret_hash};
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientAddr, User};
use crate::state::AppState;

/// `/v1/users`, `/v1/sessions`, `/v1/sessions/current`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/users", post(sign_up))
        .route("/v1/sessions", post(sign_in))
        .route("/v1/sessions/current", delete(sign_out))
}

/// argon2id with OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (CPU-heavy: call off the async threads).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ApiError::internal_in("random", e))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::internal_in("salt", e))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal_in("argon2", e))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so both cases cost the same time and
/// the answer time does not reveal which emails have accounts.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").unwrap_or_default())
}

fn parse_credentials(credentials: &Credentials) -> Result<(Email, Password), ApiError> {
    let email = Email::parse(&credentials.email).map_err(|e| ApiError::invalid(e.to_string()))?;
    let password =
        Password::parse(&credentials.password).map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok((email, password))
}

async fn sign_up(
    State(state): State<AppState>,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<UserCreated>), ApiError> {
    let (email, password) = parse_credentials(&credentials)?;
    let password = password.expose().to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
    let uid = format!("u_{}", random_hex(12));
    let inserted = sqlx::query(
        "INSERT INTO accounts (uid, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&uid)
    .bind(email.as_str())
    .bind(hash)
    .bind(now_ms())
    .execute(&state.writer)
    .await;
    match inserted {
        Ok(_) => Ok((StatusCode::CREATED, Json(UserCreated { uid }))),
        Err(e) if is_unique_violation(&e) => Err(ApiError::new(ErrorCode::EmailTaken)),
        Err(e) => Err(e.into()),
    }
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    // A malformed email or password cannot match any account: answer like a wrong password,
    // but without spending a hash on it.
    let Ok(email) = Email::parse(&credentials.email) else {
        return Err(ApiError::new(ErrorCode::Unauthorized));
    };
    let limits = &state.limits;
    let since = now_ms() - limits.login_window.as_millis() as i64;
    let window_secs = limits.login_window.as_secs() as i64;
    for (column, key, max) in [
        ("email", email.as_str(), limits.login_failures_per_email),
        (
            "address",
            address.as_str(),
            limits.login_failures_per_address,
        ),
    ] {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE {column} = $1 AND at > $2"
        );
        let (count, oldest): (i64, i64) = sqlx::query_as(&sql)
            .bind(key)
            .bind(since)
            .fetch_one(&state.db)
            .await?;
        if count >= max {
            let retry = (oldest - since).max(0) / 1000 + 1;
            return Err(ApiError::rate_limited(retry.min(window_secs) as u64));
        }
    }

    let row: Option<(String, String)> =
        sqlx::query_as("SELECT uid, password_hash FROM accounts WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&state.db)
            .await?;
    let password = credentials.password.clone();
    let (uid, ok) = tokio::task::spawn_blocking(move || match row {
        Some((uid, hash)) => {
            let ok = verify_password(&password, &hash);
            (Some(uid), ok)
        }
        None => {
            verify_password(&password, decoy_hash());
            (None, false)
        }
    })
    .await?;
    let (Some(uid), true) = (uid, ok) else {
        sqlx::query("INSERT INTO login_failures (email, address, at) VALUES ($1, $2, $3)")
            .bind(email.as_str())
            .bind(&address)
            .bind(now_ms())
            .execute(&state.writer)
            .await?;
        return Err(ApiError::with_message(
            ErrorCode::Unauthorized,
            "The email or password is wrong. Check them and try again.",
        ));
    };

    let token = random_hex(32);
    let now = now_ms();
    let expires_at = now + limits.session_ttl.as_millis() as i64;
    sqlx::query(
        "INSERT INTO sessions (token_hash, uid, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(secret_hash(&token))
    .bind(&uid)
    .bind(now)
    .bind(expires_at)
    .execute(&state.writer)
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            token,
            uid,
            expires_at: from_ms(expires_at),
        }),
    ))
}

async fn sign_out(State(state): State<AppState>, user: User) -> Result<StatusCode, ApiError> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2")
        .bind(now_ms())
        .bind(user.token_hash)
        .execute(&state.writer)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
