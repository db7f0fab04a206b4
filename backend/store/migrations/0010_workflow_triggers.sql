-- When each published workflow's trigger last fired (schedule or new items),
-- so a restart neither fires it twice nor forgets it.
ALTER TABLE workflows ADD COLUMN last_triggered_at TEXT;
