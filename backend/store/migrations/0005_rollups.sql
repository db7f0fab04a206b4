-- Hourly rollup of checks so uptime and history stay fast over millions of checks.
CREATE TABLE check_hourly (
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    hour           TEXT NOT NULL, -- 2026-11-24T13
    checks         INTEGER NOT NULL,
    ok             INTEGER NOT NULL,
    latency_sum_ms INTEGER NOT NULL,
    latency_max_ms INTEGER NOT NULL,
    PRIMARY KEY (connection_id, hour)
);
