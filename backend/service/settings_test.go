package service_test

import (
	"context"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
)

func TestDesktopNotificationsFollowTheSettingAndTheBell(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	const key = "desktop-notify-key-0001"
	e.fake.SetKey(key, true)
	c, err := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	if set, err := e.svc.GetSettings(ctx); err != nil || !set.DesktopNotifications {
		t.Fatalf("desktop notifications are not on by default: %+v %v", set, err)
	}
	e.fake.SetKey(key, false)
	if _, err := e.svc.CheckConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	list, _ := e.svc.ListNotifications(ctx, 10)
	if len(list) != 1 || list[0].Severity != domain.SeverityCritical {
		t.Fatalf("notifications %+v", list)
	}
	id := list[0].ID

	tests := []struct {
		name  string
		on    bool
		read  bool
		shown bool
	}{
		{"on, unread", true, false, true},
		{"off", false, false, false},
		{"on again, read meanwhile", true, true, false},
	}
	want := 0
	for _, tt := range tests {
		if _, err := e.svc.UpdateSettings(ctx, domain.Settings{DesktopNotifications: tt.on}); err != nil {
			t.Fatal(err)
		}
		if tt.read {
			if err := e.svc.MarkNotificationRead(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		shown, err := e.svc.ShowDesktopNotification(ctx, id)
		if err != nil || shown != tt.shown {
			t.Errorf("%s: shown=%v err=%v, want %v", tt.name, shown, err, tt.shown)
		}
		if tt.shown {
			want++
		}
		if got := e.desktop.Shown(); len(got) != want {
			t.Errorf("%s: the desktop showed %q", tt.name, got)
		}
	}
	if got := e.desktop.Shown(); len(got) != 1 || got[0] != list[0].Title+" / "+list[0].Body {
		t.Fatalf("desktop notification %q, want the bell's title and body", got)
	}
	if set, _ := e.svc.GetSettings(ctx); !set.DesktopNotifications {
		t.Fatal("the setting did not persist")
	}
	if _, err := e.svc.ShowDesktopNotification(ctx, "notif_missing"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown notification: %v", err)
	}
}
