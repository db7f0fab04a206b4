package providers

import (
	"strings"

	"patchbay/backend/domain"
)

// Explain fills in the seed-003 guidance of a failed check: the likely
// causes, what to check and the action to take.
func Explain(r *domain.CheckResult, p *Provider) {
	if r.Class == domain.ClassOK {
		return
	}
	name := "the provider"
	if p != nil {
		name = p.Name
		r.StatusPageURL = p.StatusPageURL
	}
	statusCheck := "Check " + name + "'s status page for reported downtime."
	if r.StatusPageURL == "" {
		statusCheck = "Check whether " + name + " is reporting downtime."
	}
	switch r.Class {
	case domain.ClassInvalidCredentials, domain.ClassExpired, domain.ClassRevoked:
		r.Causes = []string{
			"The credentials have changed: the token or key was regenerated, revoked or has expired, or the account's password or permissions changed.",
			name + " may be having an outage that makes valid credentials look invalid.",
			"Patchbay may have hit an internal problem.",
		}
		r.Checks = []string{
			"Check that the credentials entered are correct and up to date; you may need to generate a new token or key.",
			statusCheck,
		}
		r.Action = "Re-authenticate: enter a new token or key, then Validate Connection."
	case domain.ClassInsufficientScope:
		need := "the permissions Patchbay needs"
		if len(r.MissingScopes) > 0 {
			need = "the scopes " + strings.Join(r.MissingScopes, ", ")
		}
		r.Causes = []string{"The credential is valid, but its permissions changed or never included " + need + "."}
		r.Checks = []string{"Check the token's scopes or the account's role at " + name + " and grant " + need + "."}
		r.Action = "Create a token with " + need + ", then Re-authenticate with it."
	case domain.ClassRateLimited:
		r.Causes = []string{"Too many requests were made with this credential recently."}
		r.Checks = []string{"Wait until the rate limit resets; other tools using the same credential count too."}
		r.Action = "Nothing to re-enter: Patchbay retries after the reset."
	case domain.ClassProviderDown:
		r.Causes = []string{name + " is having an internal problem or an outage."}
		r.Checks = []string{statusCheck}
		r.Action = "Nothing to re-enter: Patchbay retries with backoff. If it persists, contact " + name + "."
	case domain.ClassNetwork:
		r.Causes = []string{"Your network, a proxy or firewall, DNS, or the server itself is not reachable."}
		r.Checks = []string{"Check your internet connection and the URL.", statusCheck}
		r.Action = "Fix the network or the URL, then check again."
	case domain.ClassMisconfigured:
		r.Causes = []string{"The base URL, site or validation URL does not point at " + name + "'s API."}
		r.Checks = []string{"Check the URL for typos and that it is the API address, not a web page."}
		r.Action = "Correct the URL, then Validate Connection."
	}
}

// scrub removes any secret field value from a provider-supplied message, in
// case a provider echoes the credential back.
func scrub(msg string, t Target) string {
	if t.Mode == nil {
		return msg
	}
	for _, f := range t.Mode.Fields {
		if v := t.Values[f.Key]; f.Secret() && len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, "••••")
		}
	}
	return msg
}

// Normalize trims the mode's field values, checks required ones and token
// formats, and returns the cleaned values with warnings for the user. It
// returns an EInvalid error naming the first missing required field.
func Normalize(m *Mode, values map[string]string) (map[string]string, []string, error) {
	clean := make(map[string]string, len(m.Fields))
	var warnings []string
	for _, f := range m.Fields {
		raw, ok := values[f.Key]
		if !ok && f.Default != "" {
			raw = f.Default
		}
		v := strings.TrimSpace(raw)
		if f.Multiple {
			v = joinLines(raw)
		}
		if v != raw && v != "" && !(f.Multiple && v == strings.TrimRight(raw, "\n")) {
			warnings = append(warnings, "Removed spaces or line breaks around the "+f.Label+".")
		}
		if v == "" && f.Required {
			return nil, nil, domain.FieldError(f.Key, "Enter the %s.", f.Label)
		}
		for _, one := range strings.Split(v, "\n") {
			if f.Format != "" && one != "" && !formatMatches(f.Format, one) {
				hint := f.FormatHint
				if hint == "" {
					hint = "It does not look like a " + f.Label + " for this provider; check that you pasted the right one."
				}
				warnings = append(warnings, hint)
				break
			}
		}
		clean[f.Key] = v
	}
	return clean, warnings, nil
}

func formatMatches(pattern, v string) bool {
	re, err := compiled(pattern)
	return err == nil && re.MatchString(v)
}

// joinLines trims each line of a multi-value field and drops empty ones.
func joinLines(raw string) string {
	var out []string
	for _, l := range strings.Split(raw, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
