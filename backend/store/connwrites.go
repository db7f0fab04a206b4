package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// checkArgs encodes the columns a check owns: status, last check, the
// identity and limits the provider reported, and per-secret results.
func checkArgs(c domain.Connection) (scopes, creds string, lastErr, rate any, err error) {
	b, err := json.Marshal(nonNilSlice(c.Scopes))
	if err != nil {
		return "", "", nil, nil, err
	}
	list := c.Credentials
	if list == nil {
		list = []domain.CredentialInfo{}
	}
	cb, err := json.Marshal(list)
	if err != nil {
		return "", "", nil, nil, err
	}
	if c.LastError != nil {
		e, err := json.Marshal(c.LastError)
		if err != nil {
			return "", "", nil, nil, err
		}
		lastErr = string(e)
	}
	if c.RateLimitRemain != nil {
		rate = *c.RateLimitRemain
	}
	return string(b), string(cb), lastErr, rate, nil
}

// RecordCheck stores the outcome of a check of c: only the columns a check
// owns (status, description, last error, last check time, identity, scopes,
// token expiry, rate limit, per-secret results and updated_at), and only if
// the connection's credential is still the one the check read
// (c.SecretVersion). It never writes the label, owner, workspaces, settings
// or secret hint, so a rename or a re-authentication made while the check
// was talking to the provider survives. It reports false when the credential
// changed meanwhile: the result belongs to a replaced secret and is dropped.
func (s *Store) RecordCheck(ctx context.Context, c domain.Connection) (bool, error) {
	scopes, creds, lastErr, rate, err := checkArgs(c)
	if err != nil {
		return false, fmt.Errorf("encode check of connection %s: %w", c.ID, err)
	}
	res, err := s.writer.ExecContext(ctx, `UPDATE connections SET identity = ?, scopes_json = ?, token_expires_at = ?,
		rate_limit_remaining = ?, status = ?, status_description = ?, last_error_json = ?, last_checked_at = ?,
		updated_at = ?, credentials_json = ? WHERE id = ? AND secret_version = ?`,
		c.Identity, scopes, fmtTimePtr(c.TokenExpiresAt), rate, string(c.Status), c.StatusDescription, lastErr,
		fmtTimePtr(c.LastCheckedAt), fmtTime(c.UpdatedAt), creds, c.ID, c.SecretVersion)
	if err != nil {
		return false, s.wrap("record check of connection "+c.ID, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return true, nil
	}
	if _, err := s.GetConnection(ctx, c.ID); err != nil {
		return false, err // deleted meanwhile: not found
	}
	return false, nil
}

// ChangeCredential records a new credential of a connection (re-authenticate,
// reauthorize, a completed OAuth 1.0a flow) in one write transaction: change
// is applied to the connection as stored now, then its settings, secret hint
// and check columns are written and its secret version is incremented, so a
// check still running on the old secret cannot record its result afterwards.
// The label, owner and workspaces are never written. It returns the stored
// connection.
func (s *Store) ChangeCredential(ctx context.Context, id string, change func(*domain.Connection) error) (domain.Connection, error) {
	var out domain.Connection
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.getConnection(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := change(&c); err != nil {
			return err
		}
		cfg, err := json.Marshal(nonNilMap(c.Config))
		if err != nil {
			return fmt.Errorf("encode config of connection %s: %w", id, err)
		}
		scopes, creds, lastErr, rate, err := checkArgs(c)
		if err != nil {
			return fmt.Errorf("encode check of connection %s: %w", id, err)
		}
		c.SecretVersion++
		_, err = tx.ExecContext(ctx, `UPDATE connections SET config_json = ?, secret_hint = ?, identity = ?, scopes_json = ?,
			token_expires_at = ?, rate_limit_remaining = ?, status = ?, status_description = ?, last_error_json = ?,
			last_checked_at = ?, updated_at = ?, credentials_json = ?, secret_version = ? WHERE id = ?`,
			string(cfg), c.SecretHint, c.Identity, scopes, fmtTimePtr(c.TokenExpiresAt), rate, string(c.Status),
			c.StatusDescription, lastErr, fmtTimePtr(c.LastCheckedAt), fmtTime(c.UpdatedAt), creds, c.SecretVersion, id)
		out = c
		return err
	})
	return out, s.wrapNil("change credential of connection "+id, err)
}

// RenameConnection sets only a connection's label.
func (s *Store) RenameConnection(ctx context.Context, id, label string, at time.Time) error {
	return s.setColumn(ctx, id, "rename connection", `UPDATE connections SET label = ?, updated_at = ? WHERE id = ?`, label, fmtTime(at), id)
}

// SetConnectionOwner sets only a connection's owner (domain.OwnerTeam or a
// client id).
func (s *Store) SetConnectionOwner(ctx context.Context, id, owner string, at time.Time) error {
	return s.setColumn(ctx, id, "set owner of connection", `UPDATE connections SET owner = ?, updated_at = ? WHERE id = ?`, owner, fmtTime(at), id)
}

func (s *Store) setColumn(ctx context.Context, id, op, query string, args ...any) error {
	res, err := s.writer.ExecContext(ctx, query, args...)
	if err != nil {
		return s.wrap(op+" "+id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(id)
	}
	return nil
}

// SetConnectionWorkspaces replaces only a connection's workspace links.
func (s *Store) SetConnectionWorkspaces(ctx context.Context, id string, workspaceIDs []string, at time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE connections SET updated_at = ? WHERE id = ?`, fmtTime(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM connection_workspaces WHERE connection_id = ?`, id); err != nil {
			return err
		}
		return writeLinks(ctx, tx, domain.Connection{ID: id, WorkspaceIDs: workspaceIDs})
	})
	return s.wrapNil("set workspaces of connection "+id, err)
}

// SetConnectionConfig sets only the given keys of a connection's settings
// (an empty value removes the key), in one statement, so the other keys
// and the columns a check owns are never overwritten.
func (s *Store) SetConnectionConfig(ctx context.Context, id string, values map[string]string, at time.Time) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	expr, args := "config_json", []any{}
	for _, k := range keys {
		path := `$."` + strings.ReplaceAll(k, `"`, ``) + `"`
		if values[k] == "" {
			expr = "json_remove(" + expr + ", ?)"
			args = append(args, path)
		} else {
			expr = "json_set(" + expr + ", ?, ?)"
			args = append(args, path, values[k])
		}
	}
	args = append(args, fmtTime(at), id)
	return s.setColumn(ctx, id, "set settings of connection", `UPDATE connections SET config_json = `+expr+`, updated_at = ? WHERE id = ?`, args...)
}

// SetConnectionConfigIfUnset sets one key of a connection's settings only
// while the connection has no value for it (compare-and-set, one
// statement): a value recorded meanwhile, by a re-authorization or another
// process, is kept. It reports whether the key was set.
func (s *Store) SetConnectionConfigIfUnset(ctx context.Context, id, key, value string, at time.Time) (bool, error) {
	path := `$."` + strings.ReplaceAll(key, `"`, ``) + `"`
	res, err := s.writer.ExecContext(ctx, `UPDATE connections SET config_json = json_set(config_json, ?, ?), updated_at = ?
		WHERE id = ? AND coalesce(json_extract(config_json, ?), '') = ''`, path, value, fmtTime(at), id, path)
	if err != nil {
		return false, s.wrap("set setting of connection "+id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
