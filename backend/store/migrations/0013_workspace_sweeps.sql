-- Each workspace's health sweep interval in minutes (NULL: the app's
-- default, --sweep-interval; 0: only "Check all now").
ALTER TABLE workspaces ADD COLUMN sweep_minutes INTEGER;
