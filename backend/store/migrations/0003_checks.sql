-- Every validation of a connection, for the Monitoring tab and health history.
CREATE TABLE checks (
    id             INTEGER PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    checked_at     TEXT NOT NULL,
    latency_ms     INTEGER NOT NULL,
    class          TEXT NOT NULL,
    http_status    INTEGER NOT NULL DEFAULT 0,
    message        TEXT NOT NULL,
    rate_remaining INTEGER
);

CREATE INDEX checks_connection_time ON checks (connection_id, checked_at DESC);
