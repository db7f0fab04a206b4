package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"patchbay/backend/domain"
)

const timeLayout = time.RFC3339Nano

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// ListWorkspaces returns all workspaces, oldest first.
func (s *Store) ListWorkspaces(ctx context.Context) ([]domain.Workspace, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, slug, name, created_at, sweep_minutes FROM workspaces ORDER BY created_at, name`)
	if err != nil {
		return nil, s.wrap("list workspaces", err)
	}
	defer rows.Close()
	out := []domain.Workspace{}
	for rows.Next() {
		var w domain.Workspace
		var created string
		var minutes sql.NullInt64
		if err := rows.Scan(&w.ID, &w.Slug, &w.Name, &created, &minutes); err != nil {
			return nil, s.wrap("list workspaces", err)
		}
		w.SweepMinutes = nullInt(minutes)
		w.CreatedAt = parseTime(created)
		out = append(out, w)
	}
	return out, s.wrapNil("list workspaces", rows.Err())
}

// GetWorkspace returns one workspace.
func (s *Store) GetWorkspace(ctx context.Context, id string) (domain.Workspace, error) {
	var w domain.Workspace
	var created string
	var minutes sql.NullInt64
	err := s.reader.QueryRowContext(ctx, `SELECT id, slug, name, created_at, sweep_minutes FROM workspaces WHERE id = ?`, id).Scan(&w.ID, &w.Slug, &w.Name, &created, &minutes)
	if errors.Is(err, sql.ErrNoRows) {
		return w, domain.Errorf(domain.ENotFound, "Workspace %s not found. It may have been deleted; reload the list.", id)
	} else if err != nil {
		return w, s.wrap("get workspace "+id, err)
	}
	w.CreatedAt, w.SweepMinutes = parseTime(created), nullInt(minutes)
	return w, nil
}

func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// SetWorkspaceSweep sets a workspace's sweep interval in minutes (nil: the
// app's default).
func (s *Store) SetWorkspaceSweep(ctx context.Context, id string, minutes *int) error {
	var v any
	if minutes != nil {
		v = *minutes
	}
	res, err := s.writer.ExecContext(ctx, `UPDATE workspaces SET sweep_minutes = ? WHERE id = ?`, v, id)
	if err != nil {
		return s.wrap("set sweep interval of "+id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "Workspace %s not found. It may have been deleted; reload the list.", id)
	}
	return nil
}

// RenameWorkspace sets only a workspace's name; its slug (and so every link
// to its pages) stays.
func (s *Store) RenameWorkspace(ctx context.Context, id, name string) error {
	res, err := s.writer.ExecContext(ctx, `UPDATE workspaces SET name = ? WHERE id = ?`, name, id)
	if err != nil {
		return s.wrap("rename workspace "+id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "Workspace %s not found. It may have been deleted; reload the list.", id)
	}
	return nil
}

// CreateWorkspace stores a new workspace; a taken slug is a conflict.
func (s *Store) CreateWorkspace(ctx context.Context, w domain.Workspace) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, ?, ?, ?)`, w.ID, w.Slug, w.Name, fmtTime(w.CreatedAt))
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return domain.Errorf(domain.EConflict, "A workspace with that name already exists.")
	}
	return s.wrapNil("create workspace", err)
}

const connectionColumns = `id, provider, auth_mode, label, owner, base_url, config_json, identity, scopes_json,
	token_expires_at, rate_limit_remaining, status, status_description, last_error_json, secret_hint,
	last_checked_at, created_at, updated_at, credentials_json, secret_version`

type scanner interface{ Scan(...any) error }

