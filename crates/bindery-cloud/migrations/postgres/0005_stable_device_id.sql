-- A device's `did` stays the same across owners and binds (issue 17: Gizwits' did names a
-- device, and apps and support notes keep it). New devices get a did derived from the SN and
-- the server secret, computed when read; devices bound before this migration keep the did
-- their owner already knows, stored here. A binding gets its own id.
ALTER TABLE devices ADD COLUMN did TEXT;
UPDATE devices SET did = (SELECT b.did FROM bindings b WHERE b.sn = devices.sn);
CREATE UNIQUE INDEX devices_did ON devices(did);

ALTER TABLE bindings ADD COLUMN binding_id TEXT;
UPDATE bindings SET binding_id = did;
CREATE UNIQUE INDEX bindings_binding_id ON bindings(binding_id);
