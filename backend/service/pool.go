package service

import (
	"context"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
)

// poolField returns the mode's multi-value secret field (a PAT pool), if any.
func poolField(m *providers.Mode) (providers.Field, bool) {
	for _, f := range m.Fields {
		if f.Secret() && f.Multiple {
			return f, true
		}
	}
	return providers.Field{}, false
}

// splitPool returns the values of a multi-value field (one per line).
func splitPool(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, "\n")
}

// validateAll validates a target; for a pooled mode it validates every
// pooled secret on its own and returns one CredentialInfo per secret. The
// combined result is the healthiest secret's (most rate limit left) when any
// works, else the first failure; failed is the first failing secret's check.
func (s *Connections) validateAll(ctx context.Context, t providers.Target) (combined domain.CheckResult, creds []domain.CredentialInfo, failed *domain.CheckResult) {
	f, pooled := poolField(t.Mode)
	if !pooled {
		r := s.validator.Validate(ctx, t)
		if !r.OK() {
			failed = &r
		}
		return r, []domain.CredentialInfo{}, failed
	}
	creds = []domain.CredentialInfo{}
	var best *domain.CheckResult
	for _, secret := range splitPool(t.Values[f.Key]) {
		one := t
		one.Values = map[string]string{}
		for k, v := range t.Values {
			one.Values[k] = v
		}
		one.Values[f.Key] = secret
		r := s.validator.Validate(ctx, one)
		r.Message = credentialLabel(f, secret) + ": " + r.Message
		creds = append(creds, domain.CredentialFrom(secret, r))
		switch {
		case r.OK() && (best == nil || remaining(r) > remaining(*best)):
			rc := r
			best = &rc
		case !r.OK() && failed == nil:
			rc := r
			failed = &rc
		}
	}
	if best != nil {
		return *best, creds, failed
	}
	return *failed, creds, failed
}

func credentialLabel(f providers.Field, secret string) string {
	return f.Label + " " + domain.MaskSecret(secret)
}

func remaining(r domain.CheckResult) int {
	if r.RateRemaining == nil {
		return 0
	}
	return *r.RateRemaining
}

// PickCredential returns the index of the pooled secret with the most rate
// limit left among those whose last check passed (requests use that one);
// -1 when none works.
func PickCredential(creds []domain.CredentialInfo) int {
	best, most := -1, -1
	for i, c := range creds {
		if c.Class != domain.ClassOK {
			continue
		}
		n := 0
		if c.RateRemaining != nil {
			n = *c.RateRemaining
		}
		if n > most {
			best, most = i, n
		}
	}
	return best
}

// applyPool records a check: the connection is active while any pooled
// secret works, and a failing one is kept visible as the last error.
func applyPool(c *domain.Connection, combined domain.CheckResult, creds []domain.CredentialInfo, failed *domain.CheckResult) {
	c.ApplyCheck(combined)
	c.Credentials = creds
	if combined.OK() && failed != nil {
		c.LastError = failed
	}
}
