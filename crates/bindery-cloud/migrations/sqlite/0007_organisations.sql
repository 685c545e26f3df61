-- Organisations (issue 16): products, keys, batches and devices belong to an organisation,
-- and people work in it by role (owner, developer, support) from the console. A developer key
-- made before organisations existed becomes the one key of an organisation of its own, so
-- every key keeps seeing exactly the products it saw; support keys made by `dev-key create
-- --support` stay the cloud operator's (no organisation: every device).
CREATE TABLE orgs (
    org_id     TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- One row per person and organisation; the role decides what the console lets them do.
CREATE TABLE org_members (
    org_id   TEXT NOT NULL REFERENCES orgs(org_id),
    uid      TEXT NOT NULL REFERENCES accounts(uid),
    role     TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, uid)
);
CREATE INDEX org_members_uid ON org_members(uid);

-- An invitation is a one-time code an owner hands to a person (shown once, kept as SHA-256),
-- not an email: accounts' addresses are not verified, so a code is what proves the invitee.
CREATE TABLE org_invites (
    code_hash   BLOB PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(org_id),
    role        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_by TEXT
);

ALTER TABLE api_keys ADD COLUMN org_id TEXT REFERENCES orgs(org_id);
ALTER TABLE api_keys ADD COLUMN created_by TEXT;
ALTER TABLE products ADD COLUMN org_id TEXT REFERENCES orgs(org_id);
CREATE INDEX api_keys_org ON api_keys(org_id, created_at);
CREATE INDEX products_org ON products(org_id, created_at);

INSERT INTO orgs (org_id, name, created_at)
    SELECT 'o_' || key_id, name, created_at FROM api_keys WHERE support = 0;
UPDATE api_keys SET org_id = 'o_' || key_id WHERE support = 0;
UPDATE products SET org_id = (SELECT k.org_id FROM api_keys k WHERE k.key_id = products.owner_key);

-- Every change made in an organisation, for its owners to read: who (a person's uid or a
-- key's id), what, to what, and the particulars as JSON.
CREATE TABLE audit_events (
    event_id TEXT PRIMARY KEY,
    org_id   TEXT NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX audit_events_org ON audit_events(org_id, at);

-- The console's device list pages through a product's devices in SN order and searches by
-- SN or DeviceKey prefix; at a million devices per product both must be index ranges.
CREATE INDEX devices_product_sn ON devices(product_key, sn);
CREATE INDEX devices_product_device_key ON devices(product_key, device_key);
