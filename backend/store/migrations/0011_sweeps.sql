-- Health sweeps, so the last one (and one a quit interrupted) survives a restart.
CREATE TABLE sweeps (
    id          TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    total       INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    cancelled   INTEGER NOT NULL DEFAULT 0,
    interrupted INTEGER NOT NULL DEFAULT 0,
    notes_json  TEXT NOT NULL DEFAULT '[]'
);

CREATE INDEX sweeps_started ON sweeps (started_at DESC);
