-- A device's stored did (only devices bound before dids were derived) and its adopted label
-- (only labels a maker adopted) are NULL on almost every row, yet their unique indexes took
-- an entry for each NULL: two index writes per imported device for nothing. The PostgreSQL
-- million-row import was 2.0x `COPY` against issue 3's 1.5x. Partial indexes keep only the
-- values there are; `did = x` and `label_hash = x` imply NOT NULL, so both planners still use
-- them, and the uniqueness they enforce is the same (NULLs never collided).
DROP INDEX devices_did;
CREATE UNIQUE INDEX devices_did ON devices(did) WHERE did IS NOT NULL;
DROP INDEX devices_label_hash;
CREATE UNIQUE INDEX devices_label_hash ON devices(label_hash) WHERE label_hash IS NOT NULL;
