package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"patchbay/backend/domain"
)

// InventorySpec says how to list a provider's items (repositories,
// projects, channels): the request and where the names are in the answer.
type InventorySpec struct {
	Kind string `json:"kind"` // what the items are: repositories, projects…
	URL  string `json:"url"`
	// ItemsPath is a dotted path to the array in the answer ("" = the
	// answer itself is the array).
	ItemsPath string `json:"itemsPath,omitempty"`
	// NameField is a dotted path to each item's name.
	NameField string `json:"nameField"`
}

// PostSpec says how to post a message (Slack's chat.postMessage).
type PostSpec struct {
	URL string `json:"url"`
	// Body is a JSON template with {{channel}} and {{text}} placeholders.
	Body string `json:"body"`
	// Reader reads the answer (Slack: HTTP 200 with ok:false is a failure);
	// the mode's validation reader if empty.
	Reader string `json:"reader,omitempty"`
}

// Inventory fetches the names of the provider's items with t's credential.
func (v *Validator) Inventory(ctx context.Context, t Target, spec InventorySpec) ([]string, domain.CheckResult) {
	if t.Mode.Inventory != nil {
		spec = *t.Mode.Inventory
	}
	res, body := v.call(ctx, t, "GET", spec.URL, nil, ValidateSpec{Reader: t.Mode.Validate.Reader,
		RateRemainingHeader: t.Mode.Validate.RateRemainingHeader, RateResetHeader: t.Mode.Validate.RateResetHeader})
	if !res.OK() {
		Explain(&res, t.Provider)
		return nil, res
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		res.Class, res.Message = domain.ClassMisconfigured, "The provider's inventory answer is not JSON."
		return nil, res
	}
	items, ok := dig(doc, spec.ItemsPath).([]any)
	if !ok {
		res.Class, res.Message = domain.ClassMisconfigured, fmt.Sprintf("The provider's inventory answer has no list at %q.", spec.ItemsPath)
		return nil, res
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := dig(it, spec.NameField).(string); ok && s != "" {
			names = append(names, s)
		}
	}
	res.Message = fmt.Sprintf("Fetched %d %s.", len(names), spec.Kind)
	return names, res
}

// Post sends a message (Slack summary) with t's credential.
func (v *Validator) Post(ctx context.Context, t Target, spec PostSpec, channel, text string) domain.CheckResult {
	esc := func(s string) string { b, _ := json.Marshal(s); return strings.Trim(string(b), `"`) }
	body := strings.NewReplacer("{{channel}}", esc(channel), "{{text}}", esc(text)).Replace(spec.Body)
	reader := t.Mode.Validate.Reader
	if spec.Reader != "" {
		reader = spec.Reader
	}
	res, _ := v.call(ctx, t, "POST", spec.URL, []byte(body), ValidateSpec{Reader: reader})
	if res.OK() {
		res.Message = "Posted the summary to " + channel + "."
	} else {
		Explain(&res, t.Provider)
	}
	return res
}

func dig(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}
