package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/oauth1"
	"patchbay/backend/providers"
)

// oauth1FlowTTL bounds how long a generated authorization URL stays usable.
const oauth1FlowTTL = 15 * time.Minute

// OAuth1Start starts the OAuth 1.0a flow: for a new connection (Draft) or
// to reauthorize an existing one (ConnectionID).
type OAuth1Start struct {
	ConnectionID string                 `json:"connectionId,omitempty"`
	Draft        domain.ConnectionDraft `json:"draft"`
}

// OAuth1Flow is a running OAuth 1.0a authorization: open AuthorizeURL and
// allow, paste the verification code (VerifyOAuth1), then CompleteOAuth1.
type OAuth1Flow struct {
	ID           string              `json:"id"`
	AuthorizeURL string              `json:"authorizeUrl"`
	Verified     bool                `json:"verified"`
	Identity     string              `json:"identity,omitempty"`
	Check        *domain.CheckResult `json:"check,omitempty"`
	ConnectionID string              `json:"connectionId,omitempty"`
}

type oauth1Run struct {
	flow      OAuth1Flow
	reauthOf  string   // connection id when reauthorizing
	d         draft    // new connection (when reauthOf is empty)
	wsIDs     []string // its workspaces
	target    providers.Target
	endpoints oauth1.Endpoints
	client    oauth1.Client
	request   string // request token
	access    string // access token once verified
	expires   time.Time
}

type oauth1Flows struct {
	mu   sync.Mutex
	runs map[string]*oauth1Run
}

// StartOAuth1 gets a request token from the Jira server and returns the
// Authorization URL to open ("Generate URL"). Nothing is saved yet.
func (s *Consents) StartOAuth1(ctx context.Context, in OAuth1Start) (OAuth1Flow, error) {
	run := &oauth1Run{flow: OAuth1Flow{ID: newID("oauth1")}, expires: s.now().Add(oauth1FlowTTL)}
	if in.ConnectionID != "" {
		c, p, m, err := s.core.resolve(ctx, in.ConnectionID)
		if err != nil {
			return OAuth1Flow{}, err
		}
		if m.OAuth1 == nil {
			return OAuth1Flow{}, domain.Errorf(domain.EInvalid, "This connection does not use OAuth 1.0a; use Re-Authenticate or Reauthorize instead.")
		}
		sec, err := s.core.getSecrets(ctx, secretKeyOf(c))
		if err != nil {
			return OAuth1Flow{}, err
		}
		values := merged(c.Config, sec)
		delete(values, "oauth1Token")
		run.reauthOf, run.flow.ConnectionID = c.ID, c.ID
		run.target = providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: values}
	} else {
		d, err := s.core.prepareMode(ctx, in.Draft, true)
		if err != nil {
			return OAuth1Flow{}, err
		}
		if d.mode.OAuth1 == nil {
			return OAuth1Flow{}, domain.FieldError("authMode", "%s does not use OAuth 1.0a.", d.mode.Name)
		}
		if run.wsIDs, err = s.core.checkWorkspaces(ctx, in.Draft.WorkspaceIDs); err != nil {
			return OAuth1Flow{}, err
		}
		run.d, run.target = d, d.target()
	}
	key, err := oauth1.ParsePrivateKey(run.target.Values["privateKey"])
	if err != nil {
		return OAuth1Flow{}, err
	}
	run.client = oauth1.Client{Consumer: oauth1.Consumer{Key: run.target.Values["consumerKey"], PrivateKey: key}, Now: s.now}
	run.endpoints.RequestToken, run.endpoints.Authorize, run.endpoints.AccessToken = run.target.Mode.OAuth1Endpoints(run.target.BaseURL)
	run.request, _, err = run.client.RequestToken(ctx, run.endpoints)
	if err != nil {
		return OAuth1Flow{}, oauth1Error(err, "get a request token from "+run.target.BaseURL)
	}
	run.flow.AuthorizeURL = oauth1.AuthorizeURL(run.endpoints, run.request)
	s.oauth1.mu.Lock()
	if s.oauth1.runs == nil {
		s.oauth1.runs = map[string]*oauth1Run{}
	}
	for id, r := range s.oauth1.runs {
		if s.now().After(r.expires) {
			delete(s.oauth1.runs, id)
		}
	}
	s.oauth1.runs[run.flow.ID] = run
	s.oauth1.mu.Unlock()
	s.log.Info("oauth1 authorization started", "flow", run.flow.ID, "connection", run.reauthOf)
	return run.flow, nil
}

