package oauth_test

import (
	"testing"

	"golang.org/x/oauth2"

	"patchbay/backend/oauth"
	"patchbay/backend/providers"
)

// Never auto-detection: the style follows the documented method, and a
// public client (no secret) sends only its client_id in the body.
func TestAuthStyle(t *testing.T) {
	for _, tt := range []struct {
		method, secret string
		want           oauth2.AuthStyle
	}{
		{providers.TokenAuthBasic, "s", oauth2.AuthStyleInHeader},
		{providers.TokenAuthPost, "s", oauth2.AuthStyleInParams},
		{providers.TokenAuthBasic, "", oauth2.AuthStyleInParams},
		{providers.TokenAuthPost, "", oauth2.AuthStyleInParams},
		{"", "s", oauth2.AuthStyleInHeader},
	} {
		if got := oauth.AuthStyle(tt.method, tt.secret); got != tt.want {
			t.Errorf("AuthStyle(%q, secret %q) = %v, want %v", tt.method, tt.secret, got, tt.want)
		}
	}
}
