-- Labels already printed by other systems (issue 17, docs/product.md §2.3): an import may
-- map a label's exact text to its device, and give a Gizwits legacy label's passcode. Both
-- are secrets on some products, so only their HMAC under the server secret is kept, as for
-- bind codes. One text names one device across the cloud: the unique index decides, also
-- between two imports racing (NULLs, devices without an adopted label, do not collide).
ALTER TABLE devices ADD COLUMN label_hash BYTEA;
ALTER TABLE devices ADD COLUMN passcode_hash BYTEA;
CREATE UNIQUE INDEX devices_label_hash ON devices(label_hash);