// VerifyOAuth1 exchanges the verification code the user copied from Jira's
// Access Approved page for an access token and checks it against the API
// ("Verify"). Nothing is saved until CompleteOAuth1.
func (s *Consents) VerifyOAuth1(ctx context.Context, id, code string) (OAuth1Flow, error) {
	run, err := s.oauth1Run(id)
	if err != nil {
		return OAuth1Flow{}, err
	}
	if code == "" {
		return run.flow, domain.FieldError("verificationCode", "Paste the verification code from Jira's Access Approved page.")
	}
	access, _, err := run.client.AccessToken(ctx, run.endpoints, run.request, code)
	if err != nil {
		return run.flow, oauth1Error(err, "verify the code")
	}
	values := map[string]string{}
	for k, v := range run.target.Values {
		values[k] = v
	}
	values["oauth1Token"] = access
	t := run.target
	t.Values = values
	res := s.validator.Validate(ctx, t)
	s.oauth1.mu.Lock()
	defer s.oauth1.mu.Unlock()
	run.flow.Check = &res
	if !res.OK() {
		return run.flow, &domain.Error{Code: domain.EValidation, Message: res.Message + " Nothing was changed.", Check: &res}
	}
	run.access, run.flow.Verified, run.flow.Identity = access, true, res.Identity
	return run.flow, nil
}

// CompleteOAuth1 saves a verified authorization ("Complete connection"): a
// new connection, or the reauthorized one with its new access token (the
// old one is replaced only now). Runs parked on it resume.
func (s *Consents) CompleteOAuth1(ctx context.Context, id string) (domain.Connection, error) {
	run, err := s.oauth1Run(id)
	if err != nil {
		return domain.Connection{}, err
	}
	if !run.flow.Verified || run.flow.Check == nil {
		return domain.Connection{}, domain.Errorf(domain.EConflict, "Verify the code first.")
	}
	res := *run.flow.Check
	now := s.now().UTC()
	var c domain.Connection
	if run.reauthOf == "" {
		wsIDs, err := s.core.checkWorkspaces(ctx, run.wsIDs)
		if err != nil {
			return c, err
		}
		d := run.d
		c = domain.Connection{ID: newID("conn"), Provider: d.provider.ID, AuthMode: d.mode.ID, Label: d.label, Owner: domain.OwnerTeam,
			WorkspaceIDs: wsIDs, BaseURL: d.baseURL, Config: d.config, Status: domain.StatusPending,
			SecretHint: domain.MaskSecret(run.access), CreatedAt: now, UpdatedAt: now}
		c.ApplyCheck(res)
		sec := map[string]string{"oauth1Token": run.access}
		for k, v := range d.secrets {
			sec[k] = v
		}
		if err := s.core.createConnections(ctx, []domain.Connection{c}, sec, nil); err != nil {
			return domain.Connection{}, err
		}
	} else {
		if c, err = s.store.GetConnection(ctx, run.reauthOf); err != nil {
			return c, err
		}
		sec, err := s.core.getSecrets(ctx, secretKeyOf(c))
		if err != nil {
			return c, err
		}
		sec["oauth1Token"] = run.access
		if err := s.core.putSecrets(ctx, secretKeyOf(c), sec); err != nil {
			return c, err
		}
		c, err = s.store.ChangeCredential(ctx, c.ID, func(x *domain.Connection) error {
			x.ApplyCheck(res)
			x.SecretHint, x.UpdatedAt = domain.MaskSecret(run.access), now
			return nil
		})
		if err != nil {
			return c, fmt.Errorf("record reauthorization of %s: %w", run.reauthOf, err)
		}
		s.log.Info("connection reauthorized", "connection", c.ID, "mode", c.AuthMode)
		s.core.recordCheck(ctx, c)
		s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: c.ID})
	}
	s.oauth1.mu.Lock()
	delete(s.oauth1.runs, id)
	s.oauth1.mu.Unlock()
	return s.store.GetConnection(ctx, c.ID)
}

func (s *Consents) oauth1Run(id string) (*oauth1Run, error) {
	s.oauth1.mu.Lock()
	defer s.oauth1.mu.Unlock()
	run, ok := s.oauth1.runs[id]
	if !ok || s.now().After(run.expires) {
		return nil, domain.Errorf(domain.ENotFound, "This authorization expired or is no longer known. Select Generate URL again.")
	}
	return run, nil
}

// oauth1Error turns an OAuth 1.0a answer into what the user should do.
func oauth1Error(err error, what string) error {
	var p *oauth1.Problem
	if !errors.As(err, &p) {
		return domain.Errorf(domain.EUnavailable, "Could not %s: %v. Check the server URL and that Jira is reachable.", what, err)
	}
	switch p.Problem {
	case "permission_unknown", "permission_denied":
		return domain.FieldError("verificationCode", "Jira did not accept the verification code. Select Allow on the Authorization URL page and copy the code it shows, or select Generate URL again.")
	case "token_rejected", "token_expired", "token_used":
		return domain.Errorf(domain.EValidation, "This authorization URL was already used or expired. Select Generate URL again.")
	case "consumer_key_unknown", "consumer_key_rejected":
		return domain.FieldError("consumerKey", "Jira does not know this consumer key. Use the consumer key of the incoming application link your Jira admin created.")
	case "signature_invalid", "signature_method_rejected":
		return domain.FieldError("privateKey", "Jira rejected the signature: the private key does not match the public key registered in the application link.")
	}
	return domain.Errorf(domain.EValidation, "Jira refused to %s (%s).", what, p.Error())
}
