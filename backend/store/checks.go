package store

import (
	"context"
	"database/sql"

	"patchbay/backend/domain"
)

// AddCheck records one check of a connection.
func (s *Store) AddCheck(ctx context.Context, connectionID string, r domain.CheckResult) error {
	var rate any
	if r.RateRemaining != nil {
		rate = *r.RateRemaining
	}
	_, err := s.writer.ExecContext(ctx, `INSERT INTO checks (connection_id, checked_at, latency_ms, class, http_status, message, rate_remaining)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, connectionID, fmtTime(r.CheckedAt), r.LatencyMS, string(r.Class), r.HTTPStatus, r.Message, rate)
	return s.wrapNil("record check of "+connectionID, err)
}

// ListChecks returns a connection's most recent checks, newest first.
func (s *Store) ListChecks(ctx context.Context, connectionID string, limit int) ([]domain.CheckRecord, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT checked_at, latency_ms, class, http_status, message, rate_remaining
		FROM checks WHERE connection_id = ? ORDER BY checked_at DESC, id DESC LIMIT ?`, connectionID, limit)
	if err != nil {
		return nil, s.wrap("list checks of "+connectionID, err)
	}
	defer rows.Close()
	out := []domain.CheckRecord{}
	for rows.Next() {
		var r domain.CheckRecord
		var at, class string
		var rate sql.NullInt64
		if err := rows.Scan(&at, &r.LatencyMS, &class, &r.HTTPStatus, &r.Message, &rate); err != nil {
			return nil, s.wrap("list checks of "+connectionID, err)
		}
		r.CheckedAt, r.Class = parseTime(at), domain.Class(class)
		if rate.Valid {
			n := int(rate.Int64)
			r.RateRemaining = &n
		}
		out = append(out, r)
	}
	return out, s.wrapNil("list checks of "+connectionID, rows.Err())
}
