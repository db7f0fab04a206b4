-- Bell notifications: one critical per connection that needs reauthorization.
CREATE TABLE notifications (
    id            TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    severity      TEXT NOT NULL CHECK (severity IN ('critical', 'warning')),
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    read_at       TEXT,
    resolved_at   TEXT
);

CREATE INDEX notifications_open ON notifications (connection_id, kind, resolved_at);
