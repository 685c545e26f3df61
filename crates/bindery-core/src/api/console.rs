//! The wire types of the console's calls (issue 16): organisations and the people in them,
//! API keys made in the console, the audit log, a product's device list, support's search and
//! unbind, and signed download links. Kept apart from the app's types because only makers and
//! support meet them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ProductKey, Sn};

/// What a person may do in an organisation. Keys have a role too: a developer key works as a
/// developer, a support key as support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including people, keys and the audit log.
    Owner,
    /// Products, batches, imports, QR tasks; reads devices.
    Developer,
    /// Reads devices and bind attempts; unbinds a device for a customer.
    Support,
}

impl Role {
    /// The role's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Developer => "developer",
            Role::Support => "support",
        }
    }

    /// The role named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "owner" => Some(Role::Owner),
            "developer" => Some(Role::Developer),
            "support" => Some(Role::Support),
            _ => None,
        }
    }
}

/// `POST /v1/orgs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrg {
    /// The organisation's name (1–64 characters).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::product_name))]
    pub name: String,
}

/// An organisation as one of its people sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Org {
    /// Its id (`o_…`), sent as `X-Bindery-Org` with the console's Developer Center calls.
    pub org_id: String,
    /// Its name.
    pub name: String,
    /// The caller's role in it.
    pub role: Role,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `GET /v1/orgs` → 200: the organisations the signed-in person belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgList {
    /// Oldest first.
    pub orgs: Vec<Org>,
}

/// A person in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// Their account's id.
    pub uid: String,
    /// Their email.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// When they joined.
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// `GET /v1/orgs/{org_id}/members` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    /// The organisation's people, in the order they joined.
    pub members: Vec<Member>,
}

/// `PATCH /v1/orgs/{org_id}/members/{uid}` and `POST /v1/orgs/{org_id}/invites`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleRequest {
    /// The role to give.
    pub role: Role,
}

/// `POST /v1/orgs/{org_id}/invites` → 201: a one-time code for the person to enter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    /// The code (`inv_…`), shown this once; the cloud keeps only its hash.
    pub code: String,
    /// The role it gives.
    pub role: Role,
    /// Until when it can be used.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// `POST /v1/invites/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInvite {
    /// The code an owner gave.
    pub code: String,
}

/// `POST /v1/orgs/{org_id}/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKey {
    /// What the key is for (1–64 characters), shown in the list.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::product_name))]
    pub name: String,
    /// `developer` (the default) or `support`.
    #[serde(default)]
    pub role: Option<Role>,
}

/// `POST /v1/orgs/{org_id}/keys` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    /// The key's id (`k_…`), safe to log and to name in the list.
    pub key_id: String,
    /// The secret to send as `X-Api-Key`, shown this once.
    pub key: String,
    /// Its name.
    pub name: String,
    /// `developer` or `support`.
    pub role: Role,
}

/// A key as the list shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyItem {
    /// The key's id.
    pub key_id: String,
    /// Its name.
    pub name: String,
    /// `developer` or `support`.
    pub role: Role,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last used, to the minute; `None` if never.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was revoked; `None` while it works.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// `GET /v1/orgs/{org_id}/keys` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    /// Oldest first, revoked ones included.
    pub keys: Vec<ApiKeyItem>,
}

/// One change made in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// The event's id.
    pub event_id: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who did it: a person's email, or `key <name> (<key_id>)`.
    pub actor: String,
    /// What was done, such as `product.create`, `batch.create` or `device.unbind`.
    pub action: String,
    /// What it was done to (a product key, an SN, a key id…).
    pub target: String,
    /// The particulars, in words (the count of a batch, an unbind's reason…).
    pub detail: String,
}

/// `GET /v1/orgs/{org_id}/audit` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditList {
    /// Newest first.
    pub events: Vec<AuditEvent>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<String>,
}

/// Where a device stands, as its maker sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MakerDeviceStatus {
    /// Its DeviceKey has not been imported: it cannot be bound yet.
    NotActivated,
    /// Imported, bound to nobody.
    Activated,
    /// Someone holds it.
    Bound,
}

/// A device in a product's device list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MakerDevice {
    /// Its SN.
    pub sn: Sn,
    /// Its DeviceKey (IMEI or MAC), once imported.
    pub device_key: Option<String>,
    /// Where it stands.
    pub status: MakerDeviceStatus,
    /// The batch it was made in, if any.
    pub batch_id: Option<String>,
    /// When its DeviceKey was imported.
    #[serde(with = "time::serde::rfc3339::option")]
    pub imported_at: Option<OffsetDateTime>,
}

/// `GET /v1/products/{pk}/devices` → 200: one page, in SN order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MakerDeviceList {
    /// The product.
    pub product_key: ProductKey,
    /// This page.
    pub devices: Vec<MakerDevice>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<String>,
}

/// A device support's search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportMatch {
    /// The device's SN (open it with `GET /v1/support/devices/{sn}`).
    pub sn: Sn,
    /// Its product.
    pub product_key: ProductKey,
    /// Its product's name.
    pub product_name: String,
    /// What matched: `sn`, `device_key`, `request_id` or `email`.
    pub matched: String,
}

/// `GET /v1/support/search?q=` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportSearch {
    /// The devices found (at most 50).
    pub matches: Vec<SupportMatch>,
}

/// `POST /v1/support/devices/{sn}/unbind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnbindRequest {
    /// Why, in words (3–500 characters): kept in the audit log.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::unbind_reason))]
    pub reason: String,
}

/// A link that downloads a file in a plain browser tab, without a key, until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownloadLink {
    /// The path and signed query, relative to the cloud's address.
    pub url: String,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_by_name() {
        for role in [Role::Owner, Role::Developer, Role::Support] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::parse("Owner"), None);
    }
}
