package domain

import "testing"

func TestApplyCheck(t *testing.T) {
	tests := []struct {
		name            string
		from            Status
		class           Class
		wantStatus      Status
		wantInterrupted bool
		wantDesc        string
	}{
		{"ok activates pending", StatusPending, ClassOK, StatusActive, false, "Connected and working."},
		{"ok recovers error", StatusError, ClassOK, StatusActive, false, "Connected and working."},
		{"401 breaks active", StatusActive, ClassInvalidCredentials, StatusError, false, "Reconnection needed."},
		{"expired breaks active", StatusActive, ClassExpired, StatusError, false, "Reconnection needed."},
		{"5xx interrupts active", StatusActive, ClassProviderDown, StatusActive, true, "Connected and working."},
		{"429 interrupts active", StatusActive, ClassRateLimited, StatusActive, true, "Connected and working."},
		{"network keeps error in error", StatusError, ClassNetwork, StatusError, false, "Reconnection needed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Connection{Status: tt.from}
			c.ApplyCheck(CheckResult{Class: tt.class, Identity: "me"})
			if c.Status != tt.wantStatus || c.Interrupted() != tt.wantInterrupted || c.StatusDescription != tt.wantDesc {
				t.Fatalf("status=%s interrupted=%v desc=%q", c.Status, c.Interrupted(), c.StatusDescription)
			}
			if tt.class == ClassOK && (c.LastError != nil || c.Identity != "me") {
				t.Fatalf("ok check left %+v", c)
			}
			if c.LastCheckedAt == nil {
				t.Fatal("last checked not set")
			}
		})
	}
}

func TestMaskSecret(t *testing.T) {
	if got := MaskSecret("ghp_abcdefghijklmnop1234"); got != "••••1234" {
		t.Errorf("got %q", got)
	}
	if got := MaskSecret("short"); got != "••••" {
		t.Errorf("short secret revealed: %q", got)
	}
}
