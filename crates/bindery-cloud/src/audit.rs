//! The audit log: every change made in an organisation — by a person in the console or by one
//! of its keys — with who, what, to what and why, for the organisation's owners to read.
//!
//! An event is written after the change it records, on the same writer, and the call fails if
//! it cannot be written: a change that is not in the log is reported as an error rather than
//! left silent. (One transaction for both would be tighter; the Developer Center's changes
//! are spread over modules that each own their statements, so the log is a step after them.)

use axum::extract::{Path, Query, State};
use axum::Json;
use bindery_core::api::{AuditEvent, AuditList, ErrorBody};
use serde::Deserialize;

use crate::db::{from_ms, now_ms, random_hex};
use crate::error::ApiError;
use crate::extract::{Actor, OrgOwner, User};
use crate::state::AppState;

/// A new event's id: this process's clock in nanoseconds, never repeated or going back, then
/// random digits. The log lists events by (time in ms, id), so two changes made within one
/// millisecond (creating an organisation, then its first product) are listed in the order
/// they were made, not by chance.
fn event_id() -> String {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64;
    let previous = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(now);
    format!("ev_{:016x}{}", now.max(previous + 1), random_hex(4))
}

/// Records that `actor` did `action` to `target` in `org_id`; `detail` says the particulars.
pub async fn record(
    state: &AppState,
    org_id: &str,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO audit_events (event_id, org_id, at, actor, action, target, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event_id())
    .bind(org_id)
    .bind(now_ms())
    .bind(actor.id())
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(&state.writer)
    .await?;
    Ok(())
}

/// The query of `GET /v1/orgs/{org_id}/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// The `next_before` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,18}\..*$")]
    before: Option<String>,
    /// Events per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Debug, sqlx::FromRow)]
struct EventRow {
    event_id: String,
    at: i64,
    actor: String,
    email: Option<String>,
    key_name: Option<String>,
    action: String,
    target: String,
    detail: String,
}

/// The organisation's audit log, newest first.
#[utoipa::path(get, path = "/v1/orgs/{org_id}/audit", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation."), AuditQuery),
    responses(
        (status = 200, description = "One page of events.", body = AuditList),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: not a member of such an organisation.", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: User,
    Path(org_id): Path<String>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditList>, ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit must be 1 to 200"));
    }
    // The cursor is the last event's (at, event_id); events made in the same millisecond are
    // ordered by id, so a page never repeats or skips one.
    let (before_at, before_id) = match &query.before {
        None => (i64::MAX, String::new()),
        Some(cursor) => {
            let (at, id) = cursor
                .split_once('.')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_owned())))
                .ok_or_else(|| ApiError::invalid("before must be a next_before of a page"))?;
            (at, id)
        }
    };
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.event_id AS event_id, e.at AS at, e.actor AS actor, a.email AS email, \
         k.name AS key_name, e.action AS action, e.target AS target, e.detail AS detail \
         FROM audit_events e LEFT JOIN accounts a ON a.uid = e.actor \
         LEFT JOIN api_keys k ON k.key_id = e.actor \
         WHERE e.org_id = $1 AND (e.at < $2 OR (e.at = $3 AND e.event_id < $4)) \
         ORDER BY e.at DESC, e.event_id DESC LIMIT $5",
    )
    .bind(&owner.org_id)
    .bind(before_at)
    .bind(before_at)
    .bind(&before_id)
    .bind(limit + 1)
    .fetch_all(&state.db)
    .await?;
    let more = rows.len() as i64 > limit;
    let events: Vec<AuditEvent> = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| AuditEvent {
            actor: match (row.email, row.key_name) {
                (Some(email), _) => email,
                (None, Some(name)) => format!("key {name} ({})", row.actor),
                (None, None) => row.actor,
            },
            event_id: row.event_id,
            at: from_ms(row.at),
            action: row.action,
            target: row.target,
            detail: row.detail,
        })
        .collect();
    let next_before = if more {
        events.last().map(|e| {
            format!(
                "{}.{}",
                (e.at.unix_timestamp_nanos() / 1_000_000),
                e.event_id
            )
        })
    } else {
        None
    };
    Ok(Json(AuditList {
        events,
        next_before,
    }))
}
