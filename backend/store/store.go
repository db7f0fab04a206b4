// Package store keeps everything but secrets in one SQLite file
// (modernc.org/sqlite): versioned migrations embedded in the binary, WAL,
// a busy timeout, foreign keys, one writer connection and a reader pool.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"patchbay/backend/domain"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is the SQLite database.
type Store struct {
	path   string
	writer *sql.DB // one connection: SQLite has one writer at a time
	reader *sql.DB
}

// Options tunes Open.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock before failing.
	BusyTimeout time.Duration
}

// Open opens (creating if needed) the database at path and migrates it.
func Open(path string) (*Store, error) {
	return OpenWithOptions(path, Options{BusyTimeout: 5 * time.Second})
}

// OpenWithOptions is Open with explicit options.
func OpenWithOptions(path string, o Options) (*Store, error) {
	dsn := func(extra string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		return "file:" + path + "?" + q.Encode() + extra
	}
	s := &Store{path: path}
	var err error
	if s.writer, err = sql.Open("sqlite", dsn("&_txlock=immediate")); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s.writer.SetMaxOpenConns(1)
	if s.reader, err = sql.Open("sqlite", dsn("")); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s.reader.SetMaxOpenConns(4)
	if err := s.migrate(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// SchemaVersion is the schema version of the open database.
func (s *Store) SchemaVersion() int {
	var v int
	_ = s.reader.QueryRow("PRAGMA user_version").Scan(&v)
	return v
}

type migration struct {
	version int
	name    string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for i, n := range names {
		out = append(out, migration{version: i + 1, name: n})
	}
	return out, nil
}

// migrate applies the embedded migrations the database has not seen, each
// in its own transaction, and refuses a database from a newer version.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	var current int
	if err := s.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return s.wrap("read schema version", err)
	}
	if current > len(ms) {
		return domain.Errorf(domain.EConflict, "This data file (%s) was written by a newer version of Patchbay (schema %d; this version understands up to %d). Upgrade Patchbay, or start it with --data-dir pointing somewhere else. Nothing was changed.", s.path, current, len(ms))
	}
	if _, err := s.writer.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return s.wrap("enable WAL", err)
	}
	for _, m := range ms[current:] {
		body, err := migrationFS.ReadFile(m.name)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", m.name, err)
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version))
			return err
		})
		if err != nil {
			return s.wrap("apply migration "+m.name, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// wrap turns SQLite's "not a database" and "locked" failures into messages
// that say what to do, and adds context to anything else.
func (s *Store) wrap(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return domain.Errorf(domain.EInvalid, "%s is not a Patchbay database (it is not an SQLite file). Move it aside or choose another --data-dir; Patchbay did not modify it.", s.path)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return domain.Errorf(domain.EUnavailable, "The database %s is locked by another program (is another Patchbay running?). Close it and try again.", s.path)
		}
	}
	if strings.Contains(err.Error(), "file is not a database") {
		return domain.Errorf(domain.EInvalid, "%s is not a Patchbay database (it is not an SQLite file). Move it aside or choose another --data-dir; Patchbay did not modify it.", s.path)
	}
	return fmt.Errorf("%s: %w", op, err)
}
