-- Limits that reserve before they check (src/throttle.rs): each counted event is written
-- first, then the events of its subject within the window are counted, its own included.
CREATE TABLE rate_events (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX rate_events_subject ON rate_events(kind, subject, at);
CREATE INDEX rate_events_at ON rate_events(at);

-- A failed sign-in is now reserved before the password is checked and removed again when the
-- password was right: the id names the row to remove. Limits count per email and address
-- together, so failures from elsewhere cannot lock the owner out.
ALTER TABLE login_failures ADD COLUMN id TEXT;
CREATE INDEX login_failures_id ON login_failures(id);
CREATE INDEX login_failures_at ON login_failures(at);

-- Pruning finds old sessions by these.
CREATE INDEX sessions_expires ON sessions(expires_at);
