//! Organisations and the people in them (issue 16): a maker signs up, makes an organisation
//! (becoming its owner) or joins one with an invitation code, and works in it by role. Owners
//! invite people, change roles, and make, list and revoke the organisation's API keys here;
//! every change goes to the audit log.
//!
//! Everything under `/v1/orgs/{org_id}/…` answers `not_found` to a person who is not in the
//! organisation, so an organisation's existence is not confirmed to outsiders.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use bindery_core::api::{
    AcceptInvite, ApiKeyCreated, ApiKeyItem, ApiKeyList, CreateApiKey, CreateOrg, ErrorBody,
    Invite, Member, MemberList, Org, OrgList, Role, RoleRequest,
};
use bindery_core::ErrorCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit;
use crate::db::{from_ms, now_ms, random_hex, secret_hash};
use crate::developer::keys::{create_org_key, list_org_keys, revoke_api_key};
use crate::error::ApiError;
use crate::extract::{member_role, stored_role, Actor, ApiJson, OrgOwner, User};
use crate::state::AppState;

/// The most organisations one person may own.
pub const MAX_OWNED_ORGS: i64 = 20;

/// How long an invitation code works.
const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// The console's organisation calls, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(members))
        .routes(routes!(change_role, remove_member))
        .routes(routes!(invite))
        .routes(routes!(accept))
        .routes(routes!(keys, create_key))
        .routes(routes!(revoke_key))
        .routes(routes!(audit::list))
}

/// An organisation name trimmed, or why it cannot be one.
fn checked_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "the organisation's name must be 1 to 64 characters without control characters",
        ));
    }
    Ok(name)
}

/// Makes an organisation with nobody in it yet (the CLI's keys, and [`create`]); its id.
pub async fn create_org_row(state: &AppState, name: &str) -> Result<String, ApiError> {
    let name = checked_name(name)?;
    let org_id = format!("o_{}", random_hex(8));
    sqlx::query("INSERT INTO orgs (org_id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&org_id)
        .bind(name)
        .bind(now_ms())
        .execute(&state.writer)
        .await?;
    Ok(org_id)
}

/// Puts the account with `email` in `org_id` as `role` (the CLI's first owner); a member
/// already there gets the role. `not_found` when no account has the email.
pub async fn add_member_by_email(
    state: &AppState,
    org_id: &str,
    email: &str,
    role: Role,
) -> Result<String, ApiError> {
    let uid: Option<String> = sqlx::query_scalar("SELECT uid FROM accounts WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&state.db)
        .await?;
    let uid = uid.ok_or_else(|| {
        ApiError::with_message(
            ErrorCode::NotFound,
            "no account has this email; sign up in the app or the console first",
        )
    })?;
    put_member(state, org_id, &uid, role).await?;
    Ok(uid)
}

async fn put_member(state: &AppState, org_id: &str, uid: &str, role: Role) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO org_members (org_id, uid, role, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, uid) DO UPDATE SET role = excluded.role",
    )
    .bind(org_id)
    .bind(uid)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&state.writer)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct OrgRow {
    org_id: String,
    name: String,
    role: String,
    created_at: i64,
}

impl OrgRow {
    fn api(self) -> Result<Org, ApiError> {
        Ok(Org {
            role: stored_role(&self.role)?,
            org_id: self.org_id,
            name: self.name,
            created_at: from_ms(self.created_at),
        })
    }
}

/// `POST /v1/orgs`: makes an organisation; the caller is its first owner.
#[utoipa::path(post, path = "/v1/orgs", tag = "console", security(("bearer" = [])),
    request_body = CreateOrg,
    responses(
        (status = 201, description = "Made; the caller is its owner.", body = Org),
        (status = 400, description = "`invalid_request`: a bad name, or the caller already owns 20 organisations.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: not signed in.", body = ErrorBody),
    ))]
