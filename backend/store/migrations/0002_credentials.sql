-- Per-secret details of pooled connections (several PATs), never the secrets.
ALTER TABLE connections ADD COLUMN credentials_json TEXT NOT NULL DEFAULT '[]';
