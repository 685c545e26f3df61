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
use axum::Json;
use bindery_core::api::{Credentials, ErrorBody, Session, UserCreated};
use bindery_core::{Email, ErrorCode, Password};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::{from_ms, is_unique_violation, now_ms, random_hex, secret_hash};
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientAddr, User};
use crate::state::AppState;
use crate::throttle::{self, Limit};

/// `/v1/users`, `/v1/sessions`, `/v1/sessions/current`, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in, sign_out_everywhere))
        .routes(routes!(sign_out))
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

/// Sign up: a new account.
#[utoipa::path(post, path = "/v1/users", tag = "accounts", request_body = Credentials,
    responses(
        (status = 201, description = "The account is made.", body = UserCreated),
        (status = 400, description = "`invalid_request`: a bad email or password.", body = ErrorBody),
        (status = 409, description = "`email_taken`: an account has this email.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many sign-ups from this address.",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the oldest counted attempt leaves the window."))),
    ))]
async fn sign_up(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<UserCreated>), ApiError> {
    let (email, password) = parse_credentials(&credentials)?;
    // Counted before the hash is spent, so a flood from one address costs it nothing but
    // its own refusals.
    let signups = Limit::new(state.limits.signups_per_address, state.limits.signup_window);
    let _counted = throttle::reserve(
        &state.writer,
        &state.db,
        "signup",
        &[(address.as_str(), signups)],
    )
    .await?;
    let password = password.expose().to_owned();
    let hash = state
        .hashing
        .run(move || hash_password(&password))
        .await??;
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

/// Sign in: a session token, valid 30 days.
#[utoipa::path(post, path = "/v1/sessions", tag = "accounts", request_body = Credentials,
    responses(
        (status = 201, description = "Signed in.", body = Session),
        (status = 401, description = "`unauthorized`: a wrong email or password.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many failed sign-ins for this email or address.",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the oldest counted failure leaves the window."))),
    ))]
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
    // The failure is written before the password is checked and removed if it was right:
    // concurrent guesses each see the others' (see throttle.rs).
    let failure = reserve_login_failure(&state, email.as_str(), &address).await?;

    let row: Option<(String, String)> =
        sqlx::query_as("SELECT uid, password_hash FROM accounts WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&state.db)
            .await?;
    let password = credentials.password.clone();
    let (uid, ok) = state
        .hashing
        .run(move || match row {
            Some((uid, hash)) => {
                let ok = verify_password(&password, &hash);
                (Some(uid), ok)
            }
            None => {
                verify_password(&password, decoy_hash());
                (None, false)
            }
        })
        .await
        .inspect_err(|_| failure.forget(&state))?;
    let (Some(uid), true) = (uid, ok) else {
        return Err(ApiError::with_message(
            ErrorCode::Unauthorized,
            "The email or password is wrong. Check them and try again.",
        ));
    };
    failure.release(&state).await?;

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

/// A failed sign-in written ahead of the password check; released when it was right.
struct LoginFailure {
    id: String,
}

impl LoginFailure {
    /// The password was right: this sign-in was no failure.
    async fn release(self, state: &AppState) -> Result<(), ApiError> {
        Ok(delete_failure(self.id, state.writer.clone()).await?)
    }

    /// The check never ran (the cloud was too busy): remove the failure in the background,
    /// since the caller is already being answered.
    fn forget(&self, state: &AppState) {
        tokio::spawn(delete_failure(self.id.clone(), state.writer.clone()));
    }
}

async fn delete_failure(id: String, writer: sqlx::AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id)
        .execute(&writer)
        .await?;
    Ok(())
}

/// Writes a failed sign-in of `email` from `address`, then counts the failures in the window
/// with it: per email from this address, per email from anywhere, per address. Past a limit
/// the row is removed again and the answer is `rate_limited`.
async fn reserve_login_failure(
    state: &AppState,
    email: &str,
    address: &str,
) -> Result<LoginFailure, ApiError> {
    let limits = &state.limits;
    let now = now_ms();
    let since = now - limits.login_window.as_millis() as i64;
    let failure = LoginFailure { id: random_hex(12) };
    sqlx::query("INSERT INTO login_failures (id, email, address, at) VALUES ($1, $2, $3, $4)")
        .bind(&failure.id)
        .bind(email)
        .bind(address)
        .bind(now)
        .execute(&state.writer)
        .await?;
    let checks: [(&str, &[&str], i64); 3] = [
        (
            "email = $1 AND address = $2 AND at > $3",
            &[email, address],
            limits.login_failures_per_email,
        ),
        (
            "email = $1 AND at > $2",
            &[email],
            limits.login_failures_per_email_anywhere,
        ),
        (
            "address = $1 AND at > $2",
            &[address],
            limits.login_failures_per_address,
        ),
    ];
    for (condition, keys, max) in checks {
        let sql =
            format!("SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE {condition}");
        let mut query = sqlx::query_as::<_, (i64, i64)>(&sql);
        for key in keys {
            query = query.bind(*key);
        }
        let (count, oldest) = query.bind(since).fetch_one(&state.db).await?;
        if count > max {
            failure.release(state).await?;
            return Err(ApiError::rate_limited(throttle::retry_after(
                oldest,
                since,
                limits.login_window,
            )));
        }
    }
    Ok(failure)
}

/// Sign out: revokes the token used.
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "The token no longer works.")))]
async fn sign_out(State(state): State<AppState>, user: User) -> Result<StatusCode, ApiError> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2")
        .bind(now_ms())
        .bind(user.token_hash)
        .execute(&state.writer)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out everywhere: revokes every session of the account, this one included (for a lost
/// phone or a shared computer).
#[utoipa::path(delete, path = "/v1/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "No token of this account works any more.")))]
async fn sign_out_everywhere(
    State(state): State<AppState>,
    user: User,
) -> Result<StatusCode, ApiError> {
    let revoked =
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE uid = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(&user.uid)
            .execute(&state.writer)
            .await?
            .rows_affected();
    tracing::info!(uid = %user.uid, sessions = revoked, "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}
