package cli

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// privateFiles are the data directory's files that only the user may read:
// the database (client names, identities, link records), its WAL and SHM,
// the opt-in secrets file and the log.
var privateFiles = []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm", "secrets.json", LogFileName, LogFileName + ".1"}

// repairPerms makes the data directory 0700 and its private files 0600, on
// every start: MkdirAll and SQLite keep the modes of what already existed
// (or create with the umask's 0644). Each repair is logged.
func repairPerms(dir string, log *slog.Logger) {
	fix := func(path string, want fs.FileMode) {
		st, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err == nil && st.Mode().Perm() == want {
			return
		}
		if err == nil {
			err = os.Chmod(path, want)
		}
		if err != nil {
			log.Warn("cannot restrict permissions: other users of this machine may read it", "path", path, "err", err)
			return
		}
		log.Info("permissions repaired", "path", path, "was", st.Mode().Perm().String(), "now", want.String())
	}
	fix(dir, 0o700)
	for _, f := range privateFiles {
		fix(filepath.Join(dir, f), 0o600)
	}
}
