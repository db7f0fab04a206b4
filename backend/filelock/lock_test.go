//go:build unix

package filelock_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"patchbay/backend/filelock"
)

func TestTryLockSeesAnotherHolderUntilReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, ok, err := filelock.TryLock(path)
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if _, ok, err := filelock.TryLock(path); err != nil || ok {
		t.Fatalf("second lock while held: ok=%v err=%v", ok, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := filelock.Lock(ctx, path); err == nil {
		t.Fatal("Lock returned while the lock was held")
	}
	unlock()
	again, ok, err := filelock.TryLock(path)
	if err != nil || !ok {
		t.Fatalf("lock after release: %v %v", ok, err)
	}
	again()
}
