package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// AddAudit appends one event to the audit log.
func (s *Store) AddAudit(ctx context.Context, e domain.AuditEvent) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO audit_events (at, connection_id, connection_label, provider, action, outcome, actor, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, fmtTime(e.At), e.ConnectionID, e.ConnectionLabel, e.Provider, e.Action, e.Outcome, e.Actor, e.Detail)
	if err != nil {
		return s.wrap("add audit event", err)
	}
	return nil
}

// ListAudit returns the audit events matching f, newest first (at most
// f.Limit, 200 by default).
func (s *Store) ListAudit(ctx context.Context, f domain.AuditFilter) ([]domain.AuditEvent, error) {
	var where []string
	var args []any
	if f.ConnectionID != "" {
		where, args = append(where, "connection_id = ?"), append(args, f.ConnectionID)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, f.Outcome)
	}
	if f.Actor != "" {
		where, args = append(where, "instr(lower(actor), lower(?)) > 0"), append(args, f.Actor)
	}
	q := `SELECT id, at, connection_id, connection_label, provider, action, outcome, actor, detail FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.wrap("list audit events", err)
	}
	defer rows.Close()
	out := []domain.AuditEvent{}
	for rows.Next() {
		var e domain.AuditEvent
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ConnectionID, &e.ConnectionLabel, &e.Provider, &e.Action, &e.Outcome, &e.Actor, &e.Detail); err != nil {
			return nil, fmt.Errorf("scan audit event: %w", err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// PruneAudit deletes audit events older than cutoff (kept as long as the
// check history).
func (s *Store) PruneAudit(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM audit_events WHERE at < ?`, fmtTime(cutoff))
	if err != nil {
		return 0, s.wrap("prune audit log", err)
	}
	return res.RowsAffected()
}
