CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE connections (
    id                   TEXT PRIMARY KEY,
    provider             TEXT NOT NULL,
    auth_mode            TEXT NOT NULL,
    label                TEXT NOT NULL,
    owner                TEXT NOT NULL DEFAULT 'team',
    base_url             TEXT NOT NULL DEFAULT '',
    config_json          TEXT NOT NULL DEFAULT '{}',
    identity             TEXT NOT NULL DEFAULT '',
    scopes_json          TEXT NOT NULL DEFAULT '[]',
    token_expires_at     TEXT,
    rate_limit_remaining INTEGER,
    status               TEXT NOT NULL CHECK (status IN ('active', 'pending', 'error', 'revoked')),
    status_description   TEXT NOT NULL DEFAULT '',
    last_error_json      TEXT,
    secret_hint          TEXT NOT NULL DEFAULT '',
    last_checked_at      TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE INDEX connections_label ON connections (label);

CREATE TABLE connection_workspaces (
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    PRIMARY KEY (connection_id, workspace_id)
);