func scanConnection(r scanner) (domain.Connection, error) {
	var c domain.Connection
	var cfg, scopes, status, created, updated, creds string
	var expires, lastErr, checked sql.NullString
	var rate sql.NullInt64
	err := r.Scan(&c.ID, &c.Provider, &c.AuthMode, &c.Label, &c.Owner, &c.BaseURL, &cfg, &c.Identity, &scopes,
		&expires, &rate, &status, &c.StatusDescription, &lastErr, &c.SecretHint, &checked, &created, &updated, &creds, &c.SecretVersion)
	if err != nil {
		return c, err
	}
	c.Status = domain.Status(status)
	c.Config, c.Scopes, c.WorkspaceIDs = map[string]string{}, []string{}, []string{}
	if err := json.Unmarshal([]byte(cfg), &c.Config); err != nil {
		return c, fmt.Errorf("decode config of connection %s: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return c, fmt.Errorf("decode scopes of connection %s: %w", c.ID, err)
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	if err := json.Unmarshal([]byte(creds), &c.Credentials); err != nil {
		return c, fmt.Errorf("decode credentials of connection %s: %w", c.ID, err)
	}
	if c.Credentials == nil {
		c.Credentials = []domain.CredentialInfo{}
	}
	if lastErr.Valid {
		c.LastError = &domain.CheckResult{}
		if err := json.Unmarshal([]byte(lastErr.String), c.LastError); err != nil {
			return c, fmt.Errorf("decode last error of connection %s: %w", c.ID, err)
		}
	}
	if rate.Valid {
		n := int(rate.Int64)
		c.RateLimitRemain = &n
	}
	c.TokenExpiresAt, c.LastCheckedAt = parseTimePtr(expires), parseTimePtr(checked)
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return c, nil
}

// ListConnections returns every connection ordered by label.
func (s *Store) ListConnections(ctx context.Context) ([]domain.Connection, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY label COLLATE NOCASE, id`)
	if err != nil {
		return nil, s.wrap("list connections", err)
	}
	out := []domain.Connection{}
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			rows.Close()
			return nil, s.wrap("list connections", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list connections", err)
	}
	links, err := s.links(ctx, "")
	if err != nil {
		return nil, err
	}
	for i := range out {
		if ws := links[out[i].ID]; ws != nil {
			out[i].WorkspaceIDs = ws
		}
	}
	return out, nil
}

// summaryRowSQL makes, in SQLite, the JSON of each connection's
// domain.ConnectionSummary (what encoding/json makes of Connection.Summary:
// the same fields left out when empty, the status's usual description left
// out, the workspace ids sorted), ordered as ListConnections. One text
// column per row instead of twelve values and Go's encoding of them takes
// the server about half the time for 10,000 connections
// (frontend/bench/integrations.bench.mjs).
var summaryRowSQL = func() string {
	desc := "CASE c.status"
	for _, st := range []domain.Status{domain.StatusActive, domain.StatusPending, domain.StatusError, domain.StatusRevoked} {
		desc += " WHEN '" + string(st) + "' THEN '" + st.Description() + "'"
	}
	desc += " ELSE '' END"
	field := func(key, value string) string { return `',"` + key + `":' || json_quote(CAST(` + value + ` AS TEXT))` }
	// optional leaves a field out when value is NULL or ''.
	optional := func(key, value string) string {
		return `CASE WHEN coalesce(` + value + `, '') = '' THEN '' ELSE ` + field(key, value) + ` END`
	}
	class := "json_extract(c.last_error_json, '$.class')"
	return `SELECT '{"id":' || json_quote(c.id) || ` + field("provider", "c.provider") + ` || ` + field("authMode", "c.auth_mode") +
		` || ` + field("label", "c.label") + ` || ` + field("owner", "c.owner") +
		` || ',"workspaceIds":' || coalesce((SELECT json_group_array(workspace_id) FROM
			(SELECT workspace_id FROM connection_workspaces w WHERE w.connection_id = c.id ORDER BY workspace_id)), '[]')` +
		` || ` + field("status", "c.status") +
		` || CASE WHEN c.status_description = ` + desc + ` THEN '' ELSE ` + optional("statusDescription", "c.status_description") + ` END` +
		` || CASE WHEN ` + class + ` IS NULL THEN '' ELSE ',"lastError":{"class":' || json_quote(CAST(` + class + ` AS TEXT)) ||
			',"message":' || json_quote(CAST(coalesce(json_extract(c.last_error_json, '$.message'), '') AS TEXT)) || '}' END` +
		` || ` + optional("lastCheckedAt", "c.last_checked_at") +
		` || ` + optional("credentialGroup", "json_extract(c.config_json, '$."+domain.ConfigCredentialGroup+"')") +
		` || CASE WHEN coalesce(json_extract(c.config_json, '$.` + domain.ConfigAwaitingClient + `'), '') = '' THEN '' ELSE ',"awaitingClient":true' END` +
		` || '}' FROM connections c ORDER BY c.label COLLATE NOCASE, c.id`
}()

// ListConnectionSummaries returns the JSON array of every connection's row
// of the connection list (domain.ConnectionSummary), ordered as
// ListConnections and built by SQLite: no row's JSON is decoded or encoded
// in Go. Equal to Summary() of each of ListConnections
// (TestConnectionSummariesMatchConnections).
func (s *Store) ListConnectionSummaries(ctx context.Context) (json.RawMessage, error) {
	rows, err := s.reader.QueryContext(ctx, summaryRowSQL)
	if err != nil {
		return nil, s.wrap("list connection summaries", err)
	}
	defer rows.Close()
	out := []byte{'['}
	var row sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&row); err != nil {
			return nil, s.wrap("list connection summaries", err)
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, row...)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list connection summaries", err)
	}
	return append(out, ']'), nil
}

// querier is a connection pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// links returns workspace ids per connection (all connections when id is "").
func (s *Store) links(ctx context.Context, id string) (map[string][]string, error) {
	return s.linksVia(ctx, s.reader, id)
}

func (s *Store) linksVia(ctx context.Context, q querier, id string) (map[string][]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT connection_id, workspace_id FROM connection_workspaces WHERE ? = '' OR connection_id = ? ORDER BY workspace_id`, id, id)
	if err != nil {
		return nil, s.wrap("list workspace links", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var c, w string
		if err := rows.Scan(&c, &w); err != nil {
			return nil, s.wrap("list workspace links", err)
		}
		out[c] = append(out[c], w)
	}
	return out, s.wrapNil("list workspace links", rows.Err())
}

// GetConnection returns one connection.
func (s *Store) GetConnection(ctx context.Context, id string) (domain.Connection, error) {
	return s.getConnection(ctx, s.reader, id)
}

func (s *Store) getConnection(ctx context.Context, q querier, id string) (domain.Connection, error) {
	c, err := scanConnection(q.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM connections WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound(id)
	} else if err != nil {
		return c, s.wrap("get connection "+id, err)
	}
	links, err := s.linksVia(ctx, q, id)
	if err != nil {
		return c, err
	}
	if ws := links[id]; ws != nil {
		c.WorkspaceIDs = ws
	}
	return c, nil
}

func notFound(id string) error {
	return domain.Errorf(domain.ENotFound, "Connection %s not found. It may have been deleted; reload the list.", id)
}

func connectionArgs(c domain.Connection) ([]any, error) {
	cfg, err := json.Marshal(nonNilMap(c.Config))
	if err != nil {
		return nil, err
	}
	scopes, err := json.Marshal(nonNilSlice(c.Scopes))
	if err != nil {
		return nil, err
	}
	creds := c.Credentials
	if creds == nil {
		creds = []domain.CredentialInfo{}
	}
	credsJSON, err := json.Marshal(creds)
	if err != nil {
		return nil, err
	}
	var lastErr any
	if c.LastError != nil {
		b, err := json.Marshal(c.LastError)
		if err != nil {
			return nil, err
		}
		lastErr = string(b)
	}
	var rate any
	if c.RateLimitRemain != nil {
		rate = *c.RateLimitRemain
	}
	return []any{c.ID, c.Provider, c.AuthMode, c.Label, c.Owner, c.BaseURL, string(cfg), c.Identity, string(scopes),
		fmtTimePtr(c.TokenExpiresAt), rate, string(c.Status), c.StatusDescription, lastErr, c.SecretHint,
		fmtTimePtr(c.LastCheckedAt), fmtTime(c.CreatedAt), fmtTime(c.UpdatedAt), string(credsJSON), c.SecretVersion}, nil
}

// CreateConnection stores a new connection and its workspace links.
func (s *Store) CreateConnection(ctx context.Context, c domain.Connection) error {
	return s.CreateConnections(ctx, []domain.Connection{c})
}

// CreateConnections stores new connections and their workspace links in one
// transaction (all or none).
func (s *Store) CreateConnections(ctx context.Context, list []domain.Connection) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range list {
			args, err := connectionArgs(c)
			if err != nil {
				return fmt.Errorf("encode connection %s: %w", c.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO connections (`+connectionColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...); err != nil {
				return err
			}
			if err := writeLinks(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	return s.wrapNil("create connection", err)
}

// UpdateConnection replaces a stored connection and its workspace links
// (seeds and tests). The service never uses it: a whole-row write from a copy
// read earlier would undo concurrent changes. It uses the column-scoped
// writes below (RecordCheck, ChangeCredential, RenameConnection,
// SetConnectionOwner, SetConnectionWorkspaces).
func (s *Store) UpdateConnection(ctx context.Context, c domain.Connection) error {
	args, err := connectionArgs(c)
	if err != nil {
		return fmt.Errorf("encode connection %s: %w", c.ID, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE connections SET provider=?2, auth_mode=?3, label=?4, owner=?5, base_url=?6,
			config_json=?7, identity=?8, scopes_json=?9, token_expires_at=?10, rate_limit_remaining=?11, status=?12,
			status_description=?13, last_error_json=?14, secret_hint=?15, last_checked_at=?16, created_at=?17, updated_at=?18, credentials_json=?19
			WHERE id=?1`, args[:19]...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(c.ID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM connection_workspaces WHERE connection_id = ?`, c.ID); err != nil {
			return err
		}
		return writeLinks(ctx, tx, c)
	})
	return s.wrapNil("update connection "+c.ID, err)
}

func writeLinks(ctx context.Context, tx *sql.Tx, c domain.Connection) error {
	for _, w := range c.WorkspaceIDs {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO connection_workspaces (connection_id, workspace_id) VALUES (?, ?)`, c.ID, w); err != nil {
			return err
		}
	}
	return nil
}

// DeleteConnection removes a connection; its workspace links go with it.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM connections WHERE id = ?`, id)
	if err != nil {
		return s.wrap("delete connection "+id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(id)
	}
	return nil
}

// wrapNil is wrap for a possibly nil error; *domain.Error passes through.
func (s *Store) wrapNil(op string, err error) error {
	var de *domain.Error
	if err == nil {
		return nil
	} else if errors.As(err, &de) {
		return err
	}
	return s.wrap(op, err)
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