async fn create(
    State(state): State<AppState>,
    user: User,
    ApiJson(request): ApiJson<CreateOrg>,
) -> Result<(StatusCode, Json<Org>), ApiError> {
    // Any signed-in account may make organisations, so one account must not be able to
    // fill the database with them.
    let owned: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM org_members WHERE uid = $1 AND role = 'owner'")
            .bind(&user.uid)
            .fetch_one(&state.db)
            .await?;
    if owned >= MAX_OWNED_ORGS {
        return Err(ApiError::invalid(format!(
            "you already own {MAX_OWNED_ORGS} organisations, the most one person may; \
             use one of them, or hand one over to someone else first"
        )));
    }
    let org_id = create_org_row(&state, &request.name).await?;
    put_member(&state, &org_id, &user.uid, Role::Owner).await?;
    let actor = Actor::Person(user.uid.clone());
    audit::record(
        &state,
        &org_id,
        &actor,
        "org.create",
        &org_id,
        request.name.trim(),
    )
    .await?;
    let org = org_of(&state, &user.uid, &org_id).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

async fn org_of(state: &AppState, uid: &str, org_id: &str) -> Result<Org, ApiError> {
    let row: Option<OrgRow> = sqlx::query_as(
        "SELECT o.org_id AS org_id, o.name AS name, m.role AS role, o.created_at AS created_at \
         FROM orgs o JOIN org_members m ON m.org_id = o.org_id WHERE m.uid = $1 AND o.org_id = $2",
    )
    .bind(uid)
    .bind(org_id)
    .fetch_optional(&state.db)
    .await?;
    row.ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "no such organisation"))?
        .api()
}

/// `GET /v1/orgs`: the organisations the signed-in person is in, with their role in each.
#[utoipa::path(get, path = "/v1/orgs", tag = "console", security(("bearer" = [])),
    responses(
        (status = 200, description = "Oldest first.", body = OrgList),
        (status = 401, description = "`unauthorized`: not signed in.", body = ErrorBody),
    ))]
async fn list(State(state): State<AppState>, user: User) -> Result<Json<OrgList>, ApiError> {
    let rows: Vec<OrgRow> = sqlx::query_as(
        "SELECT o.org_id AS org_id, o.name AS name, m.role AS role, o.created_at AS created_at \
         FROM orgs o JOIN org_members m ON m.org_id = o.org_id WHERE m.uid = $1 \
         ORDER BY o.created_at, o.org_id",
    )
    .bind(&user.uid)
    .fetch_all(&state.db)
    .await?;
    let orgs = rows
        .into_iter()
        .map(OrgRow::api)
        .collect::<Result<_, _>>()?;
    Ok(Json(OrgList { orgs }))
}

#[derive(Debug, sqlx::FromRow)]
struct MemberRow {
    uid: String,
    email: String,
    role: String,
    added_at: i64,
}

/// `GET /v1/orgs/{org_id}/members`.
#[utoipa::path(get, path = "/v1/orgs/{org_id}/members", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation.")),
    responses(
        (status = 200, description = "Its people.", body = MemberList),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: not a member of such an organisation.", body = ErrorBody),
    ))]
async fn members(
    State(state): State<AppState>,
    user: User,
    Path(org_id): Path<String>,
) -> Result<Json<MemberList>, ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT m.uid AS uid, a.email AS email, m.role AS role, m.added_at AS added_at \
         FROM org_members m JOIN accounts a ON a.uid = m.uid WHERE m.org_id = $1 \
         ORDER BY m.added_at, m.uid",
    )
    .bind(&owner.org_id)
    .fetch_all(&state.db)
    .await?;
    let members = rows
        .into_iter()
        .map(|row| {
            Ok(Member {
                role: stored_role(&row.role)?,
                uid: row.uid,
                email: row.email,
                added_at: from_ms(row.added_at),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(MemberList { members }))
}

/// The refusal when a change would leave the organisation without an owner.
fn last_owner() -> ApiError {
    ApiError::invalid(
        "an organisation needs an owner: make someone else an owner first, then change this one",
    )
}

/// Whether `uid` is the organisation's only owner.
async fn is_last_owner(state: &AppState, org_id: &str, uid: &str) -> Result<bool, ApiError> {
    let owners: Vec<String> =
        sqlx::query_scalar("SELECT uid FROM org_members WHERE org_id = $1 AND role = 'owner'")
            .bind(org_id)
            .fetch_all(&state.db)
            .await?;
    Ok(owners.len() == 1 && owners[0] == uid)
}

/// `PATCH /v1/orgs/{org_id}/members/{uid}`: a person's role.
#[utoipa::path(patch, path = "/v1/orgs/{org_id}/members/{uid}", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation."),
           ("uid" = String, Path, description = "The person's account id.")),
    request_body = RoleRequest,
    responses(
        (status = 204, description = "Changed."),
        (status = 400, description = "`invalid_request`: it would leave no owner.", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such person in the organisation.", body = ErrorBody),
    ))]
