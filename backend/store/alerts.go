package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"patchbay/backend/domain"
)

// SaveAlertRoute inserts or replaces an alert route.
func (s *Store) SaveAlertRoute(ctx context.Context, r domain.AlertRoute) error {
	_, err := s.writer.ExecContext(ctx, `INSERT OR REPLACE INTO alert_routes (id, name, kind, url, slack_connection_id, channel, workspace_id, min_severity, enabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.Name, r.Kind, r.URL, r.SlackConnectionID, r.Channel, r.WorkspaceID, r.MinSeverity, r.Enabled, fmtTime(r.CreatedAt))
	if err != nil {
		return s.wrap("save alert route", err)
	}
	return nil
}

// ListAlertRoutes returns the alert routes, oldest first.
func (s *Store) ListAlertRoutes(ctx context.Context) ([]domain.AlertRoute, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, name, kind, url, slack_connection_id, channel, workspace_id, min_severity, enabled, created_at FROM alert_routes ORDER BY created_at, id`)
	if err != nil {
		return nil, s.wrap("list alert routes", err)
	}
	defer rows.Close()
	out := []domain.AlertRoute{}
	for rows.Next() {
		var r domain.AlertRoute
		var at string
		if err := rows.Scan(&r.ID, &r.Name, &r.Kind, &r.URL, &r.SlackConnectionID, &r.Channel, &r.WorkspaceID, &r.MinSeverity, &r.Enabled, &at); err != nil {
			return nil, fmt.Errorf("scan alert route: %w", err)
		}
		r.CreatedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteAlertRoute removes a route and its deliveries.
func (s *Store) DeleteAlertRoute(ctx context.Context, id string) error {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM alert_routes WHERE id = ?`, id)
	if err != nil {
		return s.wrap("delete alert route", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "That alert route no longer exists.")
	}
	return nil
}

// AddDelivery records a delivery unless its route already has one for the
// same state change (UNIQUE route_id, state_key): at most one message per
// route and state change, however many processes observe it. It reports
// whether it was added.
func (s *Store) AddDelivery(ctx context.Context, d domain.AlertDelivery, stateKey string) (bool, error) {
	res, err := s.writer.ExecContext(ctx, `INSERT OR IGNORE INTO alert_deliveries (id, route_id, connection_id, state_key, event, body, status, attempts, last_error, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', ?, ?)`, d.ID, d.RouteID, d.ConnectionID, stateKey, d.Event, d.Body, d.Status, fmtTime(d.NextAttempt), fmtTime(d.CreatedAt))
	if err != nil {
		return false, s.wrap("add alert delivery", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const deliveryCols = `id, route_id, connection_id, event, body, status, attempts, last_error, next_attempt_at, created_at, delivered_at`

func scanDelivery(r scanner) (domain.AlertDelivery, error) {
	var d domain.AlertDelivery
	var next, created string
	var delivered sql.NullString
	if err := r.Scan(&d.ID, &d.RouteID, &d.ConnectionID, &d.Event, &d.Body, &d.Status, &d.Attempts, &d.LastError, &next, &created, &delivered); err != nil {
		return d, err
	}
	d.NextAttempt, d.CreatedAt, d.DeliveredAt = parseTime(next), parseTime(created), parseTimePtr(delivered)
	return d, nil
}

// ClaimDelivery takes a pending delivery due by now for one attempt (compare
// and set on its attempt count and next attempt, so two processes never
// send it twice): the attempt is counted and the next one moved to retryAt.
func (s *Store) ClaimDelivery(ctx context.Context, id string, now, retryAt time.Time) (domain.AlertDelivery, bool, error) {
	var out domain.AlertDelivery
	claimed := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM alert_deliveries WHERE id = ?`, id))
		if err != nil {
			return err
		}
		if d.Status != domain.DeliveryPending || d.NextAttempt.After(now) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?`, fmtTime(retryAt), id); err != nil {
			return err
		}
		d.Attempts++
		d.NextAttempt = retryAt
		out, claimed = d, true
		return nil
	})
	if err != nil {
		return out, false, s.wrap("claim alert delivery", err)
	}
	return out, claimed, nil
}

// FinishDelivery records an attempt's outcome: delivered, failed for good,
// or (pending) the error and the retry already set by ClaimDelivery.
func (s *Store) FinishDelivery(ctx context.Context, id, status, lastError string, deliveredAt *time.Time) error {
	_, err := s.writer.ExecContext(ctx, `UPDATE alert_deliveries SET status = ?, last_error = ?, delivered_at = ? WHERE id = ?`, status, lastError, fmtTimePtr(deliveredAt), id)
	if err != nil {
		return s.wrap("finish alert delivery", err)
	}
	return nil
}

// RetryDelivery makes a failed delivery pending again, due at now.
func (s *Store) RetryDelivery(ctx context.Context, id string, now time.Time) error {
	res, err := s.writer.ExecContext(ctx, `UPDATE alert_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'failed'`, fmtTime(now), id)
	if err != nil {
		return s.wrap("retry alert delivery", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.EConflict, "Only a failed delivery can be retried; this one is pending or was delivered.")
	}
	return nil
}

// DueDeliveries lists the ids of pending deliveries due by now.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, next_attempt_at FROM alert_deliveries WHERE status = 'pending'`)
	if err != nil {
		return nil, s.wrap("list due deliveries", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, next string
		if err := rows.Scan(&id, &next); err != nil {
			return nil, err
		}
		if !parseTime(next).After(now) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// ListDeliveries returns the most recent deliveries, newest first.
func (s *Store) ListDeliveries(ctx context.Context, limit int) ([]domain.AlertDelivery, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+deliveryCols+` FROM alert_deliveries ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.wrap("list alert deliveries", err)
	}
	defer rows.Close()
	out := []domain.AlertDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("scan alert delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
