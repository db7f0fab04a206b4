package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"patchbay/backend/domain"
)

// SaveClient inserts or updates a client.
func (s *Store) SaveClient(ctx context.Context, c domain.Client) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO clients (id, name, archived, created_at) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (id) DO UPDATE SET name = ?2, archived = ?3`, c.ID, c.Name, c.Archived, fmtTime(c.CreatedAt))
	return s.wrapNil("save client", err)
}

// GetClient returns one client.
func (s *Store) GetClient(ctx context.Context, id string) (domain.Client, error) {
	var c domain.Client
	var created string
	err := s.reader.QueryRowContext(ctx, `SELECT id, name, archived, created_at FROM clients WHERE id = ?`, id).Scan(&c.ID, &c.Name, &c.Archived, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, domain.Errorf(domain.ENotFound, "Client %s not found.", id)
	}
	c.CreatedAt = parseTime(created)
	return c, s.wrapNil("get client", err)
}

// ListClients returns every client by name.
func (s *Store) ListClients(ctx context.Context) ([]domain.Client, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, name, archived, created_at FROM clients ORDER BY name COLLATE NOCASE, id`)
	if err != nil {
		return nil, s.wrap("list clients", err)
	}
	defer rows.Close()
	out := []domain.Client{}
	for rows.Next() {
		var c domain.Client
		var created string
		if err := rows.Scan(&c.ID, &c.Name, &c.Archived, &created); err != nil {
			return nil, s.wrap("list clients", err)
		}
		c.CreatedAt = parseTime(created)
		out = append(out, c)
	}
	return out, s.wrapNil("list clients", rows.Err())
}

// SaveRequest inserts or updates a reconnection request.
func (s *Store) SaveRequest(ctx context.Context, r domain.ReconnectRequest) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO reconnect_requests (id, client_id, connection_id, state, created_at, expires_at, used_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET state = ?4, used_at = ?7`,
		r.ID, r.ClientID, r.ConnectionID, r.State, fmtTime(r.CreatedAt), fmtTime(r.ExpiresAt), fmtTimePtr(r.UsedAt))
	return s.wrapNil("save reconnection request", err)
}

// UseRequest marks a pending request used, atomically: it returns false when
// the request was already used, revoked or never existed.
func (s *Store) UseRequest(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.writer.ExecContext(ctx, `UPDATE reconnect_requests SET used_at = ?, state = 'opened' WHERE id = ? AND used_at IS NULL AND state = 'pending'`, fmtTime(at), id)
	if err != nil {
		return false, s.wrap("use reconnection request", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ListRequests returns a client's reconnection requests, newest first
// ("" for all clients).
func (s *Store) ListRequests(ctx context.Context, clientID string) ([]domain.ReconnectRequest, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, client_id, connection_id, state, created_at, expires_at, used_at FROM reconnect_requests
		WHERE ? = '' OR client_id = ? ORDER BY created_at DESC`, clientID, clientID)
	if err != nil {
		return nil, s.wrap("list reconnection requests", err)
	}
	defer rows.Close()
	out := []domain.ReconnectRequest{}
	for rows.Next() {
		var r domain.ReconnectRequest
		var created, expires string
		var used sql.NullString
		if err := rows.Scan(&r.ID, &r.ClientID, &r.ConnectionID, &r.State, &created, &expires, &used); err != nil {
			return nil, s.wrap("list reconnection requests", err)
		}
		r.CreatedAt, r.ExpiresAt, r.UsedAt = parseTime(created), parseTime(expires), parseTimePtr(used)
		out = append(out, r)
	}
	return out, s.wrapNil("list reconnection requests", rows.Err())
}

// GetRequest returns one reconnection request.
func (s *Store) GetRequest(ctx context.Context, id string) (domain.ReconnectRequest, error) {
	list, err := s.ListRequests(ctx, "")
	if err != nil {
		return domain.ReconnectRequest{}, err
	}
	for _, r := range list {
		if r.ID == id {
			return r, nil
		}
	}
	return domain.ReconnectRequest{}, domain.Errorf(domain.ENotFound, "Reconnection request %s not found.", id)
}
