-- The audit log: every credential event (created, validated, re-authenticated,
-- refreshed, handed out, …) with when, which connection, what, the outcome and
-- who (window, serve, a CLI command and its caller, a portal client). Never a
-- secret. Rows outlive their connection (no foreign key): a deleted
-- connection's history stays readable, with the label it had.
CREATE TABLE IF NOT EXISTS audit_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT NOT NULL,
    connection_id    TEXT NOT NULL DEFAULT '',
    connection_label TEXT NOT NULL DEFAULT '',
    provider         TEXT NOT NULL DEFAULT '',
    action           TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    actor            TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events (at);
CREATE INDEX IF NOT EXISTS audit_events_connection ON audit_events (connection_id, at);