async fn change_role(
    State(state): State<AppState>,
    user: User,
    Path((org_id, uid)): Path<(String, String)>,
    ApiJson(request): ApiJson<RoleRequest>,
) -> Result<StatusCode, ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    if request.role != Role::Owner && is_last_owner(&state, &org_id, &uid).await? {
        return Err(last_owner());
    }
    let changed = sqlx::query("UPDATE org_members SET role = $1 WHERE org_id = $2 AND uid = $3")
        .bind(request.role.as_str())
        .bind(&org_id)
        .bind(&uid)
        .execute(&state.writer)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "this person is not in the organisation",
        ));
    }
    let actor = Actor::Person(owner.uid);
    let detail = format!("role {}", request.role.as_str());
    audit::record(&state, &org_id, &actor, "member.role", &uid, &detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/orgs/{org_id}/members/{uid}`: takes a person out of the organisation.
#[utoipa::path(delete, path = "/v1/orgs/{org_id}/members/{uid}", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation."),
           ("uid" = String, Path, description = "The person's account id.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, description = "`invalid_request`: the last owner.", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such person in the organisation.", body = ErrorBody),
    ))]
async fn remove_member(
    State(state): State<AppState>,
    user: User,
    Path((org_id, uid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    if is_last_owner(&state, &org_id, &uid).await? {
        return Err(last_owner());
    }
    let removed = sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND uid = $2")
        .bind(&org_id)
        .bind(&uid)
        .execute(&state.writer)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "this person is not in the organisation",
        ));
    }
    let actor = Actor::Person(owner.uid);
    audit::record(&state, &org_id, &actor, "member.remove", &uid, "").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/orgs/{org_id}/invites`: a one-time code that lets a person join as `role`.
#[utoipa::path(post, path = "/v1/orgs/{org_id}/invites", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation.")),
    request_body = RoleRequest,
    responses(
        (status = 201, description = "The code, shown once; it works for 7 days.", body = Invite),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: not a member of such an organisation.", body = ErrorBody),
    ))]
async fn invite(
    State(state): State<AppState>,
    user: User,
    Path(org_id): Path<String>,
    ApiJson(request): ApiJson<RoleRequest>,
) -> Result<(StatusCode, Json<Invite>), ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    let code = format!("inv_{}", random_hex(16));
    let now = now_ms();
    let expires_at = now + INVITE_TTL_MS;
    sqlx::query(
        "INSERT INTO org_invites (code_hash, org_id, role, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secret_hash(&code))
    .bind(&org_id)
    .bind(request.role.as_str())
    .bind(&owner.uid)
    .bind(now)
    .bind(expires_at)
    .execute(&state.writer)
    .await?;
    let actor = Actor::Person(owner.uid);
    let detail = format!("role {}", request.role.as_str());
    audit::record(&state, &org_id, &actor, "member.invite", &org_id, &detail).await?;
    Ok((
        StatusCode::CREATED,
        Json(Invite {
            code,
            role: request.role,
            expires_at: from_ms(expires_at),
        }),
    ))
}

#[derive(Debug, sqlx::FromRow)]
struct InviteRow {
    org_id: String,
    role: String,
}

/// `POST /v1/invites/accept`: joins the organisation an invitation code names.
#[utoipa::path(post, path = "/v1/invites/accept", tag = "console", security(("bearer" = [])),
    request_body = AcceptInvite,
    responses(
        (status = 200, description = "Joined (a member already in it keeps the higher of the two roles only if it is owner).", body = Org),
        (status = 404, description = "`not_found`: an unknown, used or expired code.", body = ErrorBody),
    ))]
