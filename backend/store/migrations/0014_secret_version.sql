-- A connection's credential version: every change of its secret (re-authenticate,
-- reauthorize, a completed OAuth 1.0a flow) increments it. A check records its
-- result only if the version it read with the connection is still current, so a
-- check of an old secret that finishes after a re-authentication is discarded
-- instead of overwriting the new credential's state.
ALTER TABLE connections ADD COLUMN secret_version INTEGER NOT NULL DEFAULT 0;
