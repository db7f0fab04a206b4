-- Workflows and their durable runs.
CREATE TABLE workflows (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    published    INTEGER NOT NULL DEFAULT 0,
    trigger_json TEXT NOT NULL,
    actions_json TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE runs (
    id                   TEXT PRIMARY KEY,
    workflow_id          TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    status               TEXT NOT NULL,
    pause_reason         TEXT NOT NULL DEFAULT '',
    paused_connection_id TEXT NOT NULL DEFAULT '',
    replay_of            TEXT NOT NULL DEFAULT '',
    current_step         INTEGER NOT NULL DEFAULT 0,
    error                TEXT NOT NULL DEFAULT '',
    steps_json           TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE INDEX runs_status ON runs (status, pause_reason, paused_connection_id);
CREATE INDEX runs_workflow ON runs (workflow_id, created_at DESC);
