-- Alert routes: where a connection needing reauthorization (and its
-- recovery) is posted: a Slack channel through one of the team's Slack
-- connections, or a signed webhook (its signing secret lives in the keyring,
-- never here). Deliveries are durable: one per route and state change
-- (UNIQUE), retried with backoff, failures listed with a Retry button.
CREATE TABLE IF NOT EXISTS alert_routes (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('webhook', 'slack')),
    url                 TEXT NOT NULL DEFAULT '',
    slack_connection_id TEXT NOT NULL DEFAULT '',
    channel             TEXT NOT NULL DEFAULT '',
    workspace_id        TEXT NOT NULL DEFAULT '',
    min_severity        TEXT NOT NULL DEFAULT 'critical',
    enabled             INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id              TEXT PRIMARY KEY,
    route_id        TEXT NOT NULL REFERENCES alert_routes (id) ON DELETE CASCADE,
    connection_id   TEXT NOT NULL DEFAULT '',
    state_key       TEXT NOT NULL,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (route_id, state_key)
);
CREATE INDEX IF NOT EXISTS alert_deliveries_due ON alert_deliveries (status, next_attempt_at);
