package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"patchbay/backend/desktop"
	"patchbay/backend/domain"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

func TestKeepRunningAndStartAtLogin(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "patchbay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auto := desktop.Autostart{Dir: filepath.Join(t.TempDir(), "autostart"), Exec: "/usr/bin/patchbay"}
	svc := service.New(service.Options{Store: st, Secrets: secrets.NewMemory(), Autostart: auto})

	set, err := svc.GetSettings(ctx)
	if err != nil || set.KeepRunning || set.StartAtLogin || !set.StartAtLoginAvailable {
		t.Fatalf("defaults: %+v %v (want both off, start at login available)", set, err)
	}
	set.KeepRunning, set.StartAtLogin = true, true
	if set, err = svc.UpdateSettings(ctx, set); err != nil || !set.KeepRunning || !set.StartAtLogin {
		t.Fatalf("turned on: %+v %v", set, err)
	}
	if on, _ := auto.Enabled(); !on {
		t.Fatal("Start at login on, but no autostart entry was written")
	}
	// The entry is the truth: removed behind the app's back, the setting reads off.
	if err := auto.SetEnabled(false); err != nil {
		t.Fatal(err)
	}
	if set, _ = svc.GetSettings(ctx); set.StartAtLogin || !set.KeepRunning {
		t.Fatalf("after the entry was removed: %+v", set)
	}
	set.StartAtLogin = true
	if _, err = svc.UpdateSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	set.StartAtLogin, set.KeepRunning = false, false
	if set, err = svc.UpdateSettings(ctx, set); err != nil || set.StartAtLogin || set.KeepRunning {
		t.Fatalf("turned off: %+v %v", set, err)
	}
	if on, _ := auto.Enabled(); on {
		t.Fatal("Start at login off, but the autostart entry is still there")
	}

	// Without an autostart (a --demo with a throwaway directory) it is refused with a field error.
	demo := service.New(service.Options{Store: st, Secrets: secrets.NewMemory()})
	if set, _ := demo.GetSettings(ctx); set.StartAtLoginAvailable {
		t.Fatal("start at login available without an autostart")
	}
	_, err = demo.UpdateSettings(ctx, domain.Settings{StartAtLogin: true})
	var de *domain.Error
	if !errors.As(err, &de) || de.Field != "startAtLogin" {
		t.Fatalf("start at login without an autostart: %v", err)
	}
}
