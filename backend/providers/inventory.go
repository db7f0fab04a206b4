package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
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
	// Pages says how the answer continues on further pages: PagesLink
	// follows the Link header's rel="next" (RFC 8288; GitHub's REST API),
	// up to MaxPages requests; "" reads only the first page.
	Pages    string `json:"pages,omitempty"`
	MaxPages int    `json:"maxPages,omitempty"`
}

// PagesLink is InventorySpec.Pages for answers that name their next page in
// a Link header (docs.github.com, "Using pagination in the REST API").
const PagesLink = "link"

// defaultMaxPages caps a paginated inventory whose spec sets no MaxPages.
const defaultMaxPages = 10

// PostSpec says how to post a message (Slack's chat.postMessage).
type PostSpec struct {
	URL string `json:"url"`
	// Body is a JSON template with {{channel}} and {{text}} placeholders.
	Body string `json:"body"`
	// Reader reads the answer (Slack: HTTP 200 with ok:false is a failure);
	// the mode's validation reader if empty.
	Reader string `json:"reader,omitempty"`
}

// Inventory fetches the names of the provider's items with t's credential,
// page after page when the spec says how the answer continues (at most
// MaxPages requests; the message says when the provider lists more). A
// page that fails fails the whole inventory: a partial list never passes
// for the whole.
func (v *Validator) Inventory(ctx context.Context, t Target, spec InventorySpec) ([]string, domain.CheckResult) {
	if t.Mode.Inventory != nil {
		spec = *t.Mode.Inventory
	}
	maxPages := spec.MaxPages
	if maxPages <= 0 {
		maxPages = defaultMaxPages
	}
	read := ValidateSpec{Reader: t.Mode.Validate.Reader, RateRemainingHeader: t.Mode.Validate.RateRemainingHeader, RateResetHeader: t.Mode.Validate.RateResetHeader}
	var names []string
	var res domain.CheckResult
	url, pages, more := spec.URL, 0, false
	for {
		var body []byte
		var header http.Header
		res, body, header = v.callHeader(ctx, t, "GET", url, nil, read)
		pages++
		if !res.OK() {
			Explain(&res, t.Provider)
			return nil, res
		}
		page, problem := itemNames(body, spec)
		if problem != "" {
			res.Class, res.Message = domain.ClassMisconfigured, problem
			return nil, res
		}
		names = append(names, page...)
		next := ""
		if spec.Pages == PagesLink {
			next = nextLink(header, t.apiBase())
		}
		if next == "" {
			break
		}
		if pages >= maxPages {
			more = true
			break
		}
		url = next
	}
	res.Message = fmt.Sprintf("Fetched %d %s.", len(names), spec.Kind)
	if more {
		res.Message = fmt.Sprintf("Fetched the first %d %s (%d pages); the provider lists more.", len(names), spec.Kind, pages)
	}
	return names, res
}

// itemNames reads one page of an inventory answer; problem says what is
// wrong with it.
func itemNames(body []byte, spec InventorySpec) (names []string, problem string) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, "The provider's inventory answer is not JSON."
	}
	items, ok := dig(doc, spec.ItemsPath).([]any)
	if !ok {
		return nil, fmt.Sprintf("The provider's inventory answer has no list at %q.", spec.ItemsPath)
	}
	names = make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := dig(it, spec.NameField).(string); ok && s != "" {
			names = append(names, s)
		}
	}
	return names, ""
}

// nextLink returns the rel="next" target of the Link header fields (RFC
// 8288 section 3), if it is an absolute URL on the scheme and host of base:
// the credential goes nowhere else. A target with template braces is
// refused too, since request URLs are templates filled with the
// connection's values.
func nextLink(h http.Header, base string) string {
	b, err := neturl.Parse(base)
	if err != nil {
		return ""
	}
	for _, field := range h.Values("Link") {
		for rest := field; ; {
			start := strings.IndexByte(rest, '<')
			end := strings.IndexByte(rest, '>')
			if start < 0 || end < start {
				break
			}
			target := rest[start+1 : end]
			rest = rest[end+1:]
			// The link's parameters run to the next link (a comma outside quotes).
			params, inQuote, cut := rest, false, len(rest)
			for i, c := range rest {
				if c == '"' {
					inQuote = !inQuote
				} else if c == ',' && !inQuote {
					cut = i
					break
				}
			}
			params, rest = rest[:cut], rest[cut:]
			if !relIsNext(params) {
				continue
			}
			u, err := neturl.Parse(target)
			if err != nil || !u.IsAbs() || u.Scheme != b.Scheme || !strings.EqualFold(u.Host, b.Host) || strings.ContainsAny(target, "{}") {
				return ""
			}
			return target
		}
	}
	return ""
}

// relIsNext reports whether a link's parameters (;rel="next" …) include the
// relation type next (rel may list several, space-separated).
func relIsNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
			continue
		}
		for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
			if strings.EqualFold(r, "next") {
				return true
			}
		}
	}
	return false
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
