-- Daily rollup for the 7- and 30-day windows (the hourly one serves 24 h).
CREATE TABLE check_daily (
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    day            TEXT NOT NULL, -- 2026-11-24
    checks         INTEGER NOT NULL,
    ok             INTEGER NOT NULL,
    latency_sum_ms INTEGER NOT NULL,
    latency_max_ms INTEGER NOT NULL,
    PRIMARY KEY (connection_id, day)
);
CREATE INDEX check_hourly_hour ON check_hourly (hour);
CREATE INDEX check_daily_day ON check_daily (day);
