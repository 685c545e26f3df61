-- Kept in step with ../sqlite/0009_staged_imports.sql, so the same queries (which hide the
-- rows of an import still in `import_pending`) run on both. PostgreSQL's imports stay one
-- transaction (MVCC lets binds run beside them), so here the column stays NULL and the table
-- empty.
ALTER TABLE devices ADD COLUMN pending_import BIGINT;

CREATE TABLE import_pending (
    import_id   BIGSERIAL PRIMARY KEY,
    product_key TEXT NOT NULL,
    started_at  BIGINT NOT NULL
);
