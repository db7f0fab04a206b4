package oauth

import (
	"context"
	"errors"

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

// AuthStyleUnknown marks a config whose client authentication is not
// known yet (a Generic connection made by a release that left it to
// x/oauth2's auto-detection). It is never handed to x/oauth2: the
// Refresher and a consent's code exchange learn the style once (see
// WhenAuthStyleLearned and ConsentOptions.AuthStyleLearned).
const AuthStyleUnknown = oauth2.AuthStyleAutoDetect

type learnedKey struct{}

// WhenAuthStyleLearned returns ctx carrying record. A refresh under it of a
// config with AuthStyleUnknown sends Basic (RFC 6749 section 2.3.1) and,
// only when the server answers invalid_client (section 5.2: client
// authentication failed, the grant was not used), the body once; the
// method that worked (providers.TokenAuthBasic or TokenAuthPost) goes to
// record. A refusal about the grant (invalid_grant…) is never sent again.
func WhenAuthStyleLearned(ctx context.Context, record func(ctx context.Context, method string)) context.Context {
	return context.WithValue(ctx, learnedKey{}, record)
}

// learnedRecorder is the record WhenAuthStyleLearned put in ctx, or nil.
func learnedRecorder(ctx context.Context) func(ctx context.Context, method string) {
	f, _ := ctx.Value(learnedKey{}).(func(ctx context.Context, method string))
	return f
}

// styleLearner sends the token requests of one refresh or code exchange
// in cfg's client authentication. An unknown one (AuthStyleUnknown) is
// learned here, never by x/oauth2's auto-detection (which resends every
// refused request): Basic (RFC 6749 section 2.3.1), and only after an
// invalid_client answer (section 5.2: client authentication failed, the
// grant — refresh token or code — was not looked at) the same request
// once more in the body, kept for the requests that follow. A refusal about
// the grant (invalid_grant…) is never sent again. A public client (no
// secret) has nothing to learn: its client_id goes in the body.
type styleLearner struct {
	cfg      *oauth2.Config
	style    oauth2.AuthStyle
	learning bool
}

// learnStyle starts learning cfg's client authentication if it is unknown.
func learnStyle(cfg *oauth2.Config) *styleLearner {
	l := &styleLearner{cfg: cfg, style: cfg.Endpoint.AuthStyle}
	if l.style == AuthStyleUnknown {
		l.style = AuthStyle(providers.TokenAuthBasic, cfg.ClientSecret)
		l.learning = l.style == oauth2.AuthStyleInHeader
	}
	return l
}

// request sends one token request (send, given cfg in the current style)
// and, while learning, after invalid_client to Basic, once more in the body.
func (l *styleLearner) request(send func(cfg *oauth2.Config) (*oauth2.Token, error)) (*oauth2.Token, error) {
	tok, err := send(withStyle(l.cfg, l.style))
	if err != nil && l.learning && l.style == oauth2.AuthStyleInHeader && invalidClient(err) {
		l.style = oauth2.AuthStyleInParams
		tok, err = send(withStyle(l.cfg, l.style))
	}
	return tok, err
}

// learned is the method that worked (providers.TokenAuthBasic or
// TokenAuthPost) after a successful request, "" when nothing was learned.
func (l *styleLearner) learned() string {
	if !l.learning {
		return ""
	}
	return styleMethod(l.style)
}

// withStyle is cfg with the client authentication style (a new config:
// oauth2.Config is not copied).
func withStyle(cfg *oauth2.Config, style oauth2.AuthStyle) *oauth2.Config {
	if cfg.Endpoint.AuthStyle == style {
		return cfg
	}
	ep := cfg.Endpoint
	ep.AuthStyle = style
	return &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: ep, RedirectURL: cfg.RedirectURL, Scopes: cfg.Scopes}
}

// invalidClient reports an RFC 6749 section 5.2 invalid_client answer.
func invalidClient(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_client"
}

// styleMethod names an x/oauth2 style as the catalogue does.
func styleMethod(style oauth2.AuthStyle) string {
	if style == oauth2.AuthStyleInParams {
		return providers.TokenAuthPost
	}
	return providers.TokenAuthBasic
}
