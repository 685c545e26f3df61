-- Kept in step with ../sqlite/0011_devices_per_product.sql: an SN and a DeviceKey name a
-- device within its product (issue 14, finding 4), so a device is (product_key, sn).
--
-- SNs compare byte by byte ("C"), as on SQLite: the primary key then also serves the
-- console's pages in SN order (the old devices_product_sn, on `sn COLLATE "C"`), and every
-- table that joins on sn must share the collation (PostgreSQL refuses to compare two columns
-- of different ones).

ALTER TABLE bindings DROP CONSTRAINT bindings_sn_fkey;
ALTER TABLE bindings DROP CONSTRAINT bindings_sn_key;
ALTER TABLE devices DROP CONSTRAINT devices_pkey;
ALTER TABLE devices DROP CONSTRAINT devices_device_key_key;
DROP INDEX devices_product_sn;

ALTER TABLE devices ALTER COLUMN sn TYPE TEXT COLLATE "C";
ALTER TABLE bindings ALTER COLUMN sn TYPE TEXT COLLATE "C";
ALTER TABLE bind_attempts ALTER COLUMN sn TYPE TEXT COLLATE "C";

ALTER TABLE devices ADD PRIMARY KEY (product_key, sn);
-- 1 for the devices that existed before this migration: their did stays derived from the SN
-- alone, as their owners already know it (bindery_core::Sn::did_of_sn_alone).
ALTER TABLE devices ADD COLUMN did_from_sn BIGINT NOT NULL DEFAULT 1;
ALTER TABLE devices ALTER COLUMN did_from_sn SET DEFAULT 0;
CREATE INDEX devices_sn ON devices(sn);
CREATE UNIQUE INDEX devices_product_device_key ON devices(product_key, device_key)
    WHERE device_key IS NOT NULL;

ALTER TABLE bindings ADD COLUMN product_key TEXT;
UPDATE bindings b SET product_key = d.product_key FROM devices d WHERE d.sn = b.sn;
ALTER TABLE bindings ALTER COLUMN product_key SET NOT NULL;
-- The arbiter of who gets a device (src/bindings): one binding per device.
ALTER TABLE bindings ADD CONSTRAINT bindings_device_key UNIQUE (product_key, sn);
ALTER TABLE bindings ADD CONSTRAINT bindings_device_fkey
    FOREIGN KEY (product_key, sn) REFERENCES devices(product_key, sn);

ALTER TABLE bind_attempts ADD COLUMN product_key TEXT;
UPDATE bind_attempts a SET product_key = d.product_key FROM devices d WHERE d.sn = a.sn;
DROP INDEX bind_attempts_sn;
CREATE INDEX bind_attempts_device ON bind_attempts(product_key, sn, at);
