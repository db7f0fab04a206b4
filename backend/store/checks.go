package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// rollup is one aggregate table of checks: its name, its time-bucket column
// and the layout of that column's values.
type rollup struct{ table, column, layout string }

// rollups are the aggregate tables AddCheck keeps current.
var rollups = []rollup{
	{"check_hourly", "hour", "2006-01-02T15"},
	{"check_daily", "day", "2006-01-02"},
}

// AddCheck records one check of a connection.
func (s *Store) AddCheck(ctx context.Context, connectionID string, r domain.CheckResult) error {
	err := s.tx(ctx, func(tx *sql.Tx) error { return addCheck(ctx, tx, connectionID, r) })
	return s.wrapNil("record check of "+connectionID, err)
}

// AddChecks records many checks of one connection in one transaction (the
// demo's history): one multi-row insert for the checks and one per rollup,
// summed here, so a month of history costs a few statements.
func (s *Store) AddChecks(ctx context.Context, connectionID string, rs []domain.CheckResult) error {
	if len(rs) == 0 {
		return nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var q strings.Builder
		args := make([]any, 0, 7*len(rs))
		q.WriteString(`INSERT INTO checks (connection_id, checked_at, latency_ms, class, http_status, message, rate_remaining) VALUES `)
		for i, r := range rs {
			if i > 0 {
				q.WriteString(",")
			}
			q.WriteString("(?,?,?,?,?,?,?)")
			var rate any
			if r.RateRemaining != nil {
				rate = *r.RateRemaining
			}
			args = append(args, connectionID, fmtTime(r.CheckedAt), r.LatencyMS, string(r.Class), r.HTTPStatus, r.Message, rate)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
		for _, roll := range rollups {
			type sums struct{ n, ok, latSum, latMax int64 }
			buckets := map[string]*sums{}
			var order []string
			for _, r := range rs {
				k := r.CheckedAt.UTC().Format(roll.layout)
				b := buckets[k]
				if b == nil {
					b = &sums{}
					buckets[k] = b
					order = append(order, k)
				}
				b.n++
				if r.Class == domain.ClassOK {
					b.ok++
				}
				b.latSum += r.LatencyMS
				b.latMax = max(b.latMax, r.LatencyMS)
			}
			var q strings.Builder
			args := make([]any, 0, 6*len(order))
			q.WriteString(`INSERT INTO ` + roll.table + ` (connection_id, ` + roll.column + `, checks, ok, latency_sum_ms, latency_max_ms) VALUES `)
			for i, k := range order {
				if i > 0 {
					q.WriteString(",")
				}
				q.WriteString("(?,?,?,?,?,?)")
				b := buckets[k]
				args = append(args, connectionID, k, b.n, b.ok, b.latSum, b.latMax)
			}
			q.WriteString(` ON CONFLICT (connection_id, ` + roll.column + `) DO UPDATE SET checks = checks + excluded.checks, ok = ok + excluded.ok,
				latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms, latency_max_ms = max(latency_max_ms, excluded.latency_max_ms)`)
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	return s.wrapNil("record checks of "+connectionID, err)
}

// addCheck records one check and updates its rollups inside tx.
func addCheck(ctx context.Context, tx *sql.Tx, connectionID string, r domain.CheckResult) error {
	var rate any
	if r.RateRemaining != nil {
		rate = *r.RateRemaining
	}
	ok := 0
	if r.Class == domain.ClassOK {
		ok = 1
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checks (connection_id, checked_at, latency_ms, class, http_status, message, rate_remaining)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, connectionID, fmtTime(r.CheckedAt), r.LatencyMS, string(r.Class), r.HTTPStatus, r.Message, rate); err != nil {
		return err
	}
	for _, roll := range rollups {
		_, err := tx.ExecContext(ctx, `INSERT INTO `+roll.table+` (connection_id, `+roll.column+`, checks, ok, latency_sum_ms, latency_max_ms)
			VALUES (?1, ?2, 1, ?3, ?4, ?4)
			ON CONFLICT (connection_id, `+roll.column+`) DO UPDATE SET checks = checks + 1, ok = ok + ?3,
				latency_sum_ms = latency_sum_ms + ?4, latency_max_ms = max(latency_max_ms, ?4)`,
			connectionID, r.CheckedAt.UTC().Format(roll.layout), ok, r.LatencyMS)
		if err != nil {
			return err
		}
	}
	return nil
}

// ListChecks returns a connection's most recent checks, newest first.
func (s *Store) ListChecks(ctx context.Context, connectionID string, limit int) ([]domain.CheckRecord, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT checked_at, latency_ms, class, http_status, message, rate_remaining
		FROM checks WHERE connection_id = ? ORDER BY checked_at DESC, id DESC LIMIT ?`, connectionID, limit)
	return s.scanChecks(rows, err, connectionID)
}

// Uptime returns, per connection, the share of successful checks since the
// given time (from the hourly rollup), and how many checks that covers.
// Windows over two days before now (the caller's clock, never the wall
// clock) read the daily rollup (whole days from since's day).
func (s *Store) Uptime(ctx context.Context, since, now time.Time) (map[string]domain.Uptime, error) {
	roll := rollups[0]
	if now.Sub(since) > 48*time.Hour {
		roll = rollups[1]
	}
	rows, err := s.reader.QueryContext(ctx, uptimeQuery(roll), since.UTC().Format(roll.layout))
	if err != nil {
		return nil, s.wrap("uptime", err)
	}
	defer rows.Close()
	out := map[string]domain.Uptime{}
	for rows.Next() {
		var id string
		var u domain.Uptime
		var sum int64
		if err := rows.Scan(&id, &u.Checks, &u.OK, &sum, &u.MaxLatencyMS); err != nil {
			return nil, s.wrap("uptime", err)
		}
		if u.Checks > 0 {
			u.Percent = 100 * float64(u.OK) / float64(u.Checks)
			u.AvgLatencyMS = sum / int64(u.Checks)
		}
		out[id] = u
	}
	return out, s.wrapNil("uptime", rows.Err())
}

// uptimeQuery sums a rollup table over one window. The unary + on the
// GROUP BY term keeps SQLite from walking the whole table in primary-key
// order to avoid a sort; it reads only the window's range of the covering
// index (migration 0018) and sorts that.
func uptimeQuery(roll rollup) string {
	return `SELECT connection_id, sum(checks), sum(ok), sum(latency_sum_ms), max(latency_max_ms)
		FROM ` + roll.table + ` WHERE ` + roll.column + ` >= ? GROUP BY +connection_id`
}

// Prune deletes checks and rollups older than cutoff (retention).
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM checks WHERE checked_at < ?`, fmtTime(cutoff))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		for _, roll := range rollups {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+roll.table+` WHERE `+roll.column+` < ?`, cutoff.UTC().Format(roll.layout)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, s.wrapNil("prune history", err)
}

// DailyChecks returns, per connection and day since sinceDay ("2006-01-02"),
// how many checks ran and how many succeeded (the daily rollup).
func (s *Store) DailyChecks(ctx context.Context, sinceDay string) (map[string]map[string][2]int, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT connection_id, day, checks, ok FROM check_daily WHERE day >= ?`, sinceDay)
	if err != nil {
		return nil, s.wrap("daily checks", err)
	}
	defer rows.Close()
	out := map[string]map[string][2]int{}
	for rows.Next() {
		var id, day string
		var n, ok int
		if err := rows.Scan(&id, &day, &n, &ok); err != nil {
			return nil, s.wrap("daily checks", err)
		}
		if out[id] == nil {
			out[id] = map[string][2]int{}
		}
		out[id][day] = [2]int{n, ok}
	}
	return out, s.wrapNil("daily checks", rows.Err())
}

// OKLatencies returns the latencies of successful checks since the given
// time, per connection.
func (s *Store) OKLatencies(ctx context.Context, since time.Time) (map[string][]int64, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT connection_id, latency_ms FROM checks WHERE checked_at >= ? AND class = 'ok'`, fmtTime(since))
	if err != nil {
		return nil, s.wrap("check latencies", err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var id string
		var ms int64
		if err := rows.Scan(&id, &ms); err != nil {
			return nil, s.wrap("check latencies", err)
		}
		out[id] = append(out[id], ms)
	}
	return out, s.wrapNil("check latencies", rows.Err())
}

// ChecksBetween returns a connection's checks in [from, to), newest first,
// at most limit.
func (s *Store) ChecksBetween(ctx context.Context, connectionID string, from, to time.Time, limit int) ([]domain.CheckRecord, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT checked_at, latency_ms, class, http_status, message, rate_remaining
		FROM checks WHERE connection_id = ? AND checked_at >= ? AND checked_at < ? ORDER BY checked_at DESC, id DESC LIMIT ?`,
		connectionID, fmtTime(from), fmtTime(to), limit)
	return s.scanChecks(rows, err, connectionID)
}

// scanChecks reads the rows of a checks query (checked_at, latency_ms,
// class, http_status, message, rate_remaining), newest first as queried.
func (s *Store) scanChecks(rows *sql.Rows, err error, connectionID string) ([]domain.CheckRecord, error) {
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
