package oauth

import (
	"golang.org/x/oauth2"

	"patchbay/backend/providers"
)

// AuthStyle is the x/oauth2 client authentication for a token endpoint
// that takes method (providers.TokenAuthBasic or TokenAuthPost). It is
// never AuthStyleAutoDetect, which sends a refused token request a second
// time with the other style: a second use of a refresh token that rotating
// providers may hold against the grant. A client without a secret (a
// public client) puts only its client_id in the body (RFC 6749 section
// 3.2.1): a Basic header with an empty password would claim a secret.
func AuthStyle(method, clientSecret string) oauth2.AuthStyle {
	if clientSecret == "" || method == providers.TokenAuthPost {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}
