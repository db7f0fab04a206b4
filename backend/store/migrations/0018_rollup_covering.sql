-- Covering indexes for the uptime windows: a window reads only its own hours
-- (or days) from the index, instead of scanning every row of the rollup in
-- primary-key order. They replace the single-column hour/day indexes.
DROP INDEX IF EXISTS check_hourly_hour;
DROP INDEX IF EXISTS check_daily_day;
CREATE INDEX check_hourly_window ON check_hourly (hour, connection_id, checks, ok, latency_sum_ms, latency_max_ms);
CREATE INDEX check_daily_window ON check_daily (day, connection_id, checks, ok, latency_sum_ms, latency_max_ms);
