-- Bindery cloud schema (SQLite). Keep in step with ../postgres/0001_initial.sql: the same
-- tables, columns and indexes, so the same queries run on both.
-- Times are Unix milliseconds; flags are 0/1 integers (the `Any` driver maps them the same way).

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE accounts (
    uid           TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    uid        TEXT NOT NULL REFERENCES accounts(uid),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE login_failures (
    email   TEXT NOT NULL,
    address TEXT NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email, at);
CREATE INDEX login_failures_address ON login_failures(address, at);

CREATE TABLE api_keys (
    key_id     TEXT PRIMARY KEY,
    key_hash   BLOB NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    support    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE products (
    product_key TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    bind_policy TEXT NOT NULL,
    owner_key   TEXT REFERENCES api_keys(key_id),
    import_seq  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

CREATE TABLE batches (
    batch_id    TEXT PRIMARY KEY,
    product_key TEXT NOT NULL REFERENCES products(product_key),
    count       INTEGER NOT NULL,
    archive     BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX batches_product ON batches(product_key, created_at);

CREATE TABLE devices (
    sn             TEXT PRIMARY KEY,
    product_key    TEXT NOT NULL REFERENCES products(product_key),
    batch_id       TEXT REFERENCES batches(batch_id),
    bind_code_hash BLOB,
    device_key     TEXT UNIQUE,
    device_name    TEXT,
    fingerprint    TEXT,
    imported_at    INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX devices_product ON devices(product_key);

CREATE TABLE bindings (
    did      TEXT PRIMARY KEY,
    sn       TEXT NOT NULL UNIQUE REFERENCES devices(sn),
    uid      TEXT NOT NULL REFERENCES accounts(uid),
    name     TEXT NOT NULL,
    bound_at INTEGER NOT NULL
);
CREATE INDEX bindings_uid ON bindings(uid, bound_at);

CREATE TABLE bind_attempts (
    attempt_id TEXT PRIMARY KEY,
    at         INTEGER NOT NULL,
    uid        TEXT,
    address    TEXT NOT NULL,
    sn         TEXT,
    result     TEXT NOT NULL,
    failed     INTEGER NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX bind_attempts_sn ON bind_attempts(sn, at);
CREATE INDEX bind_attempts_request ON bind_attempts(request_id);
-- The rate-limit counts read (who, failed = 1, at > since) from these two indexes alone.
CREATE INDEX bind_attempts_uid ON bind_attempts(uid, failed, at);
CREATE INDEX bind_attempts_address ON bind_attempts(address, failed, at);

CREATE TABLE qr_tasks (
    n           INTEGER PRIMARY KEY AUTOINCREMENT,
    product_key TEXT NOT NULL REFERENCES products(product_key),
    start_mac   TEXT NOT NULL,
    end_mac     TEXT NOT NULL,
    archive     BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX qr_tasks_product ON qr_tasks(product_key, n);
