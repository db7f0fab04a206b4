package store

import (
	"context"
	"database/sql"
	"time"
)

// ReplaceInventory stores a connection's current items of a kind and
// returns the names that were not there before (new items).
func (s *Store) ReplaceInventory(ctx context.Context, connectionID, kind string, names []string, at time.Time) ([]string, error) {
	var added []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		old := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT name FROM inventory WHERE connection_id = ? AND kind = ?`, connectionID, kind)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			old[n] = true
		}
		rows.Close()
		if _, err := tx.ExecContext(ctx, `DELETE FROM inventory WHERE connection_id = ? AND kind = ?`, connectionID, kind); err != nil {
			return err
		}
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO inventory (connection_id, kind, name, fetched_at) VALUES (?, ?, ?, ?)`, connectionID, kind, n, fmtTime(at)); err != nil {
				return err
			}
			if !old[n] {
				added = append(added, n)
			}
		}
		return nil
	})
	return added, s.wrapNil("store inventory of "+connectionID, err)
}

// Inventory returns a connection's stored item names of a kind.
func (s *Store) Inventory(ctx context.Context, connectionID, kind string) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT name FROM inventory WHERE connection_id = ? AND kind = ? ORDER BY name`, connectionID, kind)
	if err != nil {
		return nil, s.wrap("inventory of "+connectionID, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, s.wrap("inventory of "+connectionID, err)
		}
		out = append(out, n)
	}
	return out, s.wrapNil("inventory of "+connectionID, rows.Err())
}
