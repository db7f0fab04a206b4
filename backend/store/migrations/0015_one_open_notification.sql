-- At most one open (unresolved) notification of a kind per connection, in the
-- database rather than by check-then-insert: two checks of one connection that
-- finish together can no longer raise two "reauth required" notifications.
-- Older databases may hold duplicates; all but the first of each are resolved.
UPDATE notifications SET resolved_at = created_at, read_at = COALESCE(read_at, created_at)
WHERE resolved_at IS NULL AND rowid NOT IN (
    SELECT min(rowid) FROM notifications WHERE resolved_at IS NULL GROUP BY connection_id, kind
);
CREATE UNIQUE INDEX notifications_one_open ON notifications (connection_id, kind) WHERE resolved_at IS NULL;
