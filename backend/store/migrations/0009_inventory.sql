-- Items fetched from providers by workflow steps, for offline review.
CREATE TABLE inventory (
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    fetched_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, kind, name)
);
