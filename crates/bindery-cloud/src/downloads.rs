//! Signed download links: a batch's package or a QR task's zip opened in a plain browser tab
//! (Swagger UI's link, the console's download button, a link pasted to a colleague) carries no
//! `X-Api-Key`, and a key must never travel in a URL. So the lists hand out the file's path
//! with `?expires=<unix s>&sig=<hex>`: an HMAC of the path and the expiry under a key derived
//! from the archive key (kept outside the database), good for [`LINK_TTL`]. Such a link opens
//! that one file until it expires; without it, the file still needs the organisation's key.

use std::time::Duration;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use bindery_core::ErrorCode;
use ring::hmac;

use crate::db::now_ms;
use crate::error::ApiError;
use crate::extract::Maker;
use crate::state::AppState;

/// How long a signed link works.
pub const LINK_TTL: Duration = Duration::from_secs(15 * 60);

fn signature(state: &AppState, path: &str, expires: i64) -> String {
    let tag = hmac::sign(
        state.archive_key.link_key(),
        format!("{path}\n{expires}").as_bytes(),
    );
    hex::encode(tag.as_ref())
}

/// `path` signed for [`LINK_TTL`]: the link, and when it stops working (Unix ms).
pub fn signed_link(state: &AppState, path: &str) -> (String, i64) {
    let expires_ms = now_ms() + LINK_TTL.as_millis() as i64;
    let expires = expires_ms / 1000;
    let sig = signature(state, path, expires);
    (
        format!("{path}?expires={expires}&sig={sig}"),
        expires * 1000,
    )
}

/// The query of a signed link.
#[derive(Debug, serde::Deserialize)]
struct LinkQuery {
    expires: Option<String>,
    sig: Option<String>,
}

/// Who may download a file: the holder of a signed link for exactly this path, or a maker
/// (who must then own the file's product: the handler checks).
#[derive(Debug, Clone)]
pub enum Download {
    /// A valid, unexpired signed link for the requested path.
    Signed,
    /// A Developer Center caller.
    Maker(Maker),
}

impl FromRequestParts<AppState> for Download {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Query(link) = Query::<LinkQuery>::try_from_uri(&parts.uri).map_err(|_| {
            ApiError::invalid("the query must be a download link's expires and sig, once each")
        })?;
        if link.expires.is_none() && link.sig.is_none() {
            return Ok(Download::Maker(
                Maker::from_request_parts(parts, state).await?,
            ));
        }
        // A link's parts are checked even beside a key: a half or altered link is refused
        // rather than quietly ignored.
        let not_valid = || {
            ApiError::with_message(
                ErrorCode::Unauthorized,
                "this download link has expired or is not valid; open the list again for a fresh link",
            )
        };
        let expires: i64 = link
            .expires
            .as_deref()
            .ok_or_else(not_valid)?
            .parse()
            .map_err(|_| {
                ApiError::invalid("expires must be the whole number a download link has")
            })?;
        let sig = link.sig.ok_or_else(not_valid)?;
        // Past i64's milliseconds is no expiry a link was ever signed with.
        let expires_ms = expires.checked_mul(1000).ok_or_else(not_valid)?;
        if expires_ms <= now_ms() {
            return Err(not_valid());
        }
        let expected = signature(state, parts.uri.path(), expires);
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), sig.as_bytes()).into();
        if !matches {
            return Err(not_valid());
        }
        Ok(Download::Signed)
    }
}
