-- Developer and support keys can be listed with their last use and revoked (issue 14): a
-- revoked key stays as a row, so what it did keeps a name in products and the logs.
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;

-- "Sign out everywhere" revokes every open session of an account.
CREATE INDEX sessions_uid ON sessions(uid, revoked_at);
