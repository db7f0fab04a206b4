package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"patchbay/backend/domain"
)

// SaveSweep inserts or updates a sweep's progress. A sweep already marked
// interrupted or finished is never reopened by a late update.
func (s *Store) SaveSweep(ctx context.Context, p domain.SweepProgress) error {
	notes, _ := json.Marshal(p.Notes)
	_, err := s.writer.ExecContext(ctx, `INSERT INTO sweeps (id, started_at, finished_at, total, done, failures, skipped, cancelled, interrupted, notes_json)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
		ON CONFLICT (id) DO UPDATE SET finished_at = ?3, total = ?4, done = ?5, failures = ?6, skipped = ?7, cancelled = ?8, notes_json = ?10
		WHERE sweeps.finished_at IS NULL AND sweeps.interrupted = 0`,
		p.ID, fmtTime(p.StartedAt), fmtTimePtr(p.FinishedAt), p.Total, p.Done, p.Failures, p.Skipped, p.Cancelled, p.Interrupted, string(notes))
	return s.wrapNil("save sweep "+p.ID, err)
}

const sweepColumns = `id, started_at, finished_at, total, done, failures, skipped, cancelled, interrupted, notes_json`

func scanSweep(r scanner) (domain.SweepProgress, error) {
	var p domain.SweepProgress
	var started, notes string
	var finished sql.NullString
	if err := r.Scan(&p.ID, &started, &finished, &p.Total, &p.Done, &p.Failures, &p.Skipped, &p.Cancelled, &p.Interrupted, &notes); err != nil {
		return p, err
	}
	p.StartedAt, p.FinishedAt = parseTime(started), parseTimePtr(finished)
	p.Notes = []string{}
	_ = json.Unmarshal([]byte(notes), &p.Notes)
	p.Running = p.FinishedAt == nil && !p.Interrupted
	return p, nil
}

// LastSweep returns the most recently started sweep; ok is false when none ran.
func (s *Store) LastSweep(ctx context.Context) (p domain.SweepProgress, ok bool, err error) {
	p, err = scanSweep(s.reader.QueryRowContext(ctx, `SELECT `+sweepColumns+` FROM sweeps ORDER BY started_at DESC, id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	return p, err == nil, s.wrapNil("last sweep", err)
}

// UnfinishedSweeps returns sweeps that neither finished nor were marked interrupted.
func (s *Store) UnfinishedSweeps(ctx context.Context) ([]domain.SweepProgress, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+sweepColumns+` FROM sweeps WHERE finished_at IS NULL AND interrupted = 0`)
	if err != nil {
		return nil, s.wrap("unfinished sweeps", err)
	}
	defer rows.Close()
	out := []domain.SweepProgress{}
	for rows.Next() {
		p, err := scanSweep(rows)
		if err != nil {
			return nil, s.wrap("unfinished sweeps", err)
		}
		out = append(out, p)
	}
	return out, s.wrapNil("unfinished sweeps", rows.Err())
}

// MarkSweepInterrupted records that a sweep's process stopped before it
// finished; its stored progress says how far it got.
func (s *Store) MarkSweepInterrupted(ctx context.Context, id string) error {
	_, err := s.writer.ExecContext(ctx, `UPDATE sweeps SET interrupted = 1 WHERE id = ? AND finished_at IS NULL`, id)
	return s.wrapNil("mark sweep "+id+" interrupted", err)
}
