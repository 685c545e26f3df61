-- An import no longer holds SQLite's one writer for its whole length (issue 14: binds waited
-- for a million-row import, 4-6 s): a file of new devices is written in chunks, each its own
-- short transaction, with `pending_import` naming the import. Its rows stay invisible while
-- the import is listed in `import_pending`; the import becomes visible at once when its row
-- there is deleted (one row, whatever the file's size). The import ids are never reused
-- (AUTOINCREMENT), so the ids left on committed rows can never make them pending again.
ALTER TABLE devices ADD COLUMN pending_import INTEGER;

CREATE TABLE import_pending (
    import_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    product_key TEXT NOT NULL,
    started_at  INTEGER NOT NULL
);
