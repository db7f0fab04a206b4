package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

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

// TestMaskSecretMultiByte: the hint counts characters, not bytes, so a secret
// with multi-byte UTF-8 characters yields valid UTF-8, shows at most the four
// last characters of a secret of twelve or more characters (as for ASCII), and
// no secret of any length is shown entirely.
func TestMaskSecretMultiByte(t *testing.T) {
	tests := []struct{ name, secret, want string }{
		{"ascii 12", "abcdefgh1234", "••••1234"},
		{"ascii 11", "abcdefgh123", "••••"},
		{"two-byte tail", "abcdefghéèàü", "••••éèàü"},
		{"tail cut inside a rune", "abcdefghijk€", "••••ijk€"},
		{"12 bytes, 4 characters", "€€€€", "••••"},
		{"12 bytes, 3 characters", "𝄞𝄞𝄞", "••••"},
		{"11 characters of 4 bytes", strings.Repeat("😀", 11), "••••"},
		{"12 characters of 4 bytes", strings.Repeat("😀", 12), "••••😀😀😀😀"},
		{"mixed", "tok_ü😀é€abcdé", "••••bcdé"},
		{"invalid utf-8 tail", "abcdefghijk\xff", "••••"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MaskSecret(tt.secret)
			if got != tt.want {
				t.Errorf("MaskSecret(%q) = %q, want %q", tt.secret, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("MaskSecret(%q) = %q is not valid UTF-8", tt.secret, got)
			}
			tail := strings.TrimPrefix(got, "••••")
			if n := utf8.RuneCountInString(tail); n > 4 || (n > 0 && utf8.RuneCountInString(tt.secret) < 12) {
				t.Errorf("MaskSecret(%q) shows %d characters of a %d-character secret", tt.secret, n, utf8.RuneCountInString(tt.secret))
			}
		})
	}
	for _, r := range []string{"a", "é", "€", "😀"} {
		for n := 0; n <= 20; n++ {
			s := strings.Repeat(r, n)
			got := MaskSecret(s)
			if n > 0 && strings.Contains(got, s) {
				t.Errorf("MaskSecret(%q) = %q reveals the whole secret", s, got)
			}
			if !utf8.ValidString(got) || utf8.RuneCountInString(strings.TrimPrefix(got, "••••")) > 4 {
				t.Errorf("MaskSecret(%q) = %q", s, got)
			}
		}
	}
}
