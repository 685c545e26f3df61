-- An SN and a DeviceKey name a device within its product, not across the cloud (issue 14,
-- finding 4): with one namespace for every maker, maker B could take maker A's MACs first
-- and so block A's later QR task, and every refusal told B that A had them. A device is now
-- (product_key, sn); a DeviceKey is unique within its product. Labels name their product, so
-- binds find the device exactly; a bare SN is looked up across products (src/bindings).
--
-- SQLite cannot change a primary key in place: devices and bindings are rebuilt. Foreign keys
-- are checked at commit, when the new tables stand where the old ones stood.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE devices_new (
    sn             TEXT NOT NULL,
    product_key    TEXT NOT NULL REFERENCES products(product_key),
    batch_id       TEXT REFERENCES batches(batch_id),
    bind_code_hash BLOB,
    device_key     TEXT,
    device_name    TEXT,
    fingerprint    TEXT,
    imported_at    INTEGER,
    created_at     INTEGER NOT NULL,
    did            TEXT,
    label_hash     BLOB,
    passcode_hash  BLOB,
    pending_import INTEGER,
    -- 1 for the devices that existed before this migration: their did stays derived from the
    -- SN alone, as their owners already know it (bindery_core::Sn::did_of_sn_alone).
    did_from_sn    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_key, sn)
);
INSERT INTO devices_new (sn, product_key, batch_id, bind_code_hash, device_key, device_name,
        fingerprint, imported_at, created_at, did, label_hash, passcode_hash, pending_import,
        did_from_sn)
    SELECT sn, product_key, batch_id, bind_code_hash, device_key, device_name, fingerprint,
        imported_at, created_at, did, label_hash, passcode_hash, pending_import, 1
    FROM devices;

CREATE TABLE bindings_new (
    did         TEXT PRIMARY KEY,
    product_key TEXT NOT NULL,
    sn          TEXT NOT NULL,
    uid         TEXT NOT NULL REFERENCES accounts(uid),
    name        TEXT NOT NULL,
    bound_at    INTEGER NOT NULL,
    binding_id  TEXT,
    -- The arbiter of who gets a device (src/bindings): one binding per device.
    UNIQUE (product_key, sn),
    FOREIGN KEY (product_key, sn) REFERENCES devices_new(product_key, sn)
);
INSERT INTO bindings_new (did, product_key, sn, uid, name, bound_at, binding_id)
    SELECT b.did, d.product_key, b.sn, b.uid, b.name, b.bound_at, b.binding_id
    FROM bindings b JOIN devices d ON d.sn = b.sn;

DROP TABLE bindings;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
ALTER TABLE bindings_new RENAME TO bindings;

-- The primary key serves the console's pages in SN order within a product (the old
-- devices_product_sn). A bare SN and the support search look an SN up across products.
CREATE INDEX devices_sn ON devices(sn);
CREATE UNIQUE INDEX devices_product_device_key ON devices(product_key, device_key)
    WHERE device_key IS NOT NULL;
CREATE UNIQUE INDEX devices_did ON devices(did) WHERE did IS NOT NULL;
-- An adopted label's text still names one device across the cloud: a scanned text carries
-- no product to look it up in.
CREATE UNIQUE INDEX devices_label_hash ON devices(label_hash) WHERE label_hash IS NOT NULL;
CREATE UNIQUE INDEX bindings_binding_id ON bindings(binding_id);
CREATE INDEX bindings_uid ON bindings(uid, bound_at);

-- A bind attempt names its device by product and SN too.
ALTER TABLE bind_attempts ADD COLUMN product_key TEXT;
UPDATE bind_attempts SET product_key = (SELECT d.product_key FROM devices d WHERE d.sn = bind_attempts.sn)
    WHERE sn IS NOT NULL;
DROP INDEX bind_attempts_sn;
CREATE INDEX bind_attempts_device ON bind_attempts(product_key, sn, at);
