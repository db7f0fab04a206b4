package store

import (
	"context"
	"database/sql"
	"time"

	"patchbay/backend/domain"
)

const notificationColumns = `id, connection_id, severity, kind, title, body, created_at, read_at, resolved_at`

// AddNotification stores a notification unless its connection already has
// an open one of the same kind (a unique index, migration 0015: insert or
// ignore, never check-then-insert), and, when while is not empty, only if the
// connection's stored status is while at that moment, so a check whose result
// was already superseded cannot raise the bell. It reports whether it added
// the notification.
func (s *Store) AddNotification(ctx context.Context, n domain.Notification, while domain.Status) (bool, error) {
	res, err := s.writer.ExecContext(ctx, `INSERT INTO notifications (`+notificationColumns+`)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE ?10 = '' OR EXISTS (SELECT 1 FROM connections WHERE id = ?2 AND status = ?10)
		ON CONFLICT DO NOTHING`,
		n.ID, n.ConnectionID, n.Severity, n.Kind, n.Title, n.Body, fmtTime(n.CreatedAt), fmtTimePtr(n.ReadAt), fmtTimePtr(n.ResolvedAt), string(while))
	if err != nil {
		return false, s.wrap("add notification", err)
	}
	k, _ := res.RowsAffected()
	return k > 0, nil
}

// OpenNotification returns the unresolved notification of a kind for a
// connection, if any.
func (s *Store) OpenNotification(ctx context.Context, connectionID, kind string) (*domain.Notification, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE connection_id = ? AND kind = ? AND resolved_at IS NULL ORDER BY created_at LIMIT 1`, connectionID, kind)
	if err != nil {
		return nil, s.wrap("open notification", err)
	}
	list, err := scanNotifications(rows)
	if err != nil || len(list) == 0 {
		return nil, s.wrapNil("open notification", err)
	}
	return &list[0], nil
}

// ResolveNotifications marks a connection's open notifications of a kind
// resolved (and read) at the given time; when while is not empty, only if the
// connection's stored status is while at that moment.
func (s *Store) ResolveNotifications(ctx context.Context, connectionID, kind string, at time.Time, while domain.Status) (int64, error) {
	res, err := s.writer.ExecContext(ctx, `UPDATE notifications SET resolved_at = ?1, read_at = COALESCE(read_at, ?1)
		WHERE connection_id = ?2 AND kind = ?3 AND resolved_at IS NULL
		AND (?4 = '' OR EXISTS (SELECT 1 FROM connections WHERE id = ?2 AND status = ?4))`, fmtTime(at), connectionID, kind, string(while))
	if err != nil {
		return 0, s.wrap("resolve notifications", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// GetNotification returns one notification.
func (s *Store) GetNotification(ctx context.Context, id string) (domain.Notification, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ?`, id)
	if err != nil {
		return domain.Notification{}, s.wrap("get notification", err)
	}
	list, err := scanNotifications(rows)
	if err != nil {
		return domain.Notification{}, s.wrap("get notification", err)
	}
	if len(list) == 0 {
		return domain.Notification{}, domain.Errorf(domain.ENotFound, "Notification %s not found.", id)
	}
	return list[0], nil
}

// ListNotifications returns the newest notifications first.
func (s *Store) ListNotifications(ctx context.Context, limit int) ([]domain.Notification, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications ORDER BY created_at DESC, id LIMIT ?`, limit)
	if err != nil {
		return nil, s.wrap("list notifications", err)
	}
	list, err := scanNotifications(rows)
	return list, s.wrapNil("list notifications", err)
}

// UnreadCritical returns the unread critical notifications, oldest first
// (the banner names the first affected app).
func (s *Store) UnreadCritical(ctx context.Context) ([]domain.Notification, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE severity = 'critical' AND read_at IS NULL ORDER BY created_at, id`)
	if err != nil {
		return nil, s.wrap("unread critical notifications", err)
	}
	list, err := scanNotifications(rows)
	return list, s.wrapNil("unread critical notifications", err)
}

// MarkNotificationRead marks one notification read at the given time (a
// notification already read keeps its first read time).
func (s *Store) MarkNotificationRead(ctx context.Context, id string, at time.Time) error {
	res, err := s.writer.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ?`, fmtTime(at), id)
	if err != nil {
		return s.wrap("mark notification read", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "Notification %s not found.", id)
	}
	return nil
}

func scanNotifications(rows *sql.Rows) ([]domain.Notification, error) {
	defer rows.Close()
	out := []domain.Notification{}
	for rows.Next() {
		var n domain.Notification
		var created string
		var read, resolved sql.NullString
		if err := rows.Scan(&n.ID, &n.ConnectionID, &n.Severity, &n.Kind, &n.Title, &n.Body, &created, &read, &resolved); err != nil {
			return nil, err
		}
		n.CreatedAt, n.ReadAt, n.ResolvedAt = parseTime(created), parseTimePtr(read), parseTimePtr(resolved)
		out = append(out, n)
	}
	return out, rows.Err()
}