async fn accept(
    State(state): State<AppState>,
    user: User,
    ApiJson(request): ApiJson<AcceptInvite>,
) -> Result<Json<Org>, ApiError> {
    let code_hash = secret_hash(request.code.trim());
    // Taking the code and checking it are one statement, so two people racing for one code
    // cannot both join with it.
    let taken = sqlx::query(
        "UPDATE org_invites SET accepted_by = $1 WHERE code_hash = $2 AND accepted_by IS NULL \
         AND expires_at > $3",
    )
    .bind(&user.uid)
    .bind(code_hash.clone())
    .bind(now_ms())
    .execute(&state.writer)
    .await?
    .rows_affected();
    if taken == 0 {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "this invitation code is unknown, already used or expired; ask an owner for a new one",
        ));
    }
    let row: InviteRow =
        sqlx::query_as("SELECT org_id, role FROM org_invites WHERE code_hash = $1")
            .bind(code_hash)
            .fetch_one(&state.writer)
            .await?;
    let role = stored_role(&row.role)?;
    // An owner who accepts a lesser invitation stays an owner (it may be the only one).
    if member_role(&state, &row.org_id, &user.uid).await? != Some(Role::Owner) {
        put_member(&state, &row.org_id, &user.uid, role).await?;
    }
    let actor = Actor::Person(user.uid.clone());
    let detail = format!("role {}", role.as_str());
    audit::record(
        &state,
        &row.org_id,
        &actor,
        "member.join",
        &user.uid,
        &detail,
    )
    .await?;
    Ok(Json(org_of(&state, &user.uid, &row.org_id).await?))
}

/// `GET /v1/orgs/{org_id}/keys`: the organisation's API keys with their last use.
#[utoipa::path(get, path = "/v1/orgs/{org_id}/keys", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation.")),
    responses(
        (status = 200, description = "Oldest first, revoked ones included.", body = ApiKeyList),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: not a member of such an organisation.", body = ErrorBody),
    ))]
async fn keys(
    State(state): State<AppState>,
    user: User,
    Path(org_id): Path<String>,
) -> Result<Json<ApiKeyList>, ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    let keys = list_org_keys(&state, &owner.org_id)
        .await?
        .into_iter()
        .map(|key| ApiKeyItem {
            key_id: key.key_id,
            name: key.name,
            role: if key.support != 0 {
                Role::Support
            } else {
                Role::Developer
            },
            created_at: from_ms(key.created_at),
            last_used_at: key.last_used_at.map(from_ms),
            revoked_at: key.revoked_at.map(from_ms),
        })
        .collect();
    Ok(Json(ApiKeyList { keys }))
}

/// `POST /v1/orgs/{org_id}/keys`: a new API key of the organisation, shown once.
#[utoipa::path(post, path = "/v1/orgs/{org_id}/keys", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation.")),
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "The key; its secret is never shown again.", body = ApiKeyCreated),
        (status = 400, description = "`invalid_request`: a bad name, or the role owner.", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: not a member of such an organisation.", body = ErrorBody),
    ))]
async fn create_key(
    State(state): State<AppState>,
    user: User,
    Path(org_id): Path<String>,
    ApiJson(request): ApiJson<CreateApiKey>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    let role = request.role.unwrap_or(Role::Developer);
    if role == Role::Owner {
        return Err(ApiError::invalid(
            "a key is a developer or a support key; owners are people",
        ));
    }
    let support = role == Role::Support;
    let made = create_org_key(&state, &org_id, &request.name, support, Some(&owner.uid)).await?;
    let actor = Actor::Person(owner.uid);
    let detail = format!("{} key {}", role.as_str(), request.name.trim());
    audit::record(&state, &org_id, &actor, "key.create", &made.key_id, &detail).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiKeyCreated {
            key_id: made.key_id,
            key: made.key,
            name: request.name.trim().to_owned(),
            role,
        }),
    ))
}

/// `DELETE /v1/orgs/{org_id}/keys/{key_id}`: the key stops working at once.
#[utoipa::path(delete, path = "/v1/orgs/{org_id}/keys/{key_id}", tag = "console", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation."),
           ("key_id" = String, Path, description = "The key's id.")),
    responses(
        (status = 204, description = "Revoked (or it already was)."),
        (status = 403, description = "`forbidden`: not an owner.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such key in the organisation.", body = ErrorBody),
    ))]
async fn revoke_key(
    State(state): State<AppState>,
    user: User,
    Path((org_id, key_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let owner = OrgOwner::check(&state, &user, &org_id).await?;
    let key_org: Option<Option<String>> =
        sqlx::query_scalar("SELECT org_id FROM api_keys WHERE key_id = $1")
            .bind(&key_id)
            .fetch_optional(&state.db)
            .await?;
    if key_org.flatten().as_deref() != Some(org_id.as_str()) {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "no such key in this organisation",
        ));
    }
    revoke_api_key(&state, &key_id).await?;
    let actor = Actor::Person(owner.uid);
    audit::record(&state, &org_id, &actor, "key.revoke", &key_id, "").await?;
    Ok(StatusCode::NO_CONTENT)
}
